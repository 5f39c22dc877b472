//! The tokenizer: article text to word hashes and line breaks, without
//! building the normalised text.
//!
//! It yields the same words and lines as [`crate::normalize::normalize_into`]
//! would, hashed with [`crate::hash::word_hash`], plus per-word flags for the
//! story stage (capitalised, sentence start, numeric, short). ASCII text is
//! classified 64 bytes at a time into bit masks (SSE2 on x86_64, a portable
//! path elsewhere); other text goes through a byte scanner that hands any
//! non-ASCII word to the normaliser whole. A randomized test holds the two
//! scanners equal.

use crate::hash::{ascii_word_hash, word_hash};
use crate::normalize::separator;
use unicode_normalization::UnicodeNormalization;

/// The words of a text as hashes, and where its lines end: the same words
/// and lines as [`crate::normalize::normalize_into`] produces, without building the text.
#[derive(Debug, Default)]
pub struct Words {
    /// Word hashes ([`word_hash`] of each normalised word), in order.
    pub hashes: Vec<u64>,
    /// Flags of each word ([`CAPITALIZED`], [`SENTENCE_START`], [`NUMERIC`],
    /// [`SHORT`]), for the story stage.
    pub flags: Vec<u8>,
    /// For each non-empty line, the index in `hashes` one past its last word.
    pub line_ends: Vec<usize>,
    scratch: String,
}

/// Byte classes of the tokenizer (letters and digits are bits, so one OR
/// per byte tells whether a word was all digits).
const SEP: u8 = 0;
const ALPHA: u8 = 1;
const DIGIT: u8 = 2;
const WORD: u8 = ALPHA | DIGIT;
const NEWLINE: u8 = 4;
const STOP: u8 = 8;
const HIGH: u8 = 16;

static CLASS: [u8; 256] = {
    let mut t = [SEP; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = if c >= 0x80 {
            HIGH
        } else if c.is_ascii_alphabetic() {
            ALPHA
        } else if c.is_ascii_digit() {
            DIGIT
        } else if c == b'\n' || c == b'\r' {
            NEWLINE
        } else if c == b'.' || c == b'!' || c == b'?' {
            STOP
        } else {
            SEP
        };
        b += 1;
    }
    t
};

/// The number of leading ASCII letters and digits among the eight bytes of
/// `v` (little-endian), and whether any of them is a letter. Each byte is
/// classified with carry-free byte-wise range tests (SWAR).
#[inline]
fn word_prefix(v: u64) -> (usize, bool) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let low7 = v & !HIGH; // every byte < 0x80: no carry between bytes below
    // b >= lo  <=>  bit 7 of (b + 0x80 - lo); b <= hi  <=>  not bit 7 of (b + 0x7f - hi).
    let in_range = |x: u64, lo: u8, hi: u8| {
        (x + ONES * u64::from(0x80 - lo)) & !(x + ONES * u64::from(0x7f - hi)) & HIGH
    };
    let letters = in_range(low7 | (ONES * 0x20), b'a', b'z');
    let digits = in_range(low7, b'0', b'9');
    let word = (letters | digits) & !(v & HIGH);
    let len = ((!word & HIGH).trailing_zeros() / 8) as usize;
    let prefix = if len == 8 {
        u64::MAX
    } else {
        (1u64 << (8 * len)) - 1
    };
    (len, letters & prefix != 0)
}

/// Where the block scanner goes on after a block.
enum Resume {
    /// With the block that starts here.
    Blocks(usize),
    /// Byte by byte from the first index until the second is passed.
    Bytes(usize, usize),
}

/// The bits `from..to` of a 64-bit mask (`from <= to <= 64`).
#[inline]
fn span(from: u32, to: u32) -> u64 {
    let below = |k: u32| if k >= 64 { u64::MAX } else { (1u64 << k) - 1 };
    below(to) & !below(from)
}

