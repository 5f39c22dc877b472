//! The `lsh` stage: signatures to candidate pairs by banding.
//!
//! A signature of `k` values is cut into `bands` bands of `rows` values; two
//! articles are candidates when any band is equal. A pair of Jaccard `j`
//! becomes a candidate with probability `1 - (1 - j^rows)^bands`.
//!
//! The banding is chosen from the lowest similarity verification can accept
//! (see `VerifyConfig::candidate_threshold`) so that a pair *at* that
//! similarity is found with high probability (default 98%), taking the
//! most rows that reach it, which keeps random candidates rare. The classic
//! choice that minimises the area under the wrong side of the S-curve finds a
//! pair at the threshold only about 40% of the time (9 x 13 at 0.8 with 128
//! values); verification removes the extra candidates this choice lets in.
//!
//! Candidates come from sorting `(band key, article)` per band, not from hash
//! maps: equal keys form runs. A run larger than `max_bucket` (many articles
//! sharing one band because of shared text) links each member only to its
//! next few members, so it costs linear time; the pairs it skips are almost
//! always joined through other bands or other members.

use rayon::prelude::*;

use crate::article::ArticleId;
use crate::config::LshConfig;
use crate::hash::mix64;
use crate::minhash::Signatures;

/// Members of a swollen run each linked to this many following members.
const SWOLLEN_WINDOW: usize = 4;

/// A banding scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Banding {
    /// Number of bands.
    pub bands: usize,
    /// Values per band.
    pub rows: usize,
}

impl Banding {
    /// The banding with the most rows (fewest random candidates) whose
    /// probability of finding a pair of similarity `threshold` is at least
    /// `recall`, using at most `k` values. Falls back to one row per band.
    pub fn for_threshold(threshold: f64, k: usize, recall: f64) -> Banding {
        (1..=k)
            .rev()
            .map(|rows| Banding {
                bands: k / rows,
                rows,
            })
            .find(|b| b.probability(threshold) >= recall)
            .unwrap_or(Banding { bands: k, rows: 1 })
    }

    /// Probability that a pair of Jaccard `j` shares at least one band.
    pub fn probability(&self, j: f64) -> f64 {
        1.0 - (1.0 - j.powi(self.rows as i32)).powi(self.bands as i32)
    }

    /// The banding `cfg` asks for, or the one derived from `threshold`.
    pub fn from_config(cfg: &LshConfig, threshold: f64, k: usize) -> Banding {
        match cfg.banding {
            Some((bands, rows)) => Banding { bands, rows },
            None => Banding::for_threshold(threshold, k, cfg.recall_at_threshold),
        }
    }
}

/// Candidate pairs `(a, b)` with `a < b`, sorted and deduplicated, among the
/// articles for which `usable` is true.
///
/// Bands are taken a cache line of signature values at a time (a group of
/// bands whose values fill 64 bytes), so each signature row is read once
/// per group rather than once per band. Each band's key is cut to 32 bits,
/// packed with the article number into one `u64` (key in the high half)
/// and radix sorted on the key half only (four passes instead of eight);
/// the sort is stable and the input is in article order, so the members of
/// a run come out in article order and the output does not depend on the
/// thread count. A 32-bit key can make two unequal bands look equal: about
/// `n² / 2³³` random pairs per band (7,000 over 64 bands at a million
/// articles, against 800,000 real candidates), which verification drops.
pub fn candidates(
    sigs: &Signatures,
    usable: &[bool],
    banding: Banding,
    cfg: &LshConfig,
) -> Vec<(ArticleId, ArticleId)> {
    let members: Vec<u32> = (0..sigs.len() as u32)
        .filter(|&i| usable[i as usize])
        .collect();
    let per_group = (16 / banding.rows.max(1)).clamp(1, banding.bands.max(1));
    let groups: Vec<std::ops::Range<usize>> = (0..banding.bands)
        .step_by(per_group)
        .map(|b| b..(b + per_group).min(banding.bands))
        .collect();
    // One run of groups per thread, each with buffers of its own reused
    // from group to group: fresh buffers of this size cost more in page
    // faults than the sorting does.
    let per_thread = groups.len().div_ceil(rayon::current_num_threads().max(1));
    let mut pairs: Vec<u64> = groups
        .par_chunks(per_thread.max(1))
        .map(|run| {
            let mut buffers = BandBuffers::default();
            let mut out = Vec::new();
            for bands in run {
                group_pairs(
                    sigs,
                    &members,
                    bands.clone(),
                    banding.rows,
                    cfg.max_bucket,
                    &mut buffers,
                    &mut out,
                );
                // A close pair shares most of its bands, so it comes out of
                // nearly every group: deduplicating as we go keeps the list
                // near the number of distinct pairs (at 1M articles, 25M
                // raw pairs for 0.8M distinct ones).
                radsort::sort(&mut out);
                out.dedup();
            }
            out
        })
        .reduce(Vec::new, |mut a, mut b| {
            if a.len() < b.len() {
                std::mem::swap(&mut a, &mut b);
            }
            a.extend_from_slice(&b);
            a
        });
    radsort::sort(&mut pairs);
    pairs.dedup();
    pairs
        .into_iter()
        .map(|p| (ArticleId((p >> 32) as u32), ArticleId(p as u32)))
        .collect()
}

