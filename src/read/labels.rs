//! Reading label files for `storyhash eval`: an id and a label column of a
//! CSV file or JSON Lines file (gzip recognised by its magic bytes, as for
//! articles), into an [`crate::eval::Labels`] table.

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};

use super::decompress;
use crate::error::{Error, Result};
use crate::eval::Labels;

/// How a label file is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelFormat {
    /// CSV with a header row; columns are found by name.
    Csv,
    /// One JSON object per line; fields are found by name.
    JsonLines,
}

impl LabelFormat {
    /// The format a file name implies: `.jsonl`, `.ndjson` and `.json`
    /// (each optionally followed by `.gz`) are JSON Lines, anything else is
    /// CSV.
    pub fn from_path(path: &Path) -> LabelFormat {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        match name.rsplit_once('.').map(|(_, ext)| ext) {
            Some("jsonl" | "ndjson" | "json") => LabelFormat::JsonLines,
            _ => LabelFormat::Csv,
        }
    }
}

/// Reads the id → label table of a file, in the format its name implies
/// (see [`LabelFormat::from_path`]); gzip is recognised by its magic bytes.
///
/// `id_col` and `label_col` name the CSV columns or JSON fields. Ids and
/// labels may be JSON strings or numbers; both are trimmed, because the
/// pipeline trims CSV ids and a padded id in one file must still meet its
/// twin in the other. An absent column, an empty id or label, or a repeated
/// id is an error naming the file and line.
pub fn load_labels(path: &Path, id_col: &str, label_col: &str) -> Result<Labels> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let name = path.display().to_string();
    read_labels(file, &name, LabelFormat::from_path(path), id_col, label_col)
}

/// Reads an id → label table from any reader (standard input, say), named
/// `name` in messages; gzip is recognised by its magic bytes. Otherwise as
/// [`load_labels`].
pub fn read_labels(
    r: impl Read + Send,
    name: &str,
    format: LabelFormat,
    id_col: &str,
    label_col: &str,
) -> Result<Labels> {
    let r = decompress(r).map_err(|e| Error::io(name, e))?;
    let mut sink = Sink {
        name,
        id_col,
        label_col,
        labels: Labels::new(),
        lines: Vec::new(),
    };
    match format {
        LabelFormat::Csv => read_csv(r, &mut sink)?,
        LabelFormat::JsonLines => read_jsonl(r, &mut sink)?,
    }
    Ok(sink.labels)
}

/// Collects rows into a [`Labels`], checking each and remembering the line
/// of each id for the duplicate message.
struct Sink<'a> {
    name: &'a str,
    id_col: &'a str,
    label_col: &'a str,
    labels: Labels,
    /// Line of each id, parallel to `labels.ids`.
    lines: Vec<u64>,
}

impl Sink<'_> {
    fn bad(&self, line: u64, msg: impl fmt::Display) -> Error {
        Error::input(format!("{}:{line}", self.name), msg.to_string())
    }

    fn push(&mut self, line: u64, id: &str, label: &str) -> Result<()> {
        let (id, label) = (id.trim(), label.trim());
        if id.is_empty() {
            return Err(self.bad(line, format_args!("empty id in `{}`", self.id_col)));
        }
        if label.is_empty() {
            return Err(self.bad(
                line,
                format_args!(
                    "empty label in `{}` for id `{id}` (every id needs a label; \
                     give an id that is alone in its cluster a label of its own)",
                    self.label_col
                ),
            ));
        }
        if self.labels.len() >= u32::MAX as usize {
            return Err(self.bad(line, format_args!("more than {} ids", u32::MAX)));
        }
        if !self.labels.insert(id, label) {
            let first = self.labels.position(id).map_or(0, |p| self.lines[p]);
            return Err(self.bad(
                line,
                format_args!("duplicate id `{id}` (first seen at line {first})"),
            ));
        }
        self.lines.push(line);
        Ok(())
    }
}

