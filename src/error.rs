//! The library's one error type.
//!
//! Every variant carries what the user needs to fix the problem: the file and
//! line of a bad record, what was expected and what was found, and where a
//! flag changes the behaviour, the flag. The binary prints the error on one
//! line as `storyhash: <message>`; the library never prints.

use std::path::PathBuf;

/// Where a record came from: the input's display name and its 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// Display name of the input (`<stdin>` for standard input); shared by
    /// every article of the input.
    pub input: std::sync::Arc<str>,
    /// 1-based line of the record's first byte (for a `.txt` directory: 1).
    pub line: u64,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.input, self.line)
    }
}

/// What is wrong with one input record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordProblem {
    /// The line is not a JSON object.
    #[error("invalid JSON ({0})")]
    Json(String),
    /// A required field or column is absent.
    #[error("missing field `{field}` (rename it with {flag})")]
    MissingField {
        /// The field name that was looked up.
        field: String,
        /// The flag that remaps it.
        flag: &'static str,
    },
    /// A field has a type the tool cannot use.
    #[error("field `{field}` must be {expected}, found {found}")]
    FieldType {
        /// The field name.
        field: String,
        /// What the field should hold.
        expected: &'static str,
        /// What it held.
        found: String,
    },
    /// A CSV row has more or fewer fields than the header.
    #[error("CSV row has {found} fields, the header has {expected}")]
    ShortRow {
        /// Number of header columns.
        expected: usize,
        /// Number of fields in the row.
        found: usize,
    },
    /// The bytes are not UTF-8.
    #[error("invalid UTF-8 at byte {0} of the record")]
    Utf8(usize),
    /// The text is empty or holds only whitespace.
    #[error("empty text")]
    EmptyText,
    /// The date is in no form the tool reads.
    #[error(
        "date `{0}` is in no form storyhash reads (ISO 8601 like 2025-03-14T09:30:00Z, \
         RFC 2822 like Fri, 14 Mar 2025 09:30:00 GMT, 2025/03/14, epoch seconds; \
         give others with --date-format)"
    )]
    BadDate(String),
    /// The id was already used by an earlier record.
    #[error("duplicate id `{id}` (first seen at {first})")]
    DuplicateId {
        /// The repeated id.
        id: String,
        /// Where it was first seen.
        first: Location,
    },
}

/// The library's error: one variant per cause, each carrying its data.
///
/// [`Error::kind`] sorts them into the few kinds a front end acts on (the
/// binary maps kinds to exit codes; a Python binding to exception types).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An input could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// One record is bad and the user did not ask to skip bad records.
    #[error("{location}: {problem} (use --skip-bad-records to skip such records)")]
    Record {
        /// Where the record is.
        location: Location,
        /// What is wrong with it.
        problem: RecordProblem,
    },
    /// An optional field of a record cannot be read, and the user did not
    /// ask to keep such articles without it.
    #[error(
        "{location}: {problem} (use --skip-bad-records to keep such articles without the field)"
    )]
    Field {
        /// Where the record is.
        location: Location,
        /// What is wrong with the field.
        problem: RecordProblem,
    },
    /// A CSV header lacks a column the tool needs.
    #[error(
        "{input}: the CSV header has no column `{column}` (columns: {found}; choose one with {flag})"
    )]
    MissingColumn {
        /// The input.
        input: String,
        /// The column looked up.
        column: String,
        /// The columns that are there.
        found: String,
        /// The flag that picks another column.
        flag: &'static str,
    },
    /// An input as a whole cannot be used (not valid CSV, no articles in a
    /// directory, a label file without the column asked for).
    #[error("{at}: {reason}")]
    Input {
        /// The input, with `:line` where one line is at fault.
        at: String,
        /// What is wrong, and what to do about it.
        reason: String,
    },
    /// A setting is out of range, or the settings do not fit the inputs.
    #[error("{0}")]
    Setting(String),
    /// An output was refused before anything was written (it would
    /// overwrite an input, or it exists where a new one must be made).
    #[error("{path}: {reason}")]
    Refused {
        /// The path named by the user.
        path: PathBuf,
        /// Why, and what to do instead.
        reason: String,
    },
    /// Writing the output failed.
    #[error("writing {path}: {source}")]
    Write {
        /// The output path (`<stdout>` for standard output).
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// What kind of failure an [`Error`] is: what a front end decides on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// An input could not be opened or read.
    UnreadableInput,
    /// A record, or an input as a whole, is not what the tool reads.
    BadInput,
    /// A setting is wrong, or does not fit the inputs.
    BadSetting,
    /// An output was refused before any work.
    RefusedOutput,
    /// An output could not be written.
    UnwritableOutput,
}

impl Error {
    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Io { .. } => ErrorKind::UnreadableInput,
            Error::Record { .. }
            | Error::Field { .. }
            | Error::MissingColumn { .. }
            | Error::Input { .. } => ErrorKind::BadInput,
            Error::Setting(_) => ErrorKind::BadSetting,
            Error::Refused { .. } => ErrorKind::RefusedOutput,
            Error::Write { .. } => ErrorKind::UnwritableOutput,
        }
    }

    /// An input that cannot be used as a whole.
    pub fn input(at: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Input {
            at: at.into(),
            reason: reason.into(),
        }
    }

    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
