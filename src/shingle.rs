//! The `shingle` stage: normalised words or characters to shingle hashes.
//!
//! A shingle is k consecutive words (default) or characters. Words arrive as
//! hashes from [`crate::tokenize::Words`] (each word hashed once, with a
//! stable, specified hash, so signatures are the same on every machine); a
//! shingle's hash folds its k unit hashes with a multiply-rotate mix. No
//! `String` is built per word or per shingle. A text shorter than k units
//! yields one shingle of all its units, so every non-empty text has a
//! signature.
//!
//! [`Shingler`] is the stage's per-thread state: it reads an article's lines
//! (for boilerplate learning), its words without the boilerplate lines the
//! collection taught (for signatures and story terms), and its shingles.

use crate::boilerplate::{self, Boilerplate};
use crate::config::{ShingleConfig, ShingleUnit};
use crate::hash::line_hash;
use crate::normalize::normalize_into;
use crate::scratch::Generations;
use crate::tokenize::Words;

const MIX: u64 = 0x9E37_79B9_7F4A_7C15;

/// Appends the hash of every window of `k` units of `units` to `out` (one
/// shingle of everything when there are fewer than `k`); returns how many.
pub fn fold_windows(units: &[u64], k: usize, out: &mut Vec<u64>) -> usize {
    if units.is_empty() {
        return 0;
    }
    let k = k.clamp(1, units.len());
    let before = out.len();
    out.extend(units.windows(k).map(|w| {
        w.iter()
            .fold(k as u64, |h, &u| (h.rotate_left(27) ^ u).wrapping_mul(MIX))
    }));
    out.len() - before
}

/// Counts distinct values (shingle hashes) with a reusable open-addressing
/// table: set sizes for the containment estimate, without sorting.
#[derive(Debug, Default)]
pub struct Distinct {
    slots: Vec<u64>,
    rounds: Generations,
}

impl Distinct {
    /// Number of distinct values in `values`.
    pub fn count(&mut self, values: &[u64]) -> usize {
        let want = (2 * values.len()).next_power_of_two().max(256);
        if self.rounds.begin(want) {
            self.slots = vec![0; self.rounds.len()];
        }
        let mask = self.slots.len() - 1;
        let bits = self.slots.len().trailing_zeros();
        let mut n = 0;
        for &v in values {
            let mut i = home_slot(v, bits);
            loop {
                if self.rounds.claim(i) {
                    self.slots[i] = v;
                    n += 1;
                    break;
                }
                if self.slots[i] == v {
                    break;
                }
                i = (i + 1) & mask;
            }
        }
        n
    }
}

/// The first slot tried for `v` in a table of `2^bits` slots: the top
/// `bits` bits of the hash (shingle hashes are already mixed, so their top
/// bits index well). All of them: a fixed 24 bits left every slot past the
/// first 2^24 unused as a start, so a record of tens of millions of words
/// piled its shingles into one run of probes and took quadratic time.
#[inline]
pub fn home_slot(v: u64, bits: u32) -> usize {
    if bits == 0 {
        0
    } else {
        (v >> (64 - bits)) as usize
    }
}

/// Character units of normalised lines, read as one text with a space
/// between lines (the code point of each character).
pub fn char_units<'a>(lines: impl Iterator<Item = &'a str>, out: &mut Vec<u64>) {
    out.clear();
    for line in lines {
        if !out.is_empty() {
            out.push(u64::from(' '));
        }
        out.extend(line.chars().map(u64::from));
    }
}

/// Word k-gram hashes of a raw text (convenience for tests and library
/// users; the pipeline reuses its buffers).
pub fn word_shingles(text: &str, k: usize) -> Vec<u64> {
    let mut words = Words::default();
    words.tokenize(text);
    let mut out = Vec::new();
    fold_windows(&words.hashes, k, &mut out);
    out
}

/// Character k-gram hashes of a raw text.
pub fn char_shingles(text: &str, k: usize) -> Vec<u64> {
    let mut norm = String::new();
    normalize_into(text, &mut norm);
    let mut units = Vec::new();
    char_units(norm.lines(), &mut units);
    let mut out = Vec::new();
    fold_windows(&units, k, &mut out);
    out
}

/// Shingles article text without its boilerplate lines, into buffers
/// reused from one article to the next (one per thread): the hot loop
/// allocates nothing per article.
#[derive(Debug, Default)]
pub struct Shingler {
    /// The words of the last [`Shingler::read_words`] (or word shingling).
    pub words: Words,
    line_words: Words,
    /// The keys and lengths of the short lines of the last
    /// [`Shingler::read_lines`].
    pub lines: Vec<(u64, u32)>,
    text: String,
    normalized: String,
    units: Vec<u64>,
    /// The shingle hashes of the last [`Shingler::shingle`].
    pub shingles: Vec<u64>,
    /// Counts distinct shingles.
    pub distinct: Distinct,
}

