//! Random operation sequences against a live relay (property-based, proptest).
//!
//! One relay runs for the whole property; each case opens a fresh session and
//! plays 10–60 steps drawn from the whole catalogue — every socket, `select`,
//! `pipe`, `http.*` (against the HTTP lab) and `ftp.*` (against the FTP lab) op,
//! `cancel`, `auth` and `ping` — with valid, closed and made-up handles, fresh,
//! duplicate and random ids, junk and mistyped fields, malformed text frames,
//! binary frames (good and broken) and, rarely, an oversized frame.
//!
//! The property: the session never dies without a close frame. Every request
//! whose `id` is readable gets exactly one reply (requests still pending at the end
//! are closed or cancelled, which answers them), unless the relay closes the
//! session with a proper close frame and a documented code; every frame the relay
//! sends is a frame of the protocol; and a second, independent session's `ping`
//! keeps being answered while the sequence runs. Missing frames are caught by the
//! hang guard ([`HANG_GUARD`]); nothing waits on the wall clock otherwise.
//!
//! Property tests follow one naming rule so `cargo xtask fuzz` finds them: the
//! test's name (or its module) contains `prop`, or its file is `hostile_*.rs`.
//! `PROPTEST_CASES` sets the number of cases (default [`DEFAULT_CASES`]).
//!
//! Owns only this property: the generator ([`Step`] and the strategies), the
//! driver ([`Session`], [`Watcher`]) and the accounting. Traffic goes to the
//! relay, its labs and the session's own sockets, all on 127.0.0.0/8 (and `::1`).

mod common;

use common::HANG_GUARD;
use futures::stream::{SplitSink, SplitStream};
use futures::{SinkExt, StreamExt};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::strategy::{BoxedStrategy, Union};
use proptest::test_runner::{Config as PropConfig, TestCaseError, TestRunner};
use relay::config::Config;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Cases per run when `PROPTEST_CASES` is not set: enough to cover the catalogue,
/// small enough for `cargo test` on a 2-core machine.
const DEFAULT_CASES: u32 = 48;

/// How long a step waits for the reply of an op that [answers soon](answers_soon)
/// before it moves on (pacing only: nothing is asserted about it).
const PACE: std::time::Duration = std::time::Duration::from_secs(2);

/// Close codes the relay may end a session with (docs/protocol.md, Transport).
const DOCUMENTED_CLOSE_CODES: [u16; 4] = [1000, 1008, 1009, 1013];

#[test]
fn prop_random_op_sequences_never_kill_a_session() {
    // The relay gets its own runtime, as a separate process would: a relay worker
    // stuck on one frame must not stop the driver's hang guards from firing.
    let relay_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("relay")
        .enable_all()
        .build()
        .expect("relay runtime");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("driver runtime");
    let relay = relay_rt.block_on(Env::start_relay());
    let env = rt.block_on(Env::new(relay));
    let mut config = PropConfig::with_cases(cases());
    config.failure_persistence = None;
    config.max_shrink_iters = 256;
    config.max_shrink_time = 120_000;
    let mut runner = TestRunner::new(config);
    let result = runner.run(&sequence(), |steps| rt.block_on(run_case(&env, steps)));
    env.print_coverage();
    // A relay still busy with a frame is not waited for.
    drop(env);
    relay_rt.shutdown_background();
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// `PROPTEST_CASES` when set (as `cargo xtask fuzz` does), else [`DEFAULT_CASES`].
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(DEFAULT_CASES)
}

// ======================================================================
// The relay under test
// ======================================================================

/// The relay shared by all cases, and what its `hello` says.
struct Env {
    relay: relay::Running,
    /// Lab name → port on 127.0.0.1.
    labs: BTreeMap<String, u16>,
    /// A port on 127.0.0.1 where nothing listens.
    closed_port: u16,
    /// Replies seen over all cases: (op, `ok` or the error code) → count.
    coverage: Mutex<BTreeMap<(String, String), u64>>,
    /// How cases ended: `finished` or the close code.
    endings: Mutex<BTreeMap<String, u64>>,
}

impl Env {
    async fn start_relay() -> relay::Running {
        let mut config = Config::for_tests();
        // Shrinking replays many cases; sessions of failed cases may linger.
        config.limits.max_sessions_per_ip = 256;
        common::start(config).await
    }

    async fn new(relay: relay::Running) -> Env {
        let hello = common::Client::connect(&relay).await.hello;
        let labs = hello["labs"]
            .as_object()
            .expect("hello.labs")
            .iter()
            .filter_map(|(name, addr)| Some((name.clone(), u16::try_from(addr[1].as_u64()?).ok()?)))
            .collect();
        let closed_port = common::closed_port().await;
        Env {
            relay,
            labs,
            closed_port,
            coverage: Mutex::default(),
            endings: Mutex::default(),
        }
    }

    /// Counts the replies of a case by op and outcome, and how it ended.
    fn record(&self, session: &Session, ending: String) {
        let seen = session.seen.lock().expect("seen lock");
        let mut coverage = self.coverage.lock().expect("coverage lock");
        for (re, replies) in &seen.replies {
            let op = session.op_of.get(re).map_or("?", String::as_str);
            let op = op.split(' ').next().unwrap_or(op);
            let op = if op
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_')
                && !op.is_empty()
            {
                op.to_owned()
            } else {
                "(unknown op)".to_owned()
            };
            for r in replies {
                let outcome = match r["err"]["code"].as_str() {
                    Some(code) => code.to_owned(),
                    None => "ok".to_owned(),
                };
                *coverage.entry((op.clone(), outcome)).or_default() += 1;
            }
        }
        *self
            .endings
            .lock()
            .expect("endings lock")
            .entry(ending)
            .or_default() += 1;
    }

    /// Prints what the cases reached (`cargo test -- --nocapture` shows it).
    fn print_coverage(&self) {
        let coverage = self.coverage.lock().expect("coverage lock");
        let mut by_op: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for ((op, outcome), n) in coverage.iter() {
            by_op.entry(op).or_default().push(format!("{outcome} {n}"));
        }
        println!("replies by op and outcome:");
        for (op, outcomes) in by_op {
            println!("  {op:<20} {}", outcomes.join(", "));
        }
        println!("cases: {:?}", self.endings.lock().expect("endings lock"));
    }

    fn lab(&self, name: &str) -> u16 {
        self.labs.get(name).copied().unwrap_or(self.closed_port)
    }

    fn addr(&self) -> SocketAddr {
        self.relay.addr
    }
}

// ======================================================================
// The generator
// ======================================================================

/// One step of a sequence. Handles, ports and earlier ids are chosen by index
/// and resolved when the step is played, against what the session has learned.
#[derive(Clone, Debug)]
enum Step {
    /// A request: an op template, plus junk fields and maybe one mistyped field.
    Request {
        id: IdChoice,
        tpl: Tpl,
        junk: Vec<(String, Value)>,
        mistype: Option<(Index, Value)>,
        /// Await the reply before the next step (only for ops that answer at once).
        sync: bool,
    },
    /// Valid requests, each awaited, that leave live handles to play with.
    Setup(Setup),
    /// A text frame whose `id` cannot be read: answered with an `error` event.
    Unreadable(String),
    /// A frame that may or may not parse (deep nesting): 0 or 1 reply.
    Nested { depth: usize },
    /// A binary frame addressed to a handle.
    Binary { handle: H, payload: Vec<u8> },
    /// A binary frame that is not a valid binary frame or names no handle.
    BadBinary(Vec<u8>),
    /// A text frame one byte over `max_message_bytes`: close 1009.
    Oversized,
    /// ~1 MiB of junk keys and one mistyped field .
    JunkKeys { keys: usize },
}

