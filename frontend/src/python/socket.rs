//! The Python (`socket`, `select`) spelling of the socket workbench's calls:
//! the code of each call (also shown for a pending request) and the transcript
//! entry of a completed one.
//!
//! Pure: reads `shared` ops and outcomes, knows nothing of the DOM or the
//! reducer. Variables follow the handles (`s1`, `s2`, …).

use super::PyEntry;
use crate::bytes::{py_bytes, py_str};
use shared::{
    Addr, ConnectArgs, Data, Family, How, OkBody, Op, OptLevel, OptName, Outcome, RecvArgs,
    SendArgs, SockType,
};

/// Python's spelling of an address tuple.
pub fn addr(a: &Addr) -> String {
    format!("({}, {})", py_str(a.host()), a.port())
}

fn data(d: &Data) -> String {
    py_bytes(d.as_bytes())
}

fn family(f: Family) -> &'static str {
    match f {
        Family::AfInet => "socket.AF_INET",
        Family::AfInet6 => "socket.AF_INET6",
        Family::AfUnix => "socket.AF_UNIX",
    }
}

fn kind(k: SockType) -> &'static str {
    match k {
        SockType::Stream => "socket.SOCK_STREAM",
        SockType::Dgram => "socket.SOCK_DGRAM",
    }
}

fn level(l: OptLevel) -> &'static str {
    match l {
        OptLevel::SolSocket => "socket.SOL_SOCKET",
        OptLevel::IpprotoTcp => "socket.IPPROTO_TCP",
    }
}

fn optname(n: OptName) -> &'static str {
    match n {
        OptName::SoReuseaddr => "socket.SO_REUSEADDR",
        OptName::SoKeepalive => "socket.SO_KEEPALIVE",
        OptName::SoBroadcast => "socket.SO_BROADCAST",
        OptName::SoRcvbuf => "socket.SO_RCVBUF",
        OptName::SoSndbuf => "socket.SO_SNDBUF",
        OptName::TcpNodelay => "socket.TCP_NODELAY",
    }
}

fn how(h: How) -> &'static str {
    match h {
        How::ShutRd => "socket.SHUT_RD",
        How::ShutWr => "socket.SHUT_WR",
        How::ShutRdwr => "socket.SHUT_RDWR",
    }
}

fn timeout(t: Option<f64>) -> String {
    match t {
        None => "None".into(),
        Some(t) if t.fract() == 0.0 => format!("{t:.1}"),
        Some(t) => format!("{t}"),
    }
}

fn list(handles: &[String]) -> String {
    format!("[{}]", handles.join(", "))
}

/// The call as Python code, for showing a request that is still pending.
pub fn call(op: &Op) -> Option<String> {
    entry_code(op, None).map(|lines| lines.join("; "))
}