fn read_csv(r: impl Read, sink: &mut Sink) -> Result<()> {
    let name = sink.name;
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(r);
    let csv_err = |e: csv::Error| {
        let msg = e.to_string();
        match e.into_kind() {
            csv::ErrorKind::Io(io) => Error::io(name, io),
            _ => Error::input(name, format!("unreadable CSV ({msg})")),
        }
    };
    let header = rdr.byte_headers().map_err(csv_err)?.clone();
    // As the `read` stage names them, so a column name means the same here
    // as in `storyhash cluster`.
    let cols = crate::read::header_names(&header);
    let find = |want: &str| {
        cols.iter().position(|c| c == want).ok_or_else(|| {
            let found = if cols.is_empty() {
                "none, the file is empty".to_string()
            } else {
                cols.join(", ")
            };
            Error::input(name, format!("no column `{want}` (columns: {found})"))
        })
    };
    let id = find(sink.id_col)?;
    let label = find(sink.label_col)?;
    let need = id.max(label) + 1;

    let mut rec = csv::ByteRecord::new();
    while rdr.read_byte_record(&mut rec).map_err(csv_err)? {
        let line = rec.position().map_or(0, |p| p.line());
        if rec.len() == 1 && rec[0].iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if rec.len() < need {
            return Err(sink.bad(
                line,
                format_args!(
                    "row has {} fields, the header has {}",
                    rec.len(),
                    cols.len()
                ),
            ));
        }
        let text = |i: usize, col: &str| {
            std::str::from_utf8(&rec[i])
                .map_err(|_| sink.bad(line, format_args!("`{col}` is not valid UTF-8")))
        };
        let (i, l) = (text(id, sink.id_col)?, text(label, sink.label_col)?);
        sink.push(line, i, l)?;
    }
    Ok(())
}

fn read_jsonl(r: impl Read, sink: &mut Sink) -> Result<()> {
    let name = sink.name;
    let mut r = BufReader::with_capacity(1 << 20, r);
    let mut buf = Vec::new();
    let mut line: u64 = 0;
    loop {
        buf.clear();
        let got = r
            .read_until(b'\n', &mut buf)
            .map_err(|e| Error::io(name, e))?;
        if got == 0 {
            return Ok(());
        }
        line += 1;
        let mut text = buf.trim_ascii();
        if line == 1 {
            text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
        }
        if text.is_empty() {
            continue;
        }
        if line == 1 && text[0] == b'[' {
            // A `.json` file is more often an array than JSON Lines; say so
            // rather than report a type error.
            return Err(sink.bad(
                line,
                "expected one JSON object per line (JSON Lines), found a JSON array",
            ));
        }
        let seed = PickSeed {
            id: sink.id_col,
            label: sink.label_col,
        };
        let mut de = serde_json::Deserializer::from_slice(text);
        let picked = seed
            .deserialize(&mut de)
            .and_then(|p| de.end().map(|()| p))
            .map_err(|e| sink.bad(line, format_args!("invalid JSON ({e})")))?;
        let id = field(sink, line, text, sink.id_col, picked.id)?;
        let label = field(sink, line, text, sink.label_col, picked.label)?;
        sink.push(line, &id, &label)?;
    }
}

/// The text of a picked field, or an error naming what is wrong with it.
fn field(sink: &Sink, line: u64, text: &[u8], col: &str, v: Option<Scalar>) -> Result<String> {
    match v {
        Some(Scalar::Text(s)) => Ok(s),
        Some(Scalar::Other(kind)) => Err(sink.bad(
            line,
            format_args!("field `{col}` must be a string or a number, found {kind}"),
        )),
        None => {
            // Only on this error path is the object parsed again, to list
            // its fields; the happy path never builds the other values.
            let fields = serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(text)
                .map(|m| m.keys().cloned().collect::<Vec<_>>().join(", "))
                .unwrap_or_default();
            Err(sink.bad(line, format_args!("no field `{col}` (fields: {fields})")))
        }
    }
}

