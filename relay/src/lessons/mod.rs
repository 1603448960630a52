//! Lessons the relay serves (docs/lessons.md): the built-in ones, embedded in
//! the binary from the repository's `lessons/` directory, and a teacher's own
//! from `--lessons DIR`, each read from TOML and validated
//! ([`shared::lesson::Lesson::validate`]) before the relay starts. Serving the
//! catalogue at `GET /lessons.json` is [`serve`].
//!
//! A broken built-in lesson is a test failure (`relay/tests/lessons.rs`), never
//! a surprise at run time; a broken teacher's file stops start-up with a
//! message that names the file and the field.

pub mod serve;

use shared::lesson::{Lesson, LessonCatalog, MAX_LESSONS};
use std::path::Path;

/// Largest lesson file read from `--lessons DIR`, in bytes.
pub const MAX_LESSON_FILE_BYTES: u64 = 256 * 1024;

/// The built-in lessons: (file name, TOML text), in the article's order.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "e01-handshake.toml",
        include_str!("../../../lessons/e01-handshake.toml"),
    ),
    (
        "e02-echo-client.toml",
        include_str!("../../../lessons/e02-echo-client.toml"),
    ),
    (
        "e03-first-server.toml",
        include_str!("../../../lessons/e03-first-server.toml"),
    ),
    (
        "e04-connect-ex.toml",
        include_str!("../../../lessons/e04-connect-ex.toml"),
    ),
    (
        "e05-udp.toml",
        include_str!("../../../lessons/e05-udp.toml"),
    ),
    (
        "e06-send-sendall.toml",
        include_str!("../../../lessons/e06-send-sendall.toml"),
    ),
    (
        "e07-select-server.toml",
        include_str!("../../../lessons/e07-select-server.toml"),
    ),
    (
        "e08-http-get.toml",
        include_str!("../../../lessons/e08-http-get.toml"),
    ),
    (
        "e09-http-by-hand.toml",
        include_str!("../../../lessons/e09-http-by-hand.toml"),
    ),
    (
        "e10-ftp-session.toml",
        include_str!("../../../lessons/e10-ftp-session.toml"),
    ),
    (
        "e11-ftp-transfer.toml",
        include_str!("../../../lessons/e11-ftp-transfer.toml"),
    ),
    (
        "e12-ftp-files.toml",
        include_str!("../../../lessons/e12-ftp-files.toml"),
    ),
    (
        "e13-ftp-modes.toml",
        include_str!("../../../lessons/e13-ftp-modes.toml"),
    ),
    (
        "e14-mail.toml",
        include_str!("../../../lessons/e14-mail.toml"),
    ),
];

/// Reads one lesson file: TOML into a [`Lesson`], then validation
/// (`need_zh`: every text in Chinese too, as the built-in ones are). Every
/// problem is one line starting with `name: `.
pub fn parse(name: &str, text: &str, need_zh: bool) -> Result<Lesson, String> {
    let lesson: Lesson = toml::from_str(text).map_err(|e| {
        let message = e.message().trim().to_owned();
        match e.span().map(|s| line_of(text, s.start)) {
            Some(line) => format!("{name}: line {line}: {message}"),
            None => format!("{name}: {message}"),
        }
    })?;
    let problems = lesson.validate(need_zh);
    if problems.is_empty() {
        Ok(lesson)
    } else {
        Err(problems
            .iter()
            .map(|p| format!("{name}: {p}"))
            .collect::<Vec<_>>()
            .join("\n"))
    }
}

/// The 1-based line of byte offset `at`.
fn line_of(text: &str, at: usize) -> usize {
    text.bytes().take(at).filter(|b| *b == b'\n').count() + 1
}

/// The built-in lessons, parsed and validated with Chinese required.
pub fn builtins() -> Result<Vec<Lesson>, String> {
    BUILTIN
        .iter()
        .map(|(name, text)| parse(&format!("lessons/{name}"), text, true))
        .collect()
}

/// Every `*.toml` in `dir` (not its subdirectories), in name order, each
/// validated (English alone is enough). At most [`MAX_LESSONS`] files of at
/// most [`MAX_LESSON_FILE_BYTES`] each; two files with one id are an error.
pub fn load_dir(dir: &Path) -> Result<Vec<Lesson>, String> {
    let shown = dir.display();
    let entries = std::fs::read_dir(dir)
        .map_err(|e| format!("--lessons {shown}: cannot read the directory: {e}"))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| format!("--lessons {shown}: cannot read the directory: {e}"))?
            .path();
        if path.extension().is_some_and(|x| x == "toml") && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    if files.len() > MAX_LESSONS {
        return Err(format!(
            "--lessons {shown}: {} lesson files; at most {MAX_LESSONS}",
            files.len()
        ));
    }
    let mut lessons: Vec<Lesson> = Vec::new();
    let mut problems = Vec::new();
    for path in files {
        let name = path.display().to_string();
        match read_one(&path, &name) {
            Ok(lesson) => {
                if lessons.iter().any(|l| l.id == lesson.id) {
                    problems.push(format!(
                        "{name}: id {:?}: another file in {shown} has this id",
                        lesson.id
                    ));
                } else {
                    lessons.push(lesson);
                }
            }
            Err(e) => problems.push(e),
        }
    }
    if problems.is_empty() {
        Ok(lessons)
    } else {
        Err(problems.join("\n"))
    }
}

