//! End-to-end runs of `storyhash cluster` on the bundled fixtures and on a
//! generated corpus: expected output, agreement with the gold grouping,
//! invariance to thread count, input order, input channel and compression,
//! and the behaviour of the output file and the flags.

use std::collections::BTreeSet;

use storyhash::write::HEADER_WITH_EVENTS as HEADER;

use crate::util::{
    Lcg, Workdir, assert_same_partition, column, corpus, csv_rows, fixture, fixture_bytes, gzip,
    jsonl, partition, planted, restrict, run_in_project, run_with_closed_stdout,
};

fn news() -> String {
    fixture("news.jsonl").display().to_string()
}

/// Output of `storyhash cluster` with `args` in a fresh directory.
fn cluster(args: &[&str]) -> Vec<u8> {
    let wd = Workdir::new();
    let mut all = vec!["cluster", "-q"];
    all.extend_from_slice(args);
    let run = wd.run(&all);
    run.success();
    run.stdout
}

/// Shows two outputs as text when they differ.
#[track_caller]
fn assert_same_output(got: &[u8], want: &[u8], what: &str) {
    if got != want {
        panic!(
            "{what}: outputs differ\n--- got\n{}\n--- want\n{}",
            String::from_utf8_lossy(got),
            String::from_utf8_lossy(want)
        );
    }
}

#[test]
fn news_output_matches_the_expected_file() {
    // Regenerate after an intended change with
    // `cargo run --release -- cluster fixtures/news.jsonl -q -o fixtures/expected/news.clusters.csv`
    // and check its dup_group column against fixtures/news.gold.csv.
    let wd = Workdir::new();
    let run = wd.run(["cluster", &news(), "-o", "out.csv"]);
    run.success();
    assert!(run.stdout.is_empty(), "with -o, nothing goes to stdout");
    assert_same_output(
        &wd.read("out.csv"),
        &fixture_bytes("expected/news.clusters.csv"),
        "fixtures/expected/news.clusters.csv",
    );
}

#[test]
fn news_groups_equal_the_gold_groups() {
    let out = cluster(&[&news()]);
    assert_eq!(partition(&out), partition(&fixture_bytes("news.gold.csv")));
}

#[test]
fn news_output_is_the_same_for_any_thread_count() {
    let one = cluster(&[&news(), "--threads", "1"]);
    for threads in ["2", "4"] {
        let other = cluster(&[&news(), "--threads", threads]);
        assert_same_output(&other, &one, &format!("--threads {threads} vs 1"));
    }
}

/// A generated corpus of 3,600 articles (4.7 MB, so it is read in two
/// batches) with planted copies.
fn generated(wd: &Workdir) -> Vec<crate::util::Article> {
    let articles = corpus(3600, 20250314);
    wd.write("corpus.jsonl", jsonl(&articles));
    articles
}

#[test]
fn generated_corpus_output_is_the_same_for_any_thread_count() {
    let wd = Workdir::new();
    generated(&wd);
    let run = |threads: &str| {
        let r = wd.run(["cluster", "-q", "corpus.jsonl", "--threads", threads]);
        r.success();
        r.stdout
    };
    let one = run("1");
    for threads in ["2", "4"] {
        assert_same_output(&run(threads), &one, &format!("--threads {threads} vs 1"));
    }
}

#[test]
fn generated_corpus_planted_copies_are_found_without_boilerplate_removal() {
    let wd = Workdir::new();
    let articles = generated(&wd);
    let run = wd.run(["cluster", "-q", "corpus.jsonl", "--no-boilerplate"]);
    run.success();
    assert_same_partition(
        &partition(&run.stdout),
        &planted(&articles),
        "the planted copies are found, and nothing else",
    );
}

#[test]
fn generated_corpus_planted_copies_are_found() {
    // Regression: paragraphs shared by a few copies from different outlets
    // were once learnt as boilerplate, and the group of s00467 (original),
    // s01926 (verbatim) and s01528, s02325 (embedded in longer local
    // stories) lost both embedded copies.
    let wd = Workdir::new();
    let articles = generated(&wd);
    let run = wd.run(["cluster", "-q", "corpus.jsonl"]);
    run.success();
    assert_same_partition(
        &partition(&run.stdout),
        &planted(&articles),
        "the planted copies are found, and nothing else",
    );
}

