//! The FTP lab's per-login sandboxes and their limits. Every control connection
//! that logs in as `learner` gets its own directory: a copy of the samples plus an
//! empty `uploads/`, created at login and removed from disk when that connection
//! ends (before the client sees the connection close). Two learners never
//! see each other's files.
//!
//! A sandbox holds at most [`QUOTA_BYTES`] (the 1 MiB sample and the other samples
//! count) in at most [`MAX_ENTRIES`] files and directories. An upload that would pass
//! the quota is read to its end and discarded (so the client gets the reply, not a
//! reset), the partial file is deleted, and libunftp answers `552`.

use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, ReadBuf};

/// Bytes one learner sandbox may hold, samples included.
pub(crate) const QUOTA_BYTES: u64 = 16 << 20;
/// Files and directories one learner sandbox may hold, samples included.
pub(crate) const MAX_ENTRIES: usize = 256;
/// After the quota is passed, at most this many more bytes of the upload are read
/// and discarded before the data connection is simply closed.
const MAX_DISCARD: u64 = 64 << 20;

/// The sandbox of one control connection (none until `learner` logs in).
#[derive(Debug)]
pub(crate) struct LoginSandbox {
    samples: PathBuf,
    parent: PathBuf,
    dir: Mutex<Option<tempfile::TempDir>>,
}

impl LoginSandbox {
    /// Sandboxes copy `samples` and live in `parent`.
    pub(crate) fn new(samples: PathBuf, parent: PathBuf) -> LoginSandbox {
        LoginSandbox {
            samples,
            parent,
            dir: Mutex::new(None),
        }
    }

    /// The sandbox's directory, created (with copies of the samples and an empty
    /// `uploads/`) on first use.
    pub(crate) fn home(&self) -> io::Result<PathBuf> {
        let mut dir = self.dir.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(d) = dir.as_ref() {
            return Ok(d.path().to_path_buf());
        }
        let d = tempfile::Builder::new()
            .prefix("learner-")
            .tempdir_in(&self.parent)?;
        copy_tree(&self.samples, d.path())?;
        std::fs::create_dir_all(d.path().join("uploads"))?;
        let path = d.path().to_path_buf();
        *dir = Some(d);
        Ok(path)
    }

    /// Deletes the sandbox from disk (when its connection has ended).
    pub(crate) fn remove(&self) {
        let taken = self
            .dir
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(d) = taken {
            if let Err(e) = d.close() {
                tracing::warn!(lab = "ftp", error = %e, "cannot remove a learner sandbox");
            }
        }
    }
}

impl Drop for LoginSandbox {
    fn drop(&mut self) {
        self.remove();
    }
}

/// Copies the directory tree `from` into the existing directory `to`.
fn copy_tree(from: &Path, to: &Path) -> io::Result<()> {
    let mut todo = vec![(from.to_path_buf(), to.to_path_buf())];
    while let Some((src, dst)) = todo.pop() {
        for entry in std::fs::read_dir(&src)? {
            let entry = entry?;
            let target = dst.join(entry.file_name());
            let kind = entry.file_type()?;
            if kind.is_dir() {
                std::fs::create_dir_all(&target)?;
                todo.push((entry.path(), target));
            } else if kind.is_file() {
                std::fs::copy(entry.path(), &target)?;
            }
        }
    }
    Ok(())
}

/// What a sandbox holds now.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Usage {
    pub(crate) bytes: u64,
    pub(crate) entries: usize,
}

/// Adds up the regular files' sizes and counts every entry under `dir` (symbolic
/// links are counted, never followed).
pub(crate) fn usage(dir: &Path) -> io::Result<Usage> {
    let mut total = Usage::default();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d)? {
            let entry = entry?;
            let meta = std::fs::symlink_metadata(entry.path())?;
            total.entries += 1;
            if meta.is_dir() {
                todo.push(entry.path());
            } else if meta.is_file() {
                total.bytes = total.bytes.saturating_add(meta.len());
            }
        }
    }
    Ok(total)
}

