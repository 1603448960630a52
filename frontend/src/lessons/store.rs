//! Keeping lesson progress and the language in the browser's localStorage:
//! `socklab.lessons.v1` holds [`Saved`] (done lessons, the current one, hints
//! revealed per lesson) and `socklab.lang.v1` the language (`en` or `zh`).
//! Anything unreadable there is ignored (a fresh start), never an error.
//! Also sets `<html lang>` to follow the language.

use crate::state::lesson::{LessonAction, Saved};
use crate::state::State;
use shared::lesson::Lang;
use std::rc::Rc;
use yew::prelude::*;

/// The localStorage key of the progress.
pub const PROGRESS_KEY: &str = "socklab.lessons.v1";
/// The localStorage key of the language.
pub const LANG_KEY: &str = "socklab.lang.v1";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// Progress from its stored text; corrupt or missing text is a fresh start.
pub fn parse_saved(text: Option<&str>) -> Saved {
    text.and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default()
}

/// The language from its stored text; else the browser's (Chinese when it
/// prefers Chinese), else English.
pub fn parse_lang(text: Option<&str>, browser: Option<&str>) -> Lang {
    match text {
        Some("zh") => Lang::Zh,
        Some("en") => Lang::En,
        _ if browser.is_some_and(|b| b.to_ascii_lowercase().starts_with("zh")) => Lang::Zh,
        _ => Lang::En,
    }
}

/// The `lang` attribute and storage code of a language.
pub fn code(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "en",
        Lang::Zh => "zh-Hans",
    }
}

/// Reads what was stored (at start-up).
pub fn load() -> (Lang, Saved) {
    let s = storage();
    let get = |key: &str| s.as_ref().and_then(|s| s.get_item(key).ok().flatten());
    let browser = web_sys::window().and_then(|w| w.navigator().language());
    let lang = parse_lang(get(LANG_KEY).as_deref(), browser.as_deref());
    (lang, parse_saved(get(PROGRESS_KEY).as_deref()))
}

/// Stores the progress (quietly does nothing where storage is unavailable).
#[cfg(any(feature = "learn", test))]
pub fn save(saved: &Saved) {
    if let (Some(s), Ok(text)) = (storage(), serde_json::to_string(saved)) {
        let _ = s.set_item(PROGRESS_KEY, &text);
    }
}

/// Stores the language and makes `<html lang>` follow it.
pub fn save_lang(lang: Lang) {
    if let Some(s) = storage() {
        let _ = s.set_item(LANG_KEY, if lang == Lang::Zh { "zh" } else { "en" });
    }
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element());
    if let Some(root) = root {
        let _ = root.set_attribute("lang", code(lang));
    }
}

/// The page's first state: the saved language and progress restored.
pub fn initial_state() -> State {
    let (lang, saved) = load();
    let mut state = State::default();
    Rc::make_mut(&mut state.lesson).apply(LessonAction::Restore { lang, saved });
    state
}

/// Saves the progress and the language whenever they change.
#[cfg(any(feature = "learn", test))]
#[hook]
pub fn use_persist(lang: Lang, saved: &Saved) {
    use_effect_with(saved.clone(), save);
    use_effect_with(lang, |lang| save_lang(*lang));
}

/// Saves the language whenever it changes: the default build only reads the
/// progress (it changes in the `learn` one).
#[cfg(not(any(feature = "learn", test)))]
#[hook]
pub fn use_persist(lang: Lang, _saved: &Saved) {
    use_effect_with(lang, |lang| save_lang(*lang));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corrupt_progress_is_a_fresh_start() {
        assert_eq!(parse_saved(None), Saved::default());
        assert_eq!(parse_saved(Some("{not json")), Saved::default());
        assert_eq!(parse_saved(Some("[1,2]")), Saved::default());
        assert_eq!(parse_saved(Some(r#"{"done": 5}"#)), Saved::default());
        let saved = parse_saved(Some(r#"{"done":["e02"],"current":"e03","extra":1}"#));
        assert!(saved.done.contains("e02"));
        assert_eq!(saved.current.as_deref(), Some("e03"));
        let text = serde_json::to_string(&saved).unwrap_or_default();
        assert_eq!(parse_saved(Some(&text)), saved);
    }

    #[test]
    fn the_language_is_stored_or_follows_the_browser() {
        assert_eq!(parse_lang(Some("zh"), Some("en-US")), Lang::Zh);
        assert_eq!(parse_lang(Some("en"), Some("zh-CN")), Lang::En);
        assert_eq!(parse_lang(None, Some("zh-CN")), Lang::Zh);
        assert_eq!(parse_lang(Some("garbage"), None), Lang::En);
        assert_eq!(code(Lang::Zh), "zh-Hans");
    }
}
