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
pub(crate) fn separator(c: char) -> Option<bool> {
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

    #[test]
    fn nothing_but_punctuation_is_empty() {
        assert_eq!(normalize(" ... \n -- "), "");
    }
}
