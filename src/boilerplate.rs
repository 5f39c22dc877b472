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
//! hide the very duplicates the tool looks for. Three tests tell template
//! text from shared story text; a line is boilerplate only if it passes all:
//!
//! 1. **Contexts.** Each occurrence of a line is tagged, under each of
//!    [`CONTEXTS`] hash seeds, with the smallest hash among the other lines
//!    of its document that are not wide (a MinHash of the rest of the
//!    document; a line alone in its document has no context). Copies
//!    of one article mostly share their contexts; unrelated articles share
//!    none. Under every seed the line needs `min_docs` distinct contexts,
//!    making up at least half of its occurrences.
//! 2. **Outlets.** Templates belong to an outlet; syndicated text crosses
//!    outlets. With `s` distinct known sources among its occurrences, a line
//!    needs `min_docs · s` distinct contexts: a template of one outlet needs
//!    `min_docs`, a line on every article of three outlets `3 · min_docs`,
//!    and a wire paragraph in five outlets' copies far more than it has.
//! 3. **Share of the text.** Template lines are a small part of the articles
//!    that carry them, while a trimmed copy is made almost only of the
//!    lines it shares with its original. The recurring lines (those seen
//!    `min_docs` times or more) must cover, on average over the line's
//!    documents, at most half of their text. Wide lines (below) are found
//!    first, and this share is taken of the text they leave: a site's
//!    teasers are weighed against its articles, not against its menus.
//!
//! Test 3 is waived for a **wide** line, one whose documents are unrelated
//! beyond doubt: in at least [`WIDE_FACTOR`] `· min_docs` distinct
//! contexts, and in no fewer than test 2 asks for, making up half of its
//! occurrences, where the contexts are taken over each document's rare
//! lines only (a template's other lines recur with it and would otherwise
//! give every page the same context), and only in documents with
//! [`RARE_MIN_BYTES`] of such text. On full
//! web pages a site's template outweighs each article (menus, teasers,
//! footers), and a 400-word disclaimer can be most of a short article, yet
//! both recur on hundreds of pages that share nothing else; trimmed copies
//! of one story share their contexts, or are too few.
//!
//! Lines longer than [`MAX_LINE_BYTES`] (paragraphs) are keyed by a hash of
//! their raw bytes, which costs no tokenising, and are boilerplate only as
//! such wide lines: a paragraph recurring in a few documents is far more
//! often a reprint (edited elsewhere, so its contexts differ) than a
//! template. A long disclaimer, newsletter block or cookie notice is
//! copied byte for byte into hundreds of articles (issue 11).

use std::sync::atomic::{AtomicU64, Ordering};

use ahash::AHashSet;

use crate::hash::line_hash;
use crate::tokenize::Words;

/// Lines up to this length (in bytes of raw text) are keyed by their
/// normalised words; longer ones by their raw bytes. Templates are mostly
/// short ("Leave a Reply", share bars, newsletter blurbs, copyright lines,
/// `READ MORE: <headline>`); hashing long paragraphs' bytes lets the
/// learning pass read most of the text without tokenising it.
pub const MAX_LINE_BYTES: usize = 320;

/// How many times `min_docs` distinct contexts a line needs for test 3 to
/// be waived (and for a long line to be boilerplate at all): with the
/// default `min_docs` of 3, 24 unrelated documents. A template shared by
/// the sites of one network needs no more (test 2 still asks for
/// `min_docs` per outlet), while wire copy reprinted by many outlets has
/// too few contexts for its many outlets.
pub const WIDE_FACTOR: usize = 8;

/// Bytes of rare lines a document needs to give a wide line a context:
/// a web page's or disclaimer-carrying article's own text is longer, a
/// reprint's own header and footer lines are shorter.
pub const RARE_MIN_BYTES: u64 = 256;

