//! Linking representatives into stories: candidates, similarities, and
//! average-link clustering over the sparse candidate graph.
//!
//! Candidates come from an inverted index over each representative's
//! strongest terms (sorted, not hashed): two representatives are compared
//! when they share at least `min_shared` of their `index_terms` strongest
//! terms. A term in the top lists of more than `max_posting`
//! representatives is common: each of them is paired only with the few
//! others nearest in publication date (a window: an event is reported
//! within days, a common name spans years), which bounds the work by the
//! number of postings, never by n².
//!
//! The similarity of a candidate pair is the cosine of the TF-IDF vectors
//! times a gentle date factor: 1 within `date_grace_days`, then decaying as
//! `exp(-(Δ - grace) / date_scale_days)`; no date, no factor. Stories can
//! run for months, so dates only separate look-alike events far apart (the
//! same race in two years).
//!
//! Clustering is average-link: the two clusters with the highest mean
//! pairwise similarity merge, pairs without an edge counting as 0, until the
//! best mean falls under the cut. Unlike connected components, one article
//! that bridges two events cannot glue them: the mean over all the pairs of
//! the two events stays low.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use ahash::AHashMap;
use rayon::prelude::*;

use super::terms::{Term, cosine};
use crate::cluster::UnionFind;
use crate::config::StoryConfig;

/// Members of a long posting list are each paired with this many members
/// of similar weight for the term, instead of with all of them.
const LONG_POSTING_WINDOW: usize = 4;

/// Candidate pairs `(a, b)`, `a < b`, sorted: representatives sharing at
/// least `min_shared` of their strongest terms.
///
/// The index is a sorted posting list per term (strongest weight first).
/// Each representative then walks its own postings and counts, in a
/// per-thread table, how often it meets each later representative: no list
/// of all co-occurrences is ever built or sorted.
/// `days` are the representatives' publication days (undated ones sort last).
pub fn candidates(
    vectors: &[Vec<(Term, f32)>],
    days: &[Option<f64>],
    cfg: &StoryConfig,
) -> Vec<(u32, u32)> {
    // (term, publication day, representative)
    let mut postings: Vec<(Term, u32, u32)> = vectors
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, v)| {
            let mut top = v.clone();
            top.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            top.truncate(cfg.index_terms);
            top.into_iter()
                .map(move |(t, _)| (t, day_key(days[i]), i as u32))
        })
        .collect();
    postings.par_sort_unstable();
    // Run (posting list) of every posting, and each representative's postings.
    let mut run_of: Vec<(u32, u32)> = Vec::with_capacity(postings.len()); // (start, len)
    for run in postings.chunk_by(|a, b| a.0 == b.0) {
        let start = run_of.len() as u32;
        run_of.extend(std::iter::repeat_n((start, run.len() as u32), run.len()));
    }
    let n = vectors.len();
    let mut first = vec![0u32; n + 1];
    for p in &postings {
        first[p.2 as usize + 1] += 1;
    }
    for i in 0..n {
        first[i + 1] += first[i];
    }
    let mut fill = first.clone();
    let mut mine = vec![0u32; postings.len()];
    for (p, post) in postings.iter().enumerate() {
        let slot = &mut fill[post.2 as usize];
        mine[*slot as usize] = p as u32;
        *slot += 1;
    }
    let rep_of = |p: u32| postings[p as usize].2;
    // Per thread, one word per representative: the round (the counting
    // representative, plus one) in the high bits, the count in the low byte,
    // so a visit touches one word and no table is ever cleared.
    let per_rep: Vec<Vec<(u32, u32)>> = (0..n as u32)
        .into_par_iter()
        // Few splits: each allocates a table of n.
        .with_min_len((n / 16).max(4096))
        .map_init(
            || vec![0u64; n],
            |seen, i| {
                let round = (u64::from(i) + 1) << 8;
                let mut out = Vec::new();
                for &p in &mine[first[i as usize] as usize..first[i as usize + 1] as usize] {
                    let (start, len) = run_of[p as usize];
                    // A term in many top lists is common: meet only the
                    // members published nearest to this one.
                    let (lo, hi) = if len as usize > cfg.max_posting {
                        let w = LONG_POSTING_WINDOW as u32;
                        (p.saturating_sub(w).max(start), (p + w + 1).min(start + len))
                    } else {
                        (start, start + len)
                    };
                    for q in lo..hi {
                        let j = rep_of(q);
                        if j <= i {
                            continue;
                        }
                        let slot = &mut seen[j as usize];
                        *slot = if *slot & !0xff == round {
                            *slot + u64::from(*slot & 0xff < 0xff) // saturates
                        } else {
                            round | 1
                        };
                        if (*slot & 0xff) as usize == cfg.min_shared {
                            out.push((i, j));
                        }
                    }
                }
                out.sort_unstable();
                out
            },
        )
        .collect();
    per_rep.concat()
}

