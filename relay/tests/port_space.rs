//! Per-session port spaces (`--port-spaces`; docs/class-hosting.md, "Port
//! spaces") with real sockets on loopback: two sessions bind the same port and
//! each reaches only its own server, every address a session is shown is its
//! virtual one, a port nothing in the session bound refuses (as Python would see
//! on an idle machine), `EADDRINUSE` and `SO_REUSEADDR` behave as on Linux, UDP
//! too; and a property test: random binds, connects and closes across two
//! sessions never show one session a port of the other and never kill a session.

mod common;

use common::{expect_err, port, text, Client};
use proptest::prelude::*;
use proptest::test_runner::{Config as PropConfig, TestRunner};
use relay::config::Config;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// The article's port: every example program uses it.
const PORT: u16 = 20178;

async fn spaced_relay() -> relay::Running {
    let mut config = Config::for_tests();
    config.port_spaces = true;
    common::start(config).await
}

fn at(p: u16) -> Value {
    json!(["127.0.0.1", p])
}

/// A listener bound to 127.0.0.1:`p` (its bind reply shows `p`).
async fn serve(c: &mut Client, p: u16) -> String {
    let s = common::tcp_socket(c).await;
    let ok = c.ok(json!({"op": "bind", "sock": s, "addr": at(p)})).await;
    assert_eq!(
        ok["addr"],
        at(p),
        "the bind reply shows the virtual address"
    );
    c.ok(json!({"op": "listen", "sock": s, "backlog": 5})).await;
    let name = c.ok(json!({"op": "getsockname", "sock": s})).await;
    assert_eq!(name["addr"], at(p));
    s
}

/// One client connected to `p` and accepted by `listener`; returns (client,
/// accepted, the client's port) after checking every address both ends report.
async fn connect_and_accept(c: &mut Client, listener: &str, p: u16) -> (String, String, u16) {
    let cl = common::tcp_socket(c).await;
    c.ok(json!({"op": "connect", "sock": cl, "addr": at(p)}))
        .await;
    let mine = c.ok(json!({"op": "getsockname", "sock": cl})).await["addr"].clone();
    let theirs = c.ok(json!({"op": "getpeername", "sock": cl})).await;
    assert_eq!(
        theirs["addr"],
        at(p),
        "the client's peer is the virtual port"
    );
    let incoming = c.next_event_for("incoming", listener).await;
    assert_eq!(
        incoming["addr"], mine,
        "incoming names the client as it sees itself"
    );
    let acc = c.ok(json!({"op": "accept", "sock": listener})).await;
    assert_eq!(
        acc["addr"], mine,
        "accept's addr is the client's own address"
    );
    let srv = acc["sock"].as_str().expect("accepted handle").to_owned();
    let local = c.ok(json!({"op": "getsockname", "sock": srv})).await;
    assert_eq!(
        local["addr"],
        at(p),
        "the accepted socket's own port is virtual"
    );
    let peer = c.ok(json!({"op": "getpeername", "sock": srv})).await;
    assert_eq!(peer["addr"], mine);
    let kernel = c
        .next_event_where("kernel", |e| e["sock"] == cl && e["state"] == "ESTABLISHED")
        .await;
    assert_eq!(kernel["local"], mine, "{kernel}");
    assert_eq!(
        kernel["peer"],
        at(p),
        "kernel events are virtual too: {kernel}"
    );
    (cl, srv, port(&mine))
}

/// `client` sends `msg`; the server end `srv` receives exactly it and echoes it.
async fn echo(c: &mut Client, client: &str, srv: &str, msg: &str) {
    c.ok(json!({"op": "sendall", "sock": client, "data": text(msg)}))
        .await;
    let got = c
        .ok(json!({"op": "recv", "sock": srv, "bufsize": 100}))
        .await;
    assert_eq!(common::bytes(&got["data"]), msg.as_bytes());
    c.ok(json!({"op": "sendall", "sock": srv, "data": got["data"]}))
        .await;
    let back = c
        .ok(json!({"op": "recv", "sock": client, "bufsize": 100}))
        .await;
    assert_eq!(common::bytes(&back["data"]), msg.as_bytes());
}

