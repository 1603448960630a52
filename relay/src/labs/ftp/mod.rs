//! The FTP lab (127.0.0.1:20021, passive ports 21000–21099): libunftp with the
//! filesystem back end (unftp-sbe-fs) in a temporary directory that is created
//! fresh on every relay start and deleted when the lab stops.
//!
//! Two accounts: `anonymous` (any password) sees the shared, read-only sample tree;
//! `learner` / `learner` gets a sandbox of its own per control connection
//! ([`sandbox`]: a copy of the samples and an empty `uploads/`, with a quota, deleted
//! when the connection ends). The samples: `welcome.txt` (text),
//! `binary/sample-1MiB.bin` (1 MiB of deterministic bytes),
//! `docs/protocols/ftp/notes.txt` (nested directories).
//!
//! Clients talk to a line-level proxy ([`control_proxy`]) that checks `PORT`/`EPRT`
//! against the bounce attack and fixes `257` replies, and forwards everything else
//! to libunftp on an internal loopback connection made from the client's own address
//! (libunftp takes data connections only from its control peer's address). Active (`PORT`) and passive modes
//! are both enabled; data connections go directly between the client and libunftp
//! and stay on loopback because libunftp answers `PASV` with the control
//! connection's local address. At most [`crate::labs::MAX_CLIENTS_PER_LAB`] clients,
//! [`crate::labs::MAX_CLIENTS_PER_PEER`] from one address. Owns the lab's files,
//! accounts and listener; it must not touch relay sessions.

mod control_proxy;
mod data_port;
mod replies;
mod sandbox;

use async_trait::async_trait;
use control_proxy::End;
use libunftp::options::ActivePassiveMode;
use libunftp::{Server, ServerBuilder};
use sandbox::LoginSandbox;
use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncRead;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use unftp_core::auth::{
    AuthenticationError, Authenticator, Credentials, Principal, UserDetail, UserDetailError,
    UserDetailProvider,
};
use unftp_core::storage::{self, Fileinfo, Metadata, StorageBackend};
use unftp_sbe_fs::{Filesystem, Meta};

pub(crate) use sandbox::{MAX_ENTRIES, QUOTA_BYTES};

/// The lab's accounts.
pub(crate) const USER: &str = "learner";
const PASSWORD: &str = "learner";
const GREETING: &str =
    "socklab FTP lab: log in as anonymous (read-only) or learner/learner (writable sandbox)";
/// Size of the binary sample.
pub(crate) const SAMPLE_BIN_LEN: usize = 1 << 20;
/// How long libunftp may take to finish after its control connection closed.
const SERVICE_END_GRACE: Duration = Duration::from_secs(5);

/// The lab's files on disk; the directory is deleted when this is dropped.
/// `anonymous/` holds the samples (read-only for everyone), `sessions/` the learner
/// sandboxes.
pub(crate) struct Files {
    dir: tempfile::TempDir,
}

