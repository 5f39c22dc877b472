//! Group-average linkage with two cuts: events, then stories.
//!
//! The mean cosine between the members of two clusters `A` and `B` of unit
//! vectors is exactly `dot(ΣA, ΣB) / (|A|·|B|)`, where `ΣA` is the sum of
//! `A`'s vectors. Each cluster keeps that sum (a sparse vector), so the
//! mean over all pairs is known without any pair having been a candidate:
//! a missing pair is never counted as 0, which is what kept real stories of
//! 25 reports from forming when the mean was taken over candidate edges.
//!
//! Only clusters joined by a candidate edge (an edge between any of their
//! members) are compared, so the work follows the candidate graph, never
//! n². A max-heap holds the current similarity of each linked pair of
//! clusters; entries of a cluster that has since merged are stale (its
//! version moved on) and skipped when popped. After a merge the new
//! cluster's similarity with each of its neighbours is computed afresh.
//!
//! Events come first: clusters merge while the best similarity, less a
//! date penalty on the clusters' mean publication days ([`DateDecay`]), is
//! at least the event cut. The event partition is recorded, then merging goes on from
//! it with the story similarity down to the story cut. Every story is thus
//! a union of events and every event a union of near-duplicate groups.
//!
//! The story similarity differs in two ways, both measured on the
//! development sets (README, "Events and stories"). No date factor: a
//! story runs for months or years (in a Python prototype on duc2007, a
//! decay on the mean days with a 30-day grace and a 365-day scale took
//! story B-cubed from 0.85 to 0.67 at cuts of 0.07-0.08). And the single largest term product of the two sums is left out
//! of the dot product: at a story cut as low as real topics need (0.05),
//! two unrelated clusters that happen to share one strong word otherwise
//! clear it, while a real story rests on many shared words, so losing its
//! largest one costs it little (at cut 0.05 and 80 vector terms: synthetic
//! 100k story B-cubed 0.915 -> 0.992, duc2007 0.892 -> 0.868; with the
//! other settings chosen around it, duc2007 0.887 and synthetic 0.992).
//!
//! Merges run on one thread in a fixed order (heap ties broken by cluster
//! numbers), so sums are added in the same order whatever the thread count.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use rayon::prelude::*;

use super::terms::Term;

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

/// How far apart two clusters' mean publication days lower their
/// similarity: by `penalty · (1 - exp(-late / scale_days))`, where `late`
/// is how far the days are apart beyond `grace_days`.
///
/// A penalty taken off, not a factor multiplied in: reports of one incident
/// weeks apart (an arrest, a trial) that share its names stay together,
/// while same-kind incidents with only generic words in common are pushed
/// under the cut. Against `exp(-late / 30)` as a factor, a penalty of
/// at most 0.25 took gva_incidents event B-cubed from 0.917 to 0.919
/// (pairwise F1 0.724 -> 0.731), allsides2021 0.753 -> 0.756, and the
/// reports of one incident run alone kept 73% instead of 72% in one event.
/// At most 0.2 did better on gva (0.920, pairwise 0.749; alone 76%) but
/// joined an inquiry to the dam breach it examined three months earlier
/// (`fixtures/levels`): two happenings, which a date signal this weak no
/// longer keeps apart when their reports share every name.
#[derive(Debug, Clone, Copy)]
pub struct DateDecay {
    /// Mean days this close or closer do not lower the similarity.
    pub grace_days: f64,
    /// How fast the penalty grows beyond the grace.
    pub scale_days: f64,
    /// The most that dates can take off.
    pub penalty: f64,
}

impl DateDecay {
    /// What two mean days take off a similarity (`None` = no dated member).
    pub fn penalty(&self, a: Option<f64>, b: Option<f64>) -> f64 {
        match (a, b) {
            (Some(x), Some(y)) if self.scale_days > 0.0 => {
                let late = ((x - y).abs() - self.grace_days).max(0.0);
                self.penalty * (1.0 - (-late / self.scale_days).exp())
            }
            _ => 0.0,
        }
    }
}

