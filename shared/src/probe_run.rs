//! Running a check's probe ([`crate::check::Probe`]) through the protocol:
//! [`ProbeRun`], a sans-I/O state machine the page drives over its WebSocket
//! and the relay's tests drive over theirs (docs/lessons.md, "Probes").
//!
//! For each client, in turn: `socket` → `settimeout` → `connect(target)`.
//! Then message by message, client by client (client 1 message 1, client 2
//! message 1, …, client 1 message 2, …): `sendall`, then `recv` until the
//! expected bytes have arrived (TCP may split them; each `recv` asks for no
//! more than what is still missing). Finally every socket it opened is closed,
//! also after a failure. The result says in the learner's words what the
//! probe saw.

use crate::check::{Probe, ProbeExpect};
use crate::op_args::{ConnectArgs, RecvArgs, SendArgs};
use crate::recording::ProbeResult;
use crate::{Addr, Data, OkBody, Op, Outcome};

/// One probe client: its handle once `socket` answered.
#[derive(Clone, Debug, Default)]
struct Client {
    handle: Option<String>,
}

/// What the run is doing now.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Phase {
    /// Client `client` makes its socket, sets its timeout, connects.
    Setup {
        client: usize,
        stage: SetupStage,
    },
    /// Message `msg` of client `client`: send it, then receive the reply.
    Exchange {
        msg: usize,
        client: usize,
        sent: bool,
    },
    /// Closing every socket opened; waiting for these tags.
    Closing {
        waiting: Vec<u32>,
        sent: bool,
    },
    Done,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SetupStage {
    Socket,
    Timeout,
    Connect,
}

/// A probe in progress. See the module docs for the calls it makes.
#[derive(Clone, Debug)]
pub struct ProbeRun {
    step: usize,
    probe: Probe,
    target: Addr,
    clients: Vec<Client>,
    phase: Phase,
    /// The tag of the call in flight (outside `Closing`).
    pending: Option<u32>,
    next_tag: u32,
    /// Bytes received so far for the current message.
    got: Vec<u8>,
    /// What each finished exchange looked like, for the passing detail.
    seen: Vec<String>,
    /// Set on the first failure; the run then closes and finishes.
    failure: Option<String>,
}

impl ProbeRun {
    pub fn new(step: usize, probe: &Probe, target: Addr) -> ProbeRun {
        let n = usize::try_from(probe.clients.max(1)).unwrap_or(1);
        ProbeRun {
            step,
            probe: probe.clone(),
            target,
            clients: vec![Client::default(); n],
            phase: Phase::Setup {
                client: 0,
                stage: SetupStage::Socket,
            },
            pending: None,
            next_tag: 1,
            got: Vec::new(),
            seen: Vec::new(),
            failure: None,
        }
    }

    /// The check step this probe belongs to.
    pub fn step(&self) -> usize {
        self.step
    }

    /// Calls to send now, each with a tag to give back with its outcome. Empty
    /// while waiting for outcomes; the runner sends them in order.
    pub fn next_calls(&mut self) -> Vec<(u32, Op)> {
        if self.pending.is_some() {
            return Vec::new();
        }
        match self.phase.clone() {
            Phase::Setup { client, stage } => {
                let op = match (stage, self.handle(client)) {
                    (SetupStage::Socket, _) => Op::Socket {
                        family: crate::Family::AfInet,
                        kind: crate::SockType::Stream,
                        proto: 0,
                    },
                    (SetupStage::Timeout, Some(sock)) => Op::Settimeout {
                        sock,
                        timeout: Some(self.probe.timeout_ms as f64 / 1000.0),
                    },
                    (SetupStage::Connect, Some(sock)) => Op::Connect(ConnectArgs {
                        sock,
                        addr: self.target.clone(),
                    }),
                    _ => return self.fail_now("a probe client has no socket"),
                };
                self.one(op)
            }
            Phase::Exchange { msg, client, sent } => {
                let Some(sock) = self.handle(client) else {
                    return self.fail_now("a probe client has no socket");
                };
                let op = if sent {
                    let missing = self
                        .expected(client, msg)
                        .len()
                        .saturating_sub(self.got.len());
                    Op::Recv(RecvArgs {
                        sock,
                        bufsize: missing.max(1),
                        flags: Vec::new(),
                        encoding: None,
                    })
                } else {
                    Op::Sendall(SendArgs {
                        sock,
                        data: Data::text(self.sent_text(client, msg)),
                    })
                };
                self.one(op)
            }
            Phase::Closing { sent: false, .. } => {
                let mut calls = Vec::new();
                let socks: Vec<String> = self
                    .clients
                    .iter()
                    .filter_map(|c| c.handle.clone())
                    .collect();
                for sock in socks {
                    let tag = self.tag();
                    calls.push((tag, Op::Close { sock }));
                }
                let waiting: Vec<u32> = calls.iter().map(|(t, _)| *t).collect();
                self.phase = if waiting.is_empty() {
                    Phase::Done
                } else {
                    Phase::Closing {
                        waiting,
                        sent: true,
                    }
                };
                calls
            }
            Phase::Closing { sent: true, .. } | Phase::Done => Vec::new(),
        }
    }

