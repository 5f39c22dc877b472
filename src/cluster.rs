//! The `cluster` stage: confirmed matches to near-duplicate groups.
//!
//! Groups are formed in two steps, so that neither a chain of loose
//! matches nor a short text contained in many others can glue unrelated
//! articles together (both happen on web pages: issue 12, and the chaining
//! of issue 11).
//!
//! 1. **Resemblance.** Matches at or above the Jaccard threshold are joined
//!    strongest first (union-find). Each group has a centre, the centre of
//!    the larger of the two groups joined (the first pair's earlier
//!    article at the start); two groups are joined only when their centres
//!    are themselves similar ([`CHAIN_GUARD`] of the threshold). A copy of a
//!    copy is still a copy, but a chain A~B~C~D whose ends share nothing
//!    does not become one group.
//! 2. **Containment.** A match found by containment only (a trimmed copy,
//!    wire copy inside a longer story) never joins two groups by itself:
//!    each group of step 1 moves, whole, into the group of the one best
//!    container of its members (highest containment, then Jaccard, then
//!    the earlier article), and only into a longer article's group. A short
//!    page contained in four unrelated long pages joins one of them.
//!
//! An article with fewer than `min_shingles` distinct shingles (after
//! extraction and boilerplate removal) is too short to judge: it matches
//! nothing and is its own group ([`Groups::too_short`]).
//!
//! Each group gets one canonical member by policy, and every article records
//! its best match within its group (highest Jaccard, then containment, then
//! the earlier article), which is what an archivist checks. Matches are
//! taken in a fixed order and group numbers follow the input order of each
//! group's first member, so the result does not depend on thread count or
//! match order.

use crate::article::{ArticleId, ArticleMeta};
use crate::assign::{Best, Groups};
use crate::config::{CanonicalPolicy, ClusterConfig};
use crate::verify::Match;

/// Share of the Jaccard threshold that the centres of two groups must reach
/// for the groups to be joined. Half the threshold lets edited copies of
/// edited copies join (a 15% edit of a 15% edit stays near J = 0.5 with
/// the original on word 5-grams), while the ends of a chain of unrelated
/// texts share almost no shingles at all.
pub const CHAIN_GUARD: f64 = 0.5;

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

/// What the grouping weighs besides the matches.
pub struct Evidence<'a> {
    /// Distinct shingle count of every article.
    pub sizes: &'a [u32],
    /// The Jaccard threshold of verification: matches below it were found
    /// by containment.
    pub threshold: f64,
    /// Estimated (or exact) Jaccard similarity of any two articles, for the
    /// chaining guard.
    pub similarity: &'a (dyn Fn(ArticleId, ArticleId) -> f64 + Sync),
}

