//! `storyhash dedup`: one article per near-duplicate group, in the input's
//! own format, records unchanged, and the keep/drop table.

use std::collections::{BTreeMap, BTreeSet};

use crate::util::{Workdir, column, csv_rows, fixture, fixture_bytes};

/// Canonical ids and group count of `storyhash cluster` on the same input.
fn canonicals(wd: &Workdir, args: &[&str]) -> BTreeSet<String> {
    let mut all = vec!["cluster", "-q", "--no-stories"];
    all.extend_from_slice(args);
    let run = wd.run(all);
    run.success();
    let ids = column(&run.stdout, "id");
    let canonical = column(&run.stdout, "canonical");
    ids.into_iter()
        .zip(canonical)
        .filter(|(_, c)| c == "true")
        .map(|(id, _)| id)
        .collect()
}

#[test]
fn jsonl_keeps_one_per_group_with_unknown_fields_byte_for_byte() {
    let wd = Workdir::new();
    // Extra fields of every kind, odd spacing and escapes must survive.
    let mut input = String::new();
    for line in std::fs::read_to_string(fixture("news.jsonl"))
        .unwrap()
        .lines()
    {
        let body = line.trim_end().trim_end_matches('}');
        input.push_str(body);
        input.push_str(",  \"extra\" : {\"tags\":[1, 2.50, null]}, \"note\":\"caf\\u00e9\"}\n");
    }
    wd.write("in.jsonl", &input);
    let want = canonicals(&wd, &["in.jsonl"]);
    let run = wd.run([
        "dedup",
        "-q",
        "in.jsonl",
        "-o",
        "out.jsonl",
        "--decisions",
        "d.csv",
    ]);
    run.success();
    let out = std::fs::read_to_string(wd.join("out.jsonl")).unwrap();
    let lines: BTreeSet<&str> = input.lines().collect();
    for l in out.lines() {
        assert!(lines.contains(l), "changed record: {l}");
    }
    let kept: BTreeSet<String> = out
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(kept, want);
    assert_eq!(out.lines().count(), want.len());

    let d = std::fs::read(wd.join("d.csv")).unwrap();
    let rows = csv_rows(&d);
    assert_eq!(
        rows[0],
        [
            "id",
            "decision",
            "kept",
            "matched",
            "similarity",
            "containment",
            "reason",
            "event",
            "story",
            "note"
        ]
    );
    assert_eq!(rows.len() - 1, input.lines().count());
    let keeps: BTreeSet<String> = rows[1..]
        .iter()
        .filter(|r| r[1] == "keep")
        .map(|r| r[0].clone())
        .collect();
    assert_eq!(keeps, want);
    for r in rows[1..].iter().filter(|r| r[1] == "drop") {
        assert!(want.contains(&r[2]), "{r:?}");
        assert_eq!(r[6], format!("near-duplicate of {}", r[2]));
        assert!(!r[4].is_empty(), "a drop names its similarity: {r:?}");
    }
}

#[test]
fn csv_keeps_header_and_fields() {
    let wd = Workdir::new();
    let news = fixture("news.csv");
    let news = news.to_str().unwrap();
    let remap = [
        "--text-field",
        "body",
        "--title-field",
        "headline",
        "--source-field",
        "outlet",
        "--date-field",
        "published",
    ];
    let mut args = vec![news];
    args.extend_from_slice(&remap);
    let want = canonicals(&wd, &args);
    let mut dedup = vec!["dedup", "-q", news, "-o", "out.csv"];
    dedup.extend_from_slice(&remap);
    wd.run(dedup).success();
    let input = csv_rows(&fixture_bytes("news.csv"));
    let output = csv_rows(&std::fs::read(wd.join("out.csv")).unwrap());
    assert_eq!(output[0], input[0]);
    let by_id: BTreeMap<&String, &Vec<String>> = input[1..].iter().map(|r| (&r[0], r)).collect();
    for r in &output[1..] {
        assert_eq!(by_id[&r[0]], r);
    }
    let kept: BTreeSet<String> = output[1..].iter().map(|r| r[0].clone()).collect();
    assert_eq!(kept, want);
}

#[test]
fn txt_directory_becomes_a_new_directory_of_the_kept_files() {
    let wd = Workdir::new();
    let dir = fixture("txt");
    let dir = dir.to_str().unwrap();
    let want = canonicals(&wd, &[dir]);
    wd.run(["dedup", "-q", dir, "-o", "kept"]).success();
    let mut got = BTreeSet::new();
    for e in walkdir::WalkDir::new(wd.join("kept")) {
        let e = e.unwrap();
        if e.file_type().is_file() {
            let rel = e.path().strip_prefix(wd.join("kept")).unwrap();
            let rel = rel.to_str().unwrap().replace('\\', "/");
            assert_eq!(
                std::fs::read(e.path()).unwrap(),
                fixture_bytes(&format!("txt/{rel}"))
            );
            got.insert(rel);
        }
    }
    assert_eq!(got, want);
    // A second run must not write into the existing directory.
    wd.run(["dedup", "-q", dir, "-o", "kept"]).fails_with(
        2,
        "storyhash: kept: already exists; dedup writes a new directory\n",
    );
}

#[test]
fn never_writes_over_an_input() {
    let wd = Workdir::new();
    wd.write("in.jsonl", fixture_bytes("news.jsonl"));
    wd.run(["dedup", "-q", "in.jsonl", "-o", "in.jsonl"])
        .fails_with(
            2,
            "storyhash: in.jsonl: the output would overwrite an input; choose another output\n",
        );
    assert_eq!(
        std::fs::read(wd.join("in.jsonl")).unwrap(),
        fixture_bytes("news.jsonl")
    );
}

#[test]
fn preferred_outlets_are_kept_first() {
    let wd = Workdir::new();
    wd.write("in.jsonl", fixture_bytes("news.jsonl"));
    let run = wd.run([
        "dedup",
        "-q",
        "in.jsonl",
        "-o",
        "out.jsonl",
        "--decisions",
        "d.csv",
        "--prefer-source",
        "Harrowgate Courier,Lowmarsh Tribune",
    ]);
    run.success();
    let rows = csv_rows(&std::fs::read(wd.join("d.csv")).unwrap());
    // a01 (wire) and its reprints a02 (Ledger), a03 (Courier), a04 (Tribune).
    let decision: BTreeMap<&str, &str> = rows[1..]
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str()))
        .collect();
    assert_eq!(decision["a03"], "keep");
    assert_eq!(decision["a01"], "drop");
    assert_eq!(decision["a04"], "drop");
}