/// The key of a long line: its trimmed raw bytes' hash.
pub fn long_line_key(line: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(line.trim().as_bytes())
}

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
/// normalised words ([`long_line_key`] for long lines), or `None` for lines
/// without words. `words` is scratch space (left empty for long lines).
pub fn line_key(line: &str, words: &mut Words) -> Option<u64> {
    if line.len() > MAX_LINE_BYTES {
        words.clear();
        return Some(long_line_key(line));
    }
    words.tokenize(line);
    (!words.is_empty()).then(|| line_hash(&words.hashes))
}
use rayon::prelude::*;

use crate::hash::mix64;

/// Number of hash seeds a line's context is taken under.
pub const CONTEXTS: usize = 4;

/// One occurrence of a line in one document. Its contexts are found when
/// the whole collection has been seen ([`Boilerplate::learn`]): they leave
/// out the lines that turn out to be a template.
#[derive(Debug, Clone, Copy)]
pub struct Observation {
    /// The line's key ([`line_key`]).
    pub line: u64,
    /// The document (its position in the learning pass).
    pub doc: u32,
    /// The line's length in bytes.
    pub bytes: u32,
    /// A hash of the document's source, 0 when unknown.
    pub source: u32,
}

const SEEDS: [u64; CONTEXTS] = [
    0x243F_6A88_85A3_08D3,
    0x1319_8A2E_0370_7344,
    0xA409_3822_299F_31D0,
    0x082E_FA98_EC4E_6C89,
];

/// The source id of an outlet name (0 for none).
pub fn source_id(source: Option<&str>) -> u32 {
    source.map_or(0, |s| {
        (xxhash_rust::xxh3::xxh3_64(s.trim().as_bytes()) as u32).max(1)
    })
}

/// Appends one observation per distinct line of document `doc`.
///
/// `lines` holds `(key, bytes)` of the document's lines, in any order; it
/// is sorted and deduplicated in place.
pub fn observe(lines: &mut Vec<(u64, u32)>, doc: u32, source: u32, out: &mut Vec<Observation>) {
    lines.sort_unstable();
    lines.dedup_by_key(|l| l.0);
    out.extend(lines.iter().map(|&(line, bytes)| Observation {
        line,
        doc,
        bytes,
        source,
    }));
}

/// Distinct values of `key` over `run`; `scratch` is reused.
fn distinct(
    run: &[Observation],
    scratch: &mut Vec<u32>,
    key: impl Fn(&Observation) -> u32,
) -> usize {
    scratch.clear();
    scratch.extend(run.iter().map(key));
    scratch.sort_unstable();
    scratch.dedup();
    scratch.len()
}

/// Distinct known sources among the line's occurrences (at least 1).
fn known_sources(run: &[Observation], scratch: &mut Vec<u32>) -> usize {
    let sources = distinct(run, scratch, |o| o.source);
    let unknown = usize::from(run.iter().any(|o| o.source == 0));
    (sources - unknown).max(1)
}

/// Whether the line observed in `run` is wide (module docs): `rare[d]` are
/// document `d`'s contexts taken over its rare lines only.
fn is_wide(
    run: &[Observation],
    min_docs: usize,
    rare: &[[u32; CONTEXTS]],
    scratch: &mut Vec<u32>,
) -> bool {
    let wide_min = WIDE_FACTOR * min_docs;
    if run.len() < wide_min {
        return false;
    }
    let known = known_sources(run, scratch);
    // The other lines of a template recur as often as it does, so its
    // contexts are taken over each document's rare lines: the article.
    let fewest = (0..CONTEXTS)
        .map(|j| distinct(run, scratch, |o| rare[o.doc as usize][j]))
        .min()
        .unwrap_or(0);
    fewest >= wide_min.max(min_docs * known) && 2 * fewest >= run.len()
}