/// Groups `articles` by `matches` (see the module docs).
pub fn cluster(
    articles: &[ArticleMeta],
    matches: &[Match],
    ev: &Evidence<'_>,
    cfg: &ClusterConfig,
) -> Groups {
    let n = articles.len();
    let sizes = ev.sizes;
    let too_short: Vec<bool> = sizes.iter().map(|&s| s < cfg.min_shingles).collect();
    let judged = |m: &&Match| !too_short[m.a.index()] && !too_short[m.b.index()];

    // Step 1: resemblance, strongest first, guarded by the centres.
    let mut strong: Vec<&Match> = matches
        .iter()
        .filter(judged)
        .filter(|m| m.jaccard >= ev.threshold as f32)
        .collect();
    strong.sort_by(|x, y| {
        y.jaccard
            .total_cmp(&x.jaccard)
            .then((x.a, x.b).cmp(&(y.a, y.b)))
    });
    let mut uf = UnionFind::new(n);
    let mut centre: Vec<u32> = (0..n as u32).collect();
    let mut members = vec![1u32; n];
    let guard = ev.threshold * CHAIN_GUARD;
    for m in strong {
        let (ra, rb) = (uf.find(m.a.0), uf.find(m.b.0));
        if ra == rb {
            continue;
        }
        let (ca, cb) = (centre[ra as usize], centre[rb as usize]);
        let joined_pair = (ca, cb) == (m.a.0, m.b.0) || (ca, cb) == (m.b.0, m.a.0);
        if !joined_pair && (ev.similarity)(ArticleId(ca), ArticleId(cb)) < guard {
            continue;
        }
        let (na, nb) = (members[ra as usize], members[rb as usize]);
        let keep = if na > nb || (na == nb && ca < cb) {
            ca
        } else {
            cb
        };
        uf.union(ra, rb);
        let root = uf.find(ra) as usize;
        centre[root] = keep;
        members[root] = na + nb;
    }

    // Step 2: each group of step 1 moves into its best container's group.
    // Candidate (containment, jaccard, container) per group root.
    let mut target: Vec<Option<(f32, f32, ArticleId)>> = vec![None; n];
    for m in matches.iter().filter(judged) {
        if m.jaccard >= ev.threshold as f32 {
            continue;
        }
        // The shorter article is the contained one; equal sizes: the later.
        let (small, large) = if (sizes[m.a.index()], m.b) < (sizes[m.b.index()], m.a) {
            (m.a, m.b)
        } else {
            (m.b, m.a)
        };
        let (rs, rl) = (uf.find(small.0), uf.find(large.0));
        if rs == rl {
            continue;
        }
        let cand = (m.containment, m.jaccard, large);
        let slot = &mut target[rs as usize];
        let better = slot.is_none_or(|(c, j, o)| {
            (cand.0, cand.1, std::cmp::Reverse(cand.2)) > (c, j, std::cmp::Reverse(o))
        });
        if better {
            *slot = Some(cand);
        }
    }
    let mut moved = UnionFind::new(n);
    for (root, t) in target.iter().enumerate() {
        if let Some((_, _, large)) = *t {
            let to = uf.find(large.0);
            moved.union(root as u32, to);
        }
    }
    let mut final_root: Vec<u32> = (0..n as u32)
        .map(|i| {
            let r = uf.find(i);
            moved.find(r)
        })
        .collect();

    // Number groups by their first member; pick canonicals.
    let mut number = vec![u32::MAX; n];
    let mut group = vec![0u32; n];
    let mut canonical: Vec<ArticleId> = Vec::new();
    let mut size: Vec<u32> = Vec::new();
    for i in 0..n as u32 {
        let root = final_root[i as usize] as usize;
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
    final_root.clear();

    // Best match of each article among the members of its group.
    let mut best: Vec<Option<Best>> = vec![None; n];
    for m in matches.iter().filter(judged) {
        if group[m.a.index()] != group[m.b.index()] {
            continue;
        }
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
    Groups {
        group,
        canonical,
        size,
        best,
        too_short,
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

    /// Groups with the default config, threshold 0.35, and similarities of
    /// centres from `sim` (pairs not listed: 0).
    fn run(
        arts: &[ArticleMeta],
        sizes: &[u32],
        matches: &[Match],
        sim: &[(u32, u32, f64)],
    ) -> Groups {
        run_with(arts, sizes, matches, sim, &ClusterConfig::default())
    }

    fn run_with(
        arts: &[ArticleMeta],
        sizes: &[u32],
        matches: &[Match],
        sim: &[(u32, u32, f64)],
        cfg: &ClusterConfig,
    ) -> Groups {
        let similarity = |a: ArticleId, b: ArticleId| {
            let (x, y) = (a.0.min(b.0), a.0.max(b.0));
            sim.iter()
                .find(|s| (s.0, s.1) == (x, y))
                .map_or(0.0, |s| s.2)
        };
        let ev = Evidence {
            sizes,
            threshold: 0.35,
            similarity: &similarity,
        };
        cluster(arts, matches, &ev, cfg)
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
        let sizes = [100, 500, 200, 50, 300];
        // The centres of {1, 4} and {0, 2} (1 and 0) are alike enough to join.
        let sim = [(0, 1, 0.5)];
        let g = run(&arts, &sizes, &matches, &sim);
        assert_eq!(g.group, vec![0, 0, 0, 1, 0]);
        assert_eq!(g.size, vec![4, 1]);
        assert_eq!(g.canonical, vec![ArticleId(2), ArticleId(3)]);
        let longest = ClusterConfig {
            canonical: CanonicalPolicy::Longest,
            ..ClusterConfig::default()
        };
        assert_eq!(
            run_with(&arts, &sizes, &matches, &sim, &longest).canonical[0],
            ArticleId(1)
        );
        let first = ClusterConfig {
            canonical: CanonicalPolicy::First,
            ..ClusterConfig::default()
        };
        assert_eq!(
            run_with(&arts, &sizes, &matches, &sim, &first).canonical[0],
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
        let g2 = run_with(&arts, &sizes, &matches, &sim, &wire);
        assert_eq!(g2.canonical[0], ArticleId(4)); // earlier of the two Wire copies
        // Best match: e's strongest partner is b (0.9), not c (0.6).
        assert_eq!(g.best[4].unwrap().other, ArticleId(1));
        assert!(g.best[3].is_none());
    }

    #[test]
    fn a_chain_whose_ends_share_nothing_is_not_one_group() {
        // 0~1 and 2~3 are strong pairs; 1~2 is a loose link, and the two
        // pairs' centres (0 and 2) share nothing.
        let arts: Vec<_> = (0..4).map(|i| meta(&i.to_string(), None)).collect();
        let sizes = [100; 4];
        let matches = [m(0, 1, 0.9), m(2, 3, 0.9), m(1, 2, 0.4)];
        let g = run(&arts, &sizes, &matches, &[]);
        assert_eq!(g.group, vec![0, 0, 1, 1]);
        // Best matches stay within the group.
        assert_eq!(g.best[1].unwrap().other, ArticleId(0));
        // When the centres are alike, a copy of a copy joins.
        let g = run(&arts, &sizes, &matches, &[(0, 2, 0.3)]);
        assert_eq!(g.group, vec![0, 0, 0, 0]);
    }

    #[test]
    fn a_contained_short_text_joins_one_container_and_bridges_nothing() {
        // 4 (short) is contained in 0 and in 2, two unrelated stories with a
        // copy each; it joins the better container only.
        let arts: Vec<_> = (0..5).map(|i| meta(&i.to_string(), None)).collect();
        let sizes = [300, 300, 400, 400, 40];
        let cont = |a, b, c| Match {
            a: ArticleId(a),
            b: ArticleId(b),
            jaccard: 0.12,
            containment: c,
        };
        let matches = [
            m(0, 1, 0.9),
            m(2, 3, 0.8),
            cont(0, 4, 0.85),
            cont(2, 4, 0.95),
        ];
        let g = run(&arts, &sizes, &matches, &[]);
        assert_eq!(g.group, vec![0, 0, 1, 1, 1]);
        assert_eq!(g.best[4].unwrap().other, ArticleId(2));
        assert!(g.best[0].unwrap().other == ArticleId(1));
    }

    #[test]
    fn too_short_texts_match_nothing() {
        let arts: Vec<_> = (0..3).map(|i| meta(&i.to_string(), None)).collect();
        let sizes = [300, 10, 300];
        let matches = [m(0, 1, 0.9), m(1, 2, 0.9)];
        let g = run(&arts, &sizes, &matches, &[]);
        assert_eq!(g.group, vec![0, 1, 2]);
        assert_eq!(g.too_short, vec![false, true, false]);
        assert!(g.best.iter().all(Option::is_none));
    }
}
