//! Error paths: the exact one-line message, the exit code, and nothing on
//! stdout. Bad records name the file and line, say what is wrong, and name
//! the flag that helps.

use crate::util::{Workdir, column, fixture_bytes, gzip, run_in_project};

/// Runs `storyhash cluster <fixture>` from the package root.
fn cluster_fixture(rel: &str) -> crate::util::Run {
    run_in_project(["cluster", &format!("fixtures/{rel}")])
}

#[test]
fn malformed_json_line() {
    cluster_fixture("bad/malformed.jsonl").fails_with(
        1,
        "storyhash: fixtures/bad/malformed.jsonl:2: invalid JSON (EOF while parsing a string \
         at column 109) (use --skip-bad-records to skip such records)\n",
    );
}

#[test]
fn missing_text_field() {
    cluster_fixture("bad/missing_text.jsonl").fails_with(
        1,
        "storyhash: fixtures/bad/missing_text.jsonl:2: missing field `text` (rename it with \
         --text-field) (use --skip-bad-records to skip such records)\n",
    );
}

#[test]
fn empty_text() {
    cluster_fixture("bad/empty_text.jsonl").fails_with(
        1,
        "storyhash: fixtures/bad/empty_text.jsonl:2: empty text \
         (use --skip-bad-records to skip such records)\n",
    );
}

#[test]
fn duplicate_id_names_both_places() {
    cluster_fixture("bad/duplicate_id.jsonl").fails_with(
        1,
        "storyhash: fixtures/bad/duplicate_id.jsonl:3: duplicate id `d01` (first seen at \
         fixtures/bad/duplicate_id.jsonl:1) (use --skip-bad-records to skip such records)\n",
    );
}

#[test]
fn duplicate_id_across_inputs_names_the_first_file() {
    let run = run_in_project([
        "cluster",
        "fixtures/bad/numeric_id.jsonl",
        "fixtures/bad/numeric_id.jsonl",
    ]);
    run.fails_with(
        1,
        "storyhash: fixtures/bad/numeric_id.jsonl:1: duplicate id `1` (first seen at \
         fixtures/bad/numeric_id.jsonl:1) (use --skip-bad-records to skip such records)\n",
    );
}

#[test]
fn invalid_utf8() {
    cluster_fixture("bad/bad_utf8.jsonl").fails_with(
        1,
        "storyhash: fixtures/bad/bad_utf8.jsonl:2: invalid UTF-8 at byte 82 of the record \
         (use --skip-bad-records to skip such records)\n",
    );
}

#[test]
fn short_csv_row() {
    cluster_fixture("bad/short_row.csv").fails_with(
        1,
        "storyhash: fixtures/bad/short_row.csv:3: CSV row has 2 fields, the header has 5 \
         (use --skip-bad-records to skip such records)\n",
    );
}

#[test]
fn date_in_no_known_form() {
    cluster_fixture("bad/bad_date.jsonl").fails_with(
        1,
        "storyhash: fixtures/bad/bad_date.jsonl:2: date `yesterday` is in no form storyhash \
         reads (ISO 8601 like 2025-03-14T09:30:00Z, RFC 2822 like Fri, 14 Mar 2025 09:30:00 GMT, \
         2025/03/14, epoch seconds; give others with --date-format) \
         (use --skip-bad-records to keep such articles without the field)\n",
    );
}

#[test]
fn numeric_ids_are_valid() {
    let run = cluster_fixture("bad/numeric_id.jsonl");
    run.success();
    assert_eq!(column(&run.stdout, "id"), ["1", "2"]);
    assert_eq!(column(&run.stdout, "dup_group"), ["1", "2"]);
}

#[test]
fn missing_input_file() {
    cluster_fixture("bad/no_such_file.jsonl").fails_with(
        1,
        "storyhash: fixtures/bad/no_such_file.jsonl: No such file or directory (os error 2)\n",
    );
}

#[test]
fn csv_without_the_text_column_lists_the_columns() {
    cluster_fixture("news.csv").fails_with(
        1,
        "storyhash: fixtures/news.csv: the CSV header has no column `text` (columns: id, \
         headline, body, outlet, published; choose one with --text-field)\n",
    );
}

