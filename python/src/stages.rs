//! The stages one at a time, on flat arrays: what a distributed job runs on
//! its executors so that it computes with the very code of the binary.
//!
//! Numeric inputs are read through the buffer protocol (numpy arrays of the
//! named dtype, C-contiguous); numeric outputs are `bytes` that the Python
//! layer views as numpy arrays without a copy (`numpy.frombuffer`). Articles
//! are numbered by the caller; whenever a stage breaks ties by article
//! number, the caller's numbers must follow input order.

use pyo3::buffer::{Element, PyBuffer};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use rayon::prelude::*;
use storyhash::article::{ArticleId, ArticleMeta, Date};
use storyhash::assign::Groups;
use storyhash::boilerplate::{self, Boilerplate, Observation};
use storyhash::cluster;
use storyhash::config::ShingleUnit;
use storyhash::error::Location;
use storyhash::lsh::{self, Banding};
use storyhash::minhash::{Signatures, Signer};
use storyhash::shingle::Shingler;
use storyhash::story::{
    self,
    terms::{self, DocFreq, StopWords, Term, TermTable, TfIdf, VectorScratch},
};
use storyhash::verify::{self, Evidence, Match};

use crate::convert::{config_from, raise, shape};

/// The contents of a numpy array (or any buffer) of `T`.
fn array<T: Element + Copy>(obj: &Bound<'_, PyAny>) -> PyResult<Vec<T>> {
    PyBuffer::<T>::get(obj)?.to_vec(obj.py())
}

/// `values` as the bytes of a flat array.
fn bytes_of<'py, T: Copy>(py: Python<'py>, values: &[T]) -> Bound<'py, PyBytes> {
    // SAFETY: `T` is a plain number type (u32, u64, f32, i64, u8), whose
    // bytes are all initialised.
    let raw = unsafe {
        std::slice::from_raw_parts(values.as_ptr().cast::<u8>(), std::mem::size_of_val(values))
    };
    PyBytes::new(py, raw)
}

/// The boilerplate set of an array of line keys.
fn boiler_of(keys: Option<&Bound<'_, PyAny>>) -> PyResult<Boilerplate> {
    Ok(match keys {
        Some(k) => Boilerplate::from_lines(array::<u64>(k)?),
        None => Boilerplate::default(),
    })
}

/// The observations of boilerplate learning: for each text, one row per
/// distinct line, as `(doc, line, bytes, source)` arrays, and the text
/// lengths. `doc` numbers the texts.
#[pyfunction]
fn line_observations<'py>(
    py: Python<'py>,
    texts: Vec<String>,
    sources: Vec<Option<String>>,
) -> PyResult<Bound<'py, PyAny>> {
    if texts.len() != sources.len() {
        return Err(shape("texts and sources differ in length".into()));
    }
    let (obs, lens) = py.detach(|| {
        let per: Vec<(Vec<Observation>, u32)> = texts
            .par_iter()
            .zip(&sources)
            .enumerate()
            .map_init(Shingler::default, |sh, (d, (t, s))| {
                sh.read_lines(t);
                let mut out = Vec::with_capacity(sh.lines.len());
                boilerplate::observe(
                    &mut sh.lines,
                    d as u32,
                    boilerplate::source_id(s.as_deref()),
                    &mut out,
                );
                (out, t.len().min(u32::MAX as usize) as u32)
            })
            .collect();
        let lens: Vec<u32> = per.iter().map(|p| p.1).collect();
        let obs: Vec<Observation> = per.into_iter().flat_map(|p| p.0).collect();
        (obs, lens)
    });
    let doc: Vec<u32> = obs.iter().map(|o| o.doc).collect();
    let line: Vec<u64> = obs.iter().map(|o| o.line).collect();
    let bytes: Vec<u32> = obs.iter().map(|o| o.bytes).collect();
    let source: Vec<u32> = obs.iter().map(|o| o.source).collect();
    (
        bytes_of(py, &doc),
        bytes_of(py, &line),
        bytes_of(py, &bytes),
        bytes_of(py, &source),
        bytes_of(py, &lens),
    )
        .into_pyobject(py)
        .map(|t| t.into_any())
}

/// The boilerplate line keys (u64, sorted) that `Boilerplate::learn` finds
/// in observations gathered by the caller (`doc` numbering the documents
/// from 0, `doc_bytes` their text lengths).
#[allow(clippy::too_many_arguments)]
#[pyfunction]
fn learn_boilerplate<'py>(
    py: Python<'py>,
    doc: &Bound<'py, PyAny>,
    line: &Bound<'py, PyAny>,
    bytes: &Bound<'py, PyAny>,
    sources: &Bound<'py, PyAny>,
    doc_bytes: &Bound<'py, PyAny>,
    min_docs: u32,
) -> PyResult<Bound<'py, PyBytes>> {
    let doc = array::<u32>(doc)?;
    let line = array::<u64>(line)?;
    let bytes = array::<u32>(bytes)?;
    let sources = array::<u32>(sources)?;
    let doc_bytes = array::<u32>(doc_bytes)?;
    let n = doc.len();
    if line.len() != n || bytes.len() != n || sources.len() != n {
        return Err(shape("observation arrays differ in length".into()));
    }
    if doc.iter().any(|&d| d as usize >= doc_bytes.len()) {
        return Err(shape("an observation names a document out of range".into()));
    }
    let lines: Vec<u64> = py.detach(|| {
        let obs: Vec<Observation> = (0..n)
            .map(|i| Observation {
                line: line[i],
                doc: doc[i],
                bytes: bytes[i],
                source: sources[i],
            })
            .collect();
        let mut out: Vec<u64> = Boilerplate::learn(obs, &doc_bytes, min_docs)
            .lines()
            .collect();
        out.sort_unstable();
        out
    });
    Ok(bytes_of(py, &lines))
}

