//! CSV with a header row.
//!
//! Columns are looked up by name (remappable with flags); `id` and `text` are
//! required, the others optional. Rows are parsed on the reading thread (a
//! quoted field may span lines, so rows cannot be cut apart blindly); a short
//! row or invalid UTF-8 is reported with the row's line.

use std::io::Read;

use super::{BATCH_RECORDS, Batch, Items, Place};
use crate::article::Record;
use crate::config::FieldNames;
use crate::error::{Error, RecordProblem, Result};

pub(super) fn scan(
    r: Box<dyn Read + Send>,
    name: &str,
    input: usize,
    fields: &FieldNames,
    sink: &mut dyn FnMut(Batch) -> bool,
) -> Result<bool> {
    let mut rdr = ::csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(r);
    let csv_err = |e: ::csv::Error| {
        let line = e.position().map_or(0, |p| p.line());
        match e.into_kind() {
            ::csv::ErrorKind::Io(io) => Error::io(name, io),
            other => Error::Config(format!("{name}:{line}: unreadable CSV ({other:?})")),
        }
    };
    let header = rdr.byte_headers().map_err(csv_err)?.clone();
    if header.is_empty() {
        return Ok(true);
    }
    let cols: Vec<String> = header
        .iter()
        .map(|c| {
            String::from_utf8_lossy(c)
                .trim()
                .trim_start_matches('\u{feff}')
                .to_string()
        })
        .collect();
    let find = |n: &str| cols.iter().position(|c| c == n);
    let required = |n: &str, flag: &'static str| {
        find(n).ok_or_else(|| Error::MissingColumn {
            input: name.to_string(),
            column: n.to_string(),
            found: cols.join(", "),
            flag,
        })
    };
    let id = required(&fields.id, "--id-field")?;
    let text = required(&fields.text, "--text-field")?;
    let (title, source, date) = (
        find(&fields.title),
        find(&fields.source),
        find(&fields.date),
    );

    let mut rows = Vec::with_capacity(BATCH_RECORDS);
    let mut rec = ::csv::ByteRecord::new();
    while rdr.read_byte_record(&mut rec).map_err(csv_err)? {
        let line = rec.position().map_or(0, |p| p.line());
        if rec.len() == 1 && rec[0].iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let parsed = if rec.len() < cols.len() {
            Err(RecordProblem::ShortRow {
                expected: cols.len(),
                found: rec.len(),
            })
        } else {
            row(&rec, id, text, title, source, date)
        };
        rows.push((Place { line, file: None }, parsed));
        if rows.len() == BATCH_RECORDS {
            let items = Items::Parsed(std::mem::take(&mut rows));
            if !sink(Batch { input, items }) {
                return Ok(false);
            }
        }
    }
    if !rows.is_empty() {
        return Ok(sink(Batch {
            input,
            items: Items::Parsed(rows),
        }));
    }
    Ok(true)
}

fn row(
    rec: &::csv::ByteRecord,
    id: usize,
    text: usize,
    title: Option<usize>,
    source: Option<usize>,
    date: Option<usize>,
) -> Result<Record, RecordProblem> {
    // Offsets in messages count from the start of the row.
    let field = |i: usize| -> Result<String, RecordProblem> {
        let bytes = &rec[i];
        std::str::from_utf8(bytes).map(str::to_string).map_err(|e| {
            let before: usize = (0..i).map(|j| rec[j].len() + 1).sum();
            RecordProblem::Utf8(before + e.valid_up_to())
        })
    };
    let opt = |i: Option<usize>| i.map(field).transpose();
    let date = opt(date)?;
    Record::new(
        field(id)?.trim().to_string(),
        field(text)?,
        opt(title)?,
        opt(source)?,
        date.as_deref(),
    )
}
