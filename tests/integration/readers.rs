//! Property tests that hunt: random and mutated bytes fed to every reader
//! (JSON Lines, CSV, a directory of `.txt` files, gzip) through the built
//! binary. Whatever the bytes, the run must not panic; when it fails, it
//! prints one line that names the file (and, for a bad record, its line),
//! and leaves no output file and no temporary file behind.

use proptest::prelude::*;

use crate::util::{Run, Workdir, fixture_bytes, gzip};

/// Cases per property: each runs the binary, so keep them few.
fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 24,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// The first `n` lines of a fixture: a small valid input to mutate.
fn head(rel: &str, n: usize) -> Vec<u8> {
    let bytes = fixture_bytes(rel);
    let end = bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(n - 1)
        .map_or(bytes.len(), |(i, _)| i + 1);
    bytes[..end].to_vec()
}

/// One edit of a byte string.
#[derive(Debug, Clone)]
enum Edit {
    Flip(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Truncate(usize),
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    // Bytes that matter to the formats are drawn more often than others.
    let byte = prop_oneof![
        Just(b'"'),
        Just(b','),
        Just(b'\n'),
        Just(b'\r'),
        Just(b'{'),
        Just(b'}'),
        Just(b'['),
        Just(b'\\'),
        Just(0xff),
        Just(0xc3),
        any::<u8>(),
    ];
    let edit = prop_oneof![
        (any::<usize>(), byte.clone()).prop_map(|(i, b)| Edit::Flip(i, b)),
        (any::<usize>(), byte).prop_map(|(i, b)| Edit::Insert(i, b)),
        any::<usize>().prop_map(Edit::Delete),
        any::<usize>().prop_map(Edit::Truncate),
    ];
    proptest::collection::vec(edit, 1..8)
}

fn mutate(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let n = bytes.len().max(1);
        match *e {
            Edit::Flip(i, b) if !bytes.is_empty() => bytes[i % n] = b,
            Edit::Insert(i, b) => bytes.insert(i % (bytes.len() + 1), b),
            Edit::Delete(i) if !bytes.is_empty() => {
                bytes.remove(i % n);
            }
            Edit::Truncate(i) => bytes.truncate(i % n),
            _ => {}
        }
    }
    bytes
}

/// Checks one run over input `name` that was to write `out.csv`.
fn check(wd: &Workdir, run: &Run, name: &str, with_line: bool) -> Result<(), TestCaseError> {
    prop_assert!(
        !run.stderr.contains("panicked"),
        "panic on {name}: {}",
        run.stderr
    );
    prop_assert!(
        matches!(run.code, Some(0..=2)),
        "exit {:?}: {}",
        run.code,
        run.stderr
    );
    let temporaries = wd
        .entries()
        .into_iter()
        .filter(|e| e.starts_with(".storyhash-"))
        .count();
    prop_assert_eq!(temporaries, 0, "temporary files left");
    if run.code == Some(0) {
        prop_assert!(wd.join("out.csv").is_file());
        return Ok(());
    }
    prop_assert!(!wd.join("out.csv").exists(), "output after a failure");
    prop_assert_eq!(run.stderr.lines().count(), 1, "{}", &run.stderr);
    let named = format!("storyhash: {name}");
    prop_assert!(
        run.stderr.starts_with(&named),
        "the message names {}: {}",
        name,
        &run.stderr
    );
    if with_line && run.stderr.contains("--skip-bad-records") {
        let rest = &run.stderr[named.len()..];
        let line = rest
            .strip_prefix(':')
            .map(|r| r.split(':').next().unwrap_or(""));
        prop_assert!(
            line.is_some_and(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit())),
            "a bad record names its line: {}",
            &run.stderr
        );
    }
    Ok(())
}

fn run_file(name: &str, bytes: &[u8]) -> Result<(), TestCaseError> {
    let wd = Workdir::new();
    wd.write(name, bytes);
    let run = wd.run(["cluster", "-q", name, "-o", "out.csv"]);
    check(&wd, &run, name, true)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn mutated_json_lines(e in edits()) {
        run_file("in.jsonl", &mutate(head("news.jsonl", 6), &e))?;
    }

    #[test]
    fn random_json_lines(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        run_file("in.jsonl", &bytes)?;
    }

    #[test]
    fn mutated_csv(e in edits()) {
        run_file("in.csv", &mutate(head("news.csv", 6), &e))?;
    }

    #[test]
    fn random_csv(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        run_file("in.csv", &bytes)?;
    }

    #[test]
    fn mutated_gzip(e in edits()) {
        run_file("in.jsonl.gz", &mutate(gzip(&head("news.jsonl", 6)), &e))?;
    }

    #[test]
    fn mutated_text_file(e in edits()) {
        let wd = Workdir::new();
        let text = b"The river rose two metres overnight.\nThe council opened the gym.\n";
        wd.write("dir/a.txt", mutate(text.to_vec(), &e));
        wd.write("dir/b.txt", "Bakers in the old quarter won a prize for rye bread.");
        let run = wd.run(["cluster", "-q", "dir", "-o", "out.csv"]);
        check(&wd, &run, "dir/a.txt", true)?;
    }
}
