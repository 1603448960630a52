//! Recordings on the page: recording the session as it happens
//! ([`recorder`]), exporting and importing files ([`files`]), the replay bar
//! ([`bar`]) and running a scenario live ([`rerun`]). The replay itself — a
//! recording rebuilt through the one reducer — is the state slice
//! `state/replay.rs`.
//!
//! [`use_controls`] is what the app needs to switch between them: the relay
//! (stopped while replaying, started fresh to re-run), the recorder, and a
//! share link's scenario or recording opened at start.

pub mod bar;
pub mod files;
pub mod recorder;
pub mod rerun;

use crate::relay::Relay;
use crate::share::{self, Shared};
use crate::state::replay::ReplayAction;
use crate::state::Action;
use recorder::Recorder;
use shared::recording::{Recording, Scenario};
use std::rc::Rc;
use yew::prelude::*;

/// The relay, the recorder and the switches between live and replay.
pub struct Controls {
    pub relay: Relay,
    pub recorder: Recorder,
    /// Replay this recording (the relay is stopped).
    pub on_load: Callback<Rc<Recording>>,
    /// Leave the replay and run its calls live in a fresh relay session.
    pub on_rerun: Callback<()>,
    /// A scenario to run live, and whether it starts by itself.
    pub scenario: Option<(Rc<Scenario>, bool)>,
    /// A share link that could not be opened, in words.
    pub share_error: Option<String>,
}

/// Starts the relay (through the recorder) and opens a share link, if the
/// page's URL has one.
#[hook]
pub fn use_controls(dispatch: Callback<Action>, replaying: Option<Rc<Recording>>) -> Controls {
    let recorder = use_memo((), |_| Recorder::new());
    let relay = {
        let tap = recorder.tap(dispatch.clone());
        use_state(move || Relay::start(Relay::default_url(), tap))
    };
    let scenario = use_state(|| None::<(Rc<Scenario>, bool)>);
    let share_error = use_state(|| None::<String>);
    let on_load = {
        let (relay, scenario, dispatch) = (relay.clone(), scenario.clone(), dispatch.clone());
        Callback::from(move |rec: Rc<Recording>| {
            relay.stop();
            scenario.set(None);
            dispatch.emit(Action::Replay(ReplayAction::Load(rec, 0)));
        })
    };
    let on_rerun = {
        let (relay, scenario, recorder) = (relay.clone(), scenario.clone(), (*recorder).clone());
        Callback::from(move |_: ()| {
            let Some(rec) = replaying.clone() else { return };
            relay.stop();
            recorder.restart();
            dispatch.emit(Action::Replay(ReplayAction::Exit));
            relay.set(Relay::start(
                Relay::default_url(),
                recorder.tap(dispatch.clone()),
            ));
            scenario.set(Some((Rc::new(rec.to_scenario()), true)));
        })
    };
    {
        let (on_load, scenario, share_error) =
            (on_load.clone(), scenario.clone(), share_error.clone());
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match share::from_location().await {
                    Some(Ok(Shared::Scenario(s))) => scenario.set(Some((Rc::new(s), false))),
                    Some(Ok(Shared::Recording(r))) => on_load.emit(Rc::new(r)),
                    Some(Err(e)) => share_error.set(Some(e)),
                    None => {}
                }
            });
        });
    }
    Controls {
        relay: (*relay).clone(),
        recorder: (*recorder).clone(),
        on_load,
        on_rerun,
        scenario: (*scenario).clone(),
        share_error: (*share_error).clone(),
    }
}
