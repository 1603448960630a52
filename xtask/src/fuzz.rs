//! `cargo xtask fuzz`: the property-based tests of `shared` and `relay` with a
//! long budget, in release mode.
//!
//! The naming rule that lets this find them: a property test's name, or the
//! module it lives in, contains `prop` (`fn prop_decoder_never_panics`,
//! `mod prop { … }`), or it lives in an integration-test file named
//! `hostile_*.rs` or `*prop*.rs` under `relay/tests/` or `shared/tests/`. Each
//! property reads `PROPTEST_CASES` for its number of cases and uses a small default
//! without it, so `cargo test` (and `cargo xtask test`) stay fast; this command sets
//! it to [`DEFAULT_CASES`] or `--cases N`. Owns only this workflow.

use crate::cmd::{self, fail, Result};
use std::path::Path;

/// Cases per property for a fuzz run: about 20× the defaults of `cargo test`
/// (the live-relay sequences run 48 by default).
pub const DEFAULT_CASES: u32 = 1000;

/// The crates whose property tests are run.
const CRATES: [&str; 2] = ["shared", "relay"];

/// The substring every property test's path contains.
const FILTER: &str = "prop";

/// `cargo xtask fuzz [--cases N]`.
pub fn run(args: &[String]) -> Result<()> {
    let cases = parse_cases(args)?;
    let cases = cases.to_string();
    let mut all = cmd::cargo();
    all.env("PROPTEST_CASES", &cases)
        .args(["test", "--release"])
        .args(CRATES.iter().flat_map(|c| ["-p", c]))
        .args(["--", FILTER]);
    cmd::step(
        &format!("fuzz: every property test (name contains `{FILTER}`), {cases} cases each"),
        &mut all,
    )?;
    for krate in CRATES {
        let files = hostile_files(&cmd::root().join(krate).join("tests"));
        if files.is_empty() {
            continue;
        }
        let mut c = cmd::cargo();
        c.env("PROPTEST_CASES", &cases)
            .args(["test", "--release", "-p", krate]);
        for f in &files {
            c.args(["--test", f]);
        }
        // Their `prop` tests ran above; this runs the rest of those files.
        c.args(["--", "--skip", FILTER]);
        cmd::step(
            &format!("fuzz: the other tests of {krate}'s {}", files.join(", ")),
            &mut c,
        )?;
    }
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

/// Names (without `.rs`) of the integration-test files in `dir` that hold
/// property tests by their name: `hostile_*.rs` and `*prop*.rs`.
fn hostile_files(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let stem = name.strip_suffix(".rs")?.to_owned();
            (stem.starts_with("hostile_") || stem.contains(FILTER)).then_some(stem)
        })
        .collect();
    names.sort();
    names
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

    #[test]
    fn hostile_files_are_found_by_name() {
        let dir = std::env::temp_dir().join(format!("xtask-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        for f in [
            "hostile_sequences.rs",
            "decoder_props.rs",
            "echo.rs",
            "hostile_notes.txt",
        ] {
            std::fs::write(dir.join(f), "").expect("write");
        }
        let found = hostile_files(&dir);
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(found, ["decoder_props", "hostile_sequences"]);
    }
}
