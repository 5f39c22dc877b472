//! The `read` stage: inputs in, batches of records out.
//!
//! An [`Input`] is a JSON Lines file, a CSV file with a header, a directory
//! of `.txt` files or of web pages (`.html`, `.htm`), a web archive
//! (`.warc`, `.warc.gz`), or bytes already read from standard input; gzip,
//! zstd, bzip2 and xz files are decompressed on the fly (recognised by their
//! magic bytes, not their name). A pipe, a FIFO or process substitution
//! (`<(zcat x.gz)`) is read whole into memory like standard input, since it
//! can be read only once. Web pages are extracted on the worker threads,
//! like JSON lines are parsed there (`html.rs`, `extract.rs`). [`scan`]
//! streams every input in order as [`Batch`]es of a few
//! megabytes, so memory holds a few batches, never the collection. JSON lines
//! are split but not parsed by the reading thread: [`Batch::map_records`]
//! parses them on the worker threads.
//!
//! An input can be scanned more than once (the boilerplate pass and the
//! signature pass each read it), which is why standard input is held as bytes.

mod clusters;
mod csv;
mod html;
mod jsonl;
mod labels;
mod txt;
mod warc;

pub use warc::Skipped;

pub use clusters::{ClusterRow, read_clusters};
pub use csv::header_names;
pub use labels::{LabelFormat, load_labels, read_labels};

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::article::{Raw, Record};
use crate::config::{FieldNames, Format, ReadConfig, TextFormat};
use crate::error::{Error, Location, RecordProblem, Result};

/// Bytes of input text per batch: large enough to keep every thread busy,
/// small enough that a few batches in flight cost little memory.
const BATCH_BYTES: usize = 4 << 20;
/// Records per batch for formats parsed on the reading thread.
const BATCH_RECORDS: usize = 1024;

/// One input of a run.
#[derive(Debug, Clone)]
pub struct Input {
    name: Arc<str>,
    origin: Origin,
    format: Format,
    /// Records of a web archive that were not articles, as counted by the
    /// latest scan.
    skipped: Arc<std::sync::Mutex<Skipped>>,
    /// Pages extracted by one scan, for the next.
    pages: Arc<html::PageCache>,
}

#[derive(Debug, Clone)]
enum Origin {
    Bytes(Arc<[u8]>),
    File(PathBuf),
    Dir(PathBuf),
}

impl Input {
    /// The inputs named by `paths`: `-` is standard input (at most once),
    /// and no path at all means standard input alone.
    pub fn open_all(paths: &[PathBuf], format: Option<Format>) -> Result<Vec<Input>> {
        let stdin = Path::new("-");
        if paths.iter().filter(|p| *p == stdin).count() > 1 {
            return Err(Error::Setting(
                "standard input (`-`) can be given only once".into(),
            ));
        }
        if paths.is_empty() {
            return Ok(vec![Input::stdin(format)?]);
        }
        paths
            .iter()
            .map(|p| match p == stdin {
                true => Input::stdin(format),
                false => Input::open(p, format),
            })
            .collect()
    }

