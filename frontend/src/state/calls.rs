//! What a finished socket call says, in the learner's words: the short line a
//! call leaves on its socket's timeline lane and card (`recv(1024) → consumed
//! 4 B`, `connect_ex → 111 ECONNREFUSED — nobody listens on that port`), the
//! meaning of an errno, and how `select` marks the sockets it found ready.
//!
//! Pure functions over an op and its outcome; the reducer (`mod.rs`) decides
//! where the lines go.

use shared::{Errno, How, OkBody, Op, OptName, Outcome, RecvArgs};

/// An option's name as Python spells it (`SO_REUSEADDR`).
pub fn opt_name(n: OptName) -> &'static str {
    match n {
        OptName::SoReuseaddr => "SO_REUSEADDR",
        OptName::SoKeepalive => "SO_KEEPALIVE",
        OptName::SoBroadcast => "SO_BROADCAST",
        OptName::SoRcvbuf => "SO_RCVBUF",
        OptName::SoSndbuf => "SO_SNDBUF",
        OptName::TcpNodelay => "TCP_NODELAY",
    }
}

fn how_name(h: How) -> &'static str {
    match h {
        How::ShutRd => "SHUT_RD",
        How::ShutWr => "SHUT_WR",
        How::ShutRdwr => "SHUT_RDWR",
    }
}

/// An errno's name and what it means for the learner, e.g.
/// `111 ECONNREFUSED — nobody listens on that port`.
pub fn errno_text(n: i32) -> String {
    if n == 0 {
        return "0 — connected".to_owned();
    }
    let Some(e) = Errno::from_number(n) else {
        return format!("{n} (errno {n})");
    };
    let meaning = match e {
        Errno::ECONNREFUSED => "nobody listens on that port",
        Errno::ETIMEDOUT => "no answer came from that address",
        Errno::EHOSTUNREACH => "no route to that host",
        Errno::ENETUNREACH => "that network cannot be reached",
        Errno::EADDRINUSE => "another socket holds that address and port",
        Errno::EISCONN => "this socket is already connected",
        Errno::EINPROGRESS => "the handshake goes on in the background (non-blocking)",
        Errno::EALREADY => "a connect is already under way",
        Errno::EAGAIN => "nothing can be done without waiting (non-blocking)",
        Errno::EACCES | Errno::EPERM => "the relay's rules do not allow that address",
        other => other.message(),
    };
    format!("{n} {} — {meaning}", e.name())
}

/// The call, short: `recv(1024)`, `setsockopt(SO_REUSEADDR, 1)`.
fn call_text(op: &Op) -> String {
    let name = op.name();
    match op {
        Op::Recv(RecvArgs { bufsize, .. }) | Op::Recvfrom(RecvArgs { bufsize, .. }) => {
            format!("{name}({bufsize})")
        }
        Op::Setsockopt {
            name: opt, value, ..
        } => {
            format!("setsockopt({}, {})", opt_name(*opt), value.as_i64())
        }
        Op::Getsockopt { name: opt, .. } => format!("getsockopt({})", opt_name(*opt)),
        Op::Setblocking { flag, .. } => {
            format!("setblocking({})", if *flag { "True" } else { "False" })
        }
        Op::Settimeout { timeout, .. } => match timeout {
            Some(t) => format!("settimeout({t})"),
            None => "settimeout(None)".to_owned(),
        },
        Op::Shutdown { how, .. } => format!("shutdown({})", how_name(*how)),
        _ => format!("{name}()"),
    }
}

/// What a reply returned, short.
fn result_text(op: &Op, body: &OkBody) -> String {
    match body {
        OkBody::Data { data } if matches!(op, Op::Recv(_)) => match data.len() {
            0 => "b'' (the peer closed: end of stream)".to_owned(),
            n => format!("consumed {n} B from the receive buffer"),
        },
        OkBody::Recvfrom { data, addr } => {
            format!("{} B from {}:{}", data.len(), addr.host(), addr.port())
        }
        OkBody::Addr { addr } => format!("{}:{}", addr.host(), addr.port()),
        OkBody::Errno { errno } => errno_text(*errno),
        OkBody::Value { value } => value.to_string(),
        OkBody::Sent { n } => format!("{n} B"),
        OkBody::Empty {} => "done".to_owned(),
        _ => "done".to_owned(),
    }
}

/// The line a finished call leaves on its socket's lane and card, for the
/// calls whose effect no state change or packet shows (`None` for the others:
/// `send`, `bind`, `connect`, … are drawn by their events).
pub fn mark(op: &Op, outcome: &Outcome) -> Option<String> {
    let shown = matches!(
        op,
        Op::Recv(_)
            | Op::Recvfrom(_)
            | Op::Setsockopt { .. }
            | Op::Getsockopt { .. }
            | Op::Getsockname { .. }
            | Op::Getpeername { .. }
            | Op::ConnectEx(_)
            | Op::Setblocking { .. }
            | Op::Settimeout { .. }
            | Op::TcpInfo { .. }
    );
    if !shown {
        return None;
    }
    match outcome {
        Outcome::Ok(body) => Some(format!("{} → {}", call_text(op), result_text(op, body))),
        // A failed call is marked with its Python error (`on_error`).
        Outcome::Err(_) => None,
    }
}

/// The card's "last call" line for any socket call.
pub fn last_call(op: &Op, outcome: &Outcome) -> String {
    match outcome {
        Outcome::Ok(body) => format!("{} → {}", call_text(op), result_text(op, body)),
        Outcome::Err(e) => format!("{} raised {}", call_text(op), e.python()),
    }
}

/// What `select` found for one socket: which of its lists it is ready in.
pub fn ready_text(handle: &str, r: &[String], w: &[String], x: &[String]) -> Option<String> {
    let has = |l: &[String]| l.iter().any(|h| h == handle);
    let words: Vec<&str> = [
        (has(r), "to read"),
        (has(w), "to write"),
        (has(x), "exceptional condition"),
    ]
    .into_iter()
    .filter_map(|(yes, w)| yes.then_some(w))
    .collect();
    (!words.is_empty()).then(|| format!("select: ready {}", words.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errnos_read_with_their_name_and_meaning() {
        assert_eq!(
            errno_text(111),
            "111 ECONNREFUSED — nobody listens on that port"
        );
        assert_eq!(errno_text(0), "0 — connected");
    }

    #[test]
    fn select_names_the_lists() {
        let r = vec!["s1".to_owned()];
        assert_eq!(
            ready_text("s1", &r, &r, &[]).as_deref(),
            Some("select: ready to read, to write")
        );
        assert_eq!(ready_text("s2", &r, &[], &[]), None);
    }
}
