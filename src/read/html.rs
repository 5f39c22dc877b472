//! Web pages as articles: a directory of `.html`/`.htm` files, and the
//! pages that WARC records and HTML text fields carry.
//!
//! The reading thread only gathers each page's bytes into a [`RawPage`];
//! the article text and metadata are extracted on the worker threads
//! ([`RawPage::into_record`], see `extract.rs`), where extraction, by far
//! the costliest step, runs in parallel. A directory is walked like one of
//! `.txt` files: recursively, in file-name order, id = relative path with
//! `/` separators; `.html.gz` and `.htm.gz` are decompressed.
//!
//! An input is read twice (boilerplate learning, then signing), but each
//! page is extracted once: the first pass keeps what it extracted (a few
//! percent of the page's bytes) in the input's [`PageCache`], and the
//! second takes it from there.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ahash::AHashMap;

use super::{BATCH_RECORDS, Batch, Items, Place};
use crate::article::Record;
use crate::error::{Error, RecordProblem, Result};
use crate::extract;

/// Bytes of pages per batch: pages are large (50-500 KB), so a batch is
/// cut by size before it reaches [`BATCH_RECORDS`] pages.
pub(super) const PAGE_BATCH_BYTES: usize = 16 << 20;

/// Records extracted from an input's pages, by the page's number in the
/// input, kept from one pass over the input to the next.
#[derive(Debug, Default)]
pub(crate) struct PageCache(Mutex<AHashMap<u64, Result<Record, RecordProblem>>>);

impl PageCache {
    /// The record of page `key`: taken from the cache when an earlier pass
    /// left it there, else made by `extract` and left for the next pass.
    pub(crate) fn record(
        &self,
        key: u64,
        extract: impl FnOnce() -> Result<Record, RecordProblem>,
    ) -> Result<Record, RecordProblem> {
        if let Some(r) = self.0.lock().ok().and_then(|mut m| m.remove(&key)) {
            return r;
        }
        let r = extract();
        if let Ok(mut m) = self.0.lock() {
            m.insert(key, r.clone());
        }
        r
    }
}

/// A page read but not yet extracted.
#[derive(Debug)]
pub(crate) struct RawPage {
    /// The page's number in its input, from 0 (its key in the cache).
    pub(crate) seq: u64,
    /// The article id.
    pub(crate) id: String,
    /// The page as fetched (the HTTP body).
    pub(crate) bytes: Vec<u8>,
    /// The `charset` of the HTTP `Content-Type`, if any.
    pub(crate) charset: Option<String>,
    /// Where the page was fetched, if known.
    pub(crate) url: Option<String>,
    /// The date to use when the page gives none (a WARC record's date).
    pub(crate) fetched: Option<String>,
}

impl RawPage {
    /// Extracts the article: text, headline, outlet and date (or takes it
    /// from `cache`, when an earlier pass extracted it).
    pub(crate) fn into_record(self, cache: &PageCache) -> Result<Record, RecordProblem> {
        cache.record(self.seq, || {
            let page = extract::page(&self.bytes, self.charset.as_deref(), self.url.as_deref());
            from_page(self.id, page, self.fetched)
        })
    }
}

/// The record of an extracted page; `fetched` stands in for a missing date.
pub(crate) fn from_page(
    id: String,
    page: extract::Page,
    fetched: Option<String>,
) -> Result<Record, RecordProblem> {
    let date = page
        .date
        .or_else(|| fetched.as_deref().and_then(extract::usable_date));
    Record::new(id, page.text, page.title, page.site, date.as_deref(), None)
}

/// A record whose text field held HTML, with the page extracted: the
/// record's own title, source and date win over the page's.
pub(crate) fn html_field(record: Record) -> Result<Record, RecordProblem> {
    let page = extract::page_from_str(&record.text, None);
    let date = record.date.map(|d| d.text.to_string());
    let mut r = from_page(record.id, page, date)?;
    r.title = record.title.or(r.title);
    r.source = record.source.or(r.source);
    Ok(r)
}

/// Whether a file name is that of a web page.
fn is_page(lower_name: &str) -> bool {
    let name = lower_name.strip_suffix(".gz").unwrap_or(lower_name);
    name.ends_with(".html") || name.ends_with(".htm") || name.ends_with(".xhtml")
}

/// The web pages under `dir`, in name order, with their paths relative to
/// `dir`.
pub(super) fn files(dir: &Path) -> Result<Vec<(PathBuf, PathBuf)>> {
    // Hidden files and folders skipped, links followed, as for `.txt` files.
    super::txt::walk(dir, &is_page)
}

pub(super) fn scan(
    dir: &Path,
    name: &str,
    input: usize,
    cache: &Arc<PageCache>,
    sink: &mut dyn FnMut(Batch) -> bool,
) -> Result<bool> {
    let all = files(dir)?;
    if all.is_empty() {
        let none = std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "no .html or .htm files in this directory",
        );
        return Err(Error::io(name, none));
    }
    let mut pages = Vec::new();
    let mut held = 0;
    for (pages_seen, (path, rel)) in (0u64..).zip(all) {
        let id = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let mut bytes = Vec::new();
        super::open_file(&path)?
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(&path, e))?;
        let file = Some(path.display().to_string().into_boxed_str());
        held += bytes.len();
        let page = RawPage {
            seq: pages_seen,
            id,
            bytes,
            charset: None,
            url: None,
            fetched: None,
        };
        pages.push((Place { line: 1, file }, page));
        if pages.len() == BATCH_RECORDS || held >= PAGE_BATCH_BYTES {
            held = 0;
            if !sink(batch(input, std::mem::take(&mut pages), cache)) {
                return Ok(false);
            }
        }
    }
    Ok(pages.is_empty() || sink(batch(input, pages, cache)))
}

pub(super) fn batch(input: usize, pages: Vec<(Place, RawPage)>, cache: &Arc<PageCache>) -> Batch {
    Batch {
        input,
        items: Items::Pages(pages, cache.clone()),
    }
}