/// The context of `line` in a document whose other lines' two smallest
/// mixed hashes under `seed` are `low`: the smallest that is not the line's
/// own (none, `u32::MAX`, when the line is alone in the document).
fn context(low: (u64, u64), line: u64, seed: u64) -> u32 {
    let other = if mix64(line ^ seed) == low.0 {
        low.1
    } else {
        low.0
    };
    (other >> 32) as u32
}

/// Whether the short line observed in `run` (all its occurrences, at least
/// `min_docs`) passes the three tests of the module docs. `covered[d]` is
/// the bytes of document `d` in recurring lines and `own[d]` the length of
/// its text, both without its wide lines; `low[d]` the two smallest mixed
/// hashes of its lines that are not wide, for the contexts.
fn passes_tests(
    run: &[Observation],
    min_docs: usize,
    own: &[u64],
    covered: &[u64],
    low: &[[(u64, u64); CONTEXTS]],
    scratch: &mut Vec<u32>,
) -> bool {
    let occurrences = run.len();
    let line = run[0].line;
    let fewest = (0..CONTEXTS)
        .map(|j| {
            distinct(run, scratch, |o| {
                context(low[o.doc as usize][j], line, SEEDS[j])
            })
        })
        .min()
        .unwrap_or(0);
    if fewest < min_docs || 2 * fewest < occurrences {
        return false;
    }
    if fewest < min_docs * known_sources(run, scratch) {
        return false;
    }
    let share: f64 = run
        .iter()
        .map(|o| {
            let total = own[o.doc as usize].max(1) as f64;
            (covered[o.doc as usize] as f64 / total).min(1.0)
        })
        .sum::<f64>()
        / occurrences as f64;
    share <= 0.5
}

/// The set of boilerplate line keys.
#[derive(Debug, Default, Clone)]
pub struct Boilerplate {
    lines: AHashSet<u64>,
}

