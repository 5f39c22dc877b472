//! The deduplicated collection: one article per near-duplicate group,
//! written back in the input's own format, and the keep/drop decisions.
//!
//! Records pass through unchanged: JSON lines are copied byte for byte (so
//! fields the tool does not know survive), CSV rows field for field under
//! their header, `.txt` files and web pages as files at the same relative
//! paths, web archive records byte for byte (with the archive's `warcinfo`
//! records, which describe the crawl). The
//! kept article of a group is its canonical one (`--canonical`, with
//! preferred outlets first). Outputs go through [`crate::output`]: never
//! over an input, whole or not at all, and with the decisions both or
//! neither.

use std::io::Write;
use std::sync::Arc;

use ahash::AHashSet;

use crate::article::{ArticleId, Raw};
use crate::assign::Assignments;
use crate::error::{Error, Location, RecordProblem, Result};
use crate::output::{Output, Plan};

/// How the deduplicated collection is written: the inputs' own layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// JSON lines in one file, byte for byte.
    JsonLines,
    /// CSV rows in one file under the first input's header.
    Csv,
    /// `.txt` files or web pages in a new directory, at their relative
    /// paths.
    Files,
    /// Web archive records in one file, byte for byte.
    Warc,
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

/// Writes the canonical article of every group to the planned output `out`
/// in `layout` (for [`Layout::Files`], a directory output, filled in its
/// staging directory), taking the records from `feed`; returns how many
/// were written. Nothing is in place until the plan is committed.
pub fn write_kept(
    plan: &mut Plan,
    out: Output,
    layout: Layout,
    table: &Assignments,
    feed: Box<Feed<'_>>,
) -> Result<usize> {
    let shown = plan.shown(out).to_path_buf();
    let out = (out, shown.as_path());
    let kept = kept_locations(table);
    let keep = |at: &Location| kept.contains(&(at.input.clone(), at.line));
    let mut n = 0;
    match layout {
        Layout::Files => {
            let staging = plan.staging(out.0).to_path_buf();
            feed(&mut |at, raw| {
                let Raw::TextFile { path, rel } = raw else {
                    return Ok(());
                };
                if keep(at) {
                    let target = staging.join(rel);
                    if let Some(parent) = target.parent() {
                        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
                    }
                    std::fs::copy(path, &target).map_err(|e| Error::io(&target, e))?;
                    n += 1;
                }
                Ok(())
            })?;
        }
        Layout::Warc => {
            let mut failure = None;
            let written = plan.write(out.0, |w| {
                let fed = feed(&mut |at, raw| {
                    if let Raw::WarcRecord { bytes, info } = raw
                        && (info || keep(at))
                    {
                        w.write_all(bytes).map_err(|e| Error::Write {
                            path: out.1.to_path_buf(),
                            source: e,
                        })?;
                        n += usize::from(!info);
                    }
                    Ok(())
                });
                if let Err(e) = fed {
                    failure = Some(e);
                    return Err(std::io::Error::other("reading the inputs failed"));
                }
                w.flush()
            });
            if let Some(e) = failure {
                return Err(e);
            }
            written?;
        }
        Layout::JsonLines | Layout::Csv => {
            // `fill` speaks io::Error; a failure of the reading side is
            // kept aside and returned as it is.
            let mut failure = None;
            let written = plan.write(out.0, |w| {
                let mut sink = match layout {
                    Layout::Csv => Sink::Csv(Box::new(
                        csv::WriterBuilder::new().flexible(true).from_writer(w),
                    )),
                    _ => Sink::Json(w),
                };
                let mut header_written = false;
                let fed = feed(&mut |at, raw| {
                    let io = |e: std::io::Error| Error::Write {
                        path: out.1.to_path_buf(),
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
/// `id,decision,kept,matched,similarity,containment,reason,event,story,note`:
/// the article's event and story, labelled as in the cluster CSV, so that a
/// dropped copy can be traced to the happening it reported (a table without
/// events names the group as the event); `note` names the optional fields
/// left out of the article (`ignored`: a date that could not be read, say),
/// if any.
pub fn write_decisions(
    out: &mut dyn Write,
    table: &Assignments,
    ignored: &[(Location, RecordProblem)],
) -> std::io::Result<()> {
    let mut notes: ahash::AHashMap<(Arc<str>, u64), String> = ahash::AHashMap::new();
    for (at, problem) in ignored {
        let note = notes.entry((at.input.clone(), at.line)).or_default();
        if !note.is_empty() {
            note.push_str("; ");
        }
        note.push_str(&format!("left out: {problem}"));
    }
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
        "note",
    ])?;
    for (i, r) in table.rows().enumerate() {
        let (matched, sim, cont) = match r.matched {
            Some((other, jaccard, containment)) => {
                (other, format!("{jaccard:.4}"), format!("{containment:.4}"))
            }
            None => ("", String::new(), String::new()),
        };
        let (decision, reason) = if r.canonical {
            let why = if table.groups.too_short[i] {
                "too short to judge (too few words left after extraction and boilerplate \
                 removal)"
                    .to_string()
            } else if r.group_size == 1 {
                "no near-duplicate".to_string()
            } else {
                format!("canonical of {} near-duplicates", r.group_size)
            };
            ("keep", why)
        } else {
            ("drop", format!("near-duplicate of {}", r.dup_group))
        };
        let at = &table.articles[i].location;
        let note = notes
            .get(&(at.input.clone(), at.line))
            .map_or("", String::as_str);
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
            note,
        ])?;
    }
    w.flush()
}