/// A state worth attacking, built with valid requests.
#[derive(Clone, Copy, Debug)]
enum Setup {
    /// A listener, a client connected to it and the accepted socket.
    TcpPair,
    /// A client connected to the TCP echo lab.
    EchoClient,
    /// A UDP socket bound on loopback.
    Udp,
    /// An HTTP connection object for the HTTP lab.
    Http,
    /// An FTP connection to the FTP lab, logged in as this user.
    Ftp(&'static str),
}

#[derive(Clone, Debug)]
enum IdChoice {
    Fresh,
    /// An id used earlier in this case (a duplicate while it is pending).
    Reuse(Index),
    Random(u64),
}

/// An op name and its fields, some of which are resolved at play time.
#[derive(Clone, Debug)]
struct Tpl {
    op: String,
    fields: Vec<(&'static str, F)>,
}

/// A field of a template.
#[derive(Clone, Debug)]
enum F {
    Omit,
    Val(Value),
    Handle(Kind, H),
    Handles(Vec<H>),
    Addr(Target),
    Port(Target),
    /// `"127.0.0.1:PORT"` of a target.
    HostPort(Target),
    /// `"http://127.0.0.1:PORT/get"`.
    AbsoluteUrl,
    /// The id of an earlier request (for `cancel`).
    EarlierId(Index),
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    Sock,
    Http,
    Ftp,
}

impl Kind {
    fn prefix(self) -> char {
        match self {
            Kind::Sock => 's',
            Kind::Http => 'h',
            Kind::Ftp => 'f',
        }
    }
}

/// A handle reference.
#[derive(Clone, Debug)]
enum H {
    /// A known handle of the expected kind (any handle when there is none).
    Typed(Index),
    /// Any known handle, of any kind, open or closed.
    Any(Index),
    /// A handle the relay never gave out.
    MadeUp(usize),
}

const MADE_UP_HANDLES: &[&str] = &[
    "s999999", "s0", "h1", "f1", "", "S1", "s1 ", "s-1", "s01", "ß1", "s\u{0}", "x",
];

/// Where a `connect`, `sendto`, `bind` or `*.open` points, always on loopback.
#[derive(Clone, Debug)]
enum Target {
    Lab(&'static str),
    /// A port the session bound, accepted on or connected to.
    OwnPort(Index),
    /// The relay's own HTTP/WebSocket port.
    Relay,
    Closed,
    PortZero,
    Fixed(&'static str, u16),
    /// An address that is not an address.
    Malformed(Value),
}

/// A few setups, then 10–60 random steps.
fn sequence() -> impl Strategy<Value = Vec<Step>> {
    (
        prop::collection::vec(setup(), 0..4),
        prop::collection::vec(step(), 10..=60),
    )
        .prop_map(|(mut setups, steps)| {
            setups.extend(steps);
            setups
        })
}

fn setup() -> impl Strategy<Value = Step> {
    prop_oneof![
        Just(Setup::TcpPair),
        Just(Setup::EchoClient),
        Just(Setup::Udp),
        Just(Setup::Http),
        Just(Setup::Ftp("anonymous")),
        Just(Setup::Ftp("learner")),
    ]
    .prop_map(Step::Setup)
}

fn step() -> BoxedStrategy<Step> {
    let options: Vec<(u32, BoxedStrategy<Step>)> = vec![
        (800, request().boxed()),
        (30, setup().boxed()),
        (40, unreadable().prop_map(Step::Unreadable).boxed()),
        (
            10,
            (1usize..300)
                .prop_map(|depth| Step::Nested { depth })
                .boxed(),
        ),
        (
            50,
            (handle(), prop::collection::vec(any::<u8>(), 0..2048))
                .prop_map(|(handle, payload)| Step::Binary { handle, payload })
                .boxed(),
        ),
        (20, bad_binary().prop_map(Step::BadBinary).boxed()),
        (2, Just(Step::Oversized).boxed()),
        // ~1 MiB frames with up to 68,000 junk keys and one mistyped field: the
        // decoder once re-read such a frame once per key and stalled the relay.
        (
            2,
            (1_000usize..68_000)
                .prop_map(|keys| Step::JunkKeys { keys })
                .boxed(),
        ),
    ];
    Union::new_weighted(options).boxed()
}

fn request() -> impl Strategy<Value = Step> {
    (
        id_choice(),
        op_template(),
        prop::collection::vec(junk_field(), 0..3),
        prop::option::weighted(0.1, (any::<Index>(), wrong_value())),
        prop::bool::weighted(0.7),
    )
        .prop_map(|(id, tpl, junk, mistype, sync)| Step::Request {
            id,
            tpl,
            junk,
            mistype,
            sync,
        })
}

fn id_choice() -> impl Strategy<Value = IdChoice> {
    prop_oneof![
        8 => Just(IdChoice::Fresh),
        1 => any::<Index>().prop_map(IdChoice::Reuse),
        1 => prop_oneof![Just(0u64), Just(u64::MAX), any::<u64>()].prop_map(IdChoice::Random),
    ]
}

fn junk_field() -> impl Strategy<Value = (String, Value)> {
    (
        "[a-z_]{1,10}".prop_filter("not id/op", |k| k != "id" && k != "op"),
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            "\\PC{0,16}".prop_map(Value::from),
            Just(json!([1, "two", {"three": null}])),
        ],
    )
}

/// A value of the wrong type for (almost) any field.
fn wrong_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!(42)),
        Just(json!(-1)),
        Just(json!(1.5)),
        Just(json!(1e300)),
        Just(json!("x")),
        Just(json!("")),
        Just(json!("\u{0}ß€")),
        Just(json!([])),
        Just(json!({})),
        Just(Value::Null),
        Just(json!(true)),
        Just(json!("x".repeat(1000))),
    ]
}