impl Boilerplate {
    /// Learns the boilerplate set from all observations of a collection;
    /// `doc_bytes[d]` is the text length of document `d`.
    pub fn learn(mut obs: Vec<Observation>, doc_bytes: &[u32], min_docs: u32) -> Boilerplate {
        let min_docs = min_docs as usize;
        obs.par_sort_unstable_by_key(|o| (o.line, o.doc));
        let n = doc_bytes.len();
        // Sums and minima of integers commute, so the parallel updates
        // below give the same values whatever the schedule.
        let counters = || -> Vec<AtomicU64> { (0..n).map(|_| AtomicU64::new(0)).collect() };
        let settle =
            |v: Vec<AtomicU64>| -> Vec<u64> { v.into_iter().map(AtomicU64::into_inner).collect() };

        // Contexts over each document's rare lines (seen fewer than
        // `min_docs` times: its own text, not even a teaser of it on other
        // pages), for the wide test.
        let rare: Vec<[AtomicU64; CONTEXTS]> = (0..n)
            .map(|_| std::array::from_fn(|_| AtomicU64::new(u64::MAX)))
            .collect();
        let rare_bytes = counters();
        obs.par_chunk_by(|a, b| a.line == b.line)
            .filter(|run| run.len() < min_docs)
            .for_each(|run| {
                for o in run {
                    for (slot, seed) in rare[o.doc as usize].iter().zip(SEEDS) {
                        slot.fetch_min(mix64(o.line ^ seed), Ordering::Relaxed);
                    }
                    rare_bytes[o.doc as usize].fetch_add(u64::from(o.bytes), Ordering::Relaxed);
                }
            });
        // A document with little text of its own (a reprint with its own
        // header line) gives no context: all such documents share one.
        let rare: Vec<[u32; CONTEXTS]> = rare
            .into_iter()
            .zip(settle(rare_bytes))
            .map(|(r, b)| {
                if b < RARE_MIN_BYTES {
                    [u32::MAX; CONTEXTS]
                } else {
                    r.map(|x| (x.into_inner() >> 32) as u32)
                }
            })
            .collect();

        // Wide lines first; the rest is judged on the text they leave, so a
        // site's teasers count against its article, not against its menus.
        let wide_bytes = counters();
        let wide: Vec<u64> = obs
            .par_chunk_by(|a, b| a.line == b.line)
            .map_init(Vec::new, |scratch, run| {
                is_wide(run, min_docs, &rare, scratch).then(|| {
                    for o in run {
                        wide_bytes[o.doc as usize].fetch_add(u64::from(o.bytes), Ordering::Relaxed);
                    }
                    run[0].line
                })
            })
            .flatten()
            .collect();
        let wide_bytes = settle(wide_bytes);
        let wide_set: AHashSet<u64> = wide.iter().copied().collect();
        let own: Vec<u64> = doc_bytes
            .iter()
            .zip(&wide_bytes)
            .map(|(&d, &w)| u64::from(d).saturating_sub(w))
            .collect();
        // Test 3 needs, per document, the bytes covered by recurring lines.
        let covered = counters();
        obs.par_chunk_by(|a, b| a.line == b.line)
            .filter(|run| run.len() >= min_docs && !wide_set.contains(&run[0].line))
            .for_each(|run| {
                for o in run {
                    covered[o.doc as usize].fetch_add(u64::from(o.bytes), Ordering::Relaxed);
                }
            });
        let covered = settle(covered);
        // Contexts without the wide lines: a site's menus would otherwise
        // be every page's context, and its teasers would look like one
        // article's paragraphs. One serial pass (a few mixes per line).
        let mut low = vec![[(u64::MAX, u64::MAX); CONTEXTS]; n];
        for run in obs.chunk_by(|a, b| a.line == b.line) {
            if wide_set.contains(&run[0].line) {
                continue;
            }
            let mixed: [u64; CONTEXTS] = std::array::from_fn(|j| mix64(run[0].line ^ SEEDS[j]));
            for o in run {
                for (l, &x) in low[o.doc as usize].iter_mut().zip(&mixed) {
                    if x < l.0 {
                        *l = (x, l.0);
                    } else if x < l.1 {
                        l.1 = x;
                    }
                }
            }
        }
        let mut lines: Vec<u64> = obs
            .par_chunk_by(|a, b| a.line == b.line)
            .filter(|run| {
                run.len() >= min_docs
                    && run[0].bytes as usize <= MAX_LINE_BYTES
                    && !wide_set.contains(&run[0].line)
            })
            .map_init(Vec::new, |scratch, run| {
                passes_tests(run, min_docs, &own, &covered, &low, scratch).then_some(run[0].line)
            })
            .flatten()
            .collect();
        lines.extend(wide);
        Boilerplate {
            lines: lines.into_iter().collect(),
        }
    }

    /// The set of exactly these line keys: boilerplate learnt elsewhere
    /// (by a job that gathered [`observe`]'s observations itself).
    pub fn from_lines(lines: impl IntoIterator<Item = u64>) -> Boilerplate {
        Boilerplate {
            lines: lines.into_iter().collect(),
        }
    }

