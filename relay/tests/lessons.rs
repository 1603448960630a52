//! The built-in lessons against a real relay and its real labs (loopback): each
//! lesson's `solution`, run in a fresh session as the page would run it (with
//! the check's probes run by `shared::probe_run::ProbeRun` when `evaluate` asks),
//! makes its check done; the same solution with a step the check depends on
//! left out (one per lesson, the table [`SKIPS`]) does not. Also `--lessons
//! DIR` end to end (the `socklab` binary: a teacher's lesson is served at
//! `/lessons.json`, a broken one stops start-up with exit code 2) and the
//! catalogue's HTTP headers.
//!
//! The lessons name the standard lab ports (20007, 20080, 20021, 20025, 20110) and the
//! learner's port 20178; the relay here runs its labs on free ports, so the
//! solutions' ports are mapped to them (`Ports`). With `SOCKLAB_WRITE_TRACES=1`
//! the runs are saved as recordings in `lessons/traces/` (`<id>.pass.json`,
//! `<id>.skip.json`, with the standard ports put back), which
//! `relay/tests/lesson_traces.rs` evaluates again in a fast test. `SOCKLAB_SHOW_TRACES=1` prints every trace.

mod common;

use futures::{SinkExt, StreamExt};
use serde_json::Value;
use shared::check::{evaluate, Progress};
use shared::lesson::Lesson;
use shared::probe_run::ProbeRun;
use shared::recording::{RecEntry, RecItem, Recording, ScenarioStep};
use shared::trace::TraceBuilder;
use shared::{Op, Outcome, Request, ServerFrame};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

/// Longest wait for any one frame; a hang guard, not synchronisation.
const GUARD: Duration = Duration::from_secs(30);

/// Per lesson: the solution's 0-based step indices to leave out, and why the
/// check must then fail.
const SKIPS: &[(&str, &[usize], &str)] = &[
    ("e01-handshake", &[3], "no listen: the client is refused"),
    ("e02-echo-client", &[3], "no recv: the echo is never read"),
    (
        "e03-first-server",
        &[7],
        "the server never answers b'anydata'",
    ),
    ("e04-connect-ex", &[1], "no connect: only connect_ex"),
    ("e05-udp", &[2], "no recvfrom of the echo"),
    ("e06-send-sendall", &[5], "the sender's buffer stays large"),
    (
        "e07-select-server",
        &[37, 40, 43],
        "the server never closes the sockets of clients that left",
    ),
    ("e08-http-get", &[2], "no getresponse"),
    ("e09-http-by-hand", &[3], "no Content-Length header"),
    ("e10-ftp-session", &[2], "no login"),
    ("e11-ftp-transfer", &[3], "no resumed download"),
    ("e12-ftp-files", &[6], "no rename"),
    ("e13-ftp-modes", &[5], "no active-mode listing"),
    (
        "e14-mail",
        &[2],
        "nothing is sent: no MAIL FROM, and stat() stays 0",
    ),
];

/// The lessons' standard ports and the ports of the relay under test.
struct Ports {
    tcp: BTreeMap<u64, u64>,
    udp: BTreeMap<u64, u64>,
}

impl Ports {
    fn new(relay: &relay::Running) -> Ports {
        let lab = |name: &str| u64::from(relay.labs[name].port());
        let learner = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
            u64::from(l.local_addr().expect("addr").port())
        };
        let tcp: BTreeMap<u64, u64> = [
            (20007, lab("tcp_echo")),
            (20023, lab("chat")),
            (20080, lab("http")),
            (20021, lab("ftp")),
            (20025, lab("smtp")),
            (20110, lab("pop3")),
            (20178, learner),
        ]
        .into();
        let mut udp = tcp.clone();
        udp.insert(20007, lab("udp_echo"));
        Ports { tcp, udp }
    }

    /// `op` with every standard port number replaced.
    fn map(&self, op: &Op) -> Op {
        let table = if matches!(op, Op::Sendto { .. }) {
            &self.udp
        } else {
            &self.tcp
        };
        let mut v = serde_json::to_value(op).expect("an op is JSON");
        map_numbers(&mut v, table);
        serde_json::from_value(v).expect("still an op")
    }
}

