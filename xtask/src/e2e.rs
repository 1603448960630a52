//! The browser end-to-end tests: starts the real relay (debug build) on a free port
//! with its lab servers on their standard ports, serving `dist/`, then runs the
//! node test files in `e2e/tests/` (playwright-core driving Debian's headless
//! Chromium) against it, and stops the relay whatever happens.
//!
//! Owns the relay process it starts; it must not touch anything the tests write
//! (`artifacts/`, `docs/screenshot.png` are the tests' business).

use crate::cmd::{self, fail, tool_path, Result};
use crate::install::CHROMIUM;
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long the relay may take to start listening.
const RELAY_START_TIMEOUT: Duration = Duration::from_secs(60);
/// The relay's standard lab ports (docs/architecture.md, "Lab servers"): TCP+UDP
/// echo, chat, HTTP, FTP.
const LAB_TCP_PORTS: &[u16] = &[20007, 20023, 20080, 20021];
const LAB_UDP_PORTS: &[u16] = &[20007];

/// Kills the relay when dropped, so a failing test never leaves it running.
struct RelayGuard(Child);

impl Drop for RelayGuard {
    /// Asks the relay to stop (SIGTERM: it closes its sessions and removes its FTP
    /// lab's sandbox), and kills it only if it has not exited within a few seconds.
    fn drop(&mut self) {
        let pid = self.0.id().to_string();
        let asked = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .is_ok_and(|s| s.success());
        if asked {
            for _ in 0..50 {
                if matches!(self.0.try_wait(), Ok(Some(_))) {
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs the browser tests; `dist/` must already hold a UI build.
pub fn run() -> Result<()> {
    check_lab_ports_free()?;
    cmd::step(
        "e2e: build the relay",
        cmd::cargo().args(["build", "-p", "relay", "--bin", "socklab"]),
    )?;
    let relay_bin = target_dir()?.join("debug").join("socklab");
    let port = free_port()?;
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    cmd::header(&format!("e2e: start the relay on {addr}"));
    let mut relay = Command::new(&relay_bin);
    relay
        .current_dir(cmd::root())
        .args(["--listen", &addr.to_string(), "--ui-dir", "dist"])
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null());
    println!("$ {}", cmd::show(&relay));
    let child = relay
        .spawn()
        .map_err(|e| cmd::Error(format!("could not start {}: {e}", relay_bin.display())))?;
    let mut guard = RelayGuard(child);
    wait_listening(&mut guard.0, addr)?;

    let dir = cmd::e2e_dir();
    let mut files: Vec<String> = std::fs::read_dir(dir.join("tests"))
        .map_err(|e| cmd::Error(format!("cannot list e2e/tests: {e}")))?
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".test.mjs"))
        .map(|name| format!("tests/{name}"))
        .collect();
    files.sort();
    if files.is_empty() {
        return fail("no browser tests found in e2e/tests/*.test.mjs");
    }
    let mut node = Command::new("node");
    node.current_dir(&dir)
        .env("PATH", tool_path())
        .env("SOCKLAB_URL", format!("http://{addr}/"))
        .env("SOCKLAB_BIN", &relay_bin)
        .env("CHROMIUM", CHROMIUM)
        .env("ARTIFACTS", cmd::root().join("artifacts"))
        .args(["--test", "--test-concurrency=1"])
        .args(&files);
    let result = cmd::step("e2e: browser tests (headless Chromium)", &mut node);
    drop(guard);
    result
}

/// Fails clearly when something else already holds a lab port.
fn check_lab_ports_free() -> Result<()> {
    for &port in LAB_TCP_PORTS {
        if TcpListener::bind(("127.0.0.1", port)).is_err() {
            return fail(format!(
                "TCP port 127.0.0.1:{port} is taken; the browser tests need the relay's lab \
                 servers on their standard ports. Stop whatever listens there (another \
                 socklab?) and retry."
            ));
        }
    }
    for &port in LAB_UDP_PORTS {
        if UdpSocket::bind(("127.0.0.1", port)).is_err() {
            return fail(format!(
                "UDP port 127.0.0.1:{port} is taken; the browser tests need the UDP echo lab \
                 there. Stop whatever uses it and retry."
            ));
        }
    }
    Ok(())
}

fn free_port() -> Result<u16> {
    TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| cmd::Error(format!("cannot find a free port: {e}")))
}

/// Waits until `addr` accepts TCP connections, or the relay exits, or time runs out.
fn wait_listening(child: &mut Child, addr: SocketAddr) -> Result<()> {
    let limit = RELAY_START_TIMEOUT;
    let start = Instant::now();
    loop {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        if let Ok(Some(status)) = child.try_wait() {
            return fail(format!(
                "the relay exited ({status}) before listening on {addr}"
            ));
        }
        if start.elapsed() > limit {
            return fail(format!(
                "the relay did not listen on {addr} within {limit:?}"
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Cargo's target directory (honours `CARGO_TARGET_DIR` and config).
pub(crate) fn target_dir() -> Result<PathBuf> {
    let out = cmd::probe(cmd::cargo().args(["metadata", "--format-version", "1", "--no-deps"]))
        .ok_or_else(|| cmd::Error("`cargo metadata` failed".into()))?;
    let key = "\"target_directory\":\"";
    let start = out
        .find(key)
        .map(|i| i + key.len())
        .ok_or_else(|| cmd::Error("`cargo metadata` printed no target_directory".into()))?;
    let end = out[start..]
        .find('"')
        .map(|i| start + i)
        .ok_or_else(|| cmd::Error("`cargo metadata` output is cut short".into()))?;
    Ok(PathBuf::from(out[start..end].replace("\\\\", "\\")))
}
