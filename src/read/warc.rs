//! Web archives: `.warc`, and `.warc.gz` compressed record by record as
//! crawlers write them (Heritrix, wget, browsertrix, Common Crawl).
//!
//! Records are parsed by the `warc` crate. Every `response` record whose
//! HTTP status is 200 and whose body is HTML is an article: id =
//! `WARC-Target-URI` (or `WARC-Record-ID`, [`WarcId`]), date = the page's
//! own publication date, else `WARC-Date`. Revisits, other statuses
//! (redirects, errors), bodies that are not HTML and pages without text are
//! skipped and counted ([`Skipped`]); `warcinfo`, `request` and `metadata`
//! records describe the crawl, not pages, and are passed over.
//!
//! A record's place is its 1-based number in the file, written where other
//! inputs write a line number. Each record's byte span in the file is known
//! (the gzip member of a compressed record, the record itself otherwise),
//! so `dedup` copies kept records byte for byte ([`raw_records`]).

use std::cell::Cell;
use std::io::{BufRead, Read};
use std::rc::Rc;

use warc::WarcHeader;

use super::html::{PAGE_BATCH_BYTES, PageCache, RawPage};
use super::{BATCH_RECORDS, Place};
use crate::config::WarcId;
use crate::error::{Error, Location, Result};

/// Records of a web archive that were not articles, by reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Skipped {
    /// `revisit` records (the page was unchanged since an earlier capture).
    pub revisits: u64,
    /// Responses with a status other than 200 (redirects, errors).
    pub not_ok: u64,
    /// Responses whose body is not HTML (PDF, images, scripts).
    pub not_html: u64,
}

impl Skipped {
    /// Total records skipped.
    pub fn total(&self) -> u64 {
        self.revisits + self.not_ok + self.not_html
    }
}

/// A buffered reader that counts the bytes consumed, shared with the code
/// that asks where a record ended.
struct Counting<R> {
    inner: R,
    at: Rc<Cell<u64>>,
}

impl<R: BufRead> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.at.set(self.at.get() + n as u64);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counting<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        self.inner.consume(amt);
        self.at.set(self.at.get() + amt as u64);
    }
}

/// One record as read: its headers, body and span in the file.
struct Stored {
    headers: warc::RawRecordHeader,
    body: Vec<u8>,
    /// Byte span in the file (a gzip member may hold several records:
    /// then they share it).
    span: (u64, u64),
    /// Whether the span holds this record alone.
    alone: bool,
}