    /// Standard input, read whole (it is scanned more than once).
    pub fn stdin(format: Option<Format>) -> Result<Input> {
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io("<stdin>", e))?;
        Input::from_bytes("<stdin>", bytes, format)
    }

    /// An input from a path; a directory is read as `.txt` files, or as web
    /// pages when it holds no `.txt` file but `.html`/`.htm` ones (or with
    /// `--format html`). The format is `format` if given, else guessed from
    /// the name (`.jsonl`, `.ndjson`, `.json`, `.csv`, `.warc`, each
    /// optionally `.gz`), else from the first bytes.
    pub fn open(path: &Path, format: Option<Format>) -> Result<Input> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        let name = path.display().to_string();
        if meta.is_dir() {
            let format = match format {
                Some(Format::HtmlDir) => Format::HtmlDir,
                _ if txt::files(path)?.is_empty() && !html::files(path)?.is_empty() => {
                    Format::HtmlDir
                }
                _ => Format::TextDir,
            };
            return Ok(Input {
                name: name.into(),
                origin: Origin::Dir(path.to_path_buf()),
                format,
                skipped: Arc::default(),
                pages: Arc::default(),
            });
        }
        if !meta.is_file() {
            // A pipe cannot be read twice, nor rewound after its first
            // bytes are looked at.
            let mut bytes = Vec::new();
            File::open(path)
                .and_then(|mut f| f.read_to_end(&mut bytes))
                .map_err(|e| Error::io(path, e))?;
            return Input::from_bytes(&name, bytes, format.or_else(|| format_from_name(path)));
        }
        let lower = name.to_ascii_lowercase();
        if format.is_none() && strip_compression(&lower).ends_with(".txt") {
            return Err(Error::Setting(format!(
                "{name}: one .txt file; give the directory that holds the .txt files \
                 (each file is one article)"
            )));
        }
        let format = match format.or_else(|| format_from_name(path)) {
            Some(f) => f,
            None => sniff(open_file(path)?).map_err(|e| Error::io(path, e))?,
        };
        if format == Format::TextDir {
            return Err(Error::Setting(format!(
                "{name}: --format txt needs a directory of .txt files"
            )));
        }
        if format == Format::HtmlDir {
            return Err(Error::Setting(format!(
                "{name}: --format html needs a directory of .html files (each file is one \
                 page); for HTML inside JSON Lines or CSV use --text-format html"
            )));
        }
        if format == Format::JsonLines {
            not_an_array(&name, open_file(path)?)?;
        }
        Ok(Input {
            name: name.into(),
            origin: Origin::File(path.to_path_buf()),
            format,
            skipped: Arc::default(),
            pages: Arc::default(),
        })
    }

    /// An input held in memory (standard input), named `name` in messages.
    pub fn from_bytes(name: &str, bytes: Vec<u8>, format: Option<Format>) -> Result<Input> {
        let bytes: Arc<[u8]> = bytes.into();
        let format = match format {
            Some(Format::TextDir | Format::HtmlDir) => {
                return Err(Error::Setting(format!(
                    "{name}: --format txt and --format html need a directory"
                )));
            }
            Some(f) => f,
            None => {
                let reader = decompress(std::io::Cursor::new(bytes.clone()))
                    .map_err(|e| Error::io(name, e))?;
                sniff(reader).map_err(|e| Error::io(name, e))?
            }
        };
        if format == Format::JsonLines {
            let reader =
                decompress(std::io::Cursor::new(bytes.clone())).map_err(|e| Error::io(name, e))?;
            not_an_array(name, reader)?;
        }
        Ok(Input {
            name: name.into(),
            origin: Origin::Bytes(bytes),
            format,
            skipped: Arc::default(),
            pages: Arc::default(),
        })
    }

    /// The name used in messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The format the input is read as.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Records of a web archive that were not articles (revisits,
    /// redirects, other media), as counted by the latest scan.
    pub fn skipped(&self) -> Skipped {
        self.skipped.lock().map(|s| *s).unwrap_or_default()
    }

    /// The input's bytes as stored (compressed or not).
    fn raw_reader(&self) -> Result<Box<dyn Read + Send>> {
        match &self.origin {
            Origin::Bytes(b) => Ok(Box::new(std::io::Cursor::new(b.clone()))),
            Origin::File(p) => Ok(Box::new(File::open(p).map_err(|e| Error::io(p, e))?)),
            Origin::Dir(_) => unreachable!("directories are walked, not read"),
        }
    }

    fn reader(&self) -> Result<Box<dyn Read + Send>> {
        match &self.origin {
            Origin::Bytes(b) => {
                decompress(std::io::Cursor::new(b.clone())).map_err(|e| Error::io(&*self.name, e))
            }
            Origin::File(p) => open_file(p),
            Origin::Dir(_) => unreachable!("directories are walked, not read"),
        }
    }
}

/// A compressed file's name without its compression suffix.
pub(crate) fn strip_compression(name: &str) -> &str {
    [".gz", ".zst", ".bz2", ".xz"]
        .iter()
        .find_map(|s| name.strip_suffix(s))
        .unwrap_or(name)
}

fn format_from_name(path: &Path) -> Option<Format> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    let name = strip_compression(&name);
    let ext = name.rsplit_once('.')?.1;
    match ext {
        "jsonl" | "ndjson" | "json" => Some(Format::JsonLines),
        "csv" => Some(Format::Csv),
        "warc" => Some(Format::Warc),
        _ => None,
    }
}

