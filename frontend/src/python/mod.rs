//! The Python transcript: each completed request becomes the Python 3 code that
//! performs the same call ([`PyEntry`]), with what it printed or raised, and the
//! whole session renders as a runnable `.py` file ([`script`]).
//!
//! The builders, one per API: [`socket`] (`socket`, `select`), [`http`]
//! (`http.client`), [`ftp`] (`ftplib`) and [`mail`] (`smtplib`, `poplib`). Pure: they read `shared` ops and
//! outcomes and know nothing of the DOM or the reducer. Sockets are named
//! after the relay's handles (`s1`, `s2`, …); HTTP and FTP connections get the
//! learner's names of [`names`] (`conn1`, `ftp`). A failed call reads as
//! [`failure`] says.

pub mod ftp;
pub mod http;
pub mod mail;
pub mod names;
pub mod socket;

use shared::{codes, ErrorBody, OkBody, Outcome};

/// Every code line of a transcript, in order (what tests compare).
#[cfg(test)]
pub fn code_lines(transcript: &crate::log::Log<PyEntry>) -> Vec<String> {
    transcript
        .items()
        .iter()
        .flat_map(|e| e.code.clone())
        .collect()
}

/// One transcript entry: the code of one call and what running it shows.
#[derive(Clone, Debug, PartialEq)]
pub struct PyEntry {
    /// Code lines, without indentation.
    pub code: Vec<String>,
    /// What the script prints when it runs these lines (one string per line).
    pub output: Vec<String>,
    /// The Python exception line when the call raised one Python would raise too.
    pub error: Option<String>,
    /// A comment for the reader (results that vary between runs, e.g. ports).
    pub note: Option<String>,
    /// Why these lines are commented out of the script (socklab-only refusals,
    /// cancelled calls): Python itself would not behave like that.
    pub skipped: Option<String>,
    /// The operator's side of a socklab refusal (`err.detail`: rule, flag).
    pub detail: Option<String>,
}

impl PyEntry {
    /// The call failed: the script raises what Python would raise, or comments the
    /// call out when only socklab refuses it (see [`python_raises`]).
    pub fn record_error(&mut self, err: &ErrorBody) {
        if python_raises(err) {
            self.error = Some(err.python());
        } else {
            self.skipped = Some(failure(err, &self.code));
            self.detail = err.detail.clone();
        }
    }

    pub fn new(code: Vec<String>) -> PyEntry {
        PyEntry {
            code,
            output: Vec::new(),
            error: None,
            note: None,
            skipped: None,
            detail: None,
        }
    }

    /// The entry of a completed call whose code is `code`: the error it raised,
    /// or what `on_ok` reads from its reply.
    pub fn answered(
        code: Vec<String>,
        outcome: &Outcome,
        on_ok: impl FnOnce(&mut PyEntry, &OkBody),
    ) -> PyEntry {
        let mut e = PyEntry::new(code);
        match outcome {
            Outcome::Err(err) => e.record_error(err),
            Outcome::Ok(body) => on_ok(&mut e, body),
        }
        e
    }

    /// A plain comment line (e.g. "the relay reconnected").
    pub fn comment(text: impl Into<String>) -> PyEntry {
        PyEntry {
            note: Some(text.into()),
            ..PyEntry::new(Vec::new())
        }
    }
}

/// How the page says that the call whose code is `code` failed: the
/// exception Python prints, or for a call the learner cancelled, which call it
/// was in the learner's words (`cancelled conn1.getresponse()`), not the
/// relay's request number.
pub fn failure(err: &ErrorBody, code: &[String]) -> String {
    if err.code == codes::CANCELLED {
        format!(
            "cancelled {}",
            bare_call(code.first().map_or("", String::as_str))
        )
    } else {
        err.python()
    }
}

/// The error as a socket card shows it: a cancelled call names the call
/// (`KeyboardInterrupt  # cancelled: s1.recv(100)`), not the request number.
pub fn shown_error(err: &ErrorBody, code: &[String]) -> ErrorBody {
    let mut shown = err.clone();
    if err.code == codes::CANCELLED {
        shown.message = bare_call(code.first().map_or("", String::as_str)).to_owned();
    }
    shown
}

