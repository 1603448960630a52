//! Reducer tests: the echo exercise of the classic Python socket tutorial this
//! workbench follows, as the relay reports it (events before replies, the state
//! sequence of docs/protocol.md, choice `tcp-states`), checked on the cards, the
//! timeline and the transcript.

use super::*;
use shared::{
    ConnectArgs, Dir, Family, Limits, PolicySummary, RecvArgs, RelayInfo, SendArgs, SockState,
    SockType,
};

fn hello() -> Event {
    Event::Hello(Hello {
        protocol: 1,
        relay: RelayInfo {
            name: "socklab".into(),
            version: "0.1.0".into(),
        },
        session: "x".into(),
        limits: Limits {
            max_message_bytes: 1 << 20,
            max_handles: 64,
            recv_buffer_bytes: 1 << 16,
            max_pending: 64,
            idle_timeout_secs: 600,
            max_sessions_per_ip: 8,
        },
        labs: [
            ("tcp_echo".to_owned(), Addr::new("127.0.0.1", 20007)),
            ("udp_echo".to_owned(), Addr::new("127.0.0.1", 20007)),
        ]
        .into(),
        policy: PolicySummary {
            connect: vec![],
            bind: vec![],
            auth_required: false,
        },
    })
}

struct Bench {
    s: State,
    id: u64,
}

impl Bench {
    fn new() -> Bench {
        let mut s = State::default();
        s.apply(Action::Event(EventFrame {
            t: 0,
            event: hello(),
        }));
        Bench { s, id: 0 }
    }
    fn send(&mut self, op: Op) -> u64 {
        self.id += 1;
        self.s.apply(Action::Sent { id: self.id, op });
        self.id
    }
    fn ev(&mut self, event: Event) {
        self.s.apply(Action::Event(EventFrame { t: 1, event }));
    }
    fn state(&mut self, sock: &str, from: SockState, to: SockState) {
        self.ev(Event::State {
            sock: sock.into(),
            from,
            to,
        });
    }
    fn reply(&mut self, id: u64, body: OkBody) {
        self.s.apply(Action::Replied {
            id,
            outcome: Outcome::Ok(body),
        });
    }
    fn call(&mut self, op: Op, body: OkBody) {
        let id = self.send(op);
        self.reply(id, body);
    }
    /// Sends `connect` (or `connect_ex`) of `sock` to `host:port`.
    fn connect(&mut self, ex: bool, sock: &str, host: &str, port: u16) -> u64 {
        let args = ConnectArgs {
            sock: sock.into(),
            addr: Addr::new(host, port),
        };
        self.send(if ex {
            Op::ConnectEx(args)
        } else {
            Op::Connect(args)
        })
    }
    /// A `data` event of `n` bytes.
    fn data(&mut self, sock: &str, dir: Dir, n: u64) {
        self.ev(Event::Data {
            sock: sock.into(),
            dir,
            n,
            preview: None,
            data: None,
        });
    }
}

/// `recv` (or `recvfrom`) of `sock` with `bufsize`.
fn recv(from: bool, sock: &str, bufsize: usize) -> Op {
    let args = RecvArgs {
        sock: sock.into(),
        bufsize,
        flags: vec![],
        encoding: None,
    };
    if from {
        Op::Recvfrom(args)
    } else {
        Op::Recv(args)
    }
}

fn arrows(s: &State) -> Vec<String> {
    s.timeline
        .items()
        .iter()
        .filter(|e| e.to.is_some())
        .map(|e| e.label.clone())
        .collect()
}

fn marks(s: &State) -> Vec<String> {
    s.timeline
        .items()
        .iter()
        .filter(|e| e.to.is_none())
        .map(|e| e.label.clone())
        .collect()
}

fn udp() -> Op {
    Op::Socket {
        family: Family::AfInet,
        kind: SockType::Dgram,
        proto: 0,
    }
}

fn tcp() -> Op {
    Op::Socket {
        family: Family::AfInet,
        kind: SockType::Stream,
        proto: 0,
    }
}

