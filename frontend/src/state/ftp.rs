//! The FTP panel's slice of the state: the current `ftplib.FTP` connection
//! (logged-in user, working directory, passive/active), the remote listing,
//! the control-channel transcript (with PASV/EPSV replies decoded), one lane
//! per data connection linked to the command that opened it, the transfers
//! with their progress, and the Python transcript.
//!
//! The transcript holds only the calls the learner made: the page re-reads the
//! directory after each change (`pwd()` and `dir()`, marked with
//! [`FtpAction::Automatic`]) to keep the browser view true, but a person
//! writing ftplib would not, so those calls update the view and leave the
//! transcript, the `.py` and the status line alone. Connections are named as
//! the learner reads them (`ftp`, `ftp2`: [`Names`]).
//!
//! Fed by the reducer (`state/mod.rs`, through [`ProtocolSlice`]) with the
//! `ftp.*` requests sent and their replies, the `wire` events of `f…` handles
//! and `ftp.block`/`ftp.line`. It performs no I/O and must not touch the socket
//! workbench's state.

mod parse;

use parse::{decode_pasv, parse_list_line};

use super::protocol::ProtocolSlice;
use crate::log::Log;
use crate::python::ftp as python_ftp;
use crate::python::names::{Kind, Names};
use crate::python::{failure, PyEntry};
use shared::{Channel, Dir, Event, OkBody, Op, Outcome};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

/// One line of the control channel.
#[derive(Clone, Debug, PartialEq)]
pub struct ControlLine {
    pub t: u64,
    pub dir: Dir,
    /// The text without its final CRLF.
    pub text: String,
    /// For a 227/229 reply: the data address it names, explained.
    pub decoded: Option<String>,
    /// The data lane (index into `lanes`) this command opened.
    pub lane: Option<usize>,
}

/// One data connection.
#[derive(Clone, Debug, PartialEq)]
pub struct Lane {
    /// The command that opened it (`RETR welcome.txt`, `LIST`), once known.
    pub command: Option<String>,
    /// The steps the relay reported (`open passive …`, `8192 bytes`, `close after …`).
    pub steps: Vec<String>,
    pub bytes: u64,
    pub closed: bool,
}

/// One entry of the remote listing.
#[derive(Clone, Debug, PartialEq)]
pub struct RemoteEntry {
    pub name: String,
    pub is_dir: bool,
    pub size: Option<u64>,
    /// The `LIST` line as the server sent it.
    pub line: String,
}

/// A download or upload with its progress.
#[derive(Clone, Debug, PartialEq)]
pub struct Transfer {
    pub id: u64,
    pub name: String,
    pub upload: bool,
    /// Bytes expected, when known (the file's size, the `150 … (n bytes)` reply).
    pub total: Option<u64>,
    pub done: u64,
    /// `None` while running; the final reply or the Python error.
    pub result: Option<Result<String, String>>,
}

impl Transfer {
    /// The transfer ended with an error (its bar is marked failed).
    pub fn failed(&self) -> bool {
        matches!(self.result, Some(Err(_)))
    }
}

/// A finished download, for the panel to hand to the browser.
#[derive(Clone, Debug, PartialEq)]
pub struct Downloaded {
    /// Increases with each download (the panel saves each one once).
    pub seq: u32,
    pub name: String,
    pub bytes: Rc<Vec<u8>>,
}

/// Actions only the FTP panel makes.
#[derive(Clone, Debug, PartialEq)]
pub enum FtpAction {
    /// An upload of `total` bytes of `name` started as request `id`.
    Uploading { id: u64, name: String, total: u64 },
    /// The next `ftp.*` request sent is the page's own (re-reading the
    /// directory after a change), not a call the learner made.
    Automatic,
    /// Forget the transcripts and lanes.
    Clear,
}

