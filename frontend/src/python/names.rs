//! The names a learner reads for the relay's protocol handles: the relay calls
//! an HTTP connection `h2` and an FTP connection `f3` (its wire protocol keeps
//! those), the transcript and the panels call them `conn1`, `conn2`, … and
//! `ftp`, `ftp2`, … — numbered in the order the learner opened them.
//!
//! Pure display mapping, kept by each protocol slice; a new relay session
//! forgets the old handles but keeps counting, so names never repeat in one
//! transcript.

use std::collections::BTreeMap;

/// Which protocol's connections are named.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Kind {
    /// `conn1`, `conn2`, … (responses `r1`, `r2`, …).
    #[default]
    Http,
    /// `ftp`, `ftp2`, … (as the ftplib docs call the first one).
    Ftp,
    /// `smtp`, `smtp2`, … (`smtplib.SMTP`).
    Smtp,
    /// `pop`, `pop2`, … (`poplib.POP3`).
    Pop3,
}

/// Handle → learner name, for one protocol.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Names {
    kind: Kind,
    /// The connection number of each handle of this relay session.
    of: BTreeMap<String, u32>,
    /// Connections named so far (across relay sessions).
    count: u32,
}

impl Names {
    pub fn new(kind: Kind) -> Names {
        Names {
            kind,
            ..Names::default()
        }
    }

    /// Names the connection the relay just opened as `handle` (once).
    pub fn add(&mut self, handle: &str) {
        if !self.of.contains_key(handle) {
            self.count += 1;
            self.of.insert(handle.to_owned(), self.count);
        }
    }

    /// A new relay session: its handles are new ones.
    pub fn forget_handles(&mut self) {
        self.of.clear();
    }

    /// The number of connection `handle` (`None` for a handle not named yet:
    /// the next connection's number).
    fn number(&self, handle: Option<&str>) -> u32 {
        handle
            .and_then(|h| self.of.get(h).copied())
            .unwrap_or(self.count + 1)
    }

    /// The variable of connection `handle` (`None`: the one being opened).
    pub fn var(&self, handle: Option<&str>) -> String {
        let n = self.number(handle);
        match (self.kind, n) {
            (Kind::Http, n) => format!("conn{n}"),
            (Kind::Ftp, 1) => "ftp".into(),
            (Kind::Ftp, n) => format!("ftp{n}"),
            (Kind::Smtp, 1) => "smtp".into(),
            (Kind::Smtp, n) => format!("smtp{n}"),
            (Kind::Pop3, 1) => "pop".into(),
            (Kind::Pop3, n) => format!("pop{n}"),
        }
    }

    /// The variable of the latest response of HTTP connection `handle`.
    pub fn response(&self, handle: &str) -> String {
        format!("r{}", self.number(Some(handle)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_connections_are_conn_n_whatever_the_handle() {
        let mut n = Names::new(Kind::Http);
        assert_eq!(n.var(None), "conn1", "the one being opened");
        n.add("h2");
        assert_eq!(
            (n.var(Some("h2")), n.response("h2")),
            ("conn1".into(), "r1".into())
        );
        n.add("h5");
        assert_eq!(n.var(Some("h5")), "conn2");
        n.forget_handles();
        n.add("h1");
        assert_eq!(n.var(Some("h1")), "conn3", "a new session keeps counting");
    }

    #[test]
    fn the_first_ftp_connection_is_ftp() {
        let mut n = Names::new(Kind::Ftp);
        n.add("f3");
        n.add("f3");
        n.add("f4");
        assert_eq!(
            (n.var(Some("f3")), n.var(Some("f4"))),
            ("ftp".into(), "ftp2".into())
        );
    }
}
