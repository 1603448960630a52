//! The HTTP panel's slice of the state: the current `http.client` connection,
//! its state machine as Python tracks it (`Idle`, `Request-started`,
//! `Request-sent`, and whether a response is open), the raw `wire` bytes in
//! both directions, the parsed response, a timing per call and the Python
//! transcript of the calls. Connections are named as the learner reads them
//! (`conn1`, `conn2`: [`Names`]), never by the relay's handle (`h2` reads like
//! HTTP/2); a cancelled call says which call it was ([`failure`]).
//!
//! Fed by the reducer (`state/mod.rs`, through [`ProtocolSlice`]) with the
//! `http.*` requests sent and their replies and the `wire` events on the `http`
//! channel. It performs no I/O and must not touch the socket workbench's state.

use super::protocol::ProtocolSlice;
use crate::log::Log;
use crate::python::http as python_http;
use crate::python::names::{Kind, Names};
use crate::python::{failure, PyEntry};
#[cfg(test)]
use shared::Data;
use shared::{Channel, Dir, Event, OkBody, Op, Outcome};
use std::collections::BTreeMap;

/// `http.client.HTTPConnection`'s private `__state`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Phase {
    #[default]
    Idle,
    RequestStarted,
    RequestSent,
}

impl Phase {
    /// The name Python uses (and puts in `CannotSendRequest` messages).
    pub fn python(self) -> &'static str {
        match self {
            Phase::Idle => "Idle",
            Phase::RequestStarted => "Request-started",
            Phase::RequestSent => "Request-sent",
        }
    }
}

/// The latest response of the connection.
#[derive(Clone, Debug, PartialEq)]
pub struct Response {
    pub status: u16,
    pub reason: String,
    /// `10` or `11`, as Python's `response.version`.
    pub version: u8,
    pub headers: Vec<(String, String)>,
    /// The body read so far.
    pub body: Vec<u8>,
    /// The body was read to its end (Python's `isclosed()`).
    pub complete: bool,
}

impl Response {
    pub fn status_line(&self) -> String {
        let v = if self.version == 10 { "1.0" } else { "1.1" };
        format!("HTTP/{v} {} {}", self.status, self.reason)
    }

    /// A header value, case-insensitively (`r.getheader(name)`).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One `wire` event: bytes written (`out`) or read (`in`).
#[derive(Clone, Debug, PartialEq)]
pub struct WireChunk {
    pub t: u64,
    pub dir: Dir,
    pub bytes: Vec<u8>,
}

/// One call of the panel: what was called, how it ended, how long it took.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    pub id: u64,
    /// The Python call (`conn.getresponse()`).
    pub python: String,
    /// `None` while pending; the result or the exception Python prints.
    pub result: Option<Result<String, String>>,
    /// Milliseconds from sending to the reply, measured by the page.
    pub ms: Option<f64>,
}

/// Actions only the HTTP panel makes.
#[derive(Clone, Debug, PartialEq)]
pub enum HttpAction {
    /// Forget the wire view, the calls and the transcript.
    Clear,
}

/// Everything the HTTP panel shows.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpState {
    /// The handle of the current `HTTPConnection` (`h1`).
    pub conn: Option<String>,
    /// Host and port it was made for.
    pub target: Option<(String, u16)>,
    pub phase: Phase,
    pub response: Option<Response>,
    pub wire: Log<WireChunk>,
    pub calls: Vec<Call>,
    pub transcript: Log<PyEntry>,
    pending: BTreeMap<u64, Op>,
    /// The learner's names of the connections.
    names: Names,
}

impl Default for HttpState {
    fn default() -> HttpState {
        HttpState {
            conn: None,
            target: None,
            phase: Phase::Idle,
            response: None,
            wire: Log::default(),
            calls: Vec::new(),
            transcript: Log::default(),
            pending: BTreeMap::new(),
            names: Names::new(Kind::Http),
        }
    }
}

impl HttpState {
    /// This state with logs of its own (`Log::fork`).
    pub fn fork(&self) -> HttpState {
        HttpState {
            wire: self.wire.fork(),
            transcript: self.transcript.fork(),
            ..self.clone()
        }
    }

