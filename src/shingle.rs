//! The `shingle` stage: normalised text to a list of shingle hashes.
//!
//! A shingle is k consecutive words (default) or characters. Each word is
//! hashed once with xxh3 (a stable, specified hash, so signatures are the
//! same on every machine), and a shingle's hash folds the k word hashes with
//! a multiply-rotate mix: no `String` is built per word or per shingle.
//! A text shorter than k units yields one shingle of all its units, so every
//! non-empty text has a signature.

use crate::config::{ShingleConfig, ShingleUnit};

const MIX: u64 = 0x9E37_79B9_7F4A_7C15;

/// Reusable buffers for shingling one document at a time on one thread.
#[derive(Debug, Default)]
pub struct Shingler {
    units: Vec<u64>,
}

impl Shingler {
    /// Appends the shingle hashes of `lines` (normalised lines, read as one
    /// continuous text) to `out` and returns how many it appended.
    pub fn shingle<'a>(
        &mut self,
        cfg: &ShingleConfig,
        lines: impl Iterator<Item = &'a str>,
        out: &mut Vec<u64>,
    ) -> usize {
        self.units.clear();
        match cfg.unit {
            ShingleUnit::Words => {
                for line in lines {
                    self.units.extend(
                        line.split(' ')
                            .map(|w| xxhash_rust::xxh3::xxh3_64(w.as_bytes())),
                    );
                }
            }
            ShingleUnit::Chars => {
                for line in lines {
                    if !self.units.is_empty() {
                        self.units.push(u64::from(' '));
                    }
                    self.units.extend(line.chars().map(u64::from));
                }
            }
        }
        fold_windows(&self.units, cfg.k, out)
    }
}

/// Hashes every window of `k` units; a shorter non-empty input is one window.
fn fold_windows(units: &[u64], k: usize, out: &mut Vec<u64>) -> usize {
    if units.is_empty() {
        return 0;
    }
    let k = k.min(units.len());
    let before = out.len();
    out.extend(units.windows(k).map(|w| {
        w.iter()
            .fold(k as u64, |h, &u| (h.rotate_left(27) ^ u).wrapping_mul(MIX))
    }));
    out.len() - before
}

/// The shingle hashes of one normalised text (convenience for tests and
/// library users; the pipeline reuses a [`Shingler`]).
pub fn shingles(cfg: &ShingleConfig, normalized: &str) -> Vec<u64> {
    let mut out = Vec::new();
    Shingler::default().shingle(cfg, normalized.lines(), &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(k: usize) -> ShingleConfig {
        ShingleConfig {
            unit: ShingleUnit::Words,
            k,
        }
    }

    #[test]
    fn counts_windows_and_short_texts() {
        assert_eq!(shingles(&words(5), "a b c d e f g").len(), 3);
        assert_eq!(shingles(&words(5), "a b").len(), 1);
        assert!(shingles(&words(5), "").is_empty());
    }

    #[test]
    fn same_words_same_hashes_wherever_they_stand() {
        let a = shingles(&words(3), "x y a b c");
        let b = shingles(&words(3), "a b c\nz");
        assert_eq!(a[2], b[0]);
        assert_ne!(a[0], a[1]);
    }

    #[test]
    fn order_matters_within_a_shingle() {
        assert_ne!(shingles(&words(2), "a b"), shingles(&words(2), "b a"));
    }

    #[test]
    fn char_shingles_span_lines_with_a_space() {
        let c = ShingleConfig {
            unit: ShingleUnit::Chars,
            k: 3,
        };
        assert_eq!(shingles(&c, "ab\ncd"), shingles(&c, "ab cd"));
        assert_eq!(shingles(&c, "ab cd").len(), 3);
    }

    #[test]
    fn hashes_are_stable_across_versions() {
        // Changing this value changes every signature ever written.
        assert_eq!(shingles(&words(2), "news story")[0], 0x4d8d_7624_f2da_1a9e);
    }
}
