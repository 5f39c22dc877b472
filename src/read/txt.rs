//! A directory of `.txt` files, one article each.
//!
//! The directory is walked recursively in file-name order (so runs are
//! repeatable); the id of an article is its path relative to the directory,
//! with `/` separators on every platform. Files ending in `.txt.gz`,
//! `.txt.zst`, `.txt.bz2` or `.txt.xz` are decompressed. Other files, and
//! hidden files and folders, are ignored; symbolic links are followed, and a
//! file reached twice through them is read once. Messages about a record name the
//! file itself, not the directory.
//!
//! Metadata comes from where the files are ([`TextDirConfig`]): the outlet
//! from the first folder of the relative path, the date from a date in the
//! path (`2025-03-14-flood.txt`), and the headline from the first line when
//! it looks like one (see [`headline`]); the text is kept whole.

use std::io::Read;
use std::path::Path;

use super::{BATCH_RECORDS, Batch, Items, Place};
use crate::article::{Date, Record};
use crate::config::{SourceFrom, TextDirConfig};
use crate::error::{Error, RecordProblem, Result};

/// The `.txt` files (also compressed: `.txt.gz`, `.txt.zst`, ...) under
/// `dir`, in name order, with their paths relative to `dir`.
pub(super) fn files(dir: &Path) -> Result<Vec<(std::path::PathBuf, std::path::PathBuf)>> {
    walk(dir, &|name| {
        super::strip_compression(name).ends_with(".txt")
    })
}

/// The files under `dir` whose lower-cased name `wanted` accepts, in name
/// order, with their paths relative to `dir`. Hidden files and folders
/// (`.git/`, macOS `._name.txt` resource forks) are not articles. Symbolic
/// links are followed; one that leads back to a folder above it would loop,
/// and is left out; a file reached twice is listed once.
pub(super) fn walk(
    dir: &Path,
    wanted: &dyn Fn(&str) -> bool,
) -> Result<Vec<(std::path::PathBuf, std::path::PathBuf)>> {
    let mut out = Vec::new();
    let mut seen = ahash::AHashSet::new();
    let walk = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .follow_links(true)
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walk {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) if e.loop_ancestor().is_some() => continue,
            Err(e) => {
                let path = e.path().unwrap_or(dir).to_path_buf();
                return Err(Error::io(path, e.into()));
            }
        };
        let fname = entry.file_name().to_string_lossy().to_ascii_lowercase();
        if entry.file_type().is_file() && wanted(&fname) && first_sight(&entry, &mut seen) {
            let path = entry.path().to_path_buf();
            let rel = path.strip_prefix(dir).unwrap_or(&path).to_path_buf();
            out.push((path, rel));
        }
    }
    Ok(out)
}

/// Whether the file is met for the first time: a file reached again through
/// a symbolic link is the same article, read once under its first path.
fn first_sight(entry: &walkdir::DirEntry, seen: &mut ahash::AHashSet<(u64, u64)>) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match entry.metadata() {
            Ok(m) => seen.insert((m.dev(), m.ino())),
            Err(_) => true,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (entry, seen);
        true
    }
}

/// The first line of `text` when it looks like a headline: followed by a
/// blank line, at most 20 words and 200 bytes, not ending like a sentence
/// (`.`, `,`, `;`, `:`; a question or exclamation is a headline).
pub(super) fn headline(text: &str) -> Option<&str> {
    let (first, rest) = text.trim_start_matches('\u{feff}').split_once('\n')?;
    let first = first.trim();
    let blank_after = rest.trim_start_matches([' ', '\t', '\r']).starts_with('\n');
    let words = first.split_whitespace().count();
    let sentence_end = first.ends_with(['.', ',', ';', ':']);
    (blank_after && (1..=20).contains(&words) && first.len() <= 200 && !sentence_end)
        .then_some(first)
}

