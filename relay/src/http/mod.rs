//! `http.client` for the relay: one [`HttpConn`] per `h…` handle, behaving as
//! CPython 3.11's `HTTPConnection`/`HTTPResponse` (state machine, exceptions,
//! byte-exact requests), over real connections that honour the relay's connect
//! policy, with every byte shown as `wire` events.
//!
//! - `conn.rs`: the connection state machine and the synchronous half of calls;
//! - `request.rs`: request formatting and its checks;
//! - `response.rs`: status line, headers (`httparse`), body framing decisions;
//! - `body.rs`: reading heads and bodies (content-length, chunked, close-delimited);
//! - `link.rs`: an open connection (buffered, timed reads and writes) and opening one;
//! - `tls.rs`: rustls client configuration;
//! - `job.rs`: the futures the session polls, and [`HttpDone`];
//! - `engine.rs`: one handle as the session drives it ([`HttpEngine`]): its calls,
//!   one at a time, and the running call's future.
//!
//! The session's side (parsing ops, registering pending requests, applying the
//! engine's effects) is `ops/http.rs`; this module never touches the session or
//! sends frames.

mod body;
mod conn;
mod engine;
mod job;
mod link;
mod request;
mod response;
mod tls;

pub use conn::HttpConn;
pub use engine::HttpEngine;
pub use job::HttpDone;

use shared::ErrorBody;

/// http.client's `_MAXLINE`: longest status, header, chunk-size or trailer line.
pub const MAXLINE: usize = 65536;
/// http.client's `_MAXHEADERS` (counting the blank line that ends the head).
pub const MAXHEADERS: usize = 100;

/// An `http.<Name>` error: the http.client exception `name` with its message.
pub fn exc(name: &str, message: impl Into<String>) -> ErrorBody {
    ErrorBody::new(&format!("http.{name}"), message)
}

/// Is this error a Python `ConnectionError` (which makes `getresponse` close
/// the connection)?
pub fn is_connection_error(e: &ErrorBody) -> bool {
    matches!(
        e.code.as_str(),
        "http.RemoteDisconnected"
            | "ECONNRESET"
            | "EPIPE"
            | "ECONNABORTED"
            | "ECONNREFUSED"
            | "ESHUTDOWN"
    )
}
