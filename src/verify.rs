//! The `verify` stage: candidate pairs to confirmed near-duplicate matches.
//!
//! A candidate is a near-duplicate when its Jaccard similarity reaches the
//! threshold, or, with containment on, when the shorter article is mostly
//! contained in the longer one (wire copy inside a longer local story, or a
//! copy with its last paragraphs cut). Containment of `A` in `B` is
//! `|A ∩ B| / |A|`; from a Jaccard estimate `J` and the set sizes it is
//! `J (|A| + |B|) / ((1 + J) |A|)`, since `|A ∩ B| = J |A ∪ B|` and
//! `|A ∪ B| = |A| + |B| - |A ∩ B|`.
//!
//! Similarities are estimated from signatures by default; with `exact` they
//! are computed on the articles' shingle sets ([`ShingleSets`]).

use rayon::prelude::*;

use crate::article::ArticleId;
use crate::config::VerifyConfig;
use crate::minhash::{Signatures, similarity};

/// A confirmed near-duplicate pair.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Match {
    /// The earlier article of the pair (`a < b`).
    pub a: ArticleId,
    /// The later article.
    pub b: ArticleId,
    /// Jaccard similarity of their shingle sets (estimated or exact).
    pub jaccard: f32,
    /// Containment of the shorter article in the longer one.
    pub containment: f32,
}

/// Sorted, deduplicated shingle hashes of every article, in one buffer.
#[derive(Debug, Clone, Default)]
pub struct ShingleSets {
    offsets: Vec<usize>,
    data: Vec<u64>,
}

impl ShingleSets {
    /// No sets yet.
    pub fn new() -> ShingleSets {
        ShingleSets {
            offsets: vec![0],
            data: Vec::new(),
        }
    }

    /// Appends the next article's shingles (sorted and deduplicated here).
    pub fn push(&mut self, shingles: &[u64]) {
        let start = self.data.len();
        self.data.extend_from_slice(shingles);
        self.data[start..].sort_unstable();
        let mut w = start;
        for r in start..self.data.len() {
            if w == start || self.data[r] != self.data[w - 1] {
                self.data[w] = self.data[r];
                w += 1;
            }
        }
        self.data.truncate(w);
        self.offsets.push(w);
    }

    /// The set of article `id`.
    pub fn get(&self, id: ArticleId) -> &[u64] {
        &self.data[self.offsets[id.index()]..self.offsets[id.index() + 1]]
    }

    /// Bytes held.
    pub fn heap_bytes(&self) -> usize {
        self.data.capacity() * 8 + self.offsets.capacity() * 8
    }
}

/// Size of the intersection of two sorted, deduplicated slices.
pub fn intersection(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// Containment of the smaller set in the larger, from Jaccard and sizes.
pub fn containment_from_jaccard(j: f64, size_a: u32, size_b: u32) -> f64 {
    let small = size_a.min(size_b);
    if small == 0 {
        return 0.0;
    }
    let inter = j * f64::from(size_a + size_b) / (1.0 + j);
    (inter / f64::from(small)).min(1.0)
}

/// What similarities are computed from.
#[derive(Debug, Clone, Copy)]
pub enum Evidence<'a> {
    /// Estimate from signatures and shingle counts.
    Signatures(&'a Signatures),
    /// Compute exactly on shingle sets.
    Exact(&'a ShingleSets),
}

/// Confirms candidates; the result keeps the candidates' order.
/// `sizes` are the articles' shingle counts.
pub fn verify(
    candidates: &[(ArticleId, ArticleId)],
    evidence: Evidence<'_>,
    sizes: &[u32],
    cfg: &VerifyConfig,
) -> Vec<Match> {
    candidates
        .par_iter()
        .with_min_len(1024)
        .filter_map(|&(a, b)| {
            let (sa, sb) = (sizes[a.index()], sizes[b.index()]);
            let (jaccard, containment) = match evidence {
                Evidence::Signatures(s) => {
                    let j = similarity(s.get(a), s.get(b));
                    (j, containment_from_jaccard(j, sa, sb))
                }
                Evidence::Exact(sets) => {
                    let (x, y) = (sets.get(a), sets.get(b));
                    let i = intersection(x, y) as f64;
                    let union = (x.len() + y.len()) as f64 - i;
                    let small = x.len().min(y.len()).max(1) as f64;
                    (i / union.max(1.0), i / small)
                }
            };
            let by_containment = cfg
                .containment
                .is_some_and(|c| containment >= c && sa.min(sb) >= cfg.containment_min_shingles);
            (jaccard >= cfg.threshold || by_containment).then_some(Match {
                a,
                b,
                jaccard: jaccard as f32,
                containment: containment as f32,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containment_formula_matches_sets() {
        // A = 0..100, B = 0..300: J = 1/3, containment of A in B = 1.
        assert!((containment_from_jaccard(1.0 / 3.0, 100, 300) - 1.0).abs() < 1e-9);
        // Half of A in an equal-size B: J = 50/150.
        assert!((containment_from_jaccard(1.0 / 3.0, 100, 100) - 0.5).abs() < 1e-9);
        assert_eq!(containment_from_jaccard(0.5, 0, 10), 0.0);
    }

    #[test]
    fn shingle_sets_are_sorted_unique() {
        let mut s = ShingleSets::new();
        s.push(&[5, 1, 5, 3]);
        s.push(&[]);
        s.push(&[3, 2]);
        assert_eq!(s.get(ArticleId(0)), &[1, 3, 5]);
        assert!(s.get(ArticleId(1)).is_empty());
        assert_eq!(intersection(s.get(ArticleId(0)), s.get(ArticleId(2))), 1);
    }

    #[test]
    fn exact_verification_applies_both_tests() {
        let mut s = ShingleSets::new();
        s.push(&(0..100).collect::<Vec<_>>()); // A
        s.push(&(0..300).collect::<Vec<_>>()); // B contains A
        s.push(&(0..120).collect::<Vec<_>>()); // C: J(A,C) = 100/120
        s.push(&(60..160).collect::<Vec<_>>()); // D: J(A,D) = 40/160
        let sizes = [100, 300, 120, 100];
        let pairs: Vec<_> = [(0, 1), (0, 2), (0, 3)]
            .iter()
            .map(|&(a, b)| (ArticleId(a), ArticleId(b)))
            .collect();
        let cfg = VerifyConfig {
            exact: true,
            ..VerifyConfig::default()
        };
        let got = verify(&pairs, Evidence::Exact(&s), &sizes, &cfg);
        let found: Vec<_> = got.iter().map(|m| (m.a.0, m.b.0)).collect();
        assert_eq!(found, vec![(0, 1), (0, 2)]);
        assert_eq!(got[0].containment, 1.0);
        let off = VerifyConfig {
            containment: None,
            ..cfg
        };
        let got = verify(&pairs, Evidence::Exact(&s), &sizes, &off);
        assert_eq!(got.len(), 1);
    }
}
