//! Candidate pairs of representatives for the story stage: which pairs of
//! near-duplicate groups the linkage ([`super::linkage`]) may join.
//!
//! Candidates come from an inverted index over each representative's
//! strongest terms (sorted, not hashed): two representatives are compared
//! when they share at least `min_shared` of their `index_terms` strongest
//! terms. A term in the top lists of more than `max_posting`
//! representatives is common: each of them is paired only with the few
//! others nearest in publication date (a window: an event is reported
//! within days, a common name spans years), which bounds the work by the
//! number of postings, never by n².

use rayon::prelude::*;

use super::terms::{Term, strength_key};
use crate::config::StoryConfig;

/// Members of a long posting list are each paired with this many members
/// of similar weight for the term, instead of with all of them.
pub const LONG_POSTING_WINDOW: usize = 4;
// A window's places are the bits of a u32.
const _: () = assert!(2 * LONG_POSTING_WINDOW < 32);

/// Candidate pairs `(a, b)`, `a < b`, sorted: representatives sharing at
/// least `min_shared` of their strongest terms.
///
/// The index is a posting list per term: representatives in id order when
/// the list is short, in publication order (day, then id) when it is long,
/// so that each member's window holds its neighbours in date. Each
/// representative then walks the part of its lists it has to meet (after
/// itself in a short list, its window in a long one) and counts, in a
/// per-thread table, how often it meets each later representative: no list
/// of all co-occurrences is ever built or sorted.
/// `days` are the representatives' publication days (undated ones sort last).
pub fn candidates(
    vectors: &[Vec<(Term, f32)>],
    days: &[Option<f64>],
    cfg: &StoryConfig,
) -> Vec<(u32, u32)> {
    let n = vectors.len();
    // `term << 32 | representative`, written in parallel straight into one
    // buffer (a block of representatives per task, at offsets summed
    // first), then sorted in parallel: ordering the packed values orders by
    // term and, within a term, by representative.
    const BLOCK: usize = 1024;
    let k = cfg.index_terms;
    let block_len: Vec<usize> = vectors
        .chunks(BLOCK)
        .map(|b| b.iter().map(|v| v.len().min(k)).sum())
        .collect();
    let mut postings = vec![0u64; block_len.iter().sum()];
    let mut slices = Vec::with_capacity(block_len.len());
    let mut rest = postings.as_mut_slice();
    for &len in &block_len {
        let (head, tail) = rest.split_at_mut(len);
        slices.push(head);
        rest = tail;
    }
    slices
        .into_par_iter()
        .zip(vectors.par_chunks(BLOCK))
        .enumerate()
        .for_each_init(Vec::new, |keys, (b, (out, block))| {
            let mut at = 0;
            for (i, v) in (b * BLOCK..).zip(block) {
                for t in strongest(v, k, keys) {
                    out[at] = u64::from(t) << 32 | i as u64;
                    at += 1;
                }
            }
        });
    postings.par_sort_unstable();
    let term = |p: u64| (p >> 32) as Term;
    let day_of: Vec<u32> = days.iter().map(|&d| day_key(d)).collect();
    postings
        .par_chunk_by_mut(|a, b| term(*a) == term(*b))
        .filter(|run| run.len() > cfg.max_posting)
        .for_each_init(Vec::new, |keys, run| {
            keys.clear();
            keys.extend(
                run.iter()
                    .map(|&p| u64::from(day_of[p as u32 as usize]) << 32 | (p & 0xffff_ffff)),
            );
            keys.sort_unstable();
            for (p, &key) in run.iter_mut().zip(keys.iter()) {
                *p = (*p & !0xffff_ffff) | (key & 0xffff_ffff);
            }
        });
    let reps: Vec<u32> = postings.iter().map(|&p| p as u32).collect();
    // What each representative meets, listed per representative: in a short
    // list, the members after it (a range of `reps`: the list is in id order
    // and a pair is counted by its smaller id); in a long list, a term
    // common enough that only the members published nearest to it count,
    // the later ones of its window, as the window's start and a bit per
    // place (found here while the list is at hand, so that the count below
    // neither tests nor mispredicts them).
    let runs = || {
        postings
            .chunk_by(|a, b| term(*a) == term(*b))
            .scan(0, |start, run| {
                let at = *start;
                *start += run.len();
                Some((at, &reps[at..at + run.len()]))
            })
    };
    let long = |run: &[u32]| run.len() > cfg.max_posting;
    let mut first_short = vec![0u32; n + 1];
    let mut first_long = vec![0u32; n + 1];
    for (_, run) in runs() {
        let first = if long(run) {
            &mut first_long
        } else {
            &mut first_short
        };
        for &r in run {
            first[r as usize + 1] += 1;
        }
    }
    for i in 0..n {
        first_short[i + 1] += first_short[i];
        first_long[i + 1] += first_long[i];
    }
    let mut short = vec![(0u32, 0u32); first_short[n] as usize];
    let mut windows = vec![(0u32, 0u32); first_long[n] as usize];
    let (mut fill_short, mut fill_long) = (first_short.clone(), first_long.clone());
    for (start, run) in runs() {
        let end = (start + run.len()) as u32;
        if long(run) {
            let w = LONG_POSTING_WINDOW;
            for (p, &r) in run.iter().enumerate() {
                let lo = p.saturating_sub(w);
                let later = run[lo..(p + w + 1).min(run.len())]
                    .iter()
                    .enumerate()
                    .fold(0u32, |m, (b, &j)| m | u32::from(j > r) << b);
                let slot = &mut fill_long[r as usize];
                windows[*slot as usize] = ((start + lo) as u32, later);
                *slot += 1;
            }
        } else {
            for (p, &r) in (start as u32..end).zip(run) {
                let slot = &mut fill_short[r as usize];
                short[*slot as usize] = (p + 1, end);
                *slot += 1;
            }
        }
    }
    drop(postings);
    // Per thread, one count per representative, cleared after each round
    // through the list of those touched: a byte per representative keeps the
    // table in cache.
    let per_rep: Vec<Vec<(u32, u32)>> = (0..n as u32)
        .into_par_iter()
        .with_min_len((n / 64).max(1024))
        .map_init(
            || (vec![0u8; n], Vec::new()),
            |(seen, touched), i| {
                let mut out = Vec::new();
                let mut meet = |j: u32| {
                    let count = &mut seen[j as usize];
                    if *count == 0 {
                        touched.push(j);
                    }
                    *count = count.saturating_add(1);
                    if usize::from(*count) == cfg.min_shared {
                        out.push((i, j));
                    }
                };
                let at = |first: &[u32]| first[i as usize] as usize..first[i as usize + 1] as usize;
                for &(lo, hi) in &short[at(&first_short)] {
                    for &j in &reps[lo as usize..hi as usize] {
                        // Always true, unless a vector repeats a term.
                        if j > i {
                            meet(j);
                        }
                    }
                }
                for &(lo, mut later) in &windows[at(&first_long)] {
                    while later != 0 {
                        meet(reps[(lo + later.trailing_zeros()) as usize]);
                        later &= later - 1;
                    }
                }
                for &j in touched.iter() {
                    seen[j as usize] = 0;
                }
                touched.clear();
                out.sort_unstable();
                out
            },
        )
        .collect();
    per_rep.concat()
}

