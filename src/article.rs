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

    /// Parses ISO 8601: `2025-03-14`, `2025-03-14T09:30:00Z`,
    /// `2025-03-14T09:30:00+02:00`, `2025-03-14 09:30:00` or
    /// `2025-03-14T09:30` (date-times without an offset are taken as UTC).
    pub fn parse(raw: &str) -> Result<Date, RecordProblem> {
        use chrono::{DateTime, NaiveDate, NaiveDateTime};
        let s = raw.trim();
        if let Some(day) = plain_date(s) {
            return Ok(Date {
                seconds: day,
                has_time: false,
                text: s.into(),
            });
        }
        const FORMATS: [&str; 3] = [
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%d %H:%M:%S%.f",
            "%Y-%m-%dT%H:%M",
        ];
        let (seconds, has_time) = if let Ok(d) = DateTime::parse_from_rfc3339(s) {
            (d.timestamp(), true)
        } else if let Some(d) = FORMATS
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        {
            (d.and_utc().timestamp(), true)
        } else if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            let midnight = d.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp());
            (midnight.unwrap_or(0), false)
        } else {
            return Err(RecordProblem::BadDate(s.to_string()));
        };
        Ok(Date {
            seconds,
            has_time,
            text: s.into(),
        })
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
}

impl Record {
    /// Builds a record from raw field values, checking the text and date.
    pub fn new(
        id: String,
        text: String,
        title: Option<String>,
        source: Option<String>,
        date: Option<&str>,
    ) -> Result<Record, RecordProblem> {
        if text.trim().is_empty() {
            return Err(RecordProblem::EmptyText);
        }
        let date = match date.map(str::trim) {
            None | Some("") => None,
            Some(d) => Some(Date::parse(d)?),
        };
        let nonempty = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
        Ok(Record {
            id,
            text,
            title: nonempty(title),
            source: nonempty(source),
            date,
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
    /// A `.txt` article: the file, and its path below the input directory.
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
        let r = Record::new("a".into(), " \n ".into(), None, None, None);
        assert_eq!(r.unwrap_err(), RecordProblem::EmptyText);
        let r = Record::new("a".into(), "x".into(), Some(" ".into()), None, Some(""));
        let r = r.unwrap();
        assert!(r.title.is_none() && r.date.is_none());
    }
}
