//! `progress`: what the page reports about a learner's lesson progress, for the
//! teacher's `/status` view only (docs/protocol.md "Session operations").
//!
//! Owns the report's shape ([`Progress`]) and its bounds ([`Progress::check`]),
//! so the page can check a report before it sends it and the relay refuses the
//! same reports with the same words. Keeping the latest report is the relay's job.

use serde::{Deserialize, Serialize};

/// Most characters of a display name (after trimming).
pub const MAX_NAME_CHARS: usize = 40;
/// Most characters of a lesson id (`[a-z0-9_-]`).
pub const MAX_LESSON_CHARS: usize = 32;
/// Most lessons in `done`.
pub const MAX_DONE: usize = 64;
/// Largest `step` and `steps`.
pub const MAX_STEPS: u32 = 1000;

/// Arguments of `progress`; every field is optional. A field left out keeps the
/// value an earlier report gave it; an empty `name` clears the name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// The learner's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The lesson open now, e.g. `"e03"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lesson: Option<String>,
    /// The step of that lesson the learner is on, and how many it has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<u32>,
    /// Lessons completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done: Option<Vec<String>>,
}

impl Progress {
    /// The report with its name trimmed, or what is wrong with it, in words for
    /// the learner (the relay answers `bad_request` with them).
    pub fn check(mut self) -> Result<Progress, String> {
        if let Some(name) = &self.name {
            let name = name.trim();
            if name.chars().any(char::is_control) {
                return Err(
                    "progress: `name` must not contain control characters (tabs, line breaks…)"
                        .into(),
                );
            }
            let n = name.chars().count();
            if n > MAX_NAME_CHARS {
                return Err(format!(
                    "progress: `name` is {n} characters long; at most {MAX_NAME_CHARS} are allowed"
                ));
            }
            self.name = Some(name.to_owned());
        }
        if let Some(lesson) = &self.lesson {
            check_lesson("lesson", lesson)?;
        }
        for (field, value) in [("step", self.step), ("steps", self.steps)] {
            if let Some(v) = value.filter(|v| *v > MAX_STEPS) {
                return Err(format!(
                    "progress: `{field}` is {v}; at most {MAX_STEPS} is allowed"
                ));
            }
        }
        if let (Some(step), Some(steps)) = (self.step, self.steps) {
            if step > steps {
                return Err(format!(
                    "progress: `step` ({step}) is beyond `steps` ({steps})"
                ));
            }
        }
        if let Some(done) = &self.done {
            if done.len() > MAX_DONE {
                return Err(format!(
                    "progress: `done` lists {} lessons; at most {MAX_DONE} are allowed",
                    done.len()
                ));
            }
            for lesson in done {
                check_lesson("done", lesson)?;
            }
        }
        Ok(self)
    }

    /// `newer` laid over `self`: the fields `newer` gives replace these.
    pub fn merge(&mut self, newer: Progress) {
        if let Some(name) = newer.name {
            self.name = (!name.is_empty()).then_some(name);
        }
        if newer.lesson.is_some() {
            self.lesson = newer.lesson;
        }
        if newer.step.is_some() {
            self.step = newer.step;
        }
        if newer.steps.is_some() {
            self.steps = newer.steps;
        }
        if newer.done.is_some() {
            self.done = newer.done;
        }
    }
}

/// A lesson id: 1 to [`MAX_LESSON_CHARS`] characters of `[a-z0-9_-]`.
fn check_lesson(field: &str, id: &str) -> Result<(), String> {
    let shown: String = id.chars().take(MAX_LESSON_CHARS).collect();
    if id.is_empty() || id.chars().count() > MAX_LESSON_CHARS {
        return Err(format!(
            "progress: `{field}`: a lesson id has 1 to {MAX_LESSON_CHARS} characters, got {} (\"{shown}…\")",
            id.chars().count()
        ));
    }
    if !id
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
    {
        return Err(format!(
            "progress: `{field}`: lesson id {shown:?} may hold only a-z, 0-9, `_` and `-`"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(json: &str) -> Result<Progress, String> {
        serde_json::from_str::<Progress>(json)
            .map_err(|e| e.to_string())
            .and_then(Progress::check)
    }

    #[test]
    fn a_full_report_passes_and_the_name_is_trimmed() {
        let p =
            report(r#"{"name":"  Ada ","lesson":"e03","step":2,"steps":5,"done":["e01","e02"]}"#)
                .unwrap();
        assert_eq!(p.name.as_deref(), Some("Ada"));
        assert_eq!(p.done.unwrap(), ["e01", "e02"]);
        assert_eq!(report("{}").unwrap(), Progress::default());
    }

    #[test]
    fn bounds_are_refused_with_their_reason() {
        let long = "x".repeat(41);
        let e = report(&format!(r#"{{"name":"{long}"}}"#)).unwrap_err();
        assert!(
            e.contains("41 characters") && e.contains("at most 40"),
            "{e}"
        );
        assert!(report(&format!(r#"{{"name":"{}"}}"#, "é".repeat(40))).is_ok());
        let e = report(r#"{"name":"Ada\nBob"}"#).unwrap_err();
        assert!(e.contains("control characters"), "{e}");
        let e = report(r#"{"lesson":"E03"}"#).unwrap_err();
        assert!(e.contains("a-z, 0-9"), "{e}");
        let e = report(&format!(r#"{{"lesson":"{}"}}"#, "a".repeat(33))).unwrap_err();
        assert!(e.contains("1 to 32"), "{e}");
        let e = report(r#"{"done":[""]}"#).unwrap_err();
        assert!(e.contains("`done`"), "{e}");
        let many: Vec<String> = (0..65).map(|i| format!("\"l{i}\"")).collect();
        let e = report(&format!(r#"{{"done":[{}]}}"#, many.join(","))).unwrap_err();
        assert!(e.contains("65 lessons"), "{e}");
        let e = report(r#"{"step":6,"steps":5}"#).unwrap_err();
        assert!(e.contains("beyond"), "{e}");
        let e = report(r#"{"steps":5000}"#).unwrap_err();
        assert!(e.contains("at most 1000"), "{e}");
    }

    #[test]
    fn later_reports_keep_what_they_leave_out() {
        let mut p = report(r#"{"name":"Ada","lesson":"e01","step":1,"steps":3}"#).unwrap();
        p.merge(report(r#"{"step":2}"#).unwrap());
        assert_eq!((p.name.as_deref(), p.step), (Some("Ada"), Some(2)));
        p.merge(report(r#"{"name":""}"#).unwrap());
        assert_eq!(p.name, None);
        assert_eq!(p.lesson.as_deref(), Some("e01"));
    }

    use proptest::prelude::*;

    proptest! {
        /// Any report text is read and checked, or refused, never a panic;
        /// a report that passes the check is within every bound.
        #[test]
        fn any_report_is_checked_or_refused(name in ".{0,60}", lesson in ".{0,40}", step in 0u32..2000, n in 0usize..80) {
            let p = Progress {
                name: Some(name),
                lesson: Some(lesson),
                step: Some(step),
                steps: Some(step.saturating_add(1)),
                done: Some(vec!["e01".to_owned(); n]),
            };
            if let Ok(ok) = p.check() {
                prop_assert!(ok.name.as_ref().is_some_and(|n| n.chars().count() <= MAX_NAME_CHARS));
                prop_assert!(ok.done.as_ref().is_some_and(|d| d.len() <= MAX_DONE));
                prop_assert!(ok.step.is_some_and(|s| s <= MAX_STEPS));
            }
        }
    }
}
