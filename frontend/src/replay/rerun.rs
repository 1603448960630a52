//! Running a scenario live: each call of a `shared::Scenario` sent to the relay
//! in order, waiting for its reply unless the step says `nowait` (an `accept`
//! whose client connects later), with "call 3 of 12" as it goes. A recording
//! re-runs as its `to_scenario()`; a share link or an embed runs its scenario
//! the same way.
//!
//! Owns the run's progress; the calls and their results reach the workbench
//! through the relay service and the reducer like any click.

use crate::hooks::{use_app, use_session, AppCtx};
use crate::relay::DISCONNECTED;
use shared::recording::Scenario;
use shared::Outcome;
use std::rc::Rc;
use yew::prelude::*;

/// Where a run stands.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Progress {
    Ready,
    Running(usize),
    Done,
    /// The relay connection dropped at this call.
    Lost(usize),
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub scenario: Rc<Scenario>,
    /// Start as soon as the relay is ready (re-run, `autoplay=1`).
    #[prop_or_default]
    pub autostart: bool,
}

/// Sends every call of `scenario`, reporting progress.
pub async fn run(ctx: AppCtx, scenario: Rc<Scenario>, progress: Callback<Progress>) {
    for (i, step) in scenario.steps.iter().enumerate() {
        progress.emit(Progress::Running(i + 1));
        if step.nowait {
            ctx.send(step.call.clone());
            continue;
        }
        if let Outcome::Err(e) = ctx.call(step.call.clone()).await {
            if e.code == DISCONNECTED {
                progress.emit(Progress::Lost(i + 1));
                return;
            }
        }
    }
    progress.emit(Progress::Done);
}

#[function_component(ScenarioRunner)]
pub fn scenario_runner(props: &Props) -> Html {
    let ctx = use_app();
    let ready = use_session().ready;
    let progress = use_state(|| Progress::Ready);
    let start = {
        let (ctx, scenario, progress) = (ctx.clone(), props.scenario.clone(), progress.clone());
        Callback::from(move |_: ()| {
            let report = {
                let progress = progress.clone();
                Callback::from(move |p| progress.set(p))
            };
            wasm_bindgen_futures::spawn_local(run(ctx.clone(), scenario.clone(), report));
        })
    };
    {
        let (start, autostart, idle) =
            (start.clone(), props.autostart, *progress == Progress::Ready);
        use_effect_with(ready, move |ready| {
            if *ready && autostart && idle {
                start.emit(());
            }
        });
    }
    let total = props.scenario.steps.len();
    let status = match *progress {
        Progress::Ready if ready => format!("{total} calls, ready to run"),
        Progress::Ready => format!("{total} calls; waiting for the relay"),
        Progress::Running(n) => format!("running call {n} of {total}…"),
        Progress::Done => format!("done: ran {total} calls live"),
        Progress::Lost(n) => {
            format!("stopped at call {n} of {total}: the relay connection was lost")
        }
    };
    let title = if props.scenario.title.is_empty() {
        "Scenario".to_owned()
    } else {
        format!("Scenario: {}", props.scenario.title)
    };
    let busy = matches!(*progress, Progress::Running(_));
    html! {
        <section class="scenario-run" aria-label="scenario">
            <strong>{title}</strong>
            <button onclick={start.reform(|_: MouseEvent| ())} disabled={!ready || busy}>{"Run live"}</button>
            <span class="hint" role="status" data-testid="scenario-progress">{status}</span>
        </section>
    }
}
