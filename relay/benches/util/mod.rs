//! What the relay's benchmarks share: the machine line, latency percentiles, a
//! plain echo server on its own thread, and a relay session used as the page uses
//! it (`Session::call`). Included by `throughput.rs` and `load.rs` as `mod util;`.

#![allow(dead_code)]

pub mod paired;

use futures::{SinkExt, StreamExt};
use shared::{
    Addr, ConnectArgs, Data, Family, OkBody, Op, Outcome, RecvArgs, Request, SendArgs, ServerFrame,
    SockType,
};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;

pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type Result<T> = std::result::Result<T, Error>;
pub type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>;

/// `N core(s), CPU; Linux kernel; rustc version`.
pub fn machine() -> String {
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
    format!("{cores} core(s), {cpu}; Linux {kernel}; {rustc}")
}

#[derive(Clone, Copy)]
pub struct Latency {
    pub mean_us: f64,
    pub p50_us: f64,
    pub p99_us: f64,
    pub max_us: f64,
}

impl Latency {
    pub fn of(mut samples: Vec<Duration>) -> Latency {
        samples.sort_unstable();
        let us = |d: Duration| d.as_secs_f64() * 1e6;
        let total: Duration = samples.iter().sum();
        let at = |q: f64| us(samples[((samples.len() - 1) as f64 * q) as usize]);
        Latency {
            mean_us: us(total) / samples.len() as f64,
            p50_us: at(0.5),
            p99_us: at(0.99),
            max_us: at(1.0),
        }
    }
}

/// A plain echo server on its own thread and single-threaded runtime: one fixed
/// buffer per connection, read then write. It runs until the process exits.
pub fn spawn_echo_server(buf_size: usize) -> Result<SocketAddr> {
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

/// One relay session over a WebSocket, used as the frontend uses it.
pub struct Session {
    pub ws: Ws,
    next_id: u64,
}

impl Session {
    pub async fn open(relay: SocketAddr) -> Result<Session> {
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
    pub async fn call(&mut self, op: Op) -> Result<OkBody> {
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
    pub async fn connected_socket(&mut self, echo: SocketAddr) -> Result<String> {
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

    /// Python's `s.send(ping)` then `s.recv(len)` until all of it came back.
    pub async fn send_recv(&mut self, sock: &str, ping: &[u8]) -> Result<()> {
        self.call(Op::Send(SendArgs {
            sock: sock.to_owned(),
            data: Data::text(std::str::from_utf8(ping)?),
        }))
        .await?;
        let mut got = 0;
        while got < ping.len() {
            let OkBody::Data { data } = self
                .call(Op::Recv(RecvArgs {
                    sock: sock.to_owned(),
                    bufsize: ping.len() - got,
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
        Ok(())
    }
}