/// An upload's bytes, passed on while they fit `allowance`; past it the rest is
/// read and discarded and the read fails, with [`QuotaReader::passed`] set.
pub(crate) struct QuotaReader<R> {
    inner: R,
    allowance: u64,
    passed_on: u64,
    discarded: u64,
    over: Arc<AtomicBool>,
}

impl<R> QuotaReader<R> {
    /// Passes on at most `allowance` bytes of `inner`; `over` is set once more came.
    pub(crate) fn new(inner: R, allowance: u64, over: Arc<AtomicBool>) -> QuotaReader<R> {
        QuotaReader {
            inner,
            allowance,
            passed_on: 0,
            discarded: 0,
            over,
        }
    }
}

fn over_quota() -> io::Error {
    io::Error::other("the upload exceeds the learner sandbox's quota")
}

impl<R: AsyncRead + Unpin> AsyncRead for QuotaReader<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if !this.over.load(Ordering::Relaxed) {
            let before = buf.filled().len();
            match Pin::new(&mut this.inner).poll_read(cx, buf) {
                Poll::Ready(Ok(())) => {}
                other => return other,
            }
            let n = (buf.filled().len() - before) as u64;
            if this.passed_on + n <= this.allowance {
                this.passed_on += n;
                return Poll::Ready(Ok(()));
            }
            // Not one byte of the read that passes the quota is written.
            buf.set_filled(before);
            this.over.store(true, Ordering::Relaxed);
        }
        let mut scratch = [0u8; 8192];
        loop {
            let mut sink = ReadBuf::new(&mut scratch);
            match Pin::new(&mut this.inner).poll_read(cx, &mut sink) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Ready(Ok(())) if sink.filled().is_empty() => {
                    return Poll::Ready(Err(over_quota()))
                }
                Poll::Ready(Ok(())) => {
                    this.discarded += sink.filled().len() as u64;
                    if this.discarded > MAX_DISCARD {
                        return Poll::Ready(Err(over_quota()));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    #[tokio::test]
    async fn passes_what_fits_and_fails_after_draining_the_rest() {
        let over = Arc::new(AtomicBool::new(false));
        let data = vec![7u8; 10_000];
        let mut r = QuotaReader::new(&data[..], 20_000, over.clone());
        let mut out = Vec::new();
        r.read_to_end(&mut out).await.unwrap();
        assert_eq!(out.len(), 10_000);
        assert!(!over.load(Ordering::Relaxed));

        let mut r = QuotaReader::new(&data[..], 5_000, over.clone());
        let mut out = Vec::new();
        let e = r.read_to_end(&mut out).await.unwrap_err();
        assert!(e.to_string().contains("quota"), "{e}");
        assert!(out.len() <= 5_000, "never more than the allowance");
        assert!(over.load(Ordering::Relaxed));
    }

    #[test]
    fn a_sandbox_copies_the_samples_and_is_removed() {
        let root = tempfile::tempdir().unwrap();
        let samples = root.path().join("samples");
        std::fs::create_dir_all(samples.join("a/b")).unwrap();
        std::fs::write(samples.join("a/b/f.txt"), b"12345").unwrap();
        let parent = root.path().join("sessions");
        std::fs::create_dir_all(&parent).unwrap();
        let s = LoginSandbox::new(samples, parent.clone());
        let home = s.home().unwrap();
        assert_eq!(
            s.home().unwrap(),
            home,
            "the same connection keeps its sandbox"
        );
        assert_eq!(std::fs::read(home.join("a/b/f.txt")).unwrap(), b"12345");
        assert_eq!(
            usage(&home).unwrap(),
            Usage {
                bytes: 5,
                entries: 4 // a, a/b, a/b/f.txt, uploads
            }
        );
        s.remove();
        assert!(!home.exists());
        assert_eq!(std::fs::read_dir(&parent).unwrap().count(), 0);
    }
}