/// Byte classes of a 64-byte block, one bit per byte (bit `j` = byte `j`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct BlockMasks {
    /// ASCII letters and digits.
    alnum: u64,
    /// ASCII digits.
    digit: u64,
    /// ASCII capitals.
    upper: u64,
    /// Line breaks and sentence stops (`.`, `!`, `?`).
    brk: u64,
    /// Line breaks (`\n`, `\r`).
    newline: u64,
    /// Bytes of non-ASCII characters.
    high: u64,
}

impl BlockMasks {
    #[inline]
    fn of(block: &[u8; 64]) -> BlockMasks {
        #[cfg(target_arch = "x86_64")]
        {
            let mut m = [0u64; 6];
            for (q, chunk) in block.chunks_exact(16).enumerate() {
                let chunk: &[u8; 16] = chunk.try_into().unwrap_or(&[0; 16]);
                // SAFETY: SSE2 is part of the x86_64 baseline, so the
                // target feature `classify16` asks for is always present.
                let r = unsafe { classify16(chunk) };
                for (mask, bits) in m.iter_mut().zip(r) {
                    *mask |= u64::from(bits) << (16 * q);
                }
            }
            BlockMasks {
                alnum: m[0],
                digit: m[1],
                upper: m[2],
                brk: m[3],
                newline: m[4],
                high: m[5],
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            BlockMasks::by_bytes(block)
        }
    }

    /// The same masks from the byte-class table, one byte at a time (the
    /// portable path, and the oracle of the SIMD one).
    #[cfg_attr(target_arch = "x86_64", allow(dead_code))]
    fn by_bytes(block: &[u8; 64]) -> BlockMasks {
        let mut m = BlockMasks {
            alnum: 0,
            digit: 0,
            upper: 0,
            brk: 0,
            newline: 0,
            high: 0,
        };
        for (j, &b) in block.iter().enumerate() {
            let bit = 1u64 << j;
            let class = CLASS[b as usize];
            if class & WORD != 0 {
                m.alnum |= bit;
            }
            if class == DIGIT {
                m.digit |= bit;
            }
            if b.is_ascii_uppercase() {
                m.upper |= bit;
            }
            if class == NEWLINE || class == STOP {
                m.brk |= bit;
            }
            if class == NEWLINE {
                m.newline |= bit;
            }
            if class == HIGH {
                m.high |= bit;
            }
        }
        m
    }
}

/// [`BlockMasks`] of 16 bytes with SSE2 compares, as 16-bit masks in the
/// order of the struct's fields. Bytes of 0x80 and up are negative as
/// `i8`, so the signed range tests never take them for ASCII.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn classify16(b: &[u8; 16]) -> [u16; 6] {
    use std::arch::x86_64::*;
    let lo = u64::from_le_bytes(b[..8].try_into().unwrap_or([0; 8]));
    let hi = u64::from_le_bytes(b[8..].try_into().unwrap_or([0; 8]));
    let v = _mm_set_epi64x(hi as i64, lo as i64);
    let splat = |c: u8| _mm_set1_epi8(c as i8);
    let within = |x: __m128i, lo: u8, hi: u8| {
        _mm_and_si128(
            _mm_cmpgt_epi8(x, splat(lo - 1)),
            _mm_cmplt_epi8(x, splat(hi + 1)),
        )
    };
    let is = |c: u8| _mm_cmpeq_epi8(v, splat(c));
    let alpha = within(_mm_or_si128(v, splat(0x20)), b'a', b'z');
    let digit = within(v, b'0', b'9');
    let upper = within(v, b'A', b'Z');
    let newline = _mm_or_si128(is(b'\n'), is(b'\r'));
    let stop = _mm_or_si128(_mm_or_si128(is(b'.'), is(b'!')), is(b'?'));
    let bits = |x: __m128i| _mm_movemask_epi8(x) as u16;
    [
        bits(_mm_or_si128(alpha, digit)),
        bits(digit),
        bits(upper),
        bits(_mm_or_si128(newline, stop)),
        bits(newline),
        bits(v),
    ]
}

