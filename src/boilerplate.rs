//! Boilerplate lines found by document frequency.
//!
//! Outlet templates ("Leave a Reply", share bars, newsletter blurbs,
//! copyright lines) make unrelated articles of one outlet look alike and
//! dilute real reprints. A fixed phrase list misses most of them, so this
//! stage learns them from the collection: a normalised line is boilerplate
//! when it recurs in at least `min_docs` documents **that are otherwise
//! different**.
//!
//! The "otherwise different" part matters: the paragraphs of a wire story
//! reprinted by fifty outlets recur fifty times too, and removing them would
//! hide the very duplicates the tool looks for. Each occurrence of a line is
//! therefore tagged with [`CONTEXTS`] *contexts*: under each of a few hash
//! seeds, the smallest hash among the other lines of its document (a
//! MinHash of the rest of the document). Copies of one article mostly share
//! their contexts, even when each outlet adds a line of its own (that line
//! is the minimum under some seeds, rarely under all); unrelated articles
//! share none. A line is boilerplate when, under every seed, it has at least
//! `min_docs` distinct contexts and those make up at least half of its
//! occurrences.

use ahash::AHashSet;

use crate::normalize::{Words, line_hash};

/// Lines longer than this (in bytes of raw text) are never boilerplate.
/// Templates are short ("Leave a Reply", share bars, newsletter blurbs,
/// copyright lines, "READ MORE: <headline>"); skipping long paragraphs lets
/// the learning pass read most of the text with `memchr` only.
pub const MAX_LINE_BYTES: usize = 320;

/// The raw lines of a text, split at `\n` (found with `memchr`).
pub fn raw_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', text.as_bytes()).chain(std::iter::once(text.len()));
    ends.map(move |end| {
        // `\n` is ASCII, so both ends are character boundaries.
        let line = text.get(start..end).unwrap_or("");
        start = end + 1;
        line
    })
}

/// The key of a raw line that may be boilerplate: the hash of its
/// normalised words, or `None` for long lines and lines without words.
/// `words` is scratch space.
pub fn line_key(line: &str, words: &mut Words) -> Option<u64> {
    if line.len() > MAX_LINE_BYTES {
        return None;
    }
    words.tokenize(line);
    (!words.is_empty()).then(|| line_hash(&words.hashes))
}
use rayon::prelude::*;

use crate::minhash::mix64;

/// Number of hash seeds a line's context is taken under.
pub const CONTEXTS: usize = 4;

/// One occurrence of a line: its hash and its contexts in one document.
pub type Observation = (u64, [u32; CONTEXTS]);

const SEEDS: [u64; CONTEXTS] = [
    0x243F_6A88_85A3_08D3,
    0x1319_8A2E_0370_7344,
    0xA409_3822_299F_31D0,
    0x082E_FA98_EC4E_6C89,
];

/// Appends one observation per distinct line of a document.
///
/// `lines` are the hashes of the document's normalised lines, in any order;
/// the vector is sorted and deduplicated in place.
pub fn observe(lines: &mut Vec<u64>, out: &mut Vec<Observation>) {
    lines.sort_unstable();
    lines.dedup();
    if lines.len() == 1 {
        // A one-line document gives its line no context: copies of a one-line
        // brief must not make the brief look like boilerplate.
        out.push((lines[0], [u32::MAX; CONTEXTS]));
        return;
    }
    // The two smallest mixed hashes under each seed.
    let mut low = [(u64::MAX, u64::MAX); CONTEXTS];
    for &h in lines.iter() {
        for (l, seed) in low.iter_mut().zip(SEEDS) {
            let x = mix64(h ^ seed);
            if x < l.0 {
                *l = (x, l.0);
            } else if x < l.1 {
                l.1 = x;
            }
        }
    }
    for &h in lines.iter() {
        let mut ctx = [0u32; CONTEXTS];
        for ((c, l), seed) in ctx.iter_mut().zip(low).zip(SEEDS) {
            let other = if mix64(h ^ seed) == l.0 { l.1 } else { l.0 };
            *c = (other >> 32) as u32;
        }
        out.push((h, ctx));
    }
}

/// The set of boilerplate line hashes.
#[derive(Debug, Default, Clone)]
pub struct Boilerplate {
    lines: AHashSet<u64>,
}

impl Boilerplate {
    /// Learns the boilerplate set from all observations of a collection.
    pub fn learn(mut observations: Vec<Observation>, min_docs: u32) -> Boilerplate {
        observations.par_sort_unstable_by_key(|o| o.0);
        let min_docs = min_docs as usize;
        let mut lines = AHashSet::new();
        let mut ctx: Vec<u32> = Vec::new();
        for run in observations.chunk_by(|a, b| a.0 == b.0) {
            let occurrences = run.len();
            if occurrences < min_docs {
                continue;
            }
            let fewest = (0..CONTEXTS)
                .map(|j| {
                    ctx.clear();
                    ctx.extend(run.iter().map(|o| o.1[j]));
                    ctx.sort_unstable();
                    ctx.dedup();
                    ctx.len()
                })
                .min()
                .unwrap_or(0);
            if fewest >= min_docs && 2 * fewest >= occurrences {
                lines.insert(run[0].0);
            }
        }
        Boilerplate { lines }
    }

    /// Whether the line with this hash is boilerplate.
    pub fn contains(&self, line: u64) -> bool {
        self.lines.contains(&line)
    }

    /// Number of distinct boilerplate lines.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Whether no line is boilerplate.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn learn(docs: &[&[u64]], min_docs: u32) -> Boilerplate {
        let mut obs = Vec::new();
        for d in docs {
            observe(&mut d.to_vec(), &mut obs);
        }
        Boilerplate::learn(obs, min_docs)
    }

    #[test]
    fn template_line_in_different_articles_is_boilerplate() {
        // Line 99 closes three articles that share nothing else.
        let b = learn(&[&[10, 11, 99], &[20, 21, 99], &[30, 31, 99]], 3);
        assert!(b.contains(99));
        assert_eq!(b.len(), 1);
    }

    #[test]
    fn reprinted_paragraphs_are_not_boilerplate() {
        // Five reprints of one story (lines 1..=4), each with its own header
        // line; the shared paragraphs recur five times in one context.
        let docs: Vec<Vec<u64>> = (0..5).map(|i| vec![100 + i, 1, 2, 3, 4]).collect();
        let refs: Vec<&[u64]> = docs.iter().map(Vec::as_slice).collect();
        let b = learn(&refs, 3);
        assert!(b.is_empty(), "{b:?}");
    }

    #[test]
    fn reprints_with_outlet_lines_of_their_own_keep_their_paragraphs() {
        // Four copies of a six-paragraph story, each with a header and a
        // footer line of its outlet (lines 100+ and 200+).
        let docs: Vec<Vec<u64>> = (0..4)
            .map(|i| vec![100 + i, 1, 2, 3, 4, 5, 6, 200 + i])
            .collect();
        let refs: Vec<&[u64]> = docs.iter().map(Vec::as_slice).collect();
        let b = learn(&refs, 3);
        assert!((1..=6).all(|l| !b.contains(l)), "{b:?}");
    }

    #[test]
    fn too_few_documents_is_not_boilerplate() {
        let b = learn(&[&[10, 11, 99], &[20, 21, 99]], 3);
        assert!(b.is_empty());
    }

    #[test]
    fn one_line_briefs_repeated_are_not_boilerplate() {
        let b = learn(&[&[7], &[7], &[7], &[7]], 3);
        assert!(b.is_empty());
    }
}