/// Guesses a web archive (starts `WARC/`), JSON Lines (first non-blank
/// byte `{`, or a byte order mark) or CSV, from the first 64 KiB.
fn sniff(r: Box<dyn Read + Send>) -> std::io::Result<Format> {
    let mut head = Vec::new();
    r.take(64 << 10).read_to_end(&mut head)?;
    if head.starts_with(b"WARC/") {
        return Ok(Format::Warc);
    }
    Ok(match head.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') | Some(0xEF) | None => Format::JsonLines,
        Some(_) => Format::Csv,
    })
}

/// Refuses a JSON array (a `.json` file holding `[{...}, ...]`): JSON
/// Lines is one object per line, and the array would fail as one bad line.
fn not_an_array(name: &str, r: Box<dyn Read + Send>) -> Result<()> {
    let mut head = Vec::new();
    r.take(64 << 10)
        .read_to_end(&mut head)
        .map_err(|e| Error::io(name, e))?;
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head);
    if head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return Err(Error::input(
            name,
            "a JSON array; storyhash reads JSON Lines, one article object per line \
             (convert it with: jq -c '.[]' FILE > FILE.jsonl)",
        ));
    }
    Ok(())
}

fn open_file(path: &Path) -> Result<Box<dyn Read + Send>> {
    let f = File::open(path).map_err(|e| Error::io(path, e))?;
    decompress(f).map_err(|e| Error::io(path, e))
}

/// Compressed formats, by their magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Compression {
    Gzip,
    Zstd,
    Bzip2,
    Xz,
}

/// The compression `head` (the first bytes) announces; an error for an
/// archive format, whose members the tool does not read.
fn compression(head: &[u8]) -> std::io::Result<Option<Compression>> {
    let archive = |what: &str| {
        Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("a {what} archive; unpack it and give the files or their directory"),
        ))
    };
    Ok(match head {
        [0x1f, 0x8b, ..] => Some(Compression::Gzip),
        [0x28, 0xb5, 0x2f, 0xfd, ..] => Some(Compression::Zstd),
        [b'B', b'Z', b'h', ..] => Some(Compression::Bzip2),
        [0xfd, b'7', b'z', b'X', b'Z', 0x00, ..] => Some(Compression::Xz),
        [b'P', b'K', 0x03, 0x04, ..] => return archive("zip"),
        [b'7', b'z', 0xbc, 0xaf, 0x27, 0x1c, ..] => return archive("7-Zip"),
        _ => None,
    })
}

/// Wraps a reader in a decoder when its first bytes are a compression
/// format's magic bytes. The peeked bytes are chained back in front, so any
/// reader works, seekable or not (a pipe, a process substitution); plain
/// input is then read directly, with no intermediate buffer.
pub(crate) fn decompress<'a>(
    mut r: impl Read + Send + 'a,
) -> std::io::Result<Box<dyn Read + Send + 'a>> {
    let mut magic = [0u8; 6];
    let mut got = 0;
    while got < magic.len() {
        match r.read(&mut magic[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let kind = compression(&magic[..got])?;
    let whole = std::io::Cursor::new(magic[..got].to_vec()).chain(r);
    let Some(kind) = kind else {
        return Ok(Box::new(whole));
    };
    let buffered = BufReader::with_capacity(1 << 20, whole);
    Ok(match kind {
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(buffered)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(buffered)?),
        Compression::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(buffered)),
        Compression::Xz => Box::new(liblzma::read::XzDecoder::new_multi_decoder(buffered)),
    })
}

/// Where in an input a record was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// 1-based line of the record's first byte.
    pub line: u64,
    /// The file, when it is not the input itself (a file of a directory).
    pub file: Option<Box<str>>,
}

impl Place {
    /// The location to report, given the input's name.
    pub fn locate(&self, input: &Input) -> Location {
        Location {
            input: match &self.file {
                Some(f) => Arc::from(&**f),
                None => input.name.clone(),
            },
            line: self.line,
        }
    }
}

/// Spare batch buffers, handed back when a batch is dropped and reused by
/// the reading thread. Without them every batch allocated a fresh buffer
/// of several megabytes, which the system allocator maps anew, so the
/// kernel zeroed gigabytes of pages over a large collection.
#[derive(Debug, Default)]
pub(crate) struct BufferPool(std::sync::Mutex<Vec<Vec<u8>>>);

/// Buffers kept for reuse: as many as batches can be in flight.
const SPARE_BUFFERS: usize = 4;