/// Sort key of a publication day: days since 1970 offset to stay positive,
/// `u32::MAX` when unknown.
fn day_key(day: Option<f64>) -> u32 {
    day.map_or(u32::MAX, |d| {
        (d + 1_000_000.0).clamp(0.0, f64::from(u32::MAX - 1)) as u32
    })
}

/// The date factor of two publication days (`None` = unknown).
pub fn date_factor(a: Option<f64>, b: Option<f64>, cfg: &StoryConfig) -> f64 {
    match (a, b) {
        (Some(x), Some(y)) => {
            let late = ((x - y).abs() - cfg.date_grace_days).max(0.0);
            (-late / cfg.date_scale_days).exp()
        }
        _ => 1.0,
    }
}

/// Weighted edges `(a, b, similarity)` of the candidate pairs whose
/// similarity is positive.
pub fn edges(
    candidates: &[(u32, u32)],
    vectors: &[Vec<(Term, f32)>],
    days: &[Option<f64>],
    cfg: &StoryConfig,
) -> Vec<(u32, u32, f64)> {
    candidates
        .par_iter()
        .with_min_len(1024)
        .filter_map(|&(a, b)| {
            let (ia, ib) = (a as usize, b as usize);
            let s = f64::from(cosine(&vectors[ia], &vectors[ib]))
                * date_factor(days[ia], days[ib], cfg);
            (s > 0.0).then_some((a, b, s))
        })
        .collect()
}

