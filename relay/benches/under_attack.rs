//! "Under attack" benchmark (`cargo bench -p relay --bench under_attack [-- --quick]`).
//!
//! Measures the `ping` round trip of a normal session while another session sends
//! the relay the worst frames we know, beside the idle round trip measured in the
//! same run. Phases, each on a fresh relay, in this order:
//! 1. idle: nobody else is connected;
//! 2. a flood of small bad frames (not JSON, no id, unknown ops, mistyped fields,
//!    broken binary frames);
//! 3. 1 MiB frames of deeply nested arrays;
//! 4. non-ASCII `ftp.sendcmd` against the FTP lab (reconnecting when the session
//!    is lost);
//! 5. ~1 MiB request frames with ~68,000 junk keys and one mistyped field (last,
//!    because a relay that decodes them slowly stays busy after the phase ends).
//!
//! Each phase prints the pings answered, the median and p99 round trip and their
//! ratio to idle (the target is within 2× of idle). Benchmarks compare; they never
//! assert timings. Every phase is bounded by a count of pings and by a deadline, so
//! the bench ends within a couple of minutes even against a relay that stalls.
//! `--quick` (or `SOCKLAB_BENCH_QUICK=1`) uses fewer pings and shorter deadlines.
//!
//! The relay, the pinging client and the attacker each get their own runtime and
//! threads, as separate processes would. Owns only this benchmark; it uses the relay
//! as a client would (`relay::start` + WebSockets). Traffic stays on 127.0.0.1.

use futures::{SinkExt, StreamExt};
use relay::config::Config;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

type Error = Box<dyn std::error::Error + Send + Sync>;
type Result<T> = std::result::Result<T, Error>;
type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>;

struct Budget {
    /// Pings measured per phase.
    pings: usize,
    /// A phase ends at this deadline even if its pings are not all answered.
    deadline: Duration,
}

const FULL: Budget = Budget {
    pings: 2_000,
    deadline: Duration::from_secs(20),
};
const QUICK: Budget = Budget {
    pings: 200,
    deadline: Duration::from_secs(5),
};

/// How long the attacker may take to stop once a phase is over.
const STOP_GRACE: Duration = Duration::from_secs(3);

/// The round-trip target under attack, as a multiple of idle (printed, not asserted).
const TARGET_RATIO: f64 = 2.0;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Attack {
    Idle,
    SmallBadFrames,
    NestedArrays,
    FtpNonAscii,
    JunkKeys,
}

impl Attack {
    const ALL: [Attack; 5] = [
        Attack::Idle,
        Attack::SmallBadFrames,
        Attack::NestedArrays,
        Attack::FtpNonAscii,
        Attack::JunkKeys,
    ];

    fn describe(self) -> &'static str {
        match self {
            Attack::Idle => "idle (no attacker)",
            Attack::SmallBadFrames => "flood of small bad frames",
            Attack::NestedArrays => "1 MiB deeply nested arrays",
            Attack::FtpNonAscii => "non-ASCII ftp.sendcmd",
            Attack::JunkKeys => "1 MiB frames, ~68,000 junk keys + 1 mistyped field",
        }
    }
}

fn main() -> Result<()> {
    let quick = std::env::args().any(|a| a == "--quick")
        || std::env::var_os("SOCKLAB_BENCH_QUICK").is_some_and(|v| v != "0" && !v.is_empty());
    let budget = if quick { QUICK } else { FULL };
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "mode: {} — {} pings per phase, each phase cut at {:?}; {cores} core(s)",
        if quick { "quick" } else { "full" },
        budget.pings,
        budget.deadline
    );
    count_panics();
    let mut rows = Vec::new();
    for attack in Attack::ALL {
        let row = run_phase(attack, &budget)?;
        row.print_progress();
        rows.push(row);
    }
    print_table(&rows);
    // A relay still busy with the last attack would delay the exit; its threads
    // are not ours to wait for.
    std::process::exit(0)
}

