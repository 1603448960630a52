//! Relay throughput benchmark (`cargo bench -p relay --bench throughput [-- --quick]`).
//!
//! In one run, on loopback only, it measures against a plain echo server written
//! here (not the lab, so the bench does not depend on the lab's buffer size):
//! 1. bulk: bytes/s echoed through a piped relay socket (binary WebSocket frames in
//!    both directions at once) vs. a raw loopback TCP client writing and reading at
//!    the same time;
//! 2. round trips: a 16-byte JSON `send` followed by `recv` (what Python's
//!    `sendall` + `recv` become) vs. a raw loopback TCP write + read.
//!
//! The echo server, the relay and the client each get their own runtime and threads,
//! as separate processes would. It prints the machine and a table with the ratios and their targets
//! (relay ≥ 50% of raw bulk; a round trip within 10× raw). `--quick` (or
//! `SOCKLAB_BENCH_QUICK=1`) uses small sizes for a smoke check. Owns only the
//! benchmark; it uses the relay as a client would (`relay::start` + a WebSocket) and
//! the wire types of the `shared` crate.

use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use relay::config::Config;
use shared::{
    binary, Addr, ConnectArgs, Data, Family, OkBody, Op, Outcome, RecvArgs, Request, SendArgs,
    ServerFrame, SockType,
};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;

type Error = Box<dyn std::error::Error + Send + Sync>;
type Result<T> = std::result::Result<T, Error>;
type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>;

const MIB: f64 = 1024.0 * 1024.0;
/// The round-trip message: 16 bytes.
const PING: &str = "0123456789abcdef";

struct Sizes {
    /// Bytes streamed in the bulk test.
    bulk: usize,
    /// Payload of one binary frame / one raw write.
    frame: usize,
    round_trips: usize,
    /// Each measurement is repeated; the best run is reported.
    repeats: usize,
}

const FULL: Sizes = Sizes {
    bulk: 256 << 20,
    frame: 128 << 10,
    round_trips: 20_000,
    repeats: 5,
};
const QUICK: Sizes = Sizes {
    bulk: 8 << 20,
    frame: 64 << 10,
    round_trips: 500,
    repeats: 1,
};

fn main() -> Result<()> {
    let quick = std::env::args().any(|a| a == "--quick")
        || std::env::var_os("SOCKLAB_BENCH_QUICK").is_some_and(|v| v != "0" && !v.is_empty());
    let sizes = if quick { QUICK } else { FULL };
    print_machine(quick, &sizes);
    // As in real use, the echo server, the relay and the client are separate
    // "processes": each has its own runtime and threads, and the OS schedules them.
    let echo = spawn_echo_server(sizes.frame)?;
    let relay_rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("relay")
        .build()?;
    let relay = relay_rt.block_on(relay::start(Config::for_tests()))?;
    let client_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let report = client_rt.block_on(run(&sizes, echo, relay.addr))?;
    relay_rt.block_on(relay.shutdown());
    report.print();
    Ok(())
}

fn print_machine(quick: bool, s: &Sizes) {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let rustc = std::process::Command::new(std::env::var("RUSTC").unwrap_or("rustc".into()))
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "rustc unknown".to_owned());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map_or_else(|_| "unknown".to_owned(), |k| k.trim().to_owned());
    println!("machine: {cores} core(s), {cpu}; Linux {kernel}; {rustc}");
    println!(
        "mode: {} — bulk {} MiB in {} KiB frames, {} round trips, best of {}",
        if quick { "quick" } else { "full" },
        s.bulk >> 20,
        s.frame >> 10,
        s.round_trips,
        s.repeats
    );
}

struct Report {
    raw_mibs: f64,
    relay_mibs: f64,
    /// Mean payload of the echoed binary frames the relay sent (bytes).
    relay_frame_avg: usize,
    raw_rtt: Latency,
    relay_rtt: Latency,
}

#[derive(Clone, Copy)]
struct Latency {
    mean_us: f64,
    p50_us: f64,
    p99_us: f64,
}

impl Latency {
    fn of(mut samples: Vec<Duration>) -> Latency {
        samples.sort_unstable();
        let us = |d: Duration| d.as_secs_f64() * 1e6;
        let total: Duration = samples.iter().sum();
        let at = |q: f64| us(samples[((samples.len() - 1) as f64 * q) as usize]);
        Latency {
            mean_us: us(total) / samples.len() as f64,
            p50_us: at(0.5),
            p99_us: at(0.99),
        }
    }
}