/// A float with a total order, for the merge queue.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Score(f64);
impl Eq for Score {}
impl PartialOrd for Score {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Score {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// Average-link clustering of `n` nodes over `edges`, stopping when the best
/// mean similarity between two clusters is below `cut`. Returns a cluster
/// number per node, numbered by each cluster's first node.
pub fn average_link(n: usize, edges: &[(u32, u32, f64)], cut: f64) -> Vec<u32> {
    let mut adj: Vec<AHashMap<u32, f64>> = vec![AHashMap::new(); n];
    for &(a, b, w) in edges {
        *adj[a as usize].entry(b).or_insert(0.0) += w;
        *adj[b as usize].entry(a).or_insert(0.0) += w;
    }
    let mut size = vec![1u32; n];
    let mut version = vec![0u32; n];
    let mut alive = vec![true; n];
    // Max-heap on the mean; ties go to the smaller ids, so runs repeat.
    type Entry = (Score, Reverse<u32>, Reverse<u32>, u32, u32);
    let mut heap: BinaryHeap<Entry> = BinaryHeap::new();
    for &(a, b, w) in edges {
        let (a, b) = (a.min(b), a.max(b));
        heap.push((Score(w), Reverse(a), Reverse(b), 0, 0));
    }
    let mut uf = UnionFind::new(n);
    while let Some((Score(mean), Reverse(a), Reverse(b), va, vb)) = heap.pop() {
        let (ia, ib) = (a as usize, b as usize);
        if !alive[ia] || !alive[ib] || version[ia] != va || version[ib] != vb {
            continue;
        }
        if mean < cut {
            break;
        }
        // Merge the cluster with fewer neighbours into the other.
        let (keep, gone) = if adj[ia].len() >= adj[ib].len() {
            (ia, ib)
        } else {
            (ib, ia)
        };
        let moved = std::mem::take(&mut adj[gone]);
        adj[keep].remove(&(gone as u32));
        for (c, w) in moved {
            if c as usize == keep {
                continue;
            }
            let nc = &mut adj[c as usize];
            nc.remove(&(gone as u32));
            *nc.entry(keep as u32).or_insert(0.0) += w;
            *adj[keep].entry(c).or_insert(0.0) += w;
        }
        alive[gone] = false;
        size[keep] += size[gone];
        version[keep] += 1;
        uf.union(a, b);
        let mut fresh: Vec<(u32, f64)> = adj[keep].iter().map(|(&c, &w)| (c, w)).collect();
        fresh.sort_unstable_by_key(|x| x.0);
        for (c, w) in fresh {
            let ic = c as usize;
            let mean = w / (f64::from(size[keep]) * f64::from(size[ic]));
            let (x, y) = (keep as u32, c);
            let (lo, hi) = (x.min(y), x.max(y));
            let (vlo, vhi) = (version[lo as usize], version[hi as usize]);
            heap.push((Score(mean), Reverse(lo), Reverse(hi), vlo, vhi));
        }
    }
    let mut number = vec![u32::MAX; n];
    let mut next = 0;
    (0..n as u32)
        .map(|i| {
            let r = uf.find(i) as usize;
            if number[r] == u32::MAX {
                number[r] = next;
                next += 1;
            }
            number[r]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bridge_does_not_glue_two_groups() {
        // Two tight triangles (0,1,2) and (3,4,5); node 6 is similar to one
        // member of each. Single link would make one cluster.
        let mut e = vec![];
        for &(a, b) in &[(0, 1), (0, 2), (1, 2), (3, 4), (3, 5), (4, 5)] {
            e.push((a, b, 0.8));
        }
        e.push((2, 6, 0.6));
        e.push((3, 6, 0.6));
        let c = average_link(7, &e, 0.3);
        assert_eq!(c[0], c[1]);
        assert_eq!(c[0], c[2]);
        assert_eq!(c[3], c[4]);
        assert_eq!(c[3], c[5]);
        assert_ne!(c[0], c[3]);
    }

    #[test]
    fn cut_controls_granularity() {
        let e = vec![(0, 1, 0.9), (1, 2, 0.5), (0, 2, 0.5)];
        assert_eq!(average_link(3, &e, 0.6), vec![0, 0, 1]);
        assert_eq!(average_link(3, &e, 0.4), vec![0, 0, 0]);
        assert_eq!(average_link(3, &[], 0.1), vec![0, 1, 2]);
    }

    #[test]
    fn dates_far_apart_weaken_links_gently() {
        let cfg = StoryConfig::default();
        assert_eq!(date_factor(Some(0.0), Some(20.0), &cfg), 1.0);
        assert_eq!(date_factor(None, Some(900.0), &cfg), 1.0);
        let four_months = date_factor(Some(0.0), Some(120.0), &cfg);
        let a_year = date_factor(Some(0.0), Some(365.0), &cfg);
        assert!(four_months > 0.7 && a_year < 0.5, "{four_months} {a_year}");
    }

    #[test]
    fn long_postings_pair_articles_near_in_date() {
        // 100 articles share terms 1 and 2; only neighbours in date order
        // are compared, so article 0 meets the next few only.
        let cfg = StoryConfig {
            max_posting: 10,
            ..StoryConfig::default()
        };
        let v = vec![vec![(1, 0.7), (2, 0.7)]; 100];
        let days: Vec<Option<f64>> = (0..100).map(|d| Some(f64::from(d) * 10.0)).collect();
        let got = candidates(&v, &days, &cfg);
        let of_0: Vec<u32> = got.iter().filter(|p| p.0 == 0).map(|p| p.1).collect();
        assert_eq!(of_0, (1..=LONG_POSTING_WINDOW as u32).collect::<Vec<_>>());
        assert!(got.len() <= 100 * LONG_POSTING_WINDOW);
    }

    #[test]
    fn candidates_need_shared_strong_terms() {
        let cfg = StoryConfig::default();
        let v = vec![
            vec![(1, 0.6), (2, 0.6), (3, 0.5)],
            vec![(1, 0.5), (2, 0.7), (9, 0.5)],
            vec![(1, 0.9), (8, 0.4)],
        ];
        assert_eq!(candidates(&v, &[None; 3], &cfg), vec![(0, 1)]);
    }
}