impl Files {
    /// Creates the sample tree and the sandboxes' directory in a fresh temporary
    /// directory.
    pub(crate) fn create() -> io::Result<Files> {
        let dir = tempfile::Builder::new().prefix("socklab-ftp-").tempdir()?;
        let root = dir.path().join("anonymous");
        std::fs::create_dir_all(root.join("binary"))?;
        std::fs::create_dir_all(root.join("docs/protocols/ftp"))?;
        std::fs::write(
            root.join("welcome.txt"),
            "Welcome to the socklab FTP lab!\r\nThis file travels over a data connection.\r\n",
        )?;
        std::fs::write(root.join("binary/sample-1MiB.bin"), sample_bytes())?;
        std::fs::write(
            root.join("docs/protocols/ftp/notes.txt"),
            "FTP uses two channels: commands on the control connection,\nfiles and listings on data connections.\n",
        )?;
        std::fs::create_dir_all(dir.path().join("sessions"))?;
        Ok(Files { dir })
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn samples(&self) -> PathBuf {
        self.root().join("anonymous")
    }

    /// Where the learner sandboxes live.
    pub(crate) fn sessions(&self) -> PathBuf {
        self.root().join("sessions")
    }
}

/// The binary sample: every byte value, in a pattern that is not all text.
pub(crate) fn sample_bytes() -> Vec<u8> {
    (0..SAMPLE_BIN_LEN)
        .map(|i| (i.wrapping_mul(7) ^ (i >> 8)) as u8)
        .collect()
}

/// Serves FTP clients on `listener` until the task is aborted (which also deletes
/// the files). `internal` is libunftp's side of every control connection: only the
/// proxy's own connections to it are served. `passive` is the passive port range
/// (`LabPorts::ftp_passive_range`); `None` lets the kernel pick a port per `PASV`.
pub(crate) async fn serve(
    listener: TcpListener,
    internal: TcpListener,
    files: Files,
    passive: Option<(u16, u16)>,
) {
    let passive = match passive {
        Some((first, last)) => first..=last,
        None => 0..=0,
    };
    let mut clients = super::LabClients::new("ftp", super::MAX_CLIENTS_PER_LAB, unavailable_reply);
    loop {
        let (mut stream, peer, slot) = clients.admit(&listener).await;
        let (mut to_server, server_side) = match internal_pair(&internal, peer.ip()).await {
            Ok(pair) => pair,
            Err(e) => {
                tracing::warn!(lab = "ftp", error = %e, "cannot reach libunftp");
                let _ = stream.try_write(b"421 Service not available, try again later\r\n");
                continue;
            }
        };
        let sandbox = Arc::new(LoginSandbox::new(files.samples(), files.sessions()));
        let server = match build(files.root(), passive.clone(), sandbox.clone()) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(lab = "ftp", error = %e, "cannot build the FTP server");
                continue;
            }
        };
        clients.spawn(slot, async move {
            let service = tokio::spawn(server.service(server_side));
            let end =
                control_proxy::run(&mut stream, peer.ip(), &mut to_server, super::IDLE_TIMEOUT)
                    .await;
            if end != End::Client {
                tracing::debug!(lab = "ftp", %peer, ?end, "control connection ended");
            }
            drop(to_server);
            if tokio::time::timeout(SERVICE_END_GRACE, service)
                .await
                .is_err()
            {
                tracing::debug!(lab = "ftp", %peer, "libunftp did not end in time");
            }
            // The sandbox is gone before the client sees its connection close.
            sandbox.remove();
            drop(stream);
        });
    }
}

/// What a client turned away by `full` reads: a `421` before the connection closes.
fn unavailable_reply(full: super::Full, peer: SocketAddr) -> String {
    format!(
        "421 {}, try again later\r\n",
        super::full_message(full, peer)
    )
}

/// Connects to libunftp's internal listener from the client's own address `from`
/// and accepts that very connection (a connection from anyone else is dropped).
///
/// libunftp accepts a data connection only from its control connection's peer
/// address, so the proxy's connection must come from the client's address (every
/// 127.0.0.0/8 address is local; the lab listens on 127.0.0.1 only).
async fn internal_pair(internal: &TcpListener, from: IpAddr) -> io::Result<(TcpStream, TcpStream)> {
    let addr = internal.local_addr()?;
    let socket = match from {
        IpAddr::V4(_) => TcpSocket::new_v4()?,
        IpAddr::V6(_) => TcpSocket::new_v6()?,
    };
    socket.bind(SocketAddr::new(from, 0))?;
    let ours = socket.connect(addr).await?;
    let our_addr = ours.local_addr()?;
    for _ in 0..64 {
        let (theirs, from): (TcpStream, SocketAddr) = internal.accept().await?;
        if from == our_addr {
            return Ok((ours, theirs));
        }
    }
    Err(io::Error::other("the internal FTP listener is flooded"))
}

fn build(
    root: &Path,
    passive: std::ops::RangeInclusive<u16>,
    sandbox: Arc<LoginSandbox>,
) -> Result<Server<LabStorage, LabUser>, libunftp::ServerError> {
    let fs_root = root.to_path_buf();
    let provider = Arc::new(LabUsers {
        root: root.to_path_buf(),
        sandbox,
    });
    ServerBuilder::with_user_detail_provider(
        Box::new(move || LabStorage {
            inner: Filesystem::new(fs_root.clone()).ok(),
        }),
        provider,
    )
    .authenticator(Arc::new(LabAuth))
    .greeting(GREETING)
    .passive_ports(passive)
    .active_passive_mode(ActivePassiveMode::ActiveAndPassive)
    .idle_session_timeout(super::IDLE_TIMEOUT.as_secs())
    .build()
}

/// `anonymous` with any password, or `learner`/`learner`.
#[derive(Debug)]
struct LabAuth;

#[async_trait]
impl Authenticator for LabAuth {
    async fn authenticate(
        &self,
        username: &str,
        creds: &Credentials,
    ) -> Result<Principal, AuthenticationError> {
        let ok = match username {
            "anonymous" | "ftp" => true,
            USER => creds.password.as_deref() == Some(PASSWORD),
            _ => return Err(AuthenticationError::BadUser),
        };
        if ok {
            Ok(Principal {
                username: username.to_owned(),
            })
        } else {
            Err(AuthenticationError::BadPassword)
        }
    }
}

