//! A lesson's automatic check: its steps ([`Step`]) and their evaluation over
//! a session's trace ([`evaluate`], docs/lessons.md "Checks").
//!
//! Steps with `expect` (and `probe`) must be met **in order**: each by trace
//! items after the item that met the step before, with variables bound by
//! earlier steps keeping their values. That is what makes a skipped step fail.
//! A probe runs while the learner serves its clients, so the steps after a
//! probe step are looked for after the step before the probe (and the probe
//! must have passed too).
//! A `never` step fails the lesson when any trace item matches it. A `probe`
//! step asks the page to run the lesson's own client against the learner's
//! server; its result enters the trace as a `probe` item.
//!
//! The search for a way to meet the steps backtracks (an earlier step may have
//! to choose a later item so that a later step can be met), bounded by
//! [`MAX_MATCH_ATTEMPTS`]: a check never takes unbounded time, whatever the
//! lesson file or the trace.

use crate::lesson::Text;
use crate::pattern::{self, Bindings};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Most pattern matches one evaluation tries before it settles for the best
/// progress found so far.
pub const MAX_MATCH_ATTEMPTS: usize = 200_000;
/// Most items a step's `times` may ask for.
pub const MAX_TIMES: u32 = 16;
/// Most clients a probe may run.
pub const MAX_PROBE_CLIENTS: u32 = 8;
/// Most messages each probe client sends.
pub const MAX_PROBE_MESSAGES: usize = 16;
/// Longest probe message, in characters.
pub const MAX_PROBE_MESSAGE_CHARS: usize = 1024;
/// Longest time a probe waits for a reply.
pub const MAX_PROBE_TIMEOUT_MS: u64 = 600_000;

fn one() -> u32 {
    1
}

/// One step of a check: exactly one of `expect`, `never` and `probe`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// What the step asks, shown as a checklist line.
    pub say: Text,
    /// A pattern some trace item after the previous step's must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Value>,
    /// With `expect`: this many distinct items, in order. Variables the step
    /// binds may take a different value in each; later steps see the first.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub times: u32,
    /// A pattern no trace item may match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub never: Option<Value>,
    /// Clients the page runs against the learner's server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<Probe>,
}

fn is_one(n: &u32) -> bool {
    *n == 1
}

/// A check's own clients: each connects to `connect` (an address, or a
/// variable bound to one by an earlier step), sends its messages one at a time
/// (`{c}` in a message becomes the client's number, from 1) and waits for the
/// reply `expect` names. Clients take turns, message by message, so a server
/// must serve them all at once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Probe {
    pub connect: Value,
    #[serde(default = "one")]
    pub clients: u32,
    pub send: Vec<String>,
    pub expect: ProbeExpect,
    #[serde(default = "default_probe_timeout")]
    pub timeout_ms: u64,
}

fn default_probe_timeout() -> u64 {
    120_000
}

/// What a probe client must get back for each message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProbeExpect {
    /// The same bytes.
    Echo,
    /// This text, whatever was sent.
    Text(String),
}

impl Probe {
    /// The address to connect to, with variables resolved: `[host, port]`.
    pub fn target(&self, bindings: &Bindings) -> Option<crate::Addr> {
        let value = match &self.connect {
            Value::String(s) if pattern::is_variable(s) => bindings.get(s.as_str())?.clone(),
            other => other.clone(),
        };
        serde_json::from_value(value).ok()
    }

    /// Message `i` of client `c` (numbered from 1), as sent.
    pub fn message(&self, client: u32, i: usize) -> Option<String> {
        self.send
            .get(i)
            .map(|m| m.replace("{c}", &client.to_string()))
    }
}

