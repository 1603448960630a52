//! Reading a **socket-family request** (`socket`, `bind`, `connect`, `recv`,
//! `select`, `close`, `cancel`, …) by hand, for a program running in the page
//! (the Python tab's socket layer hands the page one op as JSON per call).
//!
//! serde's derived `Deserialize` of the whole [`Op`] enum (an internally tagged
//! enum of every family: HTTP, FTP, mail, …) buffers the input and compiles every
//! variant; in the browser's wasm it costs about 40 KB gzip, which the workbench
//! page cannot carry. A program's `socket`/`select` layer only sends the ops
//! read here: each is picked by its `op` name and its fields are read by their
//! own `Deserialize` from one `serde_json::Value`, with the derive's defaults.
//! Any other op name is an error. The relay still reads
//! every request with the derive (`request.rs`); `shared/tests/program_ops.rs`
//! checks that both readings agree.

use crate::decode::field;
use crate::{Family, Op};
use serde::de::Error as _;
use serde::Deserialize;
use serde_json::{Error, Value};

/// One request without its `id` (`{"op": "connect", "sock": "s1", "addr":
/// ["127.0.0.1", 20007]}`), read as the relay would read it.
pub fn program_op(text: &str) -> Result<Op, Error> {
    let v: Value = serde_json::from_str(text)?;
    let name: String = field(&v, "op")?;
    let v = &v;
    Ok(match name.as_str() {
        "ping" => Op::Ping,
        "cancel" => Op::Cancel {
            target: field(v, "target")?,
        },
        "socket" => Op::Socket {
            family: or_default(v, "family", Family::AfInet)?,
            kind: or_default(v, "type", Default::default())?,
            proto: or_default(v, "proto", 0)?,
        },
        "setsockopt" => Op::Setsockopt {
            sock: field(v, "sock")?,
            level: field(v, "level")?,
            name: field(v, "name")?,
            value: field(v, "value")?,
        },
        "getsockopt" => Op::Getsockopt {
            sock: field(v, "sock")?,
            level: field(v, "level")?,
            name: field(v, "name")?,
        },
        "setblocking" => Op::Setblocking {
            sock: field(v, "sock")?,
            flag: field(v, "flag")?,
        },
        "settimeout" => Op::Settimeout {
            sock: field(v, "sock")?,
            timeout: field(v, "timeout")?,
        },
        "bind" => Op::Bind {
            sock: field(v, "sock")?,
            addr: field(v, "addr")?,
        },
        "listen" => Op::Listen {
            sock: field(v, "sock")?,
            backlog: field(v, "backlog")?,
        },
        "accept" => Op::Accept {
            sock: field(v, "sock")?,
        },
        "connect" => Op::Connect(Deserialize::deserialize(v)?),
        "connect_ex" => Op::ConnectEx(Deserialize::deserialize(v)?),
        "send" => Op::Send(Deserialize::deserialize(v)?),
        "sendall" => Op::Sendall(Deserialize::deserialize(v)?),
        "sendto" => Op::Sendto {
            sock: field(v, "sock")?,
            data: field(v, "data")?,
            addr: field(v, "addr")?,
        },
        "recv" => Op::Recv(Deserialize::deserialize(v)?),
        "recvfrom" => Op::Recvfrom(Deserialize::deserialize(v)?),
        "getsockname" => Op::Getsockname {
            sock: field(v, "sock")?,
        },
        "getpeername" => Op::Getpeername {
            sock: field(v, "sock")?,
        },
        "shutdown" => Op::Shutdown {
            sock: field(v, "sock")?,
            how: field(v, "how")?,
        },
        "close" => Op::Close {
            sock: field(v, "sock")?,
        },
        "select" => Op::Select {
            rlist: or_default(v, "rlist", Vec::new())?,
            wlist: or_default(v, "wlist", Vec::new())?,
            xlist: or_default(v, "xlist", Vec::new())?,
            timeout: field(v, "timeout")?,
        },
        other => {
            return Err(Error::custom(format_args!(
                "`{other}` is not an op a program's socket layer sends (the socket \
                 family, select, cancel and ping)"
            )))
        }
    })
}

/// Field `key`, or `default` when it is missing (serde's `#[serde(default)]`).
fn or_default<'a, T: Deserialize<'a>>(
    v: &'a Value,
    key: &'static str,
    default: T,
) -> Result<T, Error> {
    match v.get(key) {
        Some(value) => T::deserialize(value),
        None => Ok(default),
    }
}
