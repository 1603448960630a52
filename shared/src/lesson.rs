//! Lessons: the format of a guided exercise (docs/lessons.md) and its
//! validation.
//!
//! A lesson has text in English and Chinese ([`Text`]), the tab it uses, a
//! concept, hints, the article's errors where they bite ([`Erratum`]), a check
//! ([`crate::check::Step`], evaluated over the session's trace by
//! [`crate::check::evaluate`]) and a reference solution (a scenario). The relay
//! reads lesson files (TOML) at start-up, validates them with
//! [`Lesson::validate`] and serves them to the page as a [`LessonCatalog`].

use crate::check::Step;
use crate::recording::ScenarioStep;
use serde::{Deserialize, Serialize};

/// `format` of the catalogue the relay serves at `/lessons.json`.
pub const CATALOG_FORMAT: &str = "socklab-lessons";
/// Longest lesson id.
pub const MAX_ID_CHARS: usize = 32;
/// Most check steps a lesson may have.
pub const MAX_STEPS: usize = 32;
/// Most hints a lesson may have.
pub const MAX_HINTS: usize = 16;
/// Most errata a lesson may have.
pub const MAX_ERRATA: usize = 16;
/// Most calls in a lesson's solution.
pub const MAX_SOLUTION_STEPS: usize = 200;
/// Longest single text (a concept, a hint), in characters.
pub const MAX_TEXT_CHARS: usize = 4000;
/// Most lessons a relay serves.
pub const MAX_LESSONS: usize = 200;

/// The page's languages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    Zh,
}

/// Text in each language; English is required, Chinese falls back to it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    pub en: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zh: Option<String>,
}

impl Text {
    pub fn get(&self, lang: Lang) -> &str {
        match (lang, &self.zh) {
            (Lang::Zh, Some(zh)) if !zh.is_empty() => zh,
            _ => &self.en,
        }
    }
}

/// The workbench tab a lesson uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tab {
    #[default]
    Sockets,
    Http,
    Ftp,
    Mail,
}

/// A built-in picture the lesson shows beside its concept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Picture {
    /// The three-way handshake with the article's state names.
    Handshake,
    /// FIN/ACK teardown, CLOSE_WAIT and TIME_WAIT.
    Teardown,
    /// One `select` loop serving several sockets.
    Select,
    /// FTP's control and data connections, passive and active.
    FtpModes,
}

/// Where the article is wrong for Python 3: its line, the corrected line and
/// why, shown at check step `step` (0-based) or with the concept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Erratum {
    pub article: String,
    pub corrected: String,
    pub why: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<usize>,
}

/// One guided exercise.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Lesson {
    /// `[a-z0-9_-]`, at most [`MAX_ID_CHARS`]; lessons are listed in id order.
    pub id: String,
    pub title: Text,
    #[serde(default)]
    pub tab: Tab,
    pub goal: Text,
    pub concept: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<Picture>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hints: Vec<Text>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errata: Vec<Erratum>,
    pub check: Vec<Step>,
    /// A reference solution: calls that make the check pass in a fresh session.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub solution: Vec<ScenarioStep>,
}

/// What the relay serves at `/lessons.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LessonCatalog {
    /// Always [`CATALOG_FORMAT`].
    pub format: String,
    pub version: u32,
    pub lessons: Vec<Lesson>,
}

impl LessonCatalog {
    pub fn new(lessons: Vec<Lesson>) -> LessonCatalog {
        LessonCatalog {
            format: CATALOG_FORMAT.to_owned(),
            version: crate::recording::FORMAT_VERSION,
            lessons,
        }
    }
}

