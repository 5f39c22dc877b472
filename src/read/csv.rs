//! CSV with a header row.
//!
//! Columns are looked up by name (remappable with flags); `id` and `text` are
//! required, the others optional. Rows are parsed on the reading thread (a
//! quoted field may span lines, so rows cannot be cut apart blindly); a short
//! row or invalid UTF-8 is reported with the row's line. Lines are counted
//! here, from the bytes read ([`LineCounter`]): the reader's own line count
//! is off by one after `\r\n` line ends and blank lines.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::Read;
use std::rc::Rc;
use std::sync::Arc;

use super::{BATCH_RECORDS, Batch, Items, Place};
use crate::article::{Raw, Record};
use crate::config::FieldNames;
use crate::error::{Error, Location, RecordProblem, Result};

/// Offsets of the `\n` and `\r` bytes read so far and not yet passed.
#[derive(Default)]
struct Breaks {
    pending: VecDeque<u64>,
    returns: VecDeque<u64>,
    passed: u64,
    quotes: Quotes,
}

/// Where the bytes read so far leave the CSV grammar: inside a quoted field
/// or not. The csv crate ends a quoted field that is never closed at the
/// end of the input without a word, swallowing every row after the quote;
/// this follows the same grammar (a quote opens a field only at its start,
/// `""` inside is a quote) to tell.
#[derive(Default)]
struct Quotes {
    state: QuoteState,
    /// Line breaks seen (to name the line of an opening quote).
    lines: u64,
    /// 1-based line of the quote that opened the current quoted field.
    opened: u64,
}

#[derive(Default, Clone, Copy, PartialEq, Eq)]
enum QuoteState {
    #[default]
    FieldStart,
    Unquoted,
    Quoted,
    /// A quote inside a quoted field: the end of it, or the first of `""`.
    QuoteInQuoted,
}

impl Quotes {
    fn feed(&mut self, bytes: &[u8]) {
        use QuoteState::*;
        for &b in bytes {
            if b == b'\n' {
                self.lines += 1;
            }
            self.state = match (self.state, b) {
                (FieldStart, b'"') => {
                    self.opened = self.lines + 1;
                    Quoted
                }
                (Quoted, b'"') => QuoteInQuoted,
                (Quoted, _) => Quoted,
                (QuoteInQuoted, b'"') => Quoted,
                (_, b',' | b'\n' | b'\r') => FieldStart,
                _ => Unquoted,
            };
        }
    }

    /// The line of a quoted field still open at the end of the input.
    fn unclosed(&self) -> Option<u64> {
        (self.state == QuoteState::Quoted).then_some(self.opened)
    }
}

impl Breaks {
    /// The 1-based line of the record the reader places at byte `offset`
    /// (offsets must not decrease). The reader may place a record on the
    /// line end before it or on blank lines before it; a record never
    /// starts with `\r` or `\n`, so those are stepped over.
    fn line_of(&mut self, mut offset: u64) -> u64 {
        loop {
            while self.pending.front().is_some_and(|&b| b < offset) {
                self.pending.pop_front();
                self.passed += 1;
            }
            while self.returns.front().is_some_and(|&b| b < offset) {
                self.returns.pop_front();
            }
            if self.pending.front() == Some(&offset) || self.returns.front() == Some(&offset) {
                offset += 1;
            } else {
                return self.passed + 1;
            }
        }
    }
}

/// A reader that notes where its line breaks are.
struct LineCounter<R> {
    inner: R,
    offset: u64,
    breaks: Rc<RefCell<Breaks>>,
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut b = self.breaks.borrow_mut();
        let at = |i: usize| self.offset + i as u64;
        b.pending
            .extend(memchr::memchr_iter(b'\n', &buf[..n]).map(at));
        b.returns
            .extend(memchr::memchr_iter(b'\r', &buf[..n]).map(at));
        b.quotes.feed(&buf[..n]);
        self.offset += n as u64;
        Ok(n)
    }
}

type CountedReader = ::csv::Reader<LineCounter<Box<dyn Read + Send>>>;

/// A CSV reader (header row, rows of any length) that notes where its line
/// breaks are, and those notes.
fn reader(r: Box<dyn Read + Send>) -> (CountedReader, Rc<RefCell<Breaks>>) {
    let breaks = Rc::new(RefCell::new(Breaks::default()));
    let counted = LineCounter {
        inner: r,
        offset: 0,
        breaks: breaks.clone(),
    };
    let rdr = ::csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(counted);
    (rdr, breaks)
}

/// Column names of a CSV header: trimmed, without a byte order mark, so a
/// name means the same to every reader of the tool.
pub fn header_names(header: &::csv::ByteRecord) -> Vec<String> {
    header
        .iter()
        .map(|c| {
            String::from_utf8_lossy(c)
                .trim()
                .trim_start_matches('\u{feff}')
                .to_string()
        })
        .collect()
}