    /// The outcome of the call tagged `tag`. Outcomes for unknown tags are
    /// ignored.
    pub fn on_outcome(&mut self, tag: u32, outcome: &Outcome) {
        if let Phase::Closing { waiting, sent } = &mut self.phase {
            if *sent && waiting.contains(&tag) {
                waiting.retain(|t| *t != tag);
                if waiting.is_empty() {
                    self.phase = Phase::Done;
                }
            }
            return;
        }
        if self.pending != Some(tag) {
            return;
        }
        self.pending = None;
        match self.phase.clone() {
            Phase::Setup { client, stage } => self.on_setup(client, stage, outcome),
            Phase::Exchange { msg, client, sent } => self.on_exchange(msg, client, sent, outcome),
            Phase::Closing { .. } | Phase::Done => {}
        }
    }

    /// Stops the run (the page's connection dropped, the learner left the
    /// lesson): it fails with `why` after closing what it opened.
    pub fn abort(&mut self, why: &str) {
        if matches!(self.phase, Phase::Setup { .. } | Phase::Exchange { .. }) {
            self.pending = None;
            self.fail(why.to_owned());
        }
    }

    /// Ends the run at once, failed with `why` unless it had finished, without
    /// closing anything: for when the session itself is gone (the relay closed
    /// every socket with it) and no outcome will ever come.
    pub fn finish(&mut self, why: &str) {
        if self.phase != Phase::Done {
            if self.failure.is_none() {
                self.failure = Some(why.to_owned());
            }
            self.pending = None;
            self.phase = Phase::Done;
        }
    }

    /// Some once finished: passed, and what it saw in the learner's words.
    pub fn result(&self) -> Option<ProbeResult> {
        if self.phase != Phase::Done {
            return None;
        }
        let detail = match &self.failure {
            Some(f) => f.clone(),
            None => self.seen.join("; "),
        };
        Some(ProbeResult {
            step: self.step,
            passed: self.failure.is_none(),
            detail,
        })
    }

    /// The handles of the sockets this run opened (closed or not).
    pub fn opened(&self) -> Vec<String> {
        self.clients
            .iter()
            .filter_map(|c| c.handle.clone())
            .collect()
    }

    fn on_setup(&mut self, client: usize, stage: SetupStage, outcome: &Outcome) {
        let n = client + 1;
        let ok = match outcome {
            Outcome::Err(e) => {
                let what = match stage {
                    SetupStage::Socket => "socket()".to_owned(),
                    SetupStage::Timeout => "settimeout()".to_owned(),
                    SetupStage::Connect => format!("connect({})", self.target),
                };
                let hint = if stage == SetupStage::Connect {
                    " (is your server bound to this address and listening?)"
                } else {
                    ""
                };
                return self.fail(format!("client {n}: {what}: {}{hint}", e.python()));
            }
            Outcome::Ok(ok) => ok,
        };
        let next = match stage {
            SetupStage::Socket => {
                let OkBody::Sock { sock } = ok else {
                    return self.fail(format!("client {n}: socket() gave no socket"));
                };
                if let Some(c) = self.clients.get_mut(client) {
                    c.handle = Some(sock.clone());
                }
                Phase::Setup {
                    client,
                    stage: SetupStage::Timeout,
                }
            }
            SetupStage::Timeout => Phase::Setup {
                client,
                stage: SetupStage::Connect,
            },
            SetupStage::Connect if client + 1 < self.clients.len() => Phase::Setup {
                client: client + 1,
                stage: SetupStage::Socket,
            },
            SetupStage::Connect => Phase::Exchange {
                msg: 0,
                client: 0,
                sent: false,
            },
        };
        self.phase = next;
    }

