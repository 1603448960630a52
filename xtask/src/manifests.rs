//! `cargo xtask manifests` (also a step of `cargo xtask test`): the Kubernetes
//! manifests in `deploy/k8s/` are validated against the Kubernetes schemas with
//! the `kubernetes-validate` PyPI package, strictly (unknown fields fail), for
//! the oldest and newest Kubernetes versions the docs name; then the container
//! image is built when docker or podman can build here, else a skip message says
//! why.
//!
//! `kubernetes-validate` goes into a project-local virtualenv
//! (`target/xtask-venv`), installed only when it is missing — the same
//! look-first rule as `install.rs`. This module validates; it builds nothing but
//! the image.

use crate::cmd::{self, fail, header, probe, Result};
use std::path::PathBuf;
use std::process::Command;

/// The pinned validator; its schemas are inside the package (no download).
const VALIDATOR: &str = "kubernetes-validate==1.37.0";
/// Kubernetes versions the manifests must be valid for (docs/operations.md).
const K8S_VERSIONS: [&str; 2] = ["1.30.0", "1.37.0"];

pub(crate) fn venv() -> PathBuf {
    cmd::root().join("target").join("xtask-venv")
}

pub(crate) fn venv_bin(name: &str) -> PathBuf {
    venv().join("bin").join(name)
}

/// Creates the project venv unless it is there.
pub(crate) fn ensure_venv() -> Result<()> {
    if venv_bin("pip").exists() {
        return Ok(());
    }
    let mut make = Command::new("python3");
    make.args(["-m", "venv"]).arg(venv());
    if cmd::run(&mut make).is_err() {
        return fail(
            "python3 cannot create a virtualenv: install Debian's python3-venv \
             (apt-get install python3-venv) and run again",
        );
    }
    Ok(())
}

/// Installs the validator into the project venv unless it is already there.
fn install_validator() -> Result<()> {
    let validator = venv_bin("kubernetes-validate");
    if probe(Command::new(&validator).arg("--version")).is_some() {
        println!("ok: {} (in {})", VALIDATOR, venv().display());
        return Ok(());
    }
    ensure_venv()?;
    cmd::step(
        "install: kubernetes-validate (pip, into target/xtask-venv)",
        Command::new(venv_bin("pip")).args(["install", "--quiet", VALIDATOR]),
    )
}

/// The manifests, sorted.
fn manifests() -> Result<Vec<PathBuf>> {
    let dir = cmd::root().join("deploy").join("k8s");
    let entries = std::fs::read_dir(&dir)
        .map_err(|e| cmd::Error(format!("cannot read {}: {e}", dir.display())))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    if files.is_empty() {
        return fail(format!("no manifests in {}", dir.display()));
    }
    Ok(files)
}

/// Validates every manifest, then builds the image where possible.
pub fn check() -> Result<()> {
    header("manifests: deploy/k8s against the Kubernetes schemas");
    install_validator()?;
    let files = manifests()?;
    for version in K8S_VERSIONS {
        cmd::step(
            &format!("manifests: kubernetes-validate --strict, Kubernetes {version}"),
            Command::new(venv_bin("kubernetes-validate"))
                .args(["--strict", "--no-warn", "-k", version])
                .args(&files),
        )?;
    }
    container()
}

/// `docker build` (or podman) of the Dockerfile, or a message saying why not.
fn container() -> Result<()> {
    let tool = ["docker", "podman"]
        .into_iter()
        .find(|t| probe(Command::new(t).arg("info")).is_some());
    let Some(tool) = tool else {
        header("container: skipped");
        println!(
            "skip: no working docker or podman here (`docker info` and `podman info` \
             fail), so the image is not built; the Dockerfile is checked where one runs"
        );
        return Ok(());
    };
    let mut build = Command::new(tool);
    build
        .current_dir(cmd::root())
        .args(["build", "--tag", "socklab:test", "."]);
    cmd::step(
        &format!("container: {tool} build (takes minutes)"),
        &mut build,
    )
}
