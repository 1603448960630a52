//! Pyodide (CPython 3.14 in WebAssembly) for the page's Python tab: the npm
//! package `pyodide`, pinned in `e2e/package-lock.json` and installed with the
//! other npm tools ([`crate::install`]), and the files the page loads copied
//! into `dist/pyodide/<version>/` after the trunk build, each with a gzip -9
//! `.gz` twin the relay serves to gzip clients. Nothing comes from a CDN.
//!
//! Also `cargo xtask bench`'s Python figure ([`bench`]): the time from
//! clicking the Python tab to a first `print`, cold and warm, written into
//! `docs/benchmarks.md`.
//!
//! Owns the version check (the one `frontend/python/runtime.js` names must be
//! the installed one), the copy and that benchmark; serving is the relay's
//! (`ui_files.rs`).

use crate::cmd::{self, tool_path, Result};
use crate::install::CHROMIUM;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The files Pyodide's loader fetches to start (no packages are loaded).
const FILES: &[&str] = &[
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
];

/// The installed package: `e2e/node_modules/pyodide`.
pub fn package_dir() -> PathBuf {
    cmd::e2e_dir().join("node_modules").join("pyodide")
}

/// Whether the package is installed (its loader and wasm are there).
pub fn installed() -> bool {
    FILES.iter().all(|f| package_dir().join(f).is_file())
}

/// The `"version"` of the installed package.json.
fn installed_version(dir: &Path) -> Result<String> {
    let text = std::fs::read_to_string(dir.join("package.json")).map_err(|e| {
        cmd::Error(format!(
            "no pyodide package in e2e/node_modules ({e}); run `cargo xtask install`"
        ))
    })?;
    version_of(&text).ok_or_else(|| cmd::Error("pyodide's package.json names no version".into()))
}

/// The first `"version": "…"` of a package.json.
fn version_of(package_json: &str) -> Option<String> {
    let rest = package_json.split("\"version\"").nth(1)?;
    let value = rest.split('"').nth(1)?;
    (!value.is_empty()).then(|| value.to_owned())
}

/// The version `frontend/python/runtime.js` loads (`PYODIDE_VERSION = '…'`).
fn page_version() -> Result<String> {
    let path = cmd::root()
        .join("frontend")
        .join("python")
        .join("runtime.js");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| cmd::Error(format!("cannot read {}: {e}", path.display())))?;
    text.split("PYODIDE_VERSION = '")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .map(str::to_owned)
        .ok_or_else(|| cmd::Error(format!("{} names no PYODIDE_VERSION", path.display())))
}

/// Copies Pyodide into `dist/pyodide/<version>/` (after trunk, which empties
/// `dist/`), with `.gz` twins.
pub fn copy_into_dist() -> Result<()> {
    let src = package_dir();
    let version = installed_version(&src)?;
    let wanted = page_version()?;
    if version != wanted {
        return cmd::fail(format!(
            "frontend/python/runtime.js loads Pyodide {wanted} but e2e/node_modules has {version}: \
             pin the same version in e2e/package.json and runtime.js"
        ));
    }
    cmd::header(&format!(
        "ui: Pyodide {version} into dist/pyodide/{version}/"
    ));
    let dest = cmd::root().join("dist").join("pyodide").join(&version);
    std::fs::create_dir_all(&dest)
        .map_err(|e| cmd::Error(format!("cannot create {}: {e}", dest.display())))?;
    for name in FILES {
        let from = src.join(name);
        let to = dest.join(name);
        std::fs::copy(&from, &to)
            .map_err(|e| cmd::Error(format!("cannot copy {}: {e}", from.display())))?;
        let gz = crate::ui::gzip(&to)?;
        let mut twin = to.into_os_string();
        twin.push(".gz");
        std::fs::write(&twin, gz)
            .map_err(|e| cmd::Error(format!("cannot write {}: {e}", twin.to_string_lossy())))?;
    }
    Ok(())
}

/// The lines of `docs/benchmarks.md` between these markers are the last
/// Python figure.
const BEGIN: &str = "<!-- python-bench -->";
const END: &str = "<!-- /python-bench -->";

