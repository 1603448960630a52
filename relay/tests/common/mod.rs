//! Test harness for the relay's integration tests: starts a relay in-process and
//! drives it over a real WebSocket the way the frontend does.
//!
//! Owns [`Client`] (one WebSocket session: requests with ids, buffered events,
//! binary frames, close frames) and small helpers shared by the test files (a
//! TCP echo server, TCP pairs inside the relay, data decoding). It must not
//! declare wire types — every frame is parsed with the `shared` crate, which also
//! checks that the relay only sends frames the protocol knows — and it never
//! touches the relay's internals: only `relay::start` and the WebSocket.
//!
//! Synchronisation is always by awaiting a frame; the timeouts here are hang
//! guards ([`HANG_GUARD`]) that turn a missing frame into a failed test.

#![allow(dead_code)]

use futures::stream::{SplitSink, SplitStream};
use futures::{SinkExt, StreamExt};
use relay::config::Config;
use serde_json::{json, Value};
use shared::{Data, EventFrame, ServerFrame};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long any single wait may take before the test fails as hung. Never used
/// to let something happen: tests await the frame that proves it happened.
pub const HANG_GUARD: Duration = Duration::from_secs(10);

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Starts a relay with `config`.
pub async fn start(config: Config) -> relay::Running {
    relay::start(config).await.expect("relay starts")
}

/// Starts a relay with [`Config::for_tests`].
pub async fn start_default() -> relay::Running {
    start(Config::for_tests()).await
}

/// `ws://{addr}/ws`.
pub fn ws_url(addr: SocketAddr) -> String {
    format!("ws://{addr}/ws")
}

/// One frame as the client saw it, in arrival order.
#[derive(Clone, Debug)]
pub enum Seen {
    Text(Value),
    Binary(Vec<u8>),
    Close(Option<(u16, String)>),
}

/// One WebSocket session with the relay.
pub struct Client {
    tx: SplitSink<Ws, Message>,
    rx: SplitStream<Ws>,
    next_id: u64,
    /// The session's `hello` event (`Value::Null` for [`Client::connect_raw`]).
    pub hello: Value,
    /// Events received but not yet taken by `next_event*`.
    events: VecDeque<Value>,
    /// Replies received but not yet taken by `reply`, by `re`, in arrival order.
    replies: HashMap<u64, VecDeque<Value>>,
    binaries: VecDeque<Vec<u8>>,
    /// Every frame received, in order (for ordering assertions).
    pub log: Vec<Seen>,
    /// The close frame, once received (`Some(None)`: closed without a frame).
    pub closed: Option<Option<(u16, String)>>,
    last_t: u64,
}

impl Client {
    /// Opens a session and reads its `hello`.
    pub async fn connect(relay: &relay::Running) -> Client {
        Client::connect_addr(relay.addr).await
    }

    /// Opens a session at `addr` and reads its `hello`, asserting it is the first frame.
    pub async fn connect_addr(addr: SocketAddr) -> Client {
        let mut c = Client::connect_raw(addr).await;
        let first = c.next_text().await;
        assert_eq!(
            first["ev"], "hello",
            "the relay's first frame must be hello, got {first}"
        );
        assert_eq!(first["protocol"], shared::PROTOCOL_VERSION);
        c.hello = first;
        c
    }

    /// Opens a session without reading anything.
    pub async fn connect_raw(addr: SocketAddr) -> Client {
        let req = ws_url(addr).into_client_request().expect("request");
        let (ws, _resp) = guard("websocket upgrade", tokio_tungstenite::connect_async(req))
            .await
            .expect("websocket upgrade succeeds");
        Client::from_ws(ws)
    }

    pub fn from_ws(ws: Ws) -> Client {
        let (tx, rx) = ws.split();
        Client {
            tx,
            rx,
            next_id: 1,
            hello: Value::Null,
            events: VecDeque::new(),
            replies: HashMap::new(),
            binaries: VecDeque::new(),
            log: Vec::new(),
            closed: None,
            last_t: 0,
        }
    }

    /// The lab server `name` from `hello.labs` as `[host, port]` JSON.
    pub fn lab(&self, name: &str) -> Value {
        let lab = self.hello["labs"][name].clone();
        assert!(
            lab.is_array(),
            "hello.labs has no {name}: {}",
            self.hello["labs"]
        );
        lab
    }

    // ---- sending ----

    /// Sends a raw text frame.
    pub async fn send_text(&mut self, text: impl Into<String>) {
        let text: String = text.into();
        self.tx
            .send(Message::text(text))
            .await
            .expect("send text frame");
    }

