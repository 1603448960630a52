//! Every built-in lesson's check against its recorded traces in
//! `lessons/traces/` (made by `relay/tests/lessons.rs` with
//! `SOCKLAB_WRITE_TRACES=1`): the solution's recording stays done, the
//! recording with a skipped step stays not done. Fast: no relay, no sockets —
//! it catches a check edited so that it no longer accepts a real session, or
//! accepts one with a step missing.

use shared::check::evaluate;
use shared::recording::Recording;
use shared::trace::TraceBuilder;
use std::path::PathBuf;

fn trace_file(id: &str, kind: &str) -> Recording {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../lessons/traces")
        .join(format!("{id}.{kind}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run SOCKLAB_WRITE_TRACES=1 cargo test -p relay --test lessons)",
            path.display()
        )
    });
    Recording::from_json(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn recorded_solutions_pass_and_recorded_skips_fail() {
    let lessons = relay::lessons::builtins().unwrap_or_else(|e| panic!("{e}"));
    for lesson in &lessons {
        let pass = trace_file(&lesson.id, "pass");
        assert_eq!(pass.lesson.as_deref(), Some(lesson.id.as_str()));
        let p = evaluate(&lesson.check, TraceBuilder::from_recording(&pass).items());
        assert!(
            p.done,
            "{}: the recorded solution is no longer done: {:?}",
            lesson.id, p.steps
        );
        assert_eq!(p.run_probe, None, "{}", lesson.id);

        let skip = trace_file(&lesson.id, "skip");
        let p = evaluate(&lesson.check, TraceBuilder::from_recording(&skip).items());
        assert!(
            !p.done,
            "{}: the recording with a skipped step is done",
            lesson.id
        );
    }
}

#[test]
fn a_probe_lesson_is_not_done_before_its_probe_ran() {
    let lessons = relay::lessons::builtins().unwrap_or_else(|e| panic!("{e}"));
    for lesson in lessons
        .iter()
        .filter(|l| l.check.iter().any(|s| s.probe.is_some()))
    {
        let mut rec = trace_file(&lesson.id, "pass");
        rec.items.retain(|e| e.by.is_none());
        let p = evaluate(&lesson.check, TraceBuilder::from_recording(&rec).items());
        assert!(!p.done, "{}: done without its probe", lesson.id);
        assert!(
            p.run_probe.is_some(),
            "{}: the probe should be asked for",
            lesson.id
        );
    }
}
