//! `cargo xtask load [-- --quick]`: the class-size load benchmark
//! (`relay/benches/load.rs`): 10,000 idle sessions and their memory, 1,000
//! active ones and their latency, and the `pipe` round trip and bulk rate beside
//! websocat and raw TCP. Not part of `cargo xtask test`: it takes minutes and
//! measures, it does not check. Loopback only; every phase is bounded.
//!
//! This file installs websocat when it is missing (`install.rs`) and runs the
//! bench in release mode with websocat's path; the measuring is the bench's.

use crate::cmd::{self, Result};
use crate::install;

pub fn run(args: &[String]) -> Result<()> {
    install::websocat()?;
    let mut c = cmd::cargo();
    c.args(["bench", "-p", "relay", "--bench", "load"]);
    if let Some(home) = cmd::cargo_home() {
        c.env("WEBSOCAT", home.join("bin").join("websocat"));
    }
    if !args.is_empty() {
        c.arg("--").args(args);
    }
    cmd::step(
        "load: 10,000 idle sessions, 1,000 active, pipe vs websocat vs raw TCP",
        &mut c,
    )
}