    /// Sends a raw binary frame.
    pub async fn send_binary(&mut self, bytes: impl Into<Vec<u8>>) {
        let bytes: Vec<u8> = bytes.into();
        self.tx
            .send(Message::binary(bytes))
            .await
            .expect("send binary frame");
    }

    /// Sends a binary frame addressed to `handle`.
    pub async fn send_to(&mut self, handle: &str, payload: &[u8]) {
        self.send_binary(shared::binary::encode(handle, payload))
            .await;
    }

    /// Sends a request without waiting; assigns an `id` unless it has one. Returns the id.
    pub async fn send(&mut self, mut request: Value) -> u64 {
        let obj = request.as_object_mut().expect("a request is an object");
        let id = match obj.get("id").and_then(Value::as_u64) {
            Some(id) => id,
            None => {
                let id = self.next_id;
                self.next_id += 1;
                obj.insert("id".into(), json!(id));
                id
            }
        };
        self.send_text(request.to_string()).await;
        id
    }

    // ---- receiving ----

    /// Reads one frame from the socket into the buffers; returns `false` when the
    /// connection closed.
    async fn pump(&mut self) -> bool {
        if self.closed.is_some() {
            return false;
        }
        let msg = guard("a frame from the relay", self.rx.next()).await;
        match msg {
            Some(Ok(Message::Text(t))) => {
                let v = self.accept_text(t.as_str());
                if v.get("re").is_some() {
                    let re = v["re"].as_u64().expect("re is an unsigned integer");
                    self.replies.entry(re).or_default().push_back(v);
                } else {
                    self.events.push_back(v);
                }
                true
            }
            Some(Ok(Message::Binary(b))) => {
                self.log.push(Seen::Binary(b.to_vec()));
                self.binaries.push_back(b.to_vec());
                true
            }
            Some(Ok(Message::Close(frame))) => {
                let f = frame.map(|CloseFrame { code, reason }| {
                    (u16::from(code), reason.as_str().to_owned())
                });
                self.log.push(Seen::Close(f.clone()));
                self.closed = Some(f);
                false
            }
            Some(Ok(_)) => true, // ping/pong
            Some(Err(e)) => {
                self.log.push(Seen::Close(None));
                self.closed = Some(None);
                eprintln!("websocket ended with error: {e}");
                false
            }
            None => {
                self.log.push(Seen::Close(None));
                self.closed = Some(None);
                false
            }
        }
    }

    /// Parses, validates and logs a text frame.
    fn accept_text(&mut self, text: &str) -> Value {
        let v: Value = serde_json::from_str(text)
            .unwrap_or_else(|e| panic!("relay sent invalid JSON ({e}): {text}"));
        let frame: ServerFrame = serde_json::from_value(v.clone())
            .unwrap_or_else(|e| panic!("relay frame does not match the protocol ({e}): {text}"));
        if let ServerFrame::Event(EventFrame { t, .. }) = frame {
            assert!(
                t >= self.last_t,
                "`t` decreased from {} to {t} at {text}",
                self.last_t
            );
            self.last_t = t;
        }
        self.log.push(Seen::Text(v.clone()));
        v
    }

    /// The next text frame, whatever it is (bypasses the buffers; use on a fresh session).
    pub async fn next_text(&mut self) -> Value {
        loop {
            if let Some(e) = self.events.pop_front() {
                return e;
            }
            if let Some(re) = self.replies.keys().next().copied() {
                let q = self.replies.get_mut(&re).expect("key exists");
                let v = q.pop_front().expect("non-empty");
                if q.is_empty() {
                    self.replies.remove(&re);
                }
                return v;
            }
            assert!(self.pump().await, "connection closed: {:?}", self.closed);
        }
    }

    /// Awaits the reply to request `id` (buffering everything else).
    pub async fn reply(&mut self, id: u64) -> Value {
        loop {
            if let Some(q) = self.replies.get_mut(&id) {
                if let Some(v) = q.pop_front() {
                    if q.is_empty() {
                        self.replies.remove(&id);
                    }
                    return v;
                }
            }
            assert!(
                self.pump().await,
                "connection closed while waiting for reply {id}: {:?}",
                self.closed
            );
        }
    }

    /// Sends a request and awaits its reply.
    pub async fn req(&mut self, request: Value) -> Value {
        let id = self.send(request).await;
        self.reply(id).await
    }

    /// Sends a request, asserts it succeeds and returns the `ok` object.
    pub async fn ok(&mut self, request: Value) -> Value {
        let shown = request.to_string();
        let reply = self.req(request).await;
        assert!(
            reply.get("ok").is_some(),
            "expected ok for {shown}, got {reply}"
        );
        reply["ok"].clone()
    }

