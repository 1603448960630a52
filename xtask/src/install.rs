//! Idempotent installation of every tool the workflows need: each check looks
//! first and installs only what is missing, and nothing comes from outside
//! crates.io, npm or Debian's packages.
//!
//! | tool | from | check |
//! |---|---|---|
//! | `wasm32-unknown-unknown` | rustup | `rustup target list --installed` |
//! | trunk 0.21 | `cargo install trunk --version ~0.21 --locked` | `trunk --version` |
//! | wasm-bindgen-cli = the pinned `wasm-bindgen` crate | `cargo install` (not `--locked`: the registry lacks one locked dependency) | `wasm-bindgen --version` |
//! | wasm-opt, playwright-core | npm (`e2e/package-lock.json`) into `e2e/node_modules` | the files exist |
//! | Chromium | Debian `chromium` | `/usr/bin/chromium` exists |
//! | websocat 1.x (`cargo xtask load` only) | `cargo install websocat --locked` | `websocat --version` |
//!
//! Versions are read from the project's files (`frontend/Cargo.toml`,
//! `Trunk.toml`), never repeated here. This module must not build anything else.

use crate::cmd::{self, fail, header, probe, tool_path, Result};
use std::path::Path;
use std::process::Command;

/// The trunk series the project uses (newer trunk needs a newer rustc).
const TRUNK_SERIES: &str = "0.21";
/// Where Debian installs Chromium; the browser tests point playwright-core at it.
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// Everything: what the UI build needs plus the browser test tools.
pub fn all() -> Result<()> {
    for_ui()?;
    chromium()?;
    python3()
}

/// What `trunk build` needs: the wasm target, trunk, wasm-bindgen-cli, wasm-opt.
pub fn for_ui() -> Result<()> {
    header("install: checking tools (installs only what is missing)");
    wasm_target()?;
    node_modules()?;
    trunk()?;
    wasm_bindgen()?;
    Ok(())
}

fn tool(name: &str) -> Command {
    let mut c = Command::new(name);
    c.env("PATH", tool_path());
    c
}

fn wasm_target() -> Result<()> {
    let installed = probe(Command::new("rustup").args(["target", "list", "--installed"]));
    match installed {
        Some(list) if list.lines().any(|l| l.trim() == "wasm32-unknown-unknown") => {
            println!("ok: rust target wasm32-unknown-unknown");
            Ok(())
        }
        Some(_) => cmd::step(
            "install: rust target wasm32-unknown-unknown",
            Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]),
        ),
        None => fail(
            "rustup is not available: install the wasm32-unknown-unknown target for this \
             toolchain by hand (the frontend is compiled to WebAssembly)",
        ),
    }
}

fn trunk() -> Result<()> {
    let prefix = format!("trunk {TRUNK_SERIES}.");
    cargo_tool(
        "trunk",
        |v| v.trim().starts_with(&prefix),
        &format!("the project needs trunk {TRUNK_SERIES}"),
        "install: trunk (cargo install, takes several minutes once)",
        &[
            "trunk",
            "--version",
            &format!("~{TRUNK_SERIES}"),
            "--locked",
        ],
    )
}

/// The exact version the frontend pins (`wasm-bindgen = "=X.Y.Z"`).
pub fn pinned_wasm_bindgen() -> Result<String> {
    let path = cmd::root().join("frontend").join("Cargo.toml");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| cmd::Error(format!("cannot read {}: {e}", path.display())))?;
    let version = text.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("wasm-bindgen")?.trim_start();
        let rest = rest.strip_prefix('=')?.trim().strip_prefix("\"=")?;
        Some(rest.split('"').next()?.to_owned())
    });
    let Some(version) = version else {
        return fail(format!(
            "{} must pin the wasm-bindgen crate exactly (wasm-bindgen = \"=0.2.x\") so the \
             matching wasm-bindgen-cli can be installed",
            path.display()
        ));
    };
    let trunk_toml = cmd::root().join("Trunk.toml");
    let trunk = std::fs::read_to_string(&trunk_toml).unwrap_or_default();
    if !trunk.contains(&format!("wasm_bindgen = \"{version}\"")) {
        return fail(format!(
            "Trunk.toml [tools] must say wasm_bindgen = \"{version}\" (the version pinned in \
             frontend/Cargo.toml), or trunk would try to download another one"
        ));
    }
    Ok(version)
}

