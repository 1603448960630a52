//! Running a lesson check's probe clients over the page's own relay
//! connection: [`start`] drives a [`shared::probe_run::ProbeRun`] (the calls
//! it asks for go out as ordinary requests, so they reach the timeline, the
//! cards and the lesson's trace, marked as the probe's) and hands its result
//! to the lesson slice, which adds it to the trace.

use crate::hooks::AppCtx;
use crate::relay::DISCONNECTED;
use crate::state::lesson::{LessonAction, ProbeOrder, ProbeRunning};
use crate::state::Action;
use shared::probe_run::ProbeRun;
use shared::{ErrorBody, Outcome};
use std::cell::RefCell;
use std::rc::Rc;

/// Starts the probe `order` names as run number `run`.
pub fn start(ctx: AppCtx, order: ProbeOrder, run: u32) {
    ctx.dispatch(Action::Lesson(LessonAction::ProbeStarted(ProbeRunning {
        run,
        step: order.step,
        clients: order.probe.clients,
        target: order.target.clone(),
    })));
    let machine = ProbeRun::new(order.step, &order.probe, order.target);
    pump(&ctx, &Rc::new(RefCell::new(machine)), run);
}

/// Sends what the run asks for next; reports its result once it has one.
fn pump(ctx: &AppCtx, machine: &Rc<RefCell<ProbeRun>>, run: u32) {
    let calls = machine.borrow_mut().next_calls();
    if calls.is_empty() {
        if let Some(result) = machine.borrow().result() {
            ctx.dispatch(Action::Lesson(LessonAction::ProbeDone { run, result }));
        }
        return;
    }
    for (tag, op) in calls {
        let (id, reply) = ctx.relay.request(op);
        ctx.dispatch(Action::Lesson(LessonAction::ProbeCall(id)));
        let (ctx, machine) = (ctx.clone(), Rc::clone(machine));
        wasm_bindgen_futures::spawn_local(async move {
            let outcome = reply.await.unwrap_or_else(|_| {
                Outcome::Err(ErrorBody::new(
                    DISCONNECTED,
                    "the relay connection was lost",
                ))
            });
            machine.borrow_mut().on_outcome(tag, &outcome);
            pump(&ctx, &machine, run);
        });
    }
}
