//! Where the two builds differ inside the workbench app (docs/architecture.md,
//! "Two builds"). The default build (`/`) starts the relay itself and sends
//! everything the `learn` build owns there: a lesson of the front door opens
//! at `/learn/#lesson=ID`, a share link (`#share=…`) and an embed URL are
//! reopened under `/learn/` with the same query and fragment, and "Open a
//! recording…" goes to `/learn/` ([`lite`]). The `learn` build (`/learn/`)
//! adds the recorder, recordings and replay, share links, the lesson panel and
//! the teacher's progress report, and opens a `#lesson=ID` link ([`full`]).
//! Both read and write the same localStorage keys (`lessons/store.rs`), so
//! progress made in one shows in the other.
//!
//! Owns the app's build-dependent [`Parts`] and the URLs between the builds.

use crate::hooks::AppCtx;
use yew::Html;

#[cfg(any(feature = "learn", test))]
mod full;
#[cfg(any(feature = "learn", test))]
pub use full::use_parts;
#[cfg(not(any(feature = "learn", test)))]
mod lite;
#[cfg(not(any(feature = "learn", test)))]
pub use lite::{lesson_href, moved_to_learn, use_parts};

/// The fragment that opens a lesson in the `learn` build: `#lesson=ID`.
pub const LESSON_KEY: &str = "#lesson=";

/// The app's parts that depend on the build.
pub struct Parts {
    /// The relay and the reducer (the app's context).
    pub ctx: AppCtx,
    /// Shown above the tabs: recordings, share, the replay bar, a shared
    /// scenario's runner, the name for the teacher.
    pub tools: Html,
    /// The open lesson's panel, shown instead of the front door.
    pub lesson: Option<Html>,
}