/// How the part of an event similarity that rests on specific terms
/// (terms of few articles: names, streets, small towns; see
/// [`crate::config::StoryConfig::specific_df`]) weighs in.
///
/// Same-kind incidents in one city share the city and the vocabulary of
/// the kind (a shooting, a crash); reports of one incident share its
/// people and its street, and go on sharing them at the arrest, the
/// trial and the sentencing, months later. So the specific part counts
/// `weight` times again, and it waives the date penalty, fully once it
/// reaches `waiver`. Both fade with the days between the clusters' mean
/// dates and are gone `fade_days` apart: the same race a year later, with
/// the same names, is a new happening (undated clusters count as near).
/// On the development sets (README, "Events and stories"), at the same
/// event cut and date penalty, this took gva_incidents B-cubed F1 from
/// 0.919 to 0.925 and pairwise F1 from 0.731 to 0.780, and an incident's
/// reports run alone (incidents of four or more) from 82% to 83% in one
/// event, for allsides2021 0.756 -> 0.745 (its stories are two or three
/// leads, most undated). Tried and dropped: a larger weight (0.5 with a
/// cut of 0.25: gva pairwise 0.758, alone 90%, but in a collection of
/// forty local reports a bus strike joined a bridge closure) and no
/// share limit on which terms are specific (in a small collection every
/// term is, and the waiver then joined unrelated local reports days
/// apart). Which terms are specific is
/// [`crate::config::StoryConfig::specific_range`]'s: with a small focused
/// collection's subject among them, an incident's reports alone went from
/// 83% to 90% in one event.
#[derive(Debug, Clone, Copy)]
pub struct Specific {
    /// How much the specific part counts again, at the same date (0: only
    /// the generic sum).
    pub weight: f64,
    /// The specific part at which the date penalty is gone (0: never
    /// waived).
    pub waiver: f64,
    /// Days apart at which the specific part neither counts again nor
    /// waives anything.
    pub fade_days: f64,
}

impl Specific {
    /// The event similarity from the mean cosine `mean`, its specific part
    /// `specific`, the date penalty `penalty` and the days `apart` of the
    /// two clusters' mean dates (0 when either is undated).
    pub fn event(&self, mean: f64, specific: f64, penalty: f64, apart: f64) -> f64 {
        let near = if self.fade_days > 0.0 {
            (1.0 - apart / self.fade_days).max(0.0)
        } else {
            0.0
        };
        let waived = if self.waiver > 0.0 {
            (specific / self.waiver).min(1.0) * near
        } else {
            0.0
        };
        mean + near * self.weight * specific - penalty * (1.0 - waived)
    }
}

/// The two partitions: a cluster number per node for events and for
/// stories, each numbered by its first node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Levels {
    /// Event of each node.
    pub event: Vec<u32>,
    /// Story of each node.
    pub story: Vec<u32>,
}

/// The settings of one run of [`link`].
#[derive(Debug, Clone, Copy)]
pub struct Cuts {
    /// Event merging stops under this (date penalty included).
    pub event: f64,
    /// Story merging stops under this (no dates).
    pub story: f64,
    /// The event level's date penalty.
    pub event_dates: DateDecay,
    /// The event level's use of specific terms.
    pub event_specific: Specific,
}

/// What [`link`] clusters: per node, its unit vector and the part of it
/// on specific terms (the same entries, a subset), and its publication day.
#[derive(Debug, Clone, Default)]
pub struct Nodes {
    /// Unit TF-IDF vectors sorted by term.
    pub vectors: Vec<Vec<(Term, f32)>>,
    /// The entries of each vector whose term is specific, sorted by term.
    pub specific: Vec<Vec<(Term, f32)>>,
    /// Publication days (`None`: undated).
    pub days: Vec<Option<f64>>,
}

