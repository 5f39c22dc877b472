//! Between Python and the library: options to a [`Config`], errors to
//! exceptions, the result table to columns.
//!
//! Option names are the `cluster` command's flags with underscores
//! (`--story-cut` is `story_cut`), with the same meaning and the same
//! defaults, read from `Config::default()`: a flag that takes no value
//! (`--no-stories`) is a bool. Numbers in the columns are what the CSV
//! holds: similarities are the CSV's four-decimal text read back as floats.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use storyhash::config::{
    BadRecords, BoilerplateConfig, CanonicalPolicy, Config, Format, ShingleUnit, SourceFrom,
    StoryConfig, TextFormat, WarcId,
};
use storyhash::pipeline::Outcome;
use storyhash::write::{HEADER, HEADER_WITH_EVENTS};
use storyhash::{Error, ErrorKind};

/// Each error kind and the name of its exception class in `storyhash.errors`.
pub const KIND_NAMES: [(ErrorKind, &str); 5] = [
    (ErrorKind::UnreadableInput, "UnreadableInputError"),
    (ErrorKind::BadInput, "BadInputError"),
    (ErrorKind::BadSetting, "BadSettingError"),
    (ErrorKind::RefusedOutput, "RefusedOutputError"),
    (ErrorKind::UnwritableOutput, "UnwritableOutputError"),
];

/// The Python exception for a library error: the class of its kind, the
/// message the binary prints after `storyhash: `.
pub fn raise(py: Python<'_>, e: &Error) -> PyErr {
    let kind = e.kind();
    let name = KIND_NAMES
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or("StoryhashError", |(_, n)| *n);
    let class = py.import("storyhash.errors").and_then(|m| m.getattr(name));
    match class {
        Ok(class) => match class.call1((e.to_string(),)) {
            Ok(instance) => PyErr::from_value(instance),
            Err(err) => err,
        },
        Err(err) => err,
    }
}

/// A settings error as the Python exception of its kind.
pub fn setting(py: Python<'_>, message: String) -> PyErr {
    raise(py, &Error::Setting(message))
}

/// The option dict of `Config::default()`.
pub fn defaults_dict(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let c = Config::default();
    let story = c.story.clone().unwrap_or_default();
    let d = PyDict::new(py);
    d.set_item("format", py.None())?;
    d.set_item("id_field", &c.read.fields.id)?;
    d.set_item("text_field", &c.read.fields.text)?;
    d.set_item("title_field", &c.read.fields.title)?;
    d.set_item("source_field", &c.read.fields.source)?;
    d.set_item("date_field", &c.read.fields.date)?;
    d.set_item("date_format", c.read.fields.date_format.clone())?;
    d.set_item("skip_bad_records", c.read.bad_records == BadRecords::Skip)?;
    d.set_item(
        "text_format",
        match c.read.text_format {
            TextFormat::Plain => "plain",
            TextFormat::Html => "html",
        },
    )?;
    d.set_item(
        "warc_id",
        match c.read.warc_id {
            WarcId::TargetUri => "uri",
            WarcId::RecordId => "record",
        },
    )?;
    d.set_item(
        "source_from",
        match c.read.text_dir.source_from {
            SourceFrom::Dir => "dir",
            SourceFrom::None => "none",
        },
    )?;
    d.set_item("threshold", c.verify.threshold)?;
    d.set_item("containment", c.verify.containment.unwrap_or(1.0))?;
    d.set_item("no_containment", c.verify.containment.is_none())?;
    d.set_item("exact", c.verify.exact)?;
    d.set_item("shingle_size", c.shingle.k)?;
    d.set_item(
        "shingle_unit",
        match c.shingle.unit {
            ShingleUnit::Words => "words",
            ShingleUnit::Chars => "chars",
        },
    )?;
    d.set_item("num_perm", c.minhash.num_perm)?;
    d.set_item("seed", c.minhash.seed)?;
    d.set_item("bands", c.lsh.banding.map(|b| b.0))?;
    d.set_item("rows", c.lsh.banding.map(|b| b.1))?;
    d.set_item("no_boilerplate", c.normalize.boilerplate.is_none())?;
    d.set_item(
        "boilerplate_min_docs",
        c.normalize.boilerplate.clone().unwrap_or_default().min_docs,
    )?;
    d.set_item("event_cut", story.event_cut)?;
    d.set_item("story_cut", story.cut)?;
    d.set_item("no_stories", c.story.is_none())?;
    d.set_item(
        "canonical",
        match c.cluster.canonical {
            CanonicalPolicy::Earliest => "earliest",
            CanonicalPolicy::Longest => "longest",
            CanonicalPolicy::First => "first",
        },
    )?;
    d.set_item("prefer_source", PyList::new(py, &c.cluster.prefer_sources)?)?;
    d.set_item("threads", 0usize)?;
    Ok(d)
}

