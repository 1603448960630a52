//! The default build's parts (`/`): the relay started straight away (no
//! recorder: recordings, replay and share links are the `learn` build's), a
//! link to open a recording there, lesson links into it, and the move of a
//! share or embed URL opened on `/` to `/learn/` (same query and fragment).

use super::{Parts, LESSON_KEY};
use crate::hooks::AppCtx;
use crate::relay::Relay;
use crate::state::State;
use yew::prelude::*;

/// Where the relay serves the `learn` build.
pub const LEARN_PATH: &str = "/learn/";

/// Starts the relay; the tools are a link into the `learn` build.
#[hook]
pub fn use_parts(state: &UseReducerHandle<State>) -> Parts {
    let relay = {
        let dispatch = state.dispatcher().to_callback();
        use_state(move || Relay::start(Relay::default_url(), dispatch))
    };
    let tools = html! {
        <div class="rec-tools">
            <a class="button" href={LEARN_PATH} title="recordings, replay and share links open in the lessons' page">{"Open a recording…"}</a>
        </div>
    };
    Parts {
        ctx: AppCtx::new((*relay).clone(), state.dispatcher()),
        tools,
        lesson: None,
    }
}

/// The link that opens lesson `id` in the `learn` build.
pub fn lesson_href(id: &str) -> String {
    let id = String::from(js_sys::encode_uri_component(id));
    format!("{LEARN_PATH}{LESSON_KEY}{id}")
}

/// Whether this URL is the `learn` build's (a share link, or an embed by its
/// `embed` query key): if so the page goes there, same query and fragment,
/// without a history entry, and renders nothing.
pub fn moved_to_learn() -> bool {
    let Some(location) = web_sys::window().map(|w| w.location()) else {
        return false;
    };
    let hash = location.hash().unwrap_or_default();
    let search = location.search().unwrap_or_default();
    let embed = web_sys::UrlSearchParams::new_with_str(&search).is_ok_and(|q| q.has("embed"));
    if !hash.starts_with("#share=") && !embed {
        return false;
    }
    location
        .replace(&format!("{LEARN_PATH}{search}{hash}"))
        .is_ok()
}
