//! The workflows behind `cargo xtask run|test|e2e|bench`, each a list of steps
//! that fail fast. Step bodies live in [`crate::install`], [`crate::ui`] and
//! [`crate::e2e`]; this file only orders them.

use crate::cmd::{self, Result};
use crate::{e2e, install, mail_servers, manifests, ui};

/// Whether `cargo xtask test` runs the browser tests (they are always available
/// as `cargo xtask e2e`).
const E2E_IN_TEST: bool = true;

/// `cargo xtask test`: everything CI checks.
pub fn test() -> Result<()> {
    cmd::step(
        "fmt: cargo fmt --check",
        cmd::cargo().args(["fmt", "--all", "--", "--check"]),
    )?;
    install::all()?;
    clippy(
        "clippy: native crates, -D warnings",
        &["--workspace", "--exclude", "frontend"],
    )?;
    clippy(
        "clippy: frontend for wasm32, -D warnings",
        &["-p", "frontend", "--target", "wasm32-unknown-unknown"],
    )?;
    manifests::check()?;
    mail_servers::install()?;
    let (var, python) = mail_servers::test_env();
    cmd::step(
        "test: cargo test --workspace",
        cmd::cargo().args(["test", "--workspace"]).env(var, python),
    )?;
    ui::build(true)?;
    ui::check_budget()?;
    if E2E_IN_TEST {
        e2e::run()?;
    }
    println!("\nxtask test: all steps passed");
    Ok(())
}

/// The step `title`: `cargo clippy` on the crates `selection` picks, every target,
/// warnings denied.
fn clippy(title: &str, selection: &[&str]) -> Result<()> {
    cmd::step(
        title,
        cmd::cargo()
            .arg("clippy")
            .args(selection)
            .args(["--all-targets", "--", "-D", "warnings"]),
    )
}

/// `cargo xtask e2e`: the UI build and the browser tests only.
pub fn e2e() -> Result<()> {
    install::all()?;
    ui::build(true)?;
    e2e::run()
}

/// `cargo xtask run [-- relay args]`: install, build the UI, run the relay.
pub fn run(relay_args: &[String]) -> Result<()> {
    install::for_ui()?;
    ui::build(true)?;
    let mut c = cmd::cargo();
    c.args(["run", "--release", "-p", "relay", "--bin", "socklab", "--"]);
    if !relay_args.iter().any(|a| a.starts_with("--ui-dir")) {
        c.args(["--ui-dir", "dist"]);
    }
    c.args(relay_args);
    // The relay prints `socklab is running: open http://…/` once it listens
    // (relay/src/main.rs), with the address it really bound.
    cmd::step("run: build and start the relay (Ctrl-C stops it)", &mut c)
}

/// The relay's benchmarks, in the order `cargo xtask bench` runs them.
const BENCHES: [(&str, &str); 2] = [
    ("throughput", "bench: relay throughput"),
    (
        "under_attack",
        "bench: ping round trip while another session attacks the relay",
    ),
];

/// `cargo xtask bench [-- args]`: the relay's benchmarks (the same args go to
/// each, e.g. `--quick`), then the UI's compressed size and its last measured
/// start-up time.
pub fn bench(args: &[String]) -> Result<()> {
    for (name, title) in BENCHES {
        let mut c = cmd::cargo();
        c.args(["bench", "-p", "relay", "--bench", name]);
        if !args.is_empty() {
            c.arg("--").args(args);
        }
        cmd::step(title, &mut c)?;
    }
    crate::pyodide::bench()?;
    ui::report_size()
}