/// Panics of any thread of this process (the relay runs in it) since the last
/// [`take_panics`], and the first one's message.
static PANICS: AtomicU64 = AtomicU64::new(0);
static FIRST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Replaces the printout of the relay's panics (a backtrace per relay panic
/// would bury the table) with a count per phase and the first message; the
/// bench's own panics print as usual.
fn count_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() != Some("relay") {
            return default(info);
        }
        PANICS.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut first) = FIRST_PANIC.lock() {
            first.get_or_insert_with(|| {
                let thread = std::thread::current().name().unwrap_or("?").to_owned();
                format!("thread '{thread}' {info}").replace('\n', " ")
            });
        }
    }));
}

fn take_panics() -> (u64, Option<String>) {
    let n = PANICS.swap(0, Ordering::Relaxed);
    let first = FIRST_PANIC.lock().ok().and_then(|mut f| f.take());
    (n, first)
}

/// What one phase measured.
struct Row {
    attack: Attack,
    /// Round trips of the pings that were answered.
    samples: Vec<Duration>,
    /// How long the ping still unanswered at the deadline had waited.
    stuck: Option<Duration>,
    took: Duration,
    attack_report: AttackReport,
    /// Panics in the process during the phase, and the first one's message.
    panics: (u64, Option<String>),
}

#[derive(Default, Clone, Debug)]
struct AttackReport {
    frames: u64,
    /// Text frames the relay sent back to the attacker (replies and error events).
    answered: u64,
    /// Sessions the relay ended while attacked (with a close frame or without).
    sessions_lost: u64,
    /// The attacker did not stop within [`STOP_GRACE`] (its sends were blocked).
    still_blocked: bool,
    error: Option<String>,
}

impl Row {
    fn percentile(&self, q: f64) -> Option<f64> {
        let mut s = self.samples.clone();
        s.sort_unstable();
        let last = s.len().checked_sub(1)?;
        let at = ((last as f64) * q).round() as usize;
        s.get(at).map(|d| d.as_secs_f64() * 1e6)
    }

    fn print_progress(&self) {
        println!(
            "  {:<52} {} pings in {:.1} s",
            self.attack.describe(),
            self.samples.len(),
            self.took.as_secs_f64()
        );
    }
}

fn print_table(rows: &[Row]) {
    let idle = rows.iter().find(|r| r.attack == Attack::Idle);
    let idle_p50 = idle.and_then(|r| r.percentile(0.5));
    let idle_p99 = idle.and_then(|r| r.percentile(0.99));
    let fmt = |v: Option<f64>| v.map_or("—".to_owned(), |v| format!("{v:.0}"));
    let ratio = |v: Option<f64>, base: Option<f64>| match (v, base) {
        (Some(v), Some(b)) if b > 0.0 => Some(v / b),
        _ => None,
    };
    println!();
    println!("| while another session sends | pings answered | ping µs p50 | ping µs p99 | ping µs max | p50 vs idle | p99 vs idle | attacker |");
    println!("|---|---|---|---|---|---|---|---|");
    for r in rows {
        let p50 = r.percentile(0.5);
        let p99 = r.percentile(0.99);
        let show_ratio = |x: Option<f64>| match x {
            Some(x) if r.attack == Attack::Idle => format!("{x:.1}×"),
            Some(x) => format!(
                "{x:.1}× ({})",
                if x <= TARGET_RATIO {
                    "meets target"
                } else {
                    "ABOVE TARGET"
                }
            ),
            None => "—".into(),
        };
        let mut answered = format!("{}", r.samples.len());
        if let Some(waited) = r.stuck {
            answered.push_str(&format!(
                " (then one unanswered after {:.1} s)",
                waited.as_secs_f64()
            ));
        }
        let a = &r.attack_report;
        let mut attacker = if r.attack == Attack::Idle {
            "—".to_owned()
        } else {
            format!("{} frames sent, {} answered", a.frames, a.answered)
        };
        if a.sessions_lost > 0 {
            attacker.push_str(&format!(", {} sessions lost", a.sessions_lost));
        }
        if a.still_blocked {
            attacker.push_str(", still blocked sending at the end");
        }
        if let Some(e) = &a.error {
            attacker.push_str(&format!(", stopped: {e}"));
        }
        if r.panics.0 > 0 {
            attacker.push_str(&format!(", {} relay panics", r.panics.0));
        }
        println!(
            "| {} | {answered} | {} | {} | {} | {} | {} | {attacker} |",
            r.attack.describe(),
            fmt(p50),
            fmt(p99),
            fmt(r.percentile(1.0)),
            show_ratio(ratio(p50, idle_p50)),
            show_ratio(ratio(p99, idle_p99)),
        );
    }
    for r in rows {
        if let (n, Some(first)) = &r.panics {
            println!(
                "\n{}: the relay panicked {n} time(s), first: {first}",
                r.attack.describe()
            );
        }
    }
    println!(
        "\ntarget: a normal session's ping within {TARGET_RATIO}× of idle while another session attacks (not asserted)"
    );
}

