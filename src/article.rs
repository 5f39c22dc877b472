//! Articles: the records readers produce and the metadata kept for a run.
//!
//! A [`Record`] owns its text only until the signature stages are done with
//! it; what outlives it is an [`ArticleMeta`] (id, outlet, date, where it came
//! from). Articles are numbered in input order by [`ArticleId`], which is what
//! every later stage indexes by.

use crate::error::{Location, RecordProblem};

/// Index of an article in input order (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ArticleId(pub u32);

impl ArticleId {
    /// The index as `usize`, for slicing.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A publication date or date-time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Date {
    /// Seconds since 1970-01-01T00:00:00Z (a bare date counts as midnight UTC).
    pub seconds: i64,
    /// The date as written in the input, trimmed.
    pub text: Box<str>,
    /// Whether a time of day was given (a bare date covers a whole day).
    pub has_time: bool,
}

impl Date {
    /// Sort key for "earliest": by day, then by time where one is given; a
    /// bare date sorts after the timed articles of its day, since it may
    /// stand for any moment of it.
    pub fn order_key(&self) -> (i64, i64) {
        let day = self.seconds.div_euclid(86_400);
        let within = if self.has_time {
            self.seconds.rem_euclid(86_400)
        } else {
            86_400
        };
        (day, within)
    }

    /// Parses a date in the forms news feeds use: ISO 8601 (`2025-03-14`,
    /// `2025-03-14T09:30:00Z`, `2025-03-14T09:30:00+02:00` or `+0200`,
    /// `2025-03-14 09:30:00`, `2025-03-14T09:30`, the basic `20250314` and
    /// `20250314T093000Z`), RFC 2822 (`Fri, 14 Mar 2025 09:30:00 GMT`, the
    /// usual RSS date), `2025/03/14` (with or without a time), and epoch
    /// seconds (9 to 11 digits; 13 digits are read as milliseconds).
    /// Date-times without an offset are taken as UTC.
    pub fn parse(raw: &str) -> Result<Date, RecordProblem> {
        Date::parse_with(raw, None)
    }

    /// [`Date::parse`], trying the chrono `format` (`--date-format`) first.
    pub fn parse_with(raw: &str, format: Option<&str>) -> Result<Date, RecordProblem> {
        let s = raw.trim();
        if let Some(day) = plain_date(s) {
            return Ok(Date {
                seconds: day,
                has_time: false,
                text: s.into(),
            });
        }
        let found = format
            .and_then(|f| with_format(s, f))
            .or_else(|| builtin(s))
            .ok_or_else(|| RecordProblem::BadDate(s.to_string()))?;
        Ok(Date {
            seconds: found.0,
            has_time: found.1,
            text: s.into(),
        })
    }
}

/// Seconds and whether a time was given, by a user's chrono format (with
/// an offset, a naive date-time taken as UTC, or a bare date).
fn with_format(s: &str, f: &str) -> Option<(i64, bool)> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime};
    if let Ok(d) = DateTime::parse_from_str(s, f) {
        return Some((d.timestamp(), true));
    }
    if let Ok(d) = NaiveDateTime::parse_from_str(s, f) {
        return Some((d.and_utc().timestamp(), true));
    }
    let d = NaiveDate::parse_from_str(s, f).ok()?;
    Some((d.and_hms_opt(0, 0, 0)?.and_utc().timestamp(), false))
}

