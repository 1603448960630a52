//! Helpers shared by the relay's unit tests (compiled only for `cargo test`).

/// Cases per property test: `PROPTEST_CASES` when set (`cargo xtask fuzz` sets a
/// long budget), else the test's small `default` so `cargo test` stays fast.
pub(crate) fn proptest_cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}
