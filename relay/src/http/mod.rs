//! STUB — the HTTP helper replaces this: http.client's connection state machine,
//! request formatting, response parsing, TLS. Interface used by the session:
//! `HttpConn` (one per `h1…` handle) and `HttpDone` (what an HTTP future reports).

/// One `http.client.HTTPConnection`.
pub struct HttpConn;

/// What an HTTP future reports back to the session.
pub enum HttpDone {}