/// Offsets of ragged rows from their lengths; an error unless they add up
/// to `total`.
fn offsets(counts: &[u32], total: usize, what: &str) -> PyResult<Vec<usize>> {
    let mut at = Vec::with_capacity(counts.len() + 1);
    at.push(0);
    for &c in counts {
        at.push(at[at.len() - 1] + c as usize);
    }
    if at[at.len() - 1] != total {
        return Err(shape(format!("{what} lengths do not add up")));
    }
    Ok(at)
}

/// Distributed boilerplate learning, per document: the contexts (n×4 u32)
/// each document gives a line for the wide test, from its rare lines
/// (`line` u64 and `bytes` u32, `counts` per document, one document after
/// another).
#[pyfunction]
fn boiler_rare<'py>(
    py: Python<'py>,
    counts: &Bound<'py, PyAny>,
    line: &Bound<'py, PyAny>,
    bytes: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyBytes>> {
    let counts = array::<u32>(counts)?;
    let (line, bytes) = (array::<u64>(line)?, array::<u32>(bytes)?);
    if bytes.len() != line.len() {
        return Err(shape("line arrays differ in length".into()));
    }
    let at = offsets(&counts, line.len(), "document")?;
    let out: Vec<u32> = at
        .windows(2)
        .flat_map(|w| boilerplate::doc_rare_contexts((w[0]..w[1]).map(|i| (line[i], bytes[i]))))
        .collect();
    Ok(bytes_of(py, &out))
}

/// Distributed boilerplate learning, per line: whether each line (its
/// occurrences one line after another, `counts` per line, each with its
/// document's `source` and rare contexts, m×4 u32) is wide (u8).
#[pyfunction]
fn boiler_wide<'py>(
    py: Python<'py>,
    counts: &Bound<'py, PyAny>,
    source: &Bound<'py, PyAny>,
    contexts: &Bound<'py, PyAny>,
    min_docs: u32,
) -> PyResult<Bound<'py, PyBytes>> {
    let counts = array::<u32>(counts)?;
    let (source, ctx) = (array::<u32>(source)?, array::<u32>(contexts)?);
    let k = boilerplate::CONTEXTS;
    if ctx.len() != source.len() * k {
        return Err(shape("occurrence arrays differ in length".into()));
    }
    let at = offsets(&counts, source.len(), "line")?;
    let mut scratch = Vec::new();
    let out: Vec<u8> = at
        .windows(2)
        .map(|w| {
            let seen: Vec<boilerplate::Seen> = (w[0]..w[1])
                .map(|i| boilerplate::Seen {
                    source: source[i],
                    contexts: std::array::from_fn(|j| ctx[i * k + j]),
                    share: 0.0,
                })
                .collect();
            u8::from(boilerplate::is_wide(&seen, min_docs as usize, &mut scratch))
        })
        .collect();
    Ok(bytes_of(py, &out))
}

/// Distributed boilerplate learning, per document, once the wide lines are
/// known: documents' lines one document after another (`counts` per
/// document; each line's key, bytes, times seen in the collection (0 when
/// fewer than `min_docs`), its bytes in the first document that has it,
/// whether it is wide) and each document's text length. Returns, for every
/// occurrence of a line the tests judge, `(document position u32, line
/// u64, contexts n×4 u32, share f64)`.
#[allow(clippy::too_many_arguments)]
#[pyfunction]
fn boiler_views<'py>(
    py: Python<'py>,
    counts: &Bound<'py, PyAny>,
    line: &Bound<'py, PyAny>,
    bytes: &Bound<'py, PyAny>,
    seen: &Bound<'py, PyAny>,
    first_bytes: &Bound<'py, PyAny>,
    wide: &Bound<'py, PyAny>,
    doc_bytes: &Bound<'py, PyAny>,
    min_docs: u32,
) -> PyResult<Bound<'py, PyAny>> {
    let counts = array::<u32>(counts)?;
    let (line, bytes) = (array::<u64>(line)?, array::<u32>(bytes)?);
    let (seen, first) = (array::<u32>(seen)?, array::<u32>(first_bytes)?);
    let wide = array::<u8>(wide)?;
    let doc_bytes = array::<u32>(doc_bytes)?;
    let n = line.len();
    if bytes.len() != n || seen.len() != n || first.len() != n || wide.len() != n {
        return Err(shape("line arrays differ in length".into()));
    }
    if doc_bytes.len() != counts.len() {
        return Err(shape("documents and their lengths differ in number".into()));
    }
    let at = offsets(&counts, n, "document")?;
    let m = min_docs as usize;
    let (mut doc, mut keys, mut ctx, mut share) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (d, w) in at.windows(2).enumerate() {
        let lines: Vec<(u64, u32, usize, bool)> = (w[0]..w[1])
            .map(|i| (line[i], bytes[i], seen[i] as usize, wide[i] != 0))
            .collect();
        let view = boilerplate::DocView::of(&lines, doc_bytes[d], m);
        for i in w[0]..w[1] {
            if wide[i] == 0 && boilerplate::is_tested(seen[i] as usize, first[i], m) {
                doc.push(d as u32);
                keys.push(line[i]);
                ctx.extend(boilerplate::contexts(&view.low, line[i]));
                share.push(view.share);
            }
        }
    }
    (
        bytes_of(py, &doc),
        bytes_of(py, &keys),
        bytes_of(py, &ctx),
        bytes_of(py, &share),
    )
        .into_pyobject(py)
        .map(|t| t.into_any())
}

