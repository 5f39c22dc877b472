//! The `write` stage: one CSV row per article.
//!
//! Columns (header always written):
//!
//! | column | meaning |
//! |---|---|
//! | `id` | the article's id |
//! | `dup_group` | the id of the group's canonical article (stable label) |
//! | `event` | the id of the canonical article of the event's earliest group |
//! | `story` | the id of the canonical article of the story's earliest group |
//! | `group_size` | number of articles in the group |
//! | `event_size` | number of articles in the event |
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

use rayon::prelude::*;

use crate::article::{ArticleId, ArticleMeta};
use crate::cluster::Groups;
use crate::error::{Error, Result};
use crate::story::Stories;

/// The output header.
pub const HEADER: [&str; 13] = [
    "id",
    "dup_group",
    "event",
    "story",
    "group_size",
    "event_size",
    "story_size",
    "canonical",
    "matched",
    "similarity",
    "containment",
    "source",
    "date",
];

/// Rows formatted per parallel task: big enough to amortise the task,
/// small enough that the tasks in flight hold little memory.
const ROWS_PER_CHUNK: usize = 16 << 10;

/// Writes the assignment table as CSV. Rows are formatted in parallel, a
/// chunk per task, and written in input order, so the bytes do not depend
/// on the number of threads.
pub fn write_csv(
    out: impl Write,
    articles: &[ArticleMeta],
    groups: &Groups,
    stories: &Stories,
) -> std::io::Result<()> {
    write_chunked(out, articles, groups, stories, ROWS_PER_CHUNK)
}

fn write_chunked(
    mut out: impl Write,
    articles: &[ArticleMeta],
    groups: &Groups,
    stories: &Stories,
    rows_per_chunk: usize,
) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER)?;
    out.write_all(&w.into_inner().map_err(|e| e.into_error())?)?;
    let chunks: Vec<std::ops::Range<usize>> = (0..articles.len())
        .step_by(rows_per_chunk)
        .map(|start| start..(start + rows_per_chunk).min(articles.len()))
        .collect();
    // A few chunks per thread at a time keep memory bounded.
    let window = 4 * rayon::current_num_threads().max(1);
    for some in chunks.chunks(window) {
        let bytes: Vec<std::io::Result<Vec<u8>>> = some
            .par_iter()
            .map(|rows| format_rows(rows.clone(), articles, groups, stories))
            .collect();
        for b in bytes {
            out.write_all(&b?)?;
        }
    }
    out.flush()
}

/// The CSV rows of articles `rows`, without the header.
fn format_rows(
    rows: std::ops::Range<usize>,
    articles: &[ArticleMeta],
    groups: &Groups,
    stories: &Stories,
) -> std::io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::with_capacity(rows.len() * 96));
    let mut sim = String::new();
    let mut cont = String::new();
    let mut size = itoa::Buffer::new();
    let mut event_size = itoa::Buffer::new();
    let mut story_size = itoa::Buffer::new();
    for i in rows {
        let a = &articles[i];
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
        let s = stories.of_group[g] as usize;
        let story_rep = groups.canonical[stories.label_group[s] as usize];
        let e = stories.event_of_group[g] as usize;
        let event_rep = groups.canonical[stories.event_label_group[e] as usize];
        w.write_record([
            &*a.id,
            &**canonical,
            &*articles[event_rep.index()].id,
            &*articles[story_rep.index()].id,
            size.format(groups.size[g]),
            event_size.format(stories.event_size[e]),
            story_size.format(stories.size[s]),
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
    w.into_inner().map_err(|e| e.into_error())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::Best;
    use crate::error::Location;

    #[test]
    fn chunked_rows_equal_one_chunk() {
        let n = 50;
        let articles: Vec<ArticleMeta> = (0..n)
            .map(|i| ArticleMeta {
                id: format!("a{i}, \"quoted\"").into(),
                source: (i % 3 == 0).then(|| "Outlet".into()),
                date: None,
                title: None,
                location: Location {
                    input: "in".into(),
                    line: i as u64 + 1,
                },
            })
            .collect();
        // Pairs (0,1), (2,3), ... are groups; stories join two groups each.
        let groups = Groups {
            group: (0..n as u32).map(|i| i / 2).collect(),
            canonical: (0..n as u32 / 2).map(|g| ArticleId(2 * g)).collect(),
            size: vec![2; n / 2],
            best: (0..n as u32)
                .map(|i| {
                    Some(Best {
                        other: ArticleId(i ^ 1),
                        jaccard: 0.5 + i as f32 / 200.0,
                        containment: 1.0,
                    })
                })
                .collect(),
        };
        let stories = Stories {
            event_of_group: (0..n as u32 / 2).collect(),
            event_label_group: (0..n as u32 / 2).collect(),
            event_size: vec![2; n / 2],
            of_group: (0..n as u32 / 2).map(|g| g / 2).collect(),
            label_group: (0..(n as u32 / 2).div_ceil(2)).map(|s| 2 * s).collect(),
            size: vec![4; (n / 2).div_ceil(2)],
            candidates: 0,
            steps: Vec::new(),
        };
        let mut whole = Vec::new();
        write_chunked(&mut whole, &articles, &groups, &stories, 1 << 20).unwrap();
        assert_eq!(whole.iter().filter(|&&b| b == b'\n').count(), n + 1);
        for chunk in [1, 3, 7, 49] {
            let mut parts = Vec::new();
            write_chunked(&mut parts, &articles, &groups, &stories, chunk).unwrap();
            assert_eq!(parts, whole, "{chunk} rows per chunk");
        }
    }
}
