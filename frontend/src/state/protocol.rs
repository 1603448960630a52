//! What the reducer asks of a protocol panel's slice (HTTP, FTP): the requests
//! sent, the events, the replies and a new relay session, each given only to the
//! slice it concerns ([`ProtocolSlice`]).
//!
//! A slice sits behind an `Rc` in the state; only what concerns it replaces
//! that `Rc`, so its panel is not rendered again for a socket event.

use crate::python::PyEntry;
use shared::{Event, Op, Outcome};
use std::rc::Rc;

/// A protocol panel's slice of the state.
pub trait ProtocolSlice: Clone {
    /// Whether requests of this kind (`http.*`, `ftp.*`) belong to the slice.
    fn owns_op(op: &Op) -> bool;
    /// Whether the slice keeps a view of this event.
    fn wants_event(event: &Event) -> bool;
    /// Whether request `id` is one of the slice's waiting requests.
    fn awaits(&self, id: u64) -> bool;
    /// A new relay session: the old handles are gone.
    fn on_hello(&mut self);
    /// Request `id` was sent (only ops the slice owns).
    fn on_sent(&mut self, id: u64, op: &Op);
    /// An event the slice wants.
    fn on_event(&mut self, t: u64, event: &Event);
    /// Applies the reply to one of the slice's requests; returns the transcript
    /// entry it added (the page's session transcript gets it too).
    fn on_replied(&mut self, id: u64, outcome: &Outcome) -> Option<PyEntry>;
}

/// Hands an event to the slice when it concerns it.
pub fn event<S: ProtocolSlice>(slice: &mut Rc<S>, t: u64, event: &Event) {
    if matches!(event, Event::Hello(_)) {
        Rc::make_mut(slice).on_hello();
    }
    if S::wants_event(event) {
        Rc::make_mut(slice).on_event(t, event);
    }
}

/// Hands a sent request to the slice when it owns it.
pub fn sent<S: ProtocolSlice>(slice: &mut Rc<S>, id: u64, op: &Op) {
    if S::owns_op(op) {
        Rc::make_mut(slice).on_sent(id, op);
    }
}

/// Hands a reply to the slice when it waits for it.
pub fn replied<S: ProtocolSlice>(slice: &mut Rc<S>, id: u64, outcome: &Outcome) -> Option<PyEntry> {
    if slice.awaits(id) {
        Rc::make_mut(slice).on_replied(id, outcome)
    } else {
        None
    }
}
