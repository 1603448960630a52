//! The built-in lessons against a real relay and its real labs (loopback): each
//! lesson's `solution`, run in a fresh session as the page would run it (with
//! the check's probes run by `shared::probe_run::ProbeRun` when `evaluate` asks),
//! makes its check done; the same solution with a step the check depends on
//! left out (one per lesson, the table [`SKIPS`]) does not. Also `--lessons
//! DIR` end to end (the `socklab` binary: a teacher's lesson is served at
//! `/lessons.json`, a broken one stops start-up with exit code 2) and the
//! catalogue's HTTP headers.
//!
//! The lessons name the standard lab ports (20007, 20080, 20021) and the
//! learner's port 20178; the relay here runs its labs on free ports, so the
//! solutions' ports are mapped to them (`Ports`). With `SOCKLAB_WRITE_TRACES=1`
//! the runs are saved as recordings in `lessons/traces/` (`<id>.pass.json`,
//! `<id>.skip.json`), which `relay/src/lessons/traces.rs` evaluates again in a
//! fast unit test. `SOCKLAB_SHOW_TRACES=1` prints every trace.

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
    ("e12-ftp-files", &[5], "no rename"),
    ("e13-ftp-modes", &[3], "no active-mode listing"),
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
    (progress, s.rec, items)
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
