//! The trace a lesson check reads: a session's calls (each with its reply),
//! events and probe results, in order, as the JSON values patterns match
//! (docs/lessons.md, "What a check sees").
//!
//! - a call: `{"call": "recv", "args": {"sock": "s2", "bufsize": 98},
//!   "ok": {"data": {"text": "anydata"}}}` (or `"err": {…}`), placed where its
//!   reply arrived; the calls a check's probe made carry `"by": "probe"`;
//! - an event: its JSON without `t`, e.g. `{"ev": "state", "sock": "s1",
//!   "from": "BOUND", "to": "LISTEN"}`;
//! - a probe result: `{"probe": {"step": 3, "passed": true, "detail": "…"}}`.
//!
//! [`TraceBuilder`] makes it from what the page sends and receives (or from a
//! [`Recording`]); it holds at most [`MAX_TRACE_ITEMS`] items.

use crate::recording::{ProbeResult, RecItem, Recording};
use crate::{Event, Op, Outcome};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Most items a trace keeps; later ones are dropped (a check over a longer
/// session sees its first part).
pub const MAX_TRACE_ITEMS: usize = 20_000;

/// Builds a trace as requests, replies and events arrive.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TraceBuilder {
    /// Requests waiting for their reply: the op, and whether a probe sent it.
    waiting: BTreeMap<u64, (Op, bool)>,
    items: Vec<Value>,
}

impl TraceBuilder {
    pub fn new() -> TraceBuilder {
        TraceBuilder::default()
    }

    /// The trace of a recording.
    pub fn from_recording(rec: &Recording) -> TraceBuilder {
        let mut trace = TraceBuilder::new();
        for entry in &rec.items {
            match &entry.item {
                RecItem::Req(req) => trace.sent(req.id, &req.op, entry.by.is_some()),
                RecItem::Reply(reply) => trace.replied(reply.re, &reply.outcome),
                RecItem::Event(frame) => trace.event(&frame.event),
                RecItem::Probe(result) => trace.probe(result),
            }
        }
        trace
    }

    /// The items so far.
    pub fn items(&self) -> &[Value] {
        &self.items
    }

    /// A request left the page (`by_probe`: a check's probe sent it).
    pub fn sent(&mut self, id: u64, op: &Op, by_probe: bool) {
        if self.waiting.len() < MAX_TRACE_ITEMS {
            self.waiting.insert(id, (op.clone(), by_probe));
        }
    }

    /// The reply to request `id` arrived: the call enters the trace.
    pub fn replied(&mut self, id: u64, outcome: &Outcome) {
        let Some((op, by_probe)) = self.waiting.remove(&id) else {
            return;
        };
        self.push(call_value(&op, outcome, by_probe));
    }

    /// An event arrived.
    pub fn event(&mut self, event: &Event) {
        if let Ok(value) = serde_json::to_value(event) {
            self.push(value);
        }
    }

    /// A probe finished.
    pub fn probe(&mut self, result: &ProbeResult) {
        if let Ok(value) = serde_json::to_value(result) {
            self.push(json!({ "probe": value }));
        }
    }

    fn push(&mut self, value: Value) {
        if self.items.len() < MAX_TRACE_ITEMS {
            self.items.push(value);
        }
    }
}

/// `{"call": name, "args": {…}, "ok"|"err": {…}}` (+ `"by": "probe"`).
fn call_value(op: &Op, outcome: &Outcome, by_probe: bool) -> Value {
    let mut args = match serde_json::to_value(op) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    args.remove("op");
    let mut call = Map::new();
    call.insert("call".into(), Value::from(op.name()));
    call.insert("args".into(), Value::Object(args));
    match outcome {
        Outcome::Ok(body) => {
            call.insert(
                "ok".into(),
                serde_json::to_value(body).unwrap_or(Value::Null),
            );
        }
        Outcome::Err(err) => {
            call.insert(
                "err".into(),
                serde_json::to_value(err).unwrap_or(Value::Null),
            );
        }
    }
    if by_probe {
        call.insert("by".into(), Value::from("probe"));
    }
    Value::Object(call)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Addr, ConnectArgs, ErrorBody, OkBody, SockState};

    #[test]
    fn a_call_enters_the_trace_when_its_reply_arrives() {
        let mut t = TraceBuilder::new();
        let op = Op::Connect(ConnectArgs {
            sock: "s1".into(),
            addr: Addr::new("127.0.0.1", 1051),
        });
        t.sent(4, &op, false);
        t.event(&Event::State {
            sock: "s1".into(),
            from: SockState::Closed,
            to: SockState::SynSent,
        });
        assert_eq!(t.items().len(), 1);
        let err = ErrorBody {
            code: "ECONNREFUSED".into(),
            errno: Some(111),
            message: "refused".into(),
            detail: None,
            reply: None,
        };
        t.replied(4, &Outcome::Err(err));
        t.replied(4, &Outcome::Ok(OkBody::Empty {}));
        assert_eq!(t.items().len(), 2);
        assert_eq!(
            t.items().get(1),
            Some(
                &json!({"call": "connect", "args": {"sock": "s1", "addr": ["127.0.0.1", 1051]},
                "err": {"code": "ECONNREFUSED", "errno": 111, "message": "refused"}})
            )
        );
        assert_eq!(
            t.items().first(),
            Some(&json!({"ev": "state", "sock": "s1", "from": "CLOSED", "to": "SYN_SENT"}))
        );
    }

    #[test]
    fn probe_calls_are_marked() {
        let mut t = TraceBuilder::new();
        t.sent(1, &Op::Ping, true);
        t.replied(1, &Outcome::Ok(OkBody::Empty {}));
        t.probe(&ProbeResult {
            step: 2,
            passed: true,
            detail: String::new(),
        });
        assert_eq!(
            t.items().first().and_then(|v| v.get("by")),
            Some(&json!("probe"))
        );
        assert_eq!(
            t.items().get(1),
            Some(&json!({"probe": {"step": 2, "passed": true, "detail": ""}}))
        );
    }
}