/// The call of a code line without what surrounds it: `r1 = conn1.getresponse()`
/// → `conn1.getresponse()`, `with open(…) as f: print(ftp.retrbinary(…))` →
/// `ftp.retrbinary(…)`.
fn bare_call(line: &str) -> &str {
    let line = line.split("; ").next().unwrap_or(line);
    let line = line.rsplit_once(" as f: ").map_or(line, |(_, l)| l);
    let line = match line.split_once(" = ") {
        Some((vars, call)) if !vars.contains('(') => call,
        _ => line,
    };
    line.strip_prefix("print(")
        .and_then(|l| l.strip_suffix(')'))
        .unwrap_or(line)
}

/// Whether plain Python would raise this error too (the script keeps the call);
/// socklab-only refusals (`not_allowed`, `limit`, `cancelled`, …) are commented out.
pub fn python_raises(e: &ErrorBody) -> bool {
    e.os_errno().is_some()
        || e.code == "timeout"
        || e.code == "gaierror"
        || e.code.starts_with("http.") && e.code != "http.NotConnected"
        || e.code.starts_with("ssl.")
        || e.code.starts_with("ftp.")
        || e.code.starts_with("smtp.")
        || e.code.starts_with("pop3.")
}

const HEADER: &str = "\
#!/usr/bin/env python3
# A socklab session: the Python 3 calls made in the workbench, in the order they
# completed. Run it with python3 against the same servers (socklab's labs).
import email
import ftplib
import http.client
import io
import poplib
import select
import smtplib
import socket