impl Step {
    /// Problems with this step, each naming its field.
    pub fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let kinds = [
            self.expect.is_some(),
            self.never.is_some(),
            self.probe.is_some(),
        ]
        .iter()
        .filter(|k| **k)
        .count();
        if kinds != 1 {
            problems.push("a step has exactly one of `expect`, `never` and `probe`".into());
        }
        for (field, p) in [("expect", &self.expect), ("never", &self.never)] {
            if let Some(Err(e)) = p.as_ref().map(pattern::validate) {
                problems.push(format!("{field}: {e}"));
            }
        }
        if self.times == 0 || self.times > MAX_TIMES {
            problems.push(format!("times: from 1 to {MAX_TIMES}"));
        }
        if self.times != 1 && self.expect.is_none() {
            problems.push("times: only with `expect`".into());
        }
        if let Some(probe) = &self.probe {
            let literal: Option<crate::Addr> = serde_json::from_value(probe.connect.clone()).ok();
            let variable = matches!(&probe.connect, Value::String(s) if pattern::is_variable(s));
            if literal.is_none() && !variable {
                problems.push(
                    "probe.connect: an address [\"127.0.0.1\", 20178] or a variable such as \"$addr\""
                        .into(),
                );
            }
            if probe.clients == 0 || probe.clients > MAX_PROBE_CLIENTS {
                problems.push(format!("probe.clients: from 1 to {MAX_PROBE_CLIENTS}"));
            }
            if probe.send.is_empty() || probe.send.len() > MAX_PROBE_MESSAGES {
                problems.push(format!(
                    "probe.send: from 1 to {MAX_PROBE_MESSAGES} messages"
                ));
            }
            if probe
                .send
                .iter()
                .any(|m| m.is_empty() || m.chars().count() > MAX_PROBE_MESSAGE_CHARS)
            {
                problems.push(format!(
                    "probe.send: each message from 1 to {MAX_PROBE_MESSAGE_CHARS} characters"
                ));
            }
            if probe.timeout_ms == 0 || probe.timeout_ms > MAX_PROBE_TIMEOUT_MS {
                problems.push(format!(
                    "probe.timeout_ms: from 1 to {MAX_PROBE_TIMEOUT_MS}"
                ));
            }
        }
        problems
    }

    fn ordered(&self) -> bool {
        self.expect.is_some() || self.probe.is_some()
    }
}

/// Where one step stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    /// Not met yet.
    Waiting,
    Met,
    /// A `never` step whose pattern matched, or a probe that failed.
    Broken,
}

/// A check's result over a trace.
#[derive(Clone, Debug, PartialEq)]
pub struct Progress {
    /// One status per step, in the lesson's order.
    pub steps: Vec<StepStatus>,
    /// Every step met and nothing broken: the lesson is done.
    pub done: bool,
    /// A probe step that is next in line and has not run: the page should run
    /// it now (with [`Progress::bindings`] to resolve its target).
    pub run_probe: Option<usize>,
    /// The variables bound by the steps met so far.
    pub bindings: Bindings,
    /// The trace item that met each ordered step, for highlighting.
    pub met_at: Vec<Option<usize>>,
}

/// Evaluates `steps` over `trace` (the items of [`crate::trace::TraceBuilder`]).
pub fn evaluate(steps: &[Step], trace: &[Value]) -> Progress {
    let ordered: Vec<usize> = (0..steps.len())
        .filter(|&i| steps.get(i).is_some_and(Step::ordered))
        .collect();
    let mut search = Search {
        steps,
        ordered: &ordered,
        trace,
        attempts: 0,
        best: Best {
            reached: 0,
            bindings: Bindings::new(),
            met_at: Vec::new(),
        },
        probe_at: None,
    };
    let mut path = Vec::new();
    search.descend(0, 0, Bindings::new(), &mut path);
    let probe_at = search.probe_at;
    let mut best = search.best;

    let mut status = vec![StepStatus::Waiting; steps.len()];
    let mut met_at = vec![None; steps.len()];
    for (k, &i) in ordered.iter().enumerate().take(best.reached) {
        if let Some(s) = status.get_mut(i) {
            *s = StepStatus::Met;
        }
        if let Some(m) = met_at.get_mut(i) {
            *m = best.met_at.get(k).copied();
        }
    }
    let mut run_probe = None;
    if let Some(&next) = ordered.get(best.reached) {
        if steps.get(next).is_some_and(|s| s.probe.is_some()) {
            // The latest way to reach the probe: a learner whose probe failed
            // repeats the step before it (listens again) for a fresh run.
            let after = match probe_at {
                Some((k, from, bindings)) if k == best.reached => {
                    best.bindings = bindings;
                    from
                }
                _ => best.met_at.last().map_or(0, |&at| at + 1),
            };
            match probe_result(trace, next, after) {
                Some(false) => {
                    if let Some(s) = status.get_mut(next) {
                        *s = StepStatus::Broken;
                    }
                }
                _ => run_probe = Some(next),
            }
        }
    }
    for (i, step) in steps.iter().enumerate() {
        if let Some(never) = &step.never {
            let broken = trace
                .iter()
                .any(|item| pattern::matches(never, item, &mut best.bindings.clone()));
            if let Some(s) = status.get_mut(i) {
                *s = if broken {
                    StepStatus::Broken
                } else {
                    StepStatus::Met
                };
            }
        }
    }
    let done = best.reached == ordered.len() && status.iter().all(|s| *s == StepStatus::Met);
    Progress {
        steps: status,
        done,
        run_probe: if done { None } else { run_probe },
        bindings: best.bindings,
        met_at,
    }
}

