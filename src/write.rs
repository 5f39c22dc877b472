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

use crate::assign::{Assignments, Row};

/// The output header without events.
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

/// The output header when events are formed: `event` beside `story`,
/// `event_size` beside `story_size`.
pub const HEADER_WITH_EVENTS: [&str; 13] = [
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
pub fn write_csv(out: impl Write, table: &Assignments) -> std::io::Result<()> {
    write_chunked(out, table, ROWS_PER_CHUNK)
}

fn write_chunked(
    mut out: impl Write,
    table: &Assignments,
    rows_per_chunk: usize,
) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    if table.events.is_some() {
        w.write_record(HEADER_WITH_EVENTS)?;
    } else {
        w.write_record(HEADER)?;
    }
    out.write_all(&w.into_inner().map_err(|e| e.into_error())?)?;
    let n = table.len();
    let chunks: Vec<std::ops::Range<usize>> = (0..n)
        .step_by(rows_per_chunk)
        .map(|start| start..(start + rows_per_chunk).min(n))
        .collect();
    // A few chunks per thread at a time keep memory bounded.
    let window = 4 * rayon::current_num_threads().max(1);
    for some in chunks.chunks(window) {
        let bytes: Vec<std::io::Result<Vec<u8>>> = some
            .par_iter()
            .map(|rows| format_rows(rows.clone(), table))
            .collect();
        for b in bytes {
            out.write_all(&b?)?;
        }
    }
    out.flush()
}

/// The CSV rows of articles `rows`, without the header.
fn format_rows(rows: std::ops::Range<usize>, table: &Assignments) -> std::io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::with_capacity(rows.len() * 96));
    let mut f = Fields::default();
    for i in rows {
        let r = table.row(i);
        f.fill(&r);
        let canonical = if r.canonical { "true" } else { "false" };
        let matched = r.matched.map_or("", |m| m.0);
        let source = r.source.unwrap_or("");
        let date = r.date.map_or("", |d| &*d.text);
        let group_size = f.group_size.format(r.group_size);
        let story_size = f.story_size.format(r.story_size);
        match (r.event, r.event_size) {
            (Some(event), Some(event_size)) => w.write_record([
                r.id,
                r.dup_group,
                event,
                r.story,
                group_size,
                f.event_size.format(event_size),
                story_size,
                canonical,
                matched,
                &f.similarity,
                &f.containment,
                source,
                date,
            ])?,
            _ => w.write_record([
                r.id,
                r.dup_group,
                r.story,
                group_size,
                story_size,
                canonical,
                matched,
                &f.similarity,
                &f.containment,
                source,
                date,
            ])?,
        }
    }
    w.into_inner().map_err(|e| e.into_error())
}

/// Reused formatting buffers of one row's numbers.
#[derive(Default)]
struct Fields {
    similarity: String,
    containment: String,
    group_size: itoa::Buffer,
    event_size: itoa::Buffer,
    story_size: itoa::Buffer,
}

impl Fields {
    /// Formats the match scores of `r` (4 decimals; empty without a match).
    fn fill(&mut self, r: &Row<'_>) {
        use std::fmt::Write as _;
        self.similarity.clear();
        self.containment.clear();
        if let Some((_, jaccard, containment)) = r.matched {
            let _ = write!(self.similarity, "{jaccard:.4}");
            let _ = write!(self.containment, "{containment:.4}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::{ArticleId, ArticleMeta};
    use crate::assign::{Best, Groups, Level};
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
            too_short: vec![false; n],
        };
        let stories = Level {
            of_group: (0..n as u32 / 2).map(|g| g / 2).collect(),
            label: (0..(n as u32 / 2).div_ceil(2))
                .map(|s| ArticleId(4 * s))
                .collect(),
            size: vec![4; (n / 2).div_ceil(2)],
        };
        let table = Assignments {
            articles,
            groups,
            events: None,
            stories,
        };
        let mut whole = Vec::new();
        write_chunked(&mut whole, &table, 1 << 20).unwrap();
        assert_eq!(whole.iter().filter(|&&b| b == b'\n').count(), n + 1);
        for chunk in [1, 3, 7, 49] {
            let mut parts = Vec::new();
            write_chunked(&mut parts, &table, chunk).unwrap();
            assert_eq!(parts, whole, "{chunk} rows per chunk");
        }
    }
}