/// Distributed boilerplate learning, per line: whether each tested line
/// (its occurrences one line after another, `counts` per line, each with
/// its document's number, source, the line's contexts there (m×4 u32) and
/// the document's share) passes the tests (u8). Occurrences are taken in
/// document order, as the stage sums their shares.
#[allow(clippy::too_many_arguments)]
#[pyfunction]
fn boiler_tests<'py>(
    py: Python<'py>,
    counts: &Bound<'py, PyAny>,
    doc: &Bound<'py, PyAny>,
    source: &Bound<'py, PyAny>,
    contexts: &Bound<'py, PyAny>,
    share: &Bound<'py, PyAny>,
    min_docs: u32,
) -> PyResult<Bound<'py, PyBytes>> {
    let counts = array::<u32>(counts)?;
    let (doc, source) = (array::<u64>(doc)?, array::<u32>(source)?);
    let (ctx, share) = (array::<u32>(contexts)?, array::<f64>(share)?);
    let k = boilerplate::CONTEXTS;
    let n = doc.len();
    if source.len() != n || share.len() != n || ctx.len() != n * k {
        return Err(shape("occurrence arrays differ in length".into()));
    }
    let at = offsets(&counts, n, "line")?;
    let mut scratch = Vec::new();
    let out: Vec<u8> = at
        .windows(2)
        .map(|w| {
            let mut order: Vec<usize> = (w[0]..w[1]).collect();
            order.sort_unstable_by_key(|&i| doc[i]);
            let seen: Vec<boilerplate::Seen> = order
                .iter()
                .map(|&i| boilerplate::Seen {
                    source: source[i],
                    contexts: std::array::from_fn(|j| ctx[i * k + j]),
                    share: share[i],
                })
                .collect();
            u8::from(boilerplate::passes_tests(
                &seen,
                min_docs as usize,
                &mut scratch,
            ))
        })
        .collect();
    Ok(bytes_of(py, &out))
}

/// Shingles and signs `texts` without the boilerplate lines `boiler`
/// (u64 line keys), as the signature pass does: returns the signatures
/// (n×num_perm u32), the shingle-set sizes (u32) and, with the story stage
/// on, the story terms as `(counts u32, terms u32, weights f32)`.
#[pyfunction]
#[pyo3(signature = (texts, titles, options, boiler=None))]
fn sign<'py>(
    py: Python<'py>,
    texts: Vec<String>,
    titles: Vec<Option<String>>,
    options: &Bound<'py, PyDict>,
    boiler: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let (cfg, _) = config_from(options)?;
    if texts.len() != titles.len() {
        return Err(shape("texts and titles differ in length".into()));
    }
    let boiler = boiler_of(boiler)?;
    type One = (Vec<u32>, u32, Vec<(Term, f32)>);
    let signed: Vec<One> = py.detach(|| {
        let signer = Signer::new(&cfg.minhash);
        let stop = StopWords::default();
        texts
            .par_iter()
            .zip(&titles)
            .map_init(
                || (Shingler::default(), terms::TermScratch::default()),
                |(sh, ts), (text, title)| {
                    sh.shingle(text, &cfg.shingle, &boiler);
                    let mut sig = vec![0u32; signer.len()];
                    signer.sign(&sh.shingles, &mut sig);
                    let size = sh.distinct.count(&sh.shingles) as u32;
                    let mut found = Vec::new();
                    if let Some(s) = &cfg.story {
                        if cfg.shingle.unit != ShingleUnit::Words {
                            sh.read_words(text, &boiler);
                        }
                        terms::extract(&sh.words, title.as_deref(), &stop, s, ts, &mut found);
                    }
                    (sig, size, found)
                },
            )
            .collect()
    });
    let sigs: Vec<u32> = signed.iter().flat_map(|s| s.0.iter().copied()).collect();
    let sizes: Vec<u32> = signed.iter().map(|s| s.1).collect();
    let counts: Vec<u32> = signed.iter().map(|s| s.2.len() as u32).collect();
    let term_ids: Vec<u32> = signed
        .iter()
        .flat_map(|s| s.2.iter().map(|t| t.0))
        .collect();
    let weights: Vec<f32> = signed
        .iter()
        .flat_map(|s| s.2.iter().map(|t| t.1))
        .collect();
    (
        bytes_of(py, &sigs),
        bytes_of(py, &sizes),
        bytes_of(py, &counts),
        bytes_of(py, &term_ids),
        bytes_of(py, &weights),
    )
        .into_pyobject(py)
        .map(|t| t.into_any())
}

