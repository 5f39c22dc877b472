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

/// One occurrence of a line as the tests weigh it: its document's source,
/// the line's context there under each seed, and the share of that
/// document's text in recurring lines (test 3; unused by the wide test).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Seen {
    /// The document's source id ([`source_id`]).
    pub source: u32,
    /// The line's context in the document under each seed: for the wide
    /// test the document's [`rare_contexts`], for the others [`contexts`].
    pub contexts: [u32; CONTEXTS],
    /// The document's [`share`].
    pub share: f64,
}

/// Distinct values of `key` over `run`; `scratch` is reused.
fn distinct(run: &[Seen], scratch: &mut Vec<u32>, key: impl Fn(&Seen) -> u32) -> usize {
    scratch.clear();
    scratch.extend(run.iter().map(key));
    scratch.sort_unstable();
    scratch.dedup();
    scratch.len()
}

/// Distinct known sources among the line's occurrences (at least 1).
fn known_sources(run: &[Seen], scratch: &mut Vec<u32>) -> usize {
    let sources = distinct(run, scratch, |o| o.source);
    let unknown = usize::from(run.iter().any(|o| o.source == 0));
    (sources - unknown).max(1)
}

/// The fewest distinct contexts of the line over the seeds.
fn fewest_contexts(run: &[Seen], scratch: &mut Vec<u32>) -> usize {
    (0..CONTEXTS)
        .map(|j| distinct(run, scratch, |o| o.contexts[j]))
        .min()
        .unwrap_or(0)
}

/// Whether a line seen `count` times may be wide (and is to be tested so).
pub fn may_be_wide(count: usize, min_docs: usize) -> bool {
    count >= WIDE_FACTOR * min_docs
}

/// Whether a line seen `count` times recurs: its bytes count as covered
/// for test 3, and it is not one of a document's rare lines.
pub fn recurs(count: usize, min_docs: usize) -> bool {
    count >= min_docs
}

/// Whether a line seen `count` times, `first_bytes` long in the first
/// document that has it, is judged by the three tests when it is not wide:
/// it recurs and is at most [`MAX_LINE_BYTES`] long.
pub fn is_tested(count: usize, first_bytes: u32, min_docs: usize) -> bool {
    recurs(count, min_docs) && first_bytes as usize <= MAX_LINE_BYTES
}

/// Whether the line with these occurrences (contexts taken over each
/// document's rare lines, [`rare_contexts`]) is wide (module docs).
pub fn is_wide(run: &[Seen], min_docs: usize, scratch: &mut Vec<u32>) -> bool {
    let wide_min = WIDE_FACTOR * min_docs;
    if run.len() < wide_min {
        return false;
    }
    let known = known_sources(run, scratch);
    // The other lines of a template recur as often as it does, so its
    // contexts are taken over each document's rare lines: the article.
    let fewest = fewest_contexts(run, scratch);
    fewest >= wide_min.max(min_docs * known) && 2 * fewest >= run.len()
}

/// The mixed hashes of a line under the context seeds: a document gives a
/// line the smallest of its other lines' as context.
pub fn mixes(line: u64) -> [u64; CONTEXTS] {
    std::array::from_fn(|j| mix64(line ^ SEEDS[j]))
}

/// A document's contexts for the wide test, from the smallest [`mixes`] of
/// its rare lines under each seed (`u64::MAX` for none) and the bytes of
/// those lines: none (`u32::MAX`) for a document with too little text of
/// its own (a reprint with its own header line gives no context: all such
/// documents share one).
pub fn rare_contexts(lowest: [u64; CONTEXTS], rare_bytes: u64) -> [u32; CONTEXTS] {
    if rare_bytes < RARE_MIN_BYTES {
        [u32::MAX; CONTEXTS]
    } else {
        lowest.map(|x| (x >> 32) as u32)
    }
}

/// The two smallest [`mixes`] under each seed of a document's lines that
/// are not wide, from which each line's context there is taken.
pub type Lowest = [(u64, u64); CONTEXTS];