/// Scratch of [`group_pairs`]: the packed keys of each band of a group and
/// the radix sort's second buffer.
#[derive(Default)]
struct BandBuffers {
    keys: Vec<Vec<u64>>,
    scratch: Vec<u64>,
}

/// Appends to `out` the pairs `a << 32 | b` that share a band of `bands`.
fn group_pairs(
    sigs: &Signatures,
    members: &[u32],
    bands: std::ops::Range<usize>,
    rows: usize,
    max_bucket: usize,
    buffers: &mut BandBuffers,
    out: &mut Vec<u64>,
) {
    const ID: u64 = u32::MAX as u64;
    buffers.keys.resize_with(bands.len(), Vec::new);
    for k in &mut buffers.keys {
        k.clear();
        k.reserve(members.len());
    }
    for &i in members {
        let sig = sigs.get(ArticleId(i));
        for (band, keys) in bands.clone().zip(buffers.keys.iter_mut()) {
            let key = band_key(band, &sig[band * rows..(band + 1) * rows]);
            keys.push(u64::from(key) << 32 | u64::from(i));
        }
    }
    for band in buffers.keys.iter_mut().take(bands.len()) {
        sort_by_high_half(band, &mut buffers.scratch);
        for run in band.chunk_by(|a, b| a >> 32 == b >> 32) {
            if run.len() < 2 {
                continue;
            }
            let window = bucket_window(run.len(), max_bucket);
            for (x, a) in run.iter().enumerate() {
                for b in &run[x + 1..run.len().min(x + 1 + window)] {
                    out.push((a & ID) << 32 | (b & ID));
                }
            }
        }
    }
}

/// The 32-bit key of band `band` whose signature values are `values`: two
/// articles are candidates when some band has the same key in both. Public
/// so that a distributed job groups by the very keys this stage sorts.
pub fn band_key(band: usize, values: &[u32]) -> u32 {
    let key = values
        .iter()
        .fold(mix64(band as u64), |h, &v| mix64(h ^ u64::from(v)));
    (key >> 32) as u32
}

/// How many of the following members of a bucket of `len` articles (in
/// article order) each member is paired with: all of them, or, in a bucket
/// swollen past `max_bucket`, the next few only.
pub fn bucket_window(len: usize, max_bucket: usize) -> usize {
    if len > max_bucket {
        SWOLLEN_WINDOW
    } else {
        len
    }
}

