//! The Python (`http.client`) spelling of the HTTP panel's calls: the code of
//! each call, a one-line summary of its result, and the transcript entry.
//!
//! Pure: reads `shared` ops and outcomes, knows nothing of the DOM or the
//! reducer. Variables are the learner's names of the connections
//! ([`Names`]): the first is `conn1` and its response `r1`, and so on.

use super::names::Names;
use super::PyEntry;
use crate::bytes::{py_bytes, py_str};
use shared::{OkBody, Op, Outcome};

fn timeout(t: f64) -> String {
    if t.fract() == 0.0 {
        format!("{t:.0}")
    } else {
        format!("{t}")
    }
}

/// The code of one call (several lines for `getresponse`: it also prints).
/// `new_conn` is the handle `http.open` answered (`None` before its reply).
pub fn code(op: &Op, names: &Names, new_conn: Option<&str>) -> Vec<String> {
    let conn_var = |h: &str| names.var(Some(h));
    let resp_var = |h: &str| names.response(h);
    match op {
        Op::HttpOpen {
            host,
            port,
            timeout: t,
            tls,
        } => {
            let class = if *tls {
                "HTTPSConnection"
            } else {
                "HTTPConnection"
            };
            let mut args = py_str(host);
            if let Some(p) = port {
                args.push_str(&format!(", {p}"));
            }
            if let Some(t) = t {
                args.push_str(&format!(", timeout={}", timeout(*t)));
            }
            vec![format!(
                "{} = http.client.{class}({args})",
                names.var(new_conn)
            )]
        }
        Op::HttpRequest {
            conn,
            method,
            url,
            body,
            headers,
        } => {
            let mut args = format!("{}, {}", py_str(method), py_str(url));
            if let Some(b) = body {
                args.push_str(&format!(", body={}", py_bytes(b.as_bytes())));
            }
            if !headers.is_empty() {
                let h: Vec<String> = headers
                    .iter()
                    .map(|(n, v)| format!("{}: {}", py_str(n), py_str(v)))
                    .collect();
                args.push_str(&format!(", headers={{{}}}", h.join(", ")));
            }
            vec![format!("{}.request({args})", conn_var(conn))]
        }
        Op::HttpPutrequest {
            conn,
            method,
            url,
            skip_host,
            skip_accept_encoding,
        } => {
            let mut args = format!("{}, {}", py_str(method), py_str(url));
            if *skip_host {
                args.push_str(", skip_host=True");
            }
            if *skip_accept_encoding {
                args.push_str(", skip_accept_encoding=True");
            }
            vec![format!("{}.putrequest({args})", conn_var(conn))]
        }
        Op::HttpPutheader {
            conn,
            header,
            values,
        } => {
            let mut args = py_str(header);
            for v in values {
                args.push_str(&format!(", {}", py_str(v)));
            }
            vec![format!("{}.putheader({args})", conn_var(conn))]
        }
        Op::HttpEndheaders { conn, body } => vec![match body {
            Some(b) => format!("{}.endheaders({})", conn_var(conn), py_bytes(b.as_bytes())),
            None => format!("{}.endheaders()", conn_var(conn)),
        }],
        Op::HttpSend { conn, data } => vec![format!(
            "{}.send({})",
            conn_var(conn),
            py_bytes(data.as_bytes())
        )],
        Op::HttpGetresponse { conn } => vec![
            format!("{} = {}.getresponse()", resp_var(conn), conn_var(conn)),
            format!("print({0}.status, {0}.reason)", resp_var(conn)),
        ],
        Op::HttpRead { conn, amt, .. } => vec![match amt {
            Some(n) => format!("body = {}.read({n})", resp_var(conn)),
            None => format!("body = {}.read()", resp_var(conn)),
        }],
        Op::HttpClose { conn } => vec![format!("{}.close()", conn_var(conn))],
        _ => Vec::new(),
    }
}

/// The call on one line, for the calls list (when it is sent).
pub fn call(op: &Op, names: &Names) -> String {
    code(op, names, None).join("; ")
}