/// The first result of step `step`'s probe at or after `after`.
fn probe_result(trace: &[Value], step: usize, after: usize) -> Option<bool> {
    trace.iter().skip(after).find_map(|item| {
        let probe = item.get("probe")?;
        (probe.get("step")?.as_u64()? == step as u64).then(|| probe.get("passed")?.as_bool())?
    })
}

struct Best {
    /// Ordered steps met.
    reached: usize,
    bindings: Bindings,
    met_at: Vec<usize>,
}

struct Search<'a> {
    steps: &'a [Step],
    ordered: &'a [usize],
    trace: &'a [Value],
    attempts: usize,
    best: Best,
    /// The furthest probe step reached, by the path whose step before it was
    /// met latest: (ordered index, first item after that step, bindings).
    probe_at: Option<(usize, usize, Bindings)>,
}

impl Search<'_> {
    /// Tries to meet ordered step `k` (and those after it) with items from
    /// `from` on. Returns true when every step is met.
    fn descend(
        &mut self,
        k: usize,
        from: usize,
        bindings: Bindings,
        path: &mut Vec<usize>,
    ) -> bool {
        if k > self.best.reached {
            self.best = Best {
                reached: k,
                bindings: bindings.clone(),
                met_at: path.clone(),
            };
        }
        let Some(step) = self.ordered.get(k).and_then(|&i| self.steps.get(i)) else {
            return true;
        };
        if let Some(expect) = &step.expect {
            return self.meet_times(k, expect, step.times, from, &bindings, None, path);
        }
        // A probe step: met by its passing result.
        let Some(&index) = self.ordered.get(k) else {
            return false;
        };
        let later = self
            .probe_at
            .as_ref()
            .is_none_or(|(pk, pfrom, _)| k > *pk || (k == *pk && from >= *pfrom));
        if later {
            self.probe_at = Some((k, from, bindings.clone()));
        }
        let found = self.trace.iter().enumerate().skip(from).find(|(_, item)| {
            item.get("probe").is_some_and(|p| {
                p.get("step").and_then(Value::as_u64) == Some(index as u64)
                    && p.get("passed").and_then(Value::as_bool) == Some(true)
            })
        });
        match found {
            Some((at, _)) => {
                path.push(at);
                // The probe's clients run alongside the learner's calls (the
                // learner serves them while they wait), so the steps after a
                // probe are looked for after the step before it.
                let all = self.descend(k + 1, from, bindings, path);
                path.pop();
                all
            }
            None => false,
        }
    }

    /// Meets `expect` `left` more times from `from`, then the steps after `k`.
    /// Each repetition matches with the bindings from before the step
    /// (`base`), so a variable the step binds may differ between repetitions;
    /// the first repetition's bindings (`kept`) are the ones later steps see.
    #[allow(clippy::too_many_arguments)]
    fn meet_times(
        &mut self,
        k: usize,
        expect: &Value,
        left: u32,
        from: usize,
        base: &Bindings,
        kept: Option<Bindings>,
        path: &mut Vec<usize>,
    ) -> bool {
        if left == 0 {
            let after = kept.unwrap_or_else(|| base.clone());
            return self.descend(k + 1, from, after, path);
        }
        for at in from..self.trace.len() {
            if self.attempts >= MAX_MATCH_ATTEMPTS {
                return false;
            }
            self.attempts += 1;
            let Some(item) = self.trace.get(at) else {
                break;
            };
            let mut trial = base.clone();
            if pattern::matches(expect, item, &mut trial) {
                let pushed = left == 1;
                if pushed {
                    path.push(at);
                }
                let first = kept.clone().unwrap_or(trial);
                let all = self.meet_times(k, expect, left - 1, at + 1, base, Some(first), path);
                if pushed {
                    path.pop();
                }
                if all {
                    return true;
                }
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn step(v: Value) -> Step {
        let mut v = v;
        if let Value::Object(map) = &mut v {
            map.insert("say".into(), json!({"en": "s"}));
        }
        serde_json::from_value(v).unwrap_or_else(|e| panic!("{e}"))
    }

    fn listen_then_echo() -> Vec<Step> {
        vec![
            step(json!({"expect": {"call": "listen", "args": {"sock": "$srv"}, "ok": {}}})),
            step(
                json!({"expect": {"call": "accept", "args": {"sock": "$srv"}, "ok": {"sock": "$conn"}}, "times": 2}),
            ),
            step(json!({"expect": {"call": "sendall", "args": {"sock": "$conn"}}})),
            step(json!({"never": {"err": {"code": "EAGAIN"}}})),
        ]
    }

    fn call(name: &str, args: Value, ok: Value) -> Value {
        json!({"call": name, "args": args, "ok": ok})
    }

    #[test]
    fn steps_are_met_in_order_with_bindings() {
        let trace = vec![
            call("listen", json!({"sock": "s1"}), json!({})),
            call("accept", json!({"sock": "s1"}), json!({"sock": "s3"})),
            call("accept", json!({"sock": "s1"}), json!({"sock": "s5"})),
            call("sendall", json!({"sock": "s3"}), json!({})),
        ];
        let p = evaluate(&listen_then_echo(), &trace);
        assert!(p.done, "{p:?}");
        assert_eq!(p.steps, vec![StepStatus::Met; 4]);
        assert_eq!(p.bindings.get("$conn"), Some(&json!("s3")));
    }

    #[test]
    fn a_skipped_step_does_not_pass() {
        // Only one accept: the `times: 2` step is not met, nor any after it.
        let trace = vec![
            call("listen", json!({"sock": "s1"}), json!({})),
            call("accept", json!({"sock": "s1"}), json!({"sock": "s3"})),
            call("sendall", json!({"sock": "s3"}), json!({})),
        ];
        let p = evaluate(&listen_then_echo(), &trace);
        assert!(!p.done);
        assert_eq!(
            p.steps,
            vec![
                StepStatus::Met,
                StepStatus::Waiting,
                StepStatus::Waiting,
                StepStatus::Met
            ]
        );
        // Done out of order: sendall before the accepts.
        let trace = vec![
            call("listen", json!({"sock": "s1"}), json!({})),
            call("sendall", json!({"sock": "s3"}), json!({})),
            call("accept", json!({"sock": "s1"}), json!({"sock": "s3"})),
            call("accept", json!({"sock": "s1"}), json!({"sock": "s5"})),
        ];
        assert!(!evaluate(&listen_then_echo(), &trace).done);
    }

    #[test]
    fn backtracking_finds_the_binding_that_works() {
        let steps = vec![
            step(json!({"expect": {"call": "listen", "args": {"sock": "$srv"}}})),
            step(json!({"expect": {"call": "accept", "args": {"sock": "$srv"}}})),
        ];
        let trace = vec![
            call("listen", json!({"sock": "s1"}), json!({})),
            call("listen", json!({"sock": "s2"}), json!({})),
            call("accept", json!({"sock": "s2"}), json!({})),
        ];
        let p = evaluate(&steps, &trace);
        assert!(p.done);
        assert_eq!(p.bindings.get("$srv"), Some(&json!("s2")));
    }

    #[test]
    fn a_never_step_breaks_the_lesson() {
        let trace = vec![
            call("listen", json!({"sock": "s1"}), json!({})),
            json!({"call": "accept", "args": {"sock": "s1"}, "err": {"code": "EAGAIN"}}),
        ];
        let p = evaluate(&listen_then_echo(), &trace);
        assert_eq!(p.steps.get(3), Some(&StepStatus::Broken));
        assert!(!p.done);
    }

    #[test]
    fn a_probe_step_asks_to_run_then_reads_its_result() {
        let steps = vec![
            step(json!({"expect": {"call": "listen", "ok": {}, "args": {"sock": "$srv"}}})),
            step(
                json!({"expect": {"call": "getsockname", "args": {"sock": "$srv"}, "ok": {"addr": "$addr"}}}),
            ),
            step(
                json!({"probe": {"connect": "$addr", "clients": 3, "send": ["c{c}"], "expect": "echo"}}),
            ),
        ];
        let mut trace = vec![
            call("listen", json!({"sock": "s1"}), json!({})),
            call(
                "getsockname",
                json!({"sock": "s1"}),
                json!({"addr": ["127.0.0.1", 20178]}),
            ),
        ];
        let p = evaluate(&steps, &trace);
        assert_eq!(p.run_probe, Some(2));
        let probe = steps.get(2).and_then(|s| s.probe.as_ref());
        assert_eq!(
            probe.and_then(|p| p.target(&evaluate(&steps, &trace).bindings)),
            Some(crate::Addr::new("127.0.0.1", 20178))
        );
        assert_eq!(probe.and_then(|p| p.message(2, 0)), Some("c2".to_owned()));
        trace.push(json!({"probe": {"step": 2, "passed": false, "detail": "no reply"}}));
        let p = evaluate(&steps, &trace);
        assert_eq!(p.steps.get(2), Some(&StepStatus::Broken));
        assert_eq!(p.run_probe, None);
        trace.push(json!({"probe": {"step": 2, "passed": true, "detail": ""}}));
        assert!(evaluate(&steps, &trace).done);
    }

    #[test]
    fn steps_after_a_probe_may_happen_while_it_runs() {
        let steps = vec![
            step(json!({"expect": {"call": "listen", "args": {"sock": "$srv"}}})),
            step(
                json!({"probe": {"connect": ["127.0.0.1", 20178], "send": ["x"], "expect": "echo"}}),
            ),
            step(json!({"expect": {"call": "accept", "args": {"sock": "$srv"}}})),
        ];
        // The learner accepts the probe's client before the probe finishes.
        let mut trace = vec![
            call("listen", json!({"sock": "s1"}), json!({})),
            call("accept", json!({"sock": "s1"}), json!({"sock": "s3"})),
        ];
        let p = evaluate(&steps, &trace);
        assert_eq!(p.run_probe, Some(1));
        assert!(!p.done);
        trace.push(json!({"probe": {"step": 1, "passed": true, "detail": ""}}));
        assert!(evaluate(&steps, &trace).done);
        // Still in order with the step before the probe.
        let early = vec![
            call("accept", json!({"sock": "s1"}), json!({"sock": "s3"})),
            call("listen", json!({"sock": "s1"}), json!({})),
            json!({"probe": {"step": 1, "passed": true, "detail": ""}}),
        ];
        assert!(!evaluate(&steps, &early).done);
    }

    #[test]
    fn a_failed_probe_runs_again_after_the_step_before_it_is_repeated() {
        let steps = vec![
            step(json!({"expect": {"call": "bind", "ok": {"addr": "$addr"}}})),
            step(json!({"probe": {"connect": "$addr", "send": ["x"], "expect": "echo"}})),
        ];
        let mut trace = vec![
            call("bind", json!({}), json!({"addr": ["127.0.0.1", 20178]})),
            json!({"probe": {"step": 1, "passed": false, "detail": "refused"}}),
        ];
        let p = evaluate(&steps, &trace);
        assert_eq!(p.steps.get(1), Some(&StepStatus::Broken));
        assert_eq!(p.run_probe, None);
        trace.push(call(
            "bind",
            json!({}),
            json!({"addr": ["127.0.0.1", 20179]}),
        ));
        let p = evaluate(&steps, &trace);
        assert_eq!(p.run_probe, Some(1));
        assert_eq!(p.steps.get(1), Some(&StepStatus::Waiting));
        assert_eq!(p.bindings.get("$addr"), Some(&json!(["127.0.0.1", 20179])));
        trace.push(json!({"probe": {"step": 1, "passed": true, "detail": ""}}));
        assert!(evaluate(&steps, &trace).done);
    }

    #[test]
    fn step_validation_names_the_problem() {
        let both = step(json!({"expect": {}, "never": {}}));
        assert!(!both.validate().is_empty());
        let bad_probe = step(json!({"probe": {"connect": 5, "send": [], "expect": "echo"}}));
        let problems = bad_probe.validate().join("\n");
        assert!(
            problems.contains("probe.connect") && problems.contains("probe.send"),
            "{problems}"
        );
        assert!(step(json!({"never": {}, "times": 2}))
            .validate()
            .iter()
            .any(|p| p.contains("times")));
    }

    proptest! {
        /// A check whose every step can match any item, over a trace of any
        /// length: evaluation stays within its attempt budget and returns.
        #[test]
        fn evaluation_is_bounded(n_steps in 1usize..20, n_items in 0usize..300, times in 1u32..4) {
            let steps: Vec<Step> = (0..n_steps)
                .map(|i| step(json!({"expect": {"n": format!("$v{i}")}, "times": times, "say": {"en": "x"}})))
                .collect();
            let trace: Vec<Value> = (0..n_items).map(|i| json!({"n": i % 3})).collect();
            let p = evaluate(&steps, &trace);
            prop_assert_eq!(p.steps.len(), n_steps);
        }

        /// Random JSON steps (as a teacher's file could hold) never panic.
        #[test]
        fn any_step_json_evaluates_or_is_refused(s in r#"[\[\]{}":,a-z0-9$ ]{0,60}"#) {
            let text = format!(r#"{{"say":{{"en":"x"}},"expect":{s}}}"#);
            if let Ok(st) = serde_json::from_str::<Step>(&text) {
                let _ = st.validate();
                let _ = evaluate(&[st], &[json!({"a": 1}), json!([1, 2])]);
            }
        }
    }
}