pub(super) fn scan(
    r: Box<dyn Read + Send>,
    name: &str,
    input: usize,
    fields: &FieldNames,
    sink: &mut dyn FnMut(Batch) -> bool,
) -> Result<bool> {
    let (mut rdr, breaks) = reader(r);
    let csv_err = |e: ::csv::Error| {
        let line = e.position().map_or(0, |p| p.line());
        match e.into_kind() {
            ::csv::ErrorKind::Io(io) => Error::io(name, io),
            other => Error::input(
                format!("{name}:{line}"),
                format!("unreadable CSV ({other:?})"),
            ),
        }
    };
    let header = rdr.byte_headers().map_err(csv_err)?.clone();
    if header.is_empty() {
        return Ok(true);
    }
    let cols = header_names(&header);
    let find = |n: &str| cols.iter().position(|c| c == n);
    let required = |n: &str, flag: &'static str| {
        find(n).ok_or_else(|| Error::MissingColumn {
            input: name.to_string(),
            column: n.to_string(),
            found: cols.join(", "),
            flag,
        })
    };
    let columns = Columns {
        id: required(&fields.id, "--id-field")?,
        text: required(&fields.text, "--text-field")?,
        title: find(&fields.title),
        source: find(&fields.source),
        date: find(&fields.date),
    };
    let date_format = fields.date_format.as_deref();

    let mut rows = Vec::with_capacity(BATCH_RECORDS);
    let mut rec = ::csv::ByteRecord::new();
    while rdr.read_byte_record(&mut rec).map_err(csv_err)? {
        let line = rec
            .position()
            .map_or(0, |p| breaks.borrow_mut().line_of(p.byte()));
        if rec.len() == 1 && rec[0].iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        // Strict: a row with more fields than the header is as wrong as
        // one with fewer (written back, its extra fields would have no
        // column).
        let parsed = if rec.len() != cols.len() {
            Err(RecordProblem::ShortRow {
                expected: cols.len(),
                found: rec.len(),
            })
        } else {
            row(&rec, columns, date_format)
        };
        rows.push((Place { line, file: None }, parsed));
        if rows.len() == BATCH_RECORDS {
            let items = Items::Parsed(std::mem::take(&mut rows));
            if !sink(Batch { input, items }) {
                return Ok(false);
            }
        }
    }
    unclosed_quote(name, &breaks.borrow())?;
    if !rows.is_empty() {
        return Ok(sink(Batch {
            input,
            items: Items::Parsed(rows),
        }));
    }
    Ok(true)
}

/// Fails on a quoted field left open at the end of the input.
fn unclosed_quote(name: &str, breaks: &Breaks) -> Result<()> {
    match breaks.quotes.unclosed() {
        None => Ok(()),
        Some(line) => Err(Error::input(
            format!("{name}:{line}"),
            "a quoted field opened on this line is never closed \
             (every row after it would be read as part of it)",
        )),
    }
}

/// Feeds a CSV input's header, then each of its rows, to `sink`.
pub(super) fn raw_rows(
    r: Box<dyn Read + Send>,
    name: &Arc<str>,
    sink: &mut dyn FnMut(&Location, Raw<'_>) -> Result<()>,
) -> Result<()> {
    let (mut rdr, breaks) = reader(r);
    let read_err = |e: ::csv::Error| Error::input(&**name, format!("unreadable CSV ({e})"));
    let header = rdr.byte_headers().map_err(read_err)?.clone();
    let top = Location {
        input: name.clone(),
        line: 1,
    };
    sink(&top, Raw::CsvHeader(&header))?;
    let mut rec = ::csv::ByteRecord::new();
    while rdr.read_byte_record(&mut rec).map_err(read_err)? {
        let line = rec
            .position()
            .map_or(0, |p| breaks.borrow_mut().line_of(p.byte()));
        let at = Location {
            input: name.clone(),
            line,
        };
        sink(&at, Raw::CsvRow(&rec))?;
    }
    unclosed_quote(name, &breaks.borrow())?;
    Ok(())
}

fn row(
    rec: &::csv::ByteRecord,
    cols: Columns,
    date_format: Option<&str>,
) -> Result<Record, RecordProblem> {
    // Offsets in messages count from the start of the row.
    let field = |i: usize| -> Result<String, RecordProblem> {
        let bytes = &rec[i];
        std::str::from_utf8(bytes).map(str::to_string).map_err(|e| {
            let before: usize = (0..i).map(|j| rec[j].len() + 1).sum();
            RecordProblem::Utf8(before + e.valid_up_to())
        })
    };
    // An optional field that is not UTF-8 is left out, not the article.
    let mut ignored = Vec::new();
    let mut opt = |i: Option<usize>| {
        i.map(field).transpose().unwrap_or_else(|p| {
            ignored.push(p);
            None
        })
    };
    let (title, source, date) = (opt(cols.title), opt(cols.source), opt(cols.date));
    let mut r = Record::new(
        field(cols.id)?.trim().to_string(),
        field(cols.text)?,
        title,
        source,
        date.as_deref(),
        date_format,
    )?;
    ignored.append(&mut r.ignored);
    r.ignored = ignored;
    Ok(r)
}

/// Where the fields of a record are in a row.
#[derive(Debug, Clone, Copy)]
struct Columns {
    id: usize,
    text: usize,
    title: Option<usize>,
    source: Option<usize>,
    date: Option<usize>,
}