/// A short summary of a successful result.
pub fn result(op: &Op, body: &OkBody, names: &Names) -> String {
    match (op, body) {
        (_, OkBody::Conn { conn }) => format!("→ {}", names.var(Some(conn))),
        (_, OkBody::Response { status, reason, .. }) => format!("{status} {reason}"),
        (Op::HttpRead { .. }, OkBody::Data { data }) => format!("{} bytes", data.len()),
        _ => "ok".into(),
    }
}

/// The transcript entry for a completed `http.*` call (`None` for other ops).
pub fn entry(op: &Op, outcome: &Outcome, names: &Names) -> Option<PyEntry> {
    let new_conn = match outcome {
        Outcome::Ok(OkBody::Conn { conn }) => Some(conn.as_str()),
        _ => None,
    };
    let code = code(op, names, new_conn);
    if code.is_empty() {
        return None;
    }
    Some(PyEntry::answered(code, outcome, |e, body| match body {
        OkBody::Response { status, reason, .. } => e.output.push(format!("{status} {reason}")),
        OkBody::Data { data } => e.note = Some(format!("{} bytes", data.len())),
        _ => {}
    }))
}

#[cfg(test)]
mod tests {
    use super::super::names::Kind;
    use super::*;
    use shared::Data;
    use shared::ErrorBody;

    #[test]
    fn the_lines_of_the_article() {
        let mut names = Names::new(Kind::Http);
        let open = Op::HttpOpen {
            host: "127.0.0.1".into(),
            port: Some(20080),
            timeout: None,
            tls: false,
        };
        assert_eq!(
            call(&open, &names),
            r#"conn1 = http.client.HTTPConnection("127.0.0.1", 20080)"#,
            "named before the relay answers"
        );
        // The relay's handle reads like HTTP/2; the learner reads `conn1`.
        names.add("h2");
        let e = entry(
            &open,
            &Outcome::Ok(OkBody::Conn { conn: "h2".into() }),
            &names,
        )
        .unwrap();
        assert_eq!(
            e.code,
            vec![r#"conn1 = http.client.HTTPConnection("127.0.0.1", 20080)"#]
        );
        assert_eq!(
            result(&open, &OkBody::Conn { conn: "h2".into() }, &names),
            "→ conn1"
        );
        let req = Op::HttpRequest {
            conn: "h2".into(),
            method: "GET".into(),
            url: "/get".into(),
            body: None,
            headers: vec![],
        };
        assert_eq!(
            code(&req, &names, None),
            vec![r#"conn1.request("GET", "/get")"#]
        );
        let get = Op::HttpGetresponse { conn: "h2".into() };
        let e = entry(
            &get,
            &Outcome::Ok(OkBody::Response {
                status: 200,
                reason: "OK".into(),
                version: 11,
                headers: vec![],
            }),
            &names,
        )
        .unwrap();
        assert_eq!(
            e.code,
            vec!["r1 = conn1.getresponse()", "print(r1.status, r1.reason)"]
        );
        assert_eq!(e.output, vec!["200 OK"]);
        let read = Op::HttpRead {
            conn: "h2".into(),
            amt: None,
            encoding: None,
        };
        assert_eq!(code(&read, &names, None), vec!["body = r1.read()"]);
        names.add("h7");
        let post = Op::HttpRequest {
            conn: "h7".into(),
            method: "POST".into(),
            url: "/post".into(),
            body: Some(Data::text("a=1")),
            headers: vec![("X-A".into(), "1".into())],
        };
        assert_eq!(
            code(&post, &names, None),
            vec![r#"conn2.request("POST", "/post", body=b'a=1', headers={"X-A": "1"})"#]
        );
    }

    #[test]
    fn errors_are_printed_as_python_does() {
        let get = Op::HttpGetresponse { conn: "h2".into() };
        let e = entry(
            &get,
            &Outcome::Err(ErrorBody::new("http.ResponseNotReady", "Idle")),
            &Names::new(Kind::Http),
        )
        .unwrap();
        assert_eq!(
            e.error.as_deref(),
            Some("http.client.ResponseNotReady: Idle")
        );
    }
}