/// The forms read without `--date-format`.
fn builtin(s: &str) -> Option<(i64, bool)> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime};
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some((d.timestamp(), true));
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return epoch_or_basic(s);
    }
    // A trailing `Z` is the zero offset, which `%z` does not accept.
    let zoned = match s.strip_suffix(['Z', 'z']) {
        Some(rest) => format!("{rest}+0000"),
        None => s.to_string(),
    };
    // `%z` takes `+02:00` and `+0200` alike.
    const ZONED: [&str; 6] = [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
        "%Y%m%dT%H%M%S%z",
        "%Y%m%dT%H%M%z",
        "%Y/%m/%d %H:%M:%S%z",
    ];
    if let Some(d) = ZONED
        .iter()
        .find_map(|f| DateTime::parse_from_str(&zoned, f).ok())
    {
        return Some((d.timestamp(), true));
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(s) {
        return Some((d.timestamp(), true));
    }
    const NAIVE: [&str; 7] = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y/%m/%d %H:%M:%S",
        "%Y/%m/%d %H:%M",
        "%Y%m%dT%H%M%S",
        "%Y%m%dT%H%M",
    ];
    if let Some(d) = NAIVE
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
    {
        return Some((d.and_utc().timestamp(), true));
    }
    let d = ["%Y-%m-%d", "%Y/%m/%d"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(s, f).ok())?;
    Some((d.and_hms_opt(0, 0, 0)?.and_utc().timestamp(), false))
}

/// All digits: `YYYYMMDD` (8), epoch seconds (9 to 11: 1973 to 5138) or
/// epoch milliseconds (13).
fn epoch_or_basic(s: &str) -> Option<(i64, bool)> {
    match s.len() {
        8 => {
            let d = chrono::NaiveDate::parse_from_str(s, "%Y%m%d").ok()?;
            Some((d.and_hms_opt(0, 0, 0)?.and_utc().timestamp(), false))
        }
        9..=11 => Some((s.parse().ok()?, true)),
        13 => Some((s.parse::<i64>().ok()? / 1000, true)),
        _ => None,
    }
}

/// Midnight UTC of a bare `YYYY-MM-DD` date, parsed without chrono's
/// format machinery (the common case; trying each format in turn cost more
/// than the rest of the record's parsing).
fn plain_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let d = chrono::NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)?;
    Some(d.and_hms_opt(0, 0, 0)?.and_utc().timestamp())
}

/// One article as read from an input.
#[derive(Debug, Clone)]
pub struct Record {
    /// The user's id (numbers are kept as written).
    pub id: String,
    /// The body.
    pub text: String,
    /// Headline, if any.
    pub title: Option<String>,
    /// Outlet, if any.
    pub source: Option<String>,
    /// Publication date, if any.
    pub date: Option<Date>,
    /// Optional fields that could not be read and were left out (a date in
    /// no known form, say): the article is kept without them.
    pub ignored: Vec<RecordProblem>,
}

impl Record {
    /// Builds a record from raw field values, checking the text and reading
    /// the date (with the chrono `date_format` first, if given). A date that
    /// cannot be read is left out and noted in [`Record::ignored`].
    pub fn new(
        id: String,
        text: String,
        title: Option<String>,
        source: Option<String>,
        date: Option<&str>,
        date_format: Option<&str>,
    ) -> Result<Record, RecordProblem> {
        if text.trim().is_empty() {
            return Err(RecordProblem::EmptyText);
        }
        let mut ignored = Vec::new();
        let date = match date.map(str::trim) {
            None | Some("") => None,
            Some(d) => match Date::parse_with(d, date_format) {
                Ok(d) => Some(d),
                Err(p) => {
                    ignored.push(p);
                    None
                }
            },
        };
        let nonempty = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
        Ok(Record {
            id,
            text,
            title: nonempty(title),
            source: nonempty(source),
            date,
            ignored,
        })
    }
}

/// What the run keeps of an article after its text is gone.
#[derive(Debug, Clone)]
pub struct ArticleMeta {
    /// The user's id.
    pub id: Box<str>,
    /// Outlet, if any.
    pub source: Option<Box<str>>,
    /// Publication date, if any.
    pub date: Option<Date>,
    /// Headline, if any.
    pub title: Option<Box<str>>,
    /// Where the record was read.
    pub location: Location,
}

