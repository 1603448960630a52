//! Running external programs as named steps: a visible header, the exact command
//! line, and an error that says which step failed and how to reproduce it.
//!
//! Owns [`Error`]/[`Result`] for the whole xtask and the workspace paths
//! ([`root`]). It knows nothing about which steps exist.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A failed step, explained for a human.
#[derive(Debug)]
pub struct Error(pub String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// Shorthand for building an [`Error`].
pub fn fail<T>(msg: impl Into<String>) -> Result<T> {
    Err(Error(msg.into()))
}

/// The workspace root (the parent of this crate's manifest directory).
pub fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(Path::to_path_buf).unwrap_or(manifest)
}

/// Prints a step header.
pub fn header(title: &str) {
    println!("\n==> {title}");
}

/// Renders a command line for messages.
pub fn show(c: &Command) -> String {
    let mut s = c.get_program().to_string_lossy().into_owned();
    for a in c.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// Runs `c` (inheriting stdio) as the step `title`; fails fast with a message
/// naming the step and the command.
pub fn step(title: &str, c: &mut Command) -> Result<()> {
    header(title);
    println!("$ {}", show(c));
    run(c).map_err(|e| Error(format!("step `{title}` failed: {e}")))
}

/// Runs `c` (inheriting stdio) and checks its exit status.
pub fn run(c: &mut Command) -> Result<()> {
    let status = c
        .status()
        .map_err(|e| Error(format!("could not start `{}`: {e}", show(c))))?;
    if status.success() {
        Ok(())
    } else {
        fail(format!("`{}` exited with {status}", show(c)))
    }
}

/// Runs `c` quietly and returns its stdout when it succeeds; `None` when the
/// program is missing or fails (used to probe what is installed).
pub fn probe(c: &mut Command) -> Option<String> {
    let out = c.stdin(Stdio::null()).stderr(Stdio::null()).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A `cargo` command (the one running this xtask, as cargo tells us).
pub fn cargo() -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut c = Command::new(cargo);
    c.current_dir(root());
    c
}

/// The directory holding the project-local npm tools (wasm-opt, playwright-core).
pub fn e2e_dir() -> PathBuf {
    root().join("e2e")
}

/// `PATH` with the project-local tool directories first, so that trunk finds the
/// pinned `wasm-opt` (npm `binaryen`) and the cargo-installed tools.
pub fn tool_path() -> std::ffi::OsString {
    let mut dirs = vec![e2e_dir().join("node_modules").join(".bin")];
    if let Some(home) = cargo_home() {
        dirs.push(home.join("bin"));
    }
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(dirs).unwrap_or_default()
}

/// `$CARGO_HOME`, or `~/.cargo`.
pub fn cargo_home() -> Option<PathBuf> {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
}
