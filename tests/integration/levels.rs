//! Events and stories on the two-level fixture (two events of one story and
//! an unrelated story) and on a focused collection (one story's reports
//! alone), checked against their gold labels and expected files.

use std::collections::BTreeMap;

use crate::util::{Workdir, column, csv_rows, fixture, fixture_bytes, run_in_project};

/// The partition of ids given by `labels` (ids in label order).
fn partition(ids: &[String], labels: &[String]) -> Vec<Vec<String>> {
    let mut by: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (id, l) in ids.iter().zip(labels) {
        by.entry(l).or_default().push(id.clone());
    }
    let mut out: Vec<Vec<String>> = by.into_values().collect();
    out.sort();
    out
}

fn cluster(input: &str) -> Vec<u8> {
    let run = run_in_project(["cluster", "-q", input]);
    run.success();
    run.stdout.clone()
}

#[test]
fn two_events_of_one_story_and_an_unrelated_story() {
    let out = cluster("fixtures/levels/levels.jsonl");
    let gold = csv_rows(&std::fs::read(fixture("levels/levels.gold.csv")).unwrap());
    let ids: Vec<String> = gold[1..].iter().map(|r| r[0].clone()).collect();
    let want_events: Vec<String> = gold[1..].iter().map(|r| r[1].clone()).collect();
    let want_stories: Vec<String> = gold[1..].iter().map(|r| r[2].clone()).collect();
    assert_eq!(column(&out, "id"), ids);
    assert_eq!(
        partition(&ids, &column(&out, "event")),
        partition(&ids, &want_events)
    );
    assert_eq!(
        partition(&ids, &column(&out, "story")),
        partition(&ids, &want_stories)
    );
    assert_eq!(out, fixture_bytes("expected/levels.clusters.csv"));
}

#[test]
fn a_focused_collection_stays_one_story() {
    // Every word of the story is common here: without a background for the
    // document frequencies nothing would link.
    let out = cluster("fixtures/levels/focused.jsonl");
    let stories = column(&out, "story");
    assert!(stories.iter().all(|s| *s == stories[0]), "{stories:?}");
    let events: std::collections::BTreeSet<String> = column(&out, "event").into_iter().collect();
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(out, fixture_bytes("expected/focused.clusters.csv"));
}

#[test]
fn the_report_lists_a_storys_events_and_decisions_carry_them() {
    let wd = Workdir::new();
    let input = fixture("levels/levels.jsonl");
    let input = input.to_str().unwrap();
    wd.run([
        "cluster",
        "-q",
        input,
        "-o",
        "c.csv",
        "--report",
        "rep",
        "--min-outlets",
        "1",
    ])
    .success();
    let stories = csv_rows(&std::fs::read(wd.join("rep/stories.csv")).unwrap());
    let col = |name: &str| stories[0].iter().position(|c| c == name).unwrap();
    let dam = stories
        .iter()
        .find(|r| r[col("story")] == "d01")
        .expect("the dam story");
    assert_eq!(dam[col("articles")], "7");
    assert_eq!(dam[col("events")], "2");
    assert_eq!(dam[col("event_order")], "d01 > d05");

    wd.run([
        "dedup",
        "-q",
        input,
        "-o",
        "kept.jsonl",
        "--decisions",
        "d.csv",
    ])
    .success();
    let d = std::fs::read(wd.join("d.csv")).unwrap();
    let c = std::fs::read(wd.join("c.csv")).unwrap();
    assert_eq!(column(&d, "id"), column(&c, "id"));
    assert_eq!(column(&d, "event"), column(&c, "event"));
    assert_eq!(column(&d, "story"), column(&c, "story"));
}