impl Ports {
    /// `rec` as it reads on a relay with the standard ports: each lab's and the
    /// learner's port back to the number the lesson names, in addresses,
    /// `port` arguments and `host:port` text (all five digits, so lengths such
    /// as an HTTP `Content-Length` stay true).
    fn standardize(&self, rec: &Recording) -> Recording {
        let mut back = BTreeMap::new();
        for table in [&self.tcp, &self.udp] {
            for (standard, used) in table {
                back.insert(*used, *standard);
            }
        }
        let mut v = serde_json::to_value(rec).expect("a recording is JSON");
        standardize(&mut v, &back);
        serde_json::from_value(v).expect("still a recording")
    }
}

fn standardize(v: &mut Value, back: &BTreeMap<u64, u64>) {
    match v {
        Value::Array(items) if items.len() == 2 && items[0].is_string() && items[1].is_u64() => {
            map_numbers(&mut items[1], back);
        }
        Value::Array(items) => items.iter_mut().for_each(|i| standardize(i, back)),
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                if key == "port" {
                    map_numbers(value, back);
                } else {
                    standardize(value, back);
                }
            }
        }
        Value::String(text) => {
            for (used, standard) in back {
                *text = text.replace(&format!(":{used}"), &format!(":{standard}"));
            }
        }
        _ => {}
    }
}

