//! Streaming mode (`pipe`): a connected TCP socket whose received bytes are pushed
//! to the client (binary frames, or `data` events with an encoding) and which
//! takes the client's binary frames as bytes to write completely.
//!
//! Backpressure: the session stops reading the WebSocket while piped bytes wait
//! for their sockets (see `session.rs`), and stops reading sockets while frames
//! wait for the browser.

use crate::ops::{OpResult, Outcome, Then};
use crate::session::Session;
use crate::sock::{Os, PipeMode};
use bytes::Bytes;
use shared::{codes, CloseReason, Data, Dir, Encoding, Errno, ErrorBody, Event};

impl Session {
    pub fn op_pipe(&mut self, h: &str, encoding: Option<Encoding>) -> OpResult {
        let mode = match encoding {
            None => PipeMode::Binary,
            Some(e) => PipeMode::Events(e),
        };
        let s = self.sock(h)?;
        if !matches!(s.os, Os::Stream(_)) {
            return Err(ErrorBody::errno_with(
                Errno::EINVAL,
                format!("Invalid argument (pipe needs a connected TCP socket; {h} is not one)"),
            ));
        }
        s.piped = Some(mode);
        // A reader armed before the switch still reads into a plain buffer; its
        // bytes are framed when they arrive.
        let waiting: Vec<u64> = s.reads.drain(..).map(|w| w.id).collect();
        for wid in waiting {
            self.take_pending(wid);
            self.complete(
                wid,
                Err(ErrorBody::errno_with(
                    Errno::EINVAL,
                    format!("Invalid argument ({h} was switched to pipe mode)"),
                )),
            );
        }
        self.arm_reader(h);
        // What the socket had buffered follows the reply.
        Ok(Outcome::then_empty(Then::PushBuffered(h.to_owned())))
    }

    /// Sends the bytes a newly piped socket had buffered, as its mode says.
    pub fn push_buffered(&mut self, h: &str) {
        let Some(s) = self.socks.get_mut(h) else {
            return;
        };
        let (Some(mode), Os::Stream(st)) = (s.piped, &mut s.os) else {
            return;
        };
        let buffered = st.buf.split().freeze();
        if !buffered.is_empty() {
            self.push_piped(h, mode, buffered);
        }
    }

    fn push_piped(&mut self, h: &str, mode: PipeMode, bytes: Bytes) {
        match mode {
            PipeMode::Binary => self.out.binary(shared::binary::encode(h, &bytes).into()),
            PipeMode::Events(enc) => self.out.event(Event::Data {
                sock: h.to_owned(),
                dir: Dir::In,
                n: bytes.len() as u64,
                preview: None,
                data: Some(Data::from_bytes(bytes.to_vec(), enc)),
            }),
        }
    }

    /// A binary frame from the client for handle `h`.
    pub fn pipe_in(&mut self, h: &str, payload: Bytes) {
        let piped = match self.socks.get(h) {
            None => Err(format!("binary frame for {h}, which is closed or was never opened")),
            Some(s) if s.piped.is_none() => Err(format!(
                "binary frame for {h}, which is not piped; send {{\"op\": \"pipe\", \"sock\": \"{h}\"}} first"
            )),
            Some(_) => Ok(()),
        };
        if let Err(message) = piped {
            self.out.event(Event::Error {
                code: codes::BAD_REQUEST.into(),
                message,
            });
            return;
        }
        if payload.is_empty() {
            return;
        }
        let len = payload.len();
        if let Some(s) = self.socks.get_mut(h) {
            s.queue_pipe(payload);
            self.budget.hold_piped(len);
        }
        self.start_writes(h);
    }

    /// `len` piped bytes left the socket's queue (written, or failed).
    pub fn pipe_written(&mut self, h: &str, len: usize) {
        if let Some(s) = self.socks.get_mut(h) {
            s.pipe_written(len);
        }
        self.budget.release_piped(len);
    }

    /// Writing piped bytes failed: drop the rest and tell the client.
    pub fn pipe_failed(&mut self, h: &str, e: ErrorBody) {
        let Some(s) = self.socks.get_mut(h) else {
            return;
        };
        let dropped = s.drop_pipe_jobs();
        self.budget.release_piped(dropped);
        let reason = if e.os_errno() == Some(Errno::ECONNRESET) {
            CloseReason::Reset
        } else {
            CloseReason::Error
        };
        self.out.event(Event::Closed {
            sock: h.to_owned(),
            reason,
        });
        self.report_kernel(h);
    }
}