/// A logged-in lab user: a home inside the sandbox, writable or not.
#[derive(Debug)]
pub(crate) struct LabUser {
    name: String,
    home: PathBuf,
    writable: bool,
}

impl fmt::Display for LabUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl UserDetail for LabUser {
    fn home(&self) -> Option<&Path> {
        Some(&self.home)
    }
}

/// The accounts of one control connection (which owns at most one sandbox).
#[derive(Debug)]
struct LabUsers {
    root: PathBuf,
    sandbox: Arc<LoginSandbox>,
}

#[async_trait]
impl UserDetailProvider for LabUsers {
    type User = LabUser;

    async fn provide_user_detail(&self, principal: &Principal) -> Result<LabUser, UserDetailError> {
        let writable = principal.username == USER;
        let home = if writable {
            self.sandbox.home().map_err(|e| {
                tracing::warn!(lab = "ftp", error = %e, "cannot create a learner sandbox");
                UserDetailError::Generic(format!("cannot create a sandbox: {e}"))
            })?
        } else {
            self.root.join("anonymous")
        };
        Ok(LabUser {
            name: principal.username.clone(),
            home,
            writable,
        })
    }
}

/// unftp-sbe-fs, with every change refused for read-only users.
#[derive(Debug)]
pub(crate) struct LabStorage {
    /// `None` when the sandbox could not be opened (every operation fails).
    inner: Option<Filesystem>,
}

/// libunftp answers this with `552 Exceeded storage allocation`.
fn exceeded() -> storage::Error {
    storage::Error::from(storage::ErrorKind::ExceededStorageAllocationError)
}

fn denied() -> storage::Error {
    storage::Error::from(storage::ErrorKind::PermissionDenied)
}

impl LabStorage {
    fn fs(&self) -> storage::Result<&Filesystem> {
        self.inner
            .as_ref()
            .ok_or_else(|| storage::Error::from(storage::ErrorKind::LocalError))
    }

    fn writable_fs(&self, user: &LabUser) -> storage::Result<&Filesystem> {
        if user.writable {
            self.fs()
        } else {
            Err(denied())
        }
    }
}

#[async_trait]
impl StorageBackend<LabUser> for LabStorage {
    type Metadata = Meta;

    fn enter(&mut self, user: &LabUser) -> io::Result<()> {
        match self.inner.as_mut() {
            Some(fs) => StorageBackend::<LabUser>::enter(fs, user),
            None => Err(io::Error::other("the FTP lab's sandbox is not available")),
        }
    }

    fn supported_features(&self) -> u32 {
        storage::FEATURE_RESTART
    }

    async fn metadata<P: AsRef<Path> + Send + fmt::Debug>(
        &self,
        user: &LabUser,
        path: P,
    ) -> storage::Result<Meta> {
        self.fs()?.metadata(user, path).await
    }

    async fn list<P: AsRef<Path> + Send + fmt::Debug>(
        &self,
        user: &LabUser,
        path: P,
    ) -> storage::Result<Vec<Fileinfo<PathBuf, Meta>>> {
        self.fs()?.list(user, path).await
    }

    async fn get<P: AsRef<Path> + Send + fmt::Debug>(
        &self,
        user: &LabUser,
        path: P,
        start_pos: u64,
    ) -> storage::Result<Box<dyn AsyncRead + Send + Sync + Unpin>> {
        self.fs()?.get(user, path, start_pos).await
    }

    async fn put<
        P: AsRef<Path> + Send + fmt::Debug,
        R: AsyncRead + Send + Sync + Unpin + 'static,
    >(
        &self,
        user: &LabUser,
        input: R,
        path: P,
        start_pos: u64,
    ) -> storage::Result<u64> {
        let fs = self.writable_fs(user)?;
        let used = sandbox::usage(&user.home)
            .map_err(|e| storage::Error::new(storage::ErrorKind::LocalError, e))?;
        let existing = fs.metadata(user, path.as_ref()).await.ok().map(|m| m.len());
        if existing.is_none() && used.entries >= MAX_ENTRIES {
            return Err(exceeded());
        }
        // The file is cut to `start_pos` before the upload is appended.
        let old = existing.unwrap_or(0);
        let base = used.bytes.saturating_sub(old) + start_pos.min(old);
        let over = Arc::new(AtomicBool::new(false));
        let input =
            sandbox::QuotaReader::new(input, QUOTA_BYTES.saturating_sub(base), over.clone());
        match fs.put(user, input, path.as_ref(), start_pos).await {
            Ok(n) => Ok(n),
            Err(_) if over.load(Ordering::Relaxed) => {
                // The partial file must not stay behind to fill the quota.
                let _ = fs.del(user, path.as_ref()).await;
                Err(exceeded())
            }
            Err(e) => Err(e),
        }
    }