/// [`Lowest`] of a document without lines.
pub const NO_LINES: Lowest = [(u64::MAX, u64::MAX); CONTEXTS];

/// Counts one more line (its [`mixes`]) into a document's [`Lowest`].
pub fn keep_lowest(low: &mut Lowest, mixed: &[u64; CONTEXTS]) {
    for (l, &x) in low.iter_mut().zip(mixed) {
        if x < l.0 {
            *l = (x, l.0);
        } else if x < l.1 {
            l.1 = x;
        }
    }
}

/// The contexts of `line` in a document with these [`Lowest`] mixes: under
/// each seed the smallest that is not the line's own (none, `u32::MAX`,
/// when the line is alone in the document).
pub fn contexts(low: &Lowest, line: u64) -> [u32; CONTEXTS] {
    let own = mixes(line);
    std::array::from_fn(|j| {
        let other = if own[j] == low[j].0 {
            low[j].1
        } else {
            low[j].0
        };
        (other >> 32) as u32
    })
}

/// The share of a document's text in recurring lines (test 3): `covered`
/// bytes of its `own` (both without its wide lines).
pub fn share(own: u64, covered: u64) -> f64 {
    (covered as f64 / own.max(1) as f64).min(1.0)
}

/// A document's own text length without its wide lines' bytes.
pub fn own_bytes(doc_bytes: u32, wide_bytes: u64) -> u64 {
    u64::from(doc_bytes).saturating_sub(wide_bytes)
}

/// Whether the short line with these occurrences (at least `min_docs`,
/// contexts and shares without the wide lines, in document order: the
/// shares are summed in that order) passes the three tests of the module
/// docs.
pub fn passes_tests(run: &[Seen], min_docs: usize, scratch: &mut Vec<u32>) -> bool {
    let occurrences = run.len();
    let fewest = fewest_contexts(run, scratch);
    if fewest < min_docs || 2 * fewest < occurrences {
        return false;
    }
    if fewest < min_docs * known_sources(run, scratch) {
        return false;
    }
    let share: f64 = run.iter().map(|o| o.share).sum::<f64>() / occurrences as f64;
    share <= 0.5
}

/// What the tests read of one document, for a job that learns with the
/// occurrences of each line spread over machines (the same values as
/// [`Boilerplate::learn`] finds in its passes over all lines).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DocView {
    /// Its lines' [`Lowest`] mixes, wide lines left out.
    pub low: Lowest,
    /// Its [`share`] of text in recurring lines.
    pub share: f64,
}

impl DocView {
    /// The view of a document of `doc_bytes` from its lines as `(key,
    /// bytes, times seen in the collection, wide)`.
    pub fn of(lines: &[(u64, u32, usize, bool)], doc_bytes: u32, min_docs: usize) -> DocView {
        let (mut wide, mut covered) = (0u64, 0u64);
        let mut low = NO_LINES;
        for &(line, bytes, count, is_wide) in lines {
            if is_wide {
                wide += u64::from(bytes);
                continue;
            }
            if recurs(count, min_docs) {
                covered += u64::from(bytes);
            }
            keep_lowest(&mut low, &mixes(line));
        }
        DocView {
            low,
            share: share(own_bytes(doc_bytes, wide), covered),
        }
    }
}

