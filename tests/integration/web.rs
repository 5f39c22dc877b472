//! Web pages and web archives: a directory of saved pages, a crawl as
//! `.warc` and `.warc.gz`, HTML in a JSON Lines text field, and `dedup` on
//! a crawl keeping records byte for byte. The fixtures are made-up pages of
//! two sites under two templates (`fixtures/web/make.py` writes them).

use std::collections::BTreeSet;
use std::io::Read;

use crate::util::{Workdir, column, csv_rows, fixture, fixture_bytes, run_in_project};

#[track_caller]
fn same(got: &[u8], want: &[u8], what: &str) {
    assert!(
        got == want,
        "{what}: outputs differ\n--- got\n{}\n--- want\n{}",
        String::from_utf8_lossy(got),
        String::from_utf8_lossy(want)
    );
}

/// The gzip members of a file, each as its compressed bytes.
fn gzip_members(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut members = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let mut cursor = std::io::Cursor::new(rest);
        let mut plain = Vec::new();
        flate2::bufread::GzDecoder::new(&mut cursor)
            .read_to_end(&mut plain)
            .expect("a gzip member");
        let used = cursor.position() as usize;
        members.push(rest[..used].to_vec());
        rest = &rest[used..];
    }
    members
}

/// The records of an uncompressed WARC, each as its bytes.
fn warc_records(bytes: &[u8]) -> Vec<Vec<u8>> {
    let marker = b"WARC/1.0\r\n";
    let starts: Vec<usize> = (0..bytes.len())
        .filter(|&i| bytes[i..].starts_with(marker))
        .collect();
    starts
        .iter()
        .enumerate()
        .map(|(k, &s)| bytes[s..starts.get(k + 1).copied().unwrap_or(bytes.len())].to_vec())
        .collect()
}

#[test]
fn a_directory_of_pages_matches_the_expected_file() {
    // Regenerate after an intended change with
    // `cargo run --release -- cluster fixtures/web/pages -q -o fixtures/expected/web.pages.csv`.
    let run = run_in_project(["cluster", "-q", "fixtures/web/pages"]);
    run.success();
    same(
        &run.stdout,
        &fixture_bytes("expected/web.pages.csv"),
        "fixtures/expected/web.pages.csv",
    );
    // The wire story on both sites is one group; the rest stand alone.
    let rows = csv_rows(&run.stdout);
    let group_of = |id: &str| {
        rows.iter()
            .find(|r| r[0] == id)
            .map(|r| r[1].clone())
            .unwrap_or_else(|| panic!("no row for {id}"))
    };
    assert_eq!(
        group_of("gazette/millbrook-flood.htm"),
        group_of("ledger/2025/03/14/millbrook-flood.html")
    );
    let groups: BTreeSet<String> = column(&run.stdout, "dup_group").into_iter().collect();
    assert_eq!(groups.len(), 4);
}

#[test]
fn page_metadata_gives_outlets_and_dates_and_latin1_is_read() {
    let run = run_in_project(["cluster", "-q", "--no-stories", "fixtures/web/pages"]);
    run.success();
    let ids = column(&run.stdout, "id");
    let sources = column(&run.stdout, "source");
    let dates = column(&run.stdout, "date");
    let at = |id: &str| ids.iter().position(|i| i == id).expect("the page is read");
    // og:site_name and article:published_time (Ledger), JSON-LD (Gazette).
    let ledger = at("ledger/2025/03/14/millbrook-flood.html");
    assert_eq!(sources[ledger], "The Riverside Ledger");
    assert_eq!(dates[ledger], "2025-03-14T09:30:00Z");
    let bakery = at("gazette/roggenbrot.htm");
    assert_eq!(sources[bakery], "Hill County Gazette");
    assert_eq!(dates[bakery], "2025-03-15");
    // The Latin-1 page decodes: its text, given back as HTML in a JSON
    // Lines field, groups with the same page saved as UTF-8.
    let latin1 = fixture_bytes("web/pages/gazette/roggenbrot.htm");
    // Latin-1 bytes are the first 256 code points.
    let utf8 = latin1
        .iter()
        .map(|&b| char::from(b))
        .collect::<String>()
        .replace("iso-8859-1", "utf-8");
    let wd = Workdir::new();
    wd.write("a/latin1.htm", &latin1);
    wd.write("a/utf8.htm", utf8.as_bytes());
    let run = wd.run(["cluster", "-q", "--no-stories", "a"]);
    run.success();
    let groups = column(&run.stdout, "dup_group");
    assert_eq!(groups[0], groups[1], "{}", run.stdout_str());
    let sims = column(&run.stdout, "similarity");
    assert_eq!(sims[0], "1.0000");
}

