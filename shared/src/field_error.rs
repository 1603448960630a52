//! Which field of an op a serde error is about, found in time linear in the frame.
//!
//! serde's type errors (`invalid type: string "x", expected usize`) do not say which
//! field they are about, and path-tracking crates cannot see through an internally
//! tagged enum. The culprit is the one field whose removal makes that error go away
//! (a type error in any other field would still be reported, since serde checks
//! values while reading and missing fields only at the end).
//!
//! Trying every key of the frame that way is quadratic: a 1 MiB frame of 68,000
//! junk keys took minutes. But keys that are not fields of the op are ignored by
//! serde and can never be the culprit, so the search first keeps only the op's own
//! fields ([`fields_of`], at most a handful), in one pass over the frame, and then
//! tries each of them on that small object.
//!
//! Owns the table of each op's wire field names and that search; the op catalogue
//! itself is [`crate::Op`].

use crate::Op;
use serde::Deserialize;
use serde_json::{Map, Value};

/// The wire field names of op `name` (those its variant in [`Op`] reads), or
/// `None` for an unknown op. `op` and `id` are not fields of any op.
///
/// Kept in step with [`Op`] by the tests below, which probe serde for every name.
pub fn fields_of(name: &str) -> Option<&'static [&'static str]> {
    const SOCK: &[&str] = &["sock"];
    const CONN: &[&str] = &["conn"];
    const RECV: &[&str] = &["sock", "bufsize", "flags", "encoding"];
    const STORE: &[&str] = &["conn", "cmd", "blocksize", "rest", "data", "size"];
    let fields: &'static [&'static str] = match name {
        "auth" => &["token"],
        "ping" => &[],
        "cancel" => &["target"],
        "progress" => &["name", "lesson", "step", "steps", "done"],
        "socket" => &["family", "type", "proto"],
        "setsockopt" => &["sock", "level", "name", "value"],
        "getsockopt" => &["sock", "level", "name"],
        "setblocking" => &["sock", "flag"],
        "settimeout" => &["sock", "timeout"],
        "bind" | "connect" | "connect_ex" => &["sock", "addr"],
        "listen" => &["sock", "backlog"],
        "accept" | "getsockname" | "getpeername" | "close" | "tcp_info" => SOCK,
        "send" | "sendall" => &["sock", "data"],
        "sendto" => &["sock", "data", "addr"],
        "recv" | "recvfrom" => RECV,
        "shutdown" => &["sock", "how"],
        "select" => &["rlist", "wlist", "xlist", "timeout"],
        "pipe" => &["sock", "encoding"],
        "http.open" => &["host", "port", "timeout", "tls"],
        "http.request" => &["conn", "method", "url", "body", "headers"],
        "http.putrequest" => &["conn", "method", "url", "skip_host", "skip_accept_encoding"],
        "http.putheader" => &["conn", "header", "values"],
        "http.endheaders" => &["conn", "body"],
        "http.send" => &["conn", "data"],
        "http.read" => &["conn", "amt", "encoding"],
        "http.getresponse" | "http.close" => CONN,
        "ftp.connect" => &["host", "port", "timeout"],
        "ftp.login" => &["conn", "user", "passwd", "acct"],
        "ftp.sendcmd" | "ftp.voidcmd" | "ftp.retrlines" => &["conn", "cmd"],
        "ftp.set_pasv" => &["conn", "val"],
        "ftp.retrbinary" => &["conn", "cmd", "blocksize", "rest", "frames"],
        "ftp.storbinary" | "ftp.storlines" => STORE,
        "ftp.dir" | "ftp.nlst" => &["conn", "args"],
        "ftp.rename" => &["conn", "fromname", "toname"],
        "ftp.delete" | "ftp.size" => &["conn", "name"],
        "ftp.cwd" | "ftp.mkd" | "ftp.rmd" => &["conn", "dirname"],
        "ftp.getwelcome" | "ftp.pwd" | "ftp.abort" | "ftp.quit" | "ftp.close" => CONN,
        "ftp.set_debuglevel" => &["conn", "level"],
        "smtp.connect" => &["host", "port", "timeout", "local_hostname"],
        "pop3.connect" => &["host", "port", "timeout"],
        "smtp.ehlo" | "smtp.helo" => &["conn", "name"],
        "smtp.login" => &["conn", "user", "password"],
        "smtp.sendmail" => &[
            "conn",
            "from_addr",
            "to_addrs",
            "msg",
            "mail_options",
            "rcpt_options",
        ],
        "smtp.send_message" => &["conn", "msg", "from_addr", "to_addrs"],
        "smtp.mail" => &["conn", "sender", "options"],
        "smtp.rcpt" => &["conn", "recip", "options"],
        "smtp.data" => &["conn", "msg"],
        "smtp.docmd" => &["conn", "cmd", "args"],
        "pop3.user" => &["conn", "user"],
        "pop3.pass_" => &["conn", "pswd"],
        "pop3.retr" | "pop3.dele" | "pop3.list" | "pop3.uidl" => &["conn", "which"],
        "pop3.top" => &["conn", "which", "howmuch"],
        "smtp.noop" | "smtp.rset" | "smtp.quit" | "smtp.close" => CONN,
        "pop3.stat" | "pop3.rset" | "pop3.noop" | "pop3.capa" | "pop3.quit" | "pop3.close" => CONN,
        _ => return None,
    };
    Some(fields)
}

