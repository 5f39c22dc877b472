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
}

impl Date {
    /// Parses ISO 8601: `2025-03-14`, `2025-03-14T09:30:00Z`,
    /// `2025-03-14T09:30:00+02:00`, `2025-03-14 09:30:00` or
    /// `2025-03-14T09:30` (date-times without an offset are taken as UTC).
    pub fn parse(raw: &str) -> Result<Date, RecordProblem> {
        use chrono::{DateTime, NaiveDate, NaiveDateTime};
        let s = raw.trim();
        let seconds = if let Ok(d) = DateTime::parse_from_rfc3339(s) {
            d.timestamp()
        } else if let Some(d) = [
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%d %H:%M:%S%.f",
            "%Y-%m-%dT%H:%M",
        ]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        {
            d.and_utc().timestamp()
        } else if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            d.and_hms_opt(0, 0, 0)
                .map_or(0, |t| t.and_utc().timestamp())
        } else {
            return Err(RecordProblem::BadDate(s.to_string()));
        };
        Ok(Date {
            seconds,
            text: s.into(),
        })
    }
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
        let r = Record::new("a".into(), " \n ".into(), None, None, None);
        assert_eq!(r.unwrap_err(), RecordProblem::EmptyText);
        let r = Record::new("a".into(), "x".into(), Some(" ".into()), None, Some(""));
        let r = r.unwrap();
        assert!(r.title.is_none() && r.date.is_none());
    }
}