/// Sorts `v` by the high 32 bits of each value, stably (values with equal
/// high halves keep their order): a least-significant-digit radix sort in
/// four passes of one byte, with `scratch` as the second buffer, kept by
/// the caller so that no pass allocates. A pass whose byte is the same in
/// every value is skipped.
fn sort_by_high_half(v: &mut Vec<u64>, scratch: &mut Vec<u64>) {
    let mut counts = [[0usize; 256]; 4];
    for &x in v.iter() {
        for (d, c) in counts.iter_mut().enumerate() {
            c[(x >> (32 + 8 * d)) as usize & 0xff] += 1;
        }
    }
    scratch.clear();
    scratch.resize(v.len(), 0);
    for (d, c) in counts.iter().enumerate() {
        if c.contains(&v.len()) {
            continue;
        }
        let mut next = [0usize; 256];
        let mut sum = 0;
        for (slot, &n) in next.iter_mut().zip(c) {
            *slot = sum;
            sum += n;
        }
        for &x in v.iter() {
            let b = (x >> (32 + 8 * d)) as usize & 0xff;
            scratch[next[b]] = x;
            next[b] += 1;
        }
        std::mem::swap(v, scratch);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banding_finds_pairs_at_the_threshold() {
        for &(t, k) in &[(0.8, 128), (0.5, 128), (0.9, 64), (0.3, 256)] {
            let b = Banding::for_threshold(t, k, 0.99);
            assert!(b.bands * b.rows <= k);
            assert!(b.probability(t) >= 0.99, "{t} {k} {b:?}");
            // One more row would miss the target.
            let tighter = Banding {
                bands: k / (b.rows + 1),
                rows: b.rows + 1,
            };
            assert!(tighter.probability(t) < 0.99, "{t} {k} {b:?}");
        }
        // The classic 9 x 13 at 0.8 finds about 40% (the lesson this fixes).
        let classic = Banding { bands: 9, rows: 13 };
        assert!((classic.probability(0.8) - 0.44).abs() < 0.05);
    }

    #[test]
    fn radix_sort_is_a_stable_sort_by_the_high_half() {
        let mut scratch = Vec::new();
        let mut x = 5u64;
        for n in [0, 1, 2, 100, 5000] {
            // Few distinct high halves, so ties are common; some bytes of
            // the key are the same in every value (skipped passes).
            let v: Vec<u64> = (0..n)
                .map(|i| {
                    x = mix64(x);
                    (x % 7) << 56 | (x % 13) << 32 | i
                })
                .collect();
            let mut want = v.clone();
            want.sort_by_key(|a| a >> 32);
            let mut got = v.clone();
            sort_by_high_half(&mut got, &mut scratch);
            assert_eq!(got, want, "{n}");
        }
    }

    fn sigs_of(rows: &[Vec<u32>]) -> Signatures {
        let mut s = Signatures::new(rows[0].len());
        for r in rows {
            s.extend_from(r);
        }
        s
    }

    #[test]
    fn equal_bands_make_sorted_unique_pairs() {
        let s = sigs_of(&[
            vec![1, 2, 3, 4],
            vec![9, 9, 3, 4],
            vec![1, 2, 7, 7],
            vec![5, 5, 5, 5],
        ]);
        let b = Banding { bands: 2, rows: 2 };
        let got = candidates(&s, &[true; 4], b, &LshConfig::default());
        assert_eq!(
            got,
            vec![(ArticleId(0), ArticleId(1)), (ArticleId(0), ArticleId(2))]
        );
        let got = candidates(&s, &[false, true, true, true], b, &LshConfig::default());
        assert!(got.is_empty());
    }

    #[test]
    fn swollen_buckets_cost_linear_pairs_and_stay_connected() {
        let n = 1000;
        let s = sigs_of(&vec![vec![3, 3]; n]);
        let cfg = LshConfig {
            max_bucket: 10,
            ..LshConfig::default()
        };
        let got = candidates(&s, &vec![true; n], Banding { bands: 1, rows: 2 }, &cfg);
        assert!(got.len() <= n * SWOLLEN_WINDOW);
        // Every member is linked to its successor, so the run stays one group.
        assert!((0..n - 1).all(|i| {
            got.binary_search(&(ArticleId(i as u32), ArticleId(i as u32 + 1)))
                .is_ok()
        }));
    }
}
