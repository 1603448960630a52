//! The session's ordered queue of frames waiting to go to the browser.
//!
//! Owns frame order, the `t` timestamp rule (milliseconds since the session
//! started, read when the frame is queued, never decreasing) and the byte count the
//! session uses for backpressure, and, with port spaces, the one place every
//! address a session is shown is turned into its virtual form. It never touches sockets or the WebSocket itself.

use crate::port_space::PortSpace;
use axum::extract::ws::Message;
use bytes::Bytes;
use shared::{Addr, ErrorBody, Event, EventFrame, OkBody, Reply};
use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use tokio::time::Instant;

pub struct Outbox {
    frames: VecDeque<Message>,
    bytes: usize,
    started: Instant,
    last_t: u64,
    /// The session's port space: every address in a reply or event is shown
    /// in its virtual form.
    view: Option<Arc<PortSpace>>,
}

impl Outbox {
    pub fn new(started: Instant) -> Outbox {
        Outbox {
            frames: VecDeque::new(),
            bytes: 0,
            started,
            last_t: 0,
            view: None,
        }
    }

    /// Shows every address through `view` (the session's port space).
    pub fn with_view(mut self, view: Option<Arc<PortSpace>>) -> Outbox {
        self.view = view;
        self
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

    pub fn event(&mut self, mut event: Event) {
        if let Some(view) = &self.view {
            view_event(view, &mut event);
        }
        let frame = EventFrame {
            t: self.now_ms(),
            event,
        };
        match serde_json::to_string(&frame) {
            Ok(text) => self.push_text(text),
            Err(e) => tracing::error!("cannot serialize an event: {e}"),
        }
    }

    pub fn reply(&mut self, mut reply: Reply) {
        if let (Some(view), shared::Outcome::Ok(body)) = (&self.view, &mut reply.outcome) {
            view_body(view, body);
        }
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

/// `addr` as the session sees it through its port space.
fn view_addr(view: &PortSpace, addr: &mut Addr) {
    if let Ok(ip) = addr.host().parse::<IpAddr>() {
        *addr = view.to_virtual(SocketAddr::new(ip, addr.port())).into();
    }
}

fn view_event(view: &PortSpace, event: &mut Event) {
    match event {
        Event::Incoming { addr, .. } => view_addr(view, addr),
        Event::Kernel(k) => {
            for a in [&mut k.local, &mut k.peer].into_iter().flatten() {
                view_addr(view, a);
            }
        }
        _ => {}
    }
}

fn view_body(view: &PortSpace, body: &mut OkBody) {
    match body {
        OkBody::Accept { addr, .. } | OkBody::Recvfrom { addr, .. } | OkBody::Addr { addr } => {
            view_addr(view, addr)
        }
        _ => {}
    }
}

fn frame_len(m: &Message) -> usize {
    match m {
        Message::Text(t) => t.len(),
        Message::Binary(b) => b.len(),
        _ => 0,
    }
}
