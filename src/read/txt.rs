//! A directory of `.txt` files, one article each.
//!
//! The directory is walked recursively in file-name order (so runs are
//! repeatable); the id of an article is its path relative to the directory,
//! with `/` separators on every platform. Files ending in `.txt.gz`,
//! `.txt.zst`, `.txt.bz2` or `.txt.xz` are decompressed. Other files, and
//! hidden files and folders, are ignored; symbolic links are followed, and a
//! file reached twice through them is read once. Messages about a record name the
//! file itself, not the directory.

use std::io::Read;
use std::path::Path;

use super::{BATCH_RECORDS, Batch, Items, Place};
use crate::article::Record;
use crate::error::{Error, RecordProblem, Result};

/// The `.txt` (and `.txt.gz`) files under `dir`, in name order, with their
/// paths relative to `dir`.
pub(super) fn files(dir: &Path) -> Result<Vec<(std::path::PathBuf, std::path::PathBuf)>> {
    let mut out = Vec::new();
    let mut seen = ahash::AHashSet::new();
    // Hidden files and folders (`.git/`, macOS `._name.txt` resource forks)
    // are not articles. Symbolic links are followed; one that leads back to
    // a folder above it would loop, and is left out.
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
        let is_text = super::strip_compression(&fname).ends_with(".txt");
        if entry.file_type().is_file() && is_text && first_sight(&entry, &mut seen) {
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

pub(super) fn scan(
    dir: &Path,
    name: &str,
    input: usize,
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
            Ok(text) => (1, Record::new(id, text, None, None, None, None)),
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
