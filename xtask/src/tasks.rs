//! The workflows behind `cargo xtask run|test|e2e|bench`, each a list of steps
//! that fail fast. Step bodies live in [`crate::install`], [`crate::ui`] and
//! [`crate::e2e`]; this file only orders them.

use crate::cmd::{self, Result};
use crate::{e2e, install, ui};
use std::net::SocketAddr;

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
    cmd::step(
        "clippy: native crates, -D warnings",
        cmd::cargo().args([
            "clippy",
            "--workspace",
            "--exclude",
            "frontend",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    cmd::step(
        "clippy: frontend for wasm32, -D warnings",
        cmd::cargo().args([
            "clippy",
            "-p",
            "frontend",
            "--target",
            "wasm32-unknown-unknown",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    cmd::step(
        "test: cargo test --workspace",
        cmd::cargo().args(["test", "--workspace"]),
    )?;
    ui::build(true)?;
    if E2E_IN_TEST {
        e2e::run()?;
    }
    println!("\nxtask test: all steps passed");
    Ok(())
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
    let listen = listen_addr(relay_args);
    cmd::header("run: build and start the relay (Ctrl-C stops it)");
    println!("$ {}", cmd::show(&c));
    let mut child = c
        .spawn()
        .map_err(|e| cmd::Error(format!("could not start `{}`: {e}", cmd::show(&c))))?;
    let probe = match listen.ip() {
        ip if ip.is_unspecified() => SocketAddr::from(([127, 0, 0, 1], listen.port())),
        _ => listen,
    };
    // The first build of the relay in release mode can take minutes.
    e2e::wait_listening_for(&mut child, probe, std::time::Duration::from_secs(1800))?;
    println!("\nsocklab is running: open http://{probe}/\n");
    let status = child
        .wait()
        .map_err(|e| cmd::Error(format!("waiting for the relay: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        cmd::fail(format!("the relay exited with {status}"))
    }
}

/// `cargo xtask bench [-- args]`: the relay's throughput benchmark.
pub fn bench(args: &[String]) -> Result<()> {
    let mut c = cmd::cargo();
    c.args(["bench", "-p", "relay", "--bench", "throughput"]);
    if !args.is_empty() {
        c.arg("--").args(args);
    }
    cmd::step("bench: relay throughput", &mut c)
}

/// The relay's `--listen` from its arguments (default 127.0.0.1:8080).
fn listen_addr(args: &[String]) -> SocketAddr {
    let default = SocketAddr::from(([127, 0, 0, 1], 8080));
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let value = if a == "--listen" {
            it.next().cloned()
        } else {
            a.strip_prefix("--listen=").map(str::to_owned)
        };
        if let Some(v) = value {
            return v.parse().unwrap_or(default);
        }
    }
    default
}

#[cfg(test)]
mod tests {
    use super::listen_addr;

    #[test]
    fn listen_address_from_relay_args() {
        let args = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(listen_addr(&[]).to_string(), "127.0.0.1:8080");
        assert_eq!(
            listen_addr(&args(&["--listen", "0.0.0.0:9000"])).to_string(),
            "0.0.0.0:9000"
        );
        assert_eq!(
            listen_addr(&args(&["--no-labs", "--listen=127.0.0.1:7000"])).to_string(),
            "127.0.0.1:7000"
        );
    }
}
