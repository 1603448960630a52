//! `docs/recordings.md` must agree with the readers: its recording and
//! scenario examples are read by `Recording::from_json` and
//! `Scenario::from_json` as they stand.

use shared::recording::{Recording, Scenario};

/// The fenced ```json blocks of the document.
fn json_blocks(md: &str) -> Vec<String> {
    md.split("```json")
        .skip(1)
        .filter_map(|rest| rest.split("```").next().map(str::to_owned))
        .collect()
}

#[test]
fn the_documented_examples_are_read() {
    let md = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/recordings.md"
    ))
    .expect("docs/recordings.md");
    let blocks = json_blocks(&md);
    assert_eq!(blocks.len(), 2, "one recording and one scenario example");
    let rec = Recording::from_json(&blocks[0]).expect("the recording example");
    assert_eq!(rec.items.len(), 5);
    assert_eq!(rec.to_scenario().steps.len(), 2);
    let scenario = Scenario::from_json(&blocks[1]).expect("the scenario example");
    assert_eq!(scenario.steps.len(), 4);
}