#[tokio::test]
async fn two_sessions_bind_20178_and_each_echoes_only_its_own_client() {
    let relay = spaced_relay().await;
    let mut a = Client::connect(&relay).await;
    let mut b = Client::connect(&relay).await;
    let la = serve(&mut a, PORT).await;
    let lb = serve(&mut b, PORT).await;
    let (ca, sa, pa) = connect_and_accept(&mut a, &la, PORT).await;
    let (cb, sb, pb) = connect_and_accept(&mut b, &lb, PORT).await;
    assert_ne!(pa, pb);
    echo(&mut a, &ca, &sa, "from a").await;
    echo(&mut b, &cb, &sb, "from b").await;
    // Neither listener saw the other's client: nothing more is queued.
    for (c, l) in [(&mut a, &la), (&mut b, &lb)] {
        c.ok(json!({"op": "setblocking", "sock": l, "flag": false}))
            .await;
        c.err(json!({"op": "accept", "sock": l}), "EAGAIN").await;
    }
    // A third session without a server of its own is refused, as Python would
    // be on a machine where nothing listens on 20178.
    let mut third = Client::connect(&relay).await;
    let s = common::tcp_socket(&mut third).await;
    let e = third
        .err(
            json!({"op": "connect", "sock": s, "addr": at(PORT)}),
            "ECONNREFUSED",
        )
        .await;
    assert_eq!(e["message"], "Connection refused");
    let ex = third
        .ok(json!({"op": "connect_ex", "sock": s, "addr": at(PORT)}))
        .await;
    assert_eq!(ex["errno"], 111);
    // Once it starts one, its connect_ex returns 0 (exercise E4).
    let l3 = serve(&mut third, PORT).await;
    let c3 = common::tcp_socket(&mut third).await;
    let ok = third
        .ok(json!({"op": "connect_ex", "sock": c3, "addr": at(PORT)}))
        .await;
    assert_eq!(ok["errno"], 0, "{ok}");
    let acc = third.ok(json!({"op": "accept", "sock": l3})).await;
    assert!(acc["sock"].is_string());
}

/// A TCP socket with `SO_REUSEADDR` set (as the article's select server does).
async fn reusing_socket(c: &mut Client) -> String {
    let s = common::tcp_socket(c).await;
    c.ok(json!({"op": "setsockopt", "sock": s, "level": "SOL_SOCKET", "name": "SO_REUSEADDR", "value": 1}))
        .await;
    s
}

#[tokio::test]
async fn a_session_holding_a_port_gets_eaddrinuse_and_so_reuseaddr_works_as_on_linux() {
    let relay = spaced_relay().await;
    let mut a = Client::connect(&relay).await;
    let l = reusing_socket(&mut a).await;
    let ok = a
        .ok(json!({"op": "bind", "sock": l, "addr": at(PORT)}))
        .await;
    assert_eq!(ok["addr"], at(PORT));
    a.ok(json!({"op": "listen", "sock": l})).await;
    let second = reusing_socket(&mut a).await;
    a.err(
        json!({"op": "bind", "sock": second, "addr": at(PORT)}),
        "EADDRINUSE",
    )
    .await;
    // Another session is not in the way.
    let mut b = Client::connect(&relay).await;
    serve(&mut b, PORT).await;
    // The server closes its side first, so its end waits in TIME_WAIT: as on
    // Linux, a new socket without SO_REUSEADDR cannot bind the port, and one
    // with it can (the old listener had it too).
    let (cl, srv, _) = connect_and_accept(&mut a, &l, PORT).await;
    a.ok(json!({"op": "close", "sock": srv})).await;
    a.ok(json!({"op": "close", "sock": cl})).await;
    let tw = a
        .next_event_where("kernel", |e| e["sock"] == srv && e["state"] == "TIME_WAIT")
        .await;
    assert_eq!(
        tw["local"],
        at(PORT),
        "lingering connections are shown virtual: {tw}"
    );
    a.ok(json!({"op": "close", "sock": l})).await;
    let plain = common::tcp_socket(&mut a).await;
    a.err(
        json!({"op": "bind", "sock": plain, "addr": at(PORT)}),
        "EADDRINUSE",
    )
    .await;
    let reuse = reusing_socket(&mut a).await;
    let ok = a
        .ok(json!({"op": "bind", "sock": reuse, "addr": at(PORT)}))
        .await;
    assert_eq!(ok["addr"], at(PORT));
    a.ok(json!({"op": "listen", "sock": reuse})).await;
    let again = common::tcp_socket(&mut a).await;
    a.ok(json!({"op": "connect", "sock": again, "addr": at(PORT)}))
        .await;
}