impl Shingler {
    /// Fills `lines` with the keys and lengths of the text's short lines.
    pub fn read_lines(&mut self, text: &str) {
        self.lines.clear();
        for line in boilerplate::raw_lines(text) {
            if let Some(key) = boilerplate::line_key(line, &mut self.line_words) {
                self.lines.push((key, line.len() as u32));
            }
        }
    }

    /// Tokenises `text` into `words` without its boilerplate lines (all of
    /// it when every line is boilerplate: an article made only of template
    /// text is better compared on it than not at all).
    pub fn read_words(&mut self, text: &str, boiler: &Boilerplate) {
        self.words.clear();
        let mut dropped = false;
        for line in boilerplate::raw_lines(text) {
            let mark = self.words.len();
            self.words.extend(line);
            // Long lines are keyed by their raw bytes (`boilerplate.rs`).
            let short = line.len() <= boilerplate::MAX_LINE_BYTES;
            let drop = self.words.len() > mark
                && !boiler.is_empty()
                && boiler.contains(if short {
                    line_hash(&self.words.hashes[mark..])
                } else {
                    boilerplate::long_line_key(line)
                });
            if drop {
                self.words.truncate(mark);
                dropped = true;
            }
        }
        if dropped && self.words.is_empty() {
            self.words.tokenize(text);
        }
    }

    /// Fills `shingles` from `text` without its boilerplate lines.
    pub fn shingle(&mut self, text: &str, cfg: &ShingleConfig, boiler: &Boilerplate) {
        self.shingles.clear();
        match cfg.unit {
            ShingleUnit::Words => {
                self.read_words(text, boiler);
                fold_windows(&self.words.hashes, cfg.k, &mut self.shingles);
            }
            ShingleUnit::Chars => {
                self.text.clear();
                let mut kept_any = false;
                for line in boilerplate::raw_lines(text) {
                    let drop = boilerplate::line_key(line, &mut self.line_words)
                        .is_some_and(|k| boiler.contains(k));
                    if !drop {
                        self.text.push_str(line);
                        self.text.push('\n');
                        kept_any |=
                            !self.line_words.is_empty() || line.len() > boilerplate::MAX_LINE_BYTES;
                    }
                }
                let source = if kept_any { self.text.as_str() } else { text };
                normalize_into(source, &mut self.normalized);
                char_units(self.normalized.lines(), &mut self.units);
                fold_windows(&self.units, cfg.k, &mut self.shingles);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_windows_and_short_texts() {
        assert_eq!(word_shingles("a b c d e f g", 5).len(), 3);
        assert_eq!(word_shingles("a b", 5).len(), 1);
        assert!(word_shingles(" -- ", 5).is_empty());
    }

    #[test]
    fn same_words_same_hashes_wherever_they_stand() {
        let a = word_shingles("x y A b c", 3);
        let b = word_shingles("a B, c!\nz", 3);
        assert_eq!(a[2], b[0]);
        assert_ne!(a[0], a[1]);
    }

    #[test]
    fn order_matters_within_a_shingle() {
        assert_ne!(word_shingles("a b", 2), word_shingles("b a", 2));
    }

    #[test]
    fn char_shingles_span_lines_with_a_space() {
        assert_eq!(char_shingles("ab\ncd", 3), char_shingles("ab cd", 3));
        assert_eq!(char_shingles("AB, cd", 3).len(), 3);
    }

    #[test]
    fn distinct_counts_ignore_repeats() {
        let mut d = Distinct::default();
        assert_eq!(d.count(&[5, 1, 5, 3, 1]), 3);
        assert_eq!(d.count(&[]), 0);
        let many: Vec<u64> = (0..5000).map(|i| ((i % 1234) << 40) | (i % 1234)).collect();
        assert_eq!(d.count(&many), 1234);
        assert_eq!(d.count(&[7, 7]), 1);
    }

    #[test]
    fn home_slots_cover_tables_past_2_to_the_24() {
        let bits = 26;
        assert_eq!(home_slot(u64::MAX, bits), (1 << bits) - 1);
        assert_eq!(home_slot(0, bits), 0);
        assert_eq!(home_slot(1 << 63, bits), 1 << (bits - 1));
    }

    #[test]
    fn hashes_are_stable_across_versions() {
        // Changing this value changes every signature ever written.
        assert_eq!(word_shingles("news story", 2)[0], 0xa98e_bfb8_1cf0_14e3);
    }
}
