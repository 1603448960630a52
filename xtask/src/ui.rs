//! Building the frontend with trunk into `dist/` (what the relay serves at `/`).
//!
//! trunk runs offline (`Trunk.toml` says `offline = true` and we pass `--offline`)
//! with the project-local tools first on `PATH`; [`crate::install::for_ui`] must
//! have run before. Owns nothing else.

use crate::cmd::{self, tool_path, Result};
use std::process::Command;

/// Cargo profile overrides for the release wasm build (cargo reads them from
/// the environment; they apply to this trunk run only).
const SIZE_PROFILE: &[(&str, &str)] = &[
    ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "z"),
    ("CARGO_PROFILE_RELEASE_LTO", "true"),
    ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "1"),
    ("CARGO_PROFILE_RELEASE_DEBUG", "false"),
];

/// `trunk build [--release]` from the workspace root.
pub fn build(release: bool) -> Result<()> {
    let mut c = Command::new("trunk");
    c.current_dir(cmd::root())
        .env("PATH", tool_path())
        // trunk's clap rejects NO_COLOR=1 (it wants true/false): drop it and say
        // the same thing trunk's way.
        .env_remove("NO_COLOR")
        .env("TRUNK_COLOR", "never")
        .env("TRUNK_SKIP_VERSION_CHECK", "true")
        .args(["build", "--offline"]);
    if release {
        c.arg("--release");
        // Small wasm (≈215 KB gzip instead of ≈300 KB): size-optimised, one
        // codegen unit, LTO, no debug info. Set here rather than in the workspace
        // profile so the native relay keeps its speed-optimised release build.
        for (key, value) in SIZE_PROFILE {
            c.env(key, value);
        }
    }
    let mode = if release { "release" } else { "debug" };
    cmd::step(&format!("ui: trunk build ({mode}) into dist/"), &mut c)
}
