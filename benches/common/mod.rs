//! Fixed-seed synthetic news for the benchmarks, so every stage sees the
//! shapes it meets in real collections and every run sees the same data.
//!
//! A tiny deterministic generator (SplitMix64, no dependency):
//!
//! - a vocabulary of invented words made of consonant-vowel syllables, all
//!   distinct by construction, the most frequent ones the shortest (as in
//!   real text), drawn by Zipf's law: rank `r` has probability close to
//!   `1 / ((r + 1) ln V)`;
//! - sentences of 6-24 words that start with a capital and end with a full
//!   stop, with commas, numbers and, rarely, curly quotes, em dashes and
//!   accented words (the tokenizer's non-ASCII paths);
//! - paragraphs of 2-6 sentences, 300-800 words per article, then the
//!   outlet's newsletter line (boilerplate shared by an outlet's articles);
//! - about a fifth of the articles are planted near-copies of an earlier
//!   one: another outlet's footer, and a fifth of them verbatim, the rest
//!   with 1-15% (log-uniform) of their words substituted, deleted or
//!   inserted, some with their last paragraphs cut.
//!
//! Each bench uses part of this module, hence the module-wide `dead_code`
//! allowance.

#![allow(dead_code)]

use rayon::prelude::*;
use storyhash::config::{MinHashConfig, ShingleConfig};
use storyhash::minhash::{Signatures, Signer};
use storyhash::shingle::{Distinct, fold_windows};
use storyhash::tokenize::Words;
use storyhash::{ArticleMeta, Date, Location};

/// SplitMix64 (Steele, Lea & Flood, OOPSLA 2014): the same numbers on
/// every machine.
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut x = self.0;
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^ (x >> 31)
    }

    /// Uniform in `0..n` (`n < 2^32`), by multiply-shift.
    pub fn below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 32) * n as u64) >> 32) as usize
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

/// Invented words by frequency rank.
pub struct Vocabulary {
    words: Vec<String>,
    ln_size: f64,
}

impl Vocabulary {
    /// `n` distinct words. Word `i` spells `i` in bijective base 70 with
    /// one consonant-vowel syllable per digit (70 one-syllable words, then
    /// 4,900 of two, ...); odd ranks past the first hundred end in `n`,
    /// which keeps them distinct (odd length) and varies word lengths.
    pub fn new(n: usize) -> Vocabulary {
        const CONSONANTS: &[u8] = b"bdfgklmnprstvz";
        const VOWELS: &[u8] = b"aeiou";
        let syllables = CONSONANTS.len() * VOWELS.len();
        let words = (0..n)
            .map(|rank| {
                let mut w = String::new();
                let mut i = rank;
                loop {
                    let s = i % syllables;
                    w.push(CONSONANTS[s / VOWELS.len()] as char);
                    w.push(VOWELS[s % VOWELS.len()] as char);
                    if i < syllables {
                        break;
                    }
                    i = i / syllables - 1;
                }
                if rank > 100 && rank % 2 == 1 {
                    w.push('n');
                }
                w
            })
            .collect();
        Vocabulary {
            words,
            ln_size: ((n + 1) as f64).ln(),
        }
    }

    /// A word drawn by Zipf's law: `exp(u ln(V + 1)) - 1` for uniform `u`
    /// falls on rank `r` with probability `ln((r + 2) / (r + 1)) / ln(V + 1)`.
    pub fn draw(&self, rng: &mut Rng) -> &str {
        let r = (rng.unit() * self.ln_size).exp() as usize;
        &self.words[r.saturating_sub(1).min(self.words.len() - 1)]
    }
}

/// Outlets: the articles of outlet `o` end in `Sign up for the {OUTLETS[o]} newsletter.`
pub const OUTLETS: [&str; 20] = [
    "Valley Ledger",
    "Harbor Post",
    "Northern Courier",
    "Daily Lantern",
    "River Gazette",
    "Evening Star",
    "Plains Tribune",
    "Coastal Herald",
    "Metro Wire",
    "Hill Country News",
    "Bay Observer",
    "Summit Daily",
    "Lakeside Times",
    "Prairie Journal",
    "Capital Dispatch",
    "Frontier Record",
    "Granite Sentinel",
    "Delta Register",
    "Orchard Chronicle",
    "Canyon Monitor",
];

