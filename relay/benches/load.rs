//! Class-size load benchmark (`cargo xtask load`, or `cargo bench -p relay
//! --bench load [-- --quick]`), loopback only, bounded in count and time.
//!
//! The relay is the real `socklab` binary (release build, `--no-labs`, its own
//! process, so its memory can be read from `/proc/<pid>/status`); the clients,
//! a plain echo server and websocat are other processes or threads. In one run:
//! 1. **idle**: 10,000 sessions open at once (connected in batches of 250, each
//!    reads its `hello`); relay RSS growth ÷ sessions, target ≤ 64 KiB;
//! 2. **active**: 1,000 sessions each connect a socket to the echo server and do a
//!    16-byte `send` + `recv` every second for 30 s; p50 / p99 / max latency of
//!    that exchange;
//! 3. **pipe vs websocat vs raw**: 16-byte round trips through a piped relay
//!    socket (binary frames), through websocat as a WebSocket↔TCP bridge, and over
//!    raw loopback TCP, to the same echo server; then bulk echo through each
//!    (target: relay round trip ≤ websocat's, relay bulk ≥ 1.3× websocat's).
//!    The round trips are compared in pairs: the ratio of the medians (and of
//!    the means) with a 95 % bootstrap interval (`util/paired.rs`); "at"
//!    means the interval holds 1.00, "MISSED" that it lies above.
//!
//! Prints a table; never asserts timings (a shared machine is not a pass/fail
//! signal) but fails on a wrong echo or a refused session. `--quick` uses 1,000
//! idle and 100 active sessions for 5 s; `--pipe` runs only the third part (for
//! profiling the `pipe` path); `--round-trips N` changes the number of round
//! trips (to profile them longer).

mod util;

use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use shared::{binary, Op};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use util::paired::{Ratio, Stat};
use util::{machine, spawn_echo_server, Latency, Result, Session, Ws};

const PING: &[u8] = b"0123456789abcdef";
const MIB: f64 = 1024.0 * 1024.0;

struct Plan {
    idle: usize,
    active: usize,
    active_secs: u64,
    round_trips: usize,
    bulk: usize,
}

const FULL: Plan = Plan {
    idle: 10_000,
    active: 1_000,
    active_secs: 30,
    round_trips: 5_000,
    bulk: 128 << 20,
};
const QUICK: Plan = Plan {
    idle: 1_000,
    active: 100,
    active_secs: 5,
    round_trips: 500,
    bulk: 8 << 20,
};
/// Sessions opened at once while filling the relay.
const BATCH: usize = 250;
const FRAME: usize = 64 << 10;

fn main() -> Result<()> {
    let quick = std::env::args().any(|a| a == "--quick");
    let pipe_only = std::env::args().any(|a| a == "--pipe");
    let mut plan = if quick { QUICK } else { FULL };
    // `--round-trips N`: a longer round-trip phase to profile with `perf`.
    if let Some(n) = flag_value("--round-trips") {
        plan.round_trips = n.parse()?;
    }
    raise_nofile();
    println!("machine: {}", machine());
    let echo = spawn_echo_server(FRAME)?;
    let (mut relay, addr) = start_relay(plan.idle + 100)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let result = rt.block_on(run(&plan, pipe_only, relay.id(), addr, echo));
    let _ = relay.kill();
    let _ = relay.wait();
    result
}

/// The value after `flag` on the command line.
fn flag_value(flag: &str) -> Option<String> {
    let mut args = std::env::args().skip_while(|a| a != flag);
    args.next()?;
    args.next()
}

/// Raises this process's open-file limit to its hard limit (10,000 sessions need
/// 10,000 descriptors here and as many in the relay, which raises its own).
fn raise_nofile() {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit with a valid pointer to a local struct.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 {
            lim.rlim_cur = lim.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
    println!("open-file limit: {}", lim.rlim_cur);
}

/// The release `socklab` on a free loopback port; returns it and its address.
/// `SOCKLAB_RELAY=path` runs another build instead (to compare two builds with
/// the same bench).
fn start_relay(max_sessions: usize) -> Result<(Child, SocketAddr)> {
    let n = max_sessions.to_string();
    let exe =
        std::env::var_os("SOCKLAB_RELAY").unwrap_or_else(|| env!("CARGO_BIN_EXE_socklab").into());
    let mut child = Command::new(exe)
        .args(["--listen", "127.0.0.1:0", "--no-labs"])
        .args(["--max-sessions", &n, "--max-sessions-per-ip", &n])
        .args(["--idle-timeout", "3600", "--drain-secs", "1"])
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let mut line = String::new();
    let out = child.stdout.take().ok_or("no stdout")?;
    BufReader::new(out).read_line(&mut line)?;
    let addr = line
        .trim()
        .strip_prefix("socklab is running: open http://")
        .and_then(|a| a.strip_suffix('/'))
        .ok_or_else(|| format!("unexpected first line: {line}"))?
        .parse()?;
    Ok((child, addr))
}

/// The relay's resident memory in KiB.
fn rss_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .ok_or("no VmRSS")?;
    Ok(line
        .split_whitespace()
        .nth(1)
        .ok_or("no VmRSS value")?
        .parse()?)
}

