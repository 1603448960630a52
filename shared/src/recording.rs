//! Recordings and scenarios: the two file formats that carry a session away
//! from the page (docs/recordings.md).
//!
//! A [`Recording`] is everything a session sent and received, in order, with
//! the page's clock: requests, replies, events and the results of a lesson
//! check's probe clients. Replayed, it rebuilds the workbench step by step
//! without a relay. A [`Scenario`] is only the calls, to run again live
//! against a relay (a lesson's reference solution is one). Both are versioned;
//! [`Recording::from_json`] and [`Scenario::from_json`] read untrusted files
//! with bounded work and say in words what is wrong. Neither ever holds an
//! `auth` token or display name: [`Recording::push`] drops `auth` and
//! `progress` requests and their replies.

use crate::{EventFrame, Op, Reply, Request};
use serde::{Deserialize, Serialize};

/// `format` of a recording file.
pub const RECORDING_FORMAT: &str = "socklab-recording";
/// `format` of a scenario file.
pub const SCENARIO_FORMAT: &str = "socklab-scenario";
/// The version this build writes and the newest it reads.
pub const FORMAT_VERSION: u32 = 1;
/// Largest recording or scenario file read, in bytes.
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;
/// Most entries a recording may hold.
pub const MAX_RECORDING_ITEMS: usize = 50_000;
/// Most calls a scenario may hold.
pub const MAX_SCENARIO_STEPS: usize = 500;

/// A recorded session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Recording {
    /// Always [`RECORDING_FORMAT`].
    pub format: String,
    pub version: u32,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    /// The lesson the session was doing, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lesson: Option<String>,
    pub items: Vec<RecEntry>,
}

/// One recorded moment: `{"t": 120, "req": {…}}`, `{"t": 121, "reply": {…}}`,
/// `{"t": 121, "event": {…}}` or `{"t": 900, "probe": {…}}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecEntry {
    /// Milliseconds since the recording started (page clock, never decreasing).
    pub t: u64,
    /// `"probe"` for the calls a lesson check made itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    #[serde(flatten)]
    pub item: RecItem,
}

/// What happened at a [`RecEntry`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecItem {
    /// A request the page sent.
    Req(Request),
    /// The relay's reply to one.
    Reply(Reply),
    /// An event from the relay.
    Event(EventFrame),
    /// A lesson check's probe finished.
    Probe(ProbeResult),
}

/// The outcome of a lesson check's probe clients (`crate::lesson::Probe`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeResult {
    /// Index of the check step that ran the probe.
    pub step: usize,
    pub passed: bool,
    /// What the probe saw, in the learner's words.
    #[serde(default)]
    pub detail: String,
}

/// Calls to run again, in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    /// Always [`SCENARIO_FORMAT`].
    pub format: String,
    pub version: u32,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    pub steps: Vec<ScenarioStep>,
}

/// One call of a scenario. The runner waits for its reply before the next
/// step unless `nowait` is set (an `accept` that waits for a later `connect`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScenarioStep {
    pub call: Op,
    #[serde(default, skip_serializing_if = "is_false")]
    pub nowait: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Why a file could not be read, in words for the person who chose it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatError(pub String);

impl std::fmt::Display for FormatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The first fields of either format, read before the rest so a newer or
/// different file gets a clear message rather than a parse error.
#[derive(Deserialize)]
struct Header {
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    version: Option<u32>,
}

/// Checks size, JSON, `format` and `version`; returns the parsed value.
fn read_versioned<T: for<'de> Deserialize<'de>>(
    text: &str,
    format: &str,
    what: &str,
) -> Result<T, FormatError> {
    if text.len() > MAX_FILE_BYTES {
        return Err(FormatError(format!(
            "this {what} is {} bytes; the most socklab reads is {MAX_FILE_BYTES}",
            text.len()
        )));
    }
    let header: Header = serde_json::from_str(text)
        .map_err(|e| FormatError(format!("this is not a socklab {what} (not JSON: {e})")))?;
    match header.format.as_deref() {
        Some(f) if f == format => {}
        Some(other) => {
            return Err(FormatError(format!(
                "this file is a {other:?}, not a {what} (\"format\": {format:?})"
            )))
        }
        None => {
            return Err(FormatError(format!(
                "this is not a socklab {what}: it has no \"format\": {format:?}"
            )))
        }
    }
    match header.version {
        Some(v) if v == FORMAT_VERSION => {}
        Some(v) if v > FORMAT_VERSION => {
            return Err(FormatError(format!(
                "this {what} is version {v}, made by a newer socklab; this one reads version {FORMAT_VERSION}"
            )))
        }
        Some(v) => {
            return Err(FormatError(format!(
                "this {what} has version {v}; socklab reads version {FORMAT_VERSION}"
            )))
        }
        None => return Err(FormatError(format!("this {what} has no \"version\""))),
    }
    serde_json::from_str(text).map_err(|e| FormatError(format!("this {what} is damaged: {e}")))
}