#[tokio::test]
async fn udp_datagrams_reach_the_sessions_own_socket_and_show_virtual_addresses() {
    let relay = spaced_relay().await;
    let mut a = Client::connect(&relay).await;
    let mut b = Client::connect(&relay).await;
    let mut servers = Vec::new();
    for c in [&mut a, &mut b] {
        let s = common::udp_socket(c).await;
        let ok = c
            .ok(json!({"op": "bind", "sock": s, "addr": at(PORT)}))
            .await;
        assert_eq!(ok["addr"], at(PORT));
        servers.push(s);
    }
    for (c, server, msg) in [(&mut a, &servers[0], "to a"), (&mut b, &servers[1], "to b")] {
        let sender = common::udp_socket(c).await;
        let ok = c
            .ok(json!({"op": "bind", "sock": sender, "addr": at(PORT + 1)}))
            .await;
        assert_eq!(ok["addr"], at(PORT + 1));
        let sent = c
            .ok(json!({"op": "sendto", "sock": sender, "data": text(msg), "addr": at(PORT)}))
            .await;
        assert_eq!(sent["n"], msg.len());
        let got = c
            .ok(json!({"op": "recvfrom", "sock": server, "bufsize": 100}))
            .await;
        assert_eq!(
            common::bytes(&got["data"]),
            msg.as_bytes(),
            "its own datagram only"
        );
        assert_eq!(
            got["addr"],
            at(PORT + 1),
            "recvfrom names the sender's virtual port"
        );
        // Answering to that address reaches the sender.
        c.ok(json!({"op": "sendto", "sock": server, "data": text("back"), "addr": got["addr"]}))
            .await;
        let back = c
            .ok(json!({"op": "recvfrom", "sock": sender, "bufsize": 100}))
            .await;
        assert_eq!(back["addr"], at(PORT));
        // A connected UDP socket's peer is virtual too.
        c.ok(json!({"op": "connect", "sock": sender, "addr": at(PORT)}))
            .await;
        let peer = c.ok(json!({"op": "getpeername", "sock": sender})).await;
        assert_eq!(peer["addr"], at(PORT));
    }
    // A datagram to a port nothing in the session bound is sent (and lost),
    // as on an idle machine.
    let lone = common::udp_socket(&mut a).await;
    let sent = a
        .ok(json!({"op": "sendto", "sock": lone, "data": text("void"), "addr": at(PORT + 7)}))
        .await;
    assert_eq!(sent["n"], 4);
}

#[tokio::test]
async fn labs_stay_shared_and_their_ports_stay_reserved() {
    let relay = spaced_relay().await;
    let mut a = Client::connect(&relay).await;
    let echo_lab = a.lab("tcp_echo");
    let s = common::tcp_socket(&mut a).await;
    a.ok(json!({"op": "connect", "sock": s, "addr": echo_lab}))
        .await;
    let peer = a.ok(json!({"op": "getpeername", "sock": s})).await;
    assert_eq!(peer["addr"], echo_lab, "a lab's address is never rewritten");
    a.ok(json!({"op": "sendall", "sock": s, "data": text("hi\n")}))
        .await;
    let got = a.ok(json!({"op": "recv", "sock": s, "bufsize": 10})).await;
    assert_eq!(common::bytes(&got["data"]), b"hi\n");
    let b2 = common::tcp_socket(&mut a).await;
    let e = a
        .err(
            json!({"op": "bind", "sock": b2, "addr": echo_lab}),
            "not_allowed",
        )
        .await;
    assert!(
        e["message"]
            .as_str()
            .unwrap_or_default()
            .contains("tcp_echo"),
        "{e}"
    );
}

// ----------------------------------------------------------------------
// Property: random binds, connects and closes across two sessions
// ----------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Step {
    /// Session `.0` binds 127.0.0.1:`.1` and listens.
    Listen(bool, u16),
    /// Session `.0` connects a new socket to 127.0.0.1:`.1`.
    Connect(bool, u16),
    /// Session `.0` closes one of its open handles (by index).
    Close(bool, usize),
}

fn step() -> impl Strategy<Value = Step> {
    let port = prop_oneof![Just(PORT), Just(PORT + 1), Just(0u16)];
    prop_oneof![
        (any::<bool>(), port.clone()).prop_map(|(s, p)| Step::Listen(s, p)),
        (any::<bool>(), port).prop_map(|(s, p)| Step::Connect(s, p)),
        (any::<bool>(), 0usize..8).prop_map(|(s, i)| Step::Close(s, i)),
    ]
}

/// What the test knows about one session.
#[derive(Default)]
struct Seen {
    /// Open listeners: handle → virtual port.
    listeners: Vec<(String, u16)>,
    /// Other open handles.
    others: Vec<String>,
    /// Ports shown in the last step.
    shown: BTreeSet<u16>,
    /// Open sockets on ports the kernel chose (port 0 binds, clients): handle →
    /// port. The kernel never gives a port to two live sockets, so another
    /// session shown one of these would see a port of this session.
    ephemeral: Vec<(String, u16)>,
}

impl Seen {
    fn live_ephemeral(&self) -> BTreeSet<u16> {
        self.ephemeral.iter().map(|(_, p)| *p).collect()
    }
}