/// The LSH banding of a run: `(bands, rows)`.
#[pyfunction]
fn banding(options: &Bound<'_, PyDict>) -> PyResult<(usize, usize)> {
    let (cfg, _) = config_from(options)?;
    let b = Banding::from_config(
        &cfg.lsh,
        cfg.verify.candidate_threshold(),
        cfg.minhash.num_perm,
    );
    Ok((b.bands, b.rows))
}

/// The band keys (n×bands u32) of signatures (n×num_perm u32).
#[pyfunction]
fn band_keys<'py>(
    py: Python<'py>,
    sigs: &Bound<'py, PyAny>,
    num_perm: usize,
    bands: usize,
    rows: usize,
) -> PyResult<Bound<'py, PyBytes>> {
    let sigs = array::<u32>(sigs)?;
    if num_perm == 0 || sigs.len() % num_perm != 0 || bands * rows > num_perm {
        return Err(shape(
            "signatures do not fit num_perm, bands and rows".into(),
        ));
    }
    let keys: Vec<u32> = py.detach(|| {
        sigs.par_chunks(num_perm)
            .flat_map_iter(|sig| {
                (0..bands).map(move |b| lsh::band_key(b, &sig[b * rows..(b + 1) * rows]))
            })
            .collect()
    });
    Ok(bytes_of(py, &keys))
}

/// The candidate pairs of buckets: `members` (u32 article numbers) holds
/// the buckets one after the other, each in article order, `lengths` their
/// sizes; returns `(a, b)` u32 arrays, `a < b`, as the LSH stage pairs them
/// (all pairs, or a window in a bucket swollen past `max_bucket`).
#[pyfunction]
fn bucket_pairs<'py>(
    py: Python<'py>,
    members: &Bound<'py, PyAny>,
    lengths: &Bound<'py, PyAny>,
    max_bucket: usize,
) -> PyResult<Bound<'py, PyAny>> {
    let members = array::<u32>(members)?;
    let lengths = array::<u32>(lengths)?;
    if lengths.iter().map(|&l| l as usize).sum::<usize>() != members.len() {
        return Err(shape("bucket lengths do not add up to the members".into()));
    }
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let mut start = 0;
    for &len in &lengths {
        let run = &members[start..start + len as usize];
        start += len as usize;
        let window = lsh::bucket_window(run.len(), max_bucket);
        for (x, &i) in run.iter().enumerate() {
            for &j in &run[x + 1..run.len().min(x + 1 + window)] {
                a.push(i.min(j));
                b.push(i.max(j));
            }
        }
    }
    (bytes_of(py, &a), bytes_of(py, &b))
        .into_pyobject(py)
        .map(|t| t.into_any())
}

/// Verifies candidate pairs by their signatures (m×num_perm u32 each side)
/// and shingle counts: returns `(keep u8, jaccard f32, containment f32)`.
#[pyfunction]
fn verify_pairs<'py>(
    py: Python<'py>,
    sig_a: &Bound<'py, PyAny>,
    sig_b: &Bound<'py, PyAny>,
    size_a: &Bound<'py, PyAny>,
    size_b: &Bound<'py, PyAny>,
    options: &Bound<'py, PyDict>,
) -> PyResult<Bound<'py, PyAny>> {
    let (cfg, _) = config_from(options)?;
    let k = cfg.minhash.num_perm;
    let (sa, sb) = (array::<u32>(sig_a)?, array::<u32>(sig_b)?);
    let (za, zb) = (array::<u32>(size_a)?, array::<u32>(size_b)?);
    let m = za.len();
    if zb.len() != m || sa.len() != m * k || sb.len() != m * k {
        return Err(shape("pair arrays differ in length".into()));
    }
    let out = py.detach(|| {
        // Pair p is articles 2p and 2p+1 of a table of its own.
        let mut sigs = Signatures::new(k);
        let mut sizes = Vec::with_capacity(2 * m);
        for p in 0..m {
            sigs.extend_from(&sa[p * k..(p + 1) * k]);
            sigs.extend_from(&sb[p * k..(p + 1) * k]);
            sizes.extend([za[p], zb[p]]);
        }
        let pairs: Vec<(ArticleId, ArticleId)> = (0..m as u32)
            .map(|p| (ArticleId(2 * p), ArticleId(2 * p + 1)))
            .collect();
        let matches = verify::verify(&pairs, Evidence::Signatures(&sigs), &sizes, &cfg.verify);
        let mut keep = vec![0u8; m];
        let mut jac = vec![0f32; m];
        let mut con = vec![0f32; m];
        for mt in matches {
            let p = (mt.a.0 / 2) as usize;
            keep[p] = 1;
            jac[p] = mt.jaccard;
            con[p] = mt.containment;
        }
        (keep, jac, con)
    });
    (
        bytes_of(py, &out.0),
        bytes_of(py, &out.1),
        bytes_of(py, &out.2),
    )
        .into_pyobject(py)
        .map(|t| t.into_any())
}

fn meta(id: String, source: Option<String>, date: Option<String>) -> PyResult<ArticleMeta> {
    let date = match date {
        Some(d) => Some(Date::parse(&d).map_err(|p| shape(format!("{id}: {p}")))?),
        None => None,
    };
    Ok(ArticleMeta {
        id: id.into(),
        source: source.map(String::into_boxed_str),
        date,
        title: None,
        location: Location {
            input: "<group>".into(),
            line: 0,
        },
    })
}

