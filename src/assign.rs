//! The result table: every article's resolved assignment.
//!
//! The stages leave their answers as numbers (an article's group, a group's
//! story). [`Assignments`] holds them beside the articles' metadata, and
//! [`Assignments::row`] is the one place where they are joined into what a
//! user reads: article → group → canonical article → event → story → label
//! → id. Every writer (the cluster CSV, the report, the dedup decisions)
//! takes rows from here and imports nothing of the stages, the pipeline or
//! the readers.
//!
//! Invariants: the levels nest (`dup_group ⊂ event ⊂ story`), because events
//! and stories are assigned per near-duplicate group; a label is the id of
//! an article of its cluster (the canonical article for a group, the
//! canonical article of the earliest group for an event or story), so
//! labels are stable strings that do not depend on thread count.

use ahash::AHashMap;

use crate::article::{ArticleId, ArticleMeta, Date};
use crate::error::Location;

/// An article's strongest confirmed near-duplicate match.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Best {
    /// The other article.
    pub other: ArticleId,
    /// Their Jaccard similarity.
    pub jaccard: f32,
    /// Containment of the shorter in the longer.
    pub containment: f32,
}

/// Near-duplicate groups of a collection.
#[derive(Debug, Clone, Default)]
pub struct Groups {
    /// Group number of each article.
    pub group: Vec<u32>,
    /// Canonical article of each group.
    pub canonical: Vec<ArticleId>,
    /// Number of articles in each group.
    pub size: Vec<u32>,
    /// Best match of each article within its group, if it has any.
    pub best: Vec<Option<Best>>,
    /// Whether each article was too short to judge (it is its own group).
    pub too_short: Vec<bool>,
}

impl Groups {
    /// Whether `id` is its group's canonical article.
    pub fn is_canonical(&self, id: ArticleId) -> bool {
        self.canonical[self.group[id.index()] as usize] == id
    }

    /// Number of groups.
    pub fn len(&self) -> usize {
        self.canonical.len()
    }

    /// Whether there are no groups (no articles).
    pub fn is_empty(&self) -> bool {
        self.canonical.is_empty()
    }
}

/// A coarser level of grouping over the near-duplicate groups (events,
/// stories): each group belongs to exactly one cluster of the level.
#[derive(Debug, Clone, Default)]
pub struct Level {
    /// Cluster number of each near-duplicate group.
    pub of_group: Vec<u32>,
    /// The article whose id labels each cluster.
    pub label: Vec<ArticleId>,
    /// Number of articles in each cluster.
    pub size: Vec<u32>,
}

impl Level {
    /// Every group its own cluster (the level turned off).
    pub fn singletons(groups: &Groups) -> Level {
        Level {
            of_group: (0..groups.len() as u32).collect(),
            label: groups.canonical.clone(),
            size: groups.size.clone(),
        }
    }

    /// Number of clusters.
    pub fn len(&self) -> usize {
        self.size.len()
    }

    /// Whether the level has no clusters.
    pub fn is_empty(&self) -> bool {
        self.size.is_empty()
    }
}

/// Every article's assignment, in input order.
#[derive(Debug, Clone, Default)]
pub struct Assignments {
    /// Metadata of every article, in input order.
    pub articles: Vec<ArticleMeta>,
    /// Near-duplicate groups.
    pub groups: Groups,
    /// Events, when the run forms them.
    pub events: Option<Level>,
    /// Stories (every group its own story when the story stage is off).
    pub stories: Level,
}

/// One article's assignment, joined and ready to write.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    /// The article's id.
    pub id: &'a str,
    /// Label of its near-duplicate group: the canonical article's id.
    pub dup_group: &'a str,
    /// Label of its event, when events are formed.
    pub event: Option<&'a str>,
    /// Label of its story.
    pub story: &'a str,
    /// Articles in its group.
    pub group_size: u32,
    /// Articles in its event, when events are formed.
    pub event_size: Option<u32>,
    /// Articles in its story.
    pub story_size: u32,
    /// Whether it is the copy its group keeps.
    pub canonical: bool,
    /// Its strongest near-duplicate: the other's id, Jaccard, containment.
    pub matched: Option<(&'a str, f32, f32)>,
    /// Outlet, if known.
    pub source: Option<&'a str>,
    /// Publication date, if known.
    pub date: Option<&'a Date>,
    /// Headline, if known.
    pub title: Option<&'a str>,
    /// Where it was read.
    pub location: &'a Location,
}

impl Assignments {
    /// Number of articles.
    pub fn len(&self) -> usize {
        self.articles.len()
    }

    /// Whether there are no articles.
    pub fn is_empty(&self) -> bool {
        self.articles.is_empty()
    }

    /// The id of article `a`.
    fn id(&self, a: ArticleId) -> &str {
        &self.articles[a.index()].id
    }

    /// Article `i`'s assignment.
    pub fn row(&self, i: usize) -> Row<'_> {
        let a = &self.articles[i];
        let g = self.groups.group[i] as usize;
        let s = self.stories.of_group[g] as usize;
        let event = self.events.as_ref().map(|ev| {
            let e = ev.of_group[g] as usize;
            (self.id(ev.label[e]), ev.size[e])
        });
        Row {
            id: &a.id,
            dup_group: self.id(self.groups.canonical[g]),
            event: event.map(|e| e.0),
            story: self.id(self.stories.label[s]),
            group_size: self.groups.size[g],
            event_size: event.map(|e| e.1),
            story_size: self.stories.size[s],
            canonical: self.groups.canonical[g].index() == i,
            matched: self.groups.best[i].map(|b| (self.id(b.other), b.jaccard, b.containment)),
            source: a.source.as_deref(),
            date: a.date.as_ref(),
            title: a.title.as_deref(),
            location: &a.location,
        }
    }

    /// Every article's assignment, in input order.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = Row<'_>> + '_ {
        (0..self.len()).map(|i| self.row(i))
    }

    /// Number of near-duplicate groups with more than one article.
    pub fn groups_with_copies(&self) -> usize {
        self.groups.size.iter().filter(|&&s| s > 1).count()
    }
}