/// Everything the FTP panel shows.
#[derive(Clone, Debug, PartialEq)]
pub struct FtpState {
    /// The handle of the current connection (`f1`).
    pub conn: Option<String>,
    pub welcome: Option<String>,
    /// Who is logged in.
    pub user: Option<String>,
    pub pwd: Option<String>,
    pub passive: bool,
    pub listing: Vec<RemoteEntry>,
    pub control: Log<ControlLine>,
    pub lanes: Vec<Lane>,
    pub transfers: Vec<Transfer>,
    pub downloaded: Option<Downloaded>,
    /// The last result line (a reply, a size, or the Python error).
    pub status: Option<Result<String, String>>,
    pub transcript: Log<PyEntry>,
    pending: BTreeMap<u64, Op>,
    /// Lines of a running `ftp.dir`.
    dir_lines: Vec<RemoteEntry>,
    /// Blocks of a running download (shared between states: no copy per action).
    blocks: Log<Vec<u8>>,
    /// A transfer command sent whose data connection has not opened yet.
    unlinked_cmd: Option<(usize, String)>,
    downloads: u32,
    /// The learner's names of the connections.
    names: Names,
    /// The next request sent is the page's own ([`FtpAction::Automatic`]).
    automatic_next: bool,
    /// The page's own requests still waiting.
    automatic: BTreeSet<u64>,
}

impl Default for FtpState {
    fn default() -> FtpState {
        FtpState {
            conn: None,
            welcome: None,
            user: None,
            pwd: None,
            passive: false,
            listing: Vec::new(),
            control: Log::default(),
            lanes: Vec::new(),
            transfers: Vec::new(),
            downloaded: None,
            status: None,
            transcript: Log::default(),
            pending: BTreeMap::new(),
            dir_lines: Vec::new(),
            blocks: Log::default(),
            unlinked_cmd: None,
            downloads: 0,
            names: Names::new(Kind::Ftp),
            automatic_next: false,
            automatic: BTreeSet::new(),
        }
    }
}

const TRANSFER_VERBS: &[&str] = &["RETR", "STOR", "APPE", "STOU", "LIST", "NLST", "MLSD"];

impl FtpState {
    /// This state with logs of its own (`Log::fork`).
    pub fn fork(&self) -> FtpState {
        FtpState {
            control: self.control.fork(),
            transcript: self.transcript.fork(),
            blocks: self.blocks.fork(),
            ..self.clone()
        }
    }

    /// Whether a call is waiting for its reply.
    pub fn busy(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Logged in on an open connection.
    pub fn ready(&self) -> bool {
        self.conn.is_some() && self.user.is_some()
    }

    /// The learner's name of connection `handle` (`ftp`, `ftp2`).
    pub fn name(&self, handle: &str) -> String {
        self.names.var(Some(handle))
    }

    /// The running request of the connection (requests run in order).
    fn running(&self) -> Option<(u64, &Op)> {
        self.pending.iter().next().map(|(id, op)| (*id, op))
    }

    pub fn on_action(&mut self, action: FtpAction) {
        match action {
            FtpAction::Uploading { id, name, total } => {
                if let Some(t) = self.transfers.iter_mut().find(|t| t.id == id) {
                    t.total = Some(total);
                } else {
                    self.transfers.push(Transfer {
                        id,
                        name,
                        upload: true,
                        total: Some(total),
                        done: 0,
                        result: None,
                    });
                }
            }
            FtpAction::Automatic => self.automatic_next = true,
            FtpAction::Clear => {
                self.control = Log::default();
                self.transcript = Log::default();
                self.lanes.clear();
                self.transfers.retain(|t| t.result.is_none());
            }
        }
    }

    fn on_control(&mut self, t: u64, dir: Dir, text: String) {
        let text = text.trim_end_matches(['\r', '\n']).to_owned();
        let decoded = match dir {
            Dir::In => decode_pasv(&text),
            Dir::Out => None,
        };
        let mut lane = None;
        if dir == Dir::Out {
            let verb = text.split(' ').next().unwrap_or("").to_ascii_uppercase();
            if TRANSFER_VERBS.contains(&verb.as_str()) {
                // Passive: the data connection opened just before the command.
                match self.lanes.last_mut() {
                    Some(l) if l.command.is_none() && !l.closed => {
                        l.command = Some(text.clone());
                        lane = Some(self.lanes.len() - 1);
                    }
                    _ => self.unlinked_cmd = Some((self.control.len(), text.clone())),
                }
            }
        }
        self.control.push(ControlLine {
            t,
            dir,
            text,
            decoded,
            lane,
        });
    }

    fn on_data_step(&mut self, text: &str) {
        if text.starts_with("open ") {
            let command = self.unlinked_cmd.take().map(|(_, c)| c);
            self.lanes.push(Lane {
                command,
                steps: vec![text.to_owned()],
                bytes: 0,
                closed: false,
            });
            return;
        }
        let Some(lane) = self.lanes.last_mut() else {
            return;
        };
        lane.steps.push(text.to_owned());
        if text.starts_with("close") {
            lane.closed = true;
        } else if let Some(n) = text.strip_suffix(" bytes announced") {
            if let (Ok(n), Some(t)) = (n.parse::<u64>(), self.transfers.last_mut()) {
                if t.result.is_none() {
                    t.total = Some(n);
                }
            }
        } else if let Some(n) = text.strip_suffix(" bytes") {
            if let Ok(n) = n.parse::<u64>() {
                lane.bytes += n;
                let running = self.running().map(|(id, _)| id);
                if let Some(t) = self
                    .transfers
                    .iter_mut()
                    .find(|t| Some(t.id) == running && t.result.is_none())
                {
                    t.done += n;
                }
            }
        }
    }
}

impl ProtocolSlice for FtpState {
    fn owns_op(op: &Op) -> bool {
        op.is_ftp()
    }

