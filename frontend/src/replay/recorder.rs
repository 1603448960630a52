//! The session recorder: every request the page sends (except `auth`, which
//! `Recording::push` leaves out), every reply and every event, with the page's
//! clock, kept as they happen in a `shared::Recording` (docs/recordings.md).
//!
//! It sits between the relay service and the reducer ([`Recorder::tap`]), so
//! it sees exactly the actions the workbench is built from. Owns the recording
//! of the current page session; exporting and importing files is `files.rs`.

use crate::state::Action;
use shared::recording::{ProbeResult, RecEntry, RecItem, Recording};
use shared::{Reply, Request};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use yew::Callback;

/// The recording of this page session (clones share it).
#[derive(Clone, Default)]
pub struct Recorder(Rc<Inner>);

#[derive(Default)]
struct Inner {
    rec: RefCell<Option<Recording>>,
    /// Page clock (ms) when the recording started.
    start: Cell<f64>,
}

impl PartialEq for Recorder {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl Recorder {
    pub fn new() -> Recorder {
        let r = Recorder::default();
        r.restart();
        r
    }

    /// Starts an empty recording (a fresh live session).
    pub fn restart(&self) {
        *self.0.rec.borrow_mut() = Some(Recording::new("socklab session"));
        self.0.start.set(js_sys::Date::now());
    }

    /// A dispatcher that records what it passes on to `dispatch`.
    pub fn tap(&self, dispatch: Callback<Action>) -> Callback<Action> {
        let me = self.clone();
        Callback::from(move |action: Action| {
            if let Some(item) = item_of(&action) {
                me.record(item, None);
            }
            dispatch.emit(action);
        })
    }

    /// Records a lesson check's probe result (`RecItem::Probe`, `"by":
    /// "probe"`): the hook the lesson slice calls when a probe finishes.
    #[allow(dead_code)]
    pub fn probe(&self, result: ProbeResult) {
        self.record(RecItem::Probe(result), Some("probe".into()));
    }

    fn record(&self, item: RecItem, by: Option<String>) {
        let t = (js_sys::Date::now() - self.0.start.get()).max(0.0) as u64;
        if let Some(rec) = self.0.rec.borrow_mut().as_mut() {
            rec.push(RecEntry { t, by, item });
        }
    }

    /// A copy of the recording so far.
    pub fn snapshot(&self) -> Recording {
        self.0
            .rec
            .borrow()
            .clone()
            .unwrap_or_else(|| Recording::new(""))
    }
}

/// The recorded form of a reducer action (only what crossed the wire).
fn item_of(action: &Action) -> Option<RecItem> {
    match action {
        Action::Sent { id, op } => Some(RecItem::Req(Request {
            id: *id,
            op: op.clone(),
        })),
        Action::Replied { id, outcome } => Some(RecItem::Reply(Reply {
            re: *id,
            outcome: outcome.clone(),
        })),
        Action::Event(frame) => Some(RecItem::Event(frame.clone())),
        _ => None,
    }
}
