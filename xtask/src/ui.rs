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

/// Prints the gzip size of each file of the release UI in `dist/` (what a browser
/// downloads) and the time to a usable workbench from the last browser test run.
pub fn report_size() -> Result<()> {
    cmd::header("bench: UI size (gzip -9) and start-up");
    let dist = cmd::root().join("dist");
    let Ok(entries) = std::fs::read_dir(&dist) else {
        println!("no dist/: run `cargo xtask ui` (or `cargo xtask test`) first");
        return Ok(());
    };
    let mut total = 0u64;
    let mut rows: Vec<(String, u64, u64)> = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if !meta.is_file() {
            continue;
        }
        let raw = meta.len();
        let out = std::process::Command::new("gzip")
            .args(["-9", "-c"])
            .arg(&path)
            .output()
            .map_err(|e| cmd::Error(format!("cannot run gzip: {e}")))?;
        let gz = out.stdout.len() as u64;
        total += gz;
        rows.push((entry.file_name().to_string_lossy().into_owned(), raw, gz));
    }
    rows.sort();
    for (name, raw, gz) in rows {
        println!("{name:<45} {raw:>9} B  {gz:>8} B gzip");
    }
    println!(
        "{:<45} {:>9}    {total:>8} B gzip (target <= 300 KB)",
        "total", ""
    );
    let ready = cmd::root().join("artifacts").join("first-usable-ms.txt");
    match std::fs::read_to_string(&ready) {
        Ok(ms) => println!(
            "navigation to a usable workbench (headless Chromium, last e2e run): {} ms",
            ms.trim()
        ),
        Err(_) => println!("no start-up figure yet: run `cargo xtask e2e`"),
    }
    Ok(())
}