    fn wants_event(event: &Event) -> bool {
        match event {
            Event::Wire { handle, .. } => handle.starts_with('f'),
            Event::FtpBlock { .. } | Event::FtpLine { .. } => true,
            _ => false,
        }
    }

    fn awaits(&self, id: u64) -> bool {
        self.pending.contains_key(&id)
    }

    fn on_hello(&mut self) {
        self.conn = None;
        self.user = None;
        self.pwd = None;
        self.welcome = None;
        self.listing.clear();
        self.pending.clear();
        self.automatic.clear();
        self.automatic_next = false;
        self.names.forget_handles();
        for t in self.transfers.iter_mut().filter(|t| t.result.is_none()) {
            t.result = Some(Err("the relay connection was lost".into()));
        }
    }

    fn on_sent(&mut self, id: u64, op: &Op) {
        self.pending.insert(id, op.clone());
        if std::mem::take(&mut self.automatic_next) {
            self.automatic.insert(id);
        }
        match op {
            Op::FtpRetrbinary { cmd, .. } => {
                let name = cmd.strip_prefix("RETR ").unwrap_or(cmd).to_owned();
                let total = self
                    .listing
                    .iter()
                    .find(|e| e.name == name)
                    .and_then(|e| e.size);
                self.transfers.push(Transfer {
                    id,
                    name,
                    upload: false,
                    total,
                    done: 0,
                    result: None,
                });
            }
            Op::FtpStorbinary(store) | Op::FtpStorlines(store)
                if !self.transfers.iter().any(|t| t.id == id) =>
            {
                let name = store.cmd.strip_prefix("STOR ").unwrap_or(&store.cmd);
                self.transfers.push(Transfer {
                    id,
                    name: name.to_owned(),
                    upload: true,
                    total: store.size.or(store.data.as_ref().map(|d| d.len() as u64)),
                    done: 0,
                    result: None,
                });
            }
            _ => {}
        }
    }

    fn on_event(&mut self, t: u64, event: &Event) {
        match event {
            Event::Wire {
                handle,
                channel,
                dir,
                data,
            } if handle.starts_with('f') => {
                let text = String::from_utf8_lossy(data.as_bytes()).into_owned();
                match channel {
                    Channel::Control => self.on_control(t, *dir, text),
                    Channel::Data => self.on_data_step(&text),
                    Channel::Http => {}
                }
            }
            Event::FtpBlock { data, .. } => {
                self.blocks.push(data.as_bytes().to_vec());
            }
            Event::FtpLine { line, .. } => {
                if matches!(self.running(), Some((_, Op::FtpDir { .. }))) {
                    self.dir_lines.push(parse_list_line(line));
                }
            }
            _ => {}
        }
    }

