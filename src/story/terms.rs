//! Content terms of an article: what the story stage compares.
//!
//! While an article's text is at hand (the signature pass), its content
//! terms are counted: words that are not stop words, not one- or
//! two-character tokens and not short numbers. A word counts more when it is
//! in the title or looks like a name (capitalised away from the start of a
//! sentence). Document frequencies are counted at the same time in a
//! table of counters shared by all threads (commutative atomic increments,
//! so the counts do not depend on thread scheduling). Since the frequencies are
//! complete only at the end of the pass, each article keeps its
//! [`StoryConfig::candidate_terms`] strongest terms by boosted count, and the
//! final TF-IDF weights are computed from those afterwards
//! ([`TermTable::vector`]).

use std::sync::atomic::{AtomicU32, Ordering};

use crate::config::{SpecificDf, StoryConfig};
use crate::hash::mix64;
use crate::hash::word_hash;
use crate::tokenize::{CAPITALIZED, NUMERIC, SENTENCE_START, SHORT, Words};

/// Common English function words and reporting verbs: they say nothing
/// about which event an article covers.
const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "down",
    "during",
    "each",
    "even",
    "ever",
    "every",
    "few",
    "for",
    "from",
    "further",
    "get",
    "got",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "however",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "last",
    "least",
    "less",
    "like",
    "made",
    "make",
    "many",
    "may",
    "me",
    "might",
    "more",
    "most",
    "much",
    "must",
    "my",
    "myself",
    "never",
    "new",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "on",
    "once",
    "one",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "per",
    "said",
    "same",
    "say",
    "says",
    "she",
    "should",
    "since",
    "so",
    "some",
    "still",
    "such",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "though",
    "through",
    "to",
    "told",
    "too",
    "two",
    "under",
    "until",
    "up",
    "upon",
    "us",
    "very",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "whether",
    "which",
    "while",
    "who",
    "whom",
    "whose",
    "why",
    "will",
    "with",
    "within",
    "without",
    "would",
    "yet",
    "you",
    "your",
    "yours",
    "yourself",
    "according",
    "across",
    "along",
    "already",
    "among",
    "around",
    "away",
    "back",
    "including",
    "later",
    "often",
    "really",
    "several",
    "three",
    "week",
    "year",
    "years",
    "day",
    "days",
    "time",
    "people",
    "first",
    "well",
    "way",
    "going",
    "want",
    "wants",
    "know",
    "see",
    "think",
    "take",
    "come",
    "go",
    "use",
    "used",
    "news",
];

/// Which words are stop words, by [`word_hash`]: a table in which every
/// stop word has a slot of its own under one multiplicative hash, found
/// when the table is built, so a lookup (once per word of every article)
/// is one load and one compare, with no probe loop to mispredict.
#[derive(Debug, Clone)]
pub struct StopWords {
    slots: Vec<u64>,
    mult: u64,
}

/// 8192 slots (64 KB) for about 230 words: a collision-free multiplier
/// turns up within a few dozen tries.
const STOP_BITS: u32 = 13;

impl Default for StopWords {
    fn default() -> Self {
        let hashes: Vec<u64> = STOP_WORDS.iter().map(|w| word_hash(w.as_bytes())).collect();
        let mut slots = vec![0u64; 1 << STOP_BITS];
        // Multipliers are tried in a fixed order, so every run builds the
        // same table. 0 marks an empty slot; no word hash is 0 in practice,
        // and `contains` never reports 0 as a stop word.
        let mut seed = 0x5709_0000_u64;
        let mult = loop {
            seed += 1;
            let mult = mix64(seed) | 1;
            slots.fill(0);
            let placed = hashes.iter().all(|&h| {
                let i = slot_of(h, mult);
                let free = slots[i] == 0 || slots[i] == h;
                slots[i] = h;
                free
            });
            if placed {
                break mult;
            }
        };
        StopWords { slots, mult }
    }
}

#[inline]
fn slot_of(hash: u64, mult: u64) -> usize {
    (hash.wrapping_mul(mult) >> (64 - STOP_BITS)) as usize
}

impl StopWords {
    /// Whether the word with this hash is a stop word.
    #[inline]
    pub fn contains(&self, hash: u64) -> bool {
        hash != 0 && self.slots[slot_of(hash, self.mult)] == hash
    }
}

