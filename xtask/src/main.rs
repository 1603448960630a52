//! `cargo xtask` — socklab's developer workflows as Rust, in the workspace
//! (the matklad/cargo-xtask pattern; the alias lives in `.cargo/config.toml`).
//!
//! This file only parses the command line and dispatches; each workflow lives in
//! its own module: [`tasks`] (`run`, `test`, `bench`), [`fuzz`] (the property
//! tests with a long budget), [`install`] (idempotent
//! installation of the tools they need), [`ui`] (the trunk build of the frontend),
//! [`e2e`] (the browser tests against a real relay), [`manifests`] (the
//! Kubernetes manifests and the container), [`load`] (the class-size load
//! benchmark) and [`cmd`] (running a step
//! with a header and a clear failure). It must not touch the crates it builds.

mod cmd;
mod e2e;
mod fuzz;
mod install;
mod load;
mod mail_servers;
mod manifests;
mod pyodide;
mod tasks;
mod ui;
mod wasm_split;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command> [args]

commands:
  run [-- RELAY ARGS]   install what is missing, build the UI (release), run the relay
                        and print the URL to open (extra args go to `socklab`)
  test                  fmt check, clippy -D warnings, all tests, wasm build, browser e2e
  e2e                   only the wasm build and the browser end-to-end tests
  bench [-- --quick]    the relay's benchmarks (cargo bench): throughput, and the
                        `ping` round trip of a session while another one attacks
                        the relay with the worst frames, beside the idle figure,
                        and the Python tab's click-to-first-print (cold, warm)
  bench-python          only that Python figure (needs `cargo xtask ui` first)
  fuzz [-- --cases N]   every property-based test of `shared` and `relay` in release
                        mode with N cases each (default 1000, about 20x the budget
                        of `cargo test`; PROPTEST_CASES is used when --cases is not
                        given): the whole test suite of both crates runs, and
                        every property test reads PROPTEST_CASES
  manifests             validate deploy/k8s with kubernetes-validate (PyPI, into
                        target/xtask-venv) and build the container where docker or
                        podman works (also a step of `test`)
  load [-- --quick]     the class-size load benchmark on loopback (release relay):
                        10,000 idle sessions, 1,000 active ones, pipe vs websocat
                        vs raw TCP; not part of `test`
  install               only install the missing tools (wasm32 target, trunk,
                        wasm-bindgen-cli, wasm-opt, Chromium, playwright-core)
  ui                    only build the UI into dist/ (release) and check its
                        weight at start against the 300 KB gzip budget
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, rest) = match args.split_first() {
        Some((c, rest)) => (c.as_str(), rest),
        None => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let result = match command {
        "run" => tasks::run(strip_dashdash(rest)),
        "test" => tasks::test(),
        "e2e" => tasks::e2e(),
        "bench" => tasks::bench(strip_dashdash(rest)),
        "bench-python" => pyodide::bench(),
        "fuzz" => fuzz::run(strip_dashdash(rest)),
        "install" => install::all(),
        "manifests" => manifests::check(),
        "load" => load::run(strip_dashdash(rest)),
        "ui" => install::for_ui()
            .and_then(|_| ui::build(true))
            .and_then(|_| ui::check_budget()),
        "help" | "-h" | "--help" => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        other => {
            eprintln!("xtask: unknown command `{other}`\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nxtask {command}: FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `cargo xtask run -- --listen 0.0.0.0:8080` passes everything after `--` on.
fn strip_dashdash(args: &[String]) -> &[String] {
    match args.first() {
        Some(first) if first == "--" => &args[1..],
        _ => args,
    }
}
