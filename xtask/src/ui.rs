//! Building the frontend with trunk into `dist/` (what the relay serves at `/`).
//!
//! trunk runs offline (`Trunk.toml` says `offline = true` and we pass `--offline`)
//! with the project-local tools first on `PATH`; [`crate::install::for_ui`] must
//! have run before. Owns nothing else.

use crate::cmd::{self, tool_path, Result};
use std::process::Command;

/// `trunk build [--release]` from the workspace root.
pub fn build(release: bool) -> Result<()> {
    let mut c = Command::new("trunk");
    c.current_dir(cmd::root())
        .env("PATH", tool_path())
        .env("NO_COLOR", "1")
        .args(["build", "--offline"]);
    if release {
        c.arg("--release");
    }
    let mode = if release { "release" } else { "debug" };
    cmd::step(&format!("ui: trunk build ({mode}) into dist/"), &mut c)
}