    /// The learner's name of connection `handle` (`conn1`).
    pub fn name(&self, handle: &str) -> String {
        self.names.var(Some(handle))
    }

    /// Whether a call is waiting for its reply.
    pub fn busy(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Step mode: which calls http.client allows now.
    pub fn can_open(&self) -> bool {
        !self.busy()
    }
    pub fn can_putrequest(&self) -> bool {
        self.conn.is_some() && self.phase == Phase::Idle && !self.busy()
    }
    pub fn can_putheader(&self) -> bool {
        self.conn.is_some() && self.phase == Phase::RequestStarted && !self.busy()
    }
    pub fn can_endheaders(&self) -> bool {
        self.can_putheader()
    }
    /// `send` has no state check in Python; it needs a connection object.
    pub fn can_send(&self) -> bool {
        self.conn.is_some() && !self.busy()
    }
    /// After `endheaders`, unless the previous response is still unread.
    pub fn can_getresponse(&self) -> bool {
        self.conn.is_some()
            && self.phase == Phase::RequestSent
            && self.response.as_ref().is_none_or(|r| r.complete)
            && !self.busy()
    }
    pub fn can_read(&self) -> bool {
        self.response.as_ref().is_some_and(|r| !r.complete) && !self.busy()
    }
    pub fn can_close(&self) -> bool {
        self.conn.is_some() && !self.busy()
    }

    pub fn on_action(&mut self, action: HttpAction) {
        match action {
            HttpAction::Clear => {
                self.wire = Log::default();
                self.transcript = Log::default();
                self.calls.clear();
            }
        }
    }

    /// Whether call `id` is one of the panel's (it shows its timing).
    pub fn has_call(&self, id: u64) -> bool {
        self.calls.iter().any(|c| c.id == id)
    }

    /// The reply to call `id` came after `ms` milliseconds.
    pub fn timed(&mut self, id: u64, ms: f64) {
        if let Some(c) = self.calls.iter_mut().rev().find(|c| c.id == id) {
            c.ms = Some(ms);
        }
    }

    /// The state machine, as http.client moves it.
    fn advance(&mut self, op: &Op, outcome: &Outcome, err: Option<&str>) {
        match (op, outcome) {
            (Op::HttpOpen { .. }, Outcome::Ok(OkBody::Conn { conn })) => {
                self.conn = Some(conn.clone());
                self.phase = Phase::Idle;
                self.response = None;
            }
            (Op::HttpOpen { .. }, _) => {}
            // Python sets Request-started before it validates the method/URL.
            (Op::HttpPutrequest { .. }, _)
                if matches!(err, None | Some("bad_request" | "http.InvalidURL")) =>
            {
                self.phase = Phase::RequestStarted;
            }
            (Op::HttpRequest { .. }, _)
                if !matches!(err, Some("http.CannotSendRequest" | "bad_request")) =>
            {
                self.phase = Phase::RequestSent;
            }
            (Op::HttpEndheaders { .. }, _) if err != Some("http.CannotSendHeader") => {
                self.phase = Phase::RequestSent;
            }
            (
                Op::HttpGetresponse { .. },
                Outcome::Ok(OkBody::Response {
                    status,
                    reason,
                    version,
                    headers,
                }),
            ) => {
                self.phase = Phase::Idle;
                self.response = Some(Response {
                    status: *status,
                    reason: reason.clone(),
                    version: *version,
                    headers: headers.clone(),
                    body: Vec::new(),
                    complete: false,
                });
            }
            // Python closes the connection when reading the response fails.
            (Op::HttpGetresponse { .. }, Outcome::Err(_))
                if err != Some("http.ResponseNotReady") =>
            {
                self.phase = Phase::Idle;
            }
            (Op::HttpRead { amt, .. }, Outcome::Ok(OkBody::Data { data })) => {
                if let Some(r) = self.response.as_mut() {
                    r.body.extend_from_slice(data.as_bytes());
                    if amt.is_none() || data.is_empty() || body_done(r) {
                        r.complete = true;
                    }
                }
            }
            (Op::HttpRead { .. }, Outcome::Err(_)) if err != Some("http.ResponseNotReady") => {
                if let Some(r) = self.response.as_mut() {
                    r.complete = true;
                }
            }
            (Op::HttpClose { .. }, Outcome::Ok(_)) => {
                self.phase = Phase::Idle;
                if let Some(r) = self.response.as_mut() {
                    r.complete = true;
                }
            }
            _ => {}
        }
    }
}

impl ProtocolSlice for HttpState {
    fn owns_op(op: &Op) -> bool {
        op.is_http()
    }