    async fn del<P: AsRef<Path> + Send + fmt::Debug>(
        &self,
        user: &LabUser,
        path: P,
    ) -> storage::Result<()> {
        self.writable_fs(user)?.del(user, path).await
    }

    async fn mkd<P: AsRef<Path> + Send + fmt::Debug>(
        &self,
        user: &LabUser,
        path: P,
    ) -> storage::Result<()> {
        let fs = self.writable_fs(user)?;
        let used = sandbox::usage(&user.home)
            .map_err(|e| storage::Error::new(storage::ErrorKind::LocalError, e))?;
        if used.entries >= MAX_ENTRIES {
            return Err(exceeded());
        }
        fs.mkd(user, path).await
    }

    async fn rename<P: AsRef<Path> + Send + fmt::Debug>(
        &self,
        user: &LabUser,
        from: P,
        to: P,
    ) -> storage::Result<()> {
        self.writable_fs(user)?.rename(user, from, to).await
    }

    async fn rmd<P: AsRef<Path> + Send + fmt::Debug>(
        &self,
        user: &LabUser,
        path: P,
    ) -> storage::Result<()> {
        self.writable_fs(user)?.rmd(user, path).await
    }

    async fn cwd<P: AsRef<Path> + Send + fmt::Debug>(
        &self,
        user: &LabUser,
        path: P,
    ) -> storage::Result<()> {
        self.fs()?.cwd(user, path).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

    /// A raw control connection: send a line, read one reply line.
    struct Control {
        lines: tokio::io::Lines<BufReader<tokio::net::tcp::OwnedReadHalf>>,
        wr: tokio::net::tcp::OwnedWriteHalf,
    }

    impl Control {
        async fn connect(lab: SocketAddr) -> Control {
            let (rd, wr) = TcpStream::connect(lab).await.unwrap().into_split();
            let mut c = Control {
                lines: BufReader::new(rd).lines(),
                wr,
            };
            assert!(c.reply().await.starts_with("220"));
            c
        }
        async fn reply(&mut self) -> String {
            self.lines.next_line().await.unwrap().expect("a reply")
        }
        async fn cmd(&mut self, line: &str) -> String {
            self.wr
                .write_all(format!("{line}\r\n").as_bytes())
                .await
                .unwrap();
            self.reply().await
        }
    }

    #[tokio::test]
    async fn a_learner_sandbox_is_gone_when_its_connection_ends() {
        let files = Files::create().unwrap();
        let sessions = files.sessions();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let lab = listener.local_addr().unwrap();
        let internal = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server = tokio::spawn(serve(listener, internal, files, None));

        let mut a = Control::connect(lab).await;
        assert!(a.cmd("USER learner").await.starts_with("331"));
        assert!(a.cmd("PASS learner").await.starts_with("230"));
        let mut b = Control::connect(lab).await;
        assert!(b.cmd("USER learner").await.starts_with("331"));
        assert!(b.cmd("PASS learner").await.starts_with("230"));
        assert_eq!(
            std::fs::read_dir(&sessions).unwrap().count(),
            2,
            "one sandbox per login"
        );
        assert!(a.cmd("QUIT").await.starts_with("221"));
        assert!(a.lines.next_line().await.unwrap().is_none(), "closed");
        assert_eq!(
            std::fs::read_dir(&sessions).unwrap().count(),
            1,
            "the sandbox is removed before the connection closes"
        );
        drop(b.wr); // a client that just goes away
        assert!(b.lines.next_line().await.unwrap().is_none());
        assert_eq!(std::fs::read_dir(&sessions).unwrap().count(), 0);
        server.abort();
    }

    #[tokio::test]
    async fn a_silent_control_connection_is_closed_after_the_idle_limit() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let client = TcpStream::connect(addr).await.unwrap();
        let (mut lab_side, peer) = listener.accept().await.unwrap();
        let server_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut to_server = TcpStream::connect(server_listener.local_addr().unwrap())
            .await
            .unwrap();
        let (mut fake_server, _) = server_listener.accept().await.unwrap();
        fake_server.write_all(b"220 hi\r\n").await.unwrap();
        let end = control_proxy::run(
            &mut lab_side,
            peer.ip(),
            &mut to_server,
            Duration::from_millis(200),
        )
        .await;
        assert_eq!(end, End::Idle);
        drop(lab_side);
        let mut lines = BufReader::new(client).lines();
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("220 hi"));
        assert_eq!(
            lines.next_line().await.unwrap().as_deref(),
            Some("421 Timeout: nothing sent for 200ms, closing control connection")
        );
    }
}