#[test]
fn echo_exercise_between_two_of_our_sockets() {
    use SockState::*;
    let mut b = Bench::new();
    let server = Addr::new("127.0.0.1", 20178);
    b.call(tcp(), OkBody::Sock { sock: "s1".into() });
    b.call(tcp(), OkBody::Sock { sock: "s2".into() });
    let id = b.send(Op::Bind {
        sock: "s1".into(),
        addr: server.clone(),
    });
    b.state("s1", Closed, Bound);
    b.reply(
        id,
        OkBody::Addr {
            addr: server.clone(),
        },
    );
    let id = b.send(Op::Listen {
        sock: "s1".into(),
        backlog: Some(5),
    });
    b.state("s1", Bound, Listen);
    b.reply(id, OkBody::Empty {});
    let accept = b.send(Op::Accept { sock: "s1".into() });
    assert_eq!(b.s.pending_on("s1").count(), 1, "accept is visibly pending");
    let connect = b.send(Op::Connect(ConnectArgs {
        sock: "s2".into(),
        addr: server.clone(),
    }));
    b.state("s2", Closed, SynSent);
    b.state("s2", SynSent, Established);
    b.ev(Event::Incoming {
        sock: "s1".into(),
        addr: Addr::new("127.0.0.1", 40000),
    });
    b.reply(connect, OkBody::Empty {});
    b.state("s3", Closed, Established);
    b.reply(
        accept,
        OkBody::Accept {
            sock: "s3".into(),
            addr: Addr::new("127.0.0.1", 40000),
        },
    );
    let s3 = &b.s.socks["s3"];
    assert_eq!(s3.parent.as_deref(), Some("s1"));
    assert_eq!(s3.partner.as_deref(), Some("s2"));
    assert_eq!(s3.state, Established);
    assert_eq!(b.s.socks["s2"].partner.as_deref(), Some("s3"));

    let id = b.send(Op::Send(SendArgs {
        sock: "s2".into(),
        data: Data::text("data"),
    }));
    b.ev(Event::Data {
        sock: "s2".into(),
        dir: Dir::Out,
        n: 4,
        preview: None,
        data: None,
    });
    b.reply(id, OkBody::Sent { n: 4 });
    b.ev(Event::Data {
        sock: "s3".into(),
        dir: Dir::In,
        n: 4,
        preview: Some(Data::text("data")),
        data: None,
    });
    b.call(
        Op::Recv(RecvArgs {
            sock: "s3".into(),
            bufsize: 100,
            flags: vec![],
            encoding: None,
        }),
        OkBody::Data {
            data: Data::text("data"),
        },
    );
    assert_eq!(b.s.socks["s3"].received[0].bytes, b"data");

    // Timeline: handshake arrows go between the s2 and s1 lanes; one data arrow.
    let lane = |s: &mut State, h: &str| s.sock_lane(h);
    let (l1, l2, l3) = (
        lane(&mut b.s, "s1"),
        lane(&mut b.s, "s2"),
        lane(&mut b.s, "s3"),
    );
    let tl = b.s.timeline.items().to_vec();
    let arrows: Vec<(usize, usize, &str)> = tl
        .iter()
        .filter_map(|e| e.to.map(|to| (e.from, to, e.label.as_str())))
        .collect();
    assert!(arrows.contains(&(l2, l1, "SYN  (SYN_SENT)")), "{arrows:?}");
    assert!(arrows
        .iter()
        .any(|&(f, t, l)| f == l1 && t == l2 && l.starts_with("SYN-ACK")));
    assert!(arrows
        .iter()
        .any(|&(f, t, l)| f == l2 && t == l1 && l.starts_with("ACK")));
    let data: Vec<_> = tl.iter().filter(|e| e.kind == Kind::Data).collect();
    assert_eq!(
        data.len(),
        1,
        "the s3 `in` copy of s2's bytes is not drawn twice"
    );
    assert_eq!((data[0].from, data[0].to), (l2, Some(l3)));
    assert_eq!(data[0].n, Some(4));

    // Close both: FIN arrows, released cards.
    let id = b.send(Op::Close { sock: "s2".into() });
    b.state("s2", Established, Closed);
    b.reply(id, OkBody::Empty {});
    assert!(b.s.socks["s2"].released);

    let py = crate::python::code_lines(&b.s.transcript);
    assert_eq!(
        py,
        vec![
            "s1 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)",
            "s2 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)",
            "s1.bind((\"127.0.0.1\", 20178))",
            "s1.listen(5)",
            "s2.connect((\"127.0.0.1\", 20178))",
            "s3, addr = s1.accept()",
            "s2.send(b'data')",
            "data = s3.recv(100)",
            "print(data)",
            "s2.close()",
        ]
    );
    assert!(b.s.pending.is_empty());
}

