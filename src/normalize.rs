//! The `normalize` stage: raw article text to comparable text.
//!
//! Output is lowercase text in Unicode NFKC form where every run of
//! characters that are not letters or digits (punctuation, curly and straight
//! quotes, every kind of dash, spaces, tabs) becomes one space, and line breaks
//! are kept as `\n` so the boilerplate filter can judge whole lines. So
//! `“Don’t” — said` and `"don't" - said` normalise to the same `don t said`;
//! full-width digits and ligatures fold to their plain forms.
//!
//! Speed: news text is mostly ASCII with a sprinkling of curly quotes and
//! dashes. ASCII bytes take a byte loop with no Unicode tables; the common
//! punctuation of the General Punctuation block (which NFKC maps to
//! punctuation or spaces, so to a separator here) is recognised directly;
//! only a word that holds another non-ASCII character goes through NFKC and
//! Unicode lowercasing, and it goes through whole (from its first byte), so
//! a letter followed by a combining mark composes exactly as NFKC would.

use unicode_normalization::UnicodeNormalization;

/// Writes the normalised form of `text` into `out` (cleared first).
///
/// Invariants: `out` holds only lowercase alphanumerics, single spaces and
/// `\n`; no line starts or ends with a space; no empty lines.
pub fn normalize_into(text: &str, out: &mut String) {
    out.clear();
    out.reserve(text.len());
    let mut w = Writer {
        out,
        pending: Gap::LineStart,
        word_out: 0,
    };
    let bytes = text.as_bytes();
    let mut word_in = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            if b.is_ascii_alphanumeric() {
                if w.push(b.to_ascii_lowercase() as char) {
                    word_in = i;
                }
            } else {
                w.gap(b == b'\n' || b == b'\r');
            }
            i += 1;
            continue;
        }
        let c = text[i..].chars().next().unwrap_or(' ');
        if let Some(newline) = separator(c) {
            w.gap(newline);
            i += c.len_utf8();
            continue;
        }
        // A word with a character that needs NFKC: redo it whole.
        let start = if w.pending == Gap::None {
            w.out.truncate(w.word_out);
            word_in
        } else {
            i
        };
        let mut end = i + c.len_utf8();
        while end < bytes.len() {
            let b = bytes[end];
            if b < 0x80 {
                if !b.is_ascii_alphanumeric() {
                    break;
                }
                end += 1;
            } else {
                let c = text[end..].chars().next().unwrap_or(' ');
                if separator(c).is_some() {
                    break;
                }
                end += c.len_utf8();
            }
        }
        for c in text[start..end].nfkc() {
            if c.is_alphanumeric() {
                for l in c.to_lowercase() {
                    // Lowercasing may yield combining marks (İ -> i̇): drop them.
                    if l.is_alphanumeric() {
                        w.push(l);
                    }
                }
            } else {
                w.gap(false);
            }
        }
        i = end;
    }
}

/// Non-ASCII characters that are separators whatever NFKC does to them:
/// `Some(true)` for line breaks, `Some(false)` for spaces and punctuation.
#[inline]
fn separator(c: char) -> Option<bool> {
    match c {
        '\u{2028}' | '\u{2029}' | '\u{85}' => Some(true),
        // No-break space, soft hyphen, the General Punctuation block (quotes,
        // dashes, spaces, ellipsis, bullets; NFKC keeps them non-alphanumeric).
        '\u{a0}' | '\u{ad}' | '\u{2000}'..='\u{206f}' => Some(false),
        _ => None,
    }
}

/// What separates the next character from the last one written.
#[derive(Clone, Copy, PartialEq)]
enum Gap {
    None,
    Space,
    Line,
    LineStart,
}

struct Writer<'a> {
    out: &'a mut String,
    pending: Gap,
    /// Where the current word starts in `out`.
    word_out: usize,
}

impl Writer<'_> {
    /// Writes `c`; returns whether it starts a new word.
    #[inline]
    fn push(&mut self, c: char) -> bool {
        let starts = self.pending != Gap::None;
        if starts {
            match self.pending {
                Gap::Space => self.out.push(' '),
                Gap::Line => self.out.push('\n'),
                Gap::None | Gap::LineStart => {}
            }
            self.pending = Gap::None;
            self.word_out = self.out.len();
        }
        self.out.push(c);
        starts
    }

    #[inline]
    fn gap(&mut self, newline: bool) {
        self.pending = match (self.pending, newline) {
            (Gap::LineStart, _) => Gap::LineStart,
            (_, true) | (Gap::Line, false) => Gap::Line,
            (Gap::None | Gap::Space, false) => Gap::Space,
        };
    }
}

/// Hash of one normalised (lowercase) word: a seeded multiply-xor fold of
/// its UTF-8 bytes in 8-byte little-endian chunks. Stable across versions,
/// platforms and runs (it decides every signature ever written).
#[inline]
pub fn word_hash(word: &[u8]) -> u64 {
    fold_word(word, 0)
}