fn wasm_bindgen() -> Result<()> {
    let version = pinned_wasm_bindgen()?;
    cargo_tool(
        "wasm-bindgen",
        |v| v.split_whitespace().nth(1) == Some(version.as_str()),
        &format!("the frontend pins {version}"),
        "install: wasm-bindgen-cli (cargo install, takes a few minutes once)",
        &["wasm-bindgen-cli", "--version", &version, "--force"],
    )
}

/// websocat, the WebSocket↔TCP bridge `cargo xtask load` compares the relay
/// with (only that command needs it).
pub fn websocat() -> Result<()> {
    cargo_tool(
        "websocat",
        |v| v.trim().starts_with("websocat 1."),
        "the load benchmark needs websocat 1.x",
        "install: websocat (cargo install, takes a few minutes once)",
        &["websocat", "--locked"],
    )
}

/// A tool from `cargo install`: done when `<name> --version` prints a version
/// `fits` accepts; otherwise a version found is reported ("found … but
/// {wanted}") and `cargo install <install>` runs as the step `title`.
fn cargo_tool(
    name: &str,
    fits: impl Fn(&str) -> bool,
    wanted: &str,
    title: &str,
    install: &[&str],
) -> Result<()> {
    match probe(tool(name).arg("--version")) {
        Some(v) if fits(&v) => {
            println!("ok: {}", v.trim());
            Ok(())
        }
        found => {
            if let Some(v) = found {
                println!("found {} but {wanted}", v.trim());
            }
            cmd::step(title, cmd::cargo().arg("install").args(install))
        }
    }
}

/// npm packages from `e2e/package-lock.json`: binaryen's wasm-opt (trunk's
/// optimiser, version named in Trunk.toml) and playwright-core.
fn node_modules() -> Result<()> {
    let dir = cmd::e2e_dir();
    let modules = dir.join("node_modules");
    let ready = modules.join(".bin").join("wasm-opt").exists()
        && modules
            .join("playwright-core")
            .join("package.json")
            .exists()
        && crate::pyodide::installed();
    if ready {
        println!("ok: e2e/node_modules (wasm-opt, playwright-core)");
        return Ok(());
    }
    if probe(Command::new("npm").arg("--version")).is_none() {
        apt_install(&["nodejs", "npm"])?;
    }
    let mut npm = Command::new("npm");
    npm.current_dir(&dir)
        .args(["ci", "--no-audit", "--no-fund"]);
    cmd::step(
        "install: npm packages in e2e/ (wasm-opt, playwright-core, pyodide)",
        &mut npm,
    )
}

fn chromium() -> Result<()> {
    if Path::new(CHROMIUM).exists() {
        println!("ok: {CHROMIUM}");
        return Ok(());
    }
    apt_install(&["chromium"])
}

fn python3() -> Result<()> {
    if probe(Command::new("python3").arg("--version")).is_some() {
        println!("ok: python3");
        return Ok(());
    }
    apt_install(&["python3"])
}

/// `apt-get update && apt-get install -y PKGS`, with sudo only when not root.
fn apt_install(pkgs: &[&str]) -> Result<()> {
    let root = probe(Command::new("id").arg("-u")).is_some_and(|u| u.trim() == "0");
    let apt = |args: &[&str]| {
        let mut c = if root {
            Command::new("apt-get")
        } else {
            let mut c = Command::new("sudo");
            c.arg("apt-get");
            c
        };
        c.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        c
    };
    let what = pkgs.join(" ");
    cmd::step(
        &format!("install: apt-get update (for {what})"),
        &mut apt(&["update"]),
    )?;
    let mut args = vec!["install", "-y"];
    args.extend_from_slice(pkgs);
    cmd::step(&format!("install: {what} (Debian)"), &mut apt(&args))
}

#[cfg(test)]
mod tests {
    #[test]
    fn trunk_toml_names_the_pinned_wasm_bindgen() {
        let version = super::pinned_wasm_bindgen().unwrap();
        assert!(version.starts_with("0.2."), "{version}");
    }
}
