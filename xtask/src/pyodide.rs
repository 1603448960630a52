//! Pyodide (CPython 3.14 in WebAssembly) for the page's Python tab: the npm
//! package `pyodide`, pinned in `e2e/package-lock.json` and installed with the
//! other npm tools ([`crate::install`]), and the files the page loads copied
//! into `dist/pyodide/<version>/` after the trunk build, each with a gzip -9
//! `.gz` twin the relay serves to gzip clients. Nothing comes from a CDN.
//!
//! Owns the version check (the one `frontend/python/runtime.js` names must be
//! the installed one) and the copy; serving is the relay's (`ui_files.rs`).

use crate::cmd::{self, Result};
use std::path::{Path, PathBuf};

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
    let text = std::fs::read_to_string(dir.join("package.json"))
        .map_err(|e| cmd::Error(format!("no pyodide package in e2e/node_modules ({e}); run `cargo xtask install`")))?;
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
    let path = cmd::root().join("frontend").join("python").join("runtime.js");
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
    cmd::header(&format!("ui: Pyodide {version} into dist/pyodide/{version}/"));
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

#[cfg(test)]
mod tests {
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
        assert_eq!(super::page_version().unwrap_or_else(|e| panic!("{}", e.0)), pinned);
    }
}