    /// Sends a request, asserts it fails with `code` and returns the `err` object.
    pub async fn err(&mut self, request: Value, code: &str) -> Value {
        let shown = request.to_string();
        let reply = self.req(request).await;
        expect_err(&reply, code, &shown)
    }

    /// Awaits the next event of kind `ev` (e.g. `"state"`), leaving others buffered.
    pub async fn next_event(&mut self, ev: &str) -> Value {
        self.next_event_where(ev, |_| true).await
    }

    /// Awaits the next event of kind `ev` about handle `sock`.
    pub async fn next_event_for(&mut self, ev: &str, sock: &str) -> Value {
        self.next_event_where(ev, |e| e["sock"] == sock).await
    }

    /// Awaits the next event of kind `ev` matching `pred`, leaving others buffered.
    pub async fn next_event_where(&mut self, ev: &str, pred: impl Fn(&Value) -> bool) -> Value {
        loop {
            if let Some(i) = self.events.iter().position(|e| e["ev"] == ev && pred(e)) {
                return self.events.remove(i).expect("index exists");
            }
            assert!(
                self.pump().await,
                "connection closed while waiting for a {ev} event: {:?}; buffered events: {:?}",
                self.closed,
                self.events
            );
        }
    }

    /// Awaits the `state` event `sock`: `from` → `to` (earlier state events of
    /// other transitions stay buffered; assert their order with [`Client::log`]).
    pub async fn expect_state(&mut self, sock: &str, from: &str, to: &str) -> Value {
        self.next_event_where("state", |e| {
            e["sock"] == sock && e["from"] == from && e["to"] == to
        })
        .await
    }

    /// Buffered events not yet taken.
    pub fn pending_events(&self) -> Vec<Value> {
        self.events.iter().cloned().collect()
    }

    /// Awaits the next binary frame.
    pub async fn next_binary(&mut self) -> Vec<u8> {
        loop {
            if let Some(b) = self.binaries.pop_front() {
                return b;
            }
            assert!(
                self.pump().await,
                "connection closed while waiting for a binary frame: {:?}",
                self.closed
            );
        }
    }

    /// Reads until the relay closes the session; returns the close code and reason.
    pub async fn expect_close(&mut self) -> (u16, String) {
        while self.pump().await {}
        self.closed
            .clone()
            .expect("closed")
            .expect("the relay sent a close frame")
    }

    /// Sends a close frame and waits for the relay's answer.
    pub async fn close(mut self) {
        let _ = self.tx.send(Message::Close(None)).await;
        while self.pump().await {}
    }

    /// Index in [`Client::log`] of the first text frame matching `pred`.
    pub fn log_position(&self, pred: impl Fn(&Value) -> bool) -> Option<usize> {
        self.log
            .iter()
            .position(|s| matches!(s, Seen::Text(v) if pred(v)))
    }

    /// Pipes `total` bytes produced by `chunk(i)` to `handle` as binary frames while
    /// reading the binary frames coming back for it, concurrently (the relay applies
    /// backpressure, so writing without reading could deadlock). Returns the bytes
    /// received once `expect_back` of them arrived. `feed` is called with each chunk
    /// sent, `take` with each payload received.
    pub async fn pipe_exchange(
        &mut self,
        handle: &str,
        chunks: impl Iterator<Item = Vec<u8>>,
        expect_back: u64,
        mut take: impl FnMut(&[u8]),
    ) {
        let tx = &mut self.tx;
        let rx = &mut self.rx;
        let writer = async move {
            for c in chunks {
                tx.send(Message::binary(shared::binary::encode(handle, &c)))
                    .await
                    .expect("send binary frame");
            }
        };
        let reader = async move {
            let mut got = 0u64;
            while got < expect_back {
                let msg = tokio::time::timeout(HANG_GUARD, rx.next())
                    .await
                    .unwrap_or_else(|_| panic!("no pipe data for {HANG_GUARD:?} after {got} bytes"))
                    .expect("websocket open")
                    .expect("websocket frame");
                match msg {
                    Message::Binary(b) => {
                        let (h, payload) = shared::binary::decode(&b).expect("valid binary frame");
                        assert_eq!(h, handle, "binary frame for another handle");
                        got += payload.len() as u64;
                        take(payload);
                    }
                    Message::Text(t) => {
                        let v: Value = serde_json::from_str(t.as_str()).expect("json");
                        assert!(
                            v["ev"] != "error",
                            "relay reported an error during the pipe: {v}"
                        );
                    }
                    Message::Close(f) => panic!("relay closed during the pipe: {f:?}"),
                    _ => {}
                }
            }
        };
        tokio::join!(writer, reader);
    }
}

