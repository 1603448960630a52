//! The Python (`ftplib`) spelling of the FTP panel's calls: the code of each
//! call, a one-line summary of its result, and the transcript entry.
//!
//! Pure: reads `shared` ops and outcomes, knows nothing of the DOM or the
//! reducer. Variables are the learner's names of the connections
//! ([`Names`]): the first is `ftp`, the second `ftp2`, ….

use super::names::Names;
use super::PyEntry;
use crate::bytes::{py_bytes, py_str};
use shared::{OkBody, Op, Outcome};

fn args(list: &[String]) -> String {
    list.iter()
        .map(|a| py_str(a))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The file a `RETR name` / `STOR name` command names, for `open(…)`.
fn local_name(cmd: &str) -> String {
    let name = cmd.split_once(' ').map(|(_, n)| n).unwrap_or(cmd);
    name.rsplit('/').next().unwrap_or(name).to_owned()
}

/// The code of one call; `new_conn` is the handle `ftp.connect` answered
/// (`None` before its reply).
pub fn code(op: &Op, names: &Names, new_conn: Option<&str>) -> Vec<String> {
    let one = |s: String| vec![s];
    let var = |h: &str| names.var(Some(h));
    match op {
        Op::FtpConnect {
            host,
            port,
            timeout,
        } => {
            let v = names.var(new_conn);
            let mut a = py_str(host);
            if let Some(p) = port {
                a.push_str(&format!(", {p}"));
            }
            if let Some(t) = timeout {
                a.push_str(&format!(", timeout={t}"));
            }
            vec![
                format!("{v} = ftplib.FTP()"),
                format!("print({v}.connect({a}))"),
            ]
        }
        Op::FtpLogin {
            conn,
            user,
            passwd,
            acct,
        } => one(
            if (user.is_empty() || user == "anonymous") && passwd.is_empty() {
                format!("print({}.login())", var(conn))
            } else if acct.is_empty() {
                format!(
                    "print({}.login({}, {}))",
                    var(conn),
                    py_str(user),
                    py_str(passwd)
                )
            } else {
                format!(
                    "print({}.login({}, {}, {}))",
                    var(conn),
                    py_str(user),
                    py_str(passwd),
                    py_str(acct)
                )
            },
        ),
        Op::FtpGetwelcome { conn } => one(format!("print({}.getwelcome())", var(conn))),
        Op::FtpSendcmd { conn, cmd } => {
            one(format!("print({}.sendcmd({}))", var(conn), py_str(cmd)))
        }
        Op::FtpVoidcmd { conn, cmd } => {
            one(format!("print({}.voidcmd({}))", var(conn), py_str(cmd)))
        }
        Op::FtpSetPasv { conn, val } => one(format!(
            "{}.set_pasv({})",
            var(conn),
            if *val { "True" } else { "False" }
        )),
        Op::FtpSetDebuglevel { conn, level } => {
            one(format!("{}.set_debuglevel({level})", var(conn)))
        }
        Op::FtpRetrbinary { conn, cmd, .. } => one(format!(
            "with open({}, \"wb\") as f: print({}.retrbinary({}, f.write))",
            py_str(&local_name(cmd)),
            var(conn),
            py_str(cmd)
        )),
        Op::FtpRetrlines { conn, cmd } => {
            one(format!("print({}.retrlines({}))", var(conn), py_str(cmd)))
        }
        Op::FtpStorbinary(s) => one(match &s.data {
            Some(d) => format!(
                "print({}.storbinary({}, io.BytesIO({})))",
                var(&s.conn),
                py_str(&s.cmd),
                py_bytes(d.as_bytes())
            ),
            None => format!(
                "with open({}, \"rb\") as f: print({}.storbinary({}, f))",
                py_str(&local_name(&s.cmd)),
                var(&s.conn),
                py_str(&s.cmd)
            ),
        }),
        Op::FtpStorlines(s) => one(format!(
            "with open({}, \"rb\") as f: print({}.storlines({}, f))",
            py_str(&local_name(&s.cmd)),
            var(&s.conn),
            py_str(&s.cmd)
        )),
        Op::FtpDir { conn, args: a } => one(format!("{}.dir({})", var(conn), args(a))),
        Op::FtpNlst { conn, args: a } => vec![
            format!("names = {}.nlst({})", var(conn), args(a)),
            "print(names)".into(),
        ],
        Op::FtpRename {
            conn,
            fromname,
            toname,
        } => one(format!(
            "print({}.rename({}, {}))",
            var(conn),
            py_str(fromname),
            py_str(toname)
        )),
        Op::FtpDelete { conn, name } => {
            one(format!("print({}.delete({}))", var(conn), py_str(name)))
        }
        Op::FtpSize { conn, name } => one(format!("print({}.size({}))", var(conn), py_str(name))),
        Op::FtpCwd { conn, dirname } => {
            one(format!("print({}.cwd({}))", var(conn), py_str(dirname)))
        }
        Op::FtpMkd { conn, dirname } => {
            one(format!("print({}.mkd({}))", var(conn), py_str(dirname)))
        }
        Op::FtpRmd { conn, dirname } => {
            one(format!("print({}.rmd({}))", var(conn), py_str(dirname)))
        }
        Op::FtpPwd { conn } => one(format!("print({}.pwd())", var(conn))),
        Op::FtpAbort { conn } => one(format!("print({}.abort())", var(conn))),
        Op::FtpQuit { conn } => one(format!("print({}.quit())", var(conn))),
        Op::FtpClose { conn } => one(format!("{}.close()", var(conn))),
        _ => Vec::new(),
    }
}

/// What the call printed (its return value), on one line.
pub fn result(op: &Op, body: &OkBody) -> String {
    match (op, body) {
        (_, OkBody::FtpConnect { welcome, .. }) => welcome.clone(),
        (Op::FtpSize { .. }, OkBody::FtpSize { size, .. }) => size.to_string(),
        (Op::FtpPwd { .. }, OkBody::FtpPath { path, .. }) => path.clone(),
        (Op::FtpMkd { .. }, OkBody::FtpPath { path, .. }) => path.clone(),
        (_, OkBody::FtpTransfer { reply, .. }) => reply.clone(),
        (_, OkBody::FtpSize { reply, .. }) => reply.clone(),
        (_, OkBody::FtpReply { reply }) => reply.clone(),
        (_, OkBody::FtpNames { names }) => {
            let quoted: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
            format!("[{}]", quoted.join(", "))
        }
        (_, OkBody::FtpWelcome { welcome }) => welcome.clone(),
        _ => String::new(),
    }
}

/// The transcript entry for a completed `ftp.*` call (`None` for other ops).
pub fn entry(op: &Op, outcome: &Outcome, names: &Names) -> Option<PyEntry> {
    let new_conn = match outcome {
        Outcome::Ok(OkBody::FtpConnect { conn, .. }) => Some(conn.as_str()),
        _ => None,
    };
    let code = code(op, names, new_conn);
    if code.is_empty() {
        return None;
    }
    Some(PyEntry::answered(code, outcome, |e, body| {
        if code_prints(op) {
            e.output.extend(result(op, body).lines().map(str::to_owned));
        }
    }))
}

/// Whether the code of `op` prints its result.
fn code_prints(op: &Op) -> bool {
    !matches!(
        op,
        Op::FtpSetPasv { .. }
            | Op::FtpSetDebuglevel { .. }
            | Op::FtpDir { .. }
            | Op::FtpClose { .. }
    )
}

#[cfg(test)]
mod tests {
    use super::super::names::Kind;
    use super::*;
    use shared::request::FtpStore;
    use shared::ErrorBody;

    #[test]
    fn the_lines_of_the_article() {
        let mut names = Names::new(Kind::Ftp);
        names.add("f1");
        let connect = Op::FtpConnect {
            host: "127.0.0.1".into(),
            port: Some(20021),
            timeout: None,
        };
        let e = entry(
            &connect,
            &Outcome::Ok(OkBody::FtpConnect {
                conn: "f1".into(),
                welcome: "220 hi".into(),
            }),
            &names,
        )
        .unwrap();
        assert_eq!(
            e.code,
            vec![
                "ftp = ftplib.FTP()",
                r#"print(ftp.connect("127.0.0.1", 20021))"#
            ]
        );
        assert_eq!(e.output, vec!["220 hi"]);
        let login = Op::FtpLogin {
            conn: "f1".into(),
            user: "learner".into(),
            passwd: "learner".into(),
            acct: String::new(),
        };
        assert_eq!(
            code(&login, &names, None),
            vec![r#"print(ftp.login("learner", "learner"))"#]
        );
        let retr = Op::FtpRetrbinary {
            conn: "f1".into(),
            cmd: "RETR docs/x.txt".into(),
            blocksize: None,
            rest: None,
            frames: false,
        };
        assert_eq!(
            code(&retr, &names, None),
            vec![
                r#"with open("x.txt", "wb") as f: print(ftp.retrbinary("RETR docs/x.txt", f.write))"#
            ]
        );
        let stor = Op::FtpStorbinary(FtpStore {
            conn: "f1".into(),
            cmd: "STOR up.bin".into(),
            blocksize: None,
            rest: None,
            data: None,
            size: Some(3),
        });
        assert_eq!(
            code(&stor, &names, None),
            vec![r#"with open("up.bin", "rb") as f: print(ftp.storbinary("STOR up.bin", f))"#]
        );
    }

    #[test]
    fn errors_are_printed_as_ftplib_does() {
        let del = Op::FtpDelete {
            conn: "f1".into(),
            name: "x".into(),
        };
        let mut err = ErrorBody::new("ftp.error_perm", "550 Permission denied");
        err.reply = Some("550 Permission denied".into());
        let e = entry(&del, &Outcome::Err(err), &Names::new(Kind::Ftp)).unwrap();
        assert_eq!(
            e.error.as_deref(),
            Some("ftplib.error_perm: 550 Permission denied")
        );
    }
}