#[test]
fn directory_without_txt_files() {
    let wd = Workdir::new();
    std::fs::create_dir(wd.join("empty")).unwrap();
    wd.write("empty/notes.md", "not an article\n");
    // Reported as unusable input (exit 1).
    wd.run(["cluster", "empty"])
        .fails_with(1, "storyhash: empty: no .txt files in this directory\n");
}

#[test]
fn bad_record_on_stdin_names_stdin() {
    let wd = Workdir::new();
    let run = wd.run_with_stdin(["cluster"], &fixture_bytes("bad/empty_text.jsonl"));
    run.fails_with(
        1,
        "storyhash: <stdin>:2: empty text (use --skip-bad-records to skip such records)\n",
    );
}

#[test]
fn bad_record_in_gzip_input_has_its_uncompressed_line() {
    let wd = Workdir::new();
    wd.write(
        "bad.jsonl.gz",
        gzip(&fixture_bytes("bad/duplicate_id.jsonl")),
    );
    wd.run(["cluster", "bad.jsonl.gz"]).fails_with(
        1,
        "storyhash: bad.jsonl.gz:3: duplicate id `d01` (first seen at bad.jsonl.gz:1) \
         (use --skip-bad-records to skip such records)\n",
    );
}

#[test]
fn bad_record_in_a_txt_directory_names_the_file() {
    let wd = Workdir::new();
    wd.write("dir/ok.txt", "A short article about the harbour wall.\n");
    wd.write("dir/sub/bad.txt", b"first line\nsecond \xff line\n");
    let path = std::path::Path::new("dir").join("sub").join("bad.txt");
    wd.run(["cluster", "dir"]).fails_with(
        1,
        &format!(
            "storyhash: {}:2: invalid UTF-8 at byte 18 of the record \
             (use --skip-bad-records to skip such records)\n",
            path.display()
        ),
    );
}

#[test]
fn jsonl_with_crlf_line_endings_reports_the_right_line() {
    let wd = Workdir::new();
    wd.write(
        "crlf.jsonl",
        "{\"id\":\"a\",\"text\":\"one\"}\r\n\r\n{\"id\":\"b\",\"text\":\" \"}\r\n",
    );
    wd.run(["cluster", "crlf.jsonl"]).fails_with(
        1,
        "storyhash: crlf.jsonl:3: empty text (use --skip-bad-records to skip such records)\n",
    );
}

#[test]
fn csv_with_crlf_line_endings_reports_the_right_line() {
    // The empty text is on line 4 (the csv reader alone would say 3).
    let wd = Workdir::new();
    wd.write(
        "crlf.csv",
        "id,text\r\nx1,\"hello world\"\r\nx2,\"good day\"\r\nx3,\r\n",
    );
    wd.run(["cluster", "crlf.csv"]).fails_with(
        1,
        "storyhash: crlf.csv:4: empty text (use --skip-bad-records to skip such records)\n",
    );
}

#[test]
fn csv_row_after_a_blank_line_reports_the_right_line() {
    // The empty text is on line 4 (the csv reader alone would say 3).
    let wd = Workdir::new();
    wd.write("blank.csv", "id,text\nx1,\"hello world\"\n\nx2,\n");
    wd.run(["cluster", "blank.csv"]).fails_with(
        1,
        "storyhash: blank.csv:4: empty text (use --skip-bad-records to skip such records)\n",
    );
}

#[test]
fn duplicate_id_in_a_later_batch_names_the_first_line() {
    // Over 4 MB, so the input is read in more than one batch.
    let wd = Workdir::new();
    let articles = crate::util::corpus(3600, 1);
    let mut text = crate::util::jsonl(&articles);
    assert!(text.len() > 4 << 20, "{} bytes", text.len());
    text.push_str(&crate::util::jsonl_line(&articles[0]));
    wd.write("big.jsonl", text);
    wd.run(["cluster", "big.jsonl"]).fails_with(
        1,
        "storyhash: big.jsonl:3601: duplicate id `s00000` (first seen at big.jsonl:1) \
         (use --skip-bad-records to skip such records)\n",
    );
}

