//! A stream wrapper that records the bytes crossing it, so a session can show
//! them as `wire` events (docs/protocol.md "Events"). Used by HTTP and FTP alike.
//!
//! Owns only the recording: [`Tap`] forwards every read and write to the stream
//! it wraps and keeps a log of what went through, in order, as [`WireChunk`]s.
//! Futures own their streams and cannot send frames, so the log is taken with
//! [`Tap::take_log`] when a future is done and turned into events by the session
//! ([`wire_events`]) before the reply of the request that caused them. Masking
//! (FTP's `PASS ****`) and choosing the handle and channel belong to the caller.
//!
//! The log is bounded by what the owner reads and writes between two `take_log`s;
//! owners take it after every future.

use bytes::{Bytes, BytesMut};
use shared::{Channel, Data, Dir, Encoding, Event};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Largest `data` of one `wire` event; longer runs are split.
pub const WIRE_EVENT_MAX: usize = 64 << 10;

/// Bytes that crossed a tap in one direction, in one run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireChunk {
    pub dir: Dir,
    pub bytes: Bytes,
}

/// A stream that logs what is read from it (`in`) and written to it (`out`).
/// Consecutive bytes in the same direction join one chunk until [`Tap::cut`].
pub struct Tap<S> {
    inner: S,
    log: Vec<(Dir, BytesMut)>,
    cut: bool,
}

impl<S> Tap<S> {
    pub fn new(inner: S) -> Tap<S> {
        Tap {
            inner,
            log: Vec::new(),
            cut: false,
        }
    }

    /// Starts a new chunk at the next byte, even in the same direction (e.g.
    /// between an HTTP request head and its body, sent by separate calls).
    pub fn cut(&mut self) {
        self.cut = true;
    }

    /// Takes the log recorded so far.
    pub fn take_log(&mut self) -> Vec<WireChunk> {
        self.cut = false;
        self.log
            .drain(..)
            .map(|(dir, b)| WireChunk {
                dir,
                bytes: b.freeze(),
            })
            .collect()
    }

    fn record(&mut self, dir: Dir, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        match self.log.last_mut() {
            Some((d, b)) if *d == dir && !self.cut => b.extend_from_slice(bytes),
            _ => self.log.push((dir, BytesMut::from(bytes))),
        }
        self.cut = false;
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Tap<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let r = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = r {
            // A reader that shrank the buffer would be a bug in tokio; record nothing then.
            if let Some(new) = buf.filled().get(before..) {
                this.record(Dir::In, new);
            }
        }
        r
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tap<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_write(cx, data);
        if let Poll::Ready(Ok(n)) = r {
            if let Some(written) = data.get(..n) {
                this.record(Dir::Out, written);
            }
        }
        r
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// The `wire` events for a log, each at most [`WIRE_EVENT_MAX`] bytes of `data`
/// (text when the bytes are UTF-8, base64 otherwise).
pub fn wire_events(handle: &str, channel: Channel, log: Vec<WireChunk>) -> Vec<Event> {
    let mut events = Vec::new();
    for chunk in log {
        for part in chunk.bytes.chunks(WIRE_EVENT_MAX) {
            events.push(Event::Wire {
                handle: handle.to_owned(),
                channel,
                dir: chunk.dir,
                data: Data::from_bytes(part.to_vec(), Encoding::Text),
            });
        }
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn records_both_directions_in_order_and_joins_runs() {
        let (a, mut b) = tokio::io::duplex(64);
        let mut tap = Tap::new(a);
        tap.write_all(b"GET / ").await.unwrap();
        tap.write_all(b"HTTP/1.1\r\n").await.unwrap();
        tap.cut();
        tap.write_all(b"body").await.unwrap();
        b.write_all(b"HTTP/1.1 200 OK\r\n").await.unwrap();
        let mut buf = [0u8; 17];
        tap.read_exact(&mut buf).await.unwrap();
        let log = tap.take_log();
        let got: Vec<(Dir, &[u8])> = log.iter().map(|c| (c.dir, &c.bytes[..])).collect();
        assert_eq!(
            got,
            vec![
                (Dir::Out, &b"GET / HTTP/1.1\r\n"[..]),
                (Dir::Out, &b"body"[..]),
                (Dir::In, &b"HTTP/1.1 200 OK\r\n"[..]),
            ]
        );
        assert!(tap.take_log().is_empty(), "take drains the log");
    }

    #[test]
    fn long_runs_are_split_into_bounded_events() {
        let log = vec![WireChunk {
            dir: Dir::In,
            bytes: Bytes::from(vec![b'a'; WIRE_EVENT_MAX + 1]),
        }];
        let ev = wire_events("h1", Channel::Http, log);
        assert_eq!(ev.len(), 2);
        match &ev[1] {
            Event::Wire { data, dir, .. } => {
                assert_eq!(data.len(), 1);
                assert_eq!(*dir, Dir::In);
            }
            other => panic!("{other:?}"),
        }
    }
}