#[test]
fn a_crawl_matches_the_expected_file_compressed_or_not() {
    // Regenerate with
    // `cargo run --release -- cluster fixtures/web/crawl.warc.gz -q -o fixtures/expected/web.warc.csv`.
    let want = fixture_bytes("expected/web.warc.csv");
    for crawl in ["fixtures/web/crawl.warc.gz", "fixtures/web/crawl.warc"] {
        let run = run_in_project(["cluster", crawl]);
        run.success();
        same(&run.stdout, &want, crawl);
        assert!(
            run.stderr.contains(&format!(
                "storyhash: {crawl}: 3 records not articles: 1 revisit, 1 response not status \
                 200, 1 response not HTML\n"
            )),
            "{}",
            run.stderr
        );
    }
    // Standard input is read as a crawl too (recognised by its content).
    let wd = Workdir::new();
    let run = wd.run_with_stdin(["cluster", "-q"], &fixture_bytes("web/crawl.warc.gz"));
    run.success();
    same(&run.stdout, &want, "crawl on standard input");
}

#[test]
fn a_crawl_is_clustered_the_same_for_any_thread_count() {
    let crawl = fixture("web/crawl.warc.gz");
    let crawl = crawl.to_str().unwrap();
    let one = run_in_project(["cluster", "-q", "-j1", crawl]);
    one.success();
    for j in ["-j2", "-j4"] {
        let other = run_in_project(["cluster", "-q", j, crawl]);
        same(&other.stdout, &one.stdout, j);
    }
}

#[test]
fn record_ids_can_be_the_warc_record_ids() {
    let run = run_in_project([
        "cluster",
        "-q",
        "--warc-id",
        "record",
        "fixtures/web/crawl.warc",
    ]);
    run.success();
    let ids = column(&run.stdout, "id");
    assert_eq!(ids.len(), 5);
    assert!(ids.iter().all(|i| i.starts_with("<urn:uuid:")), "{ids:?}");
}

#[test]
fn dedup_on_a_crawl_keeps_records_byte_for_byte() {
    for (crawl, split) in [
        ("crawl.warc.gz", gzip_members as fn(&[u8]) -> Vec<Vec<u8>>),
        ("crawl.warc", warc_records),
    ] {
        let wd = Workdir::new();
        let input = fixture_bytes(&format!("web/{crawl}"));
        wd.write(crawl, &input);
        let out = format!("kept-{crawl}");
        let run = wd.run(["dedup", "-q", crawl, "-o", &out, "--decisions", "d.csv"]);
        run.success();
        let kept = wd.read(&out);
        // The output is records of the input, whole and in order: the
        // crawl's warcinfo and one response per group.
        let records = split(&input);
        let mut wanted = Vec::new();
        for r in &records {
            let plain = if crawl.ends_with(".gz") {
                let mut p = Vec::new();
                flate2::read::GzDecoder::new(&r[..])
                    .read_to_end(&mut p)
                    .unwrap();
                p
            } else {
                r.clone()
            };
            let text = String::from_utf8_lossy(&plain);
            let keep = text.contains("WARC-Type: warcinfo")
                || (text.contains("WARC-Type: response")
                    && !text.contains("gazette.example/millbrook-flood")
                    && text.contains("HTTP/1.1 200")
                    && text.contains("text/html"));
            if keep {
                wanted.extend_from_slice(r);
            }
        }
        same(&kept, &wanted, crawl);
        // Read back, the kept crawl has one article per group.
        let again = wd.run(["cluster", "-q", "--no-stories", &out]);
        again.success();
        assert_eq!(column(&again.stdout, "id").len(), 4);
        let d = wd.read("d.csv");
        let decisions = column(&d, "decision");
        assert_eq!(decisions.iter().filter(|d| *d == "drop").count(), 1);
        let reasons = column(&d, "reason");
        assert!(
            reasons.iter().any(|r| r.starts_with("too short to judge")),
            "{reasons:?}"
        );
    }
}

#[test]
fn html_in_a_jsonl_text_field_is_extracted() {
    let mut jsonl = String::new();
    for (id, rel) in [
        ("a", "web/pages/ledger/2025/03/14/millbrook-flood.html"),
        ("b", "web/pages/gazette/millbrook-flood.htm"),
        ("c", "web/pages/ledger/2025/03/18/kestrel-bay-mayor.html"),
    ] {
        let html = String::from_utf8(fixture_bytes(rel)).unwrap();
        let line = serde_json::json!({"id": id, "text": html});
        jsonl.push_str(&line.to_string());
        jsonl.push('\n');
    }
    let wd = Workdir::new();
    wd.write("pages.jsonl", &jsonl);
    let run = wd.run([
        "cluster",
        "-q",
        "--no-stories",
        "--text-format",
        "html",
        "pages.jsonl",
    ]);
    run.success();
    let groups = column(&run.stdout, "dup_group");
    assert_eq!(groups, ["a", "a", "c"]);
    // The outlets come from the pages when the records name none.
    let sources = column(&run.stdout, "source");
    assert_eq!(sources[1], "Hill County Gazette");
    // As plain text the same records are compared with their markup: the
    // template's markup makes the unrelated page look alike.
    let plain = wd.run(["cluster", "-q", "--no-stories", "pages.jsonl"]);
    plain.success();
    assert_ne!(column(&plain.stdout, "dup_group"), groups);
}

