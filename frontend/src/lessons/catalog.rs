//! Fetching the lesson catalogue: `GET /lessons.json` (a
//! [`shared::lesson::LessonCatalog`]) from the page's own origin, once, when
//! the landing or a lesson first needs it. The lessons are data the relay
//! serves, never compiled into the wasm (the page stays small).

use crate::state::lesson::Catalog;
use shared::lesson::{LessonCatalog, CATALOG_FORMAT};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Where the relay serves the catalogue (relative to the page).
pub const PATH: &str = "lessons.json";

/// Reads a catalogue's JSON text; the error is a sentence for the learner.
pub fn parse(text: &str) -> Result<LessonCatalog, String> {
    let catalog: LessonCatalog = serde_json::from_str(text)
        .map_err(|e| format!("the relay's lesson list is not readable: {e}"))?;
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
            "the relay has no lessons here (GET /{PATH}: {} {})",
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
        let other = r#"{"format":"socklab-recording","version":1,"lessons":[]}"#;
        assert!(parse(other).is_err_and(|e| e.contains("socklab-recording")));
        let newer = r#"{"format":"socklab-lessons","version":99,"lessons":[]}"#;
        assert!(parse(newer).is_err_and(|e| e.contains("version 99")));
        assert!(parse("<html>").is_err_and(|e| e.contains("not readable")));
    }
}
