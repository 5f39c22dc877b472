//! The deduplicated collection: one article per near-duplicate group,
//! written back in the input's own format, and the keep/drop decisions.
//!
//! Records pass through unchanged: JSON lines are copied byte for byte (so
//! fields the tool does not know survive), CSV rows field for field under
//! their header, `.txt` files as files at the same relative paths. The
//! kept article of a group is its canonical one (`--canonical`, with
//! preferred outlets first). Outputs go through [`crate::output`]: never
//! over an input, whole or not at all.

use std::io::Write;
use std::sync::Arc;

use ahash::AHashSet;

use crate::article::ArticleId;
use crate::config::Format;
use crate::error::{Error, Location, Result};
use crate::output::{Output, Plan};
use crate::pipeline::Outcome;
use crate::read::{self, Input};

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

/// Writes the canonical article of every group to the planned output
/// `out` in the inputs' format (a directory for directories of `.txt`
/// files, filled in its staging directory); returns how many were written.
/// Nothing is in place until the plan is committed.
pub fn write_kept(
    inputs: &[Input],
    outcome: &Outcome,
    plan: &mut Plan,
    out: Output,
) -> Result<usize> {
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
        Some(Format::TextDir) => read::copy_text_files(inputs, &keep, plan.staging(out)),
        Some(_) => {
            let mut failure = None;
            let mut n = 0;
            let written = plan.write(out, |w| match read::copy_records(inputs, &keep, w) {
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
/// `id,decision,kept,matched,similarity,containment,reason,note`; `note`
/// names the optional fields left out of the article (a date that could
/// not be read), if any.
pub fn write_decisions(out: &mut dyn Write, outcome: &Outcome) -> std::io::Result<()> {
    let mut notes: ahash::AHashMap<(Arc<str>, u64), String> = ahash::AHashMap::new();
    for (at, problem) in &outcome.ignored_fields {
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
        "note",
    ])?;
    let arts = &outcome.articles;
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
            notes
                .get(&(a.location.input.clone(), a.location.line))
                .map_or("", String::as_str),
        ])?;
    }
    w.flush()
}