impl BufferPool {
    /// An empty buffer, recycled when one is spare.
    pub(crate) fn take(self: &Arc<Self>) -> Buffer {
        // Spare buffers are cleared when they are handed back.
        let bytes = self
            .0
            .lock()
            .ok()
            .and_then(|mut spare| spare.pop())
            .unwrap_or_default();
        Buffer {
            bytes,
            pool: Some(self.clone()),
        }
    }
}

/// A batch's bytes; they go back to their pool when dropped.
#[derive(Debug, Default)]
pub(crate) struct Buffer {
    pub(crate) bytes: Vec<u8>,
    pool: Option<Arc<BufferPool>>,
}

impl std::ops::Deref for Buffer {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.bytes
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        if let Some(pool) = self.pool.take()
            && let Ok(mut spare) = pool.0.lock()
            && spare.len() < SPARE_BUFFERS
        {
            let mut bytes = std::mem::take(&mut self.bytes);
            bytes.clear();
            spare.push(bytes);
        }
    }
}

/// A run of records from one input.
#[derive(Debug)]
pub struct Batch {
    /// Index of the input in the list given to [`scan`].
    pub input: usize,
    items: Items,
}

#[derive(Debug)]
enum Items {
    /// Unparsed JSON lines: `(line number, start, end)` into `buf`.
    Json {
        buf: Buffer,
        lines: Vec<(u64, usize, usize)>,
    },
    /// Records parsed while reading (CSV rows, text files).
    Parsed(Vec<(Place, Result<Record, RecordProblem>)>),
    /// Web pages, extracted on the worker threads, and where their input
    /// keeps what was extracted.
    Pages(Vec<(Place, html::RawPage)>, Arc<html::PageCache>),
    /// Records whose text field holds a web page (`--text-format html`),
    /// and where their input keeps what was extracted (by line).
    HtmlText(Box<Items>, Arc<html::PageCache>),
}

impl Batch {
    /// Number of records in the batch.
    pub fn len(&self) -> usize {
        fn count(items: &Items) -> usize {
            match items {
                Items::Json { lines, .. } => lines.len(),
                Items::Parsed(v) => v.len(),
                Items::Pages(v, _) => v.len(),
                Items::HtmlText(inner, _) => count(inner),
            }
        }
        count(&self.items)
    }

    /// Whether the batch holds no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The records with where they were found, in input order; JSON is
    /// parsed in parallel on the current rayon pool.
    pub fn into_records(self, fields: &FieldNames) -> Vec<(Place, Result<Record, RecordProblem>)> {
        match self.items {
            // Parsed while reading: nothing left to do.
            Items::Parsed(v) => v,
            items => Batch { items, ..self }.map_records(
                fields,
                || (),
                |_, place, record| (place, record),
            ),
        }
    }

    /// `f` of every record with where it was found, in input order, run in
    /// parallel on the current rayon pool with per-thread state from
    /// `init`. JSON lines are parsed inside the parallel map, so a record is
    /// parsed and used by the same thread while its text is in cache.
    pub fn map_records<S, T: Send>(
        self,
        fields: &FieldNames,
        init: impl Fn() -> S + Sync + Send,
        f: impl Fn(&mut S, Place, Result<Record, RecordProblem>) -> T + Sync + Send,
    ) -> Vec<T> {
        // HTML in a text field is extracted right after the record is
        // parsed, on the same worker.
        let (items, cache) = match self.items {
            Items::HtmlText(inner, cache) => (*inner, Some(cache)),
            items => (items, None),
        };
        let html = cache.is_some();
        let prepare = |line: u64, r: Result<Record, RecordProblem>| match &cache {
            Some(c) => c.record(line, || r.and_then(html::html_field)),
            None => r,
        };
        match items {
            Items::Parsed(v) => v
                .into_par_iter()
                .with_max_len(if html { 1 } else { usize::MAX })
                .map_init(init, |state, (place, record)| {
                    let record = prepare(place.line, record);
                    f(state, place, record)
                })
                .collect(),
            // One page per task: pages are large and extraction is slow.
            Items::Pages(v, cache) => v
                .into_par_iter()
                .with_max_len(1)
                .map_init(init, |state, (place, page)| {
                    f(state, place, page.into_record(&cache))
                })
                .collect(),
            Items::Json { buf, lines } => lines
                .par_iter()
                .with_max_len(if html { 1 } else { usize::MAX })
                .map_init(init, |state, &(line, start, end)| {
                    let place = Place { line, file: None };
                    f(
                        state,
                        place,
                        prepare(line, jsonl::parse(&buf[start..end], fields)),
                    )
                })
                .collect(),
            Items::HtmlText(..) => unreachable!("HTML text is marked once"),
        }
    }
}

