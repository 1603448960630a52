//! The replay bar: where a replayed recording stands ("step 12 of 340"), what
//! that step was, and the controls — first, back, play/pause, forward, last,
//! a slider and a step number — each a button named by its word, with a
//! keyboard shortcut (Home, ←, Space, →, End) while the bar is shown. Playing
//! waits the recorded gap between steps (bounded, divided by `speed`).
//!
//! Owns the playing flag and its timer; the position is the reducer's
//! (`state/replay.rs`), changed only through `Action::Replay`.

use crate::hooks::{field_value, use_app};
use crate::state::replay::{ReplayAction, ReplayPos};
use crate::state::Action;
use shared::recording::RecItem;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub pos: ReplayPos,
    /// Start playing at once (`autoplay=1`).
    #[prop_or_default]
    pub autoplay: bool,
    /// Playing speed (2.0 = twice the recorded pace).
    #[prop_or(1.0)]
    pub speed: f64,
    /// Show the "Replay — not connected" line (the embed player says it itself).
    #[prop_or(true)]
    pub heading: bool,
    /// "Re-run live" (absent: no button, e.g. a read-only embed).
    #[prop_or_default]
    pub on_rerun: Option<Callback<()>>,
}

/// What step `n` (1-based) of the recording was, in a few words.
fn describe(pos: &ReplayPos) -> String {
    let Some(entry) = pos
        .step
        .checked_sub(1)
        .and_then(|i| pos.replay.recording.items.get(i))
    else {
        return "nothing replayed yet".into();
    };
    let what = match &entry.item {
        RecItem::Req(r) => format!("request {}: {}", r.id, r.op.name()),
        RecItem::Reply(r) => match &r.outcome {
            shared::Outcome::Ok(_) => format!("reply to request {}: ok", r.re),
            shared::Outcome::Err(e) => format!("reply to request {}: {}", r.re, e.code),
        },
        RecItem::Event(f) => serde_json::to_value(&f.event)
            .ok()
            .and_then(|v| v.get("ev").and_then(|e| e.as_str()).map(str::to_owned))
            .map_or_else(|| "event".into(), |ev| format!("event: {ev}")),
        RecItem::Probe(p) => format!("lesson probe: {}", p.detail),
    };
    format!("{what} at {:.3}s", entry.t as f64 / 1000.0)
}

/// Plays one step after the recorded gap while `playing`; stops at the end.
#[hook]
fn use_player(pos: &ReplayPos, playing: &UseStateHandle<bool>, speed: f64) {
    let ctx = use_app();
    let (step, len) = (pos.step, pos.replay.len());
    let gap = pos.replay.gap_ms(step);
    let playing = playing.clone();
    use_effect_with((step, *playing), move |&(step, on)| {
        let mut timer = None;
        if on && step >= len {
            playing.set(false);
        } else if on {
            let tick = Closure::once_into_js(move || {
                ctx.dispatch(Action::Replay(ReplayAction::Forward));
            });
            let ms = (gap as f64 / speed.max(0.1)) as i32;
            timer = web_sys::window().and_then(|w| {
                w.set_timeout_with_callback_and_timeout_and_arguments_0(tick.unchecked_ref(), ms)
                    .ok()
            });
        }
        move || {
            if let (Some(id), Some(w)) = (timer, web_sys::window()) {
                w.clear_timeout_with_handle(id);
            }
        }
    });
}

/// The bar's keyboard shortcuts, on the whole page while it is shown (not
/// while typing in a field, and Space not on a focused button).
#[hook]
fn use_shortcuts(on_key: Callback<String>) {
    use_effect_with((), move |_| {
        let listener = Closure::<dyn FnMut(KeyboardEvent)>::new(move |e: KeyboardEvent| {
            let key = e.key();
            // Fields keep their keys; a focused button keeps Space (it clicks it).
            let typing = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .is_some_and(|el| match el.tag_name().as_str() {
                    "INPUT" | "TEXTAREA" | "SELECT" => true,
                    "BUTTON" => key == " ",
                    _ => false,
                });
            let ours = matches!(
                key.as_str(),
                "ArrowLeft" | "ArrowRight" | "Home" | "End" | " "
            );
            if ours && !typing && !e.ctrl_key() && !e.alt_key() && !e.meta_key() {
                e.prevent_default();
                on_key.emit(key);
            }
        });
        let doc = web_sys::window().and_then(|w| w.document());
        if let Some(doc) = &doc {
            let _ =
                doc.add_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref());
        }
        move || {
            if let Some(doc) = doc {
                let _ = doc.remove_event_listener_with_callback(
                    "keydown",
                    listener.as_ref().unchecked_ref(),
                );
            }
        }
    });
}

