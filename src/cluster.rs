//! The `cluster` stage: confirmed matches to near-duplicate groups.
//!
//! Groups are the connected components of the match graph (union-find): at
//! near-duplicate similarity, chaining through a bridge is rare and wanted
//! (a copy of a copy is a copy). Each group gets one canonical member by
//! policy, and every article records its best match (highest Jaccard, then
//! containment, then the earlier article), which is what an archivist checks.
//! Group numbers follow the input order of each group's first member, so the
//! result does not depend on thread count or match order.

use crate::article::{ArticleId, ArticleMeta};
use crate::assign::{Best, Groups};
use crate::config::{CanonicalPolicy, ClusterConfig};
use crate::verify::Match;

/// Union-find with path halving; the smaller index becomes the root.
#[derive(Debug)]
pub struct UnionFind {
    parent: Vec<u32>,
}

impl UnionFind {
    /// `n` singletons.
    pub fn new(n: usize) -> UnionFind {
        UnionFind {
            parent: (0..n as u32).collect(),
        }
    }

    /// The root of `x`.
    pub fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let p = self.parent[x as usize];
            self.parent[x as usize] = self.parent[p as usize];
            x = p;
        }
        x
    }

    /// Joins the sets of `a` and `b`.
    pub fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = (ra.min(rb), ra.max(rb));
            self.parent[hi as usize] = lo;
        }
    }
}

/// Groups `articles` by `matches`; `sizes` are shingle counts (for the
/// `Longest` policy).
pub fn cluster(
    articles: &[ArticleMeta],
    sizes: &[u32],
    matches: &[Match],
    cfg: &ClusterConfig,
) -> Groups {
    let n = articles.len();
    let mut uf = UnionFind::new(n);
    let mut best: Vec<Option<Best>> = vec![None; n];
    for m in matches {
        uf.union(m.a.0, m.b.0);
        for (me, other) in [(m.a, m.b), (m.b, m.a)] {
            let cand = Best {
                other,
                jaccard: m.jaccard,
                containment: m.containment,
            };
            let slot = &mut best[me.index()];
            if slot.is_none_or(|b| better(&cand, &b)) {
                *slot = Some(cand);
            }
        }
    }
    // Roots are the smallest members, so numbering roots in index order
    // numbers groups by their first member.
    let mut number = vec![u32::MAX; n];
    let mut group = vec![0u32; n];
    let mut canonical: Vec<ArticleId> = Vec::new();
    let mut size: Vec<u32> = Vec::new();
    for i in 0..n as u32 {
        let root = uf.find(i) as usize;
        if number[root] == u32::MAX {
            number[root] = canonical.len() as u32;
            canonical.push(ArticleId(i));
            size.push(0);
        }
        let g = number[root];
        group[i as usize] = g;
        size[g as usize] += 1;
        let current = canonical[g as usize];
        if prefer(cfg, ArticleId(i), current, articles, sizes) {
            canonical[g as usize] = ArticleId(i);
        }
    }
    Groups {
        group,
        canonical,
        size,
        best,
    }
}

fn better(a: &Best, b: &Best) -> bool {
    (a.jaccard, a.containment, std::cmp::Reverse(a.other))
        > (b.jaccard, b.containment, std::cmp::Reverse(b.other))
}

/// Whether `x` (later in the input) should replace `current` as canonical.
fn prefer(
    cfg: &ClusterConfig,
    x: ArticleId,
    current: ArticleId,
    articles: &[ArticleMeta],
    sizes: &[u32],
) -> bool {
    if !cfg.prefer_sources.is_empty() {
        let rank = |id: ArticleId| {
            let source = articles[id.index()].source.as_deref().map(str::trim);
            let at = cfg
                .prefer_sources
                .iter()
                .position(|p| Some(p.trim()) == source);
            at.unwrap_or(usize::MAX)
        };
        let (rx, rc) = (rank(x), rank(current));
        if rx != rc {
            return rx < rc;
        }
    }
    match cfg.canonical {
        CanonicalPolicy::First => false,
        CanonicalPolicy::Longest => sizes[x.index()] > sizes[current.index()],
        CanonicalPolicy::Earliest => {
            let key = |id: ArticleId| {
                articles[id.index()]
                    .date
                    .as_ref()
                    .map_or((1, (0, 0)), |d| (0, d.order_key()))
            };
            key(x) < key(current)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::Date;
    use crate::error::Location;

    fn meta(id: &str, date: Option<&str>) -> ArticleMeta {
        ArticleMeta {
            id: id.into(),
            source: None,
            date: date.map(|d| Date::parse(d).unwrap()),
            title: None,
            location: Location {
                input: "t".into(),
                line: 1,
            },
        }
    }

    fn m(a: u32, b: u32, j: f32) -> Match {
        Match {
            a: ArticleId(a),
            b: ArticleId(b),
            jaccard: j,
            containment: j,
        }
    }

    #[test]
    fn components_numbered_by_first_member_with_canonical_by_policy() {
        let arts = vec![
            meta("a", None),
            meta("b", Some("2025-01-03")),
            meta("c", Some("2025-01-01")),
            meta("d", None),
            meta("e", Some("2025-01-02")),
        ];
        let matches = [m(1, 4, 0.9), m(0, 2, 0.7), m(2, 4, 0.6)];
        let sizes = [10, 50, 20, 5, 30];
        let g = cluster(&arts, &sizes, &matches, &ClusterConfig::default());
        assert_eq!(g.group, vec![0, 0, 0, 1, 0]);
        assert_eq!(g.size, vec![4, 1]);
        assert_eq!(g.canonical, vec![ArticleId(2), ArticleId(3)]);
        let longest = ClusterConfig {
            canonical: CanonicalPolicy::Longest,
            ..ClusterConfig::default()
        };
        assert_eq!(
            cluster(&arts, &sizes, &matches, &longest).canonical[0],
            ArticleId(1)
        );
        let first = ClusterConfig {
            canonical: CanonicalPolicy::First,
            ..ClusterConfig::default()
        };
        assert_eq!(
            cluster(&arts, &sizes, &matches, &first).canonical[0],
            ArticleId(0)
        );
        // A preferred outlet wins over the policy; the policy breaks ties.
        let mut arts = arts;
        arts[1].source = Some("Wire".into());
        arts[4].source = Some(" Wire ".into());
        let wire = ClusterConfig {
            prefer_sources: vec!["Wire".into()],
            ..ClusterConfig::default()
        };
        let g2 = cluster(&arts, &sizes, &matches, &wire);
        assert_eq!(g2.canonical[0], ArticleId(4)); // earlier of the two Wire copies
        // Best match: e's strongest partner is b (0.9), not c (0.6).
        assert_eq!(g.best[4].unwrap().other, ArticleId(1));
        assert!(g.best[3].is_none());
    }
}