/// The cluster stage on one connected component (or any set of whole
/// groups): articles in input order (ids, sources, dates, shingle counts)
/// and the matches among them as positions `(a, b, jaccard, containment)`.
/// `sigs` (n×num_perm u32) are their signatures, for the stage's chaining
/// guard. Returns, per article, the position of its group's canonical
/// article, of its best match (-1 for none), that match's scores, the
/// position of its group's first member and the group's size.
#[allow(clippy::too_many_arguments)]
#[pyfunction]
fn groups<'py>(
    py: Python<'py>,
    ids: Vec<String>,
    sources: Vec<Option<String>>,
    dates: Vec<Option<String>>,
    sizes: &Bound<'py, PyAny>,
    sigs: &Bound<'py, PyAny>,
    a: &Bound<'py, PyAny>,
    b: &Bound<'py, PyAny>,
    jaccard: &Bound<'py, PyAny>,
    containment: &Bound<'py, PyAny>,
    options: &Bound<'py, PyDict>,
) -> PyResult<Bound<'py, PyAny>> {
    let (cfg, _) = config_from(options)?;
    let sizes = array::<u32>(sizes)?;
    let sigs = array::<u32>(sigs)?;
    let k = cfg.minhash.num_perm;
    let (a, b) = (array::<u32>(a)?, array::<u32>(b)?);
    let (j, c) = (array::<f32>(jaccard)?, array::<f32>(containment)?);
    let n = ids.len();
    if sources.len() != n || dates.len() != n || sizes.len() != n || sigs.len() != n * k {
        return Err(shape("article arrays differ in length".into()));
    }
    if b.len() != a.len() || j.len() != a.len() || c.len() != a.len() {
        return Err(shape("match arrays differ in length".into()));
    }
    if a.iter().chain(&b).any(|&x| x as usize >= n) {
        return Err(shape("a match names an article out of range".into()));
    }
    let articles: Vec<ArticleMeta> = ids
        .into_iter()
        .zip(sources)
        .zip(dates)
        .map(|((i, s), d)| meta(i, s, d))
        .collect::<PyResult<_>>()?;
    let matches: Vec<Match> = (0..a.len())
        .map(|m| Match {
            a: ArticleId(a[m].min(b[m])),
            b: ArticleId(a[m].max(b[m])),
            jaccard: j[m],
            containment: c[m],
        })
        .collect();
    let g: Groups = py.detach(|| {
        let sig = |x: ArticleId| &sigs[x.index() * k..(x.index() + 1) * k];
        let similarity =
            |x: ArticleId, y: ArticleId| storyhash::minhash::similarity(sig(x), sig(y));
        let evidence = cluster::Evidence {
            sizes: &sizes,
            threshold: cfg.verify.threshold,
            similarity: &similarity,
        };
        cluster::cluster(&articles, &matches, &evidence, &cfg.cluster)
    });
    let canon: Vec<u32> = g.group.iter().map(|&x| g.canonical[x as usize].0).collect();
    // Groups are numbered by first member: the first position of each.
    let mut first = vec![u32::MAX; g.len()];
    for (i, &x) in g.group.iter().enumerate() {
        let f = &mut first[x as usize];
        *f = (*f).min(i as u32);
    }
    let first: Vec<u32> = g.group.iter().map(|&x| first[x as usize]).collect();
    let size: Vec<u32> = g.group.iter().map(|&x| g.size[x as usize]).collect();
    let other: Vec<i64> = g
        .best
        .iter()
        .map(|x| x.map_or(-1, |b| i64::from(b.other.0)))
        .collect();
    let bj: Vec<f32> = g
        .best
        .iter()
        .map(|x| x.map_or(0.0, |b| b.jaccard))
        .collect();
    let bc: Vec<f32> = g
        .best
        .iter()
        .map(|x| x.map_or(0.0, |b| b.containment))
        .collect();
    (
        bytes_of(py, &canon),
        bytes_of(py, &other),
        bytes_of(py, &bj),
        bytes_of(py, &bc),
        bytes_of(py, &first),
        bytes_of(py, &size),
    )
        .into_pyobject(py)
        .map(|t| t.into_any())
}

/// The document-frequency counter of each term (u32 terms to i64 slots):
/// counts gathered per counter give the very table the story stage uses.
#[pyfunction]
fn df_slots<'py>(py: Python<'py>, term_ids: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyBytes>> {
    let t = array::<u32>(term_ids)?;
    let df = empty_df();
    let slots: Vec<i64> = t.iter().map(|&x| df.slot_of(x) as i64).collect();
    Ok(bytes_of(py, &slots))
}

/// The story stage's document-frequency table, empty; made once per
/// process (it is 16 MB).
fn empty_df() -> &'static DocFreq {
    static DF: std::sync::OnceLock<DocFreq> = std::sync::OnceLock::new();
    DF.get_or_init(|| DocFreq::for_run(true))
}

