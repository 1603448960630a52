//! The session's ordered queue of frames waiting to go to the browser.
//!
//! Owns frame order, the `t` timestamp rule (milliseconds since the session
//! started, read when the frame is queued, never decreasing) and the byte count the
//! session uses for backpressure. It never touches sockets or the WebSocket itself.

use axum::extract::ws::Message;
use bytes::Bytes;
use shared::{ErrorBody, Event, EventFrame, OkBody, Reply};
use std::collections::VecDeque;
use tokio::time::Instant;

pub struct Outbox {
    frames: VecDeque<Message>,
    bytes: usize,
    started: Instant,
    last_t: u64,
}

impl Outbox {
    pub fn new(started: Instant) -> Outbox {
        Outbox {
            frames: VecDeque::new(),
            bytes: 0,
            started,
            last_t: 0,
        }
    }

    /// Bytes queued and not yet handed to the WebSocket.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    fn now_ms(&mut self) -> u64 {
        let t = self.started.elapsed().as_millis() as u64;
        self.last_t = self.last_t.max(t);
        self.last_t
    }

    fn push_text(&mut self, text: String) {
        self.bytes += text.len();
        self.frames.push_back(Message::Text(text.into()));
    }

    pub fn event(&mut self, event: Event) {
        let frame = EventFrame {
            t: self.now_ms(),
            event,
        };
        match serde_json::to_string(&frame) {
            Ok(text) => self.push_text(text),
            Err(e) => tracing::error!("cannot serialize an event: {e}"),
        }
    }

    pub fn reply(&mut self, reply: Reply) {
        match serde_json::to_string(&reply) {
            Ok(text) => self.push_text(text),
            Err(e) => tracing::error!("cannot serialize a reply: {e}"),
        }
    }

    pub fn ok(&mut self, id: u64, body: OkBody) {
        self.reply(Reply::ok(id, body));
    }

    pub fn err(&mut self, id: u64, err: ErrorBody) {
        self.reply(Reply::err(id, err));
    }

    pub fn binary(&mut self, frame: Bytes) {
        self.bytes += frame.len();
        self.frames.push_back(Message::Binary(frame));
    }

    /// Takes frames for one write batch, at most about `max_bytes` (at least one).
    pub fn take_batch(&mut self, max_bytes: usize) -> Vec<Message> {
        let mut batch = Vec::new();
        let mut taken = 0;
        while let Some(frame) = self.frames.front() {
            let len = frame_len(frame);
            if !batch.is_empty() && taken + len > max_bytes {
                break;
            }
            taken += len;
            if let Some(frame) = self.frames.pop_front() {
                batch.push(frame);
            }
        }
        self.bytes -= taken;
        batch
    }
}

fn frame_len(m: &Message) -> usize {
    match m {
        Message::Text(t) => t.len(),
        Message::Binary(b) => b.len(),
        _ => 0,
    }
}
