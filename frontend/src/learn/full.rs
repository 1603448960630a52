//! The `learn` build's parts (`/learn/`, `/embed`): the relay behind the
//! recorder with the switches between live and replay (`replay/mod.rs`), the
//! recording files, the share button, the replay bar, a shared scenario's
//! runner, the teacher's progress report with the learner's name, the open
//! lesson's panel, and a front-door link `#lesson=ID` opened once the
//! catalogue is in.

use super::{Parts, LESSON_KEY};
use crate::components::lesson_panel::LessonPanel;
use crate::hooks::{AppCtx, Session};
use crate::lessons::report::{stored_name, use_progress_report, NameField};
use crate::replay::{bar::ReplayBar, files::RecordingFiles, rerun::ScenarioRunner, use_controls};
use crate::share::button::ShareButton;
use crate::state::lesson::{Catalog, LessonAction};
use crate::state::{Action, State};
use std::rc::Rc;
use yew::prelude::*;

#[hook]
pub fn use_parts(state: &UseReducerHandle<State>) -> Parts {
    let replaying = state.replay.as_ref().map(|p| p.replay.recording.clone());
    let controls = use_controls(state.dispatcher().to_callback(), replaying.clone());
    let ctx = AppCtx::new(controls.relay.clone(), state.dispatcher());
    let name = use_state(stored_name);
    use_progress_report(
        ctx.clone(),
        Session::of(state).ready && state.replay.is_none(),
        state.lesson.report(),
        (*name).clone(),
    );
    use_lesson_link(
        ctx.clone(),
        matches!(state.lesson.catalog, Catalog::Ready(_)),
    );
    let on_name = {
        let name = name.setter();
        Callback::from(move |n: String| name.set(n))
    };
    let class_room = state.hello.as_ref().is_some_and(|h| h.policy.auth_required);
    let tools = html! {
        <>
            if class_room {
                <NameField name={(*name).clone()} on_change={on_name} />
            }
            <div class="rec-tools">
                <RecordingFiles recorder={controls.recorder.clone()} on_load={controls.on_load.clone()} />
                <ShareButton recorder={controls.recorder.clone()} {replaying} />
                if let Some(e) = controls.share_error.clone() { <p class="error" role="alert">{e}</p> }
            </div>
            if let Some(pos) = state.replay.clone() {
                <ReplayBar {pos} on_rerun={Some(controls.on_rerun.clone())} />
            }
            if let Some((scenario, autostart)) = controls.scenario.clone() {
                <ScenarioRunner key={format!("{:p}", Rc::as_ptr(&scenario))} scenario={scenario.clone()} {autostart} />
            }
        </>
    };
    let lesson = (state.replay.is_none() && state.lesson.open.is_some())
        .then(|| html! { <LessonPanel lesson={state.lesson.clone()} /> });
    Parts { ctx, tools, lesson }
}

/// The lesson a `#lesson=ID` fragment names, if the page's URL has one.
fn lesson_in_fragment() -> Option<String> {
    let hash = web_sys::window()?.location().hash().ok()?;
    let id = hash.strip_prefix(LESSON_KEY)?;
    js_sys::decode_uri_component(id)
        .ok()
        .map(String::from)
        .filter(|id| !id.is_empty())
}

/// Opens the lesson of a `#lesson=ID` link once the catalogue is `ready`,
/// then drops the fragment (a reload shows the page as the learner left it).
#[hook]
fn use_lesson_link(ctx: AppCtx, ready: bool) {
    let wanted = use_mut_ref(lesson_in_fragment);
    use_effect_with(ready, move |ready| {
        if !*ready {
            return;
        }
        if let Some(id) = wanted.borrow_mut().take() {
            ctx.dispatch(Action::Lesson(LessonAction::Open(id)));
            if let Some(w) = web_sys::window() {
                let l = w.location();
                let url = format!(
                    "{}{}",
                    l.pathname().unwrap_or_default(),
                    l.search().unwrap_or_default()
                );
                if let Ok(h) = w.history() {
                    let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
                }
            }
        }
    });
}