/// Starts the relay (debug build, no labs, serving `dist/`), runs
/// `e2e/bench_python.mjs` against it and writes the figures into
/// `docs/benchmarks.md`. Needs a UI build in `dist/`.
pub fn bench() -> Result<()> {
    if !cmd::root().join("dist").join("pyodide").is_dir() {
        println!("no Python figure: dist/ has no Pyodide; run `cargo xtask ui` first");
        return Ok(());
    }
    cmd::step(
        "bench: build the relay",
        cmd::cargo().args(["build", "-p", "relay", "--bin", "socklab"]),
    )?;
    let bin = crate::e2e::target_dir()?.join("debug").join("socklab");
    cmd::header("bench: Python tab, click to first print (cold and warm cache)");
    let mut relay = Command::new(&bin)
        .current_dir(cmd::root())
        .args(["--listen", "127.0.0.1:0", "--no-labs", "--ui-dir", "dist"])
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| cmd::Error(format!("could not start {}: {e}", bin.display())))?;
    // A thread reads the relay's stdout to the end (so it never writes to a
    // closed pipe) and passes on the address it prints.
    let (tx, rx) = std::sync::mpsc::channel();
    if let Some(out) = relay.stdout.take() {
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(|l| l.ok()) {
                if let Some(rest) = line.split("socklab is running: open ").nth(1) {
                    let _ = tx.send(
                        rest.split_whitespace()
                            .next()
                            .unwrap_or_default()
                            .to_owned(),
                    );
                }
            }
        });
    }
    let url = rx
        .recv_timeout(std::time::Duration::from_secs(60))
        .map_err(|_| cmd::Error("the relay did not say where it listens".into()));
    let result = url.and_then(|url| {
        let out = Command::new("node")
            .current_dir(cmd::e2e_dir())
            .env("PATH", tool_path())
            .env("SOCKLAB_URL", &url)
            .env("CHROMIUM", CHROMIUM)
            .arg("bench_python.mjs")
            .output()
            .map_err(|e| cmd::Error(format!("cannot run node: {e}")))?;
        if !out.status.success() {
            return cmd::fail(format!(
                "bench_python.mjs failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    });
    let _ = relay.kill();
    let _ = relay.wait();
    let json = result?;
    let cold = number(&json, "cold_ms");
    let warm = number(&json, "warm_ms");
    let line = format!(
        "Last measured (headless Chromium, `cargo xtask bench`): click to first print \
         **{cold} ms** on a cold cache, **{warm} ms** on a warm one."
    );
    println!("{line}");
    let path = cmd::root().join("docs").join("benchmarks.md");
    let doc = std::fs::read_to_string(&path)
        .map_err(|e| cmd::Error(format!("cannot read {}: {e}", path.display())))?;
    match replace_between(&doc, &line) {
        Some(new) => std::fs::write(&path, new)
            .map_err(|e| cmd::Error(format!("cannot write {}: {e}", path.display()))),
        None => cmd::fail(format!("{} has no {BEGIN} … {END} section", path.display())),
    }
}

/// The number after `"key":` in a flat JSON line ("?" when absent).
fn number(json: &str, key: &str) -> String {
    json.split(&format!("\"{key}\":"))
        .nth(1)
        .map(|rest| {
            rest.chars()
                .take_while(|c| c.is_ascii_digit())
                .collect::<String>()
        })
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "?".into())
}

/// `doc` with the text between [`BEGIN`] and [`END`] replaced by `line`.
fn replace_between(doc: &str, line: &str) -> Option<String> {
    let (head, rest) = doc.split_once(BEGIN)?;
    let (_, tail) = rest.split_once(END)?;
    Some(format!("{head}{BEGIN}\n{line}\n{END}{tail}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn bench_figures_land_between_the_markers() {
        let doc = "a\n<!-- python-bench -->\nold\n<!-- /python-bench -->\nb\n";
        assert_eq!(
            super::replace_between(doc, "new").as_deref(),
            Some("a\n<!-- python-bench -->\nnew\n<!-- /python-bench -->\nb\n")
        );
        assert_eq!(
            super::number("{\"cold_ms\":1234,\"warm_ms\":56}", "warm_ms"),
            "56"
        );
        assert_eq!(super::number("{}", "warm_ms"), "?");
    }

    use super::version_of;

    #[test]
    fn reads_the_version() {
        assert_eq!(
            version_of("{\"name\": \"pyodide\",\n  \"version\": \"314.0.7\",").as_deref(),
            Some("314.0.7")
        );
        assert_eq!(version_of("{}"), None);
    }

    #[test]
    fn the_page_loads_the_pinned_version() {
        let lock = std::fs::read_to_string(crate::cmd::e2e_dir().join("package.json"))
            .unwrap_or_else(|e| panic!("{e}"));
        let pinned = lock
            .split("\"pyodide\": \"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap_or_else(|| panic!("e2e/package.json pins no pyodide"));
        assert_eq!(
            super::page_version().unwrap_or_else(|e| panic!("{}", e.0)),
            pinned
        );
    }
}