/// The validated [`Config`] and thread count of an option dict; absent
/// options keep their defaults, unknown ones are a `TypeError`.
pub fn config_from(options: &Bound<'_, PyDict>) -> PyResult<(Config, usize)> {
    let py = options.py();
    let mut c = Config::default();
    let mut threads = 0usize;
    let mut no_boilerplate = c.normalize.boilerplate.is_none();
    let mut min_docs = BoilerplateConfig::default().min_docs;
    let mut containment = c.verify.containment.unwrap_or(1.0);
    let mut no_containment = c.verify.containment.is_none();
    let mut no_stories = c.story.is_none();
    let mut cut = StoryConfig::default().cut;
    let mut event_cut = StoryConfig::default().event_cut;
    let (mut bands, mut rows): (Option<usize>, Option<usize>) = (None, None);
    for (k, v) in options.iter() {
        let key: String = k.extract()?;
        let wrong = |what: &str| {
            PyTypeError::new_err(format!(
                "option `{key}` must be {what}, found {}",
                v.get_type()
                    .name()
                    .map_or_else(|_| "?".to_string(), |n| n.to_string())
            ))
        };
        let text = || v.extract::<String>().map_err(|_| wrong("a string"));
        let flag = || v.extract::<bool>().map_err(|_| wrong("a bool"));
        let count = || {
            v.extract::<usize>()
                .map_err(|_| wrong("a non-negative int"))
        };
        let real = || v.extract::<f64>().map_err(|_| wrong("a number"));
        match key.as_str() {
            "format" => {
                c.read.format = match v
                    .extract::<Option<String>>()
                    .map_err(|_| wrong("a string"))?
                {
                    None => None,
                    Some(f) => Some(match f.as_str() {
                        "jsonl" => Format::JsonLines,
                        "csv" => Format::Csv,
                        "txt" => Format::TextDir,
                        "html" => Format::HtmlDir,
                        "warc" => Format::Warc,
                        _ => {
                            return Err(setting(
                                py,
                                format!(
                                    "format must be jsonl, csv, txt, html or warc, found `{f}`"
                                ),
                            ));
                        }
                    }),
                }
            }
            "id_field" => c.read.fields.id = text()?,
            "text_field" => c.read.fields.text = text()?,
            "title_field" => c.read.fields.title = text()?,
            "source_field" => c.read.fields.source = text()?,
            "date_field" => c.read.fields.date = text()?,
            "date_format" => {
                c.read.fields.date_format = v
                    .extract::<Option<String>>()
                    .map_err(|_| wrong("a string or None"))?
            }
            "text_format" => {
                c.read.text_format = match text()?.as_str() {
                    "plain" => TextFormat::Plain,
                    "html" => TextFormat::Html,
                    other => {
                        return Err(setting(
                            py,
                            format!("text_format must be plain or html, found `{other}`"),
                        ));
                    }
                }
            }
            "warc_id" => {
                c.read.warc_id = match text()?.as_str() {
                    "uri" => WarcId::TargetUri,
                    "record" => WarcId::RecordId,
                    other => {
                        return Err(setting(
                            py,
                            format!("warc_id must be uri or record, found `{other}`"),
                        ));
                    }
                }
            }
            "source_from" => {
                c.read.text_dir.source_from = match text()?.as_str() {
                    "dir" => SourceFrom::Dir,
                    "none" => SourceFrom::None,
                    other => {
                        return Err(setting(
                            py,
                            format!("source_from must be dir or none, found `{other}`"),
                        ));
                    }
                }
            }
            "skip_bad_records" => {
                c.read.bad_records = if flag()? {
                    BadRecords::Skip
                } else {
                    BadRecords::Fail
                }
            }
            "threshold" => c.verify.threshold = real()?,
            "containment" => containment = real()?,
            "no_containment" => no_containment = flag()?,
            "exact" => c.verify.exact = flag()?,
            "shingle_size" => c.shingle.k = count()?,
            "shingle_unit" => {
                c.shingle.unit = match text()?.as_str() {
                    "words" => ShingleUnit::Words,
                    "chars" => ShingleUnit::Chars,
                    other => {
                        return Err(setting(
                            py,
                            format!("shingle_unit must be words or chars, found `{other}`"),
                        ));
                    }
                }
            }
            "num_perm" => c.minhash.num_perm = count()?,
            "seed" => c.minhash.seed = v.extract::<u64>().map_err(|_| wrong("an int"))?,
            "bands" => bands = v.extract().map_err(|_| wrong("an int or None"))?,
            "rows" => rows = v.extract().map_err(|_| wrong("an int or None"))?,
            "no_boilerplate" => no_boilerplate = flag()?,
            "boilerplate_min_docs" => {
                min_docs = v
                    .extract::<u32>()
                    .map_err(|_| wrong("a non-negative int"))?
            }
            "story_cut" => cut = real()?,
            "event_cut" => event_cut = real()?,
            "no_stories" => no_stories = flag()?,
            "canonical" => {
                c.cluster.canonical = match text()?.as_str() {
                    "earliest" => CanonicalPolicy::Earliest,
                    "longest" => CanonicalPolicy::Longest,
                    "first" => CanonicalPolicy::First,
                    other => {
                        return Err(setting(
                            py,
                            format!(
                                "canonical must be earliest, longest or first, found `{other}`"
                            ),
                        ));
                    }
                }
            }
            "prefer_source" => {
                c.cluster.prefer_sources = v
                    .extract::<Vec<String>>()
                    .map_err(|_| wrong("a list of strings"))?
            }
            "threads" => threads = count()?,
            _ => {
                return Err(PyTypeError::new_err(format!(
                    "unexpected option `{key}`; the options are the flags of `storyhash cluster` \
                     with underscores (see storyhash.defaults())"
                )));
            }
        }
    }
    if bands.is_some() != rows.is_some() {
        return Err(setting(
            py,
            "bands and rows must be given together".to_string(),
        ));
    }
    c.lsh.banding = bands.zip(rows);
    c.normalize.boilerplate = (!no_boilerplate).then_some(BoilerplateConfig { min_docs });
    c.verify.containment = (!no_containment).then_some(containment);
    c.story = (!no_stories).then(|| StoryConfig {
        cut,
        event_cut,
        ..StoryConfig::default()
    });
    c.validate().map_err(|e| raise(py, &e))?;
    Ok((c, threads))
}

