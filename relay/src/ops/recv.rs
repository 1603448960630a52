//! The read side of a socket: `recv`, `recvfrom`, `accept`, and the readers that
//! fill each socket's bounded buffer (stream bytes, datagrams, accepted
//! connections) from the kernel.
//!
//! A reader future is armed only while its buffer has room, so a full buffer stops
//! reading and TCP flow control reaches the real peer. Read-side requests wait in
//! arrival order and are served as soon as their data arrives.

use crate::io;
use crate::ops::{OpResult, Outcome};
use crate::oserror::from_io;
use crate::session::{Loc, Session};
use crate::sock::{Mode, Os, PipeMode, ReadKind, ReadWaiter, Sock, StreamSock};
use bytes::BytesMut;
use shared::{
    CloseReason, Data, Dir, Encoding, Errno, ErrorBody, Event, Family, OkBody, RecvArgs, SockState,
    SockType,
};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpStream;
use tokio::time::Instant;

/// Bytes of a `data` event's preview.
pub const PREVIEW_BYTES: usize = 64;
/// Largest single read from the kernel.
const READ_CHUNK: usize = 256 << 10;

/// What a read-side request gets right now, if it need not wait.
enum Take {
    Ready(Result<OkBody, ErrorBody>),
    Accept(Accepted),
    Wait,
}

/// A connection taken off a listener's queue, with the listener's family and
/// type for the socket it becomes.
struct Accepted {
    stream: TcpStream,
    peer: SocketAddr,
    family: Family,
    kind: SockType,
}

impl Session {
    pub fn op_recv(&mut self, id: u64, args: RecvArgs, from: bool) -> OpResult {
        let kind = ReadKind::Recv {
            bufsize: args.bufsize,
            peek: args.peek(),
            encoding: args.encoding.unwrap_or_default(),
            from,
        };
        self.read_request(id, &args.sock, kind)
    }

    pub fn op_accept(&mut self, id: u64, h: &str) -> OpResult {
        self.read_request(id, h, ReadKind::Accept)
    }

    fn read_request(&mut self, id: u64, h: &str, kind: ReadKind) -> OpResult {
        let s = self.sock(h)?;
        if s.piped.is_some() {
            return Err(ErrorBody::errno_with(
                Errno::EINVAL,
                format!(
                    "Invalid argument ({h} is piped: its bytes arrive as frames or data events)"
                ),
            ));
        }
        let take = if s.reads.is_empty() {
            take(s, kind)
        } else {
            Take::Wait
        };
        let mode = s.mode;
        match take {
            Take::Ready(r) => {
                self.arm_reader(h);
                r.map(Outcome::Done)
            }
            Take::Accept(sock) => Ok(Outcome::Done(self.finish_accept(h, sock))),
            Take::Wait => {
                if matches!(kind, ReadKind::Accept) {
                    // With the handles full, the relay takes no connection from
                    // the kernel: an accept would wait for ever (Python: EMFILE).
                    self.budget.check_handle(self.open_handles())?;
                }
                if mode == Mode::NonBlocking {
                    return Err(ErrorBody::errno(Errno::EAGAIN));
                }
                let deadline = mode.deadline(Instant::now());
                self.add_pending(id, Loc::Read(h.to_owned()), deadline, None)?;
                if let Some(s) = self.socks.get_mut(h) {
                    s.reads.push_back(ReadWaiter { id, kind });
                }
                Ok(Outcome::Later)
            }
        }
    }

    /// Serves waiting read-side requests, in order, while data is there for them.
    pub fn serve_readers(&mut self, h: &str) {
        loop {
            let Some(s) = self.socks.get_mut(h) else {
                return;
            };
            let Some(w) = s.reads.front() else { break };
            let (id, kind) = (w.id, w.kind);
            let result = match take(s, kind) {
                Take::Wait => break,
                Take::Ready(r) => {
                    s.reads.pop_front();
                    self.take_pending(id);
                    r
                }
                Take::Accept(accepted) => {
                    s.reads.pop_front();
                    self.take_pending(id);
                    Ok(self.finish_accept(h, accepted))
                }
            };
            self.complete(id, result);
        }
        self.arm_reader(h);
    }

    /// Gives a connection taken off `listener`'s queue a handle; the `accept`
    /// reply's body. Its slot in the budget was taken when it entered the queue,
    /// so this cannot fail.
    fn finish_accept(&mut self, listener: &str, accepted: Accepted) -> OkBody {
        self.budget.accept_dequeued(1);
        let new = self.next_name('s');
        let Accepted {
            stream,
            peer,
            family,
            kind,
        } = accepted;
        let sock = Sock::new(family, kind, Os::Stream(StreamSock::new(stream, peer)));
        self.socks.insert(new.clone(), sock);
        self.set_state(&new, SockState::Established);
        self.report_kernel(&new);
        self.arm_reader(&new);
        self.arm_reader(listener);
        OkBody::Accept {
            sock: new,
            addr: peer.into(),
        }
    }