fn map_numbers(v: &mut Value, table: &BTreeMap<u64, u64>) {
    match v {
        Value::Number(n) => {
            if let Some(to) = n.as_u64().and_then(|n| table.get(&n)) {
                *v = Value::from(*to);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| map_numbers(i, table)),
        Value::Object(map) => map.values_mut().for_each(|i| map_numbers(i, table)),
        _ => {}
    }
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A probe in flight: the run and the tag of each request it sent.
struct Running {
    run: ProbeRun,
    tags: BTreeMap<u64, u32>,
    /// Set once it sent its first `recv`: its clients are connected and wait.
    waiting: bool,
}

/// One session run the way the page runs a lesson.
struct Session<'a> {
    ws: Ws,
    lesson: &'a Lesson,
    next_id: u64,
    start: Instant,
    rec: Recording,
    trace: TraceBuilder,
    answered: BTreeSet<u64>,
    probe: Option<Running>,
    probes_run: BTreeSet<usize>,
    /// The closing `ping`, kept out of the trace and the recording.
    quiet: Option<u64>,
}

impl<'a> Session<'a> {
    async fn open(relay: &relay::Running, lesson: &'a Lesson) -> Session<'a> {
        let (ws, _) = tokio_tungstenite::connect_async(common::ws_url(relay.addr))
            .await
            .expect("websocket");
        let mut rec = Recording::new(lesson.title.en.clone());
        rec.lesson = Some(lesson.id.clone());
        let mut s = Session {
            ws,
            lesson,
            next_id: 1,
            start: Instant::now(),
            rec,
            trace: TraceBuilder::new(),
            answered: BTreeSet::new(),
            probe: None,
            probes_run: BTreeSet::new(),
            quiet: None,
        };
        s.pump().await; // hello
        s
    }

    fn now(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn log(&mut self, by_probe: bool, item: RecItem) {
        let entry = RecEntry {
            t: self.now(),
            by: by_probe.then(|| "probe".to_owned()),
            item,
        };
        self.rec.push(entry);
    }

    async fn send(&mut self, op: Op, by_probe: bool) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        let req = Request { id, op };
        self.trace.sent(id, &req.op, by_probe);
        let text = serde_json::to_string(&req).expect("a request is JSON");
        self.log(by_probe, RecItem::Req(req));
        self.ws
            .send(Message::text(text))
            .await
            .expect("send a request");
        id
    }

    /// Reads one frame and acts on it: the trace, the recording, the probe.
    async fn pump(&mut self) {
        let msg = tokio::time::timeout(GUARD, self.ws.next())
            .await
            .unwrap_or_else(|_| panic!("{}: no frame for {GUARD:?}", self.lesson.id))
            .expect("the session stays open")
            .expect("a frame");
        let Message::Text(text) = msg else {
            return;
        };
        let frame: ServerFrame = serde_json::from_str(text.as_str())
            .unwrap_or_else(|e| panic!("not a protocol frame ({e}): {text}"));
        match frame {
            ServerFrame::Reply(reply) => {
                self.answered.insert(reply.re);
                if Some(reply.re) == self.quiet {
                    return;
                }
                self.trace.replied(reply.re, &reply.outcome);
                let tag = self
                    .probe
                    .as_ref()
                    .and_then(|p| p.tags.get(&reply.re).copied());
                self.log(tag.is_some(), RecItem::Reply(reply.clone()));
                if let Some(tag) = tag {
                    self.probe_outcome(tag, &reply.outcome).await;
                }
            }
            ServerFrame::Event(frame) => {
                if !matches!(frame.event, shared::Event::Hello(_)) {
                    self.trace.event(&frame.event);
                    self.log(false, RecItem::Event(frame));
                }
            }
        }
        self.maybe_start_probe().await;
    }

    fn progress(&self) -> Progress {
        evaluate(&self.lesson.check, self.trace.items())
    }

    async fn maybe_start_probe(&mut self) {
        if self.probe.is_some() {
            return;
        }
        let p = self.progress();
        let Some(step) = p.run_probe.filter(|s| !self.probes_run.contains(s)) else {
            return;
        };
        let probe = self.lesson.check[step].probe.clone().expect("a probe step");
        let target = probe
            .target(&p.bindings)
            .unwrap_or_else(|| panic!("{}: probe target unbound", self.lesson.id));
        self.probes_run.insert(step);
        self.probe = Some(Running {
            run: ProbeRun::new(step, &probe, target),
            tags: BTreeMap::new(),
            waiting: false,
        });
        self.probe_send().await;
    }

    async fn probe_send(&mut self) {
        let Some(mut running) = self.probe.take() else {
            return;
        };
        for (tag, op) in running.run.next_calls() {
            running.waiting |= matches!(op, Op::Recv(_));
            let id = self.send(op, true).await;
            running.tags.insert(id, tag);
        }
        if let Some(result) = running.run.result() {
            self.trace.probe(&result);
            self.log(true, RecItem::Probe(result));
        } else {
            self.probe = Some(running);
        }
    }

    async fn probe_outcome(&mut self, tag: u32, outcome: &Outcome) {
        if let Some(p) = self.probe.as_mut() {
            p.run.on_outcome(tag, outcome);
        }
        self.probe_send().await;
    }

    /// Runs `steps`: each waits for its reply unless `nowait`; a probe that
    /// started sets up its clients before the next step (the learner is
    /// slower than the probe), so the relay's handles are the same every run.
    async fn run(&mut self, steps: &[ScenarioStep], ports: &Ports) {
        let mut sent = Vec::new();
        for step in steps {
            while self.probe.as_ref().is_some_and(|p| !p.waiting) {
                self.pump().await;
            }
            let id = self.send(ports.map(&step.call), false).await;
            sent.push(id);
            if !step.nowait {
                while !self.answered.contains(&id) {
                    self.pump().await;
                }
            }
        }
        while sent.iter().any(|id| !self.answered.contains(id)) || self.probe.is_some() {
            self.pump().await;
        }
        // Events that follow the last reply (a `closed`, a `state`) are read
        // up to a ping's reply: the relay sends them before it.
        let ping = self.next_id;
        self.next_id += 1;
        self.quiet = Some(ping);
        let text = serde_json::to_string(&Request {
            id: ping,
            op: Op::Ping,
        })
        .expect("JSON");
        self.ws
            .send(Message::text(text))
            .await
            .expect("send a ping");
        while !self.answered.contains(&ping) {
            self.pump().await;
        }
    }
}

/// Runs `steps` of `lesson` in a fresh session; the progress and recording.
async fn run_lesson(
    relay: &relay::Running,
    lesson: &Lesson,
    steps: &[ScenarioStep],
) -> (Progress, Recording, Vec<Value>) {
    let ports = Ports::new(relay);
    let mut s = Session::open(relay, lesson).await;
    s.run(steps, &ports).await;
    let progress = s.progress();
    let items = s.trace.items().to_vec();
    let _ = s.ws.close(None).await;
    (progress, ports.standardize(&s.rec), items)
}

fn show(id: &str, what: &str, items: &[Value], p: &Progress) -> String {
    let mut out = format!(
        "{id} ({what}): steps {:?}, met at {:?}\n",
        p.steps, p.met_at
    );
    for (i, item) in items.iter().enumerate() {
        out.push_str(&format!("  {i:3} {item}\n"));
    }
    out
}

fn save(id: &str, kind: &str, rec: &Recording) {
    if std::env::var_os("SOCKLAB_WRITE_TRACES").is_none() {
        return;
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../lessons/traces");
    std::fs::create_dir_all(&dir).expect("lessons/traces");
    let text = serde_json::to_string_pretty(rec).expect("JSON");
    std::fs::write(dir.join(format!("{id}.{kind}.json")), text + "\n").expect("write trace");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_solution_passes_and_every_skipped_step_fails() {
    let lessons = relay::lessons::builtins().unwrap_or_else(|e| panic!("{e}"));
    let only = std::env::var("SOCKLAB_LESSON").ok();
    let verbose = std::env::var_os("SOCKLAB_SHOW_TRACES").is_some();
    let relay = common::start_default().await;
    let mut failures = Vec::new();
    for lesson in &lessons {
        if only.as_deref().is_some_and(|o| !lesson.id.starts_with(o)) {
            continue;
        }
        let (p, rec, items) = run_lesson(&relay, lesson, &lesson.solution).await;
        let shown = show(&lesson.id, "solution", &items, &p);
        if verbose {
            eprintln!("{shown}");
        }
        if !p.done {
            failures.push(shown);
        }
        save(&lesson.id, "pass", &rec);

        let (_, skip, why) = SKIPS
            .iter()
            .find(|(id, _, _)| *id == lesson.id)
            .unwrap_or_else(|| panic!("{}: no skipped-step variant in SKIPS", lesson.id));
        let steps: Vec<ScenarioStep> = lesson
            .solution
            .iter()
            .enumerate()
            .filter(|(i, _)| !skip.contains(i))
            .map(|(_, s)| s.clone())
            .collect();
        let (p, rec, items) = run_lesson(&relay, lesson, &steps).await;
        let shown = show(&lesson.id, why, &items, &p);
        if verbose {
            eprintln!("{shown}");
        }
        if p.done {
            failures.push(format!("DONE although {why}:\n{shown}"));
        }
        save(&lesson.id, "skip", &rec);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `GET path` on `addr` with extra header lines; the status line, the head
/// and the body (read to the end: the request says `Connection: close`).
async fn http_get(
    addr: std::net::SocketAddr,
    path: &str,
    extra: &str,
) -> (String, String, Vec<u8>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{extra}Connection: close\r\n\r\n");
    tcp.write_all(req.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    tokio::time::timeout(GUARD, tcp.read_to_end(&mut raw))
        .await
        .expect("an answer in time")
        .expect("read");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head");
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let status = head.lines().next().unwrap_or_default().to_owned();
    (status, head, raw[split + 4..].to_vec())
}

fn dechunk(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = body;
    loop {
        let end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("a chunk size");
        let size = usize::from_str_radix(std::str::from_utf8(&rest[..end]).expect("hex"), 16)
            .expect("a chunk size");
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&rest[end + 2..end + 2 + size]);
        rest = &rest[end + 4 + size..];
    }
}

/// The body, de-chunked when the head says so.
fn body_of(head: &str, body: Vec<u8>) -> Vec<u8> {
    if head.contains("transfer-encoding: chunked") {
        dechunk(&body)
    } else {
        body
    }
}

#[tokio::test]
async fn the_catalogue_is_served_sorted_uncached_and_gzipped_on_request() {
    let mut config = relay::Config::for_tests();
    config.labs = None;
    let mut mine = relay::lessons::builtins().unwrap_or_else(|e| panic!("{e}"))[0].clone();
    mine.id = "a-teacher".into();
    config.lessons = vec![mine];
    let relay = common::start(config).await;
    let (status, head, body) = http_get(relay.addr, "/lessons.json", "").await;
    assert!(status.contains(" 200 "), "{status}");
    assert!(head.contains("cache-control: no-cache"), "{head}");
    assert!(head.contains("content-type: application/json"), "{head}");
    let plain = body_of(&head, body);
    let cat: shared::lesson::LessonCatalog = serde_json::from_slice(&plain).expect("a catalogue");
    assert_eq!(cat.format, shared::lesson::CATALOG_FORMAT);
    let ids: Vec<&str> = cat.lessons.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(ids.len(), 15);
    assert_eq!(ids[0], "a-teacher");
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);

    let (_, head, body) =
        http_get(relay.addr, "/lessons.json", "Accept-Encoding: gzip, br\r\n").await;
    assert!(head.contains("content-encoding: gzip"), "{head}");
    let gz = body_of(&head, body);
    assert!(
        gz.len() * 3 < plain.len(),
        "gzip {} of {}",
        gz.len(),
        plain.len()
    );
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut unzipped)
        .expect("gunzip");
    assert_eq!(unzipped, plain);
    let (_, head, _) = http_get(relay.addr, "/lessons.json", "Accept-Encoding: gzip;q=0\r\n").await;
    assert!(!head.contains("content-encoding"), "{head}");
}

/// A temporary directory holding `files`.
fn lesson_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write a lesson file");
    }
    dir
}

const TEACHER_LESSON: &str = r#"
id = "t01-hello"
title = { en = "Say hello to the echo lab" }
goal = { en = "Send hello to 127.0.0.1:20007 and read it back." }
concept = { en = "An echo server sends back what it receives." }

[[check]]
say = { en = "recv gets b'hello'" }
expect = { call = "recv", ok = { data = { text = "hello" } } }
"#;

#[tokio::test]
async fn a_teachers_lesson_directory_is_served() {
    use tokio::io::AsyncBufReadExt;
    let dir = lesson_dir(&[("t01.toml", TEACHER_LESSON), ("notes.txt", "not a lesson")]);
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_socklab"))
        .args(["--listen", "127.0.0.1:0", "--no-labs", "--lessons"])
        .arg(dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("socklab starts");
    let mut lines = tokio::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
    // Log lines come first; the address is on "socklab is running: open http://…/".
    let line = tokio::time::timeout(GUARD, async {
        loop {
            let line = lines.next_line().await.expect("stdout").expect("a line");
            if line.starts_with("socklab is running") {
                return line;
            }
        }
    })
    .await
    .expect("the running line in time");
    let addr: std::net::SocketAddr = line
        .rsplit("http://")
        .next()
        .and_then(|a| a.trim_end_matches('/').parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    let (status, head, body) = http_get(addr, "/lessons.json", "").await;
    assert!(status.contains(" 200 "), "{status}");
    let cat: shared::lesson::LessonCatalog =
        serde_json::from_slice(&body_of(&head, body)).expect("a catalogue");
    let mine = cat
        .lessons
        .iter()
        .find(|l| l.id == "t01-hello")
        .expect("the teacher's lesson");
    assert_eq!(mine.title.zh, None, "English alone is enough for a teacher");
    assert_eq!(cat.lessons.len(), 15);
    child.kill().await.expect("stop socklab");
}

/// Runs `socklab --lessons DIR` that must refuse to start: its stderr.
fn refused(files: &[(&str, &str)]) -> String {
    let dir = lesson_dir(files);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_socklab"))
        .args(["--listen", "127.0.0.1:0", "--no-labs", "--lessons"])
        .arg(dir.path())
        .output()
        .expect("socklab runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    stderr
}

#[test]
fn a_broken_lesson_stops_start_up_naming_file_and_field() {
    let bad = TEACHER_LESSON.replace(
        r#"expect = { call = "recv", ok = { data = { text = "hello" } } }"#,
        r#"expect = { call = "recv", args = { "$frob" = 1 } }"#,
    );
    let err = refused(&[("a.toml", TEACHER_LESSON), ("x.toml", &bad)]);
    assert!(
        err.contains("x.toml: check[0].expect: $.args.$frob: unknown operator"),
        "{err}"
    );
    let err = refused(&[("y.toml", "id = \"y\"\ntitle = 5\n")]);
    assert!(err.contains("y.toml: line 2: "), "{err}");
    let twice = refused(&[("a.toml", TEACHER_LESSON), ("b.toml", TEACHER_LESSON)]);
    assert!(
        twice.contains("b.toml: id \"t01-hello\": another file"),
        "{twice}"
    );
    let big = format!("{TEACHER_LESSON}\n# {}\n", "x".repeat(300 * 1024));
    let err = refused(&[("big.toml", &big)]);
    assert!(
        err.contains("big.toml: ") && err.contains("at most 262144"),
        "{err}"
    );
}

/// The ```toml block of docs/lessons.md: the documented example lesson.
fn documented_example() -> Lesson {
    let md = include_str!("../../docs/lessons.md");
    let start = md.find("```toml\n").expect("a toml block") + "```toml\n".len();
    let end = start + md[start..].find("```").expect("its end");
    relay::lessons::parse("docs/lessons.md", &md[start..end], false)
        .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_documented_example_lesson_is_valid_and_its_solution_passes() {
    let lesson = documented_example();
    assert_eq!(lesson.id, "t01-echo-server");
    let relay = common::start_default().await;
    let (p, _, items) = run_lesson(&relay, &lesson, &lesson.solution).await;
    assert!(p.done, "{}", show(&lesson.id, "solution", &items, &p));
    assert!(
        items.iter().any(|i| i.get("probe").is_some()),
        "the probe ran"
    );
}
