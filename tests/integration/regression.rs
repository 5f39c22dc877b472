//! One test per defect reported in issue 11 ("Nothing lost, nothing
//! overwritten"), named after it, each run on the built binary: outputs that
//! destroyed things, input read silently wrong, and collections that broke
//! the report or the per-record work.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::util::{BIN, Workdir, column, csv_rows, fixture, fixture_bytes, gzip};

/// The bundled news collection, as a path string.
fn news() -> String {
    fixture("news.jsonl").to_str().unwrap().to_string()
}

/// Whether the tests run as root (needed to make a device node).
fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// Makes a FIFO at `path` with `mkfifo`.
fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status();
    assert!(ok.is_ok_and(|s| s.success()), "mkfifo {}", path.display());
}

/// Hidden temporary files of the tool in `dir`.
fn temporaries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".storyhash-"))
        .collect()
}

#[test]
fn issue11_output_to_a_device_is_written_through_not_replaced() {
    if !is_root() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI runs as root, which a device node needs"
        );
        eprintln!("skipped: making a device node needs root");
        return;
    }
    let wd = Workdir::new();
    let null = wd.join("null");
    let made = Command::new("mknod")
        .arg(&null)
        .args(["c", "1", "3"])
        .status();
    assert!(made.is_ok_and(|s| s.success()), "mknod");
    wd.run(["cluster", "-q", &news(), "-o", "null"]).success();
    use std::os::unix::fs::FileTypeExt;
    let kind = std::fs::symlink_metadata(&null).unwrap().file_type();
    assert!(kind.is_char_device(), "the device node was replaced");
    assert!(temporaries(wd.path()).is_empty());
}

#[test]
fn issue11_output_to_a_fifo_is_written_through_not_replaced() {
    let wd = Workdir::new();
    let fifo = wd.join("fifo");
    mkfifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    wd.run(["cluster", "-q", &news(), "-o", "fifo"]).success();
    // Checked before the reader is joined: had the FIFO been replaced, the
    // reader would wait for a writer for ever.
    use std::os::unix::fs::FileTypeExt;
    let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(kind.is_fifo(), "the FIFO was replaced");
    let got = reader.join().unwrap();
    assert!(
        got.starts_with(b"id,dup_group,event,story,"),
        "the CSV went through the FIFO"
    );
}

#[test]
fn issue11_decisions_to_dev_stdout_go_to_standard_output() {
    let wd = Workdir::new();
    let run = wd.run([
        "dedup",
        "-q",
        &news(),
        "-o",
        "kept.jsonl",
        "--decisions",
        "/dev/stdout",
    ]);
    run.success();
    assert!(run.stdout_str().starts_with("id,decision,kept,"));
    assert_eq!(wd.entries(), ["kept.jsonl"]);
}