struct Rows(Vec<String>);

impl Rows {
    fn add(&mut self, row: String) {
        println!("{row}");
        self.0.push(row);
    }
}

async fn run(
    plan: &Plan,
    pipe_only: bool,
    pid: u32,
    relay: SocketAddr,
    echo: SocketAddr,
) -> Result<()> {
    let mut rows = Rows(Vec::new());
    println!("\n| measurement | value | target |\n|---|---|---|");
    if !pipe_only {
        idle(plan, pid, relay, &mut rows).await?;
        active(plan, relay, echo, &mut rows).await?;
    }
    versus(plan, relay, echo, &mut rows).await?;
    println!("\nsummary (copy into docs/benchmarks.md):");
    println!("| measurement | value | target |\n|---|---|---|");
    for r in rows.0 {
        println!("{r}");
    }
    Ok(())
}

/// Opens `n` sessions in batches; every one has read its `hello`.
async fn open_many(relay: SocketAddr, n: usize) -> Result<Vec<Ws>> {
    let mut all = Vec::with_capacity(n);
    while all.len() < n {
        let batch = BATCH.min(n - all.len());
        let opened = futures::future::join_all((0..batch).map(|_| Session::open(relay))).await;
        for s in opened {
            all.push(s?.ws);
        }
    }
    Ok(all)
}

async fn idle(plan: &Plan, pid: u32, relay: SocketAddr, rows: &mut Rows) -> Result<()> {
    // One session opened and closed first, so that one-time allocations (the
    // runtime's workers, first-use buffers) are not counted per session.
    let warm = open_many(relay, 10).await?;
    drop(warm);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = rss_kib(pid)?;
    let start = Instant::now();
    let sessions = open_many(relay, plan.idle).await?;
    let took = start.elapsed();
    let after = rss_kib(pid)?;
    let per = (after.saturating_sub(before)) as f64 / plan.idle as f64;
    rows.add(format!(
        "| {} idle sessions: relay RSS {} → {} MiB | {:.1} KiB per session (opened in {:.1} s) | ≤ 64 KiB: {} |",
        plan.idle,
        before / 1024,
        after / 1024,
        per,
        took.as_secs_f64(),
        if per <= 64.0 { "met" } else { "MISSED" }
    ));
    for mut ws in sessions {
        let _ = ws.close(None).await;
    }
    Ok(())
}

/// One active learner: an echo exchange every second, latencies recorded.
async fn learner(
    relay: SocketAddr,
    echo: SocketAddr,
    offset: Duration,
    rounds: u64,
) -> Result<Vec<Duration>> {
    let mut s = Session::open(relay).await?;
    let sock = s.connected_socket(echo).await?;
    let mut tick =
        tokio::time::interval_at(tokio::time::Instant::now() + offset, Duration::from_secs(1));
    let mut samples = Vec::with_capacity(rounds as usize);
    for _ in 0..rounds {
        tick.tick().await;
        let start = Instant::now();
        s.send_recv(&sock, PING).await?;
        samples.push(start.elapsed());
    }
    let _ = s.ws.close(None).await;
    Ok(samples)
}

async fn active(plan: &Plan, relay: SocketAddr, echo: SocketAddr, rows: &mut Rows) -> Result<()> {
    let n = plan.active;
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            // Spread the learners over the second, as a room would be.
            let offset = Duration::from_micros((i as u64 * 1_000_000) / n as u64 + 500_000);
            tokio::spawn(learner(relay, echo, offset, plan.active_secs))
        })
        .collect();
    let mut samples = Vec::new();
    for t in tasks {
        samples.extend(t.await??);
    }
    let count = samples.len();
    let l = Latency::of(samples);
    rows.add(format!(
        "| {n} active sessions, send+recv every 1 s for {} s ({count} exchanges) | p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs | recorded |",
        plan.active_secs, l.p50_us, l.p99_us, l.max_us
    ));
    Ok(())
}

/// A WebSocket that carries raw bytes: a piped relay socket (frames carry the
/// handle) or websocat (frames are the bytes).
struct Bridge {
    ws: Ws,
    handle: Option<String>,
}

impl Bridge {
    fn frame(&self, payload: &[u8]) -> Message {
        match &self.handle {
            Some(h) => Message::Binary(Bytes::from(binary::encode(h, payload))),
            None => Message::Binary(Bytes::copy_from_slice(payload)),
        }
    }
}

