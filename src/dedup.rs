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

use crate::article::ArticleId;
use crate::config::Format;
use crate::error::{Error, Location, Result};
use crate::pipeline::Outcome;
use crate::read::{self, Input};
use crate::write;

/// Refuses an output path that is one of the inputs.
pub fn check_target(out: &Path, inputs: &[PathBuf]) -> Result<()> {
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    };
    if let Some(hit) = inputs.iter().find(|i| same(out, i)) {
        return Err(Error::Config(format!(
            "{}: the output would overwrite an input; choose another -o",
            hit.display()
        )));
    }
    Ok(())
}

/// Where each kept (canonical) article was read.
fn kept_locations(outcome: &Outcome) -> AHashSet<(Arc<str>, u64)> {
    (0..outcome.articles.len() as u32)
        .map(ArticleId)
        .filter(|&id| outcome.groups.is_canonical(id))
        .map(|id| {
            let at = &outcome.articles[id.index()].location;
            (at.input.clone(), at.line)
        })
        .collect()
}

/// Writes the canonical article of every group to `out` in the inputs'
/// format; returns how many were written.
pub fn write_kept(inputs: &[Input], outcome: &Outcome, out: &Path) -> Result<usize> {
    let kept = kept_locations(outcome);
    let keep = |at: &Location| kept.contains(&(at.input.clone(), at.line));
    let formats: AHashSet<u8> = inputs.iter().map(|i| i.format() as u8).collect();
    if formats.len() > 1 {
        return Err(Error::Config(
            "dedup writes the inputs' own format, and these inputs mix formats; \
             deduplicate each format on its own"
                .into(),
        ));
    }
    match inputs.first().map(Input::format) {
        None => Ok(0),
        Some(Format::TextDir) => {
            if out.exists() {
                return Err(Error::Config(format!(
                    "{}: already exists; dedup writes a new directory",
                    out.display()
                )));
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
            let n = read::copy_text_files(inputs, &keep, tmp.path())?;
            std::fs::rename(tmp.path(), out).map_err(|e| Error::Write {
                path: out.to_path_buf(),
                source: e,
            })?;
            Ok(n)
        }
        Some(_) => {
            let mut failure = None;
            let mut n = 0;
            let written = write::atomically(out, |w| match read::copy_records(inputs, &keep, w) {
                Ok(count) => {
                    n = count;
                    Ok(())
                }
                Err(e) => {
                    failure = Some(e);
                    Err(std::io::Error::other("reading the inputs failed"))
                }
            });
            if let Some(e) = failure {
                return Err(e);
            }
            written?;
            Ok(n)
        }
    }
}

/// Writes the keep/drop decision of every article, in input order:
/// `id,decision,kept,matched,similarity,containment,reason,event,story`
/// (the event and story of the article, labelled as in the cluster CSV, so
/// that a dropped copy can be traced to the happening it reported).
pub fn write_decisions(out: &mut dyn Write, outcome: &Outcome) -> std::io::Result<()> {
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
    let arts = &outcome.articles;
    let st = &outcome.stories;
    let label = |g: u32| &*arts[outcome.groups.canonical[g as usize].index()].id;
    for (i, a) in arts.iter().enumerate() {
        let id = ArticleId(i as u32);
        let g = outcome.groups.group[i] as usize;
        let canonical = outcome.groups.canonical[g];
        let size = outcome.groups.size[g];
        let best = outcome.groups.best[i];
        let (matched, sim, cont) = match best {
            Some(b) => (
                &*arts[b.other.index()].id,
                format!("{:.4}", b.jaccard),
                format!("{:.4}", b.containment),
            ),
            None => ("", String::new(), String::new()),
        };
        let (decision, reason) = if canonical == id {
            let why = if size == 1 {
                "no near-duplicate".to_string()
            } else {
                format!("canonical of {size} near-duplicates")
            };
            ("keep", why)
        } else {
            let why = format!("near-duplicate of {}", arts[canonical.index()].id);
            ("drop", why)
        };
        w.write_record([
            &*a.id,
            decision,
            &*arts[canonical.index()].id,
            matched,
            &sim,
            &cont,
            &reason,
            label(st.event_label_group[st.event_of_group[g] as usize]),
            label(st.label_group[st.of_group[g] as usize]),
        ])?;
    }
    w.flush()
}