#[test]
fn issue11_cluster_refuses_to_overwrite_its_input() {
    let wd = Workdir::new();
    wd.write("in.jsonl", fixture_bytes("news.jsonl"));
    wd.run(["cluster", "-q", "in.jsonl", "-o", "in.jsonl"])
        .fails_with(
            2,
            "storyhash: in.jsonl: the output would overwrite an input; choose another output\n",
        );
    assert_eq!(wd.read("in.jsonl"), fixture_bytes("news.jsonl"));
    // The same file by another name, and through a link.
    std::os::unix::fs::symlink("in.jsonl", wd.join("alias.jsonl")).unwrap();
    let run = wd.run(["cluster", "-q", "in.jsonl", "-o", "alias.jsonl"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert_eq!(wd.read("in.jsonl"), fixture_bytes("news.jsonl"));
}

#[test]
fn issue11_output_inside_an_input_directory_is_refused() {
    let wd = Workdir::new();
    wd.write(
        "dir/a.txt",
        "The river rose two metres overnight in the town.",
    );
    let run = wd.run(["cluster", "-q", "dir", "-o", "dir/out.csv"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("inside the input directory dir"),
        "{}",
        run.stderr
    );
    assert!(!wd.join("dir/out.csv").exists());
}

#[test]
fn issue11_dash_means_standard_output_for_every_output_flag() {
    let wd = Workdir::new();
    let run = wd.run(["cluster", "-q", &news(), "-o", "-"]);
    assert!(run.success().stdout_str().starts_with("id,dup_group,"));
    let run = wd.run(["dedup", "-q", &news(), "-o", "-"]);
    assert!(run.success().stdout_str().starts_with("{\"id\""));
    let run = wd.run(["dedup", "-q", &news(), "-o", "k.jsonl", "--decisions", "-"]);
    assert!(run.success().stdout_str().starts_with("id,decision,"));
    assert_eq!(wd.entries(), ["k.jsonl"], "no file named `-`");
}

#[test]
fn issue11_output_through_a_symlink_keeps_the_link() {
    let wd = Workdir::new();
    wd.write("real.csv", "old\n");
    std::os::unix::fs::symlink("real.csv", wd.join("link.csv")).unwrap();
    wd.run(["cluster", "-q", &news(), "-o", "link.csv"])
        .success();
    let link = std::fs::symlink_metadata(wd.join("link.csv")).unwrap();
    assert!(
        link.file_type().is_symlink(),
        "the link was replaced by a file"
    );
    assert!(wd.read("real.csv").starts_with(b"id,dup_group,"));
}

#[test]
fn issue11_output_keeps_the_permissions_of_the_file_it_replaces() {
    use std::os::unix::fs::PermissionsExt;
    let wd = Workdir::new();
    let out = wd.write("private.csv", "old\n");
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o600)).unwrap();
    wd.run(["cluster", "-q", &news(), "-o", "private.csv"])
        .success();
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn issue11_missing_output_directory_fails_before_any_work_and_writes_no_report() {
    let wd = Workdir::new();
    // The input does not exist either: the output is checked first.
    let run = wd.run([
        "cluster",
        "missing.jsonl",
        "-o",
        "nodir/x.csv",
        "--report",
        "rep",
    ]);
    run.fails_with(
        1,
        "storyhash: writing nodir/x.csv: No such file or directory (os error 2)\n",
    );
    assert!(wd.entries().is_empty(), "left: {:?}", wd.entries());
    // With a good input, no report describes clusters never written.
    let run = wd.run(["cluster", &news(), "-o", "nodir/x.csv", "--report", "rep"]);
    assert_eq!(run.code, Some(1));
    assert!(wd.entries().is_empty(), "left: {:?}", wd.entries());
}

#[test]
fn issue11_dedup_writes_output_and_decisions_both_or_neither() {
    let wd = Workdir::new();
    std::fs::create_dir(wd.join("adir")).unwrap();
    let run = wd.run([
        "dedup",
        "-q",
        &news(),
        "-o",
        "d.jsonl",
        "--decisions",
        "adir",
    ]);
    assert_ne!(run.code, Some(0));
    let run2 = wd.run([
        "dedup",
        "-q",
        &news(),
        "-o",
        "d.jsonl",
        "--decisions",
        "nodir/x.csv",
    ]);
    assert_ne!(run2.code, Some(0));
    assert_eq!(wd.entries(), ["adir"], "{}{}", run.stderr, run2.stderr);
}

/// Starts `storyhash args` in `wd` reading a FIFO that nothing writes, so
/// that it waits with its outputs planned; returns the child.
fn blocked_run(wd: &Workdir, args: &[&str]) -> std::process::Child {
    mkfifo(&wd.join("in.jsonl"));
    Command::new(BIN)
        .args(args)
        .current_dir(wd.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start storyhash")
}

/// Waits (up to 30 s) until `dir` holds a temporary of the tool.
fn wait_for_temporary(dir: &Path) -> bool {
    for _ in 0..300 {
        if !temporaries(dir).is_empty() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    false
}

fn interrupt(child: &mut std::process::Child, signal: &str) {
    let pid = child.id().to_string();
    let sent = Command::new("kill").args([signal, &pid]).status();
    assert!(sent.is_ok_and(|s| s.success()), "kill {signal}");
    let status = child.wait().unwrap();
    assert!(!status.success());
}

#[test]
fn issue11_interrupted_dedup_leaves_no_temporary_file() {
    let wd = Workdir::new();
    let mut child = blocked_run(&wd, &["dedup", "in.jsonl", "-o", "out.jsonl"]);
    let planned = wait_for_temporary(wd.path());
    if !planned {
        let _ = child.kill();
    }
    assert!(planned, "the output is planned before the input is read");
    interrupt(&mut child, "-INT");
    assert!(temporaries(wd.path()).is_empty(), "{:?}", wd.entries());
    assert_eq!(wd.entries(), ["in.jsonl"]);
}

#[test]
fn issue11_interrupted_report_leaves_no_half_report() {
    let wd = Workdir::new();
    let args = ["cluster", "in.jsonl", "-o", "c.csv", "--report", "rep"];
    let mut child = blocked_run(&wd, &args);
    let planned = wait_for_temporary(wd.path());
    if !planned {
        let _ = child.kill();
    }
    assert!(planned, "the outputs are planned before the input is read");
    interrupt(&mut child, "-TERM");
    assert_eq!(wd.entries(), ["in.jsonl"]);
}

#[test]
fn issue11_csv_quote_left_open_is_an_error_naming_its_line() {
    let wd = Workdir::new();
    let mut csv = String::from("id,text\n");
    for i in 0..1000 {
        let open = if i == 500 { "\"" } else { "" };
        csv.push_str(&format!("a{i},{open}article number {i} about the river\n"));
    }
    wd.write("in.csv", csv);
    wd.run(["cluster", "in.csv", "-o", "out.csv"]).fails_with(
        1,
        "storyhash: in.csv:502: a quoted field opened on this line is never closed \
         (every row after it would be read as part of it)\n",
    );
    assert_eq!(wd.entries(), ["in.csv"]);
}

#[test]
fn issue11_csv_row_with_more_fields_than_the_header_is_an_error() {
    let wd = Workdir::new();
    wd.write(
        "in.csv",
        "id,text\na,the first article\nb,the second,with a field too many\n",
    );
    wd.run(["dedup", "in.csv", "-o", "out.csv"]).fails_with(
        1,
        "storyhash: in.csv:3: CSV row has 3 fields, the header has 2 \
         (use --skip-bad-records to skip such records)\n",
    );
    assert_eq!(wd.entries(), ["in.csv"]);
}

#[test]
fn issue11_dates_in_feed_forms_are_read() {
    let wd = Workdir::new();
    let dates = [
        "Tue, 01 Dec 2026 10:00:00 GMT",
        "2026/12/01",
        "2026-12-01T12:00:00+0200",
        "1796119200",
        "20261201T100000Z",
    ];
    let mut jsonl = String::new();
    for (i, d) in dates.iter().enumerate() {
        jsonl.push_str(&format!(
            "{{\"id\":\"a{i}\",\"text\":\"article {i} on subject {i} of {i}\",\"date\":\"{d}\"}}\n"
        ));
    }
    wd.write("in.jsonl", jsonl);
    let run = wd.run(["cluster", "-q", "in.jsonl"]);
    assert_eq!(column(&run.success().stdout, "date"), dates);
}

#[test]
fn issue11_unreadable_date_keeps_the_article_and_is_listed_in_decisions() {
    let wd = Workdir::new();
    wd.write(
        "in.jsonl",
        "{\"id\":\"a\",\"text\":\"one article about the river\",\"date\":\"soon\"}\n\
         {\"id\":\"b\",\"text\":\"another about the bakery\",\"date\":\"2026-12-01\"}\n",
    );
    let run = wd.run([
        "dedup",
        "in.jsonl",
        "--skip-bad-records",
        "-o",
        "out.jsonl",
        "--decisions",
        "d.csv",
    ]);
    run.success();
    assert!(
        run.stderr
            .contains("kept in.jsonl:1 without a field: date `soon`"),
        "{}",
        run.stderr
    );
    assert_eq!(
        String::from_utf8(wd.read("out.jsonl"))
            .unwrap()
            .lines()
            .count(),
        2
    );
    let d = csv_rows(&wd.read("d.csv"));
    assert_eq!(d[1][0], "a");
    assert_eq!(d[1][1], "keep");
    // After `event` and `story`.
    assert!(d[1][9].starts_with("left out: date `soon`"), "{:?}", d[1]);
}

#[test]
fn issue11_directory_input_skips_hidden_files_and_folders() {
    let wd = Workdir::new();
    wd.write(
        "dir/a.txt",
        "The river rose two metres overnight in the town.",
    );
    wd.write("dir/.git/notes.txt", "not an article");
    wd.write("dir/._a.txt", "\0\u{5}\u{16}\u{7}resource fork");
    wd.write(
        "dir/sub/b.txt",
        "Bakers in the old quarter won a prize for rye bread.",
    );
    std::os::unix::fs::symlink("../a.txt", wd.join("dir/sub/link.txt")).unwrap();
    let run = wd.run(["cluster", "-q", "dir"]);
    assert_eq!(column(&run.success().stdout, "id"), ["a.txt", "sub/b.txt"]);
}

#[test]
fn issue11_zstd_bzip2_xz_inputs_are_read() {
    let wd = Workdir::new();
    let plain = fixture_bytes("news.jsonl");
    let want = wd.run(["cluster", "-q", &news()]).success().stdout.clone();
    let zst = zstd::encode_all(&plain[..], 3).unwrap();
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    bz.write_all(&plain).unwrap();
    let mut xz = liblzma::write::XzEncoder::new(Vec::new(), 6);
    xz.write_all(&plain).unwrap();
    for (name, bytes) in [
        ("n.jsonl.zst", zst),
        ("n.jsonl.bz2", bz.finish().unwrap()),
        ("n.jsonl.xz", xz.finish().unwrap()),
        ("n.jsonl.gz", gzip(&plain)),
    ] {
        wd.write(name, bytes);
        let run = wd.run(["cluster", "-q", name]);
        assert_eq!(run.success().stdout, want, "{name}");
    }
}

#[test]
fn issue11_process_substitution_is_read_like_standard_input() {
    let wd = Workdir::new();
    wd.write("n.jsonl.gz", gzip(&fixture_bytes("news.jsonl")));
    let want = wd.run(["cluster", "-q", &news()]).success().stdout.clone();
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!("'{BIN}' cluster -q <(zcat n.jsonl.gz)"))
        .current_dir(wd.path())
        .stdin(Stdio::null())
        .output()
        .expect("bash and zcat");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, want);
}

#[test]
fn issue11_json_array_gets_a_clear_message() {
    let wd = Workdir::new();
    wd.write("a.json", "[{\"id\":\"a\",\"text\":\"x\"}]\n");
    wd.run(["cluster", "a.json", "-o", "o.csv"]).fails_with(
        1,
        "storyhash: a.json: a JSON array; storyhash reads JSON Lines, one article object per \
         line (convert it with: jq -c '.[]' FILE > FILE.jsonl)\n",
    );
}

#[test]
fn issue11_report_refuses_a_collection_sharing_no_id() {
    let wd = Workdir::new();
    wd.run(["cluster", "-q", &news(), "-o", "c.csv"]).success();
    wd.write(
        "other.jsonl",
        "{\"id\":\"zz1\",\"text\":\"something else entirely\"}\n",
    );
    wd.run(["report", "c.csv", "other.jsonl", "-o", "rep"])
        .fails_with(
            2,
            "storyhash: c.csv: no article id of the clusters is in the inputs; give the \
             collection the clusters were made from\n",
        );
    assert!(!wd.join("rep").exists());
}

#[test]
fn issue11_gz_output_is_gzip() {
    let wd = Workdir::new();
    wd.run(["dedup", "-q", &news(), "-o", "out.jsonl.gz"])
        .success();
    let bytes = wd.read("out.jsonl.gz");
    assert_eq!(&bytes[..2], [0x1f, 0x8b]);
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut text)
        .unwrap();
    assert!(text.starts_with("{\"id\""));
}

#[test]
fn issue11_distinct_count_table_indexes_with_every_bit() {
    // A record of 30 million words fills a table of 2^26 slots; a start
    // slot of 24 bits left three quarters of it unused as a start, and the
    // probes piled up (quadratic time).
    let bits = 26;
    let starts = [u64::MAX, 3 << 62, 1 << 63];
    let slots: Vec<usize> = starts
        .iter()
        .map(|&v| storyhash::shingle::home_slot(v, bits))
        .collect();
    assert_eq!(slots, [(1 << 26) - 1, 3 << 24, 1 << 25]);
}

/// Two outlets carrying one story at one time, a third later.
fn tied_story(wd: &Workdir) {
    let text = "The council opened the school gym as a shelter for families from \
                the lower streets after the river rose two metres overnight";
    let line = |id: &str, src: &str, date: &str| {
        format!(
            "{{\"id\":\"{id}\",\"source\":\"{src}\",\"date\":\"{date}\",\"text\":\"{text}\"}}\n"
        )
    };
    wd.write(
        "in.jsonl",
        line("z-first-in-input", "Zeta Post", "2026-12-01T10:00:00Z")
            + &line("a-second", "Alpha Times", "2026-12-01T10:00:00Z")
            + &line("m-bare", "Mid Daily", "2026-12-01"),
    );
    wd.run([
        "cluster", "-q", "in.jsonl", "-o", "c.csv", "--report", "rep",
    ])
    .success();
}

#[test]
fn issue11_ties_in_time_share_a_rank_and_are_not_ordered_by_id() {
    let wd = Workdir::new();
    tied_story(&wd);
    let outlets = csv_rows(&wd.read("rep/outlets.csv"));
    let ranks: Vec<(&str, &str)> = outlets[1..]
        .iter()
        .map(|r| (r[1].as_str(), r[2].as_str()))
        .collect();
    assert_eq!(
        ranks,
        [("1", "Alpha Times"), ("1", "Zeta Post"), ("3", "Mid Daily")]
    );
    let stories = csv_rows(&wd.read("rep/stories.csv"));
    // `outlet_order`, after the `events` column.
    assert_eq!(stories[1][9], "Alpha Times = Zeta Post > Mid Daily");
}

#[test]
fn issue11_lifetime_is_never_negative() {
    let wd = Workdir::new();
    tied_story(&wd);
    let stories = csv_rows(&wd.read("rep/stories.csv"));
    // `lifetime_days`, after the `events` column.
    let days: f64 = stories[1][8].parse().unwrap();
    assert!(days >= 0.0, "lifetime {days}");
}