struct Clusters {
    /// Summed unit vectors, sorted by term, of live clusters (empty once
    /// merged away).
    sum: Vec<Vec<(Term, f32)>>,
    /// The same sums over specific terms only.
    specific: Vec<Vec<(Term, f32)>>,
    size: Vec<u32>,
    day_sum: Vec<f64>,
    dated: Vec<u32>,
    version: Vec<u32>,
    /// The cluster a node was merged into (itself while alive).
    parent: Vec<u32>,
    /// Clusters this one has a candidate edge with; may name merged ones,
    /// resolved through `parent` when read.
    adj: Vec<Vec<u32>>,
}

impl Clusters {
    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let p = self.parent[x as usize];
            self.parent[x as usize] = self.parent[p as usize];
            x = p;
        }
        x
    }

    fn mean_day(&self, c: usize) -> Option<f64> {
        (self.dated[c] > 0).then(|| self.day_sum[c] / f64::from(self.dated[c]))
    }

    /// The event similarity (`Some` level: the mean cosine with its
    /// specific part weighed in, less what is left of the date penalty) or
    /// the story similarity (`None`: the mean cosine without the largest
    /// term product, no dates).
    fn similarity(&self, a: usize, b: usize, event: Option<&EventLevel>) -> f64 {
        let (sum, largest) = dot(&self.sum[a], &self.sum[b]);
        let pairs = f64::from(self.size[a]) * f64::from(self.size[b]);
        match event {
            Some(e) => self.event(a, b, sum / pairs, pairs, e),
            None => (sum - largest) / pairs,
        }
    }

    /// The event similarity of `a` and `b` whose mean cosine is `mean`
    /// over `pairs` pairs.
    fn event(&self, a: usize, b: usize, mean: f64, pairs: f64, e: &EventLevel) -> f64 {
        let specific = if self.specific[a].is_empty() || self.specific[b].is_empty() {
            0.0
        } else {
            dot(&self.specific[a], &self.specific[b]).0 / pairs
        };
        let (da, db) = (self.mean_day(a), self.mean_day(b));
        let apart = da.zip(db).map_or(0.0, |(x, y)| (x - y).abs());
        e.specific
            .event(mean, specific, e.dates.penalty(da, db), apart)
    }

    /// The event and the story similarity of `a` and `b`, from one dot
    /// product.
    fn both(&self, a: usize, b: usize, e: &EventLevel) -> (f64, f64) {
        let (sum, largest) = dot(&self.sum[a], &self.sum[b]);
        let pairs = f64::from(self.size[a]) * f64::from(self.size[b]);
        (
            self.event(a, b, sum / pairs, pairs, e),
            (sum - largest) / pairs,
        )
    }

    /// The live neighbours of `c`, resolved, sorted, without `c`; stored back.
    fn neighbours(&mut self, c: usize) -> Vec<u32> {
        let mut adj = std::mem::take(&mut self.adj[c]);
        for x in adj.iter_mut() {
            *x = self.find(*x);
        }
        adj.sort_unstable();
        adj.dedup();
        adj.retain(|&x| x as usize != c);
        self.adj[c] = adj.clone();
        adj
    }
}

/// The event level's settings, as the merge loop reads them.
#[derive(Debug, Clone, Copy)]
struct EventLevel {
    dates: DateDecay,
    specific: Specific,
}

type Entry = (Score, Reverse<u32>, Reverse<u32>, u32, u32);

fn push(heap: &mut BinaryHeap<Entry>, cl: &Clusters, a: u32, b: u32, s: f64) {
    let (lo, hi) = (a.min(b), a.max(b));
    heap.push((
        Score(s),
        Reverse(lo),
        Reverse(hi),
        cl.version[lo as usize],
        cl.version[hi as usize],
    ));
}