    fn on_exchange(&mut self, msg: usize, client: usize, sent: bool, outcome: &Outcome) {
        let n = client + 1;
        let said = py_bytes(self.sent_text(client, msg).as_bytes());
        if !sent {
            match outcome {
                Outcome::Err(e) => {
                    self.fail(format!("client {n}: sendall({said}): {}", e.python()))
                }
                Outcome::Ok(_) => {
                    self.got.clear();
                    self.phase = Phase::Exchange {
                        msg,
                        client,
                        sent: true,
                    };
                }
            }
            return;
        }
        let data = match outcome {
            Outcome::Err(e) => {
                let so_far = if self.got.is_empty() {
                    "nothing came back".to_owned()
                } else {
                    format!("only {} came back", py_bytes(&self.got))
                };
                return self.fail(format!(
                    "client {n} sent {said} and {so_far}: recv: {} (does your server send the bytes back to this client?)",
                    e.python()
                ));
            }
            Outcome::Ok(OkBody::Data { data } | OkBody::Recvfrom { data, .. }) => data,
            Outcome::Ok(_) => return self.fail(format!("client {n}: recv() gave no bytes")),
        };
        let expected = self.expected(client, msg);
        if data.is_empty() {
            return self.fail(format!(
                "client {n} sent {said} and the server closed the connection after {} (recv returned b'')",
                py_bytes(&self.got)
            ));
        }
        self.got.extend_from_slice(data.as_bytes());
        if !expected.starts_with(&self.got) {
            return self.fail(format!(
                "client {n} sent {said} and got {} back; expected {}",
                py_bytes(&self.got),
                py_bytes(&expected)
            ));
        }
        if self.got.len() < expected.len() {
            return;
        }
        self.seen.push(format!(
            "client {n} sent {said} and got {} back",
            py_bytes(&self.got)
        ));
        self.got.clear();
        self.phase = if client + 1 < self.clients.len() {
            Phase::Exchange {
                msg,
                client: client + 1,
                sent: false,
            }
        } else if msg + 1 < self.probe.send.len() {
            Phase::Exchange {
                msg: msg + 1,
                client: 0,
                sent: false,
            }
        } else {
            Phase::Closing {
                waiting: Vec::new(),
                sent: false,
            }
        };
    }

    fn handle(&self, client: usize) -> Option<String> {
        self.clients.get(client).and_then(|c| c.handle.clone())
    }

    /// Message `msg` of client index `client`, as sent.
    fn sent_text(&self, client: usize, msg: usize) -> String {
        self.probe
            .message(client_number(client), msg)
            .unwrap_or_default()
    }

    fn expected(&self, client: usize, msg: usize) -> Vec<u8> {
        match &self.probe.expect {
            ProbeExpect::Echo => self.sent_text(client, msg).into_bytes(),
            ProbeExpect::Text(t) => t
                .replace("{c}", &client_number(client).to_string())
                .into_bytes(),
        }
    }

    fn tag(&mut self) -> u32 {
        let tag = self.next_tag;
        self.next_tag = self.next_tag.wrapping_add(1);
        tag
    }

    fn one(&mut self, op: Op) -> Vec<(u32, Op)> {
        let tag = self.tag();
        self.pending = Some(tag);
        vec![(tag, op)]
    }

    fn fail(&mut self, why: String) {
        if self.failure.is_none() {
            self.failure = Some(why);
        }
        self.phase = Phase::Closing {
            waiting: Vec::new(),
            sent: false,
        };
    }

    fn fail_now(&mut self, why: &str) -> Vec<(u32, Op)> {
        self.fail(why.to_owned());
        self.next_calls()
    }
}

fn client_number(index: usize) -> u32 {
    u32::try_from(index).unwrap_or(u32::MAX).saturating_add(1)
}

