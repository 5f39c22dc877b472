//! Reading a cluster CSV (the output of `storyhash cluster`) back, for
//! `storyhash report`: one [`ClusterRow`] per line, with the columns the
//! result table is rebuilt from.
//!
//! `id`, `dup_group` and `story` are required; `event`, `matched`,
//! `similarity`, `containment`, `source` and `date` are used when present.
//! A missing column names the columns that are there; a bad value names its
//! line.

use std::path::Path;

use super::csv::header_names;
use crate::error::{Error, Result};

/// One line of a cluster CSV.
#[derive(Debug, Clone)]
pub struct ClusterRow {
    /// 1-based line of the row.
    pub line: u64,
    /// Article id.
    pub id: String,
    /// Group label.
    pub dup_group: String,
    /// Event label, when the file has the column.
    pub event: Option<String>,
    /// Story label.
    pub story: String,
    /// Strongest near-duplicate, with its Jaccard and containment.
    pub matched: Option<(String, f32, f32)>,
    /// Outlet, when the file has it.
    pub source: Option<String>,
    /// Date as written, when the file has it.
    pub date: Option<String>,
}

/// Reads every row of the cluster CSV at `path`.
pub fn read_clusters(path: &Path) -> Result<Vec<ClusterRow>> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut rdr = ::csv::Reader::from_reader(std::io::BufReader::new(file));
    let bad = |e: ::csv::Error| Error::input(&name, format!("unreadable CSV ({e})"));
    let cols = header_names(&rdr.byte_headers().map_err(bad)?.clone());
    let col = |want: &str| cols.iter().position(|c| c == want);
    let need = |want: &str| {
        col(want).ok_or_else(|| {
            Error::input(
                &name,
                format!(
                    "no column `{want}` (columns: {}); give the CSV written by storyhash cluster",
                    cols.join(", ")
                ),
            )
        })
    };
    let (id, story, group) = (need("id")?, need("story")?, need("dup_group")?);
    let (event, matched, sim, cont) = (
        col("event"),
        col("matched"),
        col("similarity"),
        col("containment"),
    );
    let (source, date) = (col("source"), col("date"));
    let mut rows = Vec::new();
    for (n, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(bad)?;
        let line = n as u64 + 2;
        let field = |i: usize| rec.get(i).unwrap_or("").to_string();
        let present = |i: Option<usize>| i.map(field).filter(|s| !s.is_empty());
        let score = |i: Option<usize>| -> Result<f32> {
            match present(i) {
                None => Ok(0.0),
                Some(v) => v.parse().map_err(|_| {
                    Error::input(format!("{name}:{line}"), format!("`{v}` is not a score"))
                }),
            }
        };
        let matched = match present(matched) {
            Some(other) => Some((other, score(sim)?, score(cont)?)),
            None => None,
        };
        rows.push(ClusterRow {
            line,
            id: field(id),
            dup_group: field(group),
            event: event.map(field),
            story: field(story),
            matched,
            source: present(source),
            date: present(date),
        });
    }
    Ok(rows)
}