#[test]
fn input_order_does_not_change_the_groups() {
    let text = String::from_utf8(fixture_bytes("news.jsonl")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let want = partition(&cluster(&[&news()]));
    let wd = Workdir::new();
    for seed in 1..=3 {
        let mut shuffled = lines.clone();
        Lcg::new(seed).shuffle(&mut shuffled);
        assert_ne!(shuffled, lines);
        wd.write("shuffled.jsonl", shuffled.join("\n") + "\n");
        let run = wd.run(["cluster", "-q", "shuffled.jsonl"]);
        run.success();
        assert_eq!(partition(&run.stdout), want, "shuffle seed {seed}");
    }
}

#[test]
fn standard_input_gives_the_same_output_as_the_file() {
    let want = cluster(&[&news()]);
    let wd = Workdir::new();
    let bytes = fixture_bytes("news.jsonl");
    let piped = wd.run_with_stdin(["cluster", "-q"], &bytes);
    piped.success();
    assert_same_output(&piped.stdout, &want, "no INPUT, piped stdin");
    let dash = wd.run_with_stdin(["cluster", "-q", "-"], &bytes);
    dash.success();
    assert_same_output(&dash.stdout, &want, "`-`");
}

#[test]
fn gzip_input_gives_the_same_output_as_plain() {
    let want = cluster(&[&news()]);
    let wd = Workdir::new();
    let gz = gzip(&fixture_bytes("news.jsonl"));
    wd.write("news.jsonl.gz", &gz);
    // No extension: the format and the compression are sniffed.
    wd.write("news", &gz);
    for name in ["news.jsonl.gz", "news"] {
        let run = wd.run(["cluster", "-q", name]);
        run.success();
        assert_same_output(&run.stdout, &want, name);
    }
    let piped = wd.run_with_stdin(["cluster", "-q"], &gz);
    piped.success();
    assert_same_output(&piped.stdout, &want, "gzip on stdin");
}

#[test]
fn csv_with_renamed_columns_groups_like_the_jsonl() {
    let csv = cluster(&[
        &fixture("news.csv").display().to_string(),
        "--text-field",
        "body",
        "--title-field",
        "headline",
        "--source-field",
        "outlet",
        "--date-field",
        "published",
    ]);
    let ids = column(&csv, "id");
    let want_ids: Vec<String> = (1..=12).map(|i| format!("a{i:02}")).collect();
    assert_eq!(ids, want_ids);
    // Outlet and date come from the renamed columns.
    assert_eq!(column(&csv, "source")[0], "Valley Wire Service");
    assert_eq!(column(&csv, "date")[0], "2025-03-14T09:30:00Z");
    // The CSV holds fewer articles, so boilerplate learnt from it differs:
    // compare the grouping of the articles both inputs share.
    let keep: BTreeSet<String> = ids.into_iter().collect();
    let jsonl = partition(&cluster(&[&news()]));
    assert_eq!(partition(&csv), restrict(&jsonl, &keep));
}

#[test]
fn txt_directory_ids_are_relative_paths_and_copies_are_grouped() {
    let out = cluster(&[&fixture("txt").display().to_string()]);
    let gold = fixture_bytes("txt.gold.csv");
    // Files are read in path order.
    let mut want_ids = column(&gold, "id");
    want_ids.sort();
    assert_eq!(column(&out, "id"), want_ids);
    assert!(want_ids.contains(&"courier/2025/03/2025-03-15-allotment-diary.txt".to_string()));
    assert_eq!(partition(&out), partition(&gold));
    // The verbatim pair.
    let flood: BTreeSet<String> = [
        "ledger/2025-03-14-millbrook-flood.txt",
        "wire/2025-03-14-millbrook-flood.txt",
    ]
    .map(String::from)
    .into();
    assert!(partition(&out).contains(&flood));
}

#[test]
fn output_into_a_missing_directory_fails_and_writes_nothing() {
    let wd = Workdir::new();
    let run = wd.run(["cluster", "-q", &news(), "-o", "nodir/out.csv"]);
    assert_eq!(run.code, Some(1), "stderr: {}", run.stderr);
    assert!(
        run.stderr
            .starts_with("storyhash: writing nodir/out.csv: No such file or directory"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stdout.is_empty());
    assert!(wd.entries().is_empty(), "left behind: {:?}", wd.entries());
}

#[test]
fn output_into_a_missing_directory_names_only_the_output() {
    // Regression: the message once ended `at path "/tmp/.../nodir/
    // .storyhash-kMthOx"`, a random temporary name that means nothing to
    // the user.
    let wd = Workdir::new();
    let run = wd.run(["cluster", "-q", &news(), "-o", "nodir/out.csv"]);
    run.fails_with(
        1,
        "storyhash: writing nodir/out.csv: No such file or directory (os error 2)\n",
    );
}

#[test]
fn a_failed_run_leaves_no_output_and_no_temporary_file() {
    let wd = Workdir::new();
    wd.write("bad.jsonl", fixture_bytes("bad/malformed.jsonl"));
    let run = wd.run(["cluster", "bad.jsonl", "-o", "out.csv"]);
    assert_eq!(run.code, Some(1), "stderr: {}", run.stderr);
    assert_eq!(wd.entries(), ["bad.jsonl"]);

    // An existing output is left as it was.
    wd.write("out.csv", "previous run\n");
    let run = wd.run(["cluster", "bad.jsonl", "-o", "out.csv"]);
    assert_eq!(run.code, Some(1), "stderr: {}", run.stderr);
    assert_eq!(wd.entries(), ["bad.jsonl", "out.csv"]);
    assert_eq!(wd.read("out.csv"), b"previous run\n");
}

#[test]
fn skip_bad_records_reports_each_and_keeps_the_good_ones() {
    // (file, ids kept, skipped record as reported)
    let cases: [(&str, &[&str], &str); 6] = [
        (
            "malformed.jsonl",
            &["m01", "m03"],
            "2: invalid JSON (EOF while parsing a string at column 109)",
        ),
        (
            "missing_text.jsonl",
            &["t01"],
            "2: missing field `text` (rename it with --text-field)",
        ),
        ("empty_text.jsonl", &["e01"], "2: empty text"),
        (
            "duplicate_id.jsonl",
            &["d01", "d02"],
            "3: duplicate id `d01` (first seen at fixtures/bad/duplicate_id.jsonl:1)",
        ),
        (
            "bad_utf8.jsonl",
            &["u01"],
            "2: invalid UTF-8 at byte 82 of the record",
        ),
        (
            "short_row.csv",
            &["r01", "r03"],
            "3: CSV row has 2 fields, the header has 5",
        ),
    ];
    for (file, kept, problem) in cases {
        let path = format!("fixtures/bad/{file}");
        let run = run_in_project(["cluster", &path, "--skip-bad-records"]);
        run.success();
        assert_eq!(column(&run.stdout, "id"), kept, "{file}");
        let lines: Vec<&str> = run.stderr.lines().collect();
        assert_eq!(lines.len(), 2, "{file}: {}", run.stderr);
        assert_eq!(lines[0], format!("storyhash: skipped {path}:{problem}"));
        let summary = format!(
            "storyhash: {n} articles, {n} groups (0 with near-duplicates), \
             1 bad record skipped, ",
            n = kept.len()
        );
        assert!(
            lines[1].starts_with(&summary) && lines[1].ends_with(" s"),
            "{file}: {}",
            lines[1]
        );
    }
}

#[test]
fn a_closed_standard_output_is_not_an_error() {
    let wd = Workdir::new();
    let run = run_with_closed_stdout(wd.path(), ["cluster", "-q", &news()]);
    assert_eq!((run.code, run.stderr.as_str()), (Some(0), ""));
}

#[test]
fn summary_goes_to_stderr_unless_quiet() {
    let wd = Workdir::new();
    let loud = wd.run(["cluster", &news()]);
    loud.success();
    let lines: Vec<&str> = loud.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", loud.stderr);
    assert!(
        lines[0].starts_with("storyhash: 40 articles, 19 groups (9 with near-duplicates), ")
            && lines[0].ends_with(" s"),
        "{}",
        lines[0]
    );
    let quiet = wd.run(["cluster", &news(), "--quiet"]);
    quiet.success();
    assert_eq!(quiet.stderr, "");
    assert_eq!(quiet.stdout, loud.stdout);
}

#[test]
fn matching_options_give_one_row_per_article() {
    let ids = column(&fixture_bytes("news.gold.csv"), "id");
    let default = partition(&cluster(&[&news()]));
    let variants: [&[&str]; 7] = [
        &["--no-boilerplate"],
        &["--exact"],
        &["--no-containment"],
        &["--canonical", "longest"],
        &["--canonical", "first"],
        &["--shingle-unit", "chars"],
        &["--bands", "16", "--rows", "8"],
    ];
    for flags in variants {
        let mut args = vec![news()];
        args.extend(flags.iter().map(|s| s.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = cluster(&args);
        let rows = csv_rows(&out);
        assert_eq!(rows[0], HEADER, "{flags:?}");
        assert_eq!(column(&out, "id"), ids, "{flags:?}");
        assert!(rows.iter().all(|r| r.len() == HEADER.len()), "{flags:?}");
        if flags == ["--exact"] || flags[0] == "--canonical" {
            assert_eq!(partition(&out), default, "{flags:?}");
        }
    }
}

#[test]
fn canonical_policy_picks_the_group_label() {
    // a30 (2025-03-26, a bare date) and a25 (2025-03-26T06:00:00Z, the wire
    // original) are in one group: earliest picks the timed wire story.
    let label = |out: &[u8], id: &str| {
        let ids = column(out, "id");
        let groups = column(out, "dup_group");
        groups[ids.iter().position(|i| i == id).unwrap()].clone()
    };
    let earliest = cluster(&[&news()]);
    assert_eq!(label(&earliest, "a30"), "a25");
    let first = cluster(&[&news(), "--canonical", "first"]);
    for out in [&earliest, &first] {
        let canon = column(out, "canonical");
        let groups = column(out, "dup_group");
        let ids = column(out, "id");
        for ((id, group), c) in ids.iter().zip(&groups).zip(&canon) {
            assert_eq!(c == "true", id == group, "{id}");
        }
    }
    // With `first`, every label is the first member of its group in input order.
    let ids = column(&first, "id");
    let groups = column(&first, "dup_group");
    for (i, g) in groups.iter().enumerate() {
        let first_member = ids.iter().zip(&groups).find(|(_, h)| *h == g).unwrap().0;
        assert_eq!(g, first_member, "row {i}");
    }
}

#[test]
fn usage_errors_exit_2() {
    let wd = Workdir::new();
    let run = wd.run(["cluster", &news(), "--threshold", "1.5"]);
    run.fails_with(2, "storyhash: --threshold must be in (0, 1], found 1.5\n");

    let run = wd.run(["cluster", &news(), "--bands", "3"]);
    assert_eq!(run.code, Some(2), "stderr: {}", run.stderr);
    assert!(run.stderr.contains("--rows"), "{}", run.stderr);
    assert!(run.stdout.is_empty());

    let run = wd.run(["cluster", &news(), "--bands", "20", "--rows", "8"]);
    run.fails_with(
        2,
        "storyhash: --bands 20 x --rows 8 must be positive and use at most --num-perm 128 values\n",
    );
    assert!(wd.entries().is_empty());
}

#[test]
fn a_repeated_paragraph_does_not_make_a_containment_match() {
    // `L` holds the first 60 words of `S`, then a 100-word paragraph three
    // times. Exactly, 56 of the 96 shingles of `S` are in `L` (containment
    // 0.58, Jaccard 0.28): not near-duplicates, and `--exact` says so. The
    // estimate takes |L| as its 356 shingle windows instead of its ~160
    // distinct shingles, so `J (|S| + |L|) / ((1 + J) |S|)` comes out at 1.0
    // and the default run groups them.
    let mut rng = Lcg::new(7);
    let s: Vec<String> = (0..100).map(|_| crate::util::word(&mut rng)).collect();
    let x = crate::util::paragraph(&mut rng, 100);
    let l = format!("{} {x} {x} {x}", s[..60].join(" "));
    let wd = Workdir::new();
    wd.write(
        "pair.jsonl",
        format!(
            "{{\"id\":\"S\",\"text\":\"{}\"}}\n{{\"id\":\"L\",\"text\":\"{l}\"}}\n",
            s.join(" ")
        ),
    );
    let exact = wd.run(["cluster", "-q", "--exact", "pair.jsonl"]);
    exact.success();
    assert_eq!(column(&exact.stdout, "group_size"), ["1", "1"]);
    let estimated = wd.run(["cluster", "-q", "pair.jsonl"]);
    estimated.success();
    assert_eq!(
        partition(&estimated.stdout),
        partition(&exact.stdout),
        "{}",
        estimated.stdout_str()
    );
}