/// Whether `id` is a valid lesson id.
pub fn is_lesson_id(id: &str) -> bool {
    !id.is_empty()
        && id.chars().count() <= MAX_ID_CHARS
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

impl Lesson {
    /// Every problem with this lesson, each naming the field; empty when it is
    /// valid. `need_zh`: every text must also have Chinese (the built-in
    /// lessons do; a teacher's may be English only).
    pub fn validate(&self, need_zh: bool) -> Vec<String> {
        let mut problems = Vec::new();
        if !is_lesson_id(&self.id) {
            problems.push(format!(
                "id {:?}: use 1 to {MAX_ID_CHARS} characters from a-z, 0-9, _ and -",
                self.id
            ));
        }
        let mut text = |field: &str, t: &Text| check_text(field, t, need_zh, &mut problems);
        text("title", &self.title);
        text("goal", &self.goal);
        text("concept", &self.concept);
        for (i, hint) in self.hints.iter().enumerate() {
            text(&format!("hints[{i}]"), hint);
        }
        for (i, e) in self.errata.iter().enumerate() {
            text(&format!("errata[{i}].why"), &e.why);
        }
        for (i, step) in self.check.iter().enumerate() {
            text(&format!("check[{i}].say"), &step.say);
        }
        limit(&mut problems, "hints", self.hints.len(), MAX_HINTS);
        limit(&mut problems, "errata", self.errata.len(), MAX_ERRATA);
        limit(
            &mut problems,
            "solution",
            self.solution.len(),
            MAX_SOLUTION_STEPS,
        );
        limit(&mut problems, "check", self.check.len(), MAX_STEPS);
        if self.check.is_empty() {
            problems.push("check: a lesson needs at least one step".into());
        }
        for (i, e) in self.errata.iter().enumerate() {
            if e.step.is_some_and(|s| s >= self.check.len()) {
                problems.push(format!(
                    "errata[{i}].step: there are only {} check steps (counted from 0)",
                    self.check.len()
                ));
            }
            if e.article.chars().count() > MAX_TEXT_CHARS
                || e.corrected.chars().count() > MAX_TEXT_CHARS
            {
                problems.push(format!(
                    "errata[{i}]: longer than {MAX_TEXT_CHARS} characters"
                ));
            }
        }
        for (i, step) in self.check.iter().enumerate() {
            for problem in step.validate() {
                problems.push(format!("check[{i}].{problem}"));
            }
        }
        if !self
            .check
            .iter()
            .any(|s| s.expect.is_some() || s.probe.is_some())
        {
            problems.push(
                "check: at least one step must use `expect` or `probe` (`never` alone passes an empty session)"
                    .into(),
            );
        }
        problems
    }
}

fn check_text(field: &str, t: &Text, need_zh: bool, problems: &mut Vec<String>) {
    if t.en.trim().is_empty() {
        problems.push(format!("{field}.en: must not be empty"));
    }
    match &t.zh {
        Some(zh) if zh.trim().is_empty() => problems.push(format!("{field}.zh: must not be empty")),
        None if need_zh => {
            problems.push(format!("{field}.zh: a built-in lesson needs Chinese too"))
        }
        _ => {}
    }
    let longest =
        t.en.chars()
            .count()
            .max(t.zh.as_ref().map_or(0, |z| z.chars().count()));
    if longest > MAX_TEXT_CHARS {
        problems.push(format!("{field}: longer than {MAX_TEXT_CHARS} characters"));
    }
}

fn limit(problems: &mut Vec<String>, field: &str, n: usize, max: usize) {
    if n > max {
        problems.push(format!("{field}: {n} entries; at most {max}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text(s: &str) -> Text {
        Text {
            en: s.into(),
            zh: Some(format!("{s}（中文）")),
        }
    }

    pub(crate) fn sample() -> Lesson {
        let step: Step = serde_json::from_value(json!({
            "say": {"en": "a socket listens", "zh": "套接字在监听"},
            "expect": {"ev": "state", "to": "LISTEN"}
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        Lesson {
            id: "e00-sample".into(),
            title: text("Sample"),
            tab: Tab::Sockets,
            goal: text("Listen"),
            concept: text("A server listens."),
            picture: Some(Picture::Handshake),
            hints: vec![text("Call listen()")],
            errata: vec![],
            check: vec![step],
            solution: vec![],
        }
    }

    #[test]
    fn a_complete_lesson_is_valid() {
        assert_eq!(sample().validate(true), Vec::<String>::new());
    }

    #[test]
    fn problems_name_their_field() {
        let mut l = sample();
        l.id = "Bad Id".into();
        l.goal.zh = None;
        l.errata.push(Erratum {
            article: "a".into(),
            corrected: "b".into(),
            why: text("c"),
            step: Some(5),
        });
        let problems = l.validate(true).join("\n");
        assert!(problems.contains("id \"Bad Id\""), "{problems}");
        assert!(problems.contains("goal.zh"), "{problems}");
        assert!(problems.contains("errata[0].step"), "{problems}");
        assert!(l.validate(false).iter().all(|p| !p.contains("goal.zh")));
    }

    #[test]
    fn chinese_falls_back_to_english() {
        let t = Text {
            en: "hi".into(),
            zh: None,
        };
        assert_eq!(t.get(Lang::Zh), "hi");
        assert_eq!(text("x").get(Lang::Zh), "x（中文）");
    }
}