#[test]
fn refused_connect_shows_python_error_and_rst() {
    use SockState::*;
    let mut b = Bench::new();
    b.call(tcp(), OkBody::Sock { sock: "s1".into() });
    let id = b.send(Op::Connect(ConnectArgs {
        sock: "s1".into(),
        addr: Addr::new("127.0.0.1", 20009),
    }));
    b.state("s1", Closed, SynSent);
    b.state("s1", SynSent, Closed);
    b.s.apply(Action::Replied {
        id,
        outcome: Outcome::Err(ErrorBody::errno(shared::Errno::ECONNREFUSED)),
    });
    let err = "ConnectionRefusedError: [Errno 111] Connection refused";
    let shown = b.s.socks["s1"].last_error.as_ref().map(ErrorBody::python);
    assert_eq!(shown.as_deref(), Some(err));
    let tl = b.s.timeline.items().to_vec();
    assert!(tl.iter().any(|e| e.kind == Kind::Reset));
    assert_eq!(
        b.s.transcript
            .items()
            .last()
            .and_then(|e| e.error.clone())
            .as_deref(),
        Some(err)
    );
}

#[test]
fn lab_peer_gets_a_named_lane() {
    use SockState::*;
    let mut b = Bench::new();
    b.call(tcp(), OkBody::Sock { sock: "s1".into() });
    let id = b.send(Op::Connect(ConnectArgs {
        sock: "s1".into(),
        addr: Addr::new("127.0.0.1", 20007),
    }));
    b.state("s1", Closed, SynSent);
    b.state("s1", SynSent, Established);
    b.reply(id, OkBody::Empty {});
    assert!(b
        .s
        .lanes
        .iter()
        .any(|l| l.is_peer && l.label == "tcp_echo 127.0.0.1:20007"));
}

#[test]
fn reconnect_starts_a_new_session() {
    let mut b = Bench::new();
    b.call(tcp(), OkBody::Sock { sock: "s1".into() });
    b.send(Op::Accept { sock: "s1".into() });
    b.ev(hello());
    assert!(b.s.socks.is_empty());
    assert!(b.s.pending.is_empty());
    assert_eq!(b.s.session, 2);
}

#[test]
fn ten_thousand_events_stay_cheap() {
    let mut b = Bench::new();
    b.call(tcp(), OkBody::Sock { sock: "s1".into() });
    for _ in 0..10_000 {
        b.ev(Event::Data {
            sock: "s1".into(),
            dir: Dir::Out,
            n: 10,
            preview: None,
            data: None,
        });
    }
    assert!(b.s.timeline.len() > 10_000);
    assert!(b.s.lanes.len() <= 3);
}

#[test]
fn accept_that_beats_connect_is_transcribed_after_it() {
    use SockState::*;
    let mut b = Bench::new();
    let server = Addr::new("127.0.0.1", 20178);
    b.call(tcp(), OkBody::Sock { sock: "s1".into() });
    b.call(tcp(), OkBody::Sock { sock: "s2".into() });
    b.call(
        Op::Bind {
            sock: "s1".into(),
            addr: server.clone(),
        },
        OkBody::Addr {
            addr: server.clone(),
        },
    );
    let accept = b.send(Op::Accept { sock: "s1".into() });
    let connect = b.send(Op::Connect(ConnectArgs {
        sock: "s2".into(),
        addr: server,
    }));
    b.state("s2", Closed, SynSent);
    b.state("s3", Closed, Established);
    b.reply(
        accept,
        OkBody::Accept {
            sock: "s3".into(),
            addr: Addr::new("127.0.0.1", 40000),
        },
    );
    b.state("s2", SynSent, Established);
    b.reply(connect, OkBody::Empty {});
    let code = crate::python::code_lines(&b.s.transcript);
    let pos = |needle: &str| code.iter().position(|l| l.contains(needle));
    assert!(pos("s2.connect") < pos("s1.accept()"), "{code:?}");
    assert!(pos("s1.accept()").is_some());
}

#[test]
fn a_name_that_does_not_resolve_draws_no_packets() {
    use SockState::*;
    let mut b = Bench::new();
    b.call(tcp(), OkBody::Sock { sock: "s1".into() });
    let id = b.connect(false, "s1", "no-such-host.invalid", 80);
    // The relay reports SYN_SENT before it looks the name up.
    b.state("s1", Closed, SynSent);
    b.state("s1", SynSent, Closed);
    b.s.apply(Action::Replied {
        id,
        outcome: Outcome::Err(ErrorBody::new(
            shared::codes::GAIERROR,
            "Name or service not known",
        )),
    });
    assert_eq!(arrows(&b.s), Vec::<String>::new());
    assert!(
        marks(&b.s).iter().any(|m| m.starts_with("socket.gaierror")),
        "{:?}",
        marks(&b.s)
    );
}

