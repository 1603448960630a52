//! Code splitting of the workbench's wasm (`/`): the frontend's `split`
//! feature marks split points (`frontend/src/components/lazy_panels.rs`: the
//! HTTP, FTP and Mail panels, the Python tab's request reader), and this step
//! cuts what only they reach into modules of their own, fetched the first time
//! a tab opens, so the start wasm stays within issue 12's 300 KB.
//!
//! trunk builds the page as usual (with `--features split` and the linker's
//! relocations kept, [`TRUNK_ENV`]); then [`apply`] takes cargo's wasm,
//! splits it with `wasm_split_cli_support` (the cutter of
//! `wasm_split_helpers`, the runtime the frontend links), runs wasm-bindgen and
//! wasm-opt on each part with trunk's settings and puts them in place of
//! trunk's unsplit js and wasm under the same hashed names (the relay caches
//! them `immutable`): `frontend-<hash>.js` statically imports
//! `frontend-<hash>_split.js`, the loader, which fetches
//! `frontend-<hash>_<part>.wasm` on first use. The index's integrity hashes
//! are written again for the new files.

use crate::cmd::{self, tool_path, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The environment of trunk's build of `/`: the `split` feature's code needs
/// the linker's relocations to be cut.
pub const TRUNK_ENV: (&str, &str) = (
    "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS",
    "-Clink-args=--emit-relocs",
);

/// Splits `cargo_target`'s release `frontend.wasm` and replaces trunk's js and
/// wasm in `dir` (the page's dist directory) with the split ones.
pub fn apply(dir: &Path, cargo_target: &Path) -> Result<()> {
    cmd::header(&format!(
        "ui: split the workbench's wasm into its start module and the parts loaded on first use ({})",
        dir.display()
    ));
    let index_path = dir.join("index.html");
    let index = read_text(&index_path)?;
    let stem = bindgen_stem(&index).ok_or_else(|| {
        cmd::Error(format!(
            "{} names no frontend-<hash>.js: did trunk build it?",
            index_path.display()
        ))
    })?;
    let input_path = cargo_target
        .join("wasm32-unknown-unknown")
        .join("release")
        .join("frontend.wasm");
    let input = std::fs::read(&input_path)
        .map_err(|e| cmd::Error(format!("cannot read {}: {e}", input_path.display())))?;
    let work = cargo_target.join("wasm-split-out");
    if work.exists() {
        std::fs::remove_dir_all(&work)
            .map_err(|e| cmd::Error(format!("cannot empty {}: {e}", work.display())))?;
    }
    let main_wasm = work.join("main.wasm");
    let link_name = format!("./{stem}_split.js");
    let main_module = format!("./{stem}.js");
    let mut opts = wasm_split_cli_support::Options::new(&input);
    opts.output_dir = &work;
    opts.main_out_path = &main_wasm;
    opts.link_name = &link_name;
    opts.main_module = &main_module;
    let split = wasm_split_cli_support::transform(opts)
        .map_err(|e| cmd::Error(format!("splitting {} failed: {e:#}", input_path.display())))?;

    // The parts, renamed after the page's hash; the loader names them.
    let link_path = work.join(&link_name);
    let mut loader = read_text(&link_path)?;
    let mut parts = Vec::new();
    for path in &split.split_modules {
        let file = file_name(path)?;
        let part = file
            .strip_prefix("split_")
            .and_then(|f| f.strip_suffix(".wasm"))
            .ok_or_else(|| cmd::Error(format!("unexpected split module name {file}")))?;
        let name = format!("{stem}_{part}.wasm");
        loader = rename_in_loader(&loader, &file, &name)?;
        parts.push((path.clone(), name));
    }

    let bg = work.join("bindgen");
    let mut bindgen = Command::new("wasm-bindgen");
    bindgen
        .env("PATH", tool_path())
        .arg(&main_wasm)
        .args(["--target", "web", "--no-typescript", "--keep-lld-exports"])
        .arg("--out-dir")
        .arg(&bg)
        .args(["--out-name", &stem]);
    cmd::step("ui: wasm-bindgen on the start module", &mut bindgen)?;

    let params = wasm_opt_params()?;
    let start_wasm = format!("{stem}_bg.wasm");
    optimise(&bg.join(&start_wasm), &dir.join(&start_wasm), &params)?;
    for (path, name) in &parts {
        let part = dir.join(name);
        optimise(path, &part, &params)?;
        // The relay serves `NAME.gz` to browsers that accept gzip.
        write(&dir.join(format!("{name}.gz")), &crate::ui::gzip(&part)?)?;
    }
    let js = format!("{stem}.js");
    copy(&bg.join(&js), &dir.join(&js))?;
    let loader_name = format!("{stem}_split.js");
    write(&dir.join(&loader_name), loader.as_bytes())?;

    // trunk's integrity hashes were of the unsplit files.
    let mut index = index;
    for name in [&js, &start_wasm] {
        index = with_integrity(&index, name, &sri(&dir.join(name))?)?;
    }
    write(&index_path, index.as_bytes())?;
    for (_, name) in &parts {
        println!("part loaded on first use: {name}");
    }
    Ok(())
}

/// The wasm-bindgen output name trunk gave the page (`frontend-<hex hash>`),
/// read from the index's module script.
fn bindgen_stem(index: &str) -> Option<String> {
    let start = index.find("/frontend-")? + 1;
    let rest = index.get(start..)?;
    let end = rest.find(".js")?;
    let stem = rest.get(..end)?;
    let hash = stem.strip_prefix("frontend-")?;
    // trunk writes its 64-bit hash without leading zeros: up to 16 digits.
    let hex = (1..=16).contains(&hash.len()) && hash.chars().all(|c| c.is_ascii_hexdigit());
    hex.then(|| stem.to_owned())
}

/// The loader with the part `from` (`split_panels.wasm`) fetched as `to`:
/// exactly one `"./from"` must be there.
fn rename_in_loader(loader: &str, from: &str, to: &str) -> Result<String> {
    let quoted = format!("\"./{from}\"");
    match loader.matches(&quoted).count() {
        1 => Ok(loader.replace(&quoted, &format!("\"./{to}\""))),
        n => cmd::fail(format!(
            "the split loader names {quoted} {n} times (expected once): \
             has wasm_split_cli_support's output changed?"
        )),
    }
}

/// `index` with the `integrity` attribute of the link to `/name` replaced by
/// `hash` (trunk writes one per start file: `href=/name integrity=sha384-…`).
fn with_integrity(index: &str, name: &str, hash: &str) -> Result<String> {
    let href = format!("href=/{name} integrity=");
    let start = index
        .find(&href)
        .map(|i| i + href.len())
        .ok_or_else(|| cmd::Error(format!("the index has no integrity for /{name}")))?;
    let rest = index.get(start..).unwrap_or_default();
    let end = rest
        .find(|c: char| c.is_whitespace() || c == '>')
        .map_or(index.len(), |i| start + i);
    Ok(format!(
        "{}{hash}{}",
        index.get(..start).unwrap_or_default(),
        index.get(end..).unwrap_or_default()
    ))
}

/// The subresource-integrity value of a file: `sha384-<base64>`.
fn sri(path: &Path) -> Result<String> {
    use base64::Engine;
    use sha2::Digest;
    let bytes = std::fs::read(path)
        .map_err(|e| cmd::Error(format!("cannot read {}: {e}", path.display())))?;
    let digest = sha2::Sha384::digest(&bytes);
    Ok(format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    ))
}