    /// The boilerplate line keys, in no order.
    pub fn lines(&self) -> impl Iterator<Item = u64> + '_ {
        self.lines.iter().copied()
    }

    /// Whether the line with this key is boilerplate.
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

    /// Documents as `(source, [(line, bytes)])`; each document's length is
    /// the sum of its lines plus `body` bytes of text in long lines.
    fn learn(docs: &[(u32, &[(u64, u32)])], body: u32, min_docs: u32) -> Boilerplate {
        let mut obs = Vec::new();
        let mut bytes = Vec::new();
        for (d, (source, lines)) in docs.iter().enumerate() {
            observe(&mut lines.to_vec(), d as u32, *source, &mut obs);
            bytes.push(body + lines.iter().map(|l| l.1).sum::<u32>());
        }
        Boilerplate::learn(obs, &bytes, min_docs)
    }

    #[test]
    fn template_line_in_different_articles_is_boilerplate() {
        // Line 99 closes three articles of one outlet that share nothing else.
        let docs: [(u32, &[(u64, u32)]); 3] = [
            (1, &[(10, 100), (11, 100), (99, 30)]),
            (1, &[(20, 100), (21, 100), (99, 30)]),
            (1, &[(30, 100), (31, 100), (99, 30)]),
        ];
        let b = learn(&docs, 1000, 3);
        assert!(b.contains(99));
        assert_eq!(b.len(), 1);
        // Without sources it is found too.
        let anon: Vec<(u32, &[(u64, u32)])> = docs.iter().map(|d| (0, d.1)).collect();
        assert!(learn(&anon, 1000, 3).contains(99));
    }

    #[test]
    fn reprinted_paragraphs_are_not_boilerplate() {
        // Five reprints of one story (lines 1..=4), each with its own header
        // line; the shared paragraphs recur five times in one context.
        let docs: Vec<Vec<(u64, u32)>> = (0..5)
            .map(|i| vec![(100 + i, 20), (1, 200), (2, 200), (3, 200), (4, 200)])
            .collect();
        let refs: Vec<(u32, &[(u64, u32)])> = docs.iter().map(|d| (0, d.as_slice())).collect();
        assert!(learn(&refs, 0, 3).is_empty());
    }

    #[test]
    fn reprints_with_outlet_lines_of_their_own_keep_their_paragraphs() {
        // Four copies of a six-paragraph story by four outlets, each with a
        // header and a footer line of its outlet (lines 100+ and 200+).
        let docs: Vec<Vec<(u64, u32)>> = (0..4)
            .map(|i| {
                let mut d = vec![(100 + i, 20), (200 + i, 20)];
                d.extend((1..=6).map(|l| (l, 150)));
                d
            })
            .collect();
        let refs: Vec<(u32, &[(u64, u32)])> = docs
            .iter()
            .enumerate()
            .map(|(i, d)| (i as u32 + 1, d.as_slice()))
            .collect();
        let b = learn(&refs, 0, 3);
        assert!((1..=6).all(|l| !b.contains(l)), "{b:?}");
    }

    #[test]
    fn trimmed_copies_without_sources_keep_their_paragraphs() {
        // An original of four paragraphs and two copies cut to its first
        // two, each with a template line of its own: the shared paragraphs
        // are most of the copies' text.
        let docs: [(u32, &[(u64, u32)]); 3] = [
            (0, &[(1, 180), (2, 180), (3, 180), (4, 180), (90, 50)]),
            (0, &[(1, 180), (2, 180), (91, 50)]),
            (0, &[(1, 180), (2, 180), (92, 50)]),
        ];
        let b = learn(&docs, 0, 3);
        assert!(!b.contains(1) && !b.contains(2), "{b:?}");
    }

    #[test]
    fn too_few_documents_is_not_boilerplate() {
        let docs: [(u32, &[(u64, u32)]); 2] = [(0, &[(10, 9), (99, 9)]), (0, &[(20, 9), (99, 9)])];
        assert!(learn(&docs, 1000, 3).is_empty());
    }

    #[test]
    fn a_long_paragraph_in_many_unrelated_documents_is_boilerplate() {
        // Line 7 (2,400 bytes, far more than the rest of each document) in
        // 30 articles of one outlet that share nothing else.
        let docs: Vec<Vec<(u64, u32)>> = (0..30)
            .map(|i| vec![(1000 + 2 * i, 300), (1001 + 2 * i, 300), (7, 2400)])
            .collect();
        let refs: Vec<(u32, &[(u64, u32)])> = docs.iter().map(|d| (1, d.as_slice())).collect();
        assert!(learn(&refs, 0, 3).contains(7));
        // In a few documents it is not: a paragraph recurring a few times is
        // more often a reprint than a template.
        assert!(learn(&refs[..10], 0, 3).is_empty());
    }

    #[test]
    fn a_template_that_outweighs_its_pages_is_boilerplate_on_a_large_site() {
        // Six template lines (1,200 bytes) around 300 bytes of article on
        // each of 40 pages of one site; on 5 pages the share test keeps them.
        let docs: Vec<Vec<(u64, u32)>> = (0..40)
            .map(|i| {
                let mut d: Vec<(u64, u32)> = (1..=6).map(|l| (l, 200)).collect();
                d.push((100 + i, 300));
                d
            })
            .collect();
        let refs: Vec<(u32, &[(u64, u32)])> = docs.iter().map(|d| (1, d.as_slice())).collect();
        let b = learn(&refs, 0, 3);
        assert!((1..=6).all(|l| b.contains(l)), "{b:?}");
        assert!(learn(&refs[..5], 0, 3).is_empty());
    }

    #[test]
    fn a_network_template_across_many_sites_is_boilerplate_but_wire_copy_is_not() {
        // Line 5, twice the length of each article, closes 60 unrelated
        // pages of 20 sites (3 each); line 6 is a wire paragraph reprinted
        // once by each of 30 sites, every copy with 300 bytes of its own.
        let docs: Vec<(u32, Vec<(u64, u32)>)> = (0..60u64)
            .map(|i| (1 + (i % 20) as u32, vec![(1000 + i, 300), (5, 600)]))
            .chain((0..30u64).map(|i| (100 + i as u32, vec![(2000 + i, 300), (6, 400)])))
            .collect();
        let refs: Vec<(u32, &[(u64, u32)])> =
            docs.iter().map(|(s, d)| (*s, d.as_slice())).collect();
        let b = learn(&refs, 0, 3);
        assert!(b.contains(5), "{b:?}");
        assert!(!b.contains(6), "{b:?}");
    }

    #[test]
    fn teasers_on_a_templated_site_are_boilerplate() {
        // 40 pages of one site: six template lines, an article of its own,
        // and three teaser headlines drawn from a pool of 20 (each on about
        // 6 pages).
        // The template would be every page's context; without it, each
        // teaser sits in pages that share nothing else.
        let docs: Vec<Vec<(u64, u32)>> = (0..40u64)
            .map(|i| {
                let mut d: Vec<(u64, u32)> = (1..=6).map(|l| (l, 200)).collect();
                d.push((1000 + i, 600));
                d.extend((0..3).map(|t| (100 + mix64(i * 3 + t) % 20, 60)));
                d
            })
            .collect();
        let refs: Vec<(u32, &[(u64, u32)])> = docs.iter().map(|d| (1, d.as_slice())).collect();
        let b = learn(&refs, 0, 3);
        assert!((1..=6).all(|l| b.contains(l)), "{b:?}");
        // A teaser drawn onto too few pages, or only onto pages that share
        // their other teasers, may stay.
        let teasers = (100..120).filter(|t| b.contains(*t)).count();
        assert!(teasers >= 18, "{b:?}");
        assert!((1000..1040).all(|t| !b.contains(t)));
    }

    #[test]
    fn many_anonymous_reprints_keep_their_paragraphs() {
        // Thirty copies of a five-paragraph story, no sources, each with a
        // header line of its own: too little own text to be unrelated.
        let docs: Vec<Vec<(u64, u32)>> = (0..30)
            .map(|i| {
                let mut d = vec![(100 + i, 40)];
                d.extend((1..=5).map(|l| (l, 400)));
                d
            })
            .collect();
        let refs: Vec<(u32, &[(u64, u32)])> = docs.iter().map(|d| (0, d.as_slice())).collect();
        assert!(learn(&refs, 0, 3).is_empty());
    }

    #[test]
    fn one_line_briefs_repeated_are_not_boilerplate() {
        let docs: Vec<(u32, &[(u64, u32)])> = (0..4).map(|_| (0, &[(7, 40)][..])).collect();
        assert!(learn(&docs, 0, 3).is_empty());
    }
}
