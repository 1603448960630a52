//! Fetching the lesson catalogue: `GET /lessons.json` (a
//! [`shared::lesson::LessonCatalog`]) from the page's own origin, once, when
//! the landing or a lesson first needs it. The lessons are data the relay
//! serves, never compiled into the wasm (the page stays small).
//!
//! The page reads each lesson without its `solution` (a scenario the relay's
//! tests and the replay run): decoding it would put a reader for every op
//! into the wasm for nothing the lesson view shows. The default build (`/`)
//! reads still less: each lesson's id and title ([`Listed`]), all its front
//! door lists (a lesson opens in the `learn` build, which reads the rest).

use crate::state::lesson::Catalog;
#[cfg(any(feature = "learn", test))]
use serde::Deserialize;
#[cfg(any(feature = "learn", test))]
pub use shared::lesson::{Lesson as Listed, LessonCatalog as Listing};
use shared::lesson::{Text, CATALOG_FORMAT};
#[cfg(any(feature = "learn", test))]
use shared::{
    check::Step,
    lesson::{Erratum, Picture, Tab},
};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Where the relay serves the catalogue (on the page's own origin).
pub const PATH: &str = "/lessons.json";

/// What the default build keeps of a lesson: what its front door lists.
#[cfg(not(any(feature = "learn", test)))]
#[derive(Clone, Debug, PartialEq)]
pub struct Listed {
    pub id: String,
    pub title: Text,
}

/// The catalogue as the default build keeps it.
#[cfg(not(any(feature = "learn", test)))]
#[derive(Clone, Debug, PartialEq)]
pub struct Listing {
    pub format: String,
    pub version: u32,
    pub lessons: Vec<Listed>,
}

/// The default build reads only what it keeps (unknown fields are ignored).
#[cfg(not(any(feature = "learn", test)))]
type PageLesson = Listed;

/// [`Listing`] as the page reads it.
#[cfg_attr(any(feature = "learn", test), derive(Deserialize))]
struct PageCatalog {
    format: String,
    version: u32,
    lessons: Vec<PageLesson>,
}

/// [`Listed`] without its `solution` (unknown fields are ignored).
#[cfg(any(feature = "learn", test))]
#[derive(Deserialize)]
struct PageLesson {
    id: String,
    title: Text,
    #[serde(default)]
    tab: Tab,
    goal: Text,
    concept: Text,
    #[serde(default)]
    picture: Option<Picture>,
    #[serde(default)]
    hints: Vec<Text>,
    #[serde(default)]
    errata: Vec<Erratum>,
    check: Vec<Step>,
}

#[cfg(any(feature = "learn", test))]
impl From<PageLesson> for Listed {
    fn from(l: PageLesson) -> Listed {
        Listed {
            id: l.id,
            title: l.title,
            tab: l.tab,
            goal: l.goal,
            concept: l.concept,
            picture: l.picture,
            hints: l.hints,
            errata: l.errata,
            check: l.check,
            solution: Vec::new(),
        }
    }
}

/// The catalogue in `text`, by serde.
#[cfg(any(feature = "learn", test))]
fn read(text: &str) -> Result<PageCatalog, String> {
    serde_json::from_str(text).map_err(|e| format!("the relay's lesson list is not readable: {e}"))
}

/// The catalogue in `text`, by the browser's `JSON.parse`: the default build
/// reads only each lesson's id and title, and without a serde reader of its
/// own in the wasm. The relay checked the catalogue; this only refuses what
/// the front door cannot list.
#[cfg(not(any(feature = "learn", test)))]
fn read(text: &str) -> Result<PageCatalog, String> {
    use js_sys::{Array, Reflect, JSON};
    use wasm_bindgen::JsValue;
    let unreadable = |why: &str| format!("the relay's lesson list is not readable: {why}");
    let get = |v: &JsValue, key: &str| {
        Reflect::get(v, &JsValue::from_str(key))
            .ok()
            .filter(|v| !v.is_undefined() && !v.is_null())
    };
    let string = |v: &JsValue, key: &str| get(v, key).and_then(|s| s.as_string());
    let root = JSON::parse(text).map_err(|_| unreadable("it is not JSON"))?;
    let format = string(&root, "format").ok_or_else(|| unreadable("it has no format"))?;
    let version = get(&root, "version")
        .and_then(|v| v.as_f64())
        .filter(|v| v.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(v))
        .ok_or_else(|| unreadable("it has no version"))? as u32;
    let list = get(&root, "lessons")
        .filter(Array::is_array)
        .map(|v| Array::from(&v))
        .ok_or_else(|| unreadable("it has no lessons"))?;
    let mut lessons = Vec::new();
    for lesson in list.iter() {
        let id = string(&lesson, "id").ok_or_else(|| unreadable("a lesson has no id"))?;
        let title = get(&lesson, "title");
        let en = title.as_ref().and_then(|t| string(t, "en"));
        let en = en.ok_or_else(|| unreadable("a lesson has no title"))?;
        let zh = title.as_ref().and_then(|t| string(t, "zh"));
        lessons.push(Listed {
            id,
            title: Text { en, zh },
        });
    }
    Ok(PageCatalog {
        format,
        version,
        lessons,
    })
}

/// Reads a catalogue's JSON text; the error is a sentence for the learner.
pub fn parse(text: &str) -> Result<Listing, String> {
    let page = read(text)?;
    let catalog = Listing {
        format: page.format,
        version: page.version,
        // The identity in the default build, which reads `Listed` itself.
        #[allow(clippy::useless_conversion)]
        lessons: page.lessons.into_iter().map(Listed::from).collect(),
    };
    if catalog.format != CATALOG_FORMAT {
        return Err(format!(
            "the relay's lesson list has format {:?}, not {CATALOG_FORMAT:?}",
            catalog.format
        ));
    }
    if catalog.version > shared::recording::FORMAT_VERSION {
        return Err(format!(
            "the relay's lesson list is version {}; this page reads up to version {}",
            catalog.version,
            shared::recording::FORMAT_VERSION
        ));
    }
    Ok(catalog)
}

/// Fetches and reads the catalogue.
pub async fn fetch() -> Catalog {
    match fetch_text().await {
        Ok(text) => match parse(&text) {
            Ok(c) => Catalog::Ready(Rc::new(c)),
            Err(e) => Catalog::Failed(e),
        },
        Err(e) => Catalog::Failed(e),
    }
}

async fn fetch_text() -> Result<String, String> {
    let window = web_sys::window().ok_or("no window")?;
    let unreachable = |_| "the relay did not answer for the lessons".to_owned();
    let response = JsFuture::from(window.fetch_with_str(PATH))
        .await
        .map_err(unreachable)?;
    let response: web_sys::Response = response
        .dyn_into()
        .map_err(|_| "the relay's answer for the lessons is not an HTTP response".to_owned())?;
    if !response.ok() {
        return Err(format!(
            "the relay has no lessons here (GET {PATH}: {} {})",
            response.status(),
            response.status_text()
        ));
    }
    let text = response.text().map_err(unreachable)?;
    JsFuture::from(text)
        .await
        .map_err(unreachable)?
        .as_string()
        .ok_or_else(|| "the lesson list is not text".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_catalogue_is_read_or_refused_in_words() {
        let ok = r#"{"format":"socklab-lessons","version":1,"lessons":[]}"#;
        assert!(parse(ok).is_ok_and(|c| c.lessons.is_empty()));
        // A whole lesson as the relay serves it (solution included) reads the
        // same as the shared type, without the solution.
        let lesson = serde_json::json!({
            "id": "e00", "title": {"en": "t", "zh": "标题"}, "tab": "http",
            "goal": {"en": "g"}, "concept": {"en": "c"}, "picture": "select",
            "hints": [{"en": "h"}],
            "errata": [{"article": "a", "corrected": "b", "why": {"en": "w"}, "step": 0}],
            "check": [{"say": {"en": "s"}, "expect": {"call": "listen"}}],
            "solution": [{"call": {"op": "socket"}}]
        });
        let text = serde_json::json!({"format": "socklab-lessons", "version": 1, "lessons": [lesson.clone()]});
        let read = parse(&text.to_string()).unwrap_or_else(|e| panic!("{e}"));
        let mut shared: Listed = serde_json::from_value(lesson).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(shared.solution.len(), 1);
        shared.solution.clear();
        assert_eq!(read.lessons, vec![shared]);
        let other = r#"{"format":"socklab-recording","version":1,"lessons":[]}"#;
        assert!(parse(other).is_err_and(|e| e.contains("socklab-recording")));
        let newer = r#"{"format":"socklab-lessons","version":99,"lessons":[]}"#;
        assert!(parse(newer).is_err_and(|e| e.contains("version 99")));
        assert!(parse("<html>").is_err_and(|e| e.contains("not readable")));
    }
}