/// Calls `f` on every record of the archive read from `r`, in order.
/// Stops early when `f` returns `false`; returns whether it ran to the end.
fn records(
    r: Box<dyn Read + Send>,
    name: &str,
    f: &mut dyn FnMut(u64, Stored) -> Result<bool>,
) -> Result<bool> {
    let at = Rc::new(Cell::new(0u64));
    let mut file = Counting {
        inner: std::io::BufReader::with_capacity(1 << 20, r),
        at: at.clone(),
    };
    let io = |e: std::io::Error| Error::io(name, e);
    let bad = |n: u64, e: warc::Error| {
        Error::input(
            name,
            format!("WARC record {n} cannot be read ({e}); is the file complete?"),
        )
    };
    let gzip = file.fill_buf().map_err(io)?.starts_with(&[0x1f, 0x8b]);
    let mut n = 0u64;
    if gzip {
        let mut member = Vec::new();
        loop {
            if file.fill_buf().map_err(io)?.is_empty() {
                return Ok(true);
            }
            let start = at.get();
            member.clear();
            flate2::bufread::GzDecoder::new(&mut file)
                .read_to_end(&mut member)
                .map_err(io)?;
            let span = (start, at.get());
            let parsed: Vec<_> = warc::WarcReader::new(&member[..])
                .iter_raw_records()
                .collect();
            let alone = parsed.len() == 1;
            for rec in parsed {
                n += 1;
                let (headers, body) = rec.map_err(|e| bad(n, e))?;
                let raw = Stored {
                    headers,
                    body,
                    span,
                    alone,
                };
                if !f(n, raw)? {
                    return Ok(false);
                }
            }
        }
    } else {
        let mut start = 0;
        for rec in warc::WarcReader::new(file).iter_raw_records() {
            n += 1;
            let (headers, body) = rec.map_err(|e| bad(n, e))?;
            let span = (start, at.get());
            start = span.1;
            let raw = Stored {
                headers,
                body,
                span,
                alone: true,
            };
            if !f(n, raw)? {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

fn header(h: &warc::RawRecordHeader, key: WarcHeader) -> Option<String> {
    h.headers
        .get(&key)
        .map(|v| String::from_utf8_lossy(v).trim().to_string())
}

/// What a record is to the reader.
enum Kind {
    /// A page to extract.
    Page(RawPage),
    /// Not an article, for this reason.
    Skip(fn(&mut Skipped)),
    /// Crawl metadata (`warcinfo`, `request`, `metadata`, ...).
    Other,
}

fn classify(raw: Stored, warc_id: WarcId, seq: u64) -> Kind {
    let kind = header(&raw.headers, WarcHeader::WarcType).unwrap_or_default();
    match kind.to_ascii_lowercase().as_str() {
        "response" => {}
        "revisit" => return Kind::Skip(|s| s.revisits += 1),
        _ => return Kind::Other,
    }
    let http = match Http::parse(&raw.body) {
        Some(h) => h,
        None => return Kind::Skip(|s| s.not_html += 1),
    };
    if http.status != 200 {
        return Kind::Skip(|s| s.not_ok += 1);
    }
    if !http.is_html() {
        return Kind::Skip(|s| s.not_html += 1);
    }
    let url = header(&raw.headers, WarcHeader::TargetURI);
    let id = match warc_id {
        WarcId::TargetUri => url.clone(),
        WarcId::RecordId => header(&raw.headers, WarcHeader::RecordID),
    };
    let Some(id) = id else {
        return Kind::Other;
    };
    let charset = http.charset();
    Kind::Page(RawPage {
        seq,
        id,
        bytes: http.into_body(&raw.body),
        charset,
        url,
        fetched: header(&raw.headers, WarcHeader::Date),
    })
}

/// The HTTP response inside a `response` record.
struct Http {
    status: u16,
    content_type: String,
    encoding: String,
    chunked: bool,
    body_start: usize,
}

impl Http {
    fn parse(bytes: &[u8]) -> Option<Http> {
        let mut headers = [httparse::EMPTY_HEADER; 128];
        let mut resp = httparse::Response::new(&mut headers);
        let body_start = match resp.parse(bytes).ok()? {
            httparse::Status::Complete(n) => n,
            httparse::Status::Partial => return None,
        };
        let get = |name: &str| {
            resp.headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case(name))
                .map(|h| String::from_utf8_lossy(h.value).trim().to_ascii_lowercase())
                .unwrap_or_default()
        };
        Some(Http {
            status: resp.code?,
            content_type: get("content-type"),
            encoding: get("content-encoding"),
            chunked: get("transfer-encoding").contains("chunked"),
            body_start,
        })
    }

    fn is_html(&self) -> bool {
        let mime = self.content_type.split(';').next().unwrap_or("").trim();
        mime == "text/html" || mime == "application/xhtml+xml"
    }

    fn charset(&self) -> Option<String> {
        self.content_type
            .split(';')
            .filter_map(|p| p.trim().strip_prefix("charset="))
            .map(|c| c.trim_matches(['"', '\'', ' ']).to_string())
            .next()
    }

    /// The body as the server meant it: de-chunked and decompressed where
    /// the crawler kept the transfer as sent (a body that fails to decode
    /// is kept as it is).
    fn into_body(self, bytes: &[u8]) -> Vec<u8> {
        let mut body = bytes[self.body_start..].to_vec();
        if self.chunked
            && let Some(plain) = dechunk(&body)
        {
            body = plain;
        }
        let mut out = Vec::new();
        let decoded = match self.encoding.as_str() {
            "gzip" | "x-gzip" => flate2::read::MultiGzDecoder::new(&body[..]).read_to_end(&mut out),
            "deflate" => flate2::read::ZlibDecoder::new(&body[..]).read_to_end(&mut out),
            _ => return body,
        };
        if decoded.is_ok() { out } else { body }
    }
}

/// Joins the chunks of a chunked transfer; `None` when it is not one.
fn dechunk(mut b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(b.len());
    loop {
        let (used, size) = match httparse::parse_chunk_size(b).ok()? {
            httparse::Status::Complete(x) => x,
            httparse::Status::Partial => return None,
        };
        let size = usize::try_from(size).ok()?;
        if size == 0 {
            return Some(out);
        }
        let chunk = b.get(used..used.checked_add(size)?)?;
        out.extend_from_slice(chunk);
        b = b.get(used + size..)?;
        b = b.strip_prefix(b"\r\n").unwrap_or(b);
    }
}

/// Streams the articles of a web archive as batches of pages; counts the
/// records skipped into `skipped`.
pub(super) fn scan(
    r: Box<dyn Read + Send>,
    name: &str,
    input: usize,
    warc_id: WarcId,
    cache: &std::sync::Arc<PageCache>,
    skipped: &mut Skipped,
    sink: &mut dyn FnMut(super::Batch) -> bool,
) -> Result<bool> {
    let mut pages = Vec::new();
    let mut held = 0;
    let done = records(r, name, &mut |n, raw| {
        // Record numbers are unique in the input: the page's cache key.
        match classify(raw, warc_id, n) {
            Kind::Page(p) => {
                held += p.bytes.len();
                pages.push((
                    Place {
                        line: n,
                        file: None,
                    },
                    p,
                ));
                if pages.len() == BATCH_RECORDS || held >= PAGE_BATCH_BYTES {
                    held = 0;
                    let batch = super::html::batch(input, std::mem::take(&mut pages), cache);
                    return Ok(sink(batch));
                }
            }
            Kind::Skip(count) => count(skipped),
            Kind::Other => {}
        }
        Ok(true)
    })?;
    Ok(done && (pages.is_empty() || sink(super::html::batch(input, pages, cache))))
}

/// Feeds every record of the archive to `sink` as stored ([`crate::article::Raw`]): the
/// bytes of each record (its gzip member when compressed), with its place.
/// `raw` and `file` are two readers of the same bytes as stored: spans are
/// found on the first and the bytes read from the second, both forward
/// only, so standard input held in memory works too.
pub(super) fn raw_records(
    raw: Box<dyn Read + Send>,
    file: Box<dyn Read + Send>,
    name: &std::sync::Arc<str>,
    sink: &mut dyn FnMut(&Location, crate::article::Raw<'_>) -> Result<()>,
) -> Result<()> {
    let mut spans: Vec<(u64, u64, bool)> = Vec::new();
    records(raw, name, &mut |n, rec| {
        if !rec.alone {
            return Err(Error::input(
                format!("{name}: record {n}"),
                "it shares its gzip member with other records, so it cannot be copied \
                 alone; recompress the archive one record per member",
            ));
        }
        let kind = header(&rec.headers, WarcHeader::WarcType).unwrap_or_default();
        spans.push((
            rec.span.0,
            rec.span.1,
            kind.eq_ignore_ascii_case("warcinfo"),
        ));
        Ok(true)
    })?;
    let mut file = std::io::BufReader::new(file);
    let mut pos = 0u64;
    let mut bytes = Vec::new();
    for (n, (start, end, info)) in (1u64..).zip(spans) {
        let read = std::io::copy(&mut (&mut file).take(start - pos), &mut std::io::sink())
            .and_then(|_| {
                bytes.clear();
                (&mut file).take(end - start).read_to_end(&mut bytes)
            })
            .map_err(|e| Error::io(&**name, e))?;
        if read as u64 != end - start {
            let changed = std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the file changed while it was read",
            );
            return Err(Error::io(&**name, changed));
        }
        pos = end;
        let at = Location {
            input: name.clone(),
            line: n,
        };
        sink(
            &at,
            crate::article::Raw::WarcRecord {
                bytes: &bytes,
                info,
            },
        )?;
    }
    Ok(())
}