/// `data-wasm-opt-params` of the workspace's `index.html`: the same wasm-opt
/// settings trunk used.
fn wasm_opt_params() -> Result<Vec<String>> {
    let page = read_text(&cmd::root().join("index.html"))?;
    let key = "data-wasm-opt-params=\"";
    let start = page
        .find(key)
        .map(|i| i + key.len())
        .ok_or_else(|| cmd::Error("index.html has no data-wasm-opt-params".into()))?;
    let rest = page.get(start..).unwrap_or_default();
    let end = rest.find('"').unwrap_or(rest.len());
    Ok(rest
        .get(..end)
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_owned)
        .collect())
}

/// `wasm-opt -Oz` with trunk's parameters, `from` into `to`.
fn optimise(from: &Path, to: &Path, params: &[String]) -> Result<()> {
    let mut c = Command::new("wasm-opt");
    c.env("PATH", tool_path())
        .arg("-Oz")
        .args(params)
        .arg(from)
        .arg("-o")
        .arg(to);
    cmd::step(&format!("ui: wasm-opt {}", file_name(to)?), &mut c)
}

fn file_name(path: &Path) -> Result<String> {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| cmd::Error(format!("{} has no file name", path.display())))
}

fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path)
        .map_err(|e| cmd::Error(format!("cannot read {}: {e}", path.display())))
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes)
        .map_err(|e| cmd::Error(format!("cannot write {}: {e}", path.display())))
}

fn copy(from: &Path, to: &Path) -> Result<()> {
    std::fs::copy(from, to).map(|_| ()).map_err(|e| {
        cmd::Error(format!(
            "cannot copy {} to {}: {e}",
            from.display(),
            to.display()
        ))
    })
}

/// The cargo target directory of `/`'s build: its own, so the `learn` build
/// (no relocations) and this one do not rebuild each other's dependencies.
pub fn cargo_target() -> Result<PathBuf> {
    Ok(crate::e2e::target_dir()?.join("wasm-split"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stem_is_trunks_hashed_module_name() {
        let index = "<script type=module>import init, * as bindings from \
                     '/frontend-a8137fcdba248a09.js';</script>";
        assert_eq!(
            bindgen_stem(index).as_deref(),
            Some("frontend-a8137fcdba248a09")
        );
        let short = "import init from '/frontend-cef66182c414426.js';";
        assert_eq!(
            bindgen_stem(short).as_deref(),
            Some("frontend-cef66182c414426")
        );
        assert_eq!(bindgen_stem("import '/frontend-xyz.js'"), None);
        assert_eq!(bindgen_stem("no module"), None);
    }

    #[test]
    fn the_loader_fetches_parts_by_their_new_names() {
        let loader = r#"makeLoad(new URL("./split_panels.wasm", import.meta.url), [])"#;
        let renamed = rename_in_loader(loader, "split_panels.wasm", "frontend-1_panels.wasm");
        assert_eq!(
            renamed.unwrap(),
            r#"makeLoad(new URL("./frontend-1_panels.wasm", import.meta.url), [])"#
        );
        assert!(rename_in_loader(loader, "split_python.wasm", "x.wasm").is_err());
    }

    #[test]
    fn integrity_is_replaced_for_the_named_file_only() {
        let index = "<link href=/a.js integrity=sha384-OLD rel=modulepreload>\
                     <link href=/b.wasm integrity=sha384-KEEP rel=preload>";
        let out = with_integrity(index, "a.js", "sha384-NEW").unwrap();
        assert_eq!(
            out,
            "<link href=/a.js integrity=sha384-NEW rel=modulepreload>\
             <link href=/b.wasm integrity=sha384-KEEP rel=preload>"
        );
        assert!(with_integrity(index, "c.js", "x").is_err());
    }
}
