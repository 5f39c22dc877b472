//! Helpers shared by the integration tests: a temporary working directory
//! that runs the built `storyhash` binary, paths to the bundled fixtures,
//! CSV and partition helpers, and a small deterministic corpus generator.

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The built binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_storyhash");

/// The package root (where `fixtures/` lives).
pub fn project_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Absolute path of a file under `fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    project_dir().join("fixtures").join(rel)
}

/// The bytes of a file under `fixtures/`.
pub fn fixture_bytes(rel: &str) -> Vec<u8> {
    let path = fixture(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// What one run of the binary produced.
#[derive(Debug)]
pub struct Run {
    /// Exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: Vec<u8>,
    /// Standard error, as text.
    pub stderr: String,
}

impl Run {
    /// Standard output as text.
    pub fn stdout_str(&self) -> &str {
        std::str::from_utf8(&self.stdout).expect("stdout is UTF-8")
    }

    /// Asserts the run succeeded and returns it, showing stderr otherwise.
    #[track_caller]
    pub fn success(&self) -> &Run {
        assert_eq!(
            self.code,
            Some(0),
            "expected success, got {:?}; stderr:\n{}",
            self.code,
            self.stderr
        );
        self
    }

    /// Asserts the exit code, an empty stdout and the exact stderr.
    #[track_caller]
    pub fn fails_with(&self, code: i32, stderr: &str) {
        assert_eq!(
            (self.code, self.stderr.as_str()),
            (Some(code), stderr),
            "stdout:\n{}",
            String::from_utf8_lossy(&self.stdout)
        );
        assert!(
            self.stdout.is_empty(),
            "a failed run wrote to stdout:\n{}",
            self.stdout_str()
        );
    }
}

/// Runs the binary in `dir` with `args`; `stdin` is piped when given, else
/// empty (never a terminal).
pub fn run_in<I, S>(dir: &Path, args: I, stdin: Option<&[u8]>) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .current_dir(dir)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("the storyhash binary does not start: {e}"));
    // Feed stdin on another thread so a large stdout cannot deadlock us.
    let feeder = stdin.map(|bytes| {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        let bytes = bytes.to_vec();
        std::thread::spawn(move || {
            // The binary may exit (on an error) before reading everything.
            let _ = pipe.write_all(&bytes);
        })
    });
    let out = child.wait_with_output().expect("the storyhash binary runs");
    if let Some(f) = feeder {
        f.join().expect("stdin feeder");
    }
    Run {
        code: out.status.code(),
        stdout: out.stdout,
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

/// Runs the binary in `dir` with its standard output closed before it
/// writes anything (like `storyhash ... | head -0`).
pub fn run_with_closed_stdout<I, S>(dir: &Path, args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the storyhash binary starts");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("the storyhash binary runs");
    Run {
        code: out.status.code(),
        stdout: Vec::new(),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

/// Runs the binary from the package root, so fixture paths can be given as
/// `fixtures/...` and appear that way in messages.
pub fn run_in_project<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    run_in(project_dir(), args, None)
}

/// A temporary directory to run the binary in; removed when dropped.
pub struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    /// A fresh, empty directory.
    pub fn new() -> Workdir {
        let dir = tempfile::Builder::new()
            .prefix("storyhash-test-")
            .tempdir()
            .expect("a temporary directory");
        Workdir { dir }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A path inside the directory.
    pub fn join(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes `bytes` to `name` (creating parent directories).
    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent directories");
        }
        std::fs::write(&path, bytes).expect("write a test file");
        path
    }

    /// The bytes of `name`.
    pub fn read(&self, name: &str) -> Vec<u8> {
        let path = self.join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
    }

    /// Names of the entries of the directory (hidden ones included), sorted.
    pub fn entries(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.path())
            .expect("list the work directory")
            .map(|e| e.expect("a directory entry").file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// Runs the binary here with `args` and an empty stdin.
    pub fn run<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        run_in(self.path(), args, None)
    }

    /// Runs the binary here with `args`, piping `stdin` to it.
    pub fn run_with_stdin<I, S>(&self, args: I, stdin: &[u8]) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        run_in(self.path(), args, Some(stdin))
    }
}

/// The records of a CSV with a header, header first.
pub fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes);
    rdr.records()
        .map(|r| r.expect("valid CSV").iter().map(str::to_string).collect())
        .collect()
}

/// The values of column `name` of a CSV with a header, in row order.
pub fn column(bytes: &[u8], name: &str) -> Vec<String> {
    let rows = csv_rows(bytes);
    let (header, body) = rows.split_first().expect("a header row");
    let i = header
        .iter()
        .position(|c| c == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"));
    body.iter().map(|r| r[i].clone()).collect()
}

/// A grouping as a set of sets of ids: labels do not matter.
pub type Partition = BTreeSet<BTreeSet<String>>;

/// Groups `ids` by `labels`.
pub fn partition_of(ids: &[String], labels: &[String]) -> Partition {
    assert_eq!(ids.len(), labels.len());
    let mut groups: std::collections::BTreeMap<&str, BTreeSet<String>> = Default::default();
    for (id, label) in ids.iter().zip(labels) {
        groups.entry(label).or_default().insert(id.clone());
    }
    groups.into_values().collect()
}

/// The partition of a CSV's `id` column by its `dup_group` column (the
/// tool's output and the gold files share these two columns).
pub fn partition(csv: &[u8]) -> Partition {
    partition_of(&column(csv, "id"), &column(csv, "dup_group"))
}

/// Asserts two partitions are equal, showing only the groups that differ.
#[track_caller]
pub fn assert_same_partition(got: &Partition, want: &Partition, what: &str) {
    if got != want {
        let show = |a: &Partition, b: &Partition| {
            let only: Vec<_> = a.difference(b).take(20).collect();
            format!("{only:?}")
        };
        panic!(
            "{what}: groupings differ\nonly in the result: {}\nonly in the expected: {}",
            show(got, want),
            show(want, got)
        );
    }
}

/// `p` restricted to the ids in `keep` (empty groups dropped).
pub fn restrict(p: &Partition, keep: &BTreeSet<String>) -> Partition {
    p.iter()
        .map(|g| g.intersection(keep).cloned().collect::<BTreeSet<_>>())
        .filter(|g| !g.is_empty())
        .collect()
}

/// A 64-bit linear congruential generator (Knuth's MMIX constants): tiny,
/// deterministic, good enough to make up words and shuffle lines.
#[derive(Debug, Clone)]
pub struct Lcg(u64);

impl Lcg {
    /// A generator started from `seed`.
    pub fn new(seed: u64) -> Lcg {
        let mut g = Lcg(seed ^ 0x9E37_79B9_7F4A_7C15);
        g.next();
        g
    }

    /// The next 31 pseudo-random bits (the high bits of the state; the low
    /// bits of an LCG have short periods).
    pub fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A number in `lo..=hi`.
    pub fn between(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// Shuffles `v` in place (Fisher-Yates).
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            v.swap(i, self.below(i + 1));
        }
    }
}

const SYLLABLES: [&str; 24] = [
    "ba", "ko", "ri", "tu", "me", "la", "sho", "ven", "da", "pi", "gor", "nu", "te", "mar", "si",
    "lo", "fen", "ka", "dru", "wi", "ha", "zel", "po", "qui",
];

/// A made-up word of two to four syllables (13,000-odd possible words, so
/// two unrelated texts share hardly any 5-word shingle).
pub fn word(rng: &mut Lcg) -> String {
    (0..rng.between(2, 4))
        .map(|_| SYLLABLES[rng.below(SYLLABLES.len())])
        .collect()
}

/// A paragraph of `n` made-up words.
pub fn paragraph(rng: &mut Lcg, n: usize) -> String {
    (0..n).map(|_| word(rng)).collect::<Vec<_>>().join(" ")
}

/// One article of a generated corpus.
#[derive(Debug, Clone)]
pub struct Article {
    /// Unique id.
    pub id: String,
    /// Outlet.
    pub source: String,
    /// Body: paragraphs separated by blank lines, ending with the outlet's
    /// template line.
    pub text: String,
    /// Id of the original this article copies (its own id for an original).
    pub original: String,
}

const OUTLETS: usize = 6;

fn footer(outlet: usize) -> String {
    format!("Follow the Outlet {outlet} newsroom for more local stories and share this page")
}

/// `n` articles: originals of four to six paragraphs, and planted copies of
/// earlier originals (verbatim under another outlet's template, lightly
/// edited, trimmed by their last paragraph, or embedded in a longer local
/// story). Every copy is unmistakably a near-duplicate and no two originals
/// are, so the planted grouping is the right answer.
pub fn corpus(n: usize, seed: u64) -> Vec<Article> {
    let mut rng = Lcg::new(seed);
    let mut originals: Vec<(String, Vec<String>)> = Vec::new();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let id = format!("s{i:05}");
        let outlet = rng.below(OUTLETS);
        let copy = !originals.is_empty() && rng.below(10) < 3;
        let (paras, original) = if copy {
            let (orig_id, orig) = originals[rng.below(originals.len())].clone();
            let paras = match rng.below(4) {
                0 => orig,
                1 => orig
                    .iter()
                    .map(|p| {
                        let words = p.split(' ').map(|w| {
                            if rng.below(100) < 3 {
                                word(&mut rng)
                            } else {
                                w.to_string()
                            }
                        });
                        words.collect::<Vec<_>>().join(" ")
                    })
                    .collect(),
                2 => orig[..orig.len() - 1].to_vec(),
                _ => {
                    let mut p = vec![paragraph(&mut rng, 30)];
                    p.extend(orig);
                    p.push(paragraph(&mut rng, 25));
                    p
                }
            };
            (paras, orig_id)
        } else {
            let paras: Vec<String> = (0..rng.between(4, 6))
                .map(|_| {
                    let len = rng.between(20, 40);
                    paragraph(&mut rng, len)
                })
                .collect();
            originals.push((id.clone(), paras.clone()));
            (paras, id.clone())
        };
        let mut text = paras.join("\n\n");
        text.push_str("\n\n");
        text.push_str(&footer(outlet));
        out.push(Article {
            id,
            source: format!("Outlet {outlet}"),
            text,
            original,
        });
    }
    out
}

/// One JSON Lines record for `a`.
pub fn jsonl_line(a: &Article) -> String {
    // Generated text holds only letters, spaces and line breaks.
    format!(
        "{{\"id\":\"{}\",\"source\":\"{}\",\"text\":\"{}\"}}\n",
        a.id,
        a.source,
        a.text.replace('\n', "\\n")
    )
}

/// The articles as JSON Lines.
pub fn jsonl(articles: &[Article]) -> String {
    articles.iter().map(jsonl_line).collect()
}

/// The planted grouping of a generated corpus.
pub fn planted(articles: &[Article]) -> Partition {
    let ids: Vec<String> = articles.iter().map(|a| a.id.clone()).collect();
    let labels: Vec<String> = articles.iter().map(|a| a.original.clone()).collect();
    partition_of(&ids, &labels)
}

/// Gzip-compresses `bytes`.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).expect("gzip into memory");
    enc.finish().expect("gzip into memory")
}