/// The field of `map` (a request of op `op_name` that failed with `msg`) that the
/// error is about, if one can be named. Linear in the size of `map`.
pub fn culprit_field(op_name: &str, map: &Map<String, Value>, msg: &str) -> Option<String> {
    if msg.starts_with("missing field") {
        return None; // serde already names it
    }
    let fields = fields_of(op_name)?;
    // One pass over the frame: the op's own fields, in the frame's order (which is
    // the order serde reads them in, so the first failing one stays first).
    let own: Map<String, Value> = map
        .iter()
        .filter(|(k, _)| k.as_str() == "op" || fields.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    // The same error without the junk keys, or the table is out of step with `Op`:
    // then name no field rather than a wrong one.
    if error_of(&own).as_deref() != Some(msg) {
        return None;
    }
    own.keys()
        .filter(|k| k.as_str() != "op")
        .find(|k| {
            let mut without = own.clone();
            without.remove(k.as_str());
            error_of(&without).as_deref() != Some(msg)
        })
        .cloned()
}

/// The error deserializing `map` as an [`Op`] gives, if any.
fn error_of(map: &Map<String, Value>) -> Option<String> {
    Op::deserialize(&Value::Object(map.clone()))
        .err()
        .map(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Whether serde reads `key` as a field of op `name`: a value no field type
    /// accepts (an empty object) fails at that key, while an ignored key never
    /// fails (the request is then fine or lacks a required field).
    fn serde_reads(name: &str, key: &str) -> bool {
        let probe = json!({ "op": name, key: {} });
        match Op::deserialize(&probe) {
            Ok(_) => false,
            Err(e) => !e.to_string().starts_with("missing field"),
        }
    }

    use crate::op::OP_NAMES as OPS;

    #[test]
    fn the_table_matches_what_serde_reads() {
        // Every field name any op has (plus look-alikes): for every op, serde reads
        // exactly the ones the table lists.
        let mut vocabulary: Vec<&str> = OPS
            .iter()
            .flat_map(|op| fields_of(op).unwrap_or_default().iter().copied())
            .collect();
        vocabulary.extend(["id", "kind", "family ", "Sock", "timeout_s", ""]);
        vocabulary.sort_unstable();
        vocabulary.dedup();
        for op in OPS {
            let fields = fields_of(op).unwrap_or_else(|| panic!("{op} has no entry"));
            for key in &vocabulary {
                assert_eq!(
                    serde_reads(op, key),
                    fields.contains(key),
                    "op {op}, key {key:?}: the table disagrees with serde"
                );
            }
        }
        assert_eq!(fields_of("frobnicate"), None);
    }

    #[test]
    fn every_op_of_the_catalogue_has_an_entry() {
        // An unknown op fails with "unknown variant"; every other name is an op.
        for op in OPS {
            let e = Op::deserialize(&json!({ "op": op }))
                .err()
                .map(|e| e.to_string());
            assert!(
                !e.is_some_and(|m| m.starts_with("unknown variant")),
                "{op} is not an op"
            );
        }
        let e = Op::deserialize(&json!({ "op": "nope" }))
            .err()
            .map(|e| e.to_string());
        let expected = e.unwrap_or_default();
        // serde lists every variant in its message: each must be in OPS.
        let listed = expected.matches('`').count() / 2 - 1;
        assert_eq!(listed, OPS.len(), "{expected}");
    }
}