/// The `k` strongest terms of a vector (weight descending, then term
/// ascending: a total order, so the set is reproducible), in no order;
/// `keys` is scratch.
fn strongest<'a>(
    v: &'a [(Term, f32)],
    k: usize,
    keys: &'a mut Vec<u64>,
) -> impl Iterator<Item = Term> + 'a {
    keys.clear();
    if v.len() <= k {
        keys.extend(v.iter().map(|t| u64::from(t.0)));
    } else if k > 0 {
        keys.extend(v.iter().map(|&(t, w)| strength_key(t, w)));
        keys.select_nth_unstable(k - 1);
        keys.truncate(k);
    }
    keys.iter().map(|&key| key as u32)
}

/// Sort key of a publication day: days since 1970 offset to stay positive,
/// `u32::MAX` when unknown.
fn day_key(day: Option<f64>) -> u32 {
    day.map_or(u32::MAX, |d| {
        (d + 1_000_000.0).clamp(0.0, f64::from(u32::MAX - 1)) as u32
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ahash::AHashMap;

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

    /// The candidates as first written: one sort of (term, day, rep) and
    /// every member of a posting list visited, for comparison.
    fn candidates_by_full_sort(
        vectors: &[Vec<(Term, f32)>],
        days: &[Option<f64>],
        cfg: &StoryConfig,
    ) -> Vec<(u32, u32)> {
        let mut postings: Vec<(Term, u32, u32)> = Vec::new();
        for (i, v) in vectors.iter().enumerate() {
            let mut top = v.clone();
            top.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            top.truncate(cfg.index_terms);
            postings.extend(top.iter().map(|&(t, _)| (t, day_key(days[i]), i as u32)));
        }
        postings.sort_unstable();
        let mut count: AHashMap<(u32, u32), usize> = AHashMap::new();
        for run in postings.chunk_by(|a, b| a.0 == b.0) {
            for (p, &(_, _, i)) in run.iter().enumerate() {
                let (lo, hi) = if run.len() > cfg.max_posting {
                    let w = LONG_POSTING_WINDOW;
                    (p.saturating_sub(w), (p + w + 1).min(run.len()))
                } else {
                    (0, run.len())
                };
                for &(_, _, j) in &run[lo..hi] {
                    if j > i {
                        *count.entry((i, j)).or_insert(0) += 1;
                    }
                }
            }
        }
        let mut out: Vec<(u32, u32)> = count
            .into_iter()
            .filter(|&(_, c)| c.min(255) >= cfg.min_shared)
            .map(|(pair, _)| pair)
            .collect();
        out.sort_unstable();
        out
    }

    #[test]
    fn candidates_match_a_full_sort() {
        // Pseudo-random vectors over a small vocabulary, so that many
        // posting lists are long; weights on a coarse grid, so that ties
        // are broken by term; some articles undated.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move |m: u64| {
            state = crate::hash::mix64(state);
            state % m
        };
        for &(max_posting, min_shared, index_terms) in
            &[(10, 2, 8), (32, 2, 30), (5, 3, 12), (500, 1, 3)]
        {
            let cfg = StoryConfig {
                max_posting,
                min_shared,
                index_terms,
                ..StoryConfig::default()
            };
            let n = 400;
            let mut vectors = Vec::new();
            let mut days = Vec::new();
            for _ in 0..n {
                let mut v: Vec<(Term, f32)> = (0..5 + next(30))
                    .map(|_| (next(80) as Term * 7919, (1 + next(6)) as f32 / 8.0))
                    .collect();
                v.sort_unstable_by_key(|t| t.0);
                v.dedup_by_key(|t| t.0);
                vectors.push(v);
                days.push((next(5) != 0).then(|| next(60) as f64));
            }
            let want = candidates_by_full_sort(&vectors, &days, &cfg);
            assert!(want.len() > n, "{}", want.len());
            assert_eq!(
                candidates(&vectors, &days, &cfg),
                want,
                "max_posting {max_posting} min_shared {min_shared}"
            );
        }
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
