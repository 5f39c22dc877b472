//! The deduplicated collection: one article per near-duplicate group,
//! written back in the input's own format, and the keep/drop decisions.
//!
//! Records pass through unchanged: JSON lines are copied byte for byte (so
//! fields the tool does not know survive), CSV rows field for field under
//! their header, `.txt` files as files at the same relative paths. The
//! kept article of a group is its canonical one (`--canonical`, with
//! preferred outlets first). Nothing is written over an input, and output
//! appears whole or not at all.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ahash::AHashSet;

use crate::article::{ArticleId, Raw};
use crate::assign::Assignments;
use crate::error::{Error, Location, Result};
use crate::write;

/// How the deduplicated collection is written: the inputs' own layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// JSON lines in one file, byte for byte.
    JsonLines,
    /// CSV rows in one file under the first input's header.
    Csv,
    /// `.txt` files in a new directory, at their relative paths.
    Files,
}

/// Refuses an output path that is one of the inputs.
pub fn check_target(out: &Path, inputs: &[PathBuf]) -> Result<()> {
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    };
    if let Some(hit) = inputs.iter().find(|i| same(out, i)) {
        return Err(Error::Refused {
            path: hit.clone(),
            reason: "the output would overwrite an input; choose another -o".into(),
        });
    }
    Ok(())
}

/// Where each kept (canonical) article was read.
fn kept_locations(table: &Assignments) -> AHashSet<(Arc<str>, u64)> {
    (0..table.len() as u32)
        .map(ArticleId)
        .filter(|&id| table.groups.is_canonical(id))
        .map(|id| {
            let at = &table.articles[id.index()].location;
            (at.input.clone(), at.line)
        })
        .collect()
}

/// The records the collection is read back as: `feed` passes each record
/// of the inputs, in order, to the sink it is given.
pub type Feed<'a> = dyn FnOnce(&mut dyn FnMut(&Location, Raw<'_>) -> Result<()>) -> Result<()> + 'a;

/// Writes the canonical article of every group to `out` in `layout`,
/// taking the records from `feed`; returns how many were written.
pub fn write_kept(
    out: &Path,
    layout: Layout,
    table: &Assignments,
    feed: Box<Feed<'_>>,
) -> Result<usize> {
    let kept = kept_locations(table);
    let keep = |at: &Location| kept.contains(&(at.input.clone(), at.line));
    let mut n = 0;
    match layout {
        Layout::Files => {
            if out.exists() {
                return Err(Error::Refused {
                    path: out.to_path_buf(),
                    reason: "already exists; dedup writes a new directory".into(),
                });
            }
            let parent = match out.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            let tmp = tempfile::Builder::new()
                .prefix(".storyhash-")
                .tempdir_in(parent)
                .map_err(|e| Error::Write {
                    path: out.to_path_buf(),
                    source: e,
                })?;
            feed(&mut |at, raw| {
                let Raw::TextFile { path, rel } = raw else {
                    return Ok(());
                };
                if keep(at) {
                    let target = tmp.path().join(rel);
                    if let Some(parent) = target.parent() {
                        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
                    }
                    std::fs::copy(path, &target).map_err(|e| Error::io(&target, e))?;
                    n += 1;
                }
                Ok(())
            })?;
            std::fs::rename(tmp.path(), out).map_err(|e| Error::Write {
                path: out.to_path_buf(),
                source: e,
            })?;
        }
        Layout::JsonLines | Layout::Csv => {
            // `fill` speaks io::Error; a failure of the reading side is
            // kept aside and returned as it is.
            let mut failure = None;
            let written = write::atomically(out, |w| {
                let mut sink = match layout {
                    Layout::Csv => Sink::Csv(Box::new(
                        csv::WriterBuilder::new().flexible(true).from_writer(w),
                    )),
                    _ => Sink::Json(w),
                };
                let mut header_written = false;
                let fed = feed(&mut |at, raw| {
                    let io = |e: std::io::Error| Error::Write {
                        path: out.to_path_buf(),
                        source: e,
                    };
                    match (&mut sink, raw) {
                        (Sink::Json(w), Raw::JsonLine(line)) if keep(at) => {
                            w.write_all(line)
                                .and_then(|()| w.write_all(b"\n"))
                                .map_err(io)?;
                            n += 1;
                        }
                        (Sink::Csv(w), Raw::CsvHeader(h)) if !header_written => {
                            w.write_byte_record(h).map_err(|e| io(e.into()))?;
                            header_written = true;
                        }
                        (Sink::Csv(w), Raw::CsvRow(r)) if keep(at) => {
                            w.write_byte_record(r).map_err(|e| io(e.into()))?;
                            n += 1;
                        }
                        _ => {}
                    }
                    Ok(())
                });
                if let Err(e) = fed {
                    failure = Some(e);
                    return Err(std::io::Error::other("reading the inputs failed"));
                }
                match sink {
                    Sink::Csv(mut w) => w.flush(),
                    Sink::Json(w) => w.flush(),
                }
            });
            if let Some(e) = failure {
                return Err(e);
            }
            written?;
        }
    }
    Ok(n)
}

/// Where kept records go: straight through, or through a CSV writer.
enum Sink<'a> {
    Json(&'a mut dyn Write),
    Csv(Box<csv::Writer<&'a mut dyn Write>>),
}

/// Writes the keep/drop decision of every article, in input order:
/// `id,decision,kept,matched,similarity,containment,reason,event,story`
/// (the article's event and story, labelled as in the cluster CSV, so that
/// a dropped copy can be traced to the happening it reported; a table
/// without events names the group as the event).
pub fn write_decisions(out: &mut dyn Write, table: &Assignments) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "id",
        "decision",
        "kept",
        "matched",
        "similarity",
        "containment",
        "reason",
        "event",
        "story",
    ])?;
    for r in table.rows() {
        let (matched, sim, cont) = match r.matched {
            Some((other, jaccard, containment)) => {
                (other, format!("{jaccard:.4}"), format!("{containment:.4}"))
            }
            None => ("", String::new(), String::new()),
        };
        let (decision, reason) = if r.canonical {
            let why = if r.group_size == 1 {
                "no near-duplicate".to_string()
            } else {
                format!("canonical of {} near-duplicates", r.group_size)
            };
            ("keep", why)
        } else {
            ("drop", format!("near-duplicate of {}", r.dup_group))
        };
        w.write_record([
            r.id,
            decision,
            r.dup_group,
            matched,
            &sim,
            &cont,
            &reason,
            r.event.unwrap_or(r.dup_group),
            r.story,
        ])?;
    }
    w.flush()
}