/// Runs one phase on a fresh relay: starts the attacker, measures the pings,
/// stops the attacker. Bounded by the budget's count and deadline.
fn run_phase(attack: Attack, budget: &Budget) -> Result<Row> {
    let relay_rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("relay")
        .build()?;
    let relay = relay_rt.block_on(relay::start(Config::for_tests()))?;
    let addr = relay.addr;
    let ftp = relay.labs.get("ftp").copied();

    // The normal session exists before the attack starts.
    let client_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let phase_start = Instant::now();
    let deadline = phase_start + budget.deadline;
    let normal = client_rt
        .block_on(async { tokio::time::timeout_at(deadline.into(), open(addr)).await })??;

    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicU64::new(0));
    let started = Arc::new(Notify::new());
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    if attack != Attack::Idle {
        let stop = stop.clone();
        let sent = sent.clone();
        let started = started.clone();
        std::thread::Builder::new()
            .name("attacker".into())
            .spawn(move || {
                let report = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt.block_on(attacker(attack, addr, ftp, stop, sent, started)),
                    Err(e) => AttackReport {
                        error: Some(e.to_string()),
                        ..AttackReport::default()
                    },
                };
                let _ = done_tx.send(report);
            })?;
    }

    let measured = client_rt.block_on(async {
        if attack != Attack::Idle {
            // Measure only once the attack is under way.
            let _ = tokio::time::timeout_at(deadline.into(), started.notified()).await;
        }
        pings(normal, budget.pings, deadline).await
    });
    stop.store(true, Ordering::Relaxed);
    let attack_report = if attack == Attack::Idle {
        AttackReport::default()
    } else {
        done_rx.recv_timeout(STOP_GRACE).unwrap_or(AttackReport {
            frames: sent.load(Ordering::Relaxed),
            still_blocked: true,
            ..AttackReport::default()
        })
    };
    let took = phase_start.elapsed();
    // The relay may still be busy with the attack: do not wait for it.
    drop(relay);
    relay_rt.shutdown_background();
    let (samples, stuck) = measured?;
    Ok(Row {
        attack,
        samples,
        stuck,
        took,
        attack_report,
        panics: take_panics(),
    })
}

/// Opens a session and reads its `hello`.
async fn open(addr: SocketAddr) -> Result<Ws> {
    let (mut ws, _) =
        tokio_tungstenite::connect_async_with_config(format!("ws://{addr}/ws"), None, true).await?;
    match ws.next().await {
        Some(Ok(Message::Text(t))) if t.contains("\"hello\"") => Ok(ws),
        other => Err(format!("expected the hello event, got {other:?}").into()),
    }
}

/// What [`pings`] measured: the round trips, and what the deadline cut short.
type Pings = (Vec<Duration>, Option<Duration>);

