//! The `read` stage: inputs in, batches of records out.
//!
//! An [`Input`] is a JSON Lines file, a CSV file with a header, a directory
//! of `.txt` files, or bytes already read from standard input; `.gz` files
//! are decompressed on the fly (recognised by their magic bytes, not their
//! name). [`scan`] streams every input in order as [`Batch`]es of a few
//! megabytes, so memory holds a few batches, never the collection. JSON lines
//! are split but not parsed by the reading thread: [`Batch::map_records`]
//! parses them on the worker threads.
//!
//! An input can be scanned more than once (the boilerplate pass and the
//! signature pass each read it), which is why standard input is held as bytes.

mod clusters;
mod csv;
mod jsonl;
mod labels;
mod txt;

pub use clusters::{ClusterRow, read_clusters};
pub use csv::header_names;
pub use labels::{LabelFormat, load_labels, read_labels};

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::article::{Raw, Record};
use crate::config::{FieldNames, Format, ReadConfig};
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

    /// An input from a path; a directory is read as `.txt` files. The format
    /// is `format` if given, else guessed from the name (`.jsonl`, `.ndjson`,
    /// `.json`, `.csv`, each optionally `.gz`), else from the first byte.
    pub fn open(path: &Path, format: Option<Format>) -> Result<Input> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        let name = path.display().to_string();
        if meta.is_dir() {
            return Ok(Input {
                name: name.into(),
                origin: Origin::Dir(path.to_path_buf()),
                format: Format::TextDir,
            });
        }
        let lower = name.to_ascii_lowercase();
        if format.is_none() && (lower.ends_with(".txt") || lower.ends_with(".txt.gz")) {
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
        Ok(Input {
            name: name.into(),
            origin: Origin::File(path.to_path_buf()),
            format,
        })
    }

    /// An input held in memory (standard input), named `name` in messages.
    pub fn from_bytes(name: &str, bytes: Vec<u8>, format: Option<Format>) -> Result<Input> {
        let bytes: Arc<[u8]> = bytes.into();
        let format = match format {
            Some(Format::TextDir) => {
                return Err(Error::Setting(format!(
                    "{name}: --format txt needs a directory of .txt files"
                )));
            }
            Some(f) => f,
            None => {
                let reader = decompress(std::io::Cursor::new(bytes.clone()))
                    .map_err(|e| Error::io(name, e))?;
                sniff(reader).map_err(|e| Error::io(name, e))?
            }
        };
        Ok(Input {
            name: name.into(),
            origin: Origin::Bytes(bytes),
            format,
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

fn format_from_name(path: &Path) -> Option<Format> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    let ext = name.rsplit_once('.')?.1;
    match ext {
        "jsonl" | "ndjson" | "json" => Some(Format::JsonLines),
        "csv" => Some(Format::Csv),
        _ => None,
    }
}

/// Guesses JSON Lines (first non-blank byte `{`, or a byte order mark) or
/// CSV, from the first 64 KiB.
fn sniff(r: Box<dyn Read + Send>) -> std::io::Result<Format> {
    let mut head = Vec::new();
    r.take(64 << 10).read_to_end(&mut head)?;
    Ok(match head.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') | Some(0xEF) | None => Format::JsonLines,
        Some(_) => Format::Csv,
    })
}

fn open_file(path: &Path) -> Result<Box<dyn Read + Send>> {
    let f = File::open(path).map_err(|e| Error::io(path, e))?;
    decompress(f).map_err(|e| Error::io(path, e))
}

/// Wraps a reader in a gzip decoder when it starts with the gzip magic
/// bytes. The peeked bytes are chained back in front, so any reader works,
/// seekable or not (a pipe, a process substitution); plain input is then
/// read directly, with no intermediate buffer.
pub(crate) fn decompress<'a>(
    mut r: impl Read + Send + 'a,
) -> std::io::Result<Box<dyn Read + Send + 'a>> {
    let mut magic = [0u8; 2];
    let mut got = 0;
    while got < 2 {
        match r.read(&mut magic[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let r = std::io::Cursor::new(magic).take(got as u64).chain(r);
    if got == 2 && magic == [0x1f, 0x8b] {
        let gz = flate2::read::MultiGzDecoder::new(BufReader::with_capacity(1 << 20, r));
        Ok(Box::new(gz))
    } else {
        Ok(Box::new(r))
    }
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
}

impl Batch {
    /// Number of records in the batch.
    pub fn len(&self) -> usize {
        match &self.items {
            Items::Json { lines, .. } => lines.len(),
            Items::Parsed(v) => v.len(),
        }
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
            items @ Items::Json { .. } => Batch { items, ..self }.map_records(
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
        match self.items {
            Items::Parsed(v) => v
                .into_par_iter()
                .map_init(init, |state, (place, record)| f(state, place, record))
                .collect(),
            Items::Json { buf, lines } => lines
                .par_iter()
                .map_init(init, |state, &(line, start, end)| {
                    let place = Place { line, file: None };
                    f(state, place, jsonl::parse(&buf[start..end], fields))
                })
                .collect(),
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
            (Origin::Dir(root), _) => {
                for (path, rel) in txt::files(root)? {
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
            (_, Format::TextDir) => unreachable!("checked in Input::open"),
        }
    }
    Ok(())
}

/// Streams every input, in order, as batches passed to `sink`. Stops early
/// (without error) when `sink` returns `false`.
pub fn scan(inputs: &[Input], cfg: &ReadConfig, sink: &mut dyn FnMut(Batch) -> bool) -> Result<()> {
    let pool = Arc::new(BufferPool::default());
    for (i, input) in inputs.iter().enumerate() {
        let go_on = match (&input.origin, input.format) {
            (Origin::Dir(dir), _) => txt::scan(dir, &input.name, i, sink)?,
            (_, Format::JsonLines) => jsonl::scan(input.reader()?, &input.name, i, &pool, sink)?,
            (_, Format::Csv) => csv::scan(input.reader()?, &input.name, i, &cfg.fields, sink)?,
            (_, Format::TextDir) => unreachable!("checked in Input::open"),
        };
        if !go_on {
            break;
        }
    }
    Ok(())
}