/// One article of a table given by labels, as a cluster CSV holds it.
#[derive(Debug, Clone)]
pub struct Labelled {
    /// Line of the row, for messages.
    pub line: u64,
    /// The article.
    pub meta: ArticleMeta,
    /// Its group's label (the canonical article's id).
    pub dup_group: String,
    /// Its event's label, when the table has events.
    pub event: Option<String>,
    /// Its story's label.
    pub story: String,
    /// Its strongest near-duplicate: id, Jaccard, containment.
    pub matched: Option<(String, f32, f32)>,
}

impl Assignments {
    /// Rebuilds the table from labels. Every label must be the id of an
    /// article of the table, and the levels must nest (all of a group in
    /// one event and one story); the message says which line breaks that.
    pub fn from_labels(rows: Vec<Labelled>) -> Result<Assignments, (u64, String)> {
        let mut index: AHashMap<&str, ArticleId> = AHashMap::with_capacity(rows.len());
        for (i, r) in rows.iter().enumerate() {
            if index.insert(&r.meta.id, ArticleId(i as u32)).is_some() {
                return Err((r.line, format!("id `{}` appears twice", r.meta.id)));
            }
        }
        let find = |r: &Labelled, what: &str, label: &str| {
            index.get(label).copied().ok_or_else(|| {
                (
                    r.line,
                    format!("{what} `{label}` is not the id of an article in the file"),
                )
            })
        };
        let mut groups = Groups::default();
        let mut group_of: AHashMap<ArticleId, u32> = AHashMap::new();
        for r in &rows {
            let canonical = find(r, "dup_group", &r.dup_group)?;
            let next = group_of.len() as u32;
            let g = *group_of.entry(canonical).or_insert(next);
            if g == next {
                groups.canonical.push(canonical);
                groups.size.push(0);
            }
            groups.size[g as usize] += 1;
            groups.group.push(g);
            // A cluster CSV does not say which articles were too short.
            groups.too_short.push(false);
            groups.best.push(match &r.matched {
                Some((other, jaccard, containment)) => Some(Best {
                    other: find(r, "matched", other)?,
                    jaccard: *jaccard,
                    containment: *containment,
                }),
                None => None,
            });
        }
        let level = |label_of: &dyn Fn(&Labelled) -> Option<&str>, what: &str| {
            let mut level = Level {
                of_group: vec![u32::MAX; groups.len()],
                ..Level::default()
            };
            let mut number: AHashMap<ArticleId, u32> = AHashMap::new();
            for (r, &g) in rows.iter().zip(&groups.group) {
                let Some(label) = label_of(r) else {
                    return Err((r.line, format!("no {what} label")));
                };
                let at = find(r, what, label)?;
                let next = number.len() as u32;
                let c = *number.entry(at).or_insert(next);
                if c == next {
                    level.label.push(at);
                    level.size.push(0);
                }
                level.size[c as usize] += 1;
                let slot = &mut level.of_group[g as usize];
                if *slot != u32::MAX && *slot != c {
                    return Err((
                        r.line,
                        format!("dup_group `{}` has two {what} labels", r.dup_group),
                    ));
                }
                *slot = c;
            }
            Ok(level)
        };
        let stories = level(&|r| Some(r.story.as_str()), "story")?;
        let events = match rows.iter().all(|r| r.event.is_some()) && !rows.is_empty() {
            true => Some(level(&|r| r.event.as_deref(), "event")?),
            false => None,
        };
        Ok(Assignments {
            articles: rows.into_iter().map(|r| r.meta).collect(),
            groups,
            events,
            stories,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labelled(id: &str, group: &str, story: &str) -> Labelled {
        Labelled {
            line: 0,
            meta: ArticleMeta {
                id: id.into(),
                source: None,
                date: None,
                title: None,
                location: Location {
                    input: "t".into(),
                    line: 1,
                },
            },
            dup_group: group.into(),
            event: None,
            story: story.into(),
            matched: (id != group).then(|| (group.to_string(), 0.9, 1.0)),
        }
    }

    #[test]
    fn labels_round_trip_through_rows() {
        let t = Assignments::from_labels(vec![
            labelled("a", "a", "a"),
            labelled("b", "a", "a"),
            labelled("c", "c", "a"),
            labelled("d", "d", "d"),
        ])
        .unwrap();
        let rows: Vec<(&str, &str, &str, u32, u32, bool)> = t
            .rows()
            .map(|r| {
                (
                    r.id,
                    r.dup_group,
                    r.story,
                    r.group_size,
                    r.story_size,
                    r.canonical,
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("a", "a", "a", 2, 3, true),
                ("b", "a", "a", 2, 3, false),
                ("c", "c", "a", 1, 3, true),
                ("d", "d", "d", 1, 1, true),
            ]
        );
        assert_eq!(t.row(1).matched, Some(("a", 0.9, 1.0)));
        assert_eq!(t.groups_with_copies(), 1);
    }

    #[test]
    fn labels_that_are_not_ids_or_do_not_nest_are_refused() {
        let e = Assignments::from_labels(vec![labelled("a", "x", "a")]).unwrap_err();
        assert_eq!(e.1, "dup_group `x` is not the id of an article in the file");
        let e = Assignments::from_labels(vec![labelled("a", "a", "a"), labelled("b", "a", "b")])
            .unwrap_err();
        assert_eq!(e.1, "dup_group `a` has two story labels");
    }
}