#[test]
fn a_refused_connect_to_a_name_draws_syn_then_rst() {
    use SockState::*;
    let mut b = Bench::new();
    b.call(tcp(), OkBody::Sock { sock: "s1".into() });
    let id = b.connect(false, "s1", "localhost", 20009);
    b.state("s1", Closed, SynSent);
    assert!(arrows(&b.s).is_empty(), "the name is not resolved yet");
    b.state("s1", SynSent, Closed);
    b.s.apply(Action::Replied {
        id,
        outcome: Outcome::Err(ErrorBody::errno(shared::Errno::ECONNREFUSED)),
    });
    assert_eq!(
        arrows(&b.s),
        vec!["SYN  (SYN_SENT)", "RST  (connection refused)"]
    );
}

#[test]
fn connect_ex_says_its_errno_name_and_meaning() {
    use SockState::*;
    let mut b = Bench::new();
    b.call(tcp(), OkBody::Sock { sock: "s1".into() });
    let id = b.connect(true, "s1", "127.0.0.1", 20009);
    b.state("s1", Closed, SynSent);
    b.state("s1", SynSent, Closed);
    b.reply(id, OkBody::Errno { errno: 111 });
    let want = "connect_ex() → 111 ECONNREFUSED — nobody listens on that port";
    assert!(marks(&b.s).iter().any(|m| m == want), "{:?}", marks(&b.s));
    assert_eq!(b.s.socks["s1"].last_call.as_deref(), Some(want));
    assert_eq!(b.s.socks["s1"].peer, None, "a refused socket has no peer");
    assert_eq!(
        arrows(&b.s),
        vec!["SYN  (SYN_SENT)", "RST  (connection refused)"]
    );
}

#[test]
fn fresh_sockets_are_unbound_and_udp_has_no_tcp_states() {
    use SockState::*;
    let mut b = Bench::new();
    b.call(tcp(), OkBody::Sock { sock: "s1".into() });
    b.call(udp(), OkBody::Sock { sock: "s2".into() });
    assert_eq!(b.s.socks["s1"].state_word(), "unbound");
    assert_eq!(b.s.socks["s2"].state_word(), "unbound");
    assert!(marks(&b.s).iter().all(|m| !m.contains("CLOSED")));
    b.state("s2", Closed, Bound);
    assert_eq!(b.s.socks["s2"].state_word(), "bound");
    b.state("s2", Bound, Established);
    assert_eq!(b.s.socks["s2"].state_word(), "connected");
    assert!(marks(&b.s).iter().all(|m| !m.contains("ESTABLISHED")));
}

#[test]
fn bytes_arriving_and_recv_consuming_them_are_two_marks() {
    use SockState::*;
    let mut b = Bench::new();
    b.call(tcp(), OkBody::Sock { sock: "s1".into() });
    let id = b.connect(false, "s1", "127.0.0.1", 20007);
    b.state("s1", Closed, SynSent);
    b.state("s1", SynSent, Established);
    b.reply(id, OkBody::Empty {});
    b.ev(Event::Data {
        sock: "s1".into(),
        dir: Dir::In,
        n: 4,
        preview: Some(Data::text("data")),
        data: None,
    });
    assert!(arrows(&b.s).contains(&"4 B  → s1's receive buffer".to_owned()));
    assert!(marks(&b.s).iter().all(|m| !m.contains("recv")));
    b.call(
        recv(false, "s1", 1024),
        OkBody::Data {
            data: Data::text("data"),
        },
    );
    assert!(marks(&b.s).contains(&"recv(1024) → consumed 4 B from the receive buffer".to_owned()));
}

#[test]
fn setsockopt_and_getsockname_leave_marks() {
    let mut b = Bench::new();
    b.call(tcp(), OkBody::Sock { sock: "s1".into() });
    b.call(
        Op::Setsockopt {
            sock: "s1".into(),
            level: shared::OptLevel::IpprotoTcp,
            name: shared::OptName::TcpNodelay,
            value: shared::OptValue::Int(1),
        },
        OkBody::Empty {},
    );
    b.call(
        Op::Getsockname { sock: "s1".into() },
        OkBody::Addr {
            addr: Addr::new("0.0.0.0", 0),
        },
    );
    let m = marks(&b.s);
    assert!(
        m.contains(&"setsockopt(TCP_NODELAY, 1) → done".to_owned()),
        "{m:?}"
    );
    assert!(m.contains(&"getsockname() → 0.0.0.0:0".to_owned()), "{m:?}");
}