    /// Starts the socket's reader future if it has none and its buffer has room.
    pub fn arm_reader(&mut self, h: &str) {
        let cap = self.relay.config.limits.recv_buffer_bytes;
        let accept_room = self.budget.has_handle_room(self.open_handles());
        let Some(s) = self.socks.get_mut(h) else {
            return;
        };
        if s.pump.is_some() {
            return;
        }
        let name = h.to_owned();
        let (fut, abort) = match &s.os {
            Os::Stream(st) => {
                if st.eof || st.rd_shut || st.error.is_some() || st.reset {
                    return;
                }
                match s.piped {
                    Some(PipeMode::Binary) => {
                        let mut header = Vec::with_capacity(1 + h.len());
                        shared::binary::encode_header(h, &mut header);
                        io::abortable(io::read_stream(
                            name,
                            Arc::clone(&st.io),
                            READ_CHUNK,
                            Some(header),
                        ))
                    }
                    Some(PipeMode::Events(_)) => io::abortable(io::read_stream(
                        name,
                        Arc::clone(&st.io),
                        READ_CHUNK.min(cap.max(1)),
                        None,
                    )),
                    None => {
                        let room = cap.saturating_sub(st.buf.len());
                        if room == 0 {
                            return;
                        }
                        io::abortable(io::read_stream(
                            name,
                            Arc::clone(&st.io),
                            room.min(READ_CHUNK),
                            None,
                        ))
                    }
                }
            }
            Os::Listening(l) => {
                if l.queue.len() >= l.cap {
                    return;
                }
                // A queued connection is a handle: with the budget (or the
                // relay's descriptors) full, connections wait in the kernel's
                // backlog, as for a real server that stops calling accept().
                if !accept_room || crate::descriptors::reserve(1).is_err() {
                    self.budget.stall_accepting();
                    return;
                }
                io::abortable(io::accept(name, Arc::clone(&l.io)))
            }
            Os::Dgram(d) => {
                if d.queued_bytes >= cap {
                    return;
                }
                io::abortable(io::recv_datagram(name, Arc::clone(&d.io)))
            }
            Os::Fresh(_) | Os::Connecting => return,
        };
        s.pump = Some(abort);
        self.io.push(fut);
    }

    pub fn on_read(&mut self, h: &str, result: std::io::Result<BytesMut>, header: usize) {
        let Some(s) = self.socks.get_mut(h) else {
            return;
        };
        s.pump = None;
        let piped = s.piped;
        let Os::Stream(st) = &mut s.os else {
            return;
        };
        match result {
            Ok(buf) if buf.len() == header => {
                st.eof = true;
                let to = if st.wr_shut {
                    SockState::Closed
                } else {
                    SockState::CloseWait
                };
                self.set_state(h, to);
                self.report_kernel(h);
                self.out.event(Event::Closed {
                    sock: h.to_owned(),
                    reason: CloseReason::Peer,
                });
            }
            Ok(mut buf) => {
                let n = (buf.len() - header) as u64;
                match piped {
                    Some(PipeMode::Binary) => {
                        let frame = if header == 0 {
                            shared::binary::encode(h, &buf).into()
                        } else {
                            buf.freeze()
                        };
                        self.out.binary(frame);
                    }
                    Some(PipeMode::Events(enc)) => {
                        let payload = buf.split_off(header).to_vec();
                        self.out.event(Event::Data {
                            sock: h.to_owned(),
                            dir: Dir::In,
                            n,
                            preview: None,
                            data: Some(Data::from_bytes(payload, enc)),
                        });
                    }
                    None => {
                        let payload = buf.split_off(header);
                        self.out.event(Event::Data {
                            sock: h.to_owned(),
                            dir: Dir::In,
                            n,
                            preview: Some(Data::preview(&payload, PREVIEW_BYTES)),
                            data: None,
                        });
                        st.buf.extend_from_slice(&payload);
                    }
                }
            }
            Err(e) => {
                let err = from_io(&e);
                let reset = err.os_errno() == Some(Errno::ECONNRESET);
                st.error = Some(err);
                st.reset = reset;
                self.set_state(h, SockState::Closed);
                self.report_kernel(h);
                self.out.event(Event::Closed {
                    sock: h.to_owned(),
                    reason: if reset {
                        CloseReason::Reset
                    } else {
                        CloseReason::Error
                    },
                });
            }
        }
        self.serve_readers(h);
    }

    pub fn on_accepted(&mut self, h: &str, result: std::io::Result<(TcpStream, SocketAddr)>) {
        let Some(s) = self.socks.get_mut(h) else {
            return;
        };
        s.pump = None;
        match result {
            Ok((stream, addr)) => {
                if let Os::Listening(l) = &mut s.os {
                    l.queue.push_back((stream, addr));
                    self.budget.accept_queued();
                }
                self.out.event(Event::Incoming {
                    sock: h.to_owned(),
                    addr: addr.into(),
                });
            }
            Err(e) => tracing::warn!(session = %self.name(), sock = h, "accept failed: {e}"),
        }
        self.serve_readers(h);
    }