async fn play(c: &mut Client, me: &mut Seen, step: &Step) -> Result<(), TestCaseError> {
    me.shown.clear();
    match *step {
        Step::Listen(_, p) => {
            let s = common::tcp_socket(c).await;
            let r = c.req(json!({"op": "bind", "sock": s, "addr": at(p)})).await;
            let held = p != 0 && me.listeners.iter().any(|(_, q)| *q == p);
            if held {
                expect_err(&r, "EADDRINUSE", "bind of a port the session listens on");
                me.others.push(s);
                return Ok(());
            }
            let Some(ok) = r.get("ok") else {
                // Rebinding a just-closed port may meet its TIME_WAIT, as on Linux.
                expect_err(&r, "EADDRINUSE", "bind");
                me.others.push(s);
                return Ok(());
            };
            let got = port(&ok["addr"]);
            if p == 0 {
                me.ephemeral.push((s.clone(), got));
            } else {
                prop_assert_eq!(got, p, "the bind reply shows the virtual port");
            }
            me.shown.insert(got);
            c.ok(json!({"op": "listen", "sock": s, "backlog": 5})).await;
            me.listeners.push((s, got));
        }
        Step::Connect(_, p) => {
            let p = if p == 0 {
                // Port 0: aim at a port the session got from the kernel, if any.
                me.ephemeral.first().map_or(PORT + 2, |(_, p)| *p)
            } else {
                p
            };
            let s = common::tcp_socket(c).await;
            let r = c
                .req(json!({"op": "connect", "sock": s, "addr": at(p)}))
                .await;
            let listener = me
                .listeners
                .iter()
                .find(|(_, q)| *q == p)
                .map(|(h, _)| h.clone());
            me.others.push(s.clone());
            let Some(l) = listener else {
                expect_err(
                    &r,
                    "ECONNREFUSED",
                    "connect to a port the session does not listen on",
                );
                return Ok(());
            };
            prop_assert!(r.get("ok").is_some(), "connect to its own listener: {}", r);
            let mine = port(&c.ok(json!({"op": "getsockname", "sock": s})).await["addr"]);
            let peer = port(&c.ok(json!({"op": "getpeername", "sock": s})).await["addr"]);
            prop_assert_eq!(peer, p);
            me.ephemeral.push((s.clone(), mine));
            let acc = c.ok(json!({"op": "accept", "sock": l})).await;
            prop_assert_eq!(
                port(&acc["addr"]),
                mine,
                "accept names this session's client"
            );
            let srv = acc["sock"].as_str().unwrap_or_default().to_owned();
            let local = port(&c.ok(json!({"op": "getsockname", "sock": srv})).await["addr"]);
            prop_assert_eq!(local, p);
            me.shown.extend([mine, peer, local]);
            me.others.push(srv);
        }
        Step::Close(_, i) => {
            let n = me.listeners.len() + me.others.len();
            if n == 0 {
                return Ok(());
            }
            let i = i % n;
            let h = if i < me.listeners.len() {
                me.listeners.remove(i).0
            } else {
                me.others.remove(i - me.listeners.len())
            };
            c.ok(json!({"op": "close", "sock": h})).await;
            me.ephemeral.retain(|(e, _)| *e != h);
        }
    }
    Ok(())
}

async fn run_case(relay: &relay::Running, steps: Vec<Step>) -> Result<(), TestCaseError> {
    let mut clients = [Client::connect(relay).await, Client::connect(relay).await];
    let mut seen = [Seen::default(), Seen::default()];
    for step in &steps {
        let (Step::Listen(who, _) | Step::Connect(who, _) | Step::Close(who, _)) = *step;
        let i = usize::from(who);
        play(&mut clients[i], &mut seen[i], step).await?;
        // No port of one session's live sockets ever shows in the other's view.
        let [a, b] = &seen;
        let (ea, eb) = (a.live_ephemeral(), b.live_ephemeral());
        prop_assert!(a.shown.is_disjoint(&eb), "{:?} of b shown to a", eb);
        prop_assert!(b.shown.is_disjoint(&ea), "{:?} of a shown to b", ea);
    }
    for c in clients {
        let mut c = c;
        c.ok(json!({"op": "ping"})).await;
        c.close().await;
    }
    Ok(())
}

#[test]
fn prop_random_binds_connects_and_closes_never_cross_sessions() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let relay = rt.block_on(spaced_relay());
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(16);
    let mut config = PropConfig::with_cases(cases);
    config.failure_persistence = None;
    let mut runner = TestRunner::new(config);
    let steps = proptest::collection::vec(step(), 1..24);
    let result = runner.run(&steps, |steps| rt.block_on(run_case(&relay, steps)));
    if let Err(e) = result {
        panic!("{e}");
    }
}
