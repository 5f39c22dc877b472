//! JSON Lines: one article object per line.
//!
//! The reading thread only cuts the stream into lines (with `memchr`); each
//! line is parsed on a worker by [`parse`], which looks up the configured
//! field names in one pass over the object and skips every other field
//! without building it.

use std::fmt;
use std::io::Read;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};

use std::sync::Arc;

use super::{BATCH_BYTES, Batch, BufferPool, Items};
use crate::article::Record;
use crate::config::FieldNames;
use crate::error::{Error, RecordProblem, Result};

/// Reads `r` to the end, handing batches of whole lines to `sink`.
pub(super) fn scan(
    mut r: Box<dyn Read + Send>,
    name: &str,
    input: usize,
    pool: &Arc<BufferPool>,
    sink: &mut dyn FnMut(Batch) -> bool,
) -> Result<bool> {
    let mut next_line: u64 = 1;
    let mut carry: Vec<u8> = Vec::new();
    // Leading bytes of `carry` known to hold no line break (a line longer
    // than a batch, still being read): searched once, not on every read,
    // which made reading a 200 MB line quadratic.
    let mut clean = 0usize;
    let mut first = true;
    loop {
        let mut batch = pool.take();
        if carry.len() > BATCH_BYTES / 2 {
            // A long line being read: move it rather than copy it again.
            std::mem::swap(&mut batch.bytes, &mut carry);
        } else {
            batch.bytes.extend_from_slice(&carry);
        }
        carry.clear();
        let buf = &mut batch.bytes;
        // Read straight into the batch buffer: one batch, or to the end.
        let mut want = BATCH_BYTES.saturating_sub(buf.len()).max(64 << 10);
        let searched = std::mem::take(&mut clean);
        if searched > 0 {
            // A long line: grow geometrically, so it takes a few reads.
            want = want.max(buf.len());
        }
        buf.reserve(want);
        let got = (&mut r)
            .take(want as u64)
            .read_to_end(buf)
            .map_err(|e| Error::io(name, e))?;
        let eof = got < want;
        if first {
            if buf.starts_with(b"\xEF\xBB\xBF") {
                buf.drain(..3);
            }
            first = false;
        }
        let end = if eof {
            buf.len()
        } else {
            match memchr::memrchr(b'\n', &buf[searched..]) {
                Some(i) => searched + i + 1,
                None => {
                    // One line longer than a batch: keep reading it.
                    clean = buf.len();
                    carry = std::mem::take(buf);
                    continue;
                }
            }
        };
        carry.extend_from_slice(&buf[end..]);
        buf.truncate(end);
        let mut lines = Vec::new();
        let mut start = 0;
        while start < buf.len() {
            let stop = memchr::memchr(b'\n', &buf[start..]).map_or(buf.len(), |i| start + i);
            let mut e = stop;
            if e > start && buf[e - 1] == b'\r' {
                e -= 1;
            }
            if buf[start..e].iter().any(|b| !b.is_ascii_whitespace()) {
                lines.push((next_line, start, e));
            }
            next_line += 1;
            start = stop + 1;
        }
        if !lines.is_empty()
            && !sink(Batch {
                input,
                items: Items::Json { buf: batch, lines },
            })
        {
            return Ok(false);
        }
        if eof {
            return Ok(true);
        }
    }
}

/// Parses one JSON object into a record.
pub(super) fn parse(line: &[u8], fields: &FieldNames) -> Result<Record, RecordProblem> {
    let text = std::str::from_utf8(line).map_err(|e| RecordProblem::Utf8(e.valid_up_to()))?;
    let mut de = serde_json::Deserializer::from_str(text);
    let raw = RawFieldsSeed { names: fields }
        .deserialize(&mut de)
        .and_then(|r| de.end().map(|()| r))
        .map_err(|e| {
            // serde counts lines within the record, which is always one line.
            let msg = e.to_string();
            let msg = match msg.rfind(" at line 1 column ") {
                Some(i) => format!("{} at column {}", &msg[..i], e.column()),
                None => msg,
            };
            RecordProblem::Json(msg)
        })?;
    let id = match raw.id {
        Some(Scalar::Str(s)) | Some(Scalar::Num(s)) => s,
        Some(other) => return Err(type_error(&fields.id, "a string or a number", &other)),
        None => return Err(missing(&fields.id, "--id-field")),
    };
    let text = match raw.text {
        Some(Scalar::Str(s)) => s,
        Some(other) => return Err(type_error(&fields.text, "a string", &other)),
        None => return Err(missing(&fields.text, "--text-field")),
    };
    // An optional field of the wrong type is left out, not the article.
    let mut ignored = Vec::new();
    let mut opt = |v, name| {
        optional_string(v, name).unwrap_or_else(|p| {
            ignored.push(p);
            None
        })
    };
    let title = opt(raw.title, &fields.title);
    let source = opt(raw.source, &fields.source);
    let date = opt(raw.date, &fields.date);
    let mut r = Record::new(
        id,
        text,
        title,
        source,
        date.as_deref(),
        fields.date_format.as_deref(),
    )?;
    ignored.append(&mut r.ignored);
    r.ignored = ignored;
    Ok(r)
}

fn missing(field: &str, flag: &'static str) -> RecordProblem {
    RecordProblem::MissingField {
        field: field.to_string(),
        flag,
    }
}