/// Python's `repr` of `bytes`: `b'hi\n'`.
pub fn py_bytes(bytes: &[u8]) -> String {
    let quote = if bytes.contains(&b'\'') && !bytes.contains(&b'"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::from("b");
    out.push(quote);
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            b if char::from(b) == quote => {
                out.push('\\');
                out.push(quote);
            }
            0x20..=0x7e => out.push(char::from(b)),
            b => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push(quote);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Errno, ErrorBody};
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    fn probe(clients: u32, send: &[&str]) -> Probe {
        Probe {
            connect: serde_json::json!(["127.0.0.1", 20178]),
            clients,
            send: send.iter().map(|s| (*s).to_owned()).collect(),
            expect: ProbeExpect::Echo,
            timeout_ms: 5000,
        }
    }

    /// A fake server: answers each call as a working echo server would,
    /// splitting replies into pieces of at most `split` bytes.
    struct Fake {
        next: u32,
        buffers: std::collections::BTreeMap<String, Vec<u8>>,
        split: usize,
        log: Vec<String>,
    }

    impl Fake {
        fn new(split: usize) -> Fake {
            Fake {
                next: 1,
                buffers: Default::default(),
                split,
                log: Vec::new(),
            }
        }
        fn answer(&mut self, op: &Op) -> Outcome {
            self.log.push(op.name().to_owned());
            match op {
                Op::Socket { .. } => {
                    let sock = format!("s{}", self.next);
                    self.next += 1;
                    Outcome::Ok(OkBody::Sock { sock })
                }
                Op::Sendall(a) => {
                    self.buffers
                        .entry(a.sock.clone())
                        .or_default()
                        .extend_from_slice(a.data.as_bytes());
                    Outcome::Ok(OkBody::Sent {
                        n: a.data.len() as u64,
                    })
                }
                Op::Recv(a) => {
                    let buf = self.buffers.entry(a.sock.clone()).or_default();
                    let n = buf.len().min(a.bufsize).min(self.split);
                    let data: Vec<u8> = buf.drain(..n).collect();
                    Outcome::Ok(OkBody::Data {
                        data: Data::from_bytes(data, crate::Encoding::Text),
                    })
                }
                _ => Outcome::Ok(OkBody::Empty {}),
            }
        }
    }

    fn drive(run: &mut ProbeRun, fake: &mut Fake) -> ProbeResult {
        for _ in 0..10_000 {
            if let Some(r) = run.result() {
                return r;
            }
            for (tag, op) in run.next_calls() {
                let outcome = fake.answer(&op);
                run.on_outcome(tag, &outcome);
            }
        }
        panic!("the probe never finished: {:?}", fake.log);
    }

    #[test]
    fn three_echo_clients_pass_in_turn_and_close() {
        let mut run = ProbeRun::new(
            2,
            &probe(3, &["c{c}-1", "c{c}-2"]),
            Addr::new("127.0.0.1", 20178),
        );
        let mut fake = Fake::new(2);
        let r = drive(&mut run, &mut fake);
        assert!(r.passed, "{r:?}");
        assert_eq!(r.step, 2);
        assert!(
            r.detail
                .starts_with("client 1 sent b'c1-1' and got b'c1-1' back; client 2 sent b'c2-1'"),
            "{}",
            r.detail
        );
        let calls = fake.log.join(" ");
        assert!(calls.starts_with("socket settimeout connect socket settimeout connect socket settimeout connect sendall recv recv sendall"), "{calls}");
        assert!(calls.ends_with("close close close"), "{calls}");
    }

    #[test]
    fn a_refused_connect_fails_in_python_words_and_closes() {
        let mut run = ProbeRun::new(1, &probe(2, &["x"]), Addr::new("127.0.0.1", 20178));
        let calls = run.next_calls();
        assert!(matches!(calls.as_slice(), [(1, Op::Socket { .. })]));
        assert!(run.next_calls().is_empty(), "waits for the outcome");
        run.on_outcome(1, &Outcome::Ok(OkBody::Sock { sock: "s9".into() }));
        let calls = run.next_calls();
        assert!(
            matches!(calls.as_slice(), [(2, Op::Settimeout { timeout: Some(t), .. })] if (*t - 5.0).abs() < 1e-9)
        );
        run.on_outcome(2, &Outcome::Ok(OkBody::Empty {}));
        let _ = run.next_calls();
        run.on_outcome(3, &Outcome::Err(ErrorBody::errno(Errno::ECONNREFUSED)));
        assert_eq!(run.result(), None, "closes first");
        let closes = run.next_calls();
        assert!(matches!(closes.as_slice(), [(4, Op::Close { sock })] if sock == "s9"));
        run.on_outcome(4, &Outcome::Ok(OkBody::Empty {}));
        let r = run.result().unwrap_or_else(|| panic!("finished"));
        assert!(!r.passed);
        assert_eq!(
            r.detail,
            "client 1: connect(('127.0.0.1', 20178)): ConnectionRefusedError: [Errno 111] Connection refused (is your server bound to this address and listening?)"
        );
    }

    #[test]
    fn the_wrong_bytes_and_a_timeout_say_what_came_back() {
        let mut run = ProbeRun::new(0, &probe(1, &["hello"]), Addr::new("127.0.0.1", 1));
        let script = [
            Outcome::Ok(OkBody::Sock { sock: "s1".into() }),
            Outcome::Ok(OkBody::Empty {}),
            Outcome::Ok(OkBody::Empty {}),
            Outcome::Ok(OkBody::Sent { n: 5 }),
            Outcome::Ok(OkBody::Data {
                data: Data::text("HEL"),
            }),
        ];
        for outcome in &script {
            let calls = run.next_calls();
            let Some((tag, _)) = calls.first() else {
                panic!("no call")
            };
            run.on_outcome(*tag, outcome);
        }
        for (tag, _) in run.next_calls() {
            run.on_outcome(tag, &Outcome::Ok(OkBody::Empty {}));
        }
        let r = run.result().unwrap_or_else(|| panic!("finished"));
        assert_eq!(
            r.detail,
            "client 1 sent b'hello' and got b'HEL' back; expected b'hello'"
        );

        let mut run = ProbeRun::new(0, &probe(1, &["hi"]), Addr::new("127.0.0.1", 1));
        let mut fake = Fake::new(8);
        for _ in 0..4 {
            for (tag, op) in run.next_calls() {
                let o = fake.answer(&op);
                run.on_outcome(tag, &o);
            }
        }
        // The sendall was answered; the server never writes back.
        fake.buffers.clear();
        let calls = run.next_calls();
        let Some((tag, Op::Recv(args))) = calls.first() else {
            panic!("{calls:?}")
        };
        assert_eq!(args.bufsize, 2);
        run.on_outcome(*tag, &Outcome::Err(ErrorBody::new("timeout", "timed out")));
        let r = drive(&mut run, &mut fake);
        assert_eq!(r.detail, "client 1 sent b'hi' and nothing came back: recv: TimeoutError: timed out (does your server send the bytes back to this client?)");
    }

    #[test]
    fn python_bytes_repr() {
        assert_eq!(py_bytes(b"a'b\n\x00"), "b\"a'b\\n\\x00\"");
        assert_eq!(py_bytes(b"it's \"x\""), "b'it\\'s \"x\"'");
        assert_eq!(py_bytes(b""), "b''");
    }

    #[test]
    fn abort_closes_what_it_opened() {
        let mut run = ProbeRun::new(0, &probe(1, &["hi"]), Addr::new("127.0.0.1", 1));
        let mut fake = Fake::new(8);
        for (tag, op) in run.next_calls() {
            let o = fake.answer(&op);
            run.on_outcome(tag, &o);
        }
        run.abort("the page lost its relay");
        let r = drive(&mut run, &mut fake);
        assert_eq!(r.detail, "the page lost its relay");
        assert_eq!(fake.log.last().map(String::as_str), Some("close"));
    }

    #[test]
    fn finish_ends_at_once_when_the_session_is_gone() {
        let mut run = ProbeRun::new(4, &probe(2, &["hi"]), Addr::new("127.0.0.1", 1));
        let _ = run.next_calls();
        run.finish("the connection to the relay was lost");
        let r = run.result().unwrap_or_else(|| panic!("finished"));
        assert!(!r.passed);
        assert_eq!(r.detail, "the connection to the relay was lost");
        assert!(run.next_calls().is_empty());
    }

    fn any_outcome() -> impl Strategy<Value = Outcome> {
        prop_oneof![
            "[a-z0-9]{1,4}".prop_map(|sock| Outcome::Ok(OkBody::Sock { sock })),
            Just(Outcome::Ok(OkBody::Empty {})),
            "[a-c]{0,4}".prop_map(|t| Outcome::Ok(OkBody::Data {
                data: Data::text(t)
            })),
            Just(Outcome::Err(ErrorBody::errno(Errno::ECONNRESET))),
            Just(Outcome::Err(ErrorBody::new("timeout", "timed out"))),
        ]
    }

    proptest! {
        /// Whatever the relay answers, the run never panics, always finishes
        /// and closes every socket it was given.
        #[test]
        fn random_outcomes_always_finish_and_close(
            clients in 1u32..4,
            send in proptest::collection::vec("[a-c]{1,3}", 1..3),
            outcomes in proptest::collection::vec(any_outcome(), 0..200),
            stray in proptest::option::of(0u32..50),
        ) {
            let send: Vec<&str> = send.iter().map(String::as_str).collect();
            let mut run = ProbeRun::new(0, &probe(clients, &send), Addr::new("127.0.0.1", 1));
            let mut outcomes = outcomes.into_iter();
            let mut closed = BTreeSet::new();
            let mut finished = false;
            for _ in 0..1000 {
                if run.result().is_some() {
                    finished = true;
                    break;
                }
                if let Some(tag) = stray {
                    run.on_outcome(tag + 1000, &Outcome::Ok(OkBody::Empty {}));
                }
                for (tag, op) in run.next_calls() {
                    if let Op::Close { sock } = &op {
                        closed.insert(sock.clone());
                    }
                    // When the script runs out, the relay answers `{}`.
                    let o = outcomes.next().unwrap_or(Outcome::Ok(OkBody::Empty {}));
                    run.on_outcome(tag, &o);
                }
            }
            prop_assert!(finished);
            let opened: BTreeSet<String> = run.opened().into_iter().collect();
            prop_assert_eq!(opened, closed);
        }
    }
}