/// `count` pings on the normal session, one at a time, each awaited; stops at
/// `deadline`. Returns the round trips and, when the deadline cut a ping short,
/// how long it had waited.
async fn pings(mut ws: Ws, count: usize, deadline: Instant) -> Result<Pings> {
    let mut samples = Vec::with_capacity(count);
    let warmup = count / 10;
    for i in 0..count + warmup {
        let id = i as u64 + 1;
        let start = Instant::now();
        let text = format!("{{\"id\":{id},\"op\":\"ping\"}}");
        let answered = tokio::time::timeout_at(deadline.into(), async {
            ws.send(Message::text(text)).await?;
            loop {
                match ws.next().await {
                    Some(Ok(Message::Text(t))) => {
                        let v: Value = serde_json::from_str(t.as_str())?;
                        if v["re"] == id {
                            return Result::Ok(());
                        }
                    }
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return Err(e.into()),
                    None => return Err("the relay closed the pinging session".into()),
                }
            }
        })
        .await;
        match answered {
            Ok(Ok(())) if i >= warmup => samples.push(start.elapsed()),
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(e),
            Err(_) => return Ok((samples, Some(start.elapsed()))),
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), ws.close(None)).await;
    Ok((samples, None))
}

// ---------------------------------------------------------------------------
// The attacker
// ---------------------------------------------------------------------------

/// Sends `attack` frames until `stop`; counts them in `sent` and signals
/// `started` once the first one is out.
async fn attacker(
    attack: Attack,
    addr: SocketAddr,
    ftp: Option<SocketAddr>,
    stop: Arc<AtomicBool>,
    sent: Arc<AtomicU64>,
    started: Arc<Notify>,
) -> AttackReport {
    let mut report = AttackReport::default();
    let answered = Arc::new(AtomicU64::new(0));
    let frames = match attack {
        Attack::Idle => return report,
        Attack::SmallBadFrames => small_bad_frames(),
        Attack::NestedArrays => vec![Message::Text(nested_arrays_frame())],
        Attack::JunkKeys => vec![Message::Text(junk_keys_frame())],
        Attack::FtpNonAscii => Vec::new(),
    };
    while !stop.load(Ordering::Relaxed) {
        let result = match (attack, ftp) {
            (Attack::FtpNonAscii, Some(ftp)) => {
                ftp_non_ascii(addr, ftp, &stop, &sent, &answered, &started).await
            }
            (Attack::FtpNonAscii, None) => {
                report.error = Some("the relay runs no FTP lab".into());
                break;
            }
            _ => flood(addr, &frames, &stop, &sent, answered.clone(), &started).await,
        };
        match result {
            Ok(()) => break,
            Err(_) if !stop.load(Ordering::Relaxed) => report.sessions_lost += 1,
            Err(_) => break,
        }
    }
    report.frames = sent.load(Ordering::Relaxed);
    report.answered = answered.load(Ordering::Relaxed);
    report
}