/// Merges along the heap while the best similarity is at least `cut`.
fn agglomerate(
    cl: &mut Clusters,
    heap: &mut BinaryHeap<Entry>,
    cut: f64,
    event: Option<&EventLevel>,
) {
    while let Some((Score(s), Reverse(a), Reverse(b), va, vb)) = heap.pop() {
        let (ia, ib) = (a as usize, b as usize);
        if cl.parent[ia] != a || cl.parent[ib] != b || cl.version[ia] != va || cl.version[ib] != vb
        {
            continue;
        }
        if s < cut {
            heap.clear();
            break;
        }
        // The larger sum absorbs the smaller.
        let (keep, gone) = if cl.sum[ia].len() >= cl.sum[ib].len() {
            (ia, ib)
        } else {
            (ib, ia)
        };
        let merged = add(&cl.sum[keep], &cl.sum[gone]);
        cl.sum[keep] = merged;
        cl.sum[gone] = Vec::new();
        if !cl.specific[gone].is_empty() {
            let merged = add(&cl.specific[keep], &cl.specific[gone]);
            cl.specific[keep] = merged;
            cl.specific[gone] = Vec::new();
        }
        cl.size[keep] += cl.size[gone];
        cl.day_sum[keep] += cl.day_sum[gone];
        cl.dated[keep] += cl.dated[gone];
        cl.parent[gone] = keep as u32;
        cl.version[keep] += 1;
        let moved = std::mem::take(&mut cl.adj[gone]);
        cl.adj[keep].extend(moved);
        for c in cl.neighbours(keep) {
            let s = cl.similarity(keep, c as usize, event);
            if s >= cut {
                push(heap, cl, keep as u32, c, s);
            }
        }
    }
}

/// The story similarity of every candidate edge between two articles, in
/// the order of `edges`, and the heap of their event similarities at or
/// above `cut`: one dot product per edge gives both, computed in parallel.
fn seed_events(
    cl: &Clusters,
    edges: &[(u32, u32)],
    heap: &mut BinaryHeap<Entry>,
    cut: f64,
    event: &EventLevel,
) -> Vec<f64> {
    let scores: Vec<(f64, f64)> = edges
        .par_iter()
        .with_min_len(1024)
        .map(|&(a, b)| cl.both(a as usize, b as usize, event))
        .collect();
    let entries: Vec<Entry> = edges
        .iter()
        .zip(&scores)
        .filter(|(_, s)| s.0 >= cut)
        .map(|(&(a, b), s)| (Score(s.0), Reverse(a), Reverse(b), 0, 0))
        .collect();
    *heap = BinaryHeap::from(entries);
    scores.into_iter().map(|s| s.1).collect()
}

/// Fills the heap with every linked pair of live clusters whose story
/// similarity is at or above `cut`: the pairs listed first, then scored in
/// parallel (the sums are only read), the heap built from them in one go.
/// A pair of articles that no event joined keeps the score `first` (story
/// similarities of the sorted candidate `edges`) gave it.
fn seed_stories(
    cl: &mut Clusters,
    edges: &[(u32, u32)],
    first: &[f64],
    heap: &mut BinaryHeap<Entry>,
    cut: f64,
) {
    let mut pairs = Vec::new();
    for c in 0..cl.parent.len() {
        if cl.parent[c] as usize != c {
            continue;
        }
        for d in cl.neighbours(c) {
            if d as usize > c {
                pairs.push((c as u32, d));
            }
        }
    }
    let cl = &*cl;
    let entries: Vec<Entry> = pairs
        .par_iter()
        .with_min_len(1024)
        .filter_map(|&(a, b)| {
            let unmerged = cl.version[a as usize] == 0 && cl.version[b as usize] == 0;
            let known = unmerged
                .then(|| edges.binary_search(&(a, b)).ok())
                .flatten();
            let s = match known {
                Some(k) => first[k],
                None => cl.similarity(a as usize, b as usize, None),
            };
            (s >= cut).then(|| {
                (
                    Score(s),
                    Reverse(a),
                    Reverse(b),
                    cl.version[a as usize],
                    cl.version[b as usize],
                )
            })
        })
        .collect();
    heap.clear();
    *heap = BinaryHeap::from(entries);
}