#[test]
fn a_single_txt_file_asks_for_its_directory() {
    let wd = Workdir::new();
    wd.write("one.txt", "Some article text.\n");
    wd.run(["cluster", "one.txt"]).fails_with(
        2,
        "storyhash: one.txt: one .txt file; give the directory that holds the .txt files \
         (each file is one article)\n",
    );
}

#[test]
fn the_first_bad_record_in_input_order_is_the_one_reported() {
    // A duplicate id on line 3 comes before a malformed line 4 in the same
    // batch: the message names line 3, whatever order the threads finish in.
    let wd = Workdir::new();
    wd.write(
        "two.jsonl",
        "{\"id\":\"a\",\"text\":\"one two three\"}\n\
         {\"id\":\"b\",\"text\":\"four five six\"}\n\
         {\"id\":\"a\",\"text\":\"seven eight\"}\n\
         {\"id\":\"c\",\"text\":\n",
    );
    wd.run(["cluster", "two.jsonl", "--threads", "2"])
        .fails_with(
            1,
            "storyhash: two.jsonl:3: duplicate id `a` (first seen at two.jsonl:1) \
         (use --skip-bad-records to skip such records)\n",
        );
}

/// One case per error kind, each with the exit code its kind decides:
/// 1 for input that cannot be read or used and output that cannot be
/// written, 2 for settings and refused outputs.
#[test]
fn each_error_kind_has_its_exit_code() {
    let wd = Workdir::new();
    wd.write("in.jsonl", fixture_bytes("news.jsonl"));
    // Unreadable input.
    assert_eq!(wd.run(["cluster", "missing.jsonl"]).code, Some(1));
    // Bad input: a bad record, and a file without a needed column.
    wd.write("bad.jsonl", fixture_bytes("bad/malformed.jsonl"));
    assert_eq!(wd.run(["cluster", "bad.jsonl"]).code, Some(1));
    wd.write("labels.csv", "id,label\na,1\n");
    let run = wd.run(["eval", "labels.csv", "--gold", "labels.csv"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    // Bad setting.
    assert_eq!(wd.run(["cluster", "in.jsonl", "-t", "2"]).code, Some(2));
    // Refused output.
    assert_eq!(
        wd.run(["dedup", "-q", "in.jsonl", "-o", "in.jsonl"]).code,
        Some(2)
    );
    // Unwritable output.
    wd.run(["cluster", "-q", "in.jsonl", "-o", "no/such/dir/out.csv"])
        .fails_with(
            1,
            "storyhash: writing no/such/dir/out.csv: No such file or directory (os error 2)\n",
        );
}

/// `report` reads the collection through the same reader and bad-record
/// policy as `cluster`: a bad record fails both the same way, and
/// `--skip-bad-records` skips and counts it in both.
#[test]
fn report_fails_on_a_bad_record_like_cluster() {
    let wd = Workdir::new();
    let mut lines = fixture_bytes("news.jsonl");
    lines.extend_from_slice(b"{\"id\": \"broken\", \"text\": \n");
    wd.write("in.jsonl", &lines);
    let cluster = wd.run(["cluster", "-q", "in.jsonl", "-o", "c.csv"]);
    assert_eq!(cluster.code, Some(1));
    wd.run([
        "cluster",
        "-q",
        "--skip-bad-records",
        "in.jsonl",
        "-o",
        "c.csv",
    ])
    .success();
    let report = wd.run(["report", "-q", "c.csv", "in.jsonl", "-o", "rep"]);
    assert_eq!(report.code, Some(1), "{}", report.stderr);
    assert_eq!(report.stderr, cluster.stderr);
    assert!(!wd.join("rep").exists(), "no report after a failure");
    let skipped = wd.run([
        "report",
        "--skip-bad-records",
        "c.csv",
        "in.jsonl",
        "-o",
        "rep",
    ]);
    skipped.success();
    assert!(
        skipped
            .stderr
            .contains("storyhash: skipped in.jsonl:41: invalid JSON"),
        "{}",
        skipped.stderr
    );
    assert!(wd.join("rep/stories.csv").exists());
}