/// TF-IDF vectors of representatives: their terms (counts, terms, weights
/// as `sign` returns them), the document frequency of each term (as
/// gathered per `df_slots` counter), the collection's size in articles
/// and in near-duplicate groups. Returns `(counts u32, terms u32, weights
/// f32, specific u8)` of the unit vectors, `specific` marking the entries
/// on specific terms (`story::specific_parts`).
#[allow(clippy::too_many_arguments)]
#[pyfunction]
fn story_vectors<'py>(
    py: Python<'py>,
    counts: &Bound<'py, PyAny>,
    term_ids: &Bound<'py, PyAny>,
    weights: &Bound<'py, PyAny>,
    dfs: &Bound<'py, PyAny>,
    collection: usize,
    groups: usize,
    options: &Bound<'py, PyDict>,
) -> PyResult<Bound<'py, PyAny>> {
    let (cfg, _) = config_from(options)?;
    let story = cfg.story.clone().unwrap_or_default();
    let counts = array::<u32>(counts)?;
    let (t, w, d) = (
        array::<u32>(term_ids)?,
        array::<f32>(weights)?,
        array::<u32>(dfs)?,
    );
    if t.len() != w.len()
        || t.len() != d.len()
        || counts.iter().map(|&c| c as usize).sum::<usize>() != t.len()
    {
        return Err(shape("term arrays differ in length".into()));
    }
    let vectors = py.detach(|| {
        // A table of the counters these terms use, and of no other.
        let df = DocFreq::for_run(true);
        for (&x, &c) in t.iter().zip(&d) {
            df.set_slot(df.slot_of(x), c);
        }
        let mut table = TermTable::new();
        let mut at = 0;
        for &c in &counts {
            let pairs: Vec<(Term, f32)> = (at..at + c as usize).map(|i| (t[i], w[i])).collect();
            table.push(&pairs);
            at += c as usize;
        }
        let weights = TfIdf::new(&df, collection, story.background_docs);
        let mut scratch = VectorScratch::default();
        let vectors: Vec<_> = (0..counts.len())
            .map(|i| table.vector(i, &weights, &story, &mut scratch))
            .collect();
        let specific = story::specific_parts(&vectors, &df, collection, groups, &story);
        (vectors, specific)
    });
    let (vectors, specific) = vectors;
    let vc: Vec<u32> = vectors.iter().map(|v| v.len() as u32).collect();
    let vt: Vec<u32> = vectors.iter().flat_map(|v| v.iter().map(|x| x.0)).collect();
    let vw: Vec<f32> = vectors.iter().flat_map(|v| v.iter().map(|x| x.1)).collect();
    // The specific part is a subset of its vector's entries, in order.
    let vs: Vec<u8> = vectors
        .iter()
        .zip(&specific)
        .flat_map(|(v, sp)| {
            let mut k = 0;
            v.iter()
                .map(|x| {
                    let on = sp.get(k).is_some_and(|y| y.0 == x.0);
                    k += usize::from(on);
                    u8::from(on)
                })
                .collect::<Vec<_>>()
        })
        .collect();
    (
        bytes_of(py, &vc),
        bytes_of(py, &vt),
        bytes_of(py, &vw),
        bytes_of(py, &vs),
    )
        .into_pyobject(py)
        .map(|t| t.into_any())
}

/// The strongest `index_terms` terms of each vector (the candidate index's
/// postings), as `(counts u32, terms u32)`.
#[pyfunction]
fn index_terms<'py>(
    py: Python<'py>,
    counts: &Bound<'py, PyAny>,
    term_ids: &Bound<'py, PyAny>,
    weights: &Bound<'py, PyAny>,
    options: &Bound<'py, PyDict>,
) -> PyResult<Bound<'py, PyAny>> {
    let (cfg, _) = config_from(options)?;
    let k = cfg.story.clone().unwrap_or_default().index_terms;
    let counts = array::<u32>(counts)?;
    let (t, w) = (array::<u32>(term_ids)?, array::<f32>(weights)?);
    let (mut oc, mut ot) = (Vec::new(), Vec::new());
    let mut at = 0;
    for &c in &counts {
        let v = (at..at + c as usize).map(|i| (t[i], w[i]));
        at += c as usize;
        // The strongest first by the stage's own order (weight, then term).
        let mut keys: Vec<u64> = v.map(|(x, y)| terms::strength_key(x, y)).collect();
        keys.sort_unstable();
        keys.truncate(k);
        oc.push(keys.len() as u32);
        ot.extend(keys.iter().map(|&key| key as u32));
    }
    (bytes_of(py, &oc), bytes_of(py, &ot))
        .into_pyobject(py)
        .map(|t| t.into_any())
}

