//! The `minhash` stage: shingle hashes to fixed-length signatures.
//!
//! Scheme: one-permutation hashing (Li, Owen & Zhang, NIPS 2012) with optimal
//! densification (Shrivastava, ICML 2017). Each shingle hash is mixed with the
//! seed once; its high bits pick one of `k` bins and its low 32 bits compete
//! for that bin's minimum. A document with `n` shingles costs `O(n + k)`
//! instead of the `O(n·k)` of `k` independent permutations. Bins left empty
//! (short texts) borrow the value of a non-empty bin chosen by a probe
//! sequence that depends only on the bin and the seed, so two documents make
//! the same choice whenever they have the same non-empty bins; the collision
//! probability of every bin stays the Jaccard similarity, which is what makes
//! `fraction of equal bins` an unbiased estimate (checked against exact
//! Jaccard and against k independent permutations by the property tests in
//! `tests/`).
//!
//! Signatures of a collection live in one flat `Vec<u32>` ([`Signatures`]).

use crate::article::ArticleId;
use crate::config::MinHashConfig;
use crate::hash::mix64;

/// Marks a bin no shingle fell into (never a real value: values are capped).
const EMPTY: u32 = u32::MAX;

/// Computes signatures of one length and seed.
#[derive(Debug, Clone)]
pub struct Signer {
    k: usize,
    seed: u64,
}

impl Signer {
    /// A signer for `cfg.num_perm` bins and `cfg.seed`.
    pub fn new(cfg: &MinHashConfig) -> Signer {
        Signer {
            k: cfg.num_perm,
            seed: mix64(cfg.seed),
        }
    }

    /// Signature length.
    pub fn len(&self) -> usize {
        self.k
    }

    /// Whether signatures are empty (never: `num_perm >= 8` is validated).
    pub fn is_empty(&self) -> bool {
        self.k == 0
    }

    /// Writes the signature of a shingle multiset into `out` (`len()` values).
    /// Duplicated shingles and their order do not change the result. With no
    /// shingles, every value is `u32::MAX` and the caller must not compare it.
    pub fn sign(&self, shingles: &[u64], out: &mut [u32]) {
        debug_assert_eq!(out.len(), self.k);
        out.fill(EMPTY);
        let k = self.k as u64;
        for &s in shingles {
            let x = mix64(s ^ self.seed);
            let bin = (((x >> 32) * k) >> 32) as usize;
            let v = (x as u32).min(EMPTY - 1);
            // bin < k by construction ((x >> 32) < 2^32). A store every
            // time instead of a branch: whether a shingle beats its bin's
            // minimum is a coin toss early on, and mispredicted branches
            // cost more than the stores.
            out[bin] = out[bin].min(v);
        }
        if shingles.is_empty() {
            return;
        }
        self.densify(out);
    }

    /// Optimal densification: each empty bin `i` takes the value of the first
    /// non-empty bin in its own pseudo-random probe sequence. The sequence is
    /// a function of `(seed, i, attempt)` only and reads the original bins
    /// only, never values filled in during this pass.
    fn densify(&self, sig: &mut [u32]) {
        if !sig.contains(&EMPTY) {
            return;
        }
        let original: Vec<u32> = sig.to_vec();
        let k = self.k as u64;
        for (i, slot) in sig.iter_mut().enumerate() {
            if *slot != EMPTY {
                continue;
            }
            let mut attempt: u64 = 0;
            loop {
                let r = mix64(
                    self.seed ^ ((i as u64) << 32 | attempt).wrapping_mul(0xD6E8_FEB8_6659_FD93),
                );
                let j = (((r >> 32) * k) >> 32) as usize;
                if original[j] != EMPTY {
                    *slot = original[j];
                    break;
                }
                attempt += 1;
            }
        }
    }
}

/// Fraction of equal positions: the MinHash estimate of Jaccard similarity.
#[inline]
pub fn similarity(a: &[u32], b: &[u32]) -> f64 {
    debug_assert_eq!(a.len(), b.len());
    let equal: usize = a.iter().zip(b).map(|(x, y)| usize::from(x == y)).sum();
    equal as f64 / a.len() as f64
}

/// The signatures of a collection, row `i` belonging to article `i`.
#[derive(Debug, Clone, Default)]
pub struct Signatures {
    k: usize,
    data: Vec<u32>,
}

impl Signatures {
    /// An empty collection of signatures of length `k`.
    pub fn new(k: usize) -> Signatures {
        Signatures {
            k,
            data: Vec::new(),
        }
    }

    /// Signature length.
    pub fn width(&self) -> usize {
        self.k
    }

    /// Number of signatures.
    pub fn len(&self) -> usize {
        self.data.len().checked_div(self.k).unwrap_or(0)
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The signature of article `id`.
    pub fn get(&self, id: ArticleId) -> &[u32] {
        &self.data[id.index() * self.k..(id.index() + 1) * self.k]
    }

    /// Appends `n` signatures laid out one after another.
    pub fn extend_from(&mut self, rows: &[u32]) {
        debug_assert_eq!(rows.len() % self.k, 0);
        self.data.extend_from_slice(rows);
    }

    /// Bytes held.
    pub fn heap_bytes(&self) -> usize {
        self.data.capacity() * 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer(k: usize) -> Signer {
        Signer::new(&MinHashConfig {
            num_perm: k,
            seed: 7,
        })
    }

    fn sig(s: &Signer, set: &[u64]) -> Vec<u32> {
        let mut out = vec![0; s.len()];
        s.sign(set, &mut out);
        out
    }

    #[test]
    fn identical_sets_have_identical_signatures() {
        let s = signer(64);
        let a: Vec<u64> = (0..300).collect();
        let mut b = a.clone();
        b.reverse();
        b.extend(0..50); // duplicates do not matter
        assert_eq!(sig(&s, &a), sig(&s, &b));
        assert_eq!(similarity(&sig(&s, &a), &sig(&s, &b)), 1.0);
    }

    #[test]
    fn disjoint_sets_rarely_collide() {
        let s = signer(128);
        let a: Vec<u64> = (0..400).collect();
        let b: Vec<u64> = (1000..1400).collect();
        assert!(similarity(&sig(&s, &a), &sig(&s, &b)) < 0.05);
    }

    #[test]
    fn a_single_shingle_fills_every_bin() {
        let s = signer(32);
        let one = sig(&s, &[42]);
        assert!(one.iter().all(|&v| v == one[0] && v != EMPTY));
    }

    #[test]
    fn no_shingles_leaves_every_bin_empty() {
        assert!(sig(&signer(16), &[]).iter().all(|&v| v == EMPTY));
    }

    #[test]
    fn seeds_change_signatures() {
        let a: Vec<u64> = (0..100).collect();
        let other = Signer::new(&MinHashConfig {
            num_perm: 64,
            seed: 8,
        });
        assert_ne!(sig(&signer(64), &a), sig(&other, &a));
    }
}