/// On a fresh session: sends `frames` round-robin until `stop`, draining what
/// the relay answers so it never waits on us. An error is the session ending.
async fn flood(
    addr: SocketAddr,
    frames: &[Message],
    stop: &AtomicBool,
    sent: &AtomicU64,
    answered: Arc<AtomicU64>,
    started: &Notify,
) -> Result<()> {
    let (mut tx, mut rx) = open(addr).await?.split();
    let drain = tokio::spawn(async move {
        while let Some(Ok(msg)) = rx.next().await {
            if msg.is_text() {
                answered.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    let mut result = Ok(());
    for frame in frames.iter().cycle() {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        if let Err(e) = tx.send(frame.clone()).await {
            result = Err(e.into());
            break;
        }
        sent.fetch_add(1, Ordering::Relaxed);
        started.notify_one();
    }
    drain.abort();
    result
}

/// On a fresh session: connects to the FTP lab, then sends non-ASCII commands,
/// each awaited, until `stop`. An error is the session being lost.
async fn ftp_non_ascii(
    addr: SocketAddr,
    ftp: SocketAddr,
    stop: &AtomicBool,
    sent: &AtomicU64,
    answered: &AtomicU64,
    started: &Notify,
) -> Result<()> {
    let mut ws = open(addr).await?;
    let connect = json!({"id": 1, "op": "ftp.connect", "host": ftp.ip().to_string(), "port": ftp.port(), "timeout": 5});
    let reply = call(&mut ws, 1, connect).await?;
    let Some(conn) = reply["ok"]["conn"].as_str().map(str::to_owned) else {
        return Err(format!("ftp.connect failed: {reply}").into());
    };
    let commands = ["CWD ü", "ÄÖÜ", "NOOP é", "RETR ñandú.txt", "日本語"];
    let mut id = 1u64;
    for cmd in commands.iter().cycle() {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        id += 1;
        let frame = json!({"id": id, "op": "ftp.sendcmd", "conn": conn, "cmd": cmd});
        sent.fetch_add(1, Ordering::Relaxed);
        started.notify_one();
        call(&mut ws, id, frame).await?;
        answered.fetch_add(1, Ordering::Relaxed);
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), ws.close(None)).await;
    Ok(())
}

/// Sends one request and awaits its reply, skipping everything else.
async fn call(ws: &mut Ws, id: u64, request: Value) -> Result<Value> {
    ws.send(Message::text(request.to_string())).await?;
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(t))) => {
                let v: Value = serde_json::from_str(t.as_str())?;
                if v["re"] == id {
                    return Ok(v);
                }
            }
            Some(Ok(Message::Close(f))) => return Err(format!("session closed: {f:?}").into()),
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(e.into()),
            None => return Err("the session ended without a close frame".into()),
        }
    }
}

fn small_bad_frames() -> Vec<Message> {
    let texts = [
        "nope",
        "[1, 2, 3]",
        "{\"op\": \"ping\"}",
        "{\"id\": \"seven\", \"op\": \"ping\"}",
        "{\"id\": 3, \"op\": \"frobnicate\"}",
        "{\"id\": 4, \"op\": \"recv\", \"sock\": \"s1\", \"bufsize\": \"lots\"}",
        "{\"id\": 5, \"op\": \"connect\", \"sock\": \"s9\"}",
        "{\"id\": 6, \"op\": \"sendall\", \"sock\": \"s1\", \"data\": {\"b64\": \"!!!\"}}",
    ];
    let mut frames: Vec<Message> = texts.iter().map(|t| Message::text(*t)).collect();
    frames.push(Message::binary(vec![9u8, b's']));
    frames.push(Message::binary(shared::binary::encode("s77", b"nobody")));
    frames
}

/// Just under 1 MiB: a `ping` whose extra field is arrays nested ~500,000 deep.
fn nested_arrays_frame() -> Utf8Bytes {
    let depth = ((1 << 20) - 64) / 2;
    let mut s = String::with_capacity(2 * depth + 64);
    s.push_str("{\"id\":7,\"op\":\"ping\",\"x\":");
    s.extend(std::iter::repeat_n('[', depth));
    s.extend(std::iter::repeat_n(']', depth));
    s.push('}');
    Utf8Bytes::from(s)
}

/// About 0.95 MiB: a `recv` with 68,000 junk keys, then `bufsize` mistyped. The
/// junk keys come first both in the text and in sorted order (`a…` < `bufsize`),
/// so a decoder that looks for the culprit field key by key tries them all.
fn junk_keys_frame() -> Utf8Bytes {
    let keys = 68_000;
    let mut s = String::with_capacity(keys * 14 + 64);
    s.push_str("{\"id\":8,\"op\":\"recv\",\"sock\":\"s1\"");
    for k in 0..keys {
        s.push_str(&format!(",\"a{k:08}\":0"));
    }
    s.push_str(",\"bufsize\":\"x\"}");
    Utf8Bytes::from(s)
}
