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
//! Where the bytes go (standard output, a device, a file put in place only
//! when the run succeeds) is [`crate::output`]'s business.

use std::io::Write;

use rayon::prelude::*;

use crate::article::{ArticleId, ArticleMeta};
use crate::cluster::Groups;
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
        w.write_record([
            &*a.id,
            &**canonical,
            &*articles[story_rep.index()].id,
            size.format(groups.size[g]),
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
            of_group: (0..n as u32 / 2).map(|g| g / 2).collect(),
            label_group: (0..(n as u32 / 2).div_ceil(2)).map(|s| 2 * s).collect(),
            size: vec![4; (n / 2).div_ceil(2)],
            candidates: 0,
            edges: 0,
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