#[test]
fn a_single_html_file_and_an_empty_crawl_are_refused_clearly() {
    let run = run_in_project([
        "cluster",
        "--format",
        "html",
        "fixtures/web/pages/gazette/roggenbrot.htm",
    ]);
    run.fails_with(
        2,
        "storyhash: fixtures/web/pages/gazette/roggenbrot.htm: --format html needs a \
         directory of .html files (each file is one page); for HTML inside JSON Lines or CSV \
         use --text-format html\n",
    );
    let wd = Workdir::new();
    wd.write(
        "cut.warc",
        b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 500\r\n\r\nshort",
    );
    let run = wd.run(["cluster", "cut.warc"]);
    assert_ne!(run.code, Some(0));
    assert!(
        run.stderr
            .starts_with("storyhash: cut.warc: WARC record 1 cannot be read"),
        "{}",
        run.stderr
    );
}

#[test]
fn report_reads_a_crawl() {
    let wd = Workdir::new();
    let crawl = fixture("web/crawl.warc.gz");
    let crawl = crawl.to_str().unwrap();
    let run = wd.run(["cluster", "-q", crawl, "-o", "c.csv"]);
    run.success();
    let run = wd.run([
        "report",
        "-q",
        "c.csv",
        crawl,
        "-o",
        "rep",
        "--min-outlets",
        "1",
    ]);
    run.success();
    let outlets = String::from_utf8(wd.read("rep/outlets.csv")).unwrap();
    assert!(outlets.contains("Hill County Gazette"), "{outlets}");
    assert!(outlets.contains("The Riverside Ledger"), "{outlets}");
}

/// Runs the library on `bytes` read as `format`; any outcome but a panic.
fn survives(bytes: Vec<u8>, format: storyhash::config::Format) -> Result<usize, String> {
    use storyhash::pipeline::{self, NoProgress};
    let input =
        storyhash::Input::from_bytes("<fuzz>", bytes, Some(format)).map_err(|e| e.to_string())?;
    let cfg = storyhash::Config {
        story: None,
        ..storyhash::Config::default()
    };
    pipeline::run(&[input], &cfg, &NoProgress)
        .map(|o| o.table.articles.len())
        .map_err(|e| e.to_string())
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

    /// A crawl cut short, with bytes overwritten or spliced in, is read or
    /// refused with a message naming the input and record; never a panic.
    #[test]
    fn damaged_crawls_are_read_or_refused(
        gzip in proptest::bool::ANY,
        cut in 0.0f64..1.0,
        edits in proptest::collection::vec((0.0f64..1.0, proptest::num::u8::ANY), 0..12),
    ) {
        let name = if gzip { "web/crawl.warc.gz" } else { "web/crawl.warc" };
        let mut bytes = fixture_bytes(name);
        let keep = ((bytes.len() as f64) * (0.5 + cut / 2.0)) as usize;
        bytes.truncate(keep.max(1));
        for (at, b) in edits {
            let i = ((bytes.len() as f64) * at) as usize % bytes.len();
            bytes[i] = b;
        }
        if let Err(e) = survives(bytes, storyhash::config::Format::Warc) {
            proptest::prop_assert!(e.starts_with("<fuzz>"), "{e}");
        }
    }

    /// Any bytes in an HTML text field are a record or a named bad record.
    #[test]
    fn arbitrary_markup_is_extracted_or_refused(
        html in "(<[a-z/!]{1,8}( [a-z]{1,5}=\"[^\"]{0,12}\")?>|[a-zA-Zé &;<>\"'=/-]{0,30}){0,60}",
    ) {
        let line = serde_json::json!({"id": "x", "text": html}).to_string() + "\n";
        let input = storyhash::Input::from_bytes("<fuzz>", line.into_bytes(), None).unwrap();
        let cfg = storyhash::Config {
            story: None,
            read: storyhash::config::ReadConfig {
                text_format: storyhash::config::TextFormat::Html,
                ..Default::default()
            },
            ..storyhash::Config::default()
        };
        if let Err(e) = storyhash::pipeline::run(&[input], &cfg, &storyhash::pipeline::NoProgress) {
            proptest::prop_assert!(e.to_string().starts_with("<fuzz>:1: empty text"), "{e}");
        }
    }
}