/// The outlet and date that the path `id` (relative, `/`-separated) gives.
pub(super) fn path_meta(id: &str, cfg: &TextDirConfig) -> (Option<String>, Option<String>) {
    let source = match cfg.source_from {
        SourceFrom::Dir => id.split_once('/').map(|(dir, _)| dir.to_string()),
        SourceFrom::None => None,
    };
    let date = cfg.date_pattern.as_ref().and_then(|re| {
        re.captures_iter(id).find_map(|c| {
            let (y, m, d) = (c.name("y")?, c.name("m")?, c.name("d")?);
            let day = format!("{}-{}-{}", y.as_str(), m.as_str(), d.as_str());
            Date::parse(&day).is_ok().then_some(day)
        })
    });
    (source, date)
}

pub(super) fn scan(
    dir: &Path,
    name: &str,
    input: usize,
    cfg: &TextDirConfig,
    sink: &mut dyn FnMut(Batch) -> bool,
) -> Result<bool> {
    let mut rows = Vec::new();
    let all = files(dir)?;
    if all.is_empty() {
        let none = std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "no .txt files in this directory",
        );
        return Err(Error::io(name, none));
    }
    for (path, rel) in all {
        let path = path.as_path();
        let id = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let mut bytes = Vec::new();
        super::open_file(path)?
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(path, e))?;
        let (line, parsed) = match String::from_utf8(bytes) {
            Ok(text) => {
                let (source, date) = path_meta(&id, cfg);
                let title = headline(&text).map(str::to_string);
                (
                    1,
                    Record::new(id, text, title, source, date.as_deref(), None),
                )
            }
            Err(e) => {
                let upto = e.utf8_error().valid_up_to();
                let line = 1 + memchr::memchr_iter(b'\n', &e.as_bytes()[..upto]).count() as u64;
                (line, Err(RecordProblem::Utf8(upto)))
            }
        };
        let file = Some(path.display().to_string().into_boxed_str());
        rows.push((Place { line, file }, parsed));
        if rows.len() == BATCH_RECORDS && !sink(batch(input, std::mem::take(&mut rows))) {
            return Ok(false);
        }
    }
    Ok(rows.is_empty() || sink(batch(input, rows)))
}

fn batch(input: usize, rows: Vec<(Place, Result<Record, RecordProblem>)>) -> Batch {
    Batch {
        input,
        items: Items::Parsed(rows),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headlines_are_short_first_lines_set_apart() {
        assert_eq!(
            headline("Flood hits Millbrook\n\nThe river rose."),
            Some("Flood hits Millbrook")
        );
        assert_eq!(
            headline("Will it rain again?\r\n\r\nBody."),
            Some("Will it rain again?")
        );
        // A sentence, or a first line run into the next, is body text.
        assert_eq!(headline("The river rose overnight.\n\nMore."), None);
        assert_eq!(headline("Flood hits Millbrook\nThe river rose."), None);
        assert_eq!(headline("One line only"), None);
        let long = format!("{}\n\nBody.", "word ".repeat(25));
        assert_eq!(headline(&long), None);
    }

    #[test]
    fn outlets_and_dates_from_paths() {
        let cfg = TextDirConfig::default();
        let meta = |id: &str| path_meta(id, &cfg);
        assert_eq!(
            meta("ledger/2025-03-14-flood.txt"),
            (Some("ledger".into()), Some("2025-03-14".into()))
        );
        assert_eq!(
            meta("courier/2025/03/20250315_diary.txt"),
            (Some("courier".into()), Some("2025-03-15".into()))
        );
        // No folder, no date; an impossible date is no date.
        assert_eq!(meta("notes.txt"), (None, None));
        assert_eq!(meta("a/2025-02-30.txt").1, None);
        // A longer number is not a date.
        assert_eq!(meta("a/1202503141.txt").1, None);
        let none = TextDirConfig {
            source_from: SourceFrom::None,
            date_pattern: None,
        };
        assert_eq!(path_meta("ledger/2025-03-14.txt", &none), (None, None));
    }
}