/// [`word_hash`] of an ASCII alphanumeric word given in any case: for such
/// bytes, lowercasing is setting bit 0x20, done here eight bytes at a time.
#[inline]
fn ascii_word_hash(word: &[u8]) -> u64 {
    fold_word(word, 0x2020_2020_2020_2020)
}

#[inline]
fn fold_word(word: &[u8], or: u64) -> u64 {
    let mut h = (word.len() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut chunks = word.chunks_exact(8);
    for c in &mut chunks {
        let v = u64::from_le_bytes(c.try_into().unwrap_or([0; 8])) | or;
        h = crate::minhash::mix64(h ^ v);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut buf = [0u8; 8];
        buf[..rest.len()].copy_from_slice(rest);
        let mask = u64::MAX >> (64 - 8 * rest.len());
        h = crate::minhash::mix64(h ^ (u64::from_le_bytes(buf) | (or & mask)));
    }
    h
}

/// Hash of a line from the hashes of its words (stable).
#[inline]
pub fn line_hash(words: &[u64]) -> u64 {
    words.iter().fold(words.len() as u64, |h, &w| {
        (h.rotate_left(29) ^ w).wrapping_mul(0xD6E8_FEB8_6659_FD93)
    })
}

/// The words of a text as hashes, and where its lines end: the same words
/// and lines as [`normalize_into`] produces, without building the text.
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
        return crate::minhash::mix64(h ^ ((v | 0x2020_2020_2020_2020) & mask));
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
    pub fn extend(&mut self, text: &str) {
        let bytes = text.as_bytes();
        let n = bytes.len();
        let mut sentence = SENTENCE_START;
        let mut i = 0;
        while i < n {
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
        self.end_line();
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

/// The normalised form of `text`, as a new string.
pub fn normalize(text: &str) -> String {
    let mut s = String::new();
    normalize_into(text, &mut s);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_dashes_case_and_spaces_fold_together() {
        let a = normalize("\u{201c}Don\u{2019}t\u{201d} \u{2014} said  the MAYOR.");
        let b = normalize("\"don't\" - said the mayor");
        assert_eq!(a, "don t said the mayor");
        assert_eq!(a, b);
    }

    #[test]
    fn lines_are_kept_and_blank_lines_dropped() {
        assert_eq!(
            normalize("  First line!\r\n\r\n\n -- \nSecond, line  \n"),
            "first line\nsecond line"
        );
    }

    #[test]
    fn nfkc_folds_ligatures_and_width() {
        assert_eq!(
            normalize("ﬁnal ＡＢＣ １２３ Zürich"),
            "final abc 123 zürich"
        );
        assert_eq!(normalize("STRASSE İstanbul"), "strasse istanbul");
    }

    #[test]
    fn decomposed_and_composed_forms_agree() {
        // "Zürich", "café" with combining marks after ASCII letters.
        assert_eq!(
            normalize("Zu\u{308}rich cafe\u{301}s"),
            normalize("Zürich cafés")
        );
        assert_eq!(normalize("x\u{2019}s \u{2026}end\u{a0}now"), "x s end now");
    }

    #[test]
    fn fast_path_equals_full_nfkc() {
        let samples = [
            "Plain ASCII, with Punctuation!\nNew line",
            "“Quoted” — dash – en; ‘single’ … ellipsis",
            "Ｆｕｌｌ width ２０２５ and ﬁ ligature, Æsir ÉCOLE",
            "mixed cafe\u{301}\u{2014}word naïve\u{00a0}space",
        ];
        for s in samples {
            let slow: String = s
                .nfkc()
                .flat_map(char::to_lowercase)
                .map(|c| {
                    if c.is_alphanumeric() || c == '\n' {
                        c
                    } else {
                        ' '
                    }
                })
                .collect();
            let slow: Vec<String> = slow
                .lines()
                .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
                .filter(|l| !l.is_empty())
                .collect();
            assert_eq!(normalize(s), slow.join("\n"), "{s}");
        }
    }

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

    #[test]
    fn word_prefix_matches_a_byte_loop() {
        let mut x: u64 = 0x1234_5678_9abc_def1;
        for _ in 0..20_000 {
            x = crate::minhash::mix64(x);
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

    #[test]
    fn word_hash_is_stable_and_case_blind_for_ascii() {
        assert_eq!(ascii_word_hash(b"KherSON"), word_hash(b"kherson"));
        assert_eq!(ascii_word_hash(b"Ab12Cd34Ef56"), word_hash(b"ab12cd34ef56"));
        assert_ne!(word_hash(b"ab"), word_hash(b"ab\0"));
        // Changing this value changes every signature ever written.
        assert_eq!(word_hash(b"news"), 0xb2e2_80e5_71b2_9749);
    }

    #[test]
    fn nothing_but_punctuation_is_empty() {
        assert_eq!(normalize(" ... \n -- "), "");
    }
}