    /// Stops every listener's acceptor (the budget is full); connections wait in
    /// the kernel's backlog until [`Session::resume_accepting`].
    pub fn pause_accepting(&mut self) {
        for s in self.socks.values_mut() {
            if matches!(s.os, Os::Listening(_)) {
                if let Some(p) = s.pump.take() {
                    p.abort();
                    self.budget.stall_accepting();
                }
            }
        }
    }

    /// Re-arms listeners that stopped accepting for lack of handles, once a
    /// handle is free again.
    pub fn resume_accepting(&mut self) {
        if !self.budget.has_handle_room(self.open_handles()) {
            return;
        }
        self.budget.unstall_accepting();
        let idle: Vec<String> = self
            .socks
            .iter()
            .filter(|(_, s)| s.pump.is_none() && matches!(s.os, Os::Listening(_)))
            .map(|(h, _)| h.clone())
            .collect();
        for h in idle {
            self.arm_reader(&h);
        }
    }

    pub fn on_datagram(&mut self, h: &str, result: std::io::Result<(bytes::Bytes, SocketAddr)>) {
        let Some(s) = self.socks.get_mut(h) else {
            return;
        };
        s.pump = None;
        let Os::Dgram(d) = &mut s.os else { return };
        match result {
            Ok((bytes, from)) => {
                self.out.event(Event::Data {
                    sock: h.to_owned(),
                    dir: Dir::In,
                    n: bytes.len() as u64,
                    preview: Some(Data::preview(&bytes, PREVIEW_BYTES)),
                    data: None,
                });
                d.queued_bytes += bytes.len();
                d.queue.push_back((bytes, from));
            }
            // E.g. ECONNREFUSED from an ICMP port-unreachable on a connected UDP
            // socket: the next recv raises it, as in Python.
            Err(e) => s.pending_error = Some(from_io(&e)),
        }
        self.serve_readers(h);
    }
}

/// Takes what a read-side request can have now from the socket's buffer.
fn take(s: &mut Sock, kind: ReadKind) -> Take {
    if let Some(e) = s.pending_error.take() {
        return Take::Ready(Err(e));
    }
    match (kind, &mut s.os) {
        (ReadKind::Accept, Os::Listening(l)) => match l.queue.pop_front() {
            Some((stream, peer)) => Take::Accept(Accepted {
                stream,
                peer,
                family: s.family,
                kind: s.kind,
            }),
            None => Take::Wait,
        },
        (ReadKind::Accept, _) => Take::Ready(Err(ErrorBody::errno_with(
            Errno::EINVAL,
            "Invalid argument (accept needs a listening socket: call listen first)",
        ))),
        (
            ReadKind::Recv {
                bufsize,
                peek,
                encoding,
                from,
            },
            Os::Stream(st),
        ) => {
            if bufsize == 0 {
                return Take::Ready(Ok(data_body(Vec::new(), encoding, from.then_some(st.peer))));
            }
            if !st.buf.is_empty() {
                let n = bufsize.min(st.buf.len());
                let bytes = if peek {
                    st.buf.get(..n).unwrap_or_default().to_vec()
                } else {
                    st.buf.split_to(n).to_vec()
                };
                return Take::Ready(Ok(data_body(bytes, encoding, from.then_some(st.peer))));
            }
            if let Some(e) = st.error.take() {
                return Take::Ready(Err(e));
            }
            if st.eof || st.rd_shut || st.reset {
                return Take::Ready(Ok(data_body(Vec::new(), encoding, from.then_some(st.peer))));
            }
            Take::Wait
        }
        (
            ReadKind::Recv {
                bufsize,
                peek,
                encoding,
                from,
            },
            Os::Dgram(d),
        ) => {
            let Some((bytes, addr)) = d.queue.front() else {
                return Take::Wait;
            };
            let n = bufsize.min(bytes.len());
            let body = data_body(
                bytes.get(..n).unwrap_or_default().to_vec(),
                encoding,
                from.then_some(*addr),
            );
            if !peek {
                // A datagram is consumed whole; bytes beyond bufsize are discarded.
                d.queued_bytes -= bytes.len();
                d.queue.pop_front();
            }
            Take::Ready(Ok(body))
        }
        (ReadKind::Recv { .. }, Os::Connecting) => Take::Wait,
        (ReadKind::Recv { .. }, _) => Take::Ready(Err(ErrorBody::errno(Errno::ENOTCONN))),
    }
}

fn data_body(bytes: Vec<u8>, encoding: Encoding, from: Option<SocketAddr>) -> OkBody {
    let data = Data::from_bytes(bytes, encoding);
    match from {
        Some(addr) => OkBody::Recvfrom {
            data,
            addr: addr.into(),
        },
        None => OkBody::Data { data },
    }
}