fn type_error(field: &str, expected: &'static str, found: &Scalar) -> RecordProblem {
    RecordProblem::FieldType {
        field: field.to_string(),
        expected,
        found: found.kind().to_string(),
    }
}

fn optional_string(v: Option<Scalar>, field: &str) -> Result<Option<String>, RecordProblem> {
    match v {
        None | Some(Scalar::Null) => Ok(None),
        Some(Scalar::Str(s)) | Some(Scalar::Num(s)) => Ok(Some(s)),
        Some(other) => Err(type_error(field, "a string", &other)),
    }
}

/// The fields the tool uses, as found in one object.
#[derive(Default)]
struct RawFields {
    id: Option<Scalar>,
    text: Option<Scalar>,
    title: Option<Scalar>,
    source: Option<Scalar>,
    date: Option<Scalar>,
}

/// A JSON value reduced to what the tool can use.
enum Scalar {
    Str(String),
    Num(String),
    Null,
    Other(&'static str),
}

impl Scalar {
    fn kind(&self) -> &'static str {
        match self {
            Scalar::Str(_) => "a string",
            Scalar::Num(_) => "a number",
            Scalar::Null => "null",
            Scalar::Other(k) => k,
        }
    }
}

impl<'de> de::Deserialize<'de> for Scalar {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_str<E>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar::Str(v.to_string()))
            }
            fn visit_string<E>(self, v: String) -> Result<Scalar, E> {
                Ok(Scalar::Str(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar::Num(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar::Num(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar::Num(v.to_string()))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Scalar, E> {
                Ok(Scalar::Other("a boolean"))
            }
            fn visit_unit<E>(self) -> Result<Scalar, E> {
                Ok(Scalar::Null)
            }
            fn visit_none<E>(self) -> Result<Scalar, E> {
                Ok(Scalar::Null)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut a: A) -> Result<Scalar, A::Error> {
                while a.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other("an array"))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Scalar, A::Error> {
                while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other("an object"))
            }
        }
        d.deserialize_any(V)
    }
}

/// Which of the configured names a key is.
enum Key {
    Id,
    Text,
    Title,
    Source,
    Date,
    Other,
}

struct KeySeed<'f>(&'f FieldNames);

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Key;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = Key;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a field name")
    }
    fn visit_str<E>(self, k: &str) -> Result<Key, E> {
        let n = self.0;
        Ok(if k == n.id {
            Key::Id
        } else if k == n.text {
            Key::Text
        } else if k == n.title {
            Key::Title
        } else if k == n.source {
            Key::Source
        } else if k == n.date {
            Key::Date
        } else {
            Key::Other
        })
    }
}

struct RawFieldsSeed<'f> {
    names: &'f FieldNames,
}

impl<'de> DeserializeSeed<'de> for RawFieldsSeed<'_> {
    type Value = RawFields;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<RawFields, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RawFieldsSeed<'_> {
    type Value = RawFields;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawFields, A::Error> {
        let mut out = RawFields::default();
        while let Some(key) = map.next_key_seed(KeySeed(self.names))? {
            let slot = match key {
                Key::Id => &mut out.id,
                Key::Text => &mut out.text,
                Key::Title => &mut out.title,
                Key::Source => &mut out.source,
                Key::Date => &mut out.date,
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            *slot = Some(map.next_value()?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Record, RecordProblem> {
        parse(s.as_bytes(), &FieldNames::default())
    }

    #[test]
    fn reads_fields_and_ignores_others() {
        let r = p(
            r#"{"x":[1,{"a":2}],"id":7,"text":"Hello\nworld","source":"Post","date":"2025-01-02"}"#,
        )
        .unwrap();
        assert_eq!(r.id, "7");
        assert_eq!(r.text, "Hello\nworld");
        assert_eq!(r.source.as_deref(), Some("Post"));
        assert_eq!(r.date.unwrap().text.as_ref(), "2025-01-02");
    }

    #[test]
    fn reports_what_is_wrong() {
        assert!(matches!(p(r#"{"id":"a""#), Err(RecordProblem::Json(_))));
        assert!(matches!(p(r#"[1]"#), Err(RecordProblem::Json(_))));
        assert_eq!(
            p(r#"{"id":"a"}"#).unwrap_err().to_string(),
            "missing field `text` (rename it with --text-field)"
        );
        assert_eq!(
            p(r#"{"id":null,"text":"x"}"#).unwrap_err().to_string(),
            "field `id` must be a string or a number, found null"
        );
        assert_eq!(
            p(r#"{"id":"a","text":"  "}"#).unwrap_err(),
            RecordProblem::EmptyText
        );
        assert_eq!(
            parse(b"{\"id\":\"a\",\"text\":\"\xff\"}", &FieldNames::default()).unwrap_err(),
            RecordProblem::Utf8(18)
        );
    }

    #[test]
    fn remapped_names_are_used() {
        let names = FieldNames {
            id: "uid".into(),
            text: "body".into(),
            ..FieldNames::default()
        };
        let r = parse(br#"{"uid":"u","body":"b","id":"ignored"}"#, &names).unwrap();
        assert_eq!((r.id.as_str(), r.text.as_str()), ("u", "b"));
    }
}