/// One synthetic article.
pub struct Article {
    /// Headline.
    pub title: String,
    /// Body, a blank line, then the outlet's newsletter line.
    pub text: String,
    /// Where the body ends in `text`.
    pub body_len: usize,
    /// Index in [`OUTLETS`].
    pub outlet: usize,
    /// Day of 2025, 0-based.
    pub day: usize,
    /// The article this one is a planted copy of.
    pub copy_of: Option<usize>,
}

impl Article {
    /// Publication date as `YYYY-MM-DD`.
    pub fn date(&self) -> String {
        const DAYS: [usize; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        let (mut month, mut day) = (0, self.day % 365);
        while day >= DAYS[month] {
            day -= DAYS[month];
            month += 1;
        }
        format!("2025-{:02}-{:02}", month + 1, day + 1)
    }
}

/// `n` articles generated from `seed`.
pub fn articles(n: usize, seed: u64) -> Vec<Article> {
    let mut rng = Rng::new(seed);
    let vocab = Vocabulary::new(20_000);
    let mut out: Vec<Article> = Vec::with_capacity(n);
    for i in 0..n {
        let article = if i >= 10 && rng.chance(0.2) {
            let base = rng.below(i);
            copy(&out[base], base, &vocab, &mut rng)
        } else {
            original(&vocab, &mut rng)
        };
        out.push(article);
    }
    out
}

fn capitalized(word: &str, out: &mut String) {
    let mut chars = word.chars();
    if let Some(c) = chars.next() {
        out.extend(c.to_uppercase());
        out.push_str(chars.as_str());
    }
}

/// Appends a word from `vocab`, sometimes a number or an accented form.
fn push_word(vocab: &Vocabulary, rng: &mut Rng, out: &mut String) {
    if rng.chance(0.02) {
        out.push_str(&rng.below(10_000).to_string());
    } else if rng.chance(0.002) {
        out.push_str(&vocab.draw(rng).replacen('e', "é", 1));
    } else {
        out.push_str(vocab.draw(rng));
    }
}

/// Appends one sentence; returns its number of words.
fn sentence(vocab: &Vocabulary, rng: &mut Rng, out: &mut String) -> usize {
    let len = rng.range(6, 24);
    let quoted = rng.chance(0.05);
    if quoted {
        out.push('“');
    }
    capitalized(vocab.draw(rng), out);
    for _ in 1..len {
        if rng.chance(0.06) {
            out.push(',');
        }
        out.push_str(if rng.chance(0.01) { " — " } else { " " });
        push_word(vocab, rng, out);
    }
    out.push('.');
    if quoted {
        out.push('”');
    }
    len
}

fn footer(text: &mut String, outlet: usize) -> usize {
    let body_len = text.len();
    text.push_str("\n\nSign up for the ");
    text.push_str(OUTLETS[outlet]);
    text.push_str(" newsletter.");
    body_len
}

fn original(vocab: &Vocabulary, rng: &mut Rng) -> Article {
    let target = rng.range(300, 800);
    let mut text = String::with_capacity(target * 7);
    let mut words = 0;
    while words < target {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        for s in 0..rng.range(2, 6) {
            if s > 0 {
                text.push(' ');
            }
            words += sentence(vocab, rng, &mut text);
        }
    }
    let outlet = rng.below(OUTLETS.len());
    let body_len = footer(&mut text, outlet);
    let mut title = String::new();
    for w in 0..rng.range(6, 10) {
        if w > 0 {
            title.push(' ');
        }
        capitalized(vocab.draw(rng), &mut title);
    }
    Article {
        title,
        text,
        body_len,
        outlet,
        day: rng.below(365),
        copy_of: None,
    }
}

fn copy(base: &Article, index: usize, vocab: &Vocabulary, rng: &mut Rng) -> Article {
    let mut body = &base.text[..base.body_len];
    if rng.chance(0.15) {
        // Cut the last paragraphs (trimmed reprint), keeping at least one.
        let paragraphs: Vec<usize> = body.match_indices("\n\n").map(|(at, _)| at).collect();
        if !paragraphs.is_empty() {
            let keep = rng.range(paragraphs.len().div_ceil(2), paragraphs.len());
            body = &body[..paragraphs[keep - 1]];
        }
    }
    let rate = if rng.chance(0.2) {
        0.0
    } else {
        0.01 * 15f64.powf(rng.unit())
    };
    let mut text = String::with_capacity(body.len() + 64);
    for token in body.split(' ') {
        let edit = rng.chance(rate);
        // Tokens holding a paragraph break stay, so paragraphs survive.
        if !edit || token.contains('\n') {
            text.push_str(token);
            text.push(' ');
            continue;
        }
        match rng.below(3) {
            0 => push_word(vocab, rng, &mut text),
            1 => continue,
            _ => {
                text.push_str(token);
                text.push(' ');
                push_word(vocab, rng, &mut text);
            }
        }
        text.push(' ');
    }
    text.pop();
    let outlet = (base.outlet + rng.range(1, OUTLETS.len() - 1)) % OUTLETS.len();
    let body_len = footer(&mut text, outlet);
    Article {
        title: base.title.clone(),
        text,
        body_len,
        outlet,
        day: (base.day + rng.below(3)).min(364),
        copy_of: Some(index),
    }
}

/// The articles as JSON Lines (`id`, `title`, `source`, `date`, `text`).
pub fn jsonl(arts: &[Article]) -> Vec<u8> {
    let mut out = Vec::with_capacity(arts.iter().map(|a| a.text.len() + 200).sum());
    for (i, a) in arts.iter().enumerate() {
        let record = serde_json::json!({
            "id": format!("b{i:07}"),
            "title": a.title,
            "source": OUTLETS[a.outlet],
            "date": a.date(),
            "text": a.text,
        });
        serde_json::to_writer(&mut out, &record).expect("writing JSON to memory");
        out.push(b'\n');
    }
    out
}

/// Total bytes of article text.
pub fn text_bytes(arts: &[Article]) -> u64 {
    arts.iter().map(|a| a.text.len() as u64).sum()
}

/// Planted copies among `arts`.
pub fn copies(arts: &[Article]) -> usize {
    arts.iter().filter(|a| a.copy_of.is_some()).count()
}

/// What the signing pass keeps per article.
pub struct Signed {
    /// One signature per article.
    pub sigs: Signatures,
    /// Distinct shingles per article.
    pub sizes: Vec<u32>,
}

/// Signatures and shingle-set sizes of `arts` at the default settings,
/// computed as the pipeline does (without its boilerplate filter), on the
/// rayon pool: bench setup, not timed.
pub fn sign(arts: &[Article]) -> Signed {
    let signer = Signer::new(&MinHashConfig::default());
    let k = ShingleConfig::default().k;
    let width = signer.len();
    let mut rows = vec![0u32; arts.len() * width];
    let sizes: Vec<u32> = rows
        .par_chunks_mut(width)
        .zip(arts.par_iter())
        .map_init(
            || (Words::default(), Vec::new(), Distinct::default()),
            |(words, shingles, distinct), (row, a)| {
                words.tokenize(&a.text);
                shingles.clear();
                fold_windows(&words.hashes, k, shingles);
                signer.sign(shingles, row);
                distinct.count(shingles) as u32
            },
        )
        .collect();
    let mut sigs = Signatures::new(width);
    sigs.extend_from(&rows);
    Signed { sigs, sizes }
}

/// The metadata the pipeline would keep for `arts` (ids, outlets, dates).
pub fn meta(arts: &[Article]) -> Vec<ArticleMeta> {
    let input: std::sync::Arc<str> = "bench".into();
    arts.iter()
        .enumerate()
        .map(|(i, a)| ArticleMeta {
            id: format!("b{i:07}").into(),
            source: Some(OUTLETS[a.outlet].into()),
            date: Some(Date::parse(&a.date()).expect("generated dates are ISO 8601")),
            title: Some(a.title.as_str().into()),
            location: Location {
                input: input.clone(),
                line: i as u64 + 1,
            },
        })
        .collect()
}
