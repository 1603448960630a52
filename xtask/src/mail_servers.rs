//! The mail server the relay's mail tests use that nobody here wrote: Python's
//! `aiosmtpd` (PyPI), installed into the project venv (`target/xtask-venv`, the one
//! `manifests.rs` keeps for `kubernetes-validate`) only when it is missing. The
//! relay tests find that venv's python through [`PYTHON_ENV`]
//! (`relay/tests/mail_foreign.rs`).

use crate::cmd::{self, probe, Result};
use crate::manifests::{ensure_venv, venv, venv_bin};
use std::process::Command;

/// The pinned server.
const AIOSMTPD: &str = "aiosmtpd==1.4.6";
/// The variable that names the python with `aiosmtpd` for `cargo test`.
pub const PYTHON_ENV: &str = "SOCKLAB_MAIL_PYTHON";

/// Installs `aiosmtpd` into the project venv unless it is already there.
pub fn install() -> Result<()> {
    let python = venv_bin("python");
    if probe(Command::new(&python).args(["-c", "import aiosmtpd"])).is_some() {
        println!("ok: {AIOSMTPD} (in {})", venv().display());
        return Ok(());
    }
    ensure_venv()?;
    cmd::step(
        "install: aiosmtpd (pip, into target/xtask-venv)",
        Command::new(venv_bin("pip")).args(["install", "--quiet", AIOSMTPD]),
    )
}

/// `(PYTHON_ENV, the venv's python)` for the test step.
pub fn test_env() -> (&'static str, std::path::PathBuf) {
    (PYTHON_ENV, venv_bin("python"))
}