def report(e):
    \"\"\"Prints an exception as Python names it at the end of a traceback.\"\"\"
    name = type(e).__name__
    if isinstance(e, socket.gaierror):
        name = \"socket.gaierror\"
    elif type(e).__module__ in (\"http.client\", \"ftplib\", \"smtplib\", \"poplib\"):
        name = f\"{type(e).__module__}.{name}\"
    print(f\"{name}: {e}\")

";

/// The whole transcript as a runnable Python script.
pub fn script(entries: &[PyEntry]) -> String {
    let mut out = String::from(HEADER);
    for e in entries {
        if let Some(why) = &e.skipped {
            for line in &e.code {
                out.push_str(&format!("# {line}\n"));
            }
            out.push_str(&format!("#   socklab answered: {why}\n"));
            continue;
        }
        if e.error.is_some() {
            out.push_str("try:\n");
            for line in &e.code {
                out.push_str(&format!("    {line}\n"));
            }
            out.push_str("except Exception as e:\n    report(e)\n");
        } else {
            for (i, line) in e.code.iter().enumerate() {
                out.push_str(line);
                if i + 1 == e.code.len() {
                    if let Some(note) = &e.note {
                        out.push_str(&format!("  # {note}"));
                    }
                }
                out.push('\n');
            }
            if e.code.is_empty() {
                if let Some(note) = &e.note {
                    out.push_str(&format!("# {note}\n"));
                }
            }
        }
    }
    out
}

/// What running [`script`] prints, line by line (errors included).
pub fn expected_output(entries: &[PyEntry]) -> Vec<String> {
    let mut out = Vec::new();
    for e in entries.iter().filter(|e| e.skipped.is_none()) {
        match &e.error {
            Some(err) => out.push(err.clone()),
            None => out.extend(e.output.iter().cloned()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::socket::{call, entry};
    use super::*;
    use shared::{Addr, ConnectArgs, Data, Errno, Family, Op, RecvArgs, SockType};

    fn ok(body: OkBody) -> Outcome {
        Outcome::Ok(body)
    }

    #[test]
    fn calls_read_like_python() {
        let connect = Op::Connect(ConnectArgs {
            sock: "s1".into(),
            addr: Addr::new("127.0.0.1", 20007),
        });
        assert_eq!(
            call(&connect).unwrap(),
            "s1.connect((\"127.0.0.1\", 20007))"
        );
        let recv = Op::Recv(RecvArgs {
            sock: "s1".into(),
            bufsize: 100,
            flags: vec![],
            encoding: None,
        });
        let e = entry(
            &recv,
            &ok(OkBody::Data {
                data: Data::text("hi\n"),
            }),
        )
        .unwrap();
        assert_eq!(e.code, vec!["data = s1.recv(100)", "print(data)"]);
        assert_eq!(e.output, vec!["b'hi\\n'"]);
        let sock = Op::Socket {
            family: Family::AfInet,
            kind: SockType::Stream,
            proto: 0,
        };
        let e = entry(&sock, &ok(OkBody::Sock { sock: "s2".into() })).unwrap();
        assert_eq!(
            e.code,
            vec!["s2 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)"]
        );
        let accept = Op::Accept { sock: "s1".into() };
        let e = entry(
            &accept,
            &ok(OkBody::Accept {
                sock: "s3".into(),
                addr: Addr::new("127.0.0.1", 5555),
            }),
        )
        .unwrap();
        assert_eq!(e.code, vec!["s3, addr = s1.accept()"]);
        assert_eq!(e.note.as_deref(), Some("addr = ('127.0.0.1', 5555)"));
    }

    #[test]
    fn errors_are_raised_and_reported_like_python() {
        let connect = Op::Connect(ConnectArgs {
            sock: "s1".into(),
            addr: Addr::new("127.0.0.1", 20009),
        });
        let refused = Outcome::Err(ErrorBody::errno(Errno::ECONNREFUSED));
        let e = entry(&connect, &refused).unwrap();
        assert_eq!(
            e.error.as_deref(),
            Some("ConnectionRefusedError: [Errno 111] Connection refused")
        );
        let script = script(std::slice::from_ref(&e));
        assert!(script.contains(
            "try:\n    s1.connect((\"127.0.0.1\", 20009))\nexcept Exception as e:\n    report(e)\n"
        ));
        assert_eq!(
            expected_output(&[e]),
            vec!["ConnectionRefusedError: [Errno 111] Connection refused"]
        );

        let denied = Outcome::Err(ErrorBody::new("not_allowed", "outside --allow-connect"));
        let e = entry(&connect, &denied).unwrap();
        assert!(e.skipped.is_some());
        assert!(script_lines(&e).iter().all(|l| l.starts_with('#')));
        assert!(expected_output(&[e]).is_empty());
    }

    fn script_lines(e: &PyEntry) -> Vec<String> {
        script(std::slice::from_ref(e))
            .strip_prefix(HEADER)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn a_cancelled_call_is_named_not_numbered() {
        let cancelled = ErrorBody::new(codes::CANCELLED, "request 4 was cancelled by the client");
        let code = |l: &str| vec![l.to_owned(), "print(x)".to_owned()];
        assert_eq!(
            failure(&cancelled, &code("r1 = conn1.getresponse()")),
            "cancelled conn1.getresponse()"
        );
        assert_eq!(
            failure(
                &cancelled,
                &code(r#"with open("a", "wb") as f: print(ftp.retrbinary("RETR a", f.write))"#)
            ),
            r#"cancelled ftp.retrbinary("RETR a", f.write)"#
        );
        let recv = Op::Recv(RecvArgs {
            sock: "s1".into(),
            bufsize: 100,
            flags: vec![],
            encoding: None,
        });
        let e = entry(&recv, &Outcome::Err(cancelled.clone())).unwrap();
        assert_eq!(e.skipped.as_deref(), Some("cancelled s1.recv(100)"));
        assert!(!script(&[e]).contains("request 4"));
        let one_line = call(&recv).unwrap_or_default();
        assert_eq!(failure(&cancelled, &[one_line]), "cancelled s1.recv(100)");
    }

    #[test]
    fn plumbing_is_not_transcribed() {
        assert!(entry(&Op::Ping, &ok(OkBody::Empty {})).is_none());
        assert!(entry(&Op::Cancel { target: 3 }, &ok(OkBody::Empty {})).is_none());
    }

    #[test]
    fn script_is_python() {
        let e = entry(
            &Op::Settimeout {
                sock: "s1".into(),
                timeout: Some(5.0),
            },
            &ok(OkBody::Empty {}),
        )
        .unwrap();
        assert_eq!(e.code, vec!["s1.settimeout(5.0)"]);
        let s = script(&[e, PyEntry::comment("relay reconnected")]);
        assert!(s.starts_with("#!/usr/bin/env python3\n"));
        assert!(
            s.ends_with("s1.settimeout(5.0)\n# relay reconnected\n"),
            "{s}"
        );
    }
}