/// A document's [`rare_contexts`] from its lines as `(key, bytes)` that are
/// rare (not [`recurs`]).
pub fn doc_rare_contexts(rare: impl IntoIterator<Item = (u64, u32)>) -> [u32; CONTEXTS] {
    let mut lowest = [u64::MAX; CONTEXTS];
    let mut bytes = 0u64;
    for (line, b) in rare {
        for (l, x) in lowest.iter_mut().zip(mixes(line)) {
            *l = (*l).min(x);
        }
        bytes += u64::from(b);
    }
    rare_contexts(lowest, bytes)
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
            .filter(|run| !recurs(run.len(), min_docs))
            .for_each(|run| {
                let mixed = mixes(run[0].line);
                for o in run {
                    for (slot, &x) in rare[o.doc as usize].iter().zip(&mixed) {
                        slot.fetch_min(x, Ordering::Relaxed);
                    }
                    rare_bytes[o.doc as usize].fetch_add(u64::from(o.bytes), Ordering::Relaxed);
                }
            });
        let rare: Vec<[u32; CONTEXTS]> = rare
            .into_iter()
            .zip(settle(rare_bytes))
            .map(|(r, b)| rare_contexts(r.map(AtomicU64::into_inner), b))
            .collect();

        // Wide lines first; the rest is judged on the text they leave, so a
        // site's teasers count against its article, not against its menus.
        let wide_bytes = counters();
        let wide: Vec<u64> = obs
            .par_chunk_by(|a, b| a.line == b.line)
            .filter(|run| may_be_wide(run.len(), min_docs))
            .map_init(
                || (Vec::new(), Vec::new()),
                |(scratch, seen), run| {
                    seen.clear();
                    seen.extend(run.iter().map(|o| Seen {
                        source: o.source,
                        contexts: rare[o.doc as usize],
                        share: 0.0,
                    }));
                    is_wide(seen, min_docs, scratch).then(|| {
                        for o in run {
                            wide_bytes[o.doc as usize]
                                .fetch_add(u64::from(o.bytes), Ordering::Relaxed);
                        }
                        run[0].line
                    })
                },
            )
            .flatten()
            .collect();
        let wide_bytes = settle(wide_bytes);
        let wide_set: AHashSet<u64> = wide.iter().copied().collect();
        let own: Vec<u64> = doc_bytes
            .iter()
            .zip(&wide_bytes)
            .map(|(&d, &w)| own_bytes(d, w))
            .collect();
        // Test 3 needs, per document, the bytes covered by recurring lines.
        let covered = counters();
        obs.par_chunk_by(|a, b| a.line == b.line)
            .filter(|run| recurs(run.len(), min_docs) && !wide_set.contains(&run[0].line))
            .for_each(|run| {
                for o in run {
                    covered[o.doc as usize].fetch_add(u64::from(o.bytes), Ordering::Relaxed);
                }
            });
        let shares: Vec<f64> = own
            .iter()
            .zip(settle(covered))
            .map(|(&o, c)| share(o, c))
            .collect();
        // Contexts without the wide lines: a site's menus would otherwise
        // be every page's context, and its teasers would look like one
        // article's paragraphs. One serial pass (a few mixes per line).
        let mut low = vec![NO_LINES; n];
        for run in obs.chunk_by(|a, b| a.line == b.line) {
            if wide_set.contains(&run[0].line) {
                continue;
            }
            let mixed = mixes(run[0].line);
            for o in run {
                keep_lowest(&mut low[o.doc as usize], &mixed);
            }
        }
        let mut lines: Vec<u64> = obs
            .par_chunk_by(|a, b| a.line == b.line)
            .filter(|run| {
                is_tested(run.len(), run[0].bytes, min_docs) && !wide_set.contains(&run[0].line)
            })
            .map_init(
                || (Vec::new(), Vec::new()),
                |(scratch, seen), run| {
                    let line = run[0].line;
                    seen.clear();
                    seen.extend(run.iter().map(|o| Seen {
                        source: o.source,
                        contexts: contexts(&low[o.doc as usize], line),
                        share: shares[o.doc as usize],
                    }));
                    passes_tests(seen, min_docs, scratch).then_some(line)
                },
            )
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

    /// Learning as a job with each line's occurrences on other machines
    /// does it: counts per line, rare contexts per document, the wide test
    /// per line, a view per document, the tests per line.
    fn learn_by_parts(obs: &[Observation], doc_bytes: &[u32], min_docs: u32) -> Vec<u64> {
        let m = min_docs as usize;
        let mut by_line: std::collections::BTreeMap<u64, Vec<Observation>> = Default::default();
        let mut by_doc: Vec<Vec<(u64, u32)>> = vec![Vec::new(); doc_bytes.len()];
        for o in obs {
            by_line.entry(o.line).or_default().push(*o);
            by_doc[o.doc as usize].push((o.line, o.bytes));
        }
        for run in by_line.values_mut() {
            run.sort_by_key(|o| o.doc);
        }
        let count = |line: u64| by_line[&line].len();
        let rare: Vec<[u32; CONTEXTS]> = by_doc
            .iter()
            .map(|lines| {
                doc_rare_contexts(lines.iter().copied().filter(|l| !recurs(count(l.0), m)))
            })
            .collect();
        let mut scratch = Vec::new();
        let wide: AHashSet<u64> = by_line
            .iter()
            .filter(|(_, run)| may_be_wide(run.len(), m))
            .filter(|(_, run)| {
                let seen: Vec<Seen> = run
                    .iter()
                    .map(|o| Seen {
                        source: o.source,
                        contexts: rare[o.doc as usize],
                        share: 0.0,
                    })
                    .collect();
                is_wide(&seen, m, &mut scratch)
            })
            .map(|(&line, _)| line)
            .collect();
        let views: Vec<DocView> = by_doc
            .iter()
            .zip(doc_bytes)
            .map(|(lines, &bytes)| {
                let marked: Vec<(u64, u32, usize, bool)> = lines
                    .iter()
                    .map(|&(l, b)| (l, b, count(l), wide.contains(&l)))
                    .collect();
                DocView::of(&marked, bytes, m)
            })
            .collect();
        let mut out: Vec<u64> = by_line
            .iter()
            .filter(|(line, run)| is_tested(run.len(), run[0].bytes, m) && !wide.contains(line))
            .filter(|&(&line, run)| {
                let seen: Vec<Seen> = run
                    .iter()
                    .map(|o| Seen {
                        source: o.source,
                        contexts: contexts(&views[o.doc as usize].low, line),
                        share: views[o.doc as usize].share,
                    })
                    .collect();
                passes_tests(&seen, m, &mut scratch)
            })
            .map(|(&line, _)| line)
            .chain(wide.iter().copied())
            .collect();
        out.sort_unstable();
        out
    }

    #[test]
    fn learning_by_parts_is_learning() {
        // Pages of a few sites: a template of wide lines, teasers from a
        // pool, articles of their own, reprints of a few stories across
        // sites, some lines long; sources sometimes unknown.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |m: u64| {
            state = mix64(state);
            state % m
        };
        let mut found = 0;
        for round in 0..6u64 {
            let min_docs = 2 + (round % 3) as u32;
            let mut obs = Vec::new();
            let mut bytes = Vec::new();
            for d in 0..400u32 {
                let site = next(6);
                let mut lines: Vec<(u64, u32)> = Vec::new();
                if site < 3 {
                    lines.extend((0..4).map(|l| (1000 * (site + 1) + l, 60 + 50 * l as u32)));
                }
                lines.extend((0..3).map(|_| (5000 + site * 40 + next(40), 50)));
                if next(3) == 0 {
                    let story = next(12);
                    lines.extend(
                        (0..4).map(|p| (9000 + story * 10 + p, 150 + 100 * (p as u32 % 3))),
                    );
                } else {
                    lines.extend(
                        (0..3).map(|p| (1_000_000 + u64::from(d) * 10 + p, 200 + 90 * p as u32)),
                    );
                }
                if next(10) == 0 {
                    lines.push((77, 900));
                }
                let source = if next(8) == 0 { 0 } else { 1 + site as u32 };
                bytes.push(lines.iter().map(|l| l.1).sum::<u32>() + next(300) as u32);
                observe(&mut lines, d, source, &mut obs);
            }
            let mut want: Vec<u64> = Boilerplate::learn(obs.clone(), &bytes, min_docs)
                .lines()
                .collect();
            want.sort_unstable();
            found += want.len();
            assert_eq!(
                learn_by_parts(&obs, &bytes, min_docs),
                want,
                "round {round}"
            );
        }
        assert!(found > 0);
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