/// A JSON value reduced to what a label table can use: strings and numbers
/// become text (numbers as the `read` stage writes them, so `7` matches
/// `"7"`), anything else is named for the error message.
#[derive(Clone)]
enum Scalar {
    Text(String),
    Other(&'static str),
}

impl<'de> de::Deserialize<'de> for Scalar {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<Scalar, E> {
                Ok(Scalar::Text(v.to_string()))
            }
            fn visit_string<E>(self, v: String) -> std::result::Result<Scalar, E> {
                Ok(Scalar::Text(v))
            }
            fn visit_u64<E>(self, v: u64) -> std::result::Result<Scalar, E> {
                Ok(Scalar::Text(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> std::result::Result<Scalar, E> {
                Ok(Scalar::Text(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> std::result::Result<Scalar, E> {
                Ok(Scalar::Text(v.to_string()))
            }
            fn visit_bool<E>(self, _: bool) -> std::result::Result<Scalar, E> {
                Ok(Scalar::Other("a boolean"))
            }
            fn visit_unit<E>(self) -> std::result::Result<Scalar, E> {
                Ok(Scalar::Other("null"))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> std::result::Result<Scalar, A::Error> {
                while a.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other("an array"))
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut a: A,
            ) -> std::result::Result<Scalar, A::Error> {
                while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other("an object"))
            }
        }
        d.deserialize_any(V)
    }
}

/// The two fields of one object; the other fields are skipped unbuilt
/// (gold files often carry the article text).
struct Picked {
    id: Option<Scalar>,
    label: Option<Scalar>,
}

struct PickSeed<'a> {
    id: &'a str,
    label: &'a str,
}

impl<'de> DeserializeSeed<'de> for PickSeed<'_> {
    type Value = Picked;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> std::result::Result<Picked, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for PickSeed<'_> {
    type Value = Picked;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Picked, A::Error> {
        let mut out = Picked {
            id: None,
            label: None,
        };
        // Keys are owned because an escaped key cannot be borrowed; they
        // are short, and values (the large part) are not built.
        while let Some(key) = map.next_key::<String>()? {
            let (is_id, is_label) = (key == self.id, key == self.label);
            match (is_id, is_label) {
                (false, false) => {
                    map.next_value::<IgnoredAny>()?;
                }
                (true, false) => out.id = Some(map.next_value()?),
                (false, true) => out.label = Some(map.next_value()?),
                (true, true) => {
                    // One field serving as both: an identity clustering.
                    let v: Scalar = map.next_value()?;
                    out.id = Some(v.clone());
                    out.label = Some(v);
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `contents` to `name` in a fresh temporary directory.
    fn file(name: &str, contents: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, contents).unwrap();
        (dir, path)
    }

    fn message(r: Result<Labels>) -> String {
        r.expect_err("should fail").to_string()
    }

    #[test]
    fn loads_csv_by_column_name() {
        let (_d, p) = file(
            "pred.csv",
            "\u{feff}story, id ,text\n s1 ,\" a \",\"x,y\"\n\ns2,b,z\ns1,c,\"multi\nline\"\n"
                .as_bytes(),
        );
        let l = load_labels(&p, "id", "story").unwrap();
        let got: Vec<_> = l.iter().collect();
        assert_eq!(got, vec![("a", "s1"), ("b", "s2"), ("c", "s1")]);
    }

    #[test]
    fn csv_missing_column_names_file_and_columns() {
        let (_d, p) = file("gold.csv", b"id,dup_group\na,1\n");
        let err = message(load_labels(&p, "id", "story"));
        assert_eq!(
            err,
            format!(
                "{}: no column `story` (columns: id, dup_group)",
                p.display()
            )
        );
        let (_d, p) = file("empty.csv", b"");
        let err = message(load_labels(&p, "id", "story"));
        assert_eq!(
            err,
            format!(
                "{}: no column `id` (columns: none, the file is empty)",
                p.display()
            )
        );
    }

    #[test]
    fn duplicate_id_names_file_and_both_lines() {
        let (_d, p) = file("gold.csv", b"id,story\na,1\nb,1\n\"a\",2\n");
        let err = message(load_labels(&p, "id", "story"));
        assert_eq!(
            err,
            format!("{}:4: duplicate id `a` (first seen at line 2)", p.display())
        );
        // JSON Lines: a number and a string with the same text are one id.
        let (_d, p) = file(
            "gold.jsonl",
            b"{\"id\":7,\"story\":1}\n\n{\"id\":\"7\",\"story\":2}\n",
        );
        let err = message(load_labels(&p, "id", "story"));
        assert_eq!(
            err,
            format!("{}:3: duplicate id `7` (first seen at line 1)", p.display())
        );
    }

    #[test]
    fn csv_row_problems_name_the_line() {
        let (_d, p) = file("gold.csv", b"id,story\na,1\nb\n");
        let err = message(load_labels(&p, "id", "story"));
        assert_eq!(
            err,
            format!("{}:3: row has 1 fields, the header has 2", p.display())
        );
        let (_d, p) = file("gold.csv", b"id,story\na, \n");
        let err = message(load_labels(&p, "id", "story"));
        assert!(
            err.starts_with(&format!(
                "{}:2: empty label in `story` for id `a`",
                p.display()
            )),
            "{err}"
        );
    }

    #[test]
    fn jsonl_gold_with_numeric_ids_matches_csv_prediction() {
        let (_d, gold) = file(
            "gold.jsonl",
            b"{\"text\":\"long body {\\\"id\\\":0}\",\"id\":1,\"story\":\"s1\"}\r\n\
              {\"id\":2,\"story\":\"s1\",\"extra\":[1,2,{\"id\":3}]}\n\
              \n\
              {\"id\":3,\"story\":10}\n\
              {\"id\":-4,\"story\":10.5}\n",
        );
        let g = load_labels(&gold, "id", "story").unwrap();
        let got: Vec<_> = g.iter().collect();
        assert_eq!(
            got,
            vec![("1", "s1"), ("2", "s1"), ("3", "10"), ("-4", "10.5")]
        );
        let (_d, pred) = file("pred.csv", b"id,story\n1,A\n2,A\n3,B\n-4,C\n");
        let s = crate::eval::score(&crate::eval::align(
            &load_labels(&pred, "id", "story").unwrap(),
            &g,
        ));
        // Same partition under other label names: every score is 1.
        assert!((s.bcubed_f1 - 1.0).abs() < 1e-12 && (s.pairwise_f1 - 1.0).abs() < 1e-12);
        assert!((s.ari - 1.0).abs() < 1e-12 && (s.nmi - 1.0).abs() < 1e-12);
    }

    #[test]
    fn jsonl_problems_name_the_field_and_line() {
        let (_d, p) = file(
            "gold.ndjson",
            b"{\"id\":1,\"story\":1}\n{\"id\":2,\"text\":\"t\"}\n",
        );
        assert_eq!(
            message(load_labels(&p, "id", "story")),
            format!("{}:2: no field `story` (fields: id, text)", p.display())
        );
        let (_d, p) = file("gold.jsonl", b"{\"id\":[1],\"story\":1}\n");
        assert_eq!(
            message(load_labels(&p, "id", "story")),
            format!(
                "{}:1: field `id` must be a string or a number, found an array",
                p.display()
            )
        );
        let (_d, p) = file("gold.jsonl", b"{\"id\":1,\"story\":null}\n");
        assert_eq!(
            message(load_labels(&p, "id", "story")),
            format!(
                "{}:1: field `story` must be a string or a number, found null",
                p.display()
            )
        );
        let (_d, p) = file("gold.json", b"[{\"id\":1,\"story\":1}]\n");
        assert_eq!(
            message(load_labels(&p, "id", "story")),
            format!(
                "{}:1: expected one JSON object per line (JSON Lines), found a JSON array",
                p.display()
            )
        );
        let (_d, p) = file("gold.jsonl", b"{\"id\":1,\"story\":1}\n{\"id\":2,\n");
        let err = message(load_labels(&p, "id", "story"));
        assert!(
            err.starts_with(&format!("{}:2: invalid JSON (", p.display())),
            "{err}"
        );
    }

    #[test]
    fn missing_file_is_an_io_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("nope.csv");
        assert!(matches!(
            load_labels(&p, "id", "story"),
            Err(Error::Io { path, .. }) if path == p
        ));
    }

    #[test]
    fn gzip_is_recognised_by_magic_bytes() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b"{\"id\":1,\"story\":\"x\"}\n{\"id\":2,\"story\":\"y\"}\n")
            .unwrap();
        let bytes = gz.finish().unwrap();
        let (_d, p) = file("gold.jsonl.gz", &bytes);
        let l = load_labels(&p, "id", "story").unwrap();
        assert_eq!(l.iter().collect::<Vec<_>>(), vec![("1", "x"), ("2", "y")]);
        // From a reader too (standard input), with the format given.
        let l = read_labels(&bytes[..], "<stdin>", LabelFormat::JsonLines, "id", "story").unwrap();
        assert_eq!(l.len(), 2);
    }

    #[test]
    fn format_from_name() {
        for (name, want) in [
            ("g.jsonl", LabelFormat::JsonLines),
            ("g.NDJSON", LabelFormat::JsonLines),
            ("g.json.gz", LabelFormat::JsonLines),
            ("g.csv", LabelFormat::Csv),
            ("g.csv.gz", LabelFormat::Csv),
            ("g.tsv", LabelFormat::Csv),
            ("gold", LabelFormat::Csv),
        ] {
            assert_eq!(LabelFormat::from_path(Path::new(name)), want, "{name}");
        }
    }
}