impl Report {
    fn print(&self) {
        let bulk_ratio = self.relay_mibs / self.raw_mibs;
        let rtt_ratio = self.relay_rtt.mean_us / self.raw_rtt.mean_us;
        let verdict = |ok: bool| if ok { "meets target" } else { "BELOW TARGET" };
        println!();
        println!("| measurement | raw loopback TCP | through the relay | relay vs raw |");
        println!("|---|---|---|---|");
        println!(
            "| bulk echo, MiB/s | {:.0} | {:.0} | {:.0}% (target ≥ 50%: {}) |",
            self.raw_mibs,
            self.relay_mibs,
            bulk_ratio * 100.0,
            verdict(bulk_ratio >= 0.5)
        );
        println!(
            "| 16-byte round trip, µs (mean) | {:.1} | {:.1} | {:.1}× (target ≤ 10×: {}) |",
            self.raw_rtt.mean_us,
            self.relay_rtt.mean_us,
            rtt_ratio,
            verdict(rtt_ratio <= 10.0)
        );
        println!(
            "| 16-byte round trip, µs (p50 / p99) | {:.1} / {:.1} | {:.1} / {:.1} | |",
            self.raw_rtt.p50_us, self.raw_rtt.p99_us, self.relay_rtt.p50_us, self.relay_rtt.p99_us
        );
        println!(
            "| round trips/s | {:.0} | {:.0} | |",
            1e6 / self.raw_rtt.mean_us,
            1e6 / self.relay_rtt.mean_us
        );
        println!(
            "\nthe relay sent the echo back in binary frames of {} KiB on average",
            self.relay_frame_avg >> 10
        );
    }
}

async fn run(s: &Sizes, echo: SocketAddr, relay: SocketAddr) -> Result<Report> {
    let pattern: Vec<u8> = (0..s.frame).map(|i| (i % 251) as u8).collect();

    let mut raw_mibs = 0f64;
    let mut relay_mibs = 0f64;
    let mut relay_frame_avg = 0;
    for _ in 0..s.repeats {
        raw_mibs = raw_mibs.max(raw_bulk(echo, s, &pattern).await?);
        let (mibs, frame_avg) = relay_bulk(relay, echo, s, &pattern).await?;
        if mibs > relay_mibs {
            (relay_mibs, relay_frame_avg) = (mibs, frame_avg);
        }
    }
    let mut raw_rtt: Option<Latency> = None;
    let mut relay_rtt: Option<Latency> = None;
    let best = |old: Option<Latency>, new: Latency| match old {
        Some(o) if o.mean_us <= new.mean_us => o,
        _ => new,
    };
    for _ in 0..s.repeats {
        raw_rtt = Some(best(raw_rtt, raw_round_trips(echo, s.round_trips).await?));
        relay_rtt = Some(best(
            relay_rtt,
            relay_round_trips(relay, echo, s.round_trips).await?,
        ));
    }
    Ok(Report {
        raw_mibs,
        relay_mibs,
        relay_frame_avg,
        raw_rtt: raw_rtt.ok_or("no round-trip run")?,
        relay_rtt: relay_rtt.ok_or("no round-trip run")?,
    })
}

/// A plain echo server on its own thread and single-threaded runtime: one fixed
/// buffer per connection, read then write. It runs until the process exits.
fn spawn_echo_server(buf_size: usize) -> Result<SocketAddr> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    std::thread::Builder::new()
        .name("echo".into())
        .spawn(move || rt.block_on(echo_server(listener, buf_size)))?;
    Ok(addr)
}

async fn echo_server(listener: std::net::TcpListener, buf_size: usize) {
    let Ok(listener) = TcpListener::from_std(listener) else {
        return;
    };
    while let Ok((mut stream, _)) = listener.accept().await {
        tokio::spawn(async move {
            let mut buf = vec![0u8; buf_size];
            loop {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if stream.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                }
            }
        });
    }
}

/// Checks that `chunk`, found at `offset` of the echoed stream, is what was sent.
fn check_echo(pattern: &[u8], offset: usize, chunk: &[u8]) -> Result<()> {
    let mut at = offset % pattern.len();
    let mut rest = chunk;
    while !rest.is_empty() {
        let n = rest.len().min(pattern.len() - at);
        if rest[..n] != pattern[at..at + n] {
            return Err(format!("echoed bytes differ near offset {offset}").into());
        }
        rest = &rest[n..];
        at = 0;
    }
    Ok(())
}

fn mibs(bytes: usize, took: Duration) -> f64 {
    bytes as f64 / MIB / took.as_secs_f64()
}

async fn raw_bulk(echo: SocketAddr, s: &Sizes, pattern: &[u8]) -> Result<f64> {
    let (mut rd, mut wr) = TcpStream::connect(echo).await?.into_split();
    let frames = s.bulk / s.frame;
    let data = Bytes::copy_from_slice(pattern);
    let start = Instant::now();
    let writer = tokio::spawn(async move {
        for _ in 0..frames {
            wr.write_all(&data).await?;
        }
        std::io::Result::Ok(wr)
    });
    let total = frames * s.frame;
    let mut buf = vec![0u8; s.frame];
    let mut got = 0;
    while got < total {
        let n = rd.read(&mut buf).await?;
        if n == 0 {
            return Err("echo server closed early".into());
        }
        check_echo(pattern, got, &buf[..n])?;
        got += n;
    }
    let took = start.elapsed();
    writer.await??;
    Ok(mibs(total, took))
}