fn read_one(path: &Path, name: &str) -> Result<Lesson, String> {
    let size = std::fs::metadata(path)
        .map_err(|e| format!("{name}: cannot read: {e}"))?
        .len();
    if size > MAX_LESSON_FILE_BYTES {
        return Err(format!(
            "{name}: {size} bytes; a lesson file may have at most {MAX_LESSON_FILE_BYTES}"
        ));
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("{name}: cannot read: {e}"))?;
    parse(name, &text, false)
}

/// The catalogue: the built-in lessons with `extra` added, a teacher's lesson
/// replacing the built-in one with its id (each replacement is logged), sorted
/// by id. Fails when there would be more than [`MAX_LESSONS`].
pub fn catalog(builtin: Vec<Lesson>, extra: Vec<Lesson>) -> Result<LessonCatalog, String> {
    let (lessons, replaced) = merge(builtin, extra)?;
    for id in replaced {
        tracing::info!(%id, "a --lessons file replaces the built-in lesson");
    }
    Ok(LessonCatalog::new(lessons))
}

/// [`catalog`]'s lessons, and the ids of the built-in ones replaced.
pub fn merge(
    builtin: Vec<Lesson>,
    extra: Vec<Lesson>,
) -> Result<(Vec<Lesson>, Vec<String>), String> {
    let mut lessons = builtin;
    let mut replaced = Vec::new();
    for lesson in extra {
        match lessons.iter_mut().find(|l| l.id == lesson.id) {
            Some(old) => {
                replaced.push(lesson.id.clone());
                *old = lesson;
            }
            None => lessons.push(lesson),
        }
    }
    if lessons.len() > MAX_LESSONS {
        return Err(format!(
            "--lessons: {} lessons with the built-in ones; at most {MAX_LESSONS}",
            lessons.len()
        ));
    }
    lessons.sort_by(|a, b| a.id.cmp(&b.id));
    Ok((lessons, replaced))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_builtin_lesson_is_valid_in_both_languages() {
        let lessons = builtins().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(lessons.len(), 14);
        let ids: Vec<&str> = lessons.iter().map(|l| l.id.as_str()).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted, "file order is id order is the article's order");
    }

    #[test]
    fn problems_name_the_file_and_the_field() {
        let text = r#"
id = "t1"
title = { en = "T" }
goal = { en = "G" }
concept = { en = "C" }
[[check]]
say = { en = "listen" }
expect = { call = "listen", args = { "$frob" = 1 } }
"#;
        let e = parse("lessons/x.toml", text, false)
            .err()
            .unwrap_or_default();
        assert!(
            e.starts_with("lessons/x.toml: check[0].expect: $.args"),
            "{e}"
        );
        assert!(e.contains("unknown operator"), "{e}");
        let e = parse("x.toml", "id = 3", false).err().unwrap_or_default();
        assert!(e.starts_with("x.toml: line 1: "), "{e}");
        let e = parse(
            "x.toml",
            text.replace("{ en = \"G\" }", "{ en = \"G\" }\nhints = 4")
                .as_str(),
            false,
        )
        .err()
        .unwrap_or_default();
        assert!(e.contains("line 5"), "{e}");
    }

    #[test]
    fn a_teachers_lesson_replaces_the_builtin_with_its_id() {
        let builtin = builtins().unwrap_or_else(|e| panic!("{e}"));
        let mut mine = builtin[0].clone();
        mine.title.en = "Mine".into();
        let mut new = builtin[1].clone();
        new.id = "a-first".into();
        let cat = catalog(builtin, vec![mine, new]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(cat.lessons.len(), 15);
        assert_eq!(cat.lessons[0].id, "a-first");
        assert_eq!(cat.lessons[1].title.en, "Mine");
    }

    proptest! {
        /// Random TOML-ish text never panics the loader.
        #[test]
        fn any_text_is_read_or_refused(s in r#"[a-z\[\]{}="\n .,0-9$_]{0,200}"#) {
            let _ = parse("x.toml", &s, false);
            let text = format!("id = \"x\"\ntitle = {{ en = \"t\" }}\ngoal = {{ en = \"g\" }}\nconcept = {{ en = \"c\" }}\n[[check]]\nsay = {{ en = \"s\" }}\n{s}");
            let _ = parse("x.toml", &text, false);
        }
    }
}
