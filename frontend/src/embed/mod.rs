//! Embed mode: `/embed?…` (or any page URL with `embed` in its query) renders
//! the compact player of [`player`] instead of the workbench. This file reads
//! the options from the URL ([`Options`]) and loads what to show
//! ([`load`]): a lesson's reference solution, a scenario or a recording by URL,
//! or an inline share (`#share=…`). Every option is in docs/embedding.md.
//!
//! Owns the options and the loading; the player decides live or replay.

pub mod player;

use crate::share::{self, Shared};
use shared::lesson::LessonCatalog;
use shared::recording::{Recording, Scenario, FORMAT_VERSION, SCENARIO_FORMAT};
use std::rc::Rc;

/// Which panes the player shows (`panes=timeline,transcript,panel`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Panes {
    pub timeline: bool,
    pub transcript: bool,
    pub panel: bool,
}

/// The player's options, from the page's URL.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    pub lesson: Option<String>,
    pub scenario: Option<String>,
    pub recording: Option<String>,
    pub autoplay: bool,
    pub readonly: bool,
    /// Step a replay starts at.
    pub step: usize,
    pub panes: Panes,
    /// Replay speed (1 = the recorded pace).
    pub speed: f64,
}

impl Options {
    /// The options of a page at `path` whose query's decoded values `get`
    /// gives (the browser's `URLSearchParams`), or `None` when it is not an
    /// embed page.
    pub fn parse(path: &str, get: impl Fn(&str) -> Option<String>) -> Option<Options> {
        let flag = |key: &str| get(key).is_some_and(|v| v != "0" && v != "false");
        let embed_path = path.trim_end_matches('/').ends_with("/embed");
        if !embed_path && get("embed").is_none() {
            return None;
        }
        let panes = get("panes").map_or(
            Panes {
                timeline: true,
                transcript: true,
                panel: true,
            },
            |list| {
                let has = |p: &str| list.split(',').any(|x| x.trim() == p);
                Panes {
                    timeline: has("timeline"),
                    transcript: has("transcript"),
                    panel: has("panel"),
                }
            },
        );
        Some(Options {
            lesson: get("lesson"),
            scenario: get("scenario"),
            recording: get("recording"),
            autoplay: flag("autoplay"),
            readonly: flag("readonly"),
            step: get("step").and_then(|s| s.parse().ok()).unwrap_or(0),
            panes,
            speed: get("speed")
                .and_then(|s| s.parse::<f64>().ok())
                .filter(|s| s.is_finite() && *s > 0.0)
                .map_or(1.0, |s| s.clamp(0.1, 20.0)),
        })
    }

    /// The options of this page, if it is an embed page.
    pub fn from_location() -> Option<Options> {
        let location = web_sys::window()?.location();
        let query = web_sys::UrlSearchParams::new_with_str(&location.search().ok()?).ok()?;
        Options::parse(&location.pathname().ok()?, |key| query.get(key))
    }
}

/// What the player shows: calls to run live and/or a recording to replay.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sources {
    pub title: String,
    pub scenario: Option<Rc<Scenario>>,
    pub recording: Option<Rc<Recording>>,
}

/// Which panel a scenario uses.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Panel {
    Sockets,
    Http,
    Ftp,
}

impl Sources {
    pub fn panel(&self) -> Panel {
        let names = self
            .scenario
            .iter()
            .flat_map(|s| s.steps.iter().map(|st| st.call.name()));
        let mut panel = Panel::Sockets;
        for name in names {
            if name.starts_with("http.") {
                panel = Panel::Http;
            } else if name.starts_with("ftp.") {
                panel = Panel::Ftp;
            }
        }
        panel
    }
}

/// The text at `url` (relative to the page).
async fn fetch_text(url: &str) -> Result<String, String> {
    use wasm_bindgen_futures::JsFuture;
    let window = web_sys::window().ok_or("no window")?;
    let failed = |why: &str| format!("could not load {url}: {why}");
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|_| failed("the server did not answer (or refused: CORS)"))?
        .into();
    if !response.ok() {
        return Err(failed(&format!("HTTP {}", response.status())));
    }
    let text = response.text().map_err(|_| failed("no body"))?;
    JsFuture::from(text)
        .await
        .ok()
        .and_then(|t| t.as_string())
        .ok_or_else(|| failed("unreadable body"))
}

/// Loads the lesson, scenario, recording and share named by the options.
pub async fn load(opts: &Options) -> Result<Sources, String> {
    let mut src = Sources::default();
    if let Some(url) = &opts.recording {
        let rec = Recording::from_json(&fetch_text(url).await?)
            .map_err(|e| format!("{url} cannot be replayed: {e}"))?;
        src.title = rec.title.clone();
        src.recording = Some(Rc::new(rec));
    }
    if let Some(url) = &opts.scenario {
        let s = Scenario::from_json(&fetch_text(url).await?)
            .map_err(|e| format!("{url} cannot be run: {e}"))?;
        src.title = s.title.clone();
        src.scenario = Some(Rc::new(s));
    }
    if let Some(id) = &opts.lesson {
        let catalog: LessonCatalog = serde_json::from_str(&fetch_text("lessons.json").await?)
            .map_err(|e| format!("the lessons could not be read: {e}"))?;
        let lesson = catalog
            .lessons
            .into_iter()
            .find(|l| &l.id == id)
            .ok_or_else(|| format!("there is no lesson {id:?} on this relay"))?;
        src.title = format!("lesson {id}");
        src.scenario = Some(Rc::new(Scenario {
            format: SCENARIO_FORMAT.to_owned(),
            version: FORMAT_VERSION,
            title: src.title.clone(),
            steps: lesson.solution,
        }));
    }
    match share::from_location().await {
        Some(Ok(Shared::Scenario(s))) => src.scenario = Some(Rc::new(s)),
        Some(Ok(Shared::Recording(r))) => src.recording = Some(Rc::new(r)),
        Some(Err(e)) => return Err(e),
        None => {}
    }
    if src.scenario.is_none() {
        src.scenario = src.recording.as_ref().map(|r| Rc::new(r.to_scenario()));
    }
    if src.scenario.is_none() {
        return Err(
            "nothing to show: give lesson=, scenario=, recording= or a #share= link".into(),
        );
    }
    Ok(src)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A query's decoded values, as `URLSearchParams` gives them.
    fn query(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        |key| {
            pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn options_come_from_the_url() {
        assert_eq!(Options::parse("/", query(&[("relay", "ws://x/ws")])), None);
        let o = Options::parse(
            "/embed",
            query(&[
                ("recording", "demo/echo.json"),
                ("autoplay", "1"),
                ("readonly", "1"),
                ("step", "4"),
                ("panes", "timeline,panel"),
                ("speed", "2"),
            ]),
        );
        let o = o.unwrap_or_else(|| panic!("an embed page"));
        assert_eq!(o.recording.as_deref(), Some("demo/echo.json"));
        assert!(o.autoplay && o.readonly);
        assert_eq!((o.step, o.speed), (4, 2.0));
        assert!(o.panes.timeline && o.panes.panel && !o.panes.transcript);
        let o = Options::parse(
            "/socklab.html",
            query(&[("embed", ""), ("speed", "-3"), ("autoplay", "0")]),
        );
        let o = o.unwrap_or_else(|| panic!("an embed page"));
        assert!(!o.autoplay && o.panes.transcript);
        assert_eq!(o.speed, 1.0);
    }
}
