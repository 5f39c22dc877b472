//! The `write` stage: one CSV row per article.
//!
//! Columns (header always written):
//!
//! | column | meaning |
//! |---|---|
//! | `id` | the article's id |
//! | `dup_group` | the id of the group's canonical article (stable label) |
//! | `story` | the id of the canonical article of the story's earliest group |
//! | `group_size` | number of articles in the group |
//! | `story_size` | number of articles in the story |
//! | `canonical` | `true` for the article to keep |
//! | `matched` | the id of its strongest near-duplicate (empty if none) |
//! | `similarity` | Jaccard similarity with `matched` (4 decimals) |
//! | `containment` | containment of the shorter of the two in the longer |
//! | `source`, `date` | as read |
//!
//! Files are written to a temporary file beside the target and renamed into
//! place, so a failed run never leaves a partial file.

use std::io::Write;
use std::path::Path;

use crate::article::{ArticleId, ArticleMeta};
use crate::cluster::Groups;
use crate::error::{Error, Result};
use crate::story::Stories;

/// The output header.
pub const HEADER: [&str; 11] = [
    "id",
    "dup_group",
    "story",
    "group_size",
    "story_size",
    "canonical",
    "matched",
    "similarity",
    "containment",
    "source",
    "date",
];

/// Writes the assignment table as CSV.
pub fn write_csv(
    out: impl Write,
    articles: &[ArticleMeta],
    groups: &Groups,
    stories: &Stories,
) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(HEADER)?;
    let mut sim = String::new();
    let mut cont = String::new();
    for (i, a) in articles.iter().enumerate() {
        let id = ArticleId(i as u32);
        let g = groups.group[i] as usize;
        let canonical = &articles[groups.canonical[g].index()].id;
        let best = groups.best[i];
        sim.clear();
        cont.clear();
        let matched = match best {
            Some(b) => {
                use std::fmt::Write as _;
                let _ = write!(sim, "{:.4}", b.jaccard);
                let _ = write!(cont, "{:.4}", b.containment);
                &*articles[b.other.index()].id
            }
            None => "",
        };
        let size = groups.size[g].to_string();
        let s = stories.of_group[g] as usize;
        let story_rep = groups.canonical[stories.label_group[s] as usize];
        let story_size = stories.size[s].to_string();
        w.write_record([
            &*a.id,
            &**canonical,
            &*articles[story_rep.index()].id,
            &size,
            &story_size,
            if groups.is_canonical(id) {
                "true"
            } else {
                "false"
            },
            matched,
            &sim,
            &cont,
            a.source.as_deref().unwrap_or(""),
            a.date.as_ref().map_or("", |d| &*d.text),
        ])?;
    }
    w.flush()
}

/// Writes to `path` through a temporary file in the same directory, renamed
/// over `path` only when `fill` succeeds.
pub fn atomically(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    // Errors name the output, never the temporary file beside it.
    let wrap = |e: std::io::Error| Error::Write {
        path: path.to_path_buf(),
        source: e.raw_os_error().map_or_else(
            || std::io::Error::new(e.kind(), e.kind().to_string()),
            std::io::Error::from_raw_os_error,
        ),
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    // Checked first so that the message names the output's directory, not
    // the temporary file that could not be made in it.
    std::fs::metadata(dir).map_err(wrap)?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".storyhash-");
    // Temporary files are private by default; the result is a normal file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    let tmp = builder.tempfile_in(dir).map_err(wrap)?;
    let mut buf = std::io::BufWriter::with_capacity(1 << 20, tmp);
    fill(&mut buf).map_err(wrap)?;
    let tmp = buf.into_inner().map_err(|e| wrap(e.into_error()))?;
    tmp.as_file().sync_all().map_err(wrap)?;
    tmp.persist(path).map_err(|e| wrap(e.error))?;
    Ok(())
}
