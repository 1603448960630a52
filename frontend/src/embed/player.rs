//! The embed player: a compact page for a docs site's iframe — the panel the
//! scenario uses (socket cards, HTTP or FTP), the timeline and the Python
//! transcript. It tries the relay first: when `hello` arrives it runs the
//! scenario **live** ("Live — socklab relay at …"); when the relay cannot be
//! reached (closed, or no `hello` within [`LIVE_WAIT_MS`]) it stops trying and
//! **replays** the recording ("Replay — relay not reachable"), or says that
//! there is nothing to replay.
//!
//! Owns the player's mode; loading is `embed/mod.rs`, the replay bar and the
//! scenario runner are `replay/`.

use super::{load, Options, Panel, Sources};
use crate::components::{
    app::cards, banner::Banner, ftp_panel::FtpPanel, http_panel::HttpPanel,
    python_transcript::PythonTranscript, timeline::Timeline,
};
use crate::hooks::{AppCtx, Session};
use crate::relay::Relay;
use crate::replay::{bar::ReplayBar, rerun::ScenarioRunner};
use crate::state::replay::ReplayAction;
use crate::state::{Action, Conn, State};
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// How long the player waits for the relay's `hello` before replaying.
pub const LIVE_WAIT_MS: i32 = 4000;

/// What the player is doing.
#[derive(Clone, Debug, PartialEq)]
enum Mode {
    /// Loading sources and waiting for the relay.
    Probing,
    Live,
    Replay,
    /// No relay and no recording.
    Nothing,
    Failed(String),
}

/// `127.0.0.1:8080` from `ws://127.0.0.1:8080/ws`.
fn relay_host(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split('/').next().unwrap_or(rest).to_owned()
}

/// Sets `flag` after [`LIVE_WAIT_MS`].
#[hook]
fn use_deadline() -> bool {
    let passed = use_state(|| false);
    {
        let passed = passed.clone();
        use_effect_with((), move |_| {
            let done = Closure::once_into_js(move || passed.set(true));
            if let Some(w) = web_sys::window() {
                let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(
                    done.unchecked_ref(),
                    LIVE_WAIT_MS,
                );
            }
        });
    }
    *passed
}

/// The panes, each shown when the options ask for it.
fn panes(state: &State, src: &Sources, opts: &Options) -> Html {
    let wide = src.panel() != Panel::Sockets;
    let panel = match src.panel() {
        Panel::Http => html! { <HttpPanel http={state.http.clone()} /> },
        Panel::Ftp => html! { <FtpPanel ftp={state.ftp.clone()} /> },
        Panel::Sockets => html! { <div class="cards">{cards(state)}</div> },
    };
    html! {
        <div class="embed-panes">
            if opts.panes.panel {
                <fieldset class={classes!("embed-panel", wide.then_some("wide"))} disabled={opts.readonly} aria-label="panel">{panel}</fieldset>
            }
            if opts.panes.timeline {
                <Timeline entries={state.timeline.clone()} lanes={state.lanes.clone()} selected={state.selected} />
            }
            if opts.panes.transcript {
                <PythonTranscript entries={state.transcript.clone()} />
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub opts: Rc<Options>,
}

#[function_component(Player)]
pub fn player(props: &Props) -> Html {
    let opts = props.opts.clone();
    let state = use_reducer(State::default);
    let relay_url = use_memo((), |_| Relay::default_url());
    let relay = {
        let (dispatch, url) = (state.dispatcher().to_callback(), (*relay_url).clone());
        use_state(move || Relay::start(url, dispatch))
    };
    let sources = use_state(|| None::<Result<Rc<Sources>, String>>);
    let mode = use_state(|| Mode::Probing);
    let deadline = use_deadline();
    {
        let (sources, opts) = (sources.clone(), opts.clone());
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                sources.set(Some(load(&opts).await.map(Rc::new)));
            });
        });
    }
    let lost = matches!(state.conn, Some(Conn::Lost { .. }));
    {
        let (mode, relay, dispatch) = (mode.clone(), relay.clone(), state.dispatcher());
        let step = opts.step;
        let ready = state.ready();
        use_effect_with(
            ((*sources).clone(), ready, deadline || lost),
            move |(src, ready, give_up)| match (src, *mode == Mode::Probing) {
                (Some(Err(e)), true) => {
                    relay.stop();
                    mode.set(Mode::Failed(e.clone()));
                }
                (Some(Ok(_)), true) if *ready => mode.set(Mode::Live),
                (Some(Ok(src)), true) if *give_up => {
                    relay.stop();
                    match &src.recording {
                        Some(rec) => {
                            dispatch
                                .dispatch(Action::Replay(ReplayAction::Load(rec.clone(), step)));
                            mode.set(Mode::Replay);
                        }
                        None => mode.set(Mode::Nothing),
                    }
                }
                _ => {}
            },
        );
    }
    let ctx = AppCtx::new((*relay).clone(), state.dispatcher());
    let session = Session::of(&state);
    let status = match &*mode {
        Mode::Probing => "Connecting to the socklab relay…".to_owned(),
        Mode::Live => format!("Live — socklab relay at {}", relay_host(&relay_url)),
        Mode::Replay => "Replay — relay not reachable".to_owned(),
        Mode::Nothing => "No relay reachable and nothing to replay".to_owned(),
        Mode::Failed(e) => e.clone(),
    };
    let src = match &*sources {
        Some(Ok(src)) => Some(src.clone()),
        _ => None,
    };
    let mode_name = match &*mode {
        Mode::Probing => "probing",
        Mode::Live => "live",
        Mode::Replay => "replay",
        Mode::Nothing | Mode::Failed(_) => "none",
    };
    html! {
        <ContextProvider<AppCtx> context={ctx}>
        <ContextProvider<Session> context={session.clone()}>
            <div class="app embed" data-ready={session.ready.to_string()} data-mode={mode_name}>
                <header class="embed-head">
                    <p class={classes!("embed-mode", mode_name)} role="status">{status}</p>
                    if let Some(src) = &src { if !src.title.is_empty() { <span class="embed-title">{src.title.clone()}</span> } }
                </header>
                if *mode == Mode::Live {
                    <Banner conn={state.conn.clone()} notice={state.notice.clone().map(AttrValue::from)} />
                    if let Some(scenario) = src.as_ref().and_then(|s| s.scenario.clone()) {
                        <ScenarioRunner {scenario} autostart={opts.autoplay} />
                    }
                }
                if let Some(pos) = state.replay.clone() {
                    <ReplayBar {pos} autoplay={opts.autoplay} speed={opts.speed} heading={false} />
                }
                if let Some(src) = &src { {panes(&state, src, &opts)} }
            </div>
        </ContextProvider<Session>>
        </ContextProvider<AppCtx>>
    }
}
