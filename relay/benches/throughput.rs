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

mod util;

use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use relay::config::Config;
use shared::{binary, Op};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use util::{spawn_echo_server, Latency, Result, Session};

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
    println!("machine: {}", util::machine());
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
        session.send_recv(&sock, PING.as_bytes()).await?;
        if i >= count / 10 {
            samples.push(start.elapsed());
        }
    }
    session.ws.close(None).await?;
    Ok(Latency::of(samples))
}