/// Asserts `reply` is an `err` with `code`; returns the `err` object.
pub fn expect_err(reply: &Value, code: &str, shown: &str) -> Value {
    let err = reply
        .get("err")
        .unwrap_or_else(|| panic!("expected err {code} for {shown}, got {reply}"));
    assert_eq!(err["code"], code, "for {shown}: {reply}");
    if let Some(e) = shared::Errno::from_name(code) {
        assert_eq!(err["errno"], e.number(), "errno of {code}: {reply}");
    }
    err.clone()
}

/// Runs `fut` under the hang guard.
pub async fn guard<F: std::future::Future>(what: &str, fut: F) -> F::Output {
    tokio::time::timeout(HANG_GUARD, fut)
        .await
        .unwrap_or_else(|_| panic!("hung for {HANG_GUARD:?} waiting for {what}"))
}

/// The bytes of a `Data` JSON value.
pub fn bytes(data: &Value) -> Vec<u8> {
    serde_json::from_value::<Data>(data.clone())
        .unwrap_or_else(|e| panic!("not Data ({e}): {data}"))
        .into_bytes()
}

/// `{"text": s}`.
pub fn text(s: &str) -> Value {
    json!({ "text": s })
}

/// `[host, port]` of a socket address.
pub fn addr(sa: SocketAddr) -> Value {
    json!([sa.ip().to_string(), sa.port()])
}

/// The port of a `[host, port]` value.
pub fn port(addr: &Value) -> u16 {
    addr[1]
        .as_u64()
        .and_then(|p| u16::try_from(p).ok())
        .unwrap_or_else(|| panic!("not an address: {addr}"))
}

/// A TCP echo server on `bind` (e.g. `127.0.0.1:0`): echoes every connection
/// until EOF, then closes it. Returns its address; it runs until the test ends.
pub async fn echo_server(bind: &str) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(bind).await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (mut r, mut w) = stream.split();
                let _ = tokio::io::copy(&mut r, &mut w).await;
                let _ = w.shutdown().await;
            });
        }
    });
    Ok(addr)
}

/// A port on 127.0.0.1 where nothing listens (bound then released).
pub async fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let p = l.local_addr().expect("addr").port();
    drop(l);
    p
}

/// Creates a TCP socket in the relay; returns its handle.
pub async fn tcp_socket(c: &mut Client) -> String {
    let ok = c
        .ok(json!({"op": "socket", "family": "AF_INET", "type": "SOCK_STREAM"}))
        .await;
    ok["sock"].as_str().expect("sock handle").to_owned()
}

/// Creates a UDP socket in the relay; returns its handle.
pub async fn udp_socket(c: &mut Client) -> String {
    let ok = c
        .ok(json!({"op": "socket", "family": "AF_INET", "type": "SOCK_DGRAM"}))
        .await;
    ok["sock"].as_str().expect("sock handle").to_owned()
}

/// A listening TCP socket in the relay on 127.0.0.1:0; returns (handle, port).
pub async fn listener(c: &mut Client) -> (String, u16) {
    let s = tcp_socket(c).await;
    let ok = c
        .ok(json!({"op": "bind", "sock": s, "addr": ["127.0.0.1", 0]}))
        .await;
    let p = port(&ok["addr"]);
    c.ok(json!({"op": "listen", "sock": s, "backlog": 5})).await;
    (s, p)
}

/// A connected TCP pair inside one session: (listener, client, accepted).
pub async fn tcp_pair(c: &mut Client) -> (String, String, String) {
    let (l, p) = listener(c).await;
    let cl = tcp_socket(c).await;
    c.ok(json!({"op": "connect", "sock": cl, "addr": ["127.0.0.1", p]}))
        .await;
    let ok = c.ok(json!({"op": "accept", "sock": l})).await;
    let srv = ok["sock"].as_str().expect("accepted handle").to_owned();
    (l, cl, srv)
}

/// A relay socket connected to a plain TCP listener of the test; returns the
/// relay handle and the test's end of the connection.
pub async fn connected_to_test_peer(c: &mut Client) -> (String, TcpStream) {
    let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let a = l.local_addr().expect("addr");
    let s = tcp_socket(c).await;
    c.ok(json!({"op": "connect", "sock": s, "addr": addr(a)}))
        .await;
    let (peer, _) = guard("accept", l.accept()).await.expect("accept");
    (s, peer)
}

/// Reads exactly `n` bytes from a test-side stream.
pub async fn read_exact(stream: &mut TcpStream, n: usize) -> Vec<u8> {
    let mut buf = vec![0; n];
    guard("test peer read", stream.read_exact(&mut buf))
        .await
        .expect("read");
    buf
}

/// Whether ::1 can be bound on this machine (IPv6 tests skip otherwise).
pub async fn ipv6_loopback_available() -> bool {
    TcpListener::bind("[::1]:0").await.is_ok()
}