/// The pairs one posting list contributes to the story candidates: the
/// distributed form of `story::link::candidates`, list by list. `members`
/// holds the lists one after another (representative numbers in id order),
/// `lengths` their sizes, `days` each member's publication day key. A short
/// list pairs all its members; a list longer than `max_posting` pairs each
/// member with the later ones among its `LONG_POSTING_WINDOW` neighbours on
/// either side in publication order. A pair is a candidate when it comes
/// out of `min_shared` lists.
#[pyfunction]
fn posting_pairs<'py>(
    py: Python<'py>,
    members: &Bound<'py, PyAny>,
    lengths: &Bound<'py, PyAny>,
    days: &Bound<'py, PyAny>,
    options: &Bound<'py, PyDict>,
) -> PyResult<Bound<'py, PyAny>> {
    let (cfg, _) = config_from(options)?;
    let max_posting = cfg.story.clone().unwrap_or_default().max_posting;
    let members = array::<u32>(members)?;
    let lengths = array::<u32>(lengths)?;
    let days = array::<u32>(days)?;
    if days.len() != members.len() {
        return Err(shape("members and days differ in length".into()));
    }
    const WINDOW: usize = story::link::LONG_POSTING_WINDOW;
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let mut start = 0;
    for &len in &lengths {
        let end = start + len as usize;
        let mut run: Vec<(u32, u32)> = (start..end).map(|i| (members[i], days[i])).collect();
        start = end;
        if run.len() > max_posting {
            run.sort_unstable_by_key(|&(r, d)| (d, r));
            for (p, &(r, _)) in run.iter().enumerate() {
                let lo = p.saturating_sub(WINDOW);
                for &(j, _) in &run[lo..(p + WINDOW + 1).min(run.len())] {
                    if j > r {
                        a.push(r);
                        b.push(j);
                    }
                }
            }
        } else {
            run.sort_unstable();
            for (x, &(i, _)) in run.iter().enumerate() {
                for &(j, _) in &run[x + 1..] {
                    if j > i {
                        a.push(i);
                        b.push(j);
                    }
                }
            }
        }
    }
    (bytes_of(py, &a), bytes_of(py, &b))
        .into_pyobject(py)
        .map(|t| t.into_any())
}

/// The story stage's candidate pairs of vectors (`counts`, `terms`,
/// `weights` as `story_vectors` returns them) with publication `days`
/// (days since 1970, None when undated), from `story::link::candidates`
/// itself on one machine: `(a u32, b u32)`, sorted. What a distributed job
/// computes list by list with `posting_pairs` checks against it.
#[pyfunction]
fn story_candidates<'py>(
    py: Python<'py>,
    counts: &Bound<'py, PyAny>,
    term_ids: &Bound<'py, PyAny>,
    weights: &Bound<'py, PyAny>,
    days: Vec<Option<f64>>,
    options: &Bound<'py, PyDict>,
) -> PyResult<Bound<'py, PyAny>> {
    let (cfg, _) = config_from(options)?;
    let story = cfg.story.clone().unwrap_or_default();
    let counts = array::<u32>(counts)?;
    let (t, w) = (array::<u32>(term_ids)?, array::<f32>(weights)?);
    if t.len() != w.len() || counts.iter().map(|&c| c as usize).sum::<usize>() != t.len() {
        return Err(shape("term arrays differ in length".into()));
    }
    if days.len() != counts.len() {
        return Err(shape("vectors and days differ in number".into()));
    }
    let pairs = py.detach(|| {
        let at = offsets(&counts, t.len(), "vector").unwrap_or_default();
        let vectors: Vec<Vec<(Term, f32)>> = at
            .windows(2)
            .map(|r| (r[0]..r[1]).map(|i| (t[i], w[i])).collect())
            .collect();
        story::link::candidates(&vectors, &days, &story)
    });
    let a: Vec<u32> = pairs.iter().map(|p| p.0).collect();
    let b: Vec<u32> = pairs.iter().map(|p| p.1).collect();
    (bytes_of(py, &a), bytes_of(py, &b))
        .into_pyobject(py)
        .map(|t| t.into_any())
}

