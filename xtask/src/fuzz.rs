//! `cargo xtask fuzz`: the property-based tests of `shared` and `relay` with a
//! long budget, in release mode.
//!
//! Every property test of the two crates (unit tests inside their modules,
//! `relay/tests/hostile_*.rs`, `shared/tests/hostile_requests.rs`, …) reads
//! `PROPTEST_CASES` for its number of cases and uses a small default without it, so
//! `cargo test` (and `cargo xtask test`) stay fast. This command runs the whole test
//! suite of both crates in release mode with `PROPTEST_CASES` set to
//! [`DEFAULT_CASES`] or `--cases N`: no naming rule can leave a property out, and
//! the example tests run alongside as a check that nothing else broke. Owns only
//! this workflow.

use crate::cmd::{self, fail, Result};

/// Cases per property for a fuzz run: about 20× the defaults of `cargo test`
/// (the live-relay sequences run 48 by default).
pub const DEFAULT_CASES: u32 = 1000;

/// The crates whose property tests are run.
const CRATES: [&str; 2] = ["shared", "relay"];

/// `cargo xtask fuzz [--cases N]`.
pub fn run(args: &[String]) -> Result<()> {
    let cases = parse_cases(args)?;
    let cases = cases.to_string();
    let mut all = cmd::cargo();
    // `cargo test --release` builds with the `bench` profile, which inherits
    // the release build's whole-program LTO: each of the dozens of test
    // binaries would take minutes to link, for no gain in what is tested.
    all.env("CARGO_PROFILE_BENCH_LTO", "false")
        .env("CARGO_PROFILE_BENCH_CODEGEN_UNITS", "16")
        .env("PROPTEST_CASES", &cases)
        .args(["test", "--release"])
        .args(CRATES.iter().flat_map(|c| ["-p", c]));
    cmd::step(
        &format!("fuzz: every test of shared and relay, {cases} cases per property"),
        &mut all,
    )?;
    println!("\nxtask fuzz: every property held for {cases} cases");
    Ok(())
}

/// `--cases N` (or `--cases=N`); else `PROPTEST_CASES`; else [`DEFAULT_CASES`].
fn parse_cases(args: &[String]) -> Result<u32> {
    let mut cases = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let value = match arg.strip_prefix("--cases") {
            Some("") => rest.next().map(String::as_str),
            Some(v) if v.starts_with('=') => v.strip_prefix('='),
            _ => {
                return fail(format!(
                    "unknown argument `{arg}`; usage: cargo xtask fuzz [-- --cases N]"
                ))
            }
        };
        match value.and_then(|v| v.parse::<u32>().ok()) {
            Some(n) if n > 0 => cases = Some(n),
            _ => return fail("`--cases` needs a positive number, e.g. `--cases 5000`"),
        }
    }
    Ok(cases
        .or_else(|| {
            std::env::var("PROPTEST_CASES")
                .ok()
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(DEFAULT_CASES))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn cases_come_from_the_flag_in_either_spelling() {
        assert_eq!(parse_cases(&args(&["--cases", "7"])).ok(), Some(7));
        assert_eq!(parse_cases(&args(&["--cases=9"])).ok(), Some(9));
    }

    #[test]
    fn bad_arguments_are_refused_with_the_usage() {
        for bad in [
            &["--cases"][..],
            &["--cases", "0"],
            &["--cases", "many"],
            &["--fast"],
        ] {
            let err = parse_cases(&args(bad))
                .err()
                .map(|e| e.0)
                .unwrap_or_default();
            assert!(err.contains("cases"), "{bad:?}: {err}");
        }
    }
}