/// The result table as columns, made without the GIL and handed to Python
/// with it.
pub struct Columns {
    header: Vec<&'static str>,
    text: Vec<(&'static str, Vec<Option<String>>)>,
    counts: Vec<(&'static str, Vec<u32>)>,
    flags: Vec<(&'static str, Vec<bool>)>,
    reals: Vec<(&'static str, Vec<Option<f64>>)>,
    skipped: Vec<(String, String)>,
}

/// A score as the CSV writes it (four decimals), read back.
fn four_decimals(x: f32) -> f64 {
    format!("{x:.4}").parse().unwrap_or(f64::NAN)
}

impl Columns {
    /// The columns of the CSV `storyhash cluster` would write for `outcome`.
    pub fn of(outcome: &Outcome) -> Columns {
        let t = &outcome.table;
        let header: Vec<&'static str> = if t.events.is_some() {
            HEADER_WITH_EVENTS.to_vec()
        } else {
            HEADER.to_vec()
        };
        let n = t.len();
        let mut text: Vec<(&'static str, Vec<Option<String>>)> = Vec::new();
        let mut counts: Vec<(&'static str, Vec<u32>)> = Vec::new();
        let mut flags: Vec<(&'static str, Vec<bool>)> = Vec::new();
        let mut reals: Vec<(&'static str, Vec<Option<f64>>)> = Vec::new();
        for &col in &header {
            match col {
                "id" | "dup_group" | "event" | "story" | "matched" | "source" | "date" => {
                    text.push((col, Vec::with_capacity(n)))
                }
                "group_size" | "event_size" | "story_size" => {
                    counts.push((col, Vec::with_capacity(n)))
                }
                "canonical" => flags.push((col, Vec::with_capacity(n))),
                _ => reals.push((col, Vec::with_capacity(n))),
            }
        }
        for r in t.rows() {
            for (col, v) in &mut text {
                v.push(match *col {
                    "id" => Some(r.id.to_string()),
                    "dup_group" => Some(r.dup_group.to_string()),
                    "event" => r.event.map(str::to_string),
                    "story" => Some(r.story.to_string()),
                    "matched" => r.matched.map(|m| m.0.to_string()),
                    "source" => r.source.map(str::to_string),
                    _ => r.date.map(|d| d.text.to_string()),
                });
            }
            for (col, v) in &mut counts {
                v.push(match *col {
                    "group_size" => r.group_size,
                    "event_size" => r.event_size.unwrap_or(0),
                    _ => r.story_size,
                });
            }
            for (_, v) in &mut flags {
                v.push(r.canonical);
            }
            for (col, v) in &mut reals {
                v.push(
                    r.matched
                        .map(|m| four_decimals(if *col == "similarity" { m.1 } else { m.2 })),
                );
            }
        }
        Columns {
            header,
            text,
            counts,
            flags,
            reals,
            skipped: outcome
                .skipped
                .iter()
                .map(|(at, p)| (at.to_string(), p.to_string()))
                .collect(),
        }
    }

    /// `(header, {column: list}, skipped)`.
    pub fn into_python(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        let d = PyDict::new(py);
        for (col, v) in self.text {
            d.set_item(col, PyList::new(py, v)?)?;
        }
        for (col, v) in self.counts {
            d.set_item(col, PyList::new(py, v)?)?;
        }
        for (col, v) in self.flags {
            d.set_item(col, PyList::new(py, v)?)?;
        }
        for (col, v) in self.reals {
            d.set_item(col, PyList::new(py, v)?)?;
        }
        let header = PyList::new(py, self.header)?;
        let skipped = PyList::new(py, self.skipped)?;
        (header, d, skipped).into_pyobject(py).map(|t| t.into_any())
    }
}

/// A `ValueError` for arrays that do not fit together.
pub fn shape(message: String) -> PyErr {
    PyValueError::new_err(message)
}