/// Code lines for `op`; `sock` is the handle a `socket`/`accept` reply named.
fn entry_code(op: &Op, new_sock: Option<&str>) -> Option<Vec<String>> {
    let one = |s: String| Some(vec![s]);
    match op {
        Op::Socket {
            family: f, kind: k, ..
        } => one(format!(
            "{} = socket.socket({}, {})",
            new_sock.unwrap_or("s"),
            family(*f),
            kind(*k)
        )),
        Op::Setsockopt {
            sock,
            level: l,
            name,
            value,
        } => one(format!(
            "{sock}.setsockopt({}, {}, {})",
            level(*l),
            optname(*name),
            value.as_i64()
        )),
        Op::Getsockopt {
            sock,
            level: l,
            name,
        } => one(format!(
            "{sock}.getsockopt({}, {})",
            level(*l),
            optname(*name)
        )),
        Op::Setblocking { sock, flag } => one(format!(
            "{sock}.setblocking({})",
            if *flag { "True" } else { "False" }
        )),
        Op::Settimeout { sock, timeout: t } => one(format!("{sock}.settimeout({})", timeout(*t))),
        Op::Bind { sock, addr: a } => one(format!("{sock}.bind({})", addr(a))),
        Op::Listen { sock, backlog } => one(match backlog {
            Some(b) => format!("{sock}.listen({b})"),
            None => format!("{sock}.listen()"),
        }),
        Op::Accept { sock } => one(format!(
            "{}, addr = {sock}.accept()",
            new_sock.unwrap_or("conn")
        )),
        Op::Connect(ConnectArgs { sock, addr: a }) => one(format!("{sock}.connect({})", addr(a))),
        Op::ConnectEx(ConnectArgs { sock, addr: a }) => {
            one(format!("print({sock}.connect_ex({}))", addr(a)))
        }
        Op::Send(SendArgs { sock, data: d }) => one(format!("{sock}.send({})", data(d))),
        Op::Sendall(SendArgs { sock, data: d }) => one(format!("{sock}.sendall({})", data(d))),
        Op::Sendto {
            sock,
            data: d,
            addr: a,
        } => one(format!("{sock}.sendto({}, {})", data(d), addr(a))),
        Op::Recv(RecvArgs {
            sock,
            bufsize,
            flags,
            ..
        }) => Some(vec![
            if flags.is_empty() {
                format!("data = {sock}.recv({bufsize})")
            } else {
                format!("data = {sock}.recv({bufsize}, socket.MSG_PEEK)")
            },
            "print(data)".into(),
        ]),
        Op::Recvfrom(RecvArgs { sock, bufsize, .. }) => Some(vec![
            format!("data, addr = {sock}.recvfrom({bufsize})"),
            "print(data, addr)".into(),
        ]),
        Op::Getsockname { sock } => one(format!("{sock}.getsockname()")),
        Op::Getpeername { sock } => one(format!("{sock}.getpeername()")),
        Op::Shutdown { sock, how: h } => one(format!("{sock}.shutdown({})", how(*h))),
        Op::Close { sock } => one(format!("{sock}.close()")),
        Op::Select {
            rlist,
            wlist,
            xlist,
            timeout: t,
        } => one(match t {
            Some(_) => format!(
                "r, w, x = select.select({}, {}, {}, {})",
                list(rlist),
                list(wlist),
                list(xlist),
                timeout(*t)
            ),
            None => format!(
                "r, w, x = select.select({}, {}, {})",
                list(rlist),
                list(wlist),
                list(xlist)
            ),
        }),
        _ => None,
    }
}

/// The transcript entry for a completed request, or `None` for session plumbing
/// (`ping`, `auth`, `cancel`) and ops the workbench doesn't transcribe.
pub fn entry(op: &Op, outcome: &Outcome) -> Option<PyEntry> {
    let new_sock = match outcome {
        Outcome::Ok(OkBody::Sock { sock }) | Outcome::Ok(OkBody::Accept { sock, .. }) => {
            Some(sock.as_str())
        }
        _ => None,
    };
    let code = entry_code(op, new_sock)?;
    Some(PyEntry::answered(code, outcome, |e, body| {
        fill_result(e, op, body)
    }))
}

fn fill_result(e: &mut PyEntry, op: &Op, body: &OkBody) {
    match (op, body) {
        (Op::Bind { addr: asked, .. }, OkBody::Addr { addr: got }) if asked != got => {
            e.note = Some(format!("bound to {got}"));
        }
        (Op::Accept { .. }, OkBody::Accept { addr: a, .. }) => {
            e.note = Some(format!("addr = {a}"));
        }
        (Op::ConnectEx { .. }, OkBody::Errno { errno }) => {
            e.output.push(errno.to_string());
        }
        (Op::Send { .. } | Op::Sendto { .. }, OkBody::Sent { n }) => {
            e.note = Some(format!("-> {n}"));
        }
        (Op::Recv { .. }, OkBody::Data { data: d }) => e.output.push(data(d)),
        (Op::Recvfrom { .. }, OkBody::Recvfrom { data: d, addr: a }) => {
            e.output.push(format!("{} {a}", data(d)));
        }
        (Op::Getsockname { .. } | Op::Getpeername { .. }, OkBody::Addr { addr: a }) => {
            e.note = Some(format!("-> {a}"));
        }
        (Op::Getsockopt { .. }, OkBody::Value { value }) => {
            e.note = Some(format!("-> {value}"));
        }
        (Op::Select { .. }, OkBody::Select { r, w, x }) => {
            e.note = Some(format!("r = {}, w = {}, x = {}", list(r), list(w), list(x)));
        }
        _ => {}
    }
}