impl Recording {
    pub fn new(title: impl Into<String>) -> Recording {
        Recording {
            format: RECORDING_FORMAT.to_owned(),
            version: FORMAT_VERSION,
            title: title.into(),
            lesson: None,
            items: Vec::new(),
        }
    }

    /// Reads a recording file: bounded size and item count, known format and
    /// version, and no `auth` request kept even if the file had one.
    pub fn from_json(text: &str) -> Result<Recording, FormatError> {
        let mut rec: Recording = read_versioned(text, RECORDING_FORMAT, "recording")?;
        if rec.items.len() > MAX_RECORDING_ITEMS {
            return Err(FormatError(format!(
                "this recording has {} entries; the most socklab replays is {MAX_RECORDING_ITEMS}",
                rec.items.len()
            )));
        }
        let items = std::mem::take(&mut rec.items);
        for entry in items {
            rec.push(entry);
        }
        Ok(rec)
    }

    /// Appends an entry, keeping the clock monotonic and leaving out `auth`
    /// and `progress` requests and their replies (a recording is made to be
    /// shared: no token, no display name). Past
    /// [`MAX_RECORDING_ITEMS`] entries are dropped; the result says whether it
    /// was kept.
    pub fn push(&mut self, mut entry: RecEntry) -> bool {
        if self.items.len() >= MAX_RECORDING_ITEMS {
            return false;
        }
        match &entry.item {
            RecItem::Req(req) if matches!(req.op, Op::Auth { .. } | Op::Progress(_)) => {
                return false
            }
            RecItem::Reply(reply) if self.is_auth_reply(reply.re) => return false,
            _ => {}
        }
        if let Some(last) = self.items.last() {
            entry.t = entry.t.max(last.t);
        }
        self.items.push(entry);
        true
    }

    /// A reply whose request is not in the recording was one to `auth` (the
    /// only request `push` leaves out) or came before recording started.
    fn is_auth_reply(&self, re: u64) -> bool {
        !self
            .items
            .iter()
            .any(|e| matches!(&e.item, RecItem::Req(req) if req.id == re))
    }

    /// The calls of this recording as a scenario: each request in order, with
    /// `nowait` where the page sent the next request before this one's reply.
    pub fn to_scenario(&self) -> Scenario {
        let mut steps: Vec<(u64, ScenarioStep)> = Vec::new();
        let mut answered = std::collections::BTreeSet::new();
        for entry in &self.items {
            match &entry.item {
                RecItem::Req(req) if entry.by.is_none() => {
                    if let Some((id, last)) = steps.last_mut() {
                        last.nowait = !answered.contains(id);
                    }
                    steps.push((
                        req.id,
                        ScenarioStep {
                            call: req.op.clone(),
                            nowait: false,
                        },
                    ));
                }
                RecItem::Reply(reply) => {
                    answered.insert(reply.re);
                }
                _ => {}
            }
        }
        Scenario {
            format: SCENARIO_FORMAT.to_owned(),
            version: FORMAT_VERSION,
            title: self.title.clone(),
            steps: steps.into_iter().map(|(_, step)| step).collect(),
        }
    }
}

impl Scenario {
    /// Reads a scenario file: bounded size and length, known format and
    /// version, no `auth` step.
    pub fn from_json(text: &str) -> Result<Scenario, FormatError> {
        let scenario: Scenario = read_versioned(text, SCENARIO_FORMAT, "scenario")?;
        if scenario.steps.len() > MAX_SCENARIO_STEPS {
            return Err(FormatError(format!(
                "this scenario has {} calls; the most socklab runs is {MAX_SCENARIO_STEPS}",
                scenario.steps.len()
            )));
        }
        if scenario
            .steps
            .iter()
            .any(|s| matches!(s.call, Op::Auth { .. }))
        {
            return Err(FormatError(
                "a scenario may not contain \"auth\": the page asks for the token itself".into(),
            ));
        }
        Ok(scenario)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Event, OkBody, Outcome};
    use proptest::prelude::*;