/// One input record as it was read, for writing back unchanged (`dedup`).
#[derive(Debug, Clone, Copy)]
pub enum Raw<'a> {
    /// A CSV input's header; it comes before the input's rows.
    CsvHeader(&'a csv::ByteRecord),
    /// A JSON line, without its line break.
    JsonLine(&'a [u8]),
    /// A CSV row, field for field.
    CsvRow(&'a csv::ByteRecord),
    /// A web archive record: its bytes in the file (the gzip member of a
    /// compressed record), and whether it describes the crawl (`warcinfo`)
    /// rather than a page.
    WarcRecord {
        /// The record as stored.
        bytes: &'a [u8],
        /// Whether it is a `warcinfo` record (kept with any kept page).
        info: bool,
    },
    /// A `.txt` article or a saved web page: the file, and its path below
    /// the input directory.
    TextFile {
        /// The file to copy.
        path: &'a std::path::Path,
        /// Where it goes below the output directory.
        rel: &'a std::path::Path,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_iso_forms_parse_to_the_same_instant() {
        let day = Date::parse("2025-03-14").unwrap().seconds;
        assert_eq!(day, 1_741_910_400);
        assert_eq!(Date::parse("2025-03-14T00:00:00Z").unwrap().seconds, day);
        assert_eq!(
            Date::parse("2025-03-14T02:00:00+02:00").unwrap().seconds,
            day
        );
        assert_eq!(Date::parse(" 2025-03-14 00:00:00 ").unwrap().seconds, day);
        assert_eq!(
            Date::parse("2025-03-14T09:30").unwrap().seconds,
            day + 34_200
        );
    }

    #[test]
    fn dates_in_feed_forms_parse_to_the_same_instant() {
        let at = Date::parse("2026-12-01T10:00:00Z").unwrap().seconds;
        for form in [
            "Tue, 01 Dec 2026 10:00:00 GMT",
            "Tue, 1 Dec 2026 12:00:00 +0200",
            "2026-12-01T12:00:00+0200",
            "2026-12-01T12:00:00+02:00",
            "20261201T100000Z",
            "20261201T120000+0200",
            "2026/12/01 10:00:00",
            "1796119200",
            "1796119200000",
        ] {
            assert_eq!(Date::parse(form).map(|d| d.seconds), Ok(at), "{form}");
        }
        let day = Date::parse("2026-12-01").unwrap();
        for form in ["2026/12/01", "20261201"] {
            let d = Date::parse(form).unwrap();
            assert_eq!((d.seconds, d.has_time), (day.seconds, false), "{form}");
        }
        let d = Date::parse_with("01.12.2026 10:00", Some("%d.%m.%Y %H:%M")).unwrap();
        assert_eq!(d.seconds, at);
        assert!(Date::parse("01.12.2026 10:00").is_err());
    }

    #[test]
    fn a_bad_date_leaves_the_record_without_it() {
        let r = Record::new("a".into(), "x".into(), None, None, Some("soon"), None).unwrap();
        assert!(r.date.is_none());
        assert_eq!(r.ignored, [RecordProblem::BadDate("soon".into())]);
    }

    #[test]
    fn bad_dates_and_empty_texts_are_problems() {
        assert_eq!(
            Date::parse("yesterday"),
            Err(RecordProblem::BadDate("yesterday".into()))
        );
        assert_eq!(
            Date::parse("2025-02-30"),
            Err(RecordProblem::BadDate("2025-02-30".into()))
        );
        // The bare-date fast path agrees with the full parser.
        assert_eq!(
            Date::parse("2024-02-29").unwrap().seconds,
            Date::parse("2024-02-29T00:00:00Z").unwrap().seconds
        );
        let r = Record::new("a".into(), " \n ".into(), None, None, None, None);
        assert_eq!(r.unwrap_err(), RecordProblem::EmptyText);
        let r = Record::new(
            "a".into(),
            "x".into(),
            Some(" ".into()),
            None,
            Some(""),
            None,
        );
        let r = r.unwrap();
        assert!(r.title.is_none() && r.date.is_none());
    }
}
