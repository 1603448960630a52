//! The check as a live checklist: one line per step, ✓ when met, ✗ when
//! broken, the next one highlighted; each step's erratum under it (where the
//! article's mistake bites); the probe's progress while its clients run and
//! what they saw when they failed. Computed from the trace by the lesson
//! slice, never from a button.

use super::erratum::erratum;
use super::rich::inline;
use crate::lessons::words::{probe_running, words};
use crate::state::lesson::ProbeRunning;
use shared::check::{Progress, StepStatus};
use shared::lesson::{Lang, Lesson};
use shared::recording::ProbeResult;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lesson: Rc<Lesson>,
    pub progress: Rc<Progress>,
    pub lang: Lang,
    pub probe: Option<ProbeRunning>,
    pub last_probe: Option<ProbeResult>,
}

/// The step to do next: the first ordered step not met.
pub fn next_step(lesson: &Lesson, progress: &Progress) -> Option<usize> {
    lesson
        .check
        .iter()
        .enumerate()
        .position(|(i, s)| s.never.is_none() && progress.steps.get(i) != Some(&StepStatus::Met))
}

#[function_component(Checklist)]
pub fn checklist(props: &Props) -> Html {
    let lang = props.lang;
    let w = words(lang);
    let next = next_step(&props.lesson, &props.progress);
    let met = props
        .progress
        .steps
        .iter()
        .filter(|s| **s == StepStatus::Met)
        .count();
    let total = props.progress.steps.len();
    let steps: Html = props
        .lesson
        .check
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let status = props.progress.steps.get(i).copied().unwrap_or(StepStatus::Waiting);
            let is_next = next == Some(i) && status == StepStatus::Waiting;
            let (mark, class, said) = match status {
                StepStatus::Met => ("✓", "met", w.step_met),
                StepStatus::Broken => ("✗", "broken", w.step_broken),
                StepStatus::Waiting if is_next => ("→", "next", w.step_next),
                StepStatus::Waiting => ("○", "waiting", w.step_waiting),
            };
            let probe_note = props.probe.as_ref().filter(|p| p.step == i).map(|p| {
                let target = super::super::first_step::host_port(&p.target);
                html! { <p class="probe-run" aria-live="polite"><span class="spinner"></span>{probe_running(lang, p.clients, &target)}</p> }
            });
            let failed = props
                .last_probe
                .as_ref()
                .filter(|r| r.step == i && !r.passed && status == StepStatus::Broken)
                .map(|r| {
                    html! {
                        <>
                            <p class="probe-failed">{w.probe_failed}{": "}{r.detail.clone()}</p>
                            <p class="hint">{w.probe_retry}</p>
                        </>
                    }
                });
            let errata: Html = props
                .lesson
                .errata
                .iter()
                .filter(|e| e.step == Some(i))
                .map(|e| erratum(e, lang))
                .collect();
            html! {
                <li class={classes!("step", class)} data-status={class} aria-current={is_next.then_some("step")}>
                    <span class="step-mark" aria-label={said}>{mark}</span>
                    <div class="step-text">
                        <span>{inline(step.say.get(lang))}</span>
                        {probe_note}
                        {failed}
                        {errata}
                    </div>
                </li>
            }
        })
        .collect();
    html! {
        <div class="checklist">
            <h3>{w.check}{" "}<span class="count" data-testid="steps-met">{format!("{met}/{total}")}</span></h3>
            <p class="hint">{w.check_note}</p>
            <ol class="steps" aria-live="polite">{steps}</ol>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_next_step_is_the_first_ordered_one_not_met() {
        let lesson: Lesson = serde_json::from_value(json!({
            "id": "x", "title": {"en": "t"}, "goal": {"en": "g"}, "concept": {"en": "c"},
            "check": [
                {"say": {"en": "a"}, "never": {"err": {}}},
                {"say": {"en": "b"}, "expect": {"call": "listen"}},
                {"say": {"en": "c"}, "expect": {"call": "accept"}}
            ]
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        let trace = vec![json!({"call": "listen", "args": {}, "ok": {}})];
        let p = shared::check::evaluate(&lesson.check, &trace);
        assert_eq!(next_step(&lesson, &p), Some(2));
        let p = shared::check::evaluate(&lesson.check, &[]);
        assert_eq!(next_step(&lesson, &p), Some(1));
    }
}