/// Feeds every record of `inputs`, in order, as it was read ([`Raw`]) to
/// `sink`, with where it was read: JSON lines byte for byte, CSV rows field
/// for field (each input's header first), `.txt` files by path. Reading
/// only: what is written, and where, is the caller's.
pub fn raw_records(
    inputs: &[Input],
    sink: &mut dyn FnMut(&Location, Raw<'_>) -> Result<()>,
) -> Result<()> {
    for (i, input) in inputs.iter().enumerate() {
        match (&input.origin, input.format) {
            (Origin::Dir(root), format) => {
                let files = match format {
                    Format::HtmlDir => html::files(root)?,
                    _ => txt::files(root)?,
                };
                for (path, rel) in files {
                    let at = Location {
                        input: Arc::from(path.display().to_string()),
                        line: 1,
                    };
                    sink(
                        &at,
                        Raw::TextFile {
                            path: &path,
                            rel: &rel,
                        },
                    )?;
                }
            }
            (_, Format::JsonLines) => {
                let mut failure = None;
                let mut batches = |b: Batch| {
                    let Items::Json { buf, lines } = &b.items else {
                        return true;
                    };
                    for &(line, start, end) in lines {
                        let at = Location {
                            input: input.name.clone(),
                            line,
                        };
                        if let Err(e) = sink(&at, Raw::JsonLine(&buf[start..end])) {
                            failure = Some(e);
                            return false;
                        }
                    }
                    true
                };
                jsonl::scan(
                    input.reader()?,
                    &input.name,
                    i,
                    &Arc::default(),
                    &mut batches,
                )?;
                if let Some(e) = failure {
                    return Err(e);
                }
            }
            (_, Format::Csv) => csv::raw_rows(input.reader()?, &input.name, sink)?,
            (_, Format::Warc) => {
                warc::raw_records(input.raw_reader()?, input.raw_reader()?, &input.name, sink)?
            }
            (_, Format::TextDir | Format::HtmlDir) => unreachable!("checked in Input::open"),
        }
    }
    Ok(())
}

/// Streams every input, in order, as batches passed to `sink`. Stops early
/// (without error) when `sink` returns `false`.
pub fn scan(inputs: &[Input], cfg: &ReadConfig, sink: &mut dyn FnMut(Batch) -> bool) -> Result<()> {
    let pool = Arc::new(BufferPool::default());
    // HTML in the text field: the records are marked so that the workers
    // extract the page after parsing them.
    let mut html_text = |b: Batch| {
        let cache = inputs[b.input].pages.clone();
        sink(Batch {
            input: b.input,
            items: Items::HtmlText(Box::new(b.items), cache),
        })
    };
    let sink: &mut dyn FnMut(Batch) -> bool = match cfg.text_format {
        TextFormat::Html => &mut html_text,
        TextFormat::Plain => sink,
    };
    for (i, input) in inputs.iter().enumerate() {
        let go_on = match (&input.origin, input.format) {
            (Origin::Dir(dir), Format::HtmlDir) => {
                html::scan(dir, &input.name, i, &input.pages, sink)?
            }
            (Origin::Dir(dir), _) => txt::scan(dir, &input.name, i, &cfg.text_dir, sink)?,
            (_, Format::JsonLines) => jsonl::scan(input.reader()?, &input.name, i, &pool, sink)?,
            (_, Format::Csv) => csv::scan(input.reader()?, &input.name, i, &cfg.fields, sink)?,
            (_, Format::Warc) => {
                let mut skipped = Skipped::default();
                let done = warc::scan(
                    input.raw_reader()?,
                    &input.name,
                    i,
                    cfg.warc_id,
                    &input.pages,
                    &mut skipped,
                    sink,
                )?;
                if let Ok(mut s) = input.skipped.lock() {
                    *s = skipped;
                }
                done
            }
            (_, Format::TextDir | Format::HtmlDir) => unreachable!("checked in Input::open"),
        };
        if !go_on {
            break;
        }
    }
    Ok(())
}