/// Text frames without a readable `id`.
fn unreadable() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("nope".to_owned()),
        Just("{".to_owned()),
        Just(String::new()),
        Just(r#"{"id": 1,"#.to_owned()),
        Just("[1, 2]".to_owned()),
        Just("42".to_owned()),
        Just("null".to_owned()),
        Just(r#""ping""#.to_owned()),
        Just(r#"{"op": "ping"}"#.to_owned()),
        Just(r#"{"id": "7", "op": "ping"}"#.to_owned()),
        Just(r#"{"id": -1, "op": "ping"}"#.to_owned()),
        Just(r#"{"id": 1.5, "op": "ping"}"#.to_owned()),
        Just(r#"{"id": 1e30, "op": "ping"}"#.to_owned()),
        Just(r#"{"id": 18446744073709551616, "op": "ping"}"#.to_owned()),
        Just(r#"{"id": null, "op": "ping"}"#.to_owned()),
        Just(r#"{"id": [1], "op": "ping"}"#.to_owned()),
        "\\PC{0,64}".prop_map(|s| format!("{{\"op\": {s:?}}}")),
        "\\PC{0,64}".prop_filter("not JSON", |s| serde_json::from_str::<Value>(s).is_err()),
    ]
}

fn bad_binary() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(Vec::new()),
        Just(vec![9, b's']),
        Just(vec![0]),
        Just(vec![0, 1, 2, 3]),
        Just(vec![2, 0xff, 0xfe, b'x']),
        Just(vec![255; 10]),
        prop::collection::vec(any::<u8>(), 0..64),
    ]
}

fn handle() -> impl Strategy<Value = H> {
    prop_oneof![
        6 => any::<Index>().prop_map(H::Typed),
        2 => any::<Index>().prop_map(H::Any),
        1 => (0..MADE_UP_HANDLES.len() + 1).prop_map(H::MadeUp),
    ]
}

fn sock() -> BoxedStrategy<F> {
    handle().prop_map(|h| F::Handle(Kind::Sock, h)).boxed()
}

fn conn(kind: Kind) -> BoxedStrategy<F> {
    handle().prop_map(move |h| F::Handle(kind, h)).boxed()
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![
        3 => prop_oneof![
            Just(Target::Lab("tcp_echo")),
            Just(Target::Lab("udp_echo")),
            Just(Target::Lab("chat")),
            Just(Target::Lab("http")),
            Just(Target::Lab("ftp")),
        ],
        3 => any::<Index>().prop_map(Target::OwnPort),
        1 => Just(Target::Relay),
        1 => Just(Target::Closed),
        1 => Just(Target::PortZero),
        1 => prop_oneof![
            Just(Target::Fixed("127.0.0.1", 1023)),
            Just(Target::Fixed("127.0.0.1", 80)),
            Just(Target::Fixed("127.0.0.2", 0)),
            Just(Target::Fixed("127.0.0.1", 20178)),
            Just(Target::Fixed("localhost", 0)),
            Just(Target::Fixed("::1", 0)),
            Just(Target::Fixed("[::1]", 0)),
            Just(Target::Fixed("", 0)),
            Just(Target::Fixed("0.0.0.0", 0)),
            Just(Target::Fixed("<broadcast>", 9)),
        ],
        1 => prop_oneof![
            Just(json!(["127.0.0.1"])),
            Just(json!(["127.0.0.1", 70000])),
            Just(json!(["127.0.0.1", -1])),
            Just(json!([1, 2])),
            Just(json!("127.0.0.1:80")),
            Just(json!(["127.0.0.1", 80, 0])),
            Just(json!(["999.1.1.1", 80])),
            Just(json!(["127.0.0.1\u{0}", 80])),
        ]
        .prop_map(Target::Malformed),
    ]
}

fn addr() -> BoxedStrategy<F> {
    target().prop_map(F::Addr).boxed()
}

fn val<T: Into<Value> + Clone + std::fmt::Debug + 'static>(v: T) -> BoxedStrategy<F> {
    Just(F::Val(v.into())).boxed()
}

fn one_of(values: Vec<Value>) -> BoxedStrategy<F> {
    prop::sample::select(values).prop_map(F::Val).boxed()
}

/// Mostly a valid value, sometimes a hostile one.
fn mostly(valid: Vec<Value>, hostile: Vec<Value>) -> BoxedStrategy<F> {
    prop_oneof![5 => one_of(valid), 1 => one_of(hostile)].boxed()
}

fn maybe(s: BoxedStrategy<F>) -> BoxedStrategy<F> {
    prop_oneof![1 => Just(F::Omit), 3 => s].boxed()
}

fn data() -> BoxedStrategy<F> {
    prop_oneof![
        4 => "\\PC{0,40}".prop_map(|s| F::Val(json!({ "text": s }))),
        2 => prop::collection::vec(any::<u8>(), 0..64).prop_map(|b| {
            use base64::Engine;
            F::Val(json!({ "b64": base64::engine::general_purpose::STANDARD.encode(b) }))
        }),
        1 => one_of(vec![
            json!({"text": ""}),
            json!({"b64": "!!!"}),
            json!({"b64": "YQ"}),
            json!({"text": "a", "b64": "YQ=="}),
            json!({}),
            json!("plain"),
            json!({"text": "x".repeat(60_000)}),
        ]),
    ]
    .boxed()
}

fn encoding() -> BoxedStrategy<F> {
    maybe(one_of(vec![json!("text"), json!("b64"), json!("utf-16")]))
}

/// Small timeouts: a blocking call ends quickly, or is cancelled at the end.
fn timeout() -> BoxedStrategy<F> {
    mostly(
        vec![Value::Null, json!(0), json!(0.01), json!(0.05), json!(0.2)],
        vec![json!(-1), json!(1e300)],
    )
}

fn bufsize() -> BoxedStrategy<F> {
    mostly(
        vec![json!(1), json!(16), json!(1024), json!(65536)],
        vec![
            json!(0),
            json!(1 << 20),
            json!(1u64 << 31),
            json!(u64::MAX),
            json!(-1),
        ],
    )
}

fn recv_flags() -> BoxedStrategy<F> {
    maybe(one_of(vec![
        json!([]),
        json!(["MSG_PEEK"]),
        json!(["MSG_PEEK", "MSG_PEEK"]),
        json!(["MSG_OOB"]),
    ]))
}

fn ftp_text(plain: &[&'static str], non_ascii: &[&'static str]) -> BoxedStrategy<F> {
    // Non-ASCII commands once panicked the session (a byte slice inside a character).
    let all: Vec<Value> = plain.iter().chain(non_ascii).map(|s| json!(s)).collect();
    one_of(all)
}

fn ftp_cmd() -> BoxedStrategy<F> {
    prop_oneof![
        8 => ftp_text(
            &["NOOP", "PWD", "SYST", "TYPE I", "TYPE A", "HELP", "", "NOOP\r\nDELE welcome.txt", "FEAT", "STAT", "BOGUS"],
            &["ÄÖÜ", "CWD ü", "NOOP é", "€", "\u{0}"],
        ),
        1 => Just(F::Val(json!("N".repeat(9000)))),
    ]
    .boxed()
}

fn ftp_path() -> BoxedStrategy<F> {
    ftp_text(
        &[
            "welcome.txt",
            "uploads",
            "uploads/tmp",
            "..",
            "",
            "nope",
            "docs/protocols",
            "/",
        ],
        &["ü", "uploads/ñandú", "日本"],
    )
}

/// One op of the catalogue, with plausible and hostile arguments.
fn op_template() -> BoxedStrategy<Tpl> {
    let t = |op: &'static str, fields: Vec<(&'static str, BoxedStrategy<F>)>| {
        let (names, strategies): (Vec<_>, Vec<_>) = fields.into_iter().unzip();
        strategies
            .prop_map(move |values| Tpl {
                op: op.to_owned(),
                fields: names.iter().copied().zip(values).collect(),
            })
            .boxed()
    };
    let socket_ops: Vec<(u32, BoxedStrategy<Tpl>)> =
        vec![
            (
                10,
                t(
                    "socket",
                    vec![
                    (
                        "family",
                        maybe(mostly(
                            vec![json!("AF_INET"), json!("AF_INET"), json!("AF_INET6")],
                            vec![json!("AF_UNIX"), json!("AF_BOGUS")],
                        )),
                    ),
                    (
                        "type",
                        maybe(mostly(
                            vec![json!("SOCK_STREAM"), json!("SOCK_STREAM"), json!("SOCK_DGRAM")],
                            vec![json!("SOCK_RAW")],
                        )),
                    ),
                    (
                        "proto",
                        prop_oneof![
                            6 => Just(F::Omit),
                            1 => one_of(vec![json!(0), json!(6), json!(17), json!(-1), json!(255)]),
                        ]
                        .boxed(),
                    ),
                ],
                ),
            ),
            (3, t("bind", vec![("sock", sock()), ("addr", addr())])),
            (
                2,
                t(
                    "listen",
                    vec![
                        ("sock", sock()),
                        (
                            "backlog",
                            maybe(mostly(
                                vec![json!(0), json!(1), json!(5), json!(128)],
                                vec![json!(-5), json!(100_000), json!(i64::MAX)],
                            )),
                        ),
                    ],
                ),
            ),
            (2, t("accept", vec![("sock", sock())])),
            (3, t("connect", vec![("sock", sock()), ("addr", addr())])),
            (2, t("connect_ex", vec![("sock", sock()), ("addr", addr())])),
            (2, t("send", vec![("sock", sock()), ("data", data())])),
            (2, t("sendall", vec![("sock", sock()), ("data", data())])),
            (
                2,
                t(
                    "sendto",
                    vec![("sock", sock()), ("data", data()), ("addr", addr())],
                ),
            ),
            (
                3,
                t(
                    "recv",
                    vec![
                        ("sock", sock()),
                        ("bufsize", bufsize()),
                        ("flags", recv_flags()),
                        ("encoding", encoding()),
                    ],
                ),
            ),
            (
                2,
                t(
                    "recvfrom",
                    vec![
                        ("sock", sock()),
                        ("bufsize", bufsize()),
                        ("flags", recv_flags()),
                        ("encoding", encoding()),
                    ],
                ),
            ),
            (
                2,
                t(
                    "setblocking",
                    vec![
                        ("sock", sock()),
                        ("flag", one_of(vec![json!(true), json!(false)])),
                    ],
                ),
            ),
            (
                3,
                t(
                    "settimeout",
                    vec![("sock", sock()), ("timeout", maybe(timeout()))],
                ),
            ),
            (
                2,
                t(
                    "setsockopt",
                    vec![
                        ("sock", sock()),
                        (
                            "level",
                            mostly(
                                vec![json!("SOL_SOCKET"), json!("IPPROTO_TCP")],
                                vec![json!("SOL_BOGUS")],
                            ),
                        ),
                        (
                            "name",
                            one_of(vec![
                                json!("SO_REUSEADDR"),
                                json!("SO_KEEPALIVE"),
                                json!("SO_BROADCAST"),
                                json!("SO_RCVBUF"),
                                json!("SO_SNDBUF"),
                                json!("TCP_NODELAY"),
                                json!("SO_BOGUS"),
                            ]),
                        ),
                        (
                            "value",
                            mostly(
                                vec![json!(0), json!(1), json!(true), json!(65536)],
                                vec![
                                    json!(-1),
                                    json!(1i64 << 40),
                                    json!(i64::MAX),
                                    json!(i64::MIN),
                                ],
                            ),
                        ),
                    ],
                ),
            ),
            (
                1,
                t(
                    "getsockopt",
                    vec![
                        ("sock", sock()),
                        (
                            "level",
                            one_of(vec![json!("SOL_SOCKET"), json!("IPPROTO_TCP")]),
                        ),
                        (
                            "name",
                            one_of(vec![
                                json!("SO_RCVBUF"),
                                json!("TCP_NODELAY"),
                                json!("SO_REUSEADDR"),
                            ]),
                        ),
                    ],
                ),
            ),
            (1, t("getsockname", vec![("sock", sock())])),
            (1, t("getpeername", vec![("sock", sock())])),
            (
                2,
                t(
                    "shutdown",
                    vec![
                        ("sock", sock()),
                        (
                            "how",
                            mostly(
                                vec![json!("SHUT_RD"), json!("SHUT_WR"), json!("SHUT_RDWR")],
                                vec![json!("SHUT_NONE")],
                            ),
                        ),
                    ],
                ),
            ),
            (
                3,
                t(
                    "close",
                    vec![(
                        "sock",
                        handle().prop_map(|h| F::Handle(Kind::Sock, h)).boxed(),
                    )],
                ),
            ),
            (1, t("close", vec![("sock", any_handle())])),
            (
                2,
                t(
                    "select",
                    vec![
                        (
                            "rlist",
                            maybe(
                                prop::collection::vec(handle(), 0..4)
                                    .prop_map(F::Handles)
                                    .boxed(),
                            ),
                        ),
                        (
                            "wlist",
                            maybe(
                                prop::collection::vec(handle(), 0..4)
                                    .prop_map(F::Handles)
                                    .boxed(),
                            ),
                        ),
                        (
                            "xlist",
                            maybe(
                                prop::collection::vec(handle(), 0..2)
                                    .prop_map(F::Handles)
                                    .boxed(),
                            ),
                        ),
                        ("timeout", maybe(timeout())),
                    ],
                ),
            ),
            (1, t("tcp_info", vec![("sock", sock())])),
            (
                2,
                t("pipe", vec![("sock", sock()), ("encoding", encoding())]),
            ),
            (2, t("cancel", vec![("target", cancel_target())])),
            (2, t("ping", vec![])),
            (
                1,
                t(
                    "auth",
                    vec![("token", one_of(vec![json!(""), json!("wrong"), json!(42)]))],
                ),
            ),
            (
                1,
                "\\PC{0,20}"
                    .prop_map(|op| Tpl {
                        op,
                        fields: Vec::new(),
                    })
                    .boxed(),
            ),
        ];
    let h = || conn(Kind::Http);
    let http_ops: Vec<(u32, BoxedStrategy<Tpl>)> = vec![
        (
            4,
            t(
                "http.open",
                vec![
                    (
                        "host",
                        prop_oneof![
                            12 => val("127.0.0.1"),
                            1 => val("localhost"),
                            1 => Just(F::HostPort(Target::Lab("http"))).boxed(),
                            1 => one_of(vec![json!("[::1]"), json!(""), json!("bad host\r\n"), json!("127.0.0.1:http"), json!(7)]),
                        ]
                        .boxed(),
                    ),
                    (
                        "port",
                        prop_oneof![
                            12 => Just(F::Port(Target::Lab("http"))).boxed(),
                            1 => Just(F::Omit).boxed(),
                            1 => Just(F::Port(Target::Closed)).boxed(),
                            1 => one_of(vec![json!(0), json!(70000), json!("80")]),
                        ]
                        .boxed(),
                    ),
                    (
                        "timeout",
                        maybe(mostly(vec![json!(5), Value::Null], vec![json!(0.05), json!(-1)])),
                    ),
                    ("tls", maybe(prop::bool::weighted(0.1).prop_map(|b| F::Val(json!(b))).boxed())),
                ],
            ),
        ),
        (
            4,
            t(
                "http.request",
                vec![
                    ("conn", h()),
                    ("method", http_method()),
                    ("url", http_url()),
                    ("body", maybe(data())),
                    ("headers", maybe(http_headers())),
                ],
            ),
        ),
        (
            2,
            t(
                "http.putrequest",
                vec![
                    ("conn", h()),
                    ("method", http_method()),
                    ("url", http_url()),
                    ("skip_host", maybe(one_of(vec![json!(true), json!(false)]))),
                    ("skip_accept_encoding", maybe(one_of(vec![json!(true), json!(false)]))),
                ],
            ),
        ),
        (
            2,
            t(
                "http.putheader",
                vec![
                    ("conn", h()),
                    (
                        "header",
                        one_of(vec![
                            json!("X-Test"),
                            json!("Content-Length"),
                            json!(""),
                            json!("bad:name"),
                            json!(" lead"),
                            json!("X\r\nY"),
                        ]),
                    ),
                    (
                        "values",
                        one_of(vec![
                            json!(["a"]),
                            json!(["a", "b"]),
                            json!([]),
                            json!(["v\r\nInjected: 1"]),
                            json!(["\u{0100}"]),
                            json!(["é"]),
                            json!(["x".repeat(100_000)]),
                        ]),
                    ),
                ],
            ),
        ),
        (2, t("http.endheaders", vec![("conn", h()), ("body", maybe(data()))])),
        (1, t("http.send", vec![("conn", h()), ("data", data())])),
        (3, t("http.getresponse", vec![("conn", h())])),
        (
            3,
            t(
                "http.read",
                vec![
                    ("conn", h()),
                    (
                        "amt",
                        maybe(one_of(vec![json!(0), json!(1), json!(100), json!(1u64 << 40), json!(-1)])),
                    ),
                    ("encoding", encoding()),
                ],
            ),
        ),
        (1, t("http.close", vec![("conn", h())])),
    ];
    let f = || conn(Kind::Ftp);
    let ftp_ops: Vec<(u32, BoxedStrategy<Tpl>)> = vec![
        (
            4,
            t(
                "ftp.connect",
                vec![
                    (
                        "host",
                        prop_oneof![6 => val("127.0.0.1"), 1 => val("localhost"), 1 => val("")]
                            .boxed(),
                    ),
                    (
                        "port",
                        prop_oneof![
                            8 => Just(F::Port(Target::Lab("ftp"))).boxed(),
                            1 => Just(F::Port(Target::Lab("http"))).boxed(),
                            1 => Just(F::Port(Target::Closed)).boxed(),
                        ]
                        .boxed(),
                    ),
                    (
                        "timeout",
                        maybe(one_of(vec![json!(5), json!(0.05), Value::Null])),
                    ),
                ],
            ),
        ),
        (
            3,
            t(
                "ftp.login",
                vec![
                    ("conn", f()),
                    (
                        "user",
                        maybe(one_of(vec![
                            json!("anonymous"),
                            json!("learner"),
                            json!(""),
                            json!("bad\r\nuser"),
                        ])),
                    ),
                    (
                        "passwd",
                        maybe(one_of(vec![json!("learner"), json!("wrong"), json!("")])),
                    ),
                ],
            ),
        ),
        (3, t("ftp.sendcmd", vec![("conn", f()), ("cmd", ftp_cmd())])),
        (2, t("ftp.voidcmd", vec![("conn", f()), ("cmd", ftp_cmd())])),
        (1, t("ftp.getwelcome", vec![("conn", f())])),
        (
            1,
            t(
                "ftp.set_pasv",
                vec![
                    ("conn", f()),
                    ("val", one_of(vec![json!(true), json!(false)])),
                ],
            ),
        ),
        (
            1,
            t(
                "ftp.set_debuglevel",
                vec![
                    ("conn", f()),
                    (
                        "level",
                        one_of(vec![json!(0), json!(1), json!(255), json!(256)]),
                    ),
                ],
            ),
        ),
        (
            2,
            t(
                "ftp.retrbinary",
                vec![
                    ("conn", f()),
                    (
                        "cmd",
                        ftp_text(
                            &[
                                "RETR welcome.txt",
                                "RETR nope",
                                "LIST",
                                "RETR binary/sample-1MiB.bin",
                            ],
                            &["RETR ü"],
                        ),
                    ),
                    (
                        "blocksize",
                        maybe(one_of(vec![
                            json!(0),
                            json!(8192),
                            json!(65536),
                            json!(262_145),
                        ])),
                    ),
                    (
                        "rest",
                        maybe(one_of(vec![json!(0), json!(10), json!(u64::MAX)])),
                    ),
                    ("frames", maybe(one_of(vec![json!(true), json!(false)]))),
                ],
            ),
        ),
        (
            2,
            t(
                "ftp.retrlines",
                vec![
                    ("conn", f()),
                    (
                        "cmd",
                        maybe(ftp_text(
                            &[
                                "LIST",
                                "NLST",
                                "RETR welcome.txt",
                                "RETR docs/protocols/ftp/notes.txt",
                            ],
                            &["LIST ü"],
                        )),
                    ),
                ],
            ),
        ),
        (
            1,
            t(
                "ftp.dir",
                vec![
                    ("conn", f()),
                    (
                        "args",
                        maybe(one_of(vec![
                            json!([]),
                            json!(["docs"]),
                            json!(["-la", "nope"]),
                        ])),
                    ),
                ],
            ),
        ),
        (
            1,
            t(
                "ftp.nlst",
                vec![
                    ("conn", f()),
                    (
                        "args",
                        maybe(one_of(vec![json!([]), json!(["docs"]), json!(["nope"])])),
                    ),
                ],
            ),
        ),
        (
            2,
            t(
                "ftp.storbinary",
                vec![
                    ("conn", f()),
                    (
                        "cmd",
                        ftp_text(
                            &["STOR uploads/x.bin", "STOR welcome.txt", "STOR "],
                            &["STOR uploads/ü.bin"],
                        ),
                    ),
                    ("data", maybe(data())),
                    (
                        "size",
                        maybe(one_of(vec![json!(0), json!(10), json!(4096)])),
                    ),
                ],
            ),
        ),
        (
            1,
            t(
                "ftp.storlines",
                vec![
                    ("conn", f()),
                    ("cmd", ftp_text(&["STOR uploads/lines.txt"], &[])),
                    ("data", maybe(data())),
                    ("size", maybe(one_of(vec![json!(5)]))),
                ],
            ),
        ),
        (
            1,
            t(
                "ftp.rename",
                vec![
                    ("conn", f()),
                    ("fromname", ftp_path()),
                    ("toname", ftp_path()),
                ],
            ),
        ),
        (
            1,
            t("ftp.delete", vec![("conn", f()), ("name", ftp_path())]),
        ),
        (1, t("ftp.size", vec![("conn", f()), ("name", ftp_path())])),
        (
            2,
            t("ftp.cwd", vec![("conn", f()), ("dirname", ftp_path())]),
        ),
        (
            1,
            t("ftp.mkd", vec![("conn", f()), ("dirname", ftp_path())]),
        ),
        (
            1,
            t("ftp.rmd", vec![("conn", f()), ("dirname", ftp_path())]),
        ),
        (1, t("ftp.pwd", vec![("conn", f())])),
        (1, t("ftp.abort", vec![("conn", f())])),
        (1, t("ftp.quit", vec![("conn", f())])),
        (1, t("ftp.close", vec![("conn", f())])),
    ];
    Union::new_weighted(vec![
        (6, Union::new_weighted(socket_ops).boxed()),
        (2, Union::new_weighted(http_ops).boxed()),
        (2, Union::new_weighted(ftp_ops).boxed()),
    ])
    .boxed()
}

/// Any known handle (socket, HTTP or FTP) for the generic `close`.
fn any_handle() -> BoxedStrategy<F> {
    handle()
        .prop_map(|h| {
            let h = match h {
                H::Typed(i) => H::Any(i),
                other => other,
            };
            F::Handle(Kind::Sock, h)
        })
        .boxed()
}

fn http_method() -> BoxedStrategy<F> {
    mostly(
        vec![json!("GET"), json!("GET"), json!("POST"), json!("HEAD")],
        vec![json!(""), json!("G\r\nET"), json!("GÉT")],
    )
}

fn http_url() -> BoxedStrategy<F> {
    prop_oneof![
        8 => mostly(
            vec![
                json!("/get"),
                json!("/status/404"),
                json!("/status/302"),
                json!("/bytes/100"),
                json!("/chunked/3"),
                json!("/redirect/2"),
                json!("/headers"),
                json!("/post"),
            ],
            vec![json!(""), json!("/a b"), json!("/\r\nX: y"), json!("/ü")],
        ),
        1 => Just(F::AbsoluteUrl).boxed(),
    ]
    .boxed()
}

fn http_headers() -> BoxedStrategy<F> {
    mostly(
        vec![
            json!([["X-A", "b"]]),
            json!([["Host", "example"]]),
            json!([["Content-Length", "3"]]),
            json!([["Transfer-Encoding", "chunked"]]),
        ],
        vec![
            json!([["bad:name", "v"]]),
            json!([["X", "v\r\nInjected: 1"]]),
            json!([["X", "ü€"]]),
            json!([["only-one"]]),
            json!({"X": "object, not pairs"}),
        ],
    )
}

fn cancel_target() -> BoxedStrategy<F> {
    prop_oneof![
        4 => any::<Index>().prop_map(F::EarlierId).boxed(),
        1 => one_of(vec![json!(0), json!(u64::MAX), json!(123_456_789)]),
    ]
    .boxed()
}

// ======================================================================
// The driver
// ======================================================================

/// Why a case stopped early.
enum Stop {
    /// The relay closed the session with this close frame.
    Closed(u16, String),
    /// The property failed.
    Fail(String),
}

impl From<String> for Stop {
    fn from(s: String) -> Stop {
        Stop::Fail(s)
    }
}

/// How the session's WebSocket ended, as the reader saw it.
#[derive(Clone, Debug)]
enum Ended {
    Frame(u16, String),
    /// Closed without a close frame (EOF or error): the property fails.
    Abrupt(String),
}

/// What the reader task learned from the relay's frames.
#[derive(Default)]
struct Seen {
    /// Replies by `re`.
    replies: HashMap<u64, Vec<Value>>,
    /// Every handle named in an `ok` reply, in order.
    handles: Vec<String>,
    /// Loopback ports named in `ok` replies (bound, accepted, peers).
    ports: Vec<u16>,
    /// Frames that are not frames of the protocol.
    violations: Vec<String>,
    ended: Option<Ended>,
}

impl Seen {
    fn take_text(&mut self, text: &str) {
        let v: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                self.violations.push(format!("invalid JSON ({e}): {text}"));
                return;
            }
        };
        if let Err(e) = serde_json::from_value::<shared::ServerFrame>(v.clone()) {
            self.violations
                .push(format!("not a protocol frame ({e}): {text}"));
        }
        let Some(re) = v.get("re") else { return };
        let Some(re) = re.as_u64() else {
            self.violations.push(format!("`re` is not a u64: {text}"));
            return;
        };
        if let Some(ok) = v.get("ok") {
            for key in ["sock", "conn"] {
                if let Some(h) = ok.get(key).and_then(Value::as_str) {
                    if !self.handles.iter().any(|known| known == h) {
                        self.handles.push(h.to_owned());
                    }
                }
            }
            if let Some(port) = loopback_port(&ok["addr"]) {
                if !self.ports.contains(&port) {
                    self.ports.push(port);
                }
            }
        }
        self.replies.entry(re).or_default().push(v);
    }

    fn reply_count(&self, id: u64) -> usize {
        self.replies.get(&id).map_or(0, Vec::len)
    }
}

fn loopback_port(addr: &Value) -> Option<u16> {
    let host = addr.get(0)?.as_str()?;
    let port = u16::try_from(addr.get(1)?.as_u64()?).ok()?;
    (host.starts_with("127.") || host == "::1").then_some(port)
}

/// Reads the session's frames into [`Seen`]; bumps `tick` after each frame.
async fn read_frames(mut rx: SplitStream<Ws>, seen: Arc<Mutex<Seen>>, tick: watch::Sender<u64>) {
    let mut n = 0u64;
    loop {
        let msg = rx.next().await;
        let done = {
            let mut s = seen.lock().expect("seen lock");
            match msg {
                Some(Ok(Message::Text(t))) => {
                    s.take_text(t.as_str());
                    false
                }
                Some(Ok(Message::Close(frame))) => {
                    s.ended = Some(match frame {
                        Some(f) => Ended::Frame(u16::from(f.code), f.reason.as_str().to_owned()),
                        None => Ended::Abrupt("a close frame without a code".into()),
                    });
                    true
                }
                Some(Ok(_)) => false,
                Some(Err(e)) => {
                    s.ended = Some(Ended::Abrupt(format!("WebSocket error: {e}")));
                    true
                }
                None => {
                    s.ended = Some(Ended::Abrupt("the connection ended".into()));
                    true
                }
            }
        };
        n += 1;
        tick.send_replace(n);
        if done {
            return;
        }
    }
}

/// What the session knows when a step is rendered.
struct Known {
    /// Every handle the relay gave out.
    all: Vec<String>,
    /// Those not closed by this test (as far as it knows).
    open: Vec<String>,
    /// Loopback ports seen in replies.
    ports: Vec<u16>,
}

/// The session under test.
struct Session {
    tx: SplitSink<Ws, Message>,
    seen: Arc<Mutex<Seen>>,
    tick: watch::Receiver<u64>,
    reader: JoinHandle<()>,
    next_id: u64,
    /// Requests sent per id whose reply is owed.
    owed: BTreeMap<u64, usize>,
    /// Ids of frames that may or may not be answered (at most once).
    maybe: BTreeSet<u64>,
    /// The last op sent with each id (for messages).
    op_of: HashMap<u64, String>,
    /// Ids in the order they were first used.
    ids: Vec<u64>,
    /// `close`-like requests: (id, handle).
    closing: Vec<(u64, String)>,
    max_message_bytes: usize,
    /// What was played, for the failure message.
    transcript: Vec<String>,
}

impl Session {
    async fn open(addr: SocketAddr) -> Result<Session, String> {
        let (ws, _) = tokio::time::timeout(
            HANG_GUARD,
            tokio_tungstenite::connect_async(common::ws_url(addr)),
        )
        .await
        .map_err(|_| "the WebSocket upgrade hung".to_owned())?
        .map_err(|e| format!("the WebSocket upgrade failed: {e}"))?;
        let (tx, mut rx) = ws.split();
        let hello = match tokio::time::timeout(HANG_GUARD, rx.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => serde_json::from_str::<Value>(t.as_str())
                .map_err(|e| format!("hello is not JSON: {e}"))?,
            other => return Err(format!("expected hello, got {other:?}")),
        };
        let max_message_bytes = hello["limits"]["max_message_bytes"]
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| format!("hello without limits.max_message_bytes: {hello}"))?;
        let seen = Arc::new(Mutex::new(Seen::default()));
        let (tick_tx, tick) = watch::channel(0);
        let reader = tokio::spawn(read_frames(rx, seen.clone(), tick_tx));
        Ok(Session {
            tx,
            seen,
            tick,
            reader,
            next_id: 1,
            owed: BTreeMap::new(),
            maybe: BTreeSet::new(),
            op_of: HashMap::new(),
            ids: Vec::new(),
            closing: Vec::new(),
            max_message_bytes,
            transcript: Vec::new(),
        })
    }

    fn fresh_id(&mut self) -> u64 {
        loop {
            let id = self.next_id;
            self.next_id += 1;
            if !self.owed.contains_key(&id) && !self.maybe.contains(&id) {
                return id;
            }
        }
    }

    fn snapshot(&self) -> Known {
        let s = self.seen.lock().expect("seen lock");
        let closed: Vec<&String> = self
            .closing
            .iter()
            .filter(|(id, _)| {
                s.replies
                    .get(id)
                    .is_some_and(|r| r.iter().any(|v| v.get("ok").is_some()))
            })
            .map(|(_, h)| h)
            .collect();
        Known {
            open: s
                .handles
                .iter()
                .filter(|h| !closed.contains(h))
                .cloned()
                .collect(),
            all: s.handles.clone(),
            ports: s.ports.clone(),
        }
    }

    /// Whether the session ended without a close frame.
    fn ended_abruptly(&self) -> bool {
        matches!(
            self.seen.lock().expect("seen lock").ended,
            Some(Ended::Abrupt(_))
        )
    }

    /// Sends one frame; a failure to send is the session having ended.
    async fn send(&mut self, msg: Message) -> Result<(), Stop> {
        match tokio::time::timeout(HANG_GUARD, self.tx.send(msg)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => {
                // The relay may have closed the session: the reader sees why.
                self.wait_for("the end of the session", |s| s.ended.is_some())
                    .await?;
                Err(Stop::Fail(format!(
                    "sending failed ({e}) but the session did not end"
                )))
            }
            Err(_) => Err(Stop::Fail(format!(
                "the relay did not take a frame for {HANG_GUARD:?} (it stopped reading the session)"
            ))),
        }
    }

    /// Waits until `cond` holds; fails after [`HANG_GUARD`], stops when the session ended.
    async fn wait_for(&mut self, what: &str, cond: impl Fn(&Seen) -> bool) -> Result<(), Stop> {
        let wait = async {
            loop {
                self.tick.borrow_and_update();
                {
                    let s = self.seen.lock().expect("seen lock");
                    if cond(&s) {
                        return Ok(());
                    }
                    match &s.ended {
                        Some(Ended::Frame(code, reason)) => {
                            return Err(Stop::Closed(*code, reason.clone()))
                        }
                        Some(Ended::Abrupt(why)) => {
                            return Err(Stop::Fail(format!(
                                "the session died without a close frame ({why}) while waiting for {what}"
                            )))
                        }
                        None => {}
                    }
                }
                if self.tick.changed().await.is_err() {
                    // The reader ended: its last state is final; look once more.
                    let s = self.seen.lock().expect("seen lock");
                    if cond(&s) {
                        return Ok(());
                    }
                    return Err(match &s.ended {
                        Some(Ended::Frame(code, reason)) => Stop::Closed(*code, reason.clone()),
                        _ => Stop::Fail(format!("the reader ended while waiting for {what}")),
                    });
                }
            }
        };
        match tokio::time::timeout(HANG_GUARD, wait).await {
            Ok(r) => r,
            Err(_) => Err(Stop::Fail(format!(
                "hung for {HANG_GUARD:?} waiting for {what}"
            ))),
        }
    }

    /// Plays the steps; the watcher pings after each one.
    async fn play(&mut self, env: &Env, steps: &[Step], watcher: &Watcher) -> Result<(), Stop> {
        for step in steps {
            self.play_step(env, step).await?;
            watcher.nudge();
        }
        Ok(())
    }

    async fn play_step(&mut self, env: &Env, step: &Step) -> Result<(), Stop> {
        match step {
            Step::Request {
                id,
                tpl,
                junk,
                mistype,
                sync,
            } => {
                let id = match id {
                    IdChoice::Fresh => self.fresh_id(),
                    IdChoice::Reuse(i) if !self.ids.is_empty() => *i.get(&self.ids),
                    IdChoice::Reuse(_) => self.fresh_id(),
                    IdChoice::Random(n) if self.maybe.contains(n) => self.fresh_id(),
                    IdChoice::Random(n) => *n,
                };
                let mut map = self.render(env, tpl);
                for (k, v) in junk {
                    map.insert(k.clone(), v.clone());
                }
                if let Some((i, wrong)) = mistype {
                    let keys: Vec<String> = map.keys().cloned().collect();
                    if !keys.is_empty() {
                        map.insert(i.get(&keys).clone(), wrong.clone());
                    }
                }
                map.insert("id".into(), json!(id));
                if matches!(tpl.op.as_str(), "close" | "ftp.close" | "ftp.quit") {
                    let h = map.get("sock").or_else(|| map.get("conn"));
                    if let Some(h) = h.and_then(Value::as_str) {
                        self.closing.push((id, h.to_owned()));
                    }
                }
                let text = Value::Object(map).to_string();
                self.log(&text);
                let before = self.seen.lock().expect("seen lock").reply_count(id);
                *self.owed.entry(id).or_default() += 1;
                if !self.ids.contains(&id) {
                    self.ids.push(id);
                }
                self.op_of.insert(id, tpl.op.clone());
                self.send(Message::text(text)).await?;
                if *sync && answers_at_once(&tpl.op) {
                    let what = format!("the reply to request {id} ({})", tpl.op);
                    self.wait_for(&what, |s| s.reply_count(id) > before).await?;
                } else if *sync && answers_soon(&tpl.op) {
                    self.pace(id, before).await?;
                }
            }
            Step::Setup(setup) => self.setup(env, *setup).await?,
            Step::Unreadable(text) => {
                self.log(text);
                self.send(Message::text(text.clone())).await?;
            }
            Step::Nested { depth } => {
                let id = self.fresh_id();
                self.maybe.insert(id);
                let text = format!(
                    "{{\"id\": {id}, \"op\": \"ping\", \"deep\": {}{}}}",
                    "[".repeat(*depth),
                    "]".repeat(*depth)
                );
                self.log(&format!(
                    "{{\"id\": {id}, \"op\": \"ping\", \"deep\": [×{depth}]}}"
                ));
                self.send(Message::text(text)).await?;
            }
            Step::Binary { handle, payload } => {
                let h = resolve(handle, None, &self.snapshot());
                self.log(&format!("binary frame for {h:?}, {} bytes", payload.len()));
                if h.is_empty() || h.len() > 255 {
                    return Ok(());
                }
                self.send(Message::binary(shared::binary::encode(&h, payload)))
                    .await?;
            }
            Step::BadBinary(bytes) => {
                self.log(&format!("binary frame {bytes:?}"));
                self.send(Message::binary(bytes.clone())).await?;
            }
            Step::Oversized => {
                let id = self.fresh_id();
                self.maybe.insert(id);
                let pad = "x".repeat(self.max_message_bytes);
                self.log(&format!("an oversized ping ({} bytes)", pad.len() + 40));
                let text = json!({"id": id, "op": "ping", "pad": pad}).to_string();
                // The relay refuses the frame from its header and closes with 1009.
                // A client still writing the rest of the frame may instead see the
                // connection reset: the kernel discards the close frame when the
                // relay closes a socket with unread bytes (docs/protocol.md,
                // Transport). Both end the session on purpose.
                let sent =
                    tokio::time::timeout(HANG_GUARD, self.tx.send(Message::text(text))).await;
                if sent.is_err() {
                    return Err(Stop::Fail(format!(
                        "the relay did not take an oversized frame for {HANG_GUARD:?}"
                    )));
                }
                // `wait_for` ends with the close frame's code, or fails on a reset.
                return match self
                    .wait_for("the close after an oversized frame", |_| false)
                    .await
                {
                    Err(Stop::Fail(_)) if self.ended_abruptly() => Err(Stop::Closed(
                        1009,
                        "reset while the frame was still being sent".into(),
                    )),
                    other => other,
                };
            }
            Step::JunkKeys { keys } => {
                let id = self.fresh_id();
                self.maybe.insert(id);
                let text = junk_keys_frame(id, *keys, self.max_message_bytes);
                self.log(&format!(
                    "{{\"id\": {id}, \"op\": \"recv\", \"bufsize\": \"x\", …{keys} junk keys}} ({} bytes)",
                    text.len()
                ));
                self.send(Message::text(text)).await?;
            }
        }
        Ok(())
    }

    /// Sends a valid request and awaits its reply (which may be an error).
    async fn call(&mut self, request: Value) -> Result<Value, Stop> {
        let id = self.fresh_id();
        let mut map = match request {
            Value::Object(map) => map,
            other => return Err(Stop::Fail(format!("not a request: {other}"))),
        };
        map.insert("id".into(), json!(id));
        let op = map
            .get("op")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_owned();
        let text = Value::Object(map).to_string();
        self.log(&text);
        *self.owed.entry(id).or_default() += 1;
        self.ids.push(id);
        self.op_of.insert(id, op.clone());
        self.send(Message::text(text)).await?;
        let what = format!("the reply to setup request {id} ({op})");
        self.wait_for(&what, |s| s.reply_count(id) > 0).await?;
        let s = self.seen.lock().expect("seen lock");
        Ok(s.replies
            .get(&id)
            .and_then(|r| r.first())
            .cloned()
            .unwrap_or(Value::Null))
    }

    /// Builds a [`Setup`] with valid requests; a refused step ends it quietly
    /// (the refusal is a reply like any other).
    async fn setup(&mut self, env: &Env, setup: Setup) -> Result<(), Stop> {
        let ok_str = |reply: &Value, key: &str| reply["ok"][key].as_str().map(str::to_owned);
        match setup {
            Setup::TcpPair => {
                let r = self.call(json!({"op": "socket"})).await?;
                let Some(l) = ok_str(&r, "sock") else {
                    return Ok(());
                };
                let r = self
                    .call(json!({"op": "bind", "sock": l, "addr": ["127.0.0.1", 0]}))
                    .await?;
                let Some(port) = loopback_port(&r["ok"]["addr"]) else {
                    return Ok(());
                };
                self.call(json!({"op": "listen", "sock": l, "backlog": 5}))
                    .await?;
                let r = self.call(json!({"op": "socket"})).await?;
                let Some(c) = ok_str(&r, "sock") else {
                    return Ok(());
                };
                self.call(json!({"op": "connect", "sock": c, "addr": ["127.0.0.1", port]}))
                    .await?;
                self.call(json!({"op": "accept", "sock": l})).await?;
            }
            Setup::EchoClient => {
                let r = self.call(json!({"op": "socket"})).await?;
                let Some(c) = ok_str(&r, "sock") else {
                    return Ok(());
                };
                let echo = env.lab("tcp_echo");
                self.call(json!({"op": "connect", "sock": c, "addr": ["127.0.0.1", echo]}))
                    .await?;
            }
            Setup::Udp => {
                let r = self
                    .call(json!({"op": "socket", "type": "SOCK_DGRAM"}))
                    .await?;
                let Some(u) = ok_str(&r, "sock") else {
                    return Ok(());
                };
                self.call(json!({"op": "bind", "sock": u, "addr": ["127.0.0.1", 0]}))
                    .await?;
            }
            Setup::Http => {
                let port = env.lab("http");
                self.call(
                    json!({"op": "http.open", "host": "127.0.0.1", "port": port, "timeout": 5}),
                )
                .await?;
            }
            Setup::Ftp(user) => {
                let port = env.lab("ftp");
                let r = self
                    .call(json!({"op": "ftp.connect", "host": "127.0.0.1", "port": port, "timeout": 5}))
                    .await?;
                let Some(f) = ok_str(&r, "conn") else {
                    return Ok(());
                };
                self.call(json!({"op": "ftp.login", "conn": f, "user": user, "passwd": user}))
                    .await?;
            }
        }
        Ok(())
    }

    /// Pacing, not a check: gives a network op up to [`PACE`] to answer so
    /// that later steps can use the handle it creates; the reply stays owed and
    /// is checked at the end either way.
    async fn pace(&mut self, id: u64, before: usize) -> Result<(), Stop> {
        let answered = |s: &Seen| s.reply_count(id) > before;
        let wait = async {
            loop {
                self.tick.borrow_and_update();
                {
                    let s = self.seen.lock().expect("seen lock");
                    if answered(&s) || s.ended.is_some() {
                        return;
                    }
                }
                if self.tick.changed().await.is_err() {
                    return;
                }
            }
        };
        let _ = tokio::time::timeout(PACE, wait).await;
        let ended = self.seen.lock().expect("seen lock").ended.clone();
        match ended {
            None => Ok(()),
            Some(Ended::Frame(code, reason)) => Err(Stop::Closed(code, reason)),
            Some(Ended::Abrupt(why)) => Err(Stop::Fail(format!(
                "the session died without a close frame ({why}) after request {id}"
            ))),
        }
    }

    fn log(&mut self, what: &str) {
        let mut line: String = what.chars().take(300).collect();
        if line.len() < what.len() {
            line.push('…');
        }
        self.transcript.push(line);
    }

    /// Renders a template against what the session knows now.
    fn render(&self, env: &Env, tpl: &Tpl) -> Map<String, Value> {
        let known = self.snapshot();
        let mut map = Map::new();
        map.insert("op".into(), json!(tpl.op));
        for (name, field) in &tpl.fields {
            let value = match field {
                F::Omit => continue,
                F::Val(v) => v.clone(),
                F::Handle(kind, h) => json!(resolve(h, Some(*kind), &known)),
                F::Handles(hs) => json!(hs
                    .iter()
                    .map(|h| resolve(h, Some(Kind::Sock), &known))
                    .collect::<Vec<_>>()),
                F::Addr(t) => target_addr(env, t, &known.ports),
                F::Port(t) => target_addr(env, t, &known.ports)
                    .get(1)
                    .cloned()
                    .unwrap_or(Value::Null),
                F::HostPort(t) => {
                    let a = target_addr(env, t, &known.ports);
                    json!(format!(
                        "127.0.0.1:{}",
                        a.get(1).cloned().unwrap_or(json!(0))
                    ))
                }
                F::AbsoluteUrl => json!(format!("http://127.0.0.1:{}/get", env.lab("http"))),
                F::EarlierId(i) => match self.ids.as_slice() {
                    [] => json!(0),
                    ids => json!(*i.get(ids)),
                },
            };
            map.insert((*name).to_owned(), value);
        }
        map
    }

    /// After the steps: close every handle, cancel what is still pending, and
    /// check that every request got exactly one reply.
    async fn finish(&mut self) -> Result<(), Stop> {
        for h in self.snapshot().all {
            let id = self.fresh_id();
            *self.owed.entry(id).or_default() += 1;
            self.op_of.insert(id, format!("close {h}"));
            let text = json!({"id": id, "op": "close", "sock": h}).to_string();
            self.log(&text);
            self.send(Message::text(text)).await?;
        }
        // Everything closed; cancel whatever is still pending (on no handle, e.g.
        // a blocking `select` without handles).
        let pending: Vec<u64> = {
            let s = self.seen.lock().expect("seen lock");
            self.owed
                .iter()
                .filter(|(id, n)| s.reply_count(**id) < **n)
                .map(|(id, _)| *id)
                .collect()
        };
        for target in pending {
            let id = self.fresh_id();
            *self.owed.entry(id).or_default() += 1;
            self.op_of.insert(id, format!("cancel {target}"));
            let text = json!({"id": id, "op": "cancel", "target": target}).to_string();
            self.log(&text);
            self.send(Message::text(text)).await?;
        }
        let owed = self.owed.clone();
        let op_of = self.op_of.clone();
        let all_answered = |s: &Seen| owed.iter().all(|(id, n)| s.reply_count(*id) >= *n);
        if let Err(e) = self.wait_for("every reply", all_answered).await {
            return Err(match e {
                Stop::Fail(why) => {
                    let s = self.seen.lock().expect("seen lock");
                    let missing: Vec<String> = owed
                        .iter()
                        .filter(|(id, n)| s.reply_count(**id) < **n)
                        .map(|(id, n)| {
                            format!(
                                "{id} ({}: {} of {n})",
                                op_of.get(id).map_or("?", String::as_str),
                                s.reply_count(*id)
                            )
                        })
                        .collect();
                    Stop::Fail(format!("{why}; unanswered: {}", missing.join(", ")))
                }
                closed => closed,
            });
        }
        // A last ping: the session still works, and any extra reply to an
        // earlier request has had its chance to arrive before it.
        let id = self.fresh_id();
        self.send(Message::text(json!({"id": id, "op": "ping"}).to_string()))
            .await?;
        self.wait_for("the final ping", |s| s.reply_count(id) == 1)
            .await?;
        let s = self.seen.lock().expect("seen lock");
        if let Some(v) = s.violations.first() {
            return Err(Stop::Fail(format!(
                "the relay sent {} frame(s) outside the protocol, first: {v}",
                s.violations.len()
            )));
        }
        for (re, replies) in &s.replies {
            let expected = owed.get(re).copied().unwrap_or(0) + usize::from(*re == id);
            let allowed = expected + usize::from(self.maybe.contains(re));
            if replies.len() < expected || replies.len() > allowed {
                return Err(Stop::Fail(format!(
                    "request id {re} ({}) was sent {expected} time(s) but got {} replies: {replies:?}",
                    op_of.get(re).map_or("never sent", String::as_str),
                    replies.len()
                )));
            }
        }
        Ok(())
    }

    /// Closes the WebSocket and awaits the relay's close frame.
    async fn close(mut self) -> Result<(), String> {
        let _ = tokio::time::timeout(HANG_GUARD, self.tx.send(Message::Close(None))).await;
        let ended = self
            .wait_for("the relay's close frame", |s| s.ended.is_some())
            .await;
        self.reader.abort();
        match ended {
            Ok(()) | Err(Stop::Closed(..)) => Ok(()),
            Err(Stop::Fail(why)) => Err(why),
        }
    }
}

/// Ops the relay answers without waiting for the network or another request
/// (docs/protocol.md, Ordering rules: they wait for neither side of a socket).
fn answers_at_once(op: &str) -> bool {
    matches!(
        op,
        "ping"
            | "auth"
            | "cancel"
            | "socket"
            | "bind"
            | "listen"
            | "setsockopt"
            | "getsockopt"
            | "setblocking"
            | "settimeout"
            | "getsockname"
            | "getpeername"
            | "shutdown"
            | "close"
            | "tcp_info"
            | "pipe"
            | "http.open"
            | "http.close"
            | "ftp.close"
    )
}

/// Ops that normally answer within milliseconds on loopback (a connection, a
/// login, an HTTP exchange with the lab) but may legitimately block (a full
/// accept queue, a call queued behind a blocked one): awaited for [`PACE`] at most.
fn answers_soon(op: &str) -> bool {
    matches!(
        op,
        "connect"
            | "connect_ex"
            | "ftp.connect"
            | "ftp.login"
            | "ftp.cwd"
            | "http.request"
            | "http.endheaders"
            | "http.getresponse"
    )
}

/// The handle a reference names, given the handles the session knows.
fn resolve(h: &H, kind: Option<Kind>, known: &Known) -> String {
    let of_kind = |list: &[String]| -> Vec<String> {
        list.iter()
            .filter(|h| kind.is_none_or(|k| h.starts_with(k.prefix())))
            .cloned()
            .collect()
    };
    match h {
        H::MadeUp(i) => MADE_UP_HANDLES
            .get(*i)
            .map_or_else(|| format!("s{}", "9".repeat(300)), |s| (*s).to_owned()),
        H::Any(i) => match known.all.as_slice() {
            [] => "s1".into(),
            all => i.get(all).clone(),
        },
        H::Typed(i) => {
            let open = of_kind(&known.open);
            let all = of_kind(&known.all);
            match (open.as_slice(), all.as_slice()) {
                ([], []) => format!("{}1", kind.map_or('s', Kind::prefix)),
                ([], all) => i.get(all).clone(),
                (open, _) => i.get(open).clone(),
            }
        }
    }
}

/// `[host, port]` of a target (or the malformed value it stands for).
fn target_addr(env: &Env, t: &Target, own_ports: &[u16]) -> Value {
    match t {
        Target::Lab(name) => json!(["127.0.0.1", env.lab(name)]),
        Target::OwnPort(i) => match own_ports {
            [] => json!(["127.0.0.1", env.lab("tcp_echo")]),
            ports => json!(["127.0.0.1", *i.get(ports)]),
        },
        Target::Relay => json!(["127.0.0.1", env.addr().port()]),
        Target::Closed => json!(["127.0.0.1", env.closed_port]),
        Target::PortZero => json!(["127.0.0.1", 0]),
        Target::Fixed(host, port) => json!([host, port]),
        Target::Malformed(v) => v.clone(),
    }
}

/// A frame of at most `max` bytes: a request with up to `keys` junk keys whose
/// values fill the frame, then one mistyped field. The junk keys come first in
/// the text and in sorted order (`a…` < `bufsize`), so a decoder that looks for
/// the culprit field key by key tries them all.
fn junk_keys_frame(id: u64, keys: usize, max: usize) -> String {
    let keys = keys.clamp(1, max / 16);
    // Each key costs `,"aNNNNNNNN":"…"` = 15 bytes plus its value.
    let value = "j".repeat((max.saturating_sub(200) / keys).saturating_sub(15));
    let mut text = format!("{{\"id\":{id},\"op\":\"recv\",\"sock\":\"s1\"");
    for k in 0..keys {
        text.push_str(&format!(",\"a{k:08}\":\"{value}\""));
    }
    text.push_str(",\"bufsize\":\"x\"}");
    text
}

// ======================================================================
// The watcher: a second session whose pings must keep being answered
// ======================================================================

struct Watcher {
    nudge: mpsc::Sender<Option<oneshot::Sender<()>>>,
    task: JoinHandle<Result<u64, String>>,
}

impl Watcher {
    async fn start(addr: SocketAddr) -> Result<Watcher, String> {
        let (ws, _) = tokio::time::timeout(
            HANG_GUARD,
            tokio_tungstenite::connect_async(common::ws_url(addr)),
        )
        .await
        .map_err(|_| "the watcher's WebSocket upgrade hung".to_owned())?
        .map_err(|e| format!("the watcher's WebSocket upgrade failed: {e}"))?;
        let (nudge, rx) = mpsc::channel(1);
        let task = tokio::spawn(watch_pings(ws, rx));
        Ok(Watcher { nudge, task })
    }

    /// Asks for one more ping unless one is already queued.
    fn nudge(&self) {
        let _ = self.nudge.try_send(None);
    }

    /// A last ping, awaited; returns how many pings were answered in all.
    async fn finish(self) -> Result<u64, String> {
        let (done_tx, done_rx) = oneshot::channel();
        let queued = tokio::time::timeout(HANG_GUARD, self.nudge.send(Some(done_tx))).await;
        let answered = match queued {
            Ok(Ok(())) => matches!(tokio::time::timeout(HANG_GUARD, done_rx).await, Ok(Ok(()))),
            _ => false,
        };
        drop(self.nudge);
        // The task's own error, when it has one, says best what went wrong.
        let count = tokio::time::timeout(HANG_GUARD * 2, self.task)
            .await
            .map_err(|_| "the watcher task hung".to_owned())?
            .map_err(|e| format!("the watcher task failed: {e}"))??;
        if answered {
            Ok(count)
        } else {
            Err("the watcher's last ping was not answered".into())
        }
    }
}

/// Pings once per nudge and awaits each reply (skipping events).
async fn watch_pings(
    ws: Ws,
    mut nudges: mpsc::Receiver<Option<oneshot::Sender<()>>>,
) -> Result<u64, String> {
    let (mut tx, mut rx) = ws.split();
    let mut id = 0u64;
    while let Some(done) = nudges.recv().await {
        id += 1;
        let ping = json!({"id": id, "op": "ping"}).to_string();
        tokio::time::timeout(HANG_GUARD, tx.send(Message::text(ping)))
            .await
            .map_err(|_| format!("the watcher could not send ping {id}"))?
            .map_err(|e| format!("the watcher could not send ping {id}: {e}"))?;
        let reply = async {
            loop {
                match rx.next().await {
                    Some(Ok(Message::Text(t))) => {
                        let v: Value = serde_json::from_str(t.as_str()).unwrap_or(Value::Null);
                        if v["re"] == id {
                            return if v.get("ok").is_some() {
                                Ok(())
                            } else {
                                Err(format!("the watcher's ping {id} failed: {v}"))
                            };
                        }
                    }
                    Some(Ok(_)) => {}
                    other => return Err(format!("the watcher's session ended: {other:?}")),
                }
            }
        };
        tokio::time::timeout(HANG_GUARD, reply)
            .await
            .map_err(|_| {
                format!("the watcher's ping {id} was not answered within {HANG_GUARD:?}")
            })??;
        if let Some(done) = done {
            let _ = done.send(());
        }
    }
    let _ = tx.send(Message::Close(None)).await;
    Ok(id)
}

// ======================================================================
// One case
// ======================================================================

async fn run_case(env: &Env, steps: Vec<Step>) -> Result<(), TestCaseError> {
    let watcher = Watcher::start(env.addr())
        .await
        .map_err(TestCaseError::fail)?;
    let mut session = Session::open(env.addr())
        .await
        .map_err(TestCaseError::fail)?;
    let mut outcome = session.play(env, &steps, &watcher).await;
    if outcome.is_ok() {
        outcome = session.finish().await;
    }
    let transcript = std::mem::take(&mut session.transcript);
    env.record(
        &session,
        match &outcome {
            Ok(()) => "finished".into(),
            Err(Stop::Closed(code, _)) => format!("closed {code}"),
            Err(Stop::Fail(_)) => "failed".into(),
        },
    );
    let failure = match outcome {
        Ok(()) => session.close().await.err(),
        Err(Stop::Closed(code, reason)) => {
            session.reader.abort();
            (!DOCUMENTED_CLOSE_CODES.contains(&code)).then(|| {
                format!("the relay closed the session with undocumented code {code} ({reason:?})")
            })
        }
        Err(Stop::Fail(why)) => {
            session.reader.abort();
            Some(why)
        }
    };
    let watched = watcher.finish().await;
    let failure = match (failure, watched) {
        (Some(f), _) => Some(f),
        (None, Err(w)) => Some(format!("the other session suffered: {w}")),
        (None, Ok(0)) => Some("the other session answered no ping".into()),
        (None, Ok(_)) => None,
    };
    match failure {
        None => Ok(()),
        Some(why) => Err(TestCaseError::fail(format!(
            "{why}\nplayed:\n  {}",
            transcript.join("\n  ")
        ))),
    }
}