/// Events and stories of `nodes`, merging only along `edges` (candidate
/// pairs `(a, b)`, `a < b`, sorted and without repeats).
pub fn link(nodes: Nodes, edges: &[(u32, u32)], cuts: &Cuts) -> Levels {
    debug_assert!(edges.windows(2).all(|w| w[0] < w[1]) && edges.iter().all(|e| e.0 < e.1));
    let Nodes {
        vectors,
        specific,
        days,
    } = nodes;
    let n = vectors.len();
    assert!(specific.len() == n && days.len() == n, "one entry per node");
    let mut adj: Vec<Vec<u32>> = vec![Vec::new(); n];
    for &(a, b) in edges {
        adj[a as usize].push(b);
        adj[b as usize].push(a);
    }
    let mut cl = Clusters {
        sum: vectors,
        specific,
        size: vec![1; n],
        day_sum: days.iter().map(|d| d.unwrap_or(0.0)).collect(),
        dated: days.iter().map(|d| u32::from(d.is_some())).collect(),
        version: vec![0; n],
        parent: (0..n as u32).collect(),
        adj,
    };
    let mut heap = BinaryHeap::new();
    let level = EventLevel {
        dates: cuts.event_dates,
        specific: cuts.event_specific,
    };
    let first = seed_events(&cl, edges, &mut heap, cuts.event, &level);
    agglomerate(&mut cl, &mut heap, cuts.event, Some(&level));
    let event = numbered(&mut cl);
    // Stories do not read the specific sums.
    cl.specific = vec![Vec::new(); n];
    seed_stories(&mut cl, edges, &first, &mut heap, cuts.story);
    drop(first);
    agglomerate(&mut cl, &mut heap, cuts.story, None);
    let story = numbered(&mut cl);
    Levels { event, story }
}

/// Cluster numbers in order of each cluster's first node.
fn numbered(cl: &mut Clusters) -> Vec<u32> {
    let n = cl.parent.len();
    let mut number = vec![u32::MAX; n];
    let mut next = 0;
    (0..n as u32)
        .map(|i| {
            let r = cl.find(i) as usize;
            if number[r] == u32::MAX {
                number[r] = next;
                next += 1;
            }
            number[r]
        })
        .collect()
}

