//! The FTP lab (127.0.0.1:20021, passive ports 21000–21099): libunftp with the
//! filesystem back end (unftp-sbe-fs) in a temporary directory that is created
//! fresh on every relay start and deleted when the lab stops.
//!
//! Two accounts: `anonymous` (any password) sees a read-only tree; `learner` /
//! `learner` gets a writable sandbox with the same sample files and an empty
//! `uploads/` directory. The samples: `welcome.txt` (text), `binary/sample-1MiB.bin`
//! (1 MiB of deterministic bytes), `docs/protocols/ftp/notes.txt` (nested
//! directories). Active (`PORT`) and passive modes are both enabled; data
//! connections stay on loopback because libunftp answers `PASV` with the control
//! connection's local address. Owns the lab's files, accounts and listener; it must
//! not touch relay sessions.

use async_trait::async_trait;
use libunftp::options::ActivePassiveMode;
use libunftp::{Server, ServerBuilder};
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::AsyncRead;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use unftp_core::auth::{
    AuthenticationError, Authenticator, Credentials, Principal, UserDetail, UserDetailError,
    UserDetailProvider,
};
use unftp_core::storage::{self, Fileinfo, StorageBackend};
use unftp_sbe_fs::{Filesystem, Meta};

/// Most FTP clients served at once.
const MAX_CLIENTS: usize = 64;
/// Passive ports in the range starting at `LabPorts::ftp_passive`.
const PASSIVE_PORTS: u16 = 100;
/// The lab's accounts.
pub(crate) const USER: &str = "learner";
const PASSWORD: &str = "learner";
const GREETING: &str =
    "socklab FTP lab: log in as anonymous (read-only) or learner/learner (writable sandbox)";
/// Size of the binary sample.
pub(crate) const SAMPLE_BIN_LEN: usize = 1 << 20;

/// The lab's files on disk; the directory is deleted when this is dropped.
pub(crate) struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    /// Creates the two trees (`anonymous/` and `learner/`) in a fresh temporary
    /// directory.
    pub(crate) fn create() -> io::Result<Sandbox> {
        let dir = tempfile::Builder::new().prefix("socklab-ftp-").tempdir()?;
        for home in ["anonymous", USER] {
            let root = dir.path().join(home);
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
        }
        std::fs::create_dir_all(dir.path().join(USER).join("uploads"))?;
        Ok(Sandbox { dir })
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }
}

/// The binary sample: every byte value, in a pattern that is not all text.
pub(crate) fn sample_bytes() -> Vec<u8> {
    (0..SAMPLE_BIN_LEN)
        .map(|i| (i.wrapping_mul(7) ^ (i >> 8)) as u8)
        .collect()
}

/// Serves FTP clients until the task is aborted (which also deletes the sandbox).
pub(crate) async fn serve(listener: TcpListener, sandbox: Sandbox, passive_start: u16) {
    let root = sandbox.root().to_path_buf();
    let passive = if passive_start == 0 {
        0..=0
    } else {
        passive_start..=passive_start.saturating_add(PASSIVE_PORTS - 1)
    };
    let limit = Arc::new(Semaphore::new(MAX_CLIENTS));
    let mut clients = JoinSet::new();
    loop {
        let Ok(permit) = limit.clone().acquire_owned().await else {
            return;
        };
        let (stream, peer) = super::accept_next(&listener, "ftp").await;
        while clients.try_join_next().is_some() {}
        let server = match build(&root, passive.clone()) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(lab = "ftp", error = %e, "cannot build the FTP server");
                continue;
            }
        };
        clients.spawn(async move {
            if let Err(e) = server.service(stream).await {
                tracing::debug!(lab = "ftp", %peer, error = %e, "client ended");
            }
            drop(permit);
        });
    }
}

fn build(
    root: &Path,
    passive: std::ops::RangeInclusive<u16>,
) -> Result<Server<LabStorage, LabUser>, libunftp::ServerError> {
    let fs_root = root.to_path_buf();
    let provider = Arc::new(LabUsers {
        root: root.to_path_buf(),
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
    .idle_session_timeout(600)
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

#[derive(Debug)]
struct LabUsers {
    root: PathBuf,
}

#[async_trait]
impl UserDetailProvider for LabUsers {
    type User = LabUser;

    async fn provide_user_detail(&self, principal: &Principal) -> Result<LabUser, UserDetailError> {
        let writable = principal.username == USER;
        let home = if writable { USER } else { "anonymous" };
        Ok(LabUser {
            name: principal.username.clone(),
            home: self.root.join(home),
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
        self.writable_fs(user)?
            .put(user, input, path, start_pos)
            .await
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
        self.writable_fs(user)?.mkd(user, path).await
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
