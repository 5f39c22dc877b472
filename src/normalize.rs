//! The `normalize` stage: raw article text to comparable text.
//!
//! Output is lowercase text in Unicode NFKC form where every run of
//! characters that are not letters or digits (punctuation, curly and straight
//! quotes, every kind of dash, spaces, tabs) becomes one space, and line breaks
//! are kept as `\n` so the boilerplate filter can judge whole lines. So
//! `“Don’t” — said` and `"don't" - said` normalise to the same `don t said`;
//! full-width digits and ligatures fold to their plain forms.
//!
//! Pure ASCII text (most English news) takes a byte loop with no Unicode
//! tables; other text goes through NFKC and Unicode lowercasing.

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
    };
    if text.is_ascii() {
        for &b in text.as_bytes() {
            if b.is_ascii_alphanumeric() {
                w.push(b.to_ascii_lowercase() as char);
            } else {
                w.gap(b == b'\n' || b == b'\r');
            }
        }
    } else {
        for c in text.nfkc() {
            if c.is_alphanumeric() {
                for l in c.to_lowercase() {
                    // Lowercasing may yield combining marks (İ -> i̇): drop them.
                    if l.is_alphanumeric() {
                        w.push(l);
                    }
                }
            } else {
                w.gap(matches!(
                    c,
                    '\n' | '\r' | '\u{2028}' | '\u{2029}' | '\u{85}'
                ));
            }
        }
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
}

impl Writer<'_> {
    #[inline]
    fn push(&mut self, c: char) {
        match self.pending {
            Gap::Space => self.out.push(' '),
            Gap::Line => self.out.push('\n'),
            Gap::None | Gap::LineStart => {}
        }
        self.pending = Gap::None;
        self.out.push(c);
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
    fn nothing_but_punctuation_is_empty() {
        assert_eq!(normalize(" ... \n -- "), "");
    }
}