/// Word flag: the word starts with an uppercase letter in the raw text.
pub const CAPITALIZED: u8 = 1;
/// Word flag: the word opens a line or follows `.`, `!` or `?`.
pub const SENTENCE_START: u8 = 2;
/// Word flag: the word is made of digits only.
pub const NUMERIC: u8 = 4;
/// Word flag: the word has at most two characters.
pub const SHORT: u8 = 8;

/// [`ascii_word_hash`] of `bytes[start..end]`, loading short words in one
/// unaligned read where the text allows it.
#[inline]
fn ascii_word_hash_at(bytes: &[u8], start: usize, end: usize) -> u64 {
    let len = end - start;
    if len <= 8
        && let Some(chunk) = bytes.get(start..start + 8)
    {
        let v = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        let mask = u64::MAX >> (64 - 8 * len);
        let h = (len as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        return crate::hash::mix64(h ^ ((v | 0x2020_2020_2020_2020) & mask));
    }
    ascii_word_hash(&bytes[start..end])
}

impl Words {
    /// Tokenises `text`, replacing what the buffers held.
    pub fn tokenize(&mut self, text: &str) {
        self.clear();
        self.extend(text);
    }

    /// Forgets every word.
    pub fn clear(&mut self) {
        self.hashes.clear();
        self.flags.clear();
        self.line_ends.clear();
    }

    /// Drops the words from index `len` on (and the line ends past them).
    pub fn truncate(&mut self, len: usize) {
        self.hashes.truncate(len);
        self.flags.truncate(len);
        while self.line_ends.last().is_some_and(|&e| e > len) {
            self.line_ends.pop();
        }
        if len > self.line_ends.last().copied().unwrap_or(0) {
            self.line_ends.push(len);
        }
    }

    /// Tokenises `text` after the words already held, as a new line.
    ///
    /// ASCII text is read 64 bytes at a time: one pass classifies the block
    /// into bit masks (letters and digits, digits, capitals, line breaks,
    /// sentence stops, non-ASCII bytes) and the words are then taken from
    /// the masks with bit tricks, with no per-byte branch. A word that
    /// touches a non-ASCII byte, a non-ASCII character between words and a
    /// word longer than a block go through the byte-at-a-time scanner
    /// (`scan_bytes`), which the block scanner must agree with
    /// exactly (a property test compares them).
    pub fn extend(&mut self, text: &str) {
        let bytes = text.as_bytes();
        let n = bytes.len();
        let mut sentence = SENTENCE_START;
        let mut i = 0;
        let mut pad = [0u8; 64];
        while i < n {
            let block: &[u8; 64] = match bytes.get(i..i + 64) {
                Some(b) => b.try_into().unwrap_or(&pad),
                None => {
                    // The tail, padded with NUL bytes (separators).
                    pad = [0; 64];
                    pad[..n - i].copy_from_slice(&bytes[i..]);
                    &pad
                }
            };
            let m = BlockMasks::of(block);
            // Only the bytes before the first non-ASCII one are taken here.
            let limit = m.high.trailing_zeros();
            let a = m.alnum;
            let mut starts = a & !(a << 1);
            let mut gap_from = 0;
            let resume = loop {
                let s = starts.trailing_zeros(); // 64 when no word is left
                let gap = span(gap_from, s.min(limit));
                if m.brk & gap != 0 {
                    if m.newline & gap != 0 {
                        self.end_line();
                    }
                    sentence = SENTENCE_START;
                }
                if s >= limit {
                    // The rest of the block is a gap, or a non-ASCII
                    // character comes before the next word.
                    break match limit {
                        64 => Resume::Blocks(i + 64),
                        h => Resume::Bytes(i + h as usize, i + h as usize + 1),
                    };
                }
                let e = s + (!(a >> s)).trailing_zeros();
                if e >= 64 {
                    // The word goes on past the block: take it in the next
                    // one, or byte by byte if it fills this one.
                    break if s == 0 {
                        Resume::Bytes(i, i + 1)
                    } else {
                        Resume::Blocks(i + s as usize)
                    };
                }
                if e == limit {
                    // A non-ASCII byte ends the word: it may be a letter.
                    break Resume::Bytes(i + s as usize, i + limit as usize + 1);
                }
                let len = e - s;
                let mut f = sentence;
                if (m.upper >> s) & 1 != 0 {
                    f |= CAPITALIZED;
                }
                if len <= 2 {
                    f |= SHORT;
                }
                if (a & !m.digit) & span(s, e) == 0 {
                    f |= NUMERIC;
                }
                let (start, end) = (i + s as usize, i + e as usize);
                self.hashes.push(ascii_word_hash_at(bytes, start, end));
                self.flags.push(f);
                sentence = 0;
                gap_from = e;
                starts &= starts - 1;
            };
            i = match resume {
                Resume::Blocks(at) => at,
                Resume::Bytes(from, until) => {
                    let (at, s) = self.scan_bytes(text, from, sentence, until);
                    sentence = s;
                    at
                }
            };
        }
        self.end_line();
    }

    /// The byte-at-a-time scanner: tokenises `text` from `i` (a token
    /// boundary) with sentence state `sentence`, a whole token at a time,
    /// until it reaches `until` or the end; returns where it stopped (a
    /// token boundary) and the sentence state there.
    fn scan_bytes(
        &mut self,
        text: &str,
        mut i: usize,
        mut sentence: u8,
        until: usize,
    ) -> (usize, u8) {
        let bytes = text.as_bytes();
        let n = bytes.len();
        while i < n && i < until {
            match CLASS[bytes[i] as usize] {
                ALPHA | DIGIT => {
                    let start = i;
                    let mut seen = 0;
                    // Eight bytes at a time while the text allows it.
                    while let Some(chunk) = bytes.get(i..i + 8) {
                        let (len, alpha) =
                            word_prefix(u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8])));
                        if alpha {
                            seen |= ALPHA;
                        }
                        if len > 0 && !alpha {
                            seen |= DIGIT;
                        }
                        i += len;
                        if len < 8 {
                            break;
                        }
                    }
                    if bytes.get(i..i + 8).is_none() {
                        while i < n {
                            let c = CLASS[bytes[i] as usize];
                            if c & WORD == 0 {
                                break;
                            }
                            seen |= c;
                            i += 1;
                        }
                    }
                    if i < n && bytes[i] >= 0x80 && !starts_separator(text, i) {
                        i = self.slow_word(text, start, i, sentence);
                    } else {
                        let word = &bytes[start..i];
                        let mut f = sentence;
                        if word[0].is_ascii_uppercase() {
                            f |= CAPITALIZED;
                        }
                        if word.len() <= 2 {
                            f |= SHORT;
                        }
                        if seen == DIGIT {
                            f |= NUMERIC;
                        }
                        self.hashes.push(ascii_word_hash_at(bytes, start, i));
                        self.flags.push(f);
                    }
                    sentence = 0;
                }
                NEWLINE => {
                    self.end_line();
                    sentence = SENTENCE_START;
                    i += 1;
                }
                STOP => {
                    sentence = SENTENCE_START;
                    i += 1;
                }
                HIGH => {
                    let c = text[i..].chars().next().unwrap_or(' ');
                    match separator(c) {
                        Some(true) => {
                            self.end_line();
                            sentence = SENTENCE_START;
                            i += c.len_utf8();
                        }
                        Some(false) => i += c.len_utf8(),
                        None => {
                            i = self.slow_word(text, i, i, sentence);
                            sentence = 0;
                        }
                    }
                }
                _ => i += 1,
            }
        }
        (i, sentence)
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    /// Whether there are no words.
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// The word hashes of each non-empty line.
    pub fn lines(&self) -> impl Iterator<Item = &[u64]> + '_ {
        let starts = std::iter::once(0).chain(self.line_ends.iter().copied());
        starts
            .zip(self.line_ends.iter().copied())
            .map(|(s, e)| &self.hashes[s..e])
    }

    fn end_line(&mut self) {
        if self.line_ends.last().copied().unwrap_or(0) < self.hashes.len() {
            self.line_ends.push(self.hashes.len());
        }
    }

    /// Normalises the word that starts at `start` through NFKC; `from` is
    /// where scanning for its end resumes. Returns the index after it.
    fn slow_word(&mut self, text: &str, start: usize, from: usize, sentence: u8) -> usize {
        let bytes = text.as_bytes();
        let mut end = from;
        while end < bytes.len() {
            if bytes[end] < 0x80 {
                if !bytes[end].is_ascii_alphanumeric() {
                    break;
                }
                end += 1;
            } else {
                if starts_separator(text, end) {
                    break;
                }
                end += text[end..].chars().next().map_or(1, char::len_utf8);
            }
        }
        let mut word = std::mem::take(&mut self.scratch);
        word.clear();
        let mut flags = sentence;
        for c in text[start..end].nfkc() {
            if c.is_alphanumeric() {
                if word.is_empty() && c.is_uppercase() {
                    flags |= CAPITALIZED;
                }
                word.extend(c.to_lowercase().filter(|l| l.is_alphanumeric()));
            } else if !word.is_empty() {
                self.push_word(&word, flags);
                flags = 0;
                word.clear();
            }
        }
        if !word.is_empty() {
            self.push_word(&word, flags);
        }
        self.scratch = word;
        end
    }

    fn push_word(&mut self, word: &str, mut flags: u8) {
        if word.chars().count() <= 2 {
            flags |= SHORT;
        }
        if word.chars().all(|c| c.is_numeric()) {
            flags |= NUMERIC;
        }
        self.hashes.push(word_hash(word.as_bytes()));
        self.flags.push(flags);
    }
}