    fn wants_event(event: &Event) -> bool {
        matches!(
            event,
            Event::Wire {
                channel: Channel::Http,
                ..
            }
        )
    }

    fn awaits(&self, id: u64) -> bool {
        self.pending.contains_key(&id)
    }

    fn on_hello(&mut self) {
        self.conn = None;
        self.target = None;
        self.phase = Phase::Idle;
        self.response = None;
        self.pending.clear();
        self.names.forget_handles();
        for c in self.calls.iter_mut().filter(|c| c.result.is_none()) {
            c.result = Some(Err("the relay connection was lost".into()));
        }
    }

    fn on_sent(&mut self, id: u64, op: &Op) {
        self.pending.insert(id, op.clone());
        self.calls.push(Call {
            id,
            python: python_http::call(op, &self.names),
            result: None,
            ms: None,
        });
        if let Op::HttpOpen { host, port, .. } = op {
            self.target = Some((host.clone(), port.unwrap_or(80)));
        }
    }

    fn on_event(&mut self, t: u64, event: &Event) {
        if let Event::Wire {
            handle,
            channel: Channel::Http,
            dir,
            data,
        } = event
        {
            if self.conn.as_deref() == Some(handle.as_str()) || self.conn.is_none() {
                self.wire.push(WireChunk {
                    t,
                    dir: *dir,
                    bytes: data.as_bytes().to_vec(),
                });
            }
        }
    }