    fn req(t: u64, id: u64, op: Op) -> RecEntry {
        RecEntry {
            t,
            by: None,
            item: RecItem::Req(Request { id, op }),
        }
    }
    fn ok(t: u64, re: u64) -> RecEntry {
        RecEntry {
            t,
            by: None,
            item: RecItem::Reply(Reply::ok(re, OkBody::Empty {})),
        }
    }

    #[test]
    fn a_recording_round_trips_through_json() {
        let mut rec = Recording::new("echo");
        rec.push(req(0, 1, Op::Ping));
        rec.push(ok(3, 1));
        rec.push(RecEntry {
            t: 4,
            by: None,
            item: RecItem::Event(EventFrame {
                t: 10,
                event: Event::Error {
                    code: "x".into(),
                    message: "y".into(),
                },
            }),
        });
        let text = serde_json::to_string(&rec).unwrap_or_default();
        assert!(
            text.contains(r#"{"t":0,"req":{"id":1,"op":"ping"}}"#),
            "{text}"
        );
        assert_eq!(Recording::from_json(&text), Ok(rec));
    }

    #[test]
    fn auth_never_enters_a_recording() {
        let mut rec = Recording::new("");
        assert!(!rec.push(req(
            0,
            1,
            Op::Auth {
                token: "secret".into()
            }
        )));
        assert!(!rec.push(ok(1, 1)));
        assert!(rec.push(req(2, 2, Op::Ping)));
        assert!(rec.push(ok(3, 2)));
        let text = r#"{"format":"socklab-recording","version":1,"items":[
            {"t":0,"req":{"id":1,"op":"auth","token":"secret"}},{"t":1,"reply":{"re":1,"ok":{}}}]}"#;
        assert_eq!(Recording::from_json(text).map(|r| r.items.len()), Ok(0));
    }

    #[test]
    fn wrong_files_get_words_not_parse_errors() {
        let newer = r#"{"format":"socklab-recording","version":2,"items":[]}"#;
        let msg = Recording::from_json(newer)
            .err()
            .map(|e| e.0)
            .unwrap_or_default();
        assert!(msg.contains("newer socklab"), "{msg}");
        let scenario = r#"{"format":"socklab-scenario","version":1,"steps":[]}"#;
        let msg = Recording::from_json(scenario)
            .err()
            .map(|e| e.0)
            .unwrap_or_default();
        assert!(msg.contains("not a recording"), "{msg}");
        let msg = Recording::from_json("[1,2]")
            .err()
            .map(|e| e.0)
            .unwrap_or_default();
        assert!(msg.contains("not a socklab recording"), "{msg}");
        let auth = r#"{"format":"socklab-scenario","version":1,"steps":[{"call":{"op":"auth","token":"x"}}]}"#;
        assert!(Scenario::from_json(auth).is_err());
    }

    #[test]
    fn a_scenario_keeps_the_calls_and_marks_overlaps_nowait() {
        let mut rec = Recording::new("t");
        rec.push(req(0, 1, Op::Ping));
        rec.push(req(1, 2, Op::Ping));
        rec.push(ok(2, 1));
        rec.push(ok(3, 2));
        rec.push(req(4, 3, Op::Ping));
        let steps: Vec<bool> = rec.to_scenario().steps.iter().map(|s| s.nowait).collect();
        assert_eq!(steps, vec![true, false, false]);
        let text = serde_json::to_string(&rec.to_scenario()).unwrap_or_default();
        assert!(Scenario::from_json(&text).is_ok(), "{text}");
        assert!(matches!(
            rec.items.get(1).map(|e| &e.item),
            Some(RecItem::Req(_))
        ));
        let _ = Outcome::Ok(OkBody::Empty {});
    }

    proptest! {
        /// Any text, and any JSON-ish text near the format, is read or refused
        /// with a message; never a panic.
        #[test]
        fn reading_any_text_never_panics(s in ".{0,200}") {
            let _ = Recording::from_json(&s);
            let _ = Scenario::from_json(&s);
        }

        #[test]
        fn reading_near_misses_never_panics(
            version in 0u32..4,
            body in r#"[\[\]{}":,a-z0-9 ]{0,80}"#,
        ) {
            let text = format!(r#"{{"format":"socklab-recording","version":{version},"items":[{body}]}}"#);
            let _ = Recording::from_json(&text);
        }
    }
}