#[test]
fn select_highlights_ready_sockets_until_a_call() {
    let mut b = Bench::new();
    b.call(tcp(), OkBody::Sock { sock: "s1".into() });
    b.call(tcp(), OkBody::Sock { sock: "s2".into() });
    b.call(
        Op::Select {
            rlist: vec!["s1".into(), "s2".into()],
            wlist: vec![],
            xlist: vec![],
            timeout: Some(1.0),
        },
        OkBody::Select {
            r: vec!["s1".into()],
            w: vec![],
            x: vec![],
        },
    );
    assert_eq!(
        b.s.socks["s1"].ready.as_deref(),
        Some("select: ready to read")
    );
    assert_eq!(b.s.socks["s2"].ready, None);
    assert!(marks(&b.s).contains(&"select: ready to read".to_owned()));
    b.call(
        Op::Getsockname { sock: "s1".into() },
        OkBody::Addr {
            addr: Addr::new("0.0.0.0", 0),
        },
    );
    assert_eq!(b.s.socks["s1"].ready, None, "a call ends the highlight");
}

#[test]
fn udp_lanes_are_named_by_address_and_the_udp_lab() {
    let mut b = Bench::new();
    b.call(udp(), OkBody::Sock { sock: "s1".into() });
    let lab = Addr::new("127.0.0.1", 20007);
    let id = b.send(Op::Sendto {
        sock: "s1".into(),
        data: Data::text("hi"),
        addr: lab.clone(),
    });
    b.data("s1", Dir::Out, 2);
    b.reply(id, OkBody::Sent { n: 2 });
    b.data("s1", Dir::In, 2);
    b.call(
        recv(true, "s1", 1024),
        OkBody::Recvfrom {
            data: Data::text("hi"),
            addr: lab,
        },
    );
    let labels: Vec<&str> = b.s.lanes.iter().map(|l| l.label.as_str()).collect();
    assert_eq!(labels, vec!["s1", "udp_echo 127.0.0.1:20007"]);
    assert_eq!(b.s.socks["s1"].peer, None, "sendto does not connect");
    assert!(marks(&b.s).contains(&"recvfrom(1024) → 2 B from 127.0.0.1:20007".to_owned()));
}

#[test]
fn kernel_states_mark_the_lane_after_close() {
    let mut b = Bench::new();
    b.call(tcp(), OkBody::Sock { sock: "s1".into() });
    b.call(Op::Close { sock: "s1".into() }, OkBody::Empty {});
    let report = |state: &str, expires_ms| {
        Event::Kernel(shared::KernelState {
            sock: "s1".into(),
            state: state.into(),
            source: shared::KernelSource::SockDiag,
            held: false,
            local: None,
            peer: None,
            expires_ms,
        })
    };
    b.ev(report("FIN_WAIT2", None));
    b.ev(report("TIME_WAIT", Some(59_985)));
    let m = marks(&b.s);
    assert!(
        m.contains(&"kernel: FIN_WAIT2 after close()".to_owned()),
        "{m:?}"
    );
    assert!(m.contains(&"kernel: TIME_WAIT (60 s) after close()".to_owned()));
    let s1 = &b.s.socks["s1"];
    assert!(s1.released);
    assert_eq!(
        s1.kernel.as_ref().map(|k| k.text(2_000)).as_deref(),
        Some("kernel: TIME_WAIT, 58 s left")
    );
}

#[test]
fn a_held_socket_s_kernel_state_that_confirms_the_model_is_not_marked_twice() {
    let mut b = Bench::new();
    b.call(tcp(), OkBody::Sock { sock: "s1".into() });
    let before = marks(&b.s).len();
    let report = |state: &str| {
        Event::Kernel(shared::KernelState {
            sock: "s1".into(),
            state: state.into(),
            source: shared::KernelSource::TcpInfo,
            held: true,
            local: None,
            peer: None,
            expires_ms: None,
        })
    };
    b.ev(report("ESTABLISHED"));
    assert_eq!(
        marks(&b.s).len(),
        before,
        "ESTABLISHED is already the card's state"
    );
    assert!(
        b.s.socks["s1"].kernel.is_some(),
        "the card's kernel line still shows it"
    );
    b.ev(report("CLOSE"));
    assert_eq!(marks(&b.s).len(), before + 1, "CLOSE after a reset is news");
}