    fn on_replied(&mut self, id: u64, outcome: &Outcome) -> Option<PyEntry> {
        let op = self.pending.remove(&id)?;
        if let Outcome::Ok(OkBody::Conn { conn }) = outcome {
            self.names.add(conn);
        }
        let result = match outcome {
            Outcome::Ok(body) => Ok(python_http::result(&op, body, &self.names)),
            Outcome::Err(e) => Err(failure(e, &python_http::code(&op, &self.names, None))),
        };
        if let Some(c) = self.calls.iter_mut().rev().find(|c| c.id == id) {
            c.result = Some(result);
        }
        let err_code = match outcome {
            Outcome::Err(e) => Some(e.code.as_str()),
            Outcome::Ok(_) => None,
        };
        self.advance(&op, outcome, err_code);
        let entry = python_http::entry(&op, outcome, &self.names)?;
        self.transcript.push(entry.clone());
        Some(entry)
    }
}

/// A `Content-Length` body read to its length (Python closes the response then).
fn body_done(r: &Response) -> bool {
    r.header("content-length")
        .and_then(|v| v.trim().parse::<usize>().ok())
        .is_some_and(|n| r.body.len() >= n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::ErrorBody;

    fn ok(body: OkBody) -> Outcome {
        Outcome::Ok(body)
    }

    /// `HTTPConnection("127.0.0.1", 20080)`.
    fn open_lab() -> Op {
        Op::HttpOpen {
            host: "127.0.0.1".into(),
            port: Some(20080),
            timeout: None,
            tls: false,
        }
    }

    #[test]
    fn step_mode_follows_http_client_state_machine() {
        let mut s = HttpState::default();
        assert!(s.can_open() && !s.can_putrequest());
        let open = open_lab();
        s.on_sent(1, &open);
        assert!(!s.can_open(), "busy while pending");
        s.on_replied(1, &ok(OkBody::Conn { conn: "h1".into() }));
        assert!(s.can_putrequest() && !s.can_putheader() && !s.can_getresponse());
        let conn = "h1".to_owned();
        s.on_sent(
            2,
            &Op::HttpPutrequest {
                conn: conn.clone(),
                method: "GET".into(),
                url: "/get".into(),
                skip_host: false,
                skip_accept_encoding: false,
            },
        );
        s.on_replied(2, &ok(OkBody::Empty {}));
        assert_eq!(s.phase, Phase::RequestStarted);
        assert!(s.can_putheader() && s.can_endheaders() && !s.can_putrequest());
        s.on_sent(
            3,
            &Op::HttpEndheaders {
                conn: conn.clone(),
                body: None,
            },
        );
        s.on_replied(3, &ok(OkBody::Empty {}));
        assert!(s.can_getresponse() && !s.can_putheader());
        s.on_sent(4, &Op::HttpGetresponse { conn: conn.clone() });
        s.on_replied(
            4,
            &ok(OkBody::Response {
                status: 200,
                reason: "OK".into(),
                version: 11,
                headers: vec![("content-length".into(), "2".into())],
            }),
        );
        assert!(s.can_read() && s.can_putrequest() && !s.can_getresponse());
        s.on_sent(
            5,
            &Op::HttpRead {
                conn: conn.clone(),
                amt: Some(2),
                encoding: None,
            },
        );
        s.on_replied(
            5,
            &ok(OkBody::Data {
                data: Data::text("{}"),
            }),
        );
        let r = s.response.as_ref().expect("response");
        assert!(r.complete, "content-length reached");
        assert_eq!(r.status_line(), "HTTP/1.1 200 OK");
        assert!(!s.can_read());
        assert_eq!(s.transcript.len(), 5);
    }

    #[test]
    fn connections_are_named_conn_n_and_cancels_name_the_call() {
        let mut s = HttpState::default();
        let open = open_lab();
        s.on_sent(1, &open);
        s.on_replied(1, &ok(OkBody::Conn { conn: "h2".into() }));
        assert_eq!(s.name("h2"), "conn1");
        assert_eq!(
            s.calls[0].python,
            r#"conn1 = http.client.HTTPConnection("127.0.0.1", 20080)"#
        );
        assert_eq!(s.calls[0].result, Some(Ok("→ conn1".into())));
        s.on_sent(2, &Op::HttpGetresponse { conn: "h2".into() });
        s.on_replied(
            2,
            &Outcome::Err(ErrorBody::new(
                shared::codes::CANCELLED,
                "request 2 was cancelled by the client",
            )),
        );
        assert_eq!(
            s.calls[1].result,
            Some(Err("cancelled conn1.getresponse()".into()))
        );
        let t = s.transcript.items();
        assert!(t.iter().all(|e| e.code.iter().all(|l| !l.contains("h2"))));
    }

    #[test]
    fn refused_calls_leave_the_state_alone() {
        let mut s = HttpState {
            conn: Some("h1".into()),
            ..HttpState::default()
        };
        s.on_sent(1, &Op::HttpGetresponse { conn: "h1".into() });
        s.on_replied(
            1,
            &Outcome::Err(ErrorBody::new("http.ResponseNotReady", "Idle")),
        );
        assert_eq!(s.phase, Phase::Idle);
        assert_eq!(
            s.calls[0].result,
            Some(Err("http.client.ResponseNotReady: Idle".into()))
        );
    }

    #[test]
    fn wire_events_of_the_connection_are_kept() {
        let mut s = HttpState {
            conn: Some("h1".into()),
            ..HttpState::default()
        };
        s.on_event(
            3,
            &Event::Wire {
                handle: "h1".into(),
                channel: Channel::Http,
                dir: Dir::Out,
                data: Data::text("GET / HTTP/1.1\r\n\r\n"),
            },
        );
        s.on_event(
            3,
            &Event::Wire {
                handle: "f1".into(),
                channel: Channel::Control,
                dir: Dir::Out,
                data: Data::text("USER x\r\n"),
            },
        );
        assert_eq!(s.wire.len(), 1);
    }
}