fn starts_separator(text: &str, at: usize) -> bool {
    text[at..]
        .chars()
        .next()
        .is_some_and(|c| separator(c).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::normalize;

    fn words_via_text(s: &str) -> Vec<Vec<u64>> {
        normalize(s)
            .lines()
            .map(|l| l.split(' ').map(|w| word_hash(w.as_bytes())).collect())
            .collect()
    }

    #[test]
    fn tokenizer_agrees_with_normalized_text() {
        let samples = [
            "Plain ASCII, with Punctuation!\n\nNew line  \r\n",
            "“Quoted” — dash – en; ‘single’ … Ellipsis",
            "Ｆｕｌｌ width ２０２５ and ﬁnal ligature, Æsir ÉCOLE",
            "Zu\u{308}rich cafe\u{301}\u{2014}word naïve\u{00a0}space x\u{2028}y",
            "ALongWordOfMoreThanSixteenBytes and 12345678 exactly8",
            " ... \n -- ",
        ];
        let mut w = Words::default();
        for s in samples {
            w.tokenize(s);
            let got: Vec<Vec<u64>> = w.lines().map(<[u64]>::to_vec).collect();
            assert_eq!(got, words_via_text(s), "{s}");
        }
    }

    #[test]
    fn flags_mark_names_sentence_starts_numbers_and_short_words() {
        let mut w = Words::default();
        w.tokenize("The mayor of Kestrel Falls said 41 buses. Élodie Brun agreed\nin May");
        let f = &w.flags;
        assert_eq!(f.len(), 13);
        assert_eq!(f[0], CAPITALIZED | SENTENCE_START); // The
        assert_eq!(f[1], 0); // mayor
        assert_eq!(f[2], SHORT); // of
        assert_eq!(f[3], CAPITALIZED); // Kestrel
        assert_eq!(f[6], NUMERIC | SHORT); // 41
        assert_eq!(f[8], CAPITALIZED | SENTENCE_START); // Élodie
        assert_eq!(f[9], CAPITALIZED); // Brun
        assert_eq!(f[11], SENTENCE_START | SHORT); // in (new line)
        assert_eq!(f[12], CAPITALIZED); // May
    }

    /// The byte-at-a-time scanner alone over `text` (the oracle of the
    /// block scanner).
    fn by_bytes(text: &str) -> Words {
        let mut w = Words::default();
        w.scan_bytes(text, 0, SENTENCE_START, usize::MAX);
        w.end_line();
        w
    }

    /// Random texts drawn from pieces that exercise every path: ASCII words
    /// of all lengths (some longer than a block), capitals, digits, stops,
    /// line breaks, punctuation, curly quotes, accented and full-width
    /// letters, combining marks, Unicode line separators, no-break spaces.
    fn random_text(x: &mut u64, len: usize) -> String {
        const PIECES: &[&str] = &[
            "a", "b", "Z", "q", "7", "0", " ", " ", " ", ".", "!", "?", "\n", "\r\n", ",", "-",
            "\u{201c}", "\u{2019}", "\u{2014}", "\u{e9}", "E\u{301}", "\u{ff21}", "\u{2028}",
            "\u{a0}", "\u{fb01}", "\u{130}", "\u{4e2d}", "\t", "\0", "word", "Words", "2025",
        ];
        let mut t = String::new();
        while t.len() < len {
            *x = crate::hash::mix64(*x);
            let piece = PIECES[(*x % PIECES.len() as u64) as usize];
            // Now and then a long run of one piece, to cross block edges.
            let times = if (*x >> 40).is_multiple_of(17) {
                1 + (*x >> 48) % 80
            } else {
                1
            };
            for _ in 0..times {
                t.push_str(piece);
            }
        }
        t
    }

    #[test]
    fn block_scanner_equals_byte_scanner() {
        let mut x = 0x5EED_u64;
        let mut w = Words::default();
        for case in 0..4000 {
            let t = random_text(&mut x, case % 400);
            w.tokenize(&t);
            let want = by_bytes(&t);
            assert_eq!(w.hashes, want.hashes, "{t:?}");
            assert_eq!(w.flags, want.flags, "{t:?}");
            assert_eq!(w.line_ends, want.line_ends, "{t:?}");
        }
    }

    #[test]
    fn block_masks_equal_the_byte_table() {
        let mut x = 0xB10C_u64;
        for _ in 0..5000 {
            let mut block = [0u8; 64];
            for b in block.iter_mut() {
                x = crate::hash::mix64(x);
                const EDGES: &[u8] = b"aZz09AM .!?\n\r,@[`{/:\x7f\x80\xff";
                *b = if x & 1 == 0 {
                    EDGES[(x >> 8) as usize % EDGES.len()]
                } else {
                    (x >> 16) as u8
                };
            }
            assert_eq!(BlockMasks::of(&block), BlockMasks::by_bytes(&block));
        }
    }

    #[test]
    fn word_prefix_matches_a_byte_loop() {
        let mut x: u64 = 0x1234_5678_9abc_def1;
        for _ in 0..20_000 {
            x = crate::hash::mix64(x);
            // Bias bytes towards the interesting ranges.
            let mut b = x.to_le_bytes();
            for (k, byte) in b.iter_mut().enumerate() {
                if (x >> (k + 50)) & 1 == 1 {
                    *byte = b"aZ09 .,-\n\x7f@[`{/:"[(*byte % 16) as usize];
                }
            }
            let v = u64::from_le_bytes(b);
            let len = b.iter().take_while(|c| c.is_ascii_alphanumeric()).count();
            let alpha = b[..len].iter().any(u8::is_ascii_alphabetic);
            assert_eq!(word_prefix(v), (len, alpha), "{b:?}");
        }
    }
}