/// Events and stories of representatives (one per near-duplicate group,
/// in group order) from their unit vectors (`counts`, `terms`, `weights`,
/// `specific` as `story_vectors` returns them), dates, group sizes and candidate
/// pairs `(a, b)` by position: the story stage's own linkage, cuts and
/// labels (`story::levels`), run on whole connected components of the
/// candidate graph. Returns per representative the position of its event's
/// label, its event's size in articles, its story's label and size.
#[allow(clippy::too_many_arguments)]
#[pyfunction]
fn story_levels<'py>(
    py: Python<'py>,
    counts: &Bound<'py, PyAny>,
    term_ids: &Bound<'py, PyAny>,
    weights: &Bound<'py, PyAny>,
    specific: &Bound<'py, PyAny>,
    dates: Vec<Option<String>>,
    sizes: &Bound<'py, PyAny>,
    a: &Bound<'py, PyAny>,
    b: &Bound<'py, PyAny>,
    options: &Bound<'py, PyDict>,
) -> PyResult<Bound<'py, PyAny>> {
    let (cfg, _) = config_from(options)?;
    let story = cfg.story.clone().unwrap_or_default();
    let counts = array::<u32>(counts)?;
    let (t, w) = (array::<u32>(term_ids)?, array::<f32>(weights)?);
    let on = array::<u8>(specific)?;
    let sizes = array::<u32>(sizes)?;
    let (a, b) = (array::<u32>(a)?, array::<u32>(b)?);
    let n = counts.len();
    if t.len() != w.len()
        || on.len() != t.len()
        || counts.iter().map(|&c| c as usize).sum::<usize>() != t.len()
    {
        return Err(shape("term arrays differ in length".into()));
    }
    if dates.len() != n || sizes.len() != n {
        return Err(shape("representative arrays differ in length".into()));
    }
    if b.len() != a.len() || a.iter().chain(&b).any(|&x| x as usize >= n) {
        return Err(shape(
            "a candidate pair names a representative out of range".into(),
        ));
    }
    let articles: Vec<ArticleMeta> = dates
        .into_iter()
        .map(|d| meta(String::new(), None, d))
        .collect::<PyResult<_>>()?;
    let out = py.detach(|| {
        let (mut vectors, mut parts) = (Vec::with_capacity(n), Vec::with_capacity(n));
        let mut at = 0;
        for &c in &counts {
            let range = at..at + c as usize;
            vectors.push(range.clone().map(|i| (t[i], w[i])).collect::<Vec<_>>());
            parts.push(
                range
                    .filter(|&i| on[i] != 0)
                    .map(|i| (t[i], w[i]))
                    .collect(),
            );
            at += c as usize;
        }
        // Each representative is its own group's canonical article.
        let groups = Groups {
            group: (0..n as u32).collect(),
            canonical: (0..n as u32).map(ArticleId).collect(),
            size: sizes,
            best: vec![None; n],
            too_short: vec![false; n],
        };
        let mut edges: Vec<(u32, u32)> = a
            .iter()
            .zip(&b)
            .filter(|(x, y)| x != y)
            .map(|(&x, &y)| (x.min(y), x.max(y)))
            .collect();
        edges.sort_unstable();
        edges.dedup();
        let nodes = story::linkage::Nodes {
            vectors,
            specific: parts,
            days: story::days(&articles, &groups),
        };
        let st = story::levels(&articles, &groups, nodes, &edges, &story);
        let per = |of: &[u32], label: &[u32], size: &[u32]| -> (Vec<u32>, Vec<u32>) {
            of.iter()
                .map(|&c| (label[c as usize], size[c as usize]))
                .unzip()
        };
        let (el, es) = per(&st.event_of_group, &st.event_label_group, &st.event_size);
        let (sl, ss) = per(&st.of_group, &st.label_group, &st.size);
        (el, es, sl, ss)
    });
    (
        bytes_of(py, &out.0),
        bytes_of(py, &out.1),
        bytes_of(py, &out.2),
        bytes_of(py, &out.3),
    )
        .into_pyobject(py)
        .map(|t| t.into_any())
}

/// The sort key of a publication day as the candidate index orders
/// long posting lists (days since 1970 offset to stay positive; unknown
/// days last).
#[pyfunction]
fn day_keys<'py>(py: Python<'py>, seconds: Vec<Option<i64>>) -> Bound<'py, PyBytes> {
    let keys: Vec<u32> = seconds
        .iter()
        .map(|s| {
            s.map_or(u32::MAX, |s| {
                (s as f64 / 86_400.0 + 1_000_000.0).clamp(0.0, f64::from(u32::MAX - 1)) as u32
            })
        })
        .collect();
    bytes_of(py, &keys)
}

/// Seconds since 1970 of ISO 8601 dates (None where absent), and their
/// earliest-first order keys `(day, within)`, as the stages read them.
#[pyfunction]
fn date_seconds<'py>(py: Python<'py>, dates: Vec<Option<String>>) -> PyResult<Bound<'py, PyAny>> {
    let mut secs = Vec::with_capacity(dates.len());
    let mut day = Vec::with_capacity(dates.len());
    let mut within = Vec::with_capacity(dates.len());
    for d in &dates {
        match d {
            Some(d) => {
                let p = Date::parse(d)
                    .map_err(|e| raise(py, &storyhash::Error::Setting(e.to_string())))?;
                let (x, y) = p.order_key();
                secs.push(Some(p.seconds));
                day.push(x);
                within.push(y);
            }
            None => {
                secs.push(None);
                day.push(i64::MAX);
                within.push(i64::MAX);
            }
        }
    }
    (secs, bytes_of(py, &day), bytes_of(py, &within))
        .into_pyobject(py)
        .map(|t| t.into_any())
}

/// Registers the stage functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(line_observations, m)?)?;
    m.add_function(wrap_pyfunction!(learn_boilerplate, m)?)?;
    m.add_function(wrap_pyfunction!(boiler_rare, m)?)?;
    m.add_function(wrap_pyfunction!(boiler_wide, m)?)?;
    m.add_function(wrap_pyfunction!(boiler_views, m)?)?;
    m.add_function(wrap_pyfunction!(boiler_tests, m)?)?;
    m.add_function(wrap_pyfunction!(sign, m)?)?;
    m.add_function(wrap_pyfunction!(banding, m)?)?;
    m.add_function(wrap_pyfunction!(band_keys, m)?)?;
    m.add_function(wrap_pyfunction!(bucket_pairs, m)?)?;
    m.add_function(wrap_pyfunction!(verify_pairs, m)?)?;
    m.add_function(wrap_pyfunction!(groups, m)?)?;
    m.add_function(wrap_pyfunction!(df_slots, m)?)?;
    m.add_function(wrap_pyfunction!(story_vectors, m)?)?;
    m.add_function(wrap_pyfunction!(index_terms, m)?)?;
    m.add_function(wrap_pyfunction!(posting_pairs, m)?)?;
    m.add_function(wrap_pyfunction!(story_candidates, m)?)?;
    m.add_function(wrap_pyfunction!(story_levels, m)?)?;
    m.add_function(wrap_pyfunction!(day_keys, m)?)?;
    m.add_function(wrap_pyfunction!(date_seconds, m)?)?;
    Ok(())
}