#[function_component(ReplayBar)]
pub fn replay_bar(props: &Props) -> Html {
    let ctx = use_app();
    let playing = use_state(|| props.autoplay);
    use_player(&props.pos, &playing, props.speed);
    let (step, len) = (props.pos.step, props.pos.replay.len());
    let go = {
        let ctx = ctx.clone();
        Callback::from(move |a: ReplayAction| ctx.dispatch(Action::Replay(a)))
    };
    let toggle = {
        let playing = playing.clone();
        let go = go.clone();
        Callback::from(move |_| {
            if !*playing && step >= len {
                go.emit(ReplayAction::Jump(0));
            }
            playing.set(!*playing);
        })
    };
    {
        let (go, toggle) = (go.clone(), toggle.clone());
        use_shortcuts(Callback::from(move |key: String| match key.as_str() {
            "ArrowLeft" => go.emit(ReplayAction::Back),
            "ArrowRight" => go.emit(ReplayAction::Forward),
            "Home" => go.emit(ReplayAction::Jump(0)),
            "End" => go.emit(ReplayAction::Jump(usize::MAX)),
            _ => toggle.emit(()),
        }));
    }
    let click = |a: ReplayAction| {
        let go = go.clone();
        Callback::from(move |_: MouseEvent| go.emit(a.clone()))
    };
    let on_slide = {
        let go = go.clone();
        Callback::from(move |e: InputEvent| {
            if let Ok(n) = field_value(&e).parse::<usize>() {
                go.emit(ReplayAction::Jump(n));
            }
        })
    };
    let on_number = {
        let go = go.clone();
        Callback::from(move |e: Event| {
            if let Ok(n) = field_value(&e).trim().parse::<usize>() {
                go.emit(ReplayAction::Jump(n));
            }
        })
    };
    let on_play = toggle.reform(|_: MouseEvent| ());
    let title = props.pos.replay.recording.title.clone();
    html! {
        <section class="replay-bar" aria-label="replay">
            if props.heading {
                <p class="replay-status" role="status">
                    <strong>{"Replay — not connected"}</strong>
                    if !title.is_empty() { <span class="replay-title">{format!(" · {title}")}</span> }
                </p>
            }
            <div class="replay-controls">
                <button onclick={click(ReplayAction::Jump(0))} title="first step (Home)" disabled={step == 0}>{"first"}</button>
                <button onclick={click(ReplayAction::Back)} title="step back (←)" disabled={step == 0}>{"◀ back"}</button>
                <button onclick={on_play} title="play or pause (Space)" disabled={props.pos.replay.is_empty()}>{if *playing { "pause" } else { "play" }}</button>
                <button onclick={click(ReplayAction::Forward)} title="step forward (→)" disabled={step >= len}>{"forward ▶"}</button>
                <button onclick={click(ReplayAction::Jump(usize::MAX))} title="last step (End)" disabled={step >= len}>{"last"}</button>
                <input type="range" class="replay-slider" aria-label="step" min="0" max={len.to_string()} value={step.to_string()} oninput={on_slide} />
                <label class="replay-goto">{"step "}
                    <input type="number" aria-label="go to step" min="0" max={len.to_string()} value={step.to_string()} onchange={on_number} />
                </label>
                <span class="replay-count" data-testid="replay-step">{format!("step {step} of {len}")}</span>
                if let Some(rerun) = props.on_rerun.clone() {
                    <button class="rerun" onclick={rerun.reform(|_: MouseEvent| ())}>{"Re-run live"}</button>
                }
            </div>
            <p class="replay-what hint">{describe(&props.pos)}</p>
        </section>
    }
}