/// The id of a term: the low 32 bits of its word hash (collisions among the
/// vocabulary of even large collections are rare and only blur weights).
pub type Term = u32;

/// Document frequencies, approximately: one row of counters indexed by
/// a hash of the term (a term shares its counter with the few terms that
/// land on the same one, which can only raise its count). One atomic
/// increment per term and document; increments commute, so the counts do
/// not depend on thread scheduling.
#[derive(Debug)]
pub struct DocFreq {
    counts: Vec<AtomicU32>,
    mask: u64,
}

impl DocFreq {
    /// The table a run counts into: 2^22 counters (16 MB), more than the
    /// distinct terms of most collections (a collision only adds one term's
    /// count to another's), or a token table when there is no story stage.
    pub fn for_run(stories: bool) -> DocFreq {
        DocFreq::new(if stories { 22 } else { 1 })
    }

    /// A table of `2^bits` counters.
    pub fn new(bits: u32) -> DocFreq {
        let n = 1usize << bits;
        DocFreq {
            counts: (0..n).map(|_| AtomicU32::new(0)).collect(),
            mask: (n - 1) as u64,
        }
    }

    #[inline]
    fn slot(&self, t: Term) -> usize {
        (mix64(u64::from(t)) & self.mask) as usize
    }

    /// Counts one document for each term of `terms` (distinct terms).
    pub fn add(&self, terms: &[(Term, f32)]) {
        for &(t, _) in terms {
            self.counts[self.slot(t)].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Takes back an [`Self::add`] of the same terms (an article found to
    /// be a duplicate after its terms were counted).
    pub fn remove(&self, terms: &[(Term, f32)]) {
        for &(t, _) in terms {
            self.counts[self.slot(t)].fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// The counter term `t` is counted in (terms that share one share
    /// their count), for a job that counts document frequencies elsewhere.
    pub fn slot_of(&self, t: Term) -> usize {
        self.slot(t)
    }

    /// Sets counter `slot` to `count`: a table gathered from counts made
    /// elsewhere (per counter, as [`Self::slot_of`] numbers them).
    pub fn set_slot(&self, slot: usize, count: u32) {
        if let Some(c) = self.counts.get(slot) {
            c.store(count, Ordering::Relaxed);
        }
    }

    /// Number of documents with term `t` (never under the truth).
    pub fn get(&self, t: Term) -> u32 {
        self.counts[self.slot(t)].load(Ordering::Relaxed)
    }
}

/// Per-thread scratch for [`extract`]: an open-addressing table that
/// counts an article's terms without sorting its words. Each slot carries
/// the number of the article (round) that last wrote it, so the table is
/// never cleared, and a probe touches one slot, not a slot and a stamp.
#[derive(Debug, Default)]
pub struct TermScratch {
    kept: Vec<(u64, f32)>,
    keys: Vec<u64>,
    slots: Vec<TermSlot>,
    round: u32,
    used: Vec<u32>,
    title: Words,
}

#[derive(Debug, Default, Clone, Copy)]
struct TermSlot {
    term: Term,
    weight: f32,
    round: u32,
}

impl TermScratch {
    fn begin(&mut self, words: usize) {
        // Keep the table at most half full.
        let want = (2 * words).next_power_of_two().max(1024);
        self.round = self.round.wrapping_add(1);
        if want > self.slots.len() || self.round == 0 {
            self.slots = vec![TermSlot::default(); want.max(self.slots.len())];
            self.round = 1;
        }
        self.used.clear();
    }

    /// Adds `w` to the term of the word with hash `hash`.
    #[inline]
    fn add(&mut self, hash: u64, w: f32) {
        let t = hash as Term;
        let mask = self.slots.len() - 1;
        // The term is the hash's low half; its high half picks the slot
        // (word hashes are mixed, so no further mixing is needed).
        let mut i = (hash >> 32) as usize & mask;
        loop {
            let slot = &mut self.slots[i];
            if slot.round != self.round {
                *slot = TermSlot {
                    term: t,
                    weight: w,
                    round: self.round,
                };
                self.used.push(i as u32);
                return;
            }
            if slot.term == t {
                slot.weight += w;
                return;
            }
            i = (i + 1) & mask;
        }
    }
}

/// The distinct content terms of an article with their boosted counts, the
/// strongest `cfg.candidate_terms` of them, sorted by term.
pub fn extract(
    words: &Words,
    title: Option<&str>,
    stop: &StopWords,
    cfg: &StoryConfig,
    scratch: &mut TermScratch,
    out: &mut Vec<(Term, f32)>,
) {
    let title_words = title.map_or(0, |t| t.len() / 2 + 1);
    scratch.begin(words.len() + title_words);
    let keep = |hash: u64, flags: u8| flags & (SHORT | NUMERIC) == 0 && !stop.contains(hash);
    // Which words are content words is as good as random to the branch
    // predictor: they are first picked out without branches (each word is
    // written, and the write position moves only past the kept ones), then
    // counted.
    let mut kept = std::mem::take(&mut scratch.kept);
    kept.clear();
    kept.resize(words.len() + 1, (0, 0.0));
    let mut n = 0;
    for (&h, &f) in words.hashes.iter().zip(&words.flags) {
        let name = f & CAPITALIZED != 0 && f & SENTENCE_START == 0;
        kept[n] = (h, if name { cfg.name_boost } else { 1.0 });
        n += usize::from(keep(h, f));
    }
    for &(h, w) in &kept[..n] {
        scratch.add(h, w);
    }
    scratch.kept = kept;
    if let Some(t) = title {
        let mut tw = std::mem::take(&mut scratch.title);
        tw.tokenize(t);
        // Headlines capitalise every word: no name boost from them.
        for (&h, &f) in tw.hashes.iter().zip(&tw.flags) {
            if keep(h, f) {
                scratch.add(h, cfg.title_boost);
            }
        }
        scratch.title = tw;
    }
    // Strongest first, ties by term so the choice is reproducible. Weights
    // are positive, so their bit patterns order like the numbers, and one
    // integer key per term, `!(weight << 32 | !term)`, sorts ascending in
    // exactly that order: integer compares instead of float ones.
    let keys = &mut scratch.keys;
    keys.clear();
    keys.extend(scratch.used.iter().map(|&i| {
        let slot = scratch.slots[i as usize];
        !(u64::from(slot.weight.to_bits()) << 32 | u64::from(!slot.term))
    }));
    if keys.len() > cfg.candidate_terms {
        keys.select_nth_unstable(cfg.candidate_terms);
        keys.truncate(cfg.candidate_terms);
    }
    // Then by term: the same key with its halves swapped.
    for k in keys.iter_mut() {
        let (weight, term) = ((!*k >> 32) as u32, !(!*k as u32));
        *k = u64::from(term) << 32 | u64::from(weight);
    }
    keys.sort_unstable();
    out.clear();
    out.extend(
        keys.iter()
            .map(|&k| ((k >> 32) as Term, f32::from_bits(k as u32))),
    );
}

/// Every article's candidate terms in one buffer.
#[derive(Debug, Default)]
pub struct TermTable {
    offsets: Vec<usize>,
    terms: Vec<(Term, f32)>,
}

impl TermTable {
    /// An empty table.
    pub fn new() -> TermTable {
        TermTable {
            offsets: vec![0],
            terms: Vec::new(),
        }
    }

    /// Appends the next article's terms.
    pub fn push(&mut self, terms: &[(Term, f32)]) {
        self.terms.extend_from_slice(terms);
        self.offsets.push(self.terms.len());
    }

    /// The candidate terms of article `i`.
    pub fn get(&self, i: usize) -> &[(Term, f32)] {
        &self.terms[self.offsets[i]..self.offsets[i + 1]]
    }

    /// Bytes held.
    pub fn heap_bytes(&self) -> usize {
        self.terms.capacity() * 8 + self.offsets.capacity() * 8
    }

    /// The TF-IDF vector of article `i`: `(1 + ln tf) · ln((n + background) / (df + 1))`, its
    /// `cfg.vector_terms` strongest terms, unit length, sorted by term.
    ///
    /// The article's terms are sorted by term (as [`extract`] leaves them),
    /// so the strongest are kept in place: the weakest kept one is found by
    /// selection on [`strength_key`]s, and no sort is needed.
    pub fn vector(
        &self,
        i: usize,
        weights: &TfIdf,
        cfg: &StoryConfig,
        scratch: &mut VectorScratch,
    ) -> Vec<(Term, f32)> {
        let terms = self.get(i);
        // The document frequencies first, in a loop of independent loads:
        // the table is large, and its misses then overlap.
        let dfs = &mut scratch.dfs;
        dfs.clear();
        dfs.extend(terms.iter().map(|&(t, _)| weights.df.get(t)));
        let v = &mut scratch.weighted;
        v.clear();
        v.extend(
            terms
                .iter()
                .zip(dfs.iter())
                .map(|(&(t, tf), &d)| (t, weights.tf(tf) * weights.idf(d.max(1))))
                .filter(|t| t.1 > 0.0),
        );
        let k = cfg.vector_terms;
        let mut out: Vec<(Term, f32)> = if v.len() > k {
            if k == 0 {
                return Vec::new();
            }
            let keys = &mut scratch.keys;
            keys.clear();
            keys.extend(v.iter().map(|&(t, w)| strength_key(t, w)));
            let (_, &mut weakest, _) = keys.select_nth_unstable(k - 1);
            let mut out = Vec::with_capacity(k);
            out.extend(v.iter().filter(|&&(t, w)| strength_key(t, w) <= weakest));
            out
        } else {
            v.clone()
        };
        debug_assert!(out.is_sorted_by_key(|t| t.0));
        let norm = out.iter().map(|t| t.1 * t.1).sum::<f32>().sqrt();
        if norm > 0.0 {
            out.iter_mut().for_each(|t| t.1 /= norm);
        }
        out
    }
}

/// Per-thread scratch for [`TermTable::vector`].
#[derive(Debug, Default)]
pub struct VectorScratch {
    dfs: Vec<u32>,
    weighted: Vec<(Term, f32)>,
    keys: Vec<u64>,
}

/// The factors of a TF-IDF weight for one collection, tabulated: `1 + ln tf`
/// for small whole counts, the inverse document frequency for document frequencies up to
/// [`TfIdf::IDF_TABLE`] (`ln((n + background) / (df + 1))`), each entry computed by the very operations it
/// replaces (so the weights are the same bits), the rest computed directly.
#[derive(Debug)]
pub struct TfIdf<'a> {
    df: &'a DocFreq,
    n: f32,
    background: f32,
    tf: Vec<f32>,
    idf: Vec<f32>,
}

impl<'a> TfIdf<'a> {
    /// Largest document frequency whose inverse is tabulated.
    pub const IDF_TABLE: usize = 1 << 20;

    /// The factors for a collection of `n` articles with frequencies `df`,
    /// seen against `background` further documents that have none of its
    /// terms (see [`StoryConfig::background_docs`]).
    pub fn new(df: &'a DocFreq, n: usize, background: f32) -> TfIdf<'a> {
        let n = n.max(1) as f32;
        let mut w = TfIdf {
            df,
            n,
            background,
            tf: Vec::new(),
            idf: Vec::new(),
        };
        w.tf = (0..256).map(|c| w.tf_direct(c as f32)).collect();
        let rows = (n as usize).min(Self::IDF_TABLE) + 1;
        w.idf = (0..rows as u32).map(|d| w.idf_direct(d)).collect();
        w
    }

    #[inline]
    fn tf_direct(&self, tf: f32) -> f32 {
        1.0 + tf.max(1.0).ln()
    }

    #[inline]
    fn idf_direct(&self, d: u32) -> f32 {
        ((self.n + self.background) / (d as f32 + 1.0))
            .ln()
            .max(0.0)
    }

    /// `1 + ln tf`, at least 1.
    #[inline]
    pub fn tf(&self, tf: f32) -> f32 {
        // Counts are sums of whole boosts, so nearly always small and whole.
        let c = tf as u32;
        match self.tf.get(c as usize) {
            Some(&w) if c as f32 == tf => w,
            _ => self.tf_direct(tf),
        }
    }

    /// `ln((n + background) / (d + 1))`, at least 0.
    #[inline]
    pub fn idf(&self, d: u32) -> f32 {
        match self.idf.get(d as usize) {
            Some(&w) => w,
            None => self.idf_direct(d),
        }
    }
}

/// A key whose ascending order is strongest first, by weight (as
/// `f32::total_cmp`), ties by term: the weight's bits mapped to an order
/// preserving unsigned integer, inverted, above the term.
#[inline]
pub fn strength_key(t: Term, w: f32) -> u64 {
    let b = w.to_bits();
    let ordered = if b >> 31 == 1 { !b } else { b | 1 << 31 };
    (u64::from(!ordered) << 32) | u64::from(t)
}

/// The entries of `vector` whose term is in a number of articles (by `df`)
/// that `specific` holds, in the vector's order: its part on specific terms.
pub fn specific_part(
    vector: &[(Term, f32)],
    df: &DocFreq,
    specific: SpecificDf,
) -> Vec<(Term, f32)> {
    vector
        .iter()
        .copied()
        .filter(|&(t, _)| specific.contains(df.get(t)))
        .collect()
}

/// Cosine of two unit vectors sorted by term.
pub fn cosine(a: &[(Term, f32)], b: &[(Term, f32)]) -> f32 {
    let (mut i, mut j, mut s) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                s += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    s
}

#[cfg(test)]
mod vector_tests {
    use super::*;

    const BACKGROUND: f32 = 1000.0;

    /// The vector as first written: every weight by `ln`, a full sort.
    fn vector_by_sort(terms: &[(Term, f32)], df: &DocFreq, n: usize, k: usize) -> Vec<(Term, f32)> {
        let n = n.max(1) as f32 + BACKGROUND;
        let mut v: Vec<(Term, f32)> = terms
            .iter()
            .map(|&(t, tf)| {
                let d = df.get(t).max(1) as f32 + 1.0;
                (t, (1.0 + tf.max(1.0).ln()) * (n / d).ln().max(0.0))
            })
            .filter(|t| t.1 > 0.0)
            .collect();
        if v.len() > k {
            v.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            v.truncate(k);
            v.sort_unstable_by_key(|t| t.0);
        }
        let norm = v.iter().map(|t| t.1 * t.1).sum::<f32>().sqrt();
        if norm > 0.0 {
            v.iter_mut().for_each(|t| t.1 /= norm);
        }
        v
    }

    #[test]
    fn tabulated_factors_are_the_direct_ones() {
        let df = DocFreq::new(4);
        for n in [0, 1, 7, 1000, TfIdf::IDF_TABLE + 5] {
            let w = TfIdf::new(&df, n, BACKGROUND);
            let nf = n.max(1) as f32 + BACKGROUND;
            for d in (1..3000).chain([TfIdf::IDF_TABLE as u32, u32::MAX]) {
                let want = (nf / (d as f32 + 1.0)).ln().max(0.0);
                assert_eq!(w.idf(d).to_bits(), want.to_bits(), "n {n} d {d}");
            }
        }
        let w = TfIdf::new(&df, 10, BACKGROUND);
        for tf in [
            0.0,
            -0.0,
            -3.0,
            0.5,
            1.0,
            2.0,
            2.5,
            7.0,
            255.0,
            256.0,
            1e9,
            f32::NAN,
        ] {
            let want = 1.0 + tf.max(1.0).ln();
            assert_eq!(w.tf(tf).to_bits(), want.to_bits(), "tf {tf}");
        }
    }

    #[test]
    fn vectors_match_a_full_sort() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |m: u64| {
            state = crate::hash::mix64(state);
            state % m
        };
        let df = DocFreq::new(12);
        let mut table = TermTable::new();
        let n = 300;
        for _ in 0..n {
            // Few distinct counts and frequencies: many equal weights.
            let mut ts: Vec<(Term, f32)> = (0..next(70))
                .map(|_| (next(400) as Term, (1 + next(5)) as f32 * 0.5))
                .collect();
            ts.sort_unstable_by_key(|t| t.0);
            ts.dedup_by_key(|t| t.0);
            df.add(&ts);
            table.push(&ts);
        }
        let mut scratch = VectorScratch::default();
        for k in [0, 1, 10, 40, 100] {
            let cfg = StoryConfig {
                vector_terms: k,
                ..StoryConfig::default()
            };
            let w = TfIdf::new(&df, n, BACKGROUND);
            for i in 0..n {
                let got = table.vector(i, &w, &cfg, &mut scratch);
                let want = vector_by_sort(table.get(i), &df, n, k);
                let bits =
                    |v: &[(Term, f32)]| v.iter().map(|t| (t.0, t.1.to_bits())).collect::<Vec<_>>();
                assert_eq!(bits(&got), bits(&want), "article {i}, {k} terms");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str, title: Option<&str>) -> Vec<(Term, f32)> {
        let mut w = Words::default();
        w.tokenize(text);
        let mut out = Vec::new();
        let cfg = StoryConfig::default();
        extract(
            &w,
            title,
            &StopWords::default(),
            &cfg,
            &mut TermScratch::default(),
            &mut out,
        );
        out
    }

    fn weight(ts: &[(Term, f32)], word: &str) -> f32 {
        let t = word_hash(word.as_bytes()) as Term;
        ts.iter().find(|x| x.0 == t).map_or(0.0, |x| x.1)
    }

    #[test]
    fn stop_words_short_words_and_numbers_are_not_terms() {
        let ts = terms(
            "The council said it will vote on 12 of the 2024 budget lines",
            None,
        );
        assert_eq!(weight(&ts, "the"), 0.0);
        assert_eq!(weight(&ts, "said"), 0.0);
        assert_eq!(weight(&ts, "12"), 0.0);
        assert_eq!(weight(&ts, "on"), 0.0);
        assert_eq!(weight(&ts, "2024"), 0.0);
        assert_eq!(weight(&ts, "council"), 1.0);
        assert_eq!(weight(&ts, "budget"), 1.0);
    }

    #[test]
    fn names_and_title_words_weigh_more() {
        let cfg = StoryConfig::default();
        let ts = terms(
            "Flood waters rose. Mayor Ines Dorr opened the hall",
            Some("Dorr warns of flood"),
        );
        // "Flood" opens a sentence: no name boost; in the title: title boost.
        assert_eq!(weight(&ts, "flood"), 1.0 + cfg.title_boost);
        assert_eq!(weight(&ts, "dorr"), cfg.name_boost + cfg.title_boost);
        assert_eq!(weight(&ts, "ines"), cfg.name_boost);
        assert_eq!(weight(&ts, "hall"), 1.0);
    }

    #[test]
    fn stop_words_are_found_and_others_are_not() {
        let stop = StopWords::default();
        assert!(
            STOP_WORDS
                .iter()
                .all(|w| stop.contains(word_hash(w.as_bytes())))
        );
        for w in ["council", "flood", "mayor", "thee", "ther", "", "saidx"] {
            assert!(!stop.contains(word_hash(w.as_bytes())), "{w}");
        }
        assert!(!stop.contains(0));
    }

    #[test]
    fn strongest_terms_match_a_full_sort() {
        // Random texts over a small vocabulary (with stop words, names and
        // numbers), so weights tie often: the kept terms must be those of a
        // plain sort by weight (descending), then term.
        let vocab = [
            "the", "Mayor", "council", "of", "Flood", "river", "12", "bridge", "Dorr", "said",
            "water", "town", "Ines", "rain", "road", "an", "storm", "school",
        ];
        let cfg = StoryConfig {
            candidate_terms: 5,
            ..StoryConfig::default()
        };
        let stop = StopWords::default();
        let mut scratch = TermScratch::default();
        let mut x = 99u64;
        for _ in 0..300 {
            let mut text = String::new();
            for _ in 0..(x % 60) {
                x = mix64(x);
                text.push_str(vocab[(x % vocab.len() as u64) as usize]);
                text.push_str(if x >> 60 == 0 { ". " } else { " " });
            }
            let mut words = Words::default();
            words.tokenize(&text);
            let mut got = Vec::new();
            extract(
                &words,
                Some("Storm hits town"),
                &stop,
                &cfg,
                &mut scratch,
                &mut got,
            );

            let mut all = Vec::new();
            extract(
                &words,
                Some("Storm hits town"),
                &stop,
                &StoryConfig {
                    candidate_terms: usize::MAX,
                    ..cfg.clone()
                },
                &mut scratch,
                &mut all,
            );
            all.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            all.truncate(cfg.candidate_terms);
            all.sort_by_key(|t| t.0);
            assert_eq!(got, all, "{text}");
        }
    }

    #[test]
    fn doc_freq_never_undercounts() {
        let df = DocFreq::new(4); // tiny: forces collisions
        for i in 0..50u32 {
            df.add(&[(i, 1.0), (1000, 1.0)]);
        }
        assert!(df.get(1000) >= 50);
        assert!((0..50).all(|i| df.get(i) >= 1));
    }

    #[test]
    fn cosine_of_unit_vectors() {
        let a = [(1, 0.6), (2, 0.8)];
        let b = [(2, 1.0)];
        assert!((cosine(&a, &b) - 0.8).abs() < 1e-6);
        assert!((cosine(&a, &a) - 1.0).abs() < 1e-6);
        assert_eq!(cosine(&a, &[(3, 1.0)]), 0.0);
    }
}