    fn on_replied(&mut self, id: u64, outcome: &Outcome) -> Option<PyEntry> {
        let op = self.pending.remove(&id)?;
        let automatic = self.automatic.remove(&id);
        if let Outcome::Ok(OkBody::FtpConnect { conn, .. }) = outcome {
            self.names.add(conn);
        }
        let mut entry = if automatic {
            None
        } else {
            python_ftp::entry(&op, outcome, &self.names)
        };
        if let (Some(e), Op::FtpDir { .. }, Outcome::Ok(_)) = (entry.as_mut(), &op, outcome) {
            // `ftp.dir()` prints each line of the listing.
            e.output = self.dir_lines.iter().map(|l| l.line.clone()).collect();
        }
        if let Some(e) = &entry {
            self.transcript.push(e.clone());
        }
        let result = match outcome {
            Outcome::Ok(body) => Ok(python_ftp::result(&op, body)),
            Outcome::Err(e) => Err(failure(e, &python_ftp::code(&op, &self.names, None))),
        };
        // The status line answers the learner's calls (and says when the
        // page's own re-reading failed).
        if !automatic || result.is_err() {
            self.status = Some(result.clone());
        }
        if let Some(t) = self.transfers.iter_mut().find(|t| t.id == id) {
            t.result = Some(result);
            if let Outcome::Ok(OkBody::FtpTransfer { bytes, .. }) = outcome {
                t.done = *bytes;
                t.total = Some(*bytes);
            }
        }
        let Outcome::Ok(body) = outcome else {
            if matches!(op, Op::FtpDir { .. }) {
                self.dir_lines.clear();
            }
            if matches!(op, Op::FtpRetrbinary { .. }) {
                self.blocks = Log::default();
            }
            if matches!(op, Op::FtpConnect { .. }) {
                self.conn = None;
            }
            return entry;
        };
        match (&op, body) {
            (Op::FtpConnect { .. }, OkBody::FtpConnect { conn, welcome }) => {
                self.conn = Some(conn.clone());
                self.welcome = Some(welcome.clone());
                self.user = None;
                self.pwd = None;
                self.passive = true;
                self.listing.clear();
            }
            (Op::FtpLogin { user, .. }, _) => {
                self.user = Some(if user.is_empty() {
                    "anonymous".into()
                } else {
                    user.clone()
                });
            }
            (Op::FtpPwd { .. }, OkBody::FtpPath { path, .. }) => {
                self.pwd = Some(path.clone());
            }
            (Op::FtpSetPasv { val, .. }, _) => self.passive = *val,
            (Op::FtpDir { .. }, _) => {
                self.listing = std::mem::take(&mut self.dir_lines);
            }
            (Op::FtpSize { name, .. }, OkBody::FtpSize { size, .. }) => {
                if let Some(e) = self.listing.iter_mut().find(|e| &e.name == name) {
                    e.size = Some(*size);
                }
            }
            (Op::FtpRetrbinary { cmd, .. }, _) => {
                let name = cmd.strip_prefix("RETR ").unwrap_or(cmd);
                let name = name.rsplit('/').next().unwrap_or(name).to_owned();
                self.downloads += 1;
                self.downloaded = Some(Downloaded {
                    seq: self.downloads,
                    name,
                    bytes: Rc::new(std::mem::take(&mut self.blocks).items().concat()),
                });
            }
            (Op::FtpQuit { .. } | Op::FtpClose { .. }, _) => {
                self.conn = None;
                self.user = None;
                self.pwd = None;
                self.listing.clear();
            }
            _ => {}
        }
        entry
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::Data;

    fn wire(channel: Channel, dir: Dir, text: &str) -> Event {
        Event::Wire {
            handle: "f1".into(),
            channel,
            dir,
            data: Data::text(text),
        }
    }

    #[test]
    fn a_download_links_its_lane_and_keeps_its_bytes() {
        let mut s = FtpState {
            conn: Some("f1".into()),
            ..FtpState::default()
        };
        let op = Op::FtpRetrbinary {
            conn: "f1".into(),
            cmd: "RETR welcome.txt".into(),
            blocksize: None,
            rest: None,
            frames: false,
        };
        s.on_sent(7, &op);
        s.on_event(1, &wire(Channel::Control, Dir::Out, "PASV\r\n"));
        s.on_event(
            1,
            &wire(
                Channel::Control,
                Dir::In,
                "227 Entering Passive Mode (127,0,0,1,82,8)\r\n",
            ),
        );
        s.on_event(
            1,
            &wire(
                Channel::Data,
                Dir::Out,
                "open passive 127.0.0.1:5 -> 127.0.0.1:21000",
            ),
        );
        s.on_event(1, &wire(Channel::Control, Dir::Out, "RETR welcome.txt\r\n"));
        s.on_event(2, &wire(Channel::Data, Dir::In, "5 bytes"));
        s.on_event(
            2,
            &Event::FtpBlock {
                conn: "f1".into(),
                data: Data::text("hello"),
            },
        );
        s.on_event(2, &wire(Channel::Data, Dir::In, "close after 5 bytes"));
        assert_eq!(s.transfers[0].done, 5);
        s.on_replied(
            7,
            &Outcome::Ok(OkBody::FtpTransfer {
                reply: "226 ok".into(),
                bytes: 5,
            }),
        );
        assert_eq!(s.lanes.len(), 1);
        assert_eq!(s.lanes[0].command.as_deref(), Some("RETR welcome.txt"));
        assert!(s.lanes[0].closed);
        let ctl = s.control.items();
        assert!(ctl[1].decoded.is_some());
        assert_eq!(ctl[2].lane, Some(0));
        drop(ctl);
        let d = s.downloaded.as_ref().expect("download");
        assert_eq!(
            (d.name.as_str(), d.bytes.as_slice()),
            ("welcome.txt", &b"hello"[..])
        );
        assert_eq!(s.transcript.len(), 1);
    }

    #[test]
    fn active_mode_links_the_command_sent_before_the_open() {
        let mut s = FtpState::default();
        s.on_event(
            1,
            &wire(Channel::Control, Dir::Out, "PORT 127,0,0,1,1,2\r\n"),
        );
        s.on_event(1, &wire(Channel::Control, Dir::Out, "LIST\r\n"));
        s.on_event(
            1,
            &wire(
                Channel::Data,
                Dir::In,
                "open active 127.0.0.1:258 -> 127.0.0.1:20",
            ),
        );
        assert_eq!(s.lanes[0].command.as_deref(), Some("LIST"));
    }

    fn ok(body: OkBody) -> Outcome {
        Outcome::Ok(body)
    }

    fn reply(text: &str) -> Outcome {
        ok(OkBody::FtpReply { reply: text.into() })
    }

    /// A state connected as `f4` and logged in.
    fn logged_in() -> FtpState {
        let mut s = FtpState::default();
        let connect = Op::FtpConnect {
            host: "127.0.0.1".into(),
            port: Some(20021),
            timeout: None,
        };
        s.on_sent(1, &connect);
        s.on_replied(
            1,
            &ok(OkBody::FtpConnect {
                conn: "f4".into(),
                welcome: "220 hi".into(),
            }),
        );
        let login = Op::FtpLogin {
            conn: "f4".into(),
            user: "learner".into(),
            passwd: "learner".into(),
            acct: String::new(),
        };
        s.on_sent(2, &login);
        s.on_replied(2, &reply("230 ok"));
        s
    }

    /// The page re-reads the directory the way the panel does.
    fn refresh(s: &mut FtpState, id: u64) {
        s.on_action(FtpAction::Automatic);
        s.on_sent(id, &Op::FtpPwd { conn: "f4".into() });
        s.on_replied(
            id,
            &ok(OkBody::FtpPath {
                path: "/uploads".into(),
                reply: "257 \"/uploads\"".into(),
            }),
        );
        s.on_action(FtpAction::Automatic);
        s.on_sent(
            id + 1,
            &Op::FtpDir {
                conn: "f4".into(),
                args: Vec::new(),
            },
        );
        s.on_replied(id + 1, &reply("226 listed"));
    }

    fn code(s: &FtpState) -> Vec<String> {
        crate::python::code_lines(&s.transcript)
    }

    #[test]
    fn the_page_s_own_refresh_stays_out_of_the_transcript_and_the_status() {
        let mut s = logged_in();
        let mkd = Op::FtpMkd {
            conn: "f4".into(),
            dirname: "new".into(),
        };
        s.on_sent(3, &mkd);
        let made = ok(OkBody::FtpPath {
            path: "/uploads/new".into(),
            reply: "257 \"/uploads/new\"".into(),
        });
        assert!(s.on_replied(3, &made).is_some());
        refresh(&mut s, 4);
        assert_eq!(
            code(&s),
            [
                "ftp = ftplib.FTP()",
                r#"print(ftp.connect("127.0.0.1", 20021))"#,
                r#"print(ftp.login("learner", "learner"))"#,
                r#"print(ftp.mkd("new"))"#,
            ]
        );
        // mkd's return value: on the status line and printed by the script.
        assert_eq!(s.status, Some(Ok("/uploads/new".into())));
        let last = s.transcript.items().last().cloned().expect("mkd");
        assert_eq!(last.output, ["/uploads/new"]);
        assert_eq!(s.pwd.as_deref(), Some("/uploads"), "the view is refreshed");
        // An explicit pwd() is the learner's: transcribed, its value shown.
        s.on_sent(6, &Op::FtpPwd { conn: "f4".into() });
        let entry = s.on_replied(
            6,
            &ok(OkBody::FtpPath {
                path: "/uploads".into(),
                reply: "257".into(),
            }),
        );
        assert_eq!(entry.map(|e| e.output), Some(vec!["/uploads".to_owned()]));
        assert_eq!(s.status, Some(Ok("/uploads".into())));
    }

    #[test]
    fn a_failed_delete_stays_a_failure() {
        let mut s = logged_in();
        s.on_sent(
            3,
            &Op::FtpDelete {
                conn: "f4".into(),
                name: "nope".into(),
            },
        );
        let mut err = shared::ErrorBody::new("ftp.error_perm", "550 no such file");
        err.reply = Some("550 no such file".into());
        s.on_replied(3, &Outcome::Err(err));
        refresh(&mut s, 4);
        assert_eq!(
            s.status,
            Some(Err("ftplib.error_perm: 550 no such file".into()))
        );
    }

    #[test]
    fn after_quit_there_is_no_connection() {
        let mut s = logged_in();
        s.on_sent(3, &Op::FtpQuit { conn: "f4".into() });
        s.on_replied(3, &reply("221 bye"));
        assert!(s.conn.is_none() && !s.ready());
        assert_eq!(
            code(&s).last().map(String::as_str),
            Some("print(ftp.quit())")
        );
    }

    #[test]
    fn a_failed_upload_keeps_its_bytes_and_its_error() {
        let mut s = logged_in();
        s.on_action(FtpAction::Uploading {
            id: 3,
            name: "big.bin".into(),
            total: 10,
        });
        s.on_sent(
            3,
            &Op::FtpStorbinary(shared::request::FtpStore {
                conn: "f4".into(),
                cmd: "STOR big.bin".into(),
                blocksize: None,
                rest: None,
                data: None,
                size: Some(10),
            }),
        );
        s.on_event(1, &wire(Channel::Data, Dir::Out, "open passive a -> b"));
        s.on_event(1, &wire(Channel::Data, Dir::Out, "10 bytes"));
        let mut err = shared::ErrorBody::new("ftp.error_temp", "552 quota");
        err.reply = Some("552 quota".into());
        s.on_replied(3, &Outcome::Err(err));
        let t = &s.transfers[0];
        assert_eq!(t.result, Some(Err("ftplib.error_temp: 552 quota".into())));
        assert!(t.failed());
    }
}