/// The sum of two sparse vectors sorted by term.
fn add(a: &[(Term, f32)], b: &[(Term, f32)]) -> Vec<(Term, f32)> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            Ordering::Equal => {
                out.push((a[i].0, a[i].1 + b[j].1));
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// The dot product of two sparse vectors sorted by term, in f64, and its
/// largest term product. When one is far longer (a big cluster's sum
/// against a single article), the shorter one's terms are looked up in it
/// by binary search.
fn dot(a: &[(Term, f32)], b: &[(Term, f32)]) -> (f64, f64) {
    let (mut s, mut largest) = (0.0, 0.0f64);
    let mut add = |x: f32, y: f32| {
        let p = f64::from(x) * f64::from(y);
        s += p;
        largest = largest.max(p);
    };
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.len() * 16 < long.len() {
        let mut from = 0;
        for &(t, w) in short {
            match long[from..].binary_search_by_key(&t, |x| x.0) {
                Ok(k) => {
                    add(w, long[from + k].1);
                    from += k + 1;
                }
                Err(k) => from += k,
            }
        }
    } else {
        // Both positions move without a three-way branch (which term is
        // smaller is a coin toss to the predictor); only matches branch.
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            let (x, y) = (a[i], b[j]);
            if x.0 == y.0 {
                add(x.1, y.1);
            }
            i += usize::from(x.0 <= y.0);
            j += usize::from(y.0 <= x.0);
        }
    }
    (s, largest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(v: &[(Term, f32)]) -> Vec<(Term, f32)> {
        let n = v.iter().map(|t| t.1 * t.1).sum::<f32>().sqrt();
        v.iter().map(|&(t, w)| (t, w / n)).collect()
    }

    fn cuts(event: f64, story: f64) -> Cuts {
        Cuts {
            event,
            story,
            event_dates: DateDecay {
                grace_days: 3.0,
                scale_days: 30.0,
                penalty: 1.0,
            },
            event_specific: Specific {
                weight: 0.0,
                waiver: 0.0,
                fade_days: 0.0,
            },
        }
    }

    /// Nodes with no specific term.
    fn nodes(vectors: Vec<Vec<(Term, f32)>>, days: &[Option<f64>]) -> Nodes {
        Nodes {
            specific: vec![Vec::new(); vectors.len()],
            vectors,
            days: days.to_vec(),
        }
    }

    /// All pairs of `n` nodes.
    fn complete(n: u32) -> Vec<(u32, u32)> {
        (0..n)
            .flat_map(|a| (a + 1..n).map(move |b| (a, b)))
            .collect()
    }

    #[test]
    fn mean_over_all_pairs_without_every_pair_a_candidate() {
        // A chain of candidate edges 0-1-2-3 over four articles that all
        // share term 1: the cluster forms although 0-3 was never a
        // candidate, since its similarity is known from the sums.
        let v: Vec<_> = (0..4u32)
            .map(|i| unit(&[(1, 1.0), (10 + i, 0.6)]))
            .collect();
        let edges = [(0, 1), (1, 2), (2, 3)];
        let got = link(nodes(v, &[None; 4]), &edges, &cuts(0.5, 0.3));
        assert_eq!(got.event, vec![0, 0, 0, 0]);
    }

    #[test]
    fn a_bridge_does_not_glue_two_groups() {
        // Two tight groups on terms 1 and 2; node 6 has both terms.
        let mut v = vec![unit(&[(1, 1.0), (5, 0.2)]); 3];
        v.extend(vec![unit(&[(2, 1.0), (6, 0.2)]); 3]);
        v.push(unit(&[(1, 1.0), (2, 1.0)]));
        let got = link(nodes(v, &[None; 7]), &complete(7), &cuts(0.6, 0.6));
        assert_eq!(got.event[..3], [0, 0, 0]);
        assert_eq!(got.event[3..6], [1, 1, 1]);
    }

    #[test]
    fn events_nest_in_stories_and_dates_split_events_only() {
        // Four reports on one subject: two on day 0, two on day 100.
        // Dates keep the pairs apart as events (the penalty takes all of
        // their similarity off); the story joins them.
        let v = vec![unit(&[(1, 1.0), (2, 1.0), (3, 1.0)]); 4];
        let days = [Some(0.0), Some(1.0), Some(100.0), Some(101.0)];
        let got = link(nodes(v, &days), &complete(4), &cuts(0.5, 0.3));
        assert_eq!(got.event, vec![0, 0, 1, 1]);
        assert_eq!(got.story, vec![0, 0, 0, 0]);
    }

    /// Four reports of one subject, two on day 0 and two on day 100, whose
    /// vectors share terms 1, 2, 3, of which `specific` are specific.
    fn far_apart(specific: &[Term]) -> Nodes {
        let v = vec![unit(&[(1, 1.0), (2, 1.0), (3, 1.0)]); 4];
        let spec: Vec<(Term, f32)> = v[0]
            .iter()
            .copied()
            .filter(|t| specific.contains(&t.0))
            .collect();
        Nodes {
            specific: vec![spec; 4],
            vectors: v,
            days: vec![Some(0.0), Some(1.0), Some(100.0), Some(101.0)],
        }
    }

    #[test]
    fn shared_specific_terms_waive_the_date_penalty() {
        // Penalty 1 takes nearly everything (0.96) off pairs 100 days apart, unless the
        // part of their similarity on specific terms (here 2/3 of it, the
        // waiver's full amount) waives it.
        let waived = Cuts {
            event_specific: Specific {
                weight: 0.0,
                waiver: 2.0 / 3.0,
                fade_days: 1000.0,
            },
            ..cuts(0.6, 0.3)
        };
        assert_eq!(
            link(far_apart(&[1, 2]), &complete(4), &waived).event,
            vec![0; 4]
        );
        // On generic terms alone the dates keep the events apart.
        assert_eq!(
            link(far_apart(&[]), &complete(4), &waived).event,
            vec![0, 0, 1, 1]
        );
        // Half the waiver's amount, 100 of 1000 days faded, leaves 55% of
        // the penalty: 1 - 0.53 is under the cut.
        let half = link(far_apart(&[1]), &complete(4), &waived);
        assert_eq!(half.event, vec![0, 0, 1, 1]);
        assert_eq!(half.story, vec![0; 4]);
    }

    #[test]
    fn the_waiver_fades_with_the_days_apart() {
        let s = Specific {
            weight: 0.0,
            waiver: 0.2,
            fade_days: 365.0,
        };
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(close(s.event(0.5, 0.2, 0.3, 0.0), 0.5));
        assert!(close(s.event(0.5, 0.2, 0.3, 182.5), 0.35));
        assert!(close(s.event(0.5, 0.1, 0.3, 182.5), 0.275));
        assert!(close(s.event(0.5, 0.2, 0.3, 400.0), 0.2));
        // The weight adds the specific part again, faded the same way.
        let w = Specific { weight: 0.5, ..s };
        assert!(close(w.event(0.5, 0.2, 0.3, 0.0), 0.6));
        assert!(close(w.event(0.5, 0.2, 0.3, 182.5), 0.4));
        assert!(close(w.event(0.5, 0.2, 0.3, 400.0), 0.2));
    }

    #[test]
    fn specific_terms_count_again_at_the_event_level_only() {
        // Mean cosine 1/3 (one of three terms shared), under an event cut
        // of 0.5; the shared term counting again (weight 1) lifts it to 2/3.
        let v = vec![
            unit(&[(1, 1.0), (2, 1.0), (3, 1.0)]),
            unit(&[(1, 1.0), (4, 1.0), (5, 1.0)]),
        ];
        let spec = vec![vec![v[0][0]], vec![v[1][0]]];
        let counted = Cuts {
            event_specific: Specific {
                weight: 1.0,
                waiver: 0.0,
                fade_days: 365.0,
            },
            ..cuts(0.5, 0.5)
        };
        let with = Nodes {
            vectors: v.clone(),
            specific: spec,
            days: vec![None; 2],
        };
        assert_eq!(link(with, &complete(2), &counted).event, vec![0, 0]);
        assert_eq!(
            link(nodes(v, &[None; 2]), &complete(2), &counted).event,
            vec![0, 1]
        );
    }

    #[test]
    fn one_shared_word_does_not_make_a_story() {
        // Two events that share one strong word (term 1) and nothing else
        // are one story by the plain mean cosine (0.5), not without it.
        let v = vec![unit(&[(1, 1.0), (2, 1.0)]), unit(&[(1, 1.0), (3, 1.0)])];
        let got = link(nodes(v, &[None; 2]), &complete(2), &cuts(0.9, 0.05));
        assert_eq!(got.story, vec![0, 1]);
        // Sharing two words of four, they are.
        let v = vec![
            unit(&[(1, 1.0), (2, 1.0), (4, 1.0), (6, 1.0)]),
            unit(&[(1, 1.0), (2, 1.0), (5, 1.0), (7, 1.0)]),
        ];
        let got = link(nodes(v, &[None; 2]), &complete(2), &cuts(0.9, 0.05));
        assert_eq!(got.story, vec![0, 0]);
    }

    #[test]
    fn unrelated_articles_stay_apart() {
        let v = vec![unit(&[(1, 1.0)]), unit(&[(2, 1.0)]), unit(&[(1, 1.0)])];
        let got = link(nodes(v, &[None; 3]), &complete(3), &cuts(0.5, 0.05));
        assert_eq!(got.story, vec![0, 1, 0]);
    }

    #[test]
    fn sparse_sums_and_products() {
        let a = [(1, 1.0), (3, 2.0), (9, 1.0)];
        let b = [(3, 1.0), (4, 1.0)];
        assert_eq!(add(&a, &b), vec![(1, 1.0), (3, 3.0), (4, 1.0), (9, 1.0)]);
        assert_eq!(dot(&a, &b), (2.0, 2.0));
        let long: Vec<(Term, f32)> = (0..100).map(|t| (t * 2, 1.0)).collect();
        let short = [(4, 2.0), (5, 1.0), (198, 3.0)];
        assert_eq!(dot(&long, &short), (5.0, 3.0));
        assert_eq!(dot(&short, &long), (5.0, 3.0));
    }
}