type WsItem = std::result::Result<Message, tokio_tungstenite::tungstenite::Error>;

/// The bytes of the next binary frame (without the handle when `piped`).
async fn next_payload(
    rx: &mut (impl futures::Stream<Item = WsItem> + Unpin),
    piped: bool,
) -> Result<Vec<u8>> {
    loop {
        match rx.next().await.ok_or("the WebSocket closed")?? {
            Message::Binary(b) if piped => return Ok(binary::decode(&b)?.1.to_vec()),
            Message::Binary(b) => return Ok(b.to_vec()),
            Message::Close(c) => return Err(format!("closed: {c:?}").into()),
            _ => {}
        }
    }
}

async fn relay_bridge(relay: SocketAddr, echo: SocketAddr) -> Result<Bridge> {
    let mut s = Session::open(relay).await?;
    let sock = s.connected_socket(echo).await?;
    s.call(Op::Pipe {
        sock: sock.clone(),
        encoding: None,
    })
    .await?;
    Ok(Bridge {
        ws: s.ws,
        handle: Some(sock),
    })
}

async fn websocat_bridge(port: u16) -> Result<Bridge> {
    // websocat was just started: try for up to 10 s until it listens.
    let url = format!("ws://127.0.0.1:{port}/");
    for _ in 0..200 {
        match tokio_tungstenite::connect_async_with_config(&url, None, true).await {
            Ok((ws, _)) => return Ok(Bridge { ws, handle: None }),
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    Err(format!("websocat does not answer at {url}").into())
}

/// One 16-byte echo through the bridge, timed.
async fn round_trip(b: &mut Bridge) -> Result<Duration> {
    let piped = b.handle.is_some();
    let start = Instant::now();
    b.ws.send(b.frame(PING)).await?;
    let mut got = 0;
    while got < PING.len() {
        got += next_payload(&mut b.ws, piped).await?.len();
    }
    Ok(start.elapsed())
}

/// `count` round trips through the relay and, when given, as many through
/// websocat, **interleaved** (one each in turn, the first of each pair
/// alternating), so that both meet the same moments of a shared machine's
/// load; the first tenth of each warms up and is not counted.
async fn interleaved_round_trips(
    relay: &mut Bridge,
    mut websocat: Option<&mut Bridge>,
    count: usize,
) -> Result<(Vec<Duration>, Vec<Duration>)> {
    let mut through_relay = Vec::with_capacity(count);
    let mut through_websocat = Vec::with_capacity(count);
    for i in 0..count + count / 10 {
        // Which goes first alternates (ABBA), so that neither always follows
        // the other.
        let (r, w) = match websocat.as_deref_mut() {
            Some(b) if i % 2 == 1 => {
                let w = round_trip(b).await?;
                (round_trip(relay).await?, Some(w))
            }
            Some(b) => {
                let r = round_trip(relay).await?;
                (r, Some(round_trip(b).await?))
            }
            None => (round_trip(relay).await?, None),
        };
        if i >= count / 10 {
            through_relay.push(r);
            through_websocat.extend(w);
        }
    }
    Ok((through_relay, through_websocat))
}

async fn bridge_bulk(b: Bridge, total: usize) -> Result<f64> {
    let piped = b.handle.is_some();
    let pattern: Vec<u8> = (0..FRAME).map(|i| (i % 251) as u8).collect();
    let frame = b.frame(&pattern);
    let (mut tx, mut rx) = b.ws.split();
    let frames = total / FRAME;
    let start = Instant::now();
    let writer = tokio::spawn(async move {
        for _ in 0..frames {
            tx.send(frame.clone()).await?;
        }
        Result::Ok(tx)
    });
    let mut got = 0;
    while got < frames * FRAME {
        let p = next_payload(&mut rx, piped).await?;
        for (k, byte) in p.iter().enumerate() {
            if *byte != ((got + k) % FRAME % 251) as u8 {
                return Err(format!("echoed bytes differ at offset {}", got + k).into());
            }
        }
        got += p.len();
    }
    let took = start.elapsed();
    let mut ws = writer.await??.reunite(rx)?;
    // The close handshake is not measured, and a bridge may never answer it
    // (websocat waits for its TCP side first): give it a moment, no more.
    let _ = tokio::time::timeout(Duration::from_secs(2), ws.close(None)).await;
    Ok(got as f64 / MIB / took.as_secs_f64())
}

async fn raw_round_trips(echo: SocketAddr, count: usize) -> Result<Latency> {
    let mut stream = TcpStream::connect(echo).await?;
    stream.set_nodelay(true)?;
    let mut buf = [0u8; PING.len()];
    let mut samples = Vec::with_capacity(count);
    for i in 0..count + count / 10 {
        let start = Instant::now();
        stream.write_all(PING).await?;
        stream.read_exact(&mut buf).await?;
        if i >= count / 10 {
            samples.push(start.elapsed());
        }
    }
    Ok(Latency::of(samples))
}

async fn raw_bulk(echo: SocketAddr, total: usize) -> Result<f64> {
    let (mut rd, mut wr) = TcpStream::connect(echo).await?.into_split();
    let chunk = vec![7u8; FRAME];
    let frames = total / FRAME;
    let start = Instant::now();
    let writer = tokio::spawn(async move {
        for _ in 0..frames {
            wr.write_all(&chunk).await?;
        }
        std::io::Result::Ok(wr)
    });
    let mut buf = vec![0u8; FRAME];
    let mut got = 0;
    while got < frames * FRAME {
        let n = rd.read(&mut buf).await?;
        if n == 0 {
            return Err("echo server closed early".into());
        }
        got += n;
    }
    let took = start.elapsed();
    writer.await??;
    Ok(got as f64 / MIB / took.as_secs_f64())
}

/// websocat as a WebSocket↔TCP bridge to `echo`, on a free port.
fn start_websocat(echo: SocketAddr) -> Result<Option<(Child, u16)>> {
    let exe = std::env::var_os("WEBSOCAT")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            let home = std::env::var_os("CARGO_HOME")
                .map(std::path::PathBuf::from)
                .or_else(|| {
                    std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".cargo"))
                })?;
            Some(home.join("bin").join("websocat")).filter(|p| p.exists())
        })
        .unwrap_or_else(|| "websocat".into());
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let spawned = Command::new(&exe)
        .args([
            "--binary",
            &format!("ws-l:127.0.0.1:{port}"),
            &format!("tcp:{echo}"),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    match spawned {
        Ok(child) => Ok(Some((child, port))),
        Err(e) => {
            println!(
                "websocat not run ({}: {e}); `cargo xtask load` installs it",
                exe.display()
            );
            Ok(None)
        }
    }
}

async fn versus(plan: &Plan, relay: SocketAddr, echo: SocketAddr, rows: &mut Rows) -> Result<()> {
    let n = plan.round_trips;
    let raw = raw_round_trips(echo, n).await?;
    let mut piped = relay_bridge(relay, echo).await?;
    let ws = start_websocat(echo)?;
    let mut websocat = match &ws {
        Some((_, port)) => Some(websocat_bridge(*port).await?),
        None => None,
    };
    let (relay_samples, websocat_samples) =
        interleaved_round_trips(&mut piped, websocat.as_mut(), n).await?;
    drop(websocat);
    let at_p50 = Ratio::of_pairs(&relay_samples, &websocat_samples, Stat::Median);
    let in_mean = Ratio::of_pairs(&relay_samples, &websocat_samples, Stat::Mean);
    let through_relay = Latency::of(relay_samples);
    let show = |l: &Latency| {
        format!(
            "mean {:.1} µs, p50 {:.1}, p99 {:.1}",
            l.mean_us, l.p50_us, l.p99_us
        )
    };
    rows.add(format!(
        "| 16-byte round trip, raw loopback TCP | {} | — |",
        show(&raw)
    ));
    rows.add(format!(
        "| 16-byte round trip, relay `pipe` | {} | ≤ websocat |",
        show(&through_relay)
    ));
    if let (Some(p50), Some(mean)) = (at_p50, in_mean) {
        let w = Latency::of(websocat_samples);
        rows.add(format!(
            "| 16-byte round trip, websocat bridge | {} | relay/websocat at p50 {} ({}); in the mean {} ({}) |",
            show(&w),
            p50.show(),
            p50.at_or_below(),
            mean.show(),
            mean.at_or_below(),
        ));
    }
    let raw_bulk = raw_bulk(echo, plan.bulk).await?;
    let relay_bulk = bridge_bulk(relay_bridge(relay, echo).await?, plan.bulk).await?;
    rows.add(format!(
        "| bulk echo {} MiB, raw loopback TCP | {raw_bulk:.0} MiB/s | — |",
        plan.bulk >> 20
    ));
    rows.add(format!(
        "| bulk echo, relay `pipe` | {relay_bulk:.0} MiB/s | ≥ 1.3× websocat |"
    ));
    if let Some((mut child, port)) = ws {
        let w = bridge_bulk(websocat_bridge(port).await?, plan.bulk).await?;
        rows.add(format!(
            "| bulk echo, websocat bridge | {w:.0} MiB/s | relay/websocat = {:.2}×: {} |",
            relay_bulk / w,
            if relay_bulk >= 1.3 * w {
                "met"
            } else {
                "MISSED"
            }
        ));
        let _ = child.kill();
        let _ = child.wait();
    }
    Ok(())
}