async fn raw_round_trips(echo: SocketAddr, count: usize) -> Result<Latency> {
    let mut stream = TcpStream::connect(echo).await?;
    let mut buf = [0u8; PING.len()];
    let mut samples = Vec::with_capacity(count);
    for i in 0..count + count / 10 {
        let start = Instant::now();
        stream.write_all(PING.as_bytes()).await?;
        stream.read_exact(&mut buf).await?;
        // The first tenth warms up and is not counted.
        if i >= count / 10 {
            samples.push(start.elapsed());
        }
    }
    Ok(Latency::of(samples))
}

/// One relay session over a WebSocket, used as the frontend uses it.
struct Session {
    ws: Ws,
    next_id: u64,
}

impl Session {
    async fn open(relay: SocketAddr) -> Result<Session> {
        // TCP_NODELAY, as browsers set it on their WebSocket connections.
        let (mut ws, _) =
            tokio_tungstenite::connect_async_with_config(format!("ws://{relay}/ws"), None, true)
                .await?;
        match ws.next().await {
            Some(Ok(Message::Text(t))) if t.contains("\"hello\"") => {}
            other => return Err(format!("expected the hello event, got {other:?}").into()),
        }
        Ok(Session { ws, next_id: 1 })
    }

    /// Sends one request and waits for its reply, skipping events.
    async fn call(&mut self, op: Op) -> Result<OkBody> {
        let id = self.next_id;
        self.next_id += 1;
        let text = serde_json::to_string(&Request { id, op })?;
        self.ws.send(Message::text(text)).await?;
        loop {
            let msg = self.ws.next().await.ok_or("relay closed the WebSocket")??;
            let Message::Text(t) = msg else { continue };
            if let ServerFrame::Reply(r) = serde_json::from_str(t.as_str())? {
                if r.re != id {
                    return Err(format!("reply to {} while waiting for {id}", r.re).into());
                }
                return match r.outcome {
                    Outcome::Ok(body) => Ok(body),
                    Outcome::Err(e) => Err(format!("{}: {}", e.code, e.message).into()),
                };
            }
        }
    }

    /// `socket()` + `connect(echo)`; returns the handle.
    async fn connected_socket(&mut self, echo: SocketAddr) -> Result<String> {
        let OkBody::Sock { sock } = self
            .call(Op::Socket {
                family: Family::AfInet,
                kind: SockType::Stream,
                proto: 0,
            })
            .await?
        else {
            return Err("socket: unexpected reply".into());
        };
        self.call(Op::Connect(ConnectArgs {
            sock: sock.clone(),
            addr: Addr::new(echo.ip().to_string(), echo.port()),
        }))
        .await?;
        Ok(sock)
    }
}

async fn relay_bulk(
    relay: SocketAddr,
    echo: SocketAddr,
    s: &Sizes,
    pattern: &[u8],
) -> Result<(f64, usize)> {
    let mut session = Session::open(relay).await?;
    let sock = session.connected_socket(echo).await?;
    session
        .call(Op::Pipe {
            sock: sock.clone(),
            encoding: None,
        })
        .await?;
    let (mut tx, mut rx) = session.ws.split();
    let frames = s.bulk / s.frame;
    let frame = Bytes::from(binary::encode(&sock, pattern));
    let start = Instant::now();
    let writer = tokio::spawn(async move {
        for _ in 0..frames {
            tx.send(Message::Binary(frame.clone())).await?;
        }
        Result::Ok(tx)
    });
    let total = frames * s.frame;
    let mut got = 0;
    let mut received_frames = 0;
    while got < total {
        match rx.next().await.ok_or("relay closed the WebSocket")?? {
            Message::Binary(b) => {
                let (handle, payload) = binary::decode(&b)?;
                if handle != sock {
                    return Err(format!("binary frame for {handle}, expected {sock}").into());
                }
                check_echo(pattern, got, payload)?;
                got += payload.len();
                received_frames += 1;
            }
            Message::Close(c) => return Err(format!("relay closed: {c:?}").into()),
            _ => {}
        }
    }
    let took = start.elapsed();
    let mut ws = writer.await??.reunite(rx)?;
    ws.close(None).await?;
    Ok((mibs(total, took), total / received_frames.max(1)))
}

async fn relay_round_trips(relay: SocketAddr, echo: SocketAddr, count: usize) -> Result<Latency> {
    let mut session = Session::open(relay).await?;
    let sock = session.connected_socket(echo).await?;
    let mut samples = Vec::with_capacity(count);
    for i in 0..count + count / 10 {
        let start = Instant::now();
        session
            .call(Op::Send(SendArgs {
                sock: sock.clone(),
                data: Data::text(PING),
            }))
            .await?;
        let mut got = 0;
        while got < PING.len() {
            let OkBody::Data { data } = session
                .call(Op::Recv(RecvArgs {
                    sock: sock.clone(),
                    bufsize: PING.len() - got,
                    flags: Vec::new(),
                    encoding: None,
                }))
                .await?
            else {
                return Err("recv: unexpected reply".into());
            };
            if data.is_empty() {
                return Err("echo server closed early".into());
            }
            got += data.len();
        }
        if i >= count / 10 {
            samples.push(start.elapsed());
        }
    }
    session.ws.close(None).await?;
    Ok(Latency::of(samples))
}
