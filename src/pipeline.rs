//! The one place where the stages meet.
//!
//! ```text
//! pass 1 (boilerplate on):  read -> normalize -> line hashes -> learn boilerplate
//! pass 2:                   read -> normalize -> drop boilerplate -> shingle -> sign
//!                                                               \-> story terms, document frequencies
//! then:                     lsh candidates -> verify -> cluster -> stories
//! ```
//!
//! Both passes stream: a reading thread cuts inputs into batches of a few
//! megabytes while the rayon pool parses and signs the previous batch, so the
//! text of the collection is never held in memory at once; what stays is one
//! signature, one shingle count, a few dozen story terms and the metadata per
//! article. Results are
//! appended in input order, so every later stage sees the same data whatever
//! the number of threads.

use std::sync::mpsc::sync_channel;
use std::time::Instant;

use ahash::AHashMap;

use crate::article::{ArticleId, ArticleMeta, Record};
use crate::boilerplate::{self, Boilerplate};
use crate::cluster::{self, Groups};
use crate::config::{BadRecords, Config, ReadConfig, ShingleConfig, ShingleUnit};
use crate::error::{Error, Location, RecordProblem, Result};
use crate::lsh::{self, Banding};
use crate::minhash::{Signatures, Signer};
use crate::normalize::{Words, line_hash, normalize_into};
use crate::read::{self, Batch, Input, Place};
use crate::shingle::{Distinct, char_units, fold_windows};
use crate::story::terms::{self, DocFreq, StopWords, Term, TermScratch, TermTable};
use crate::story::{self, Stories};
use crate::verify::{self, Evidence, ShingleSets};

/// Receives progress reports; the binary draws them, tests ignore them.
pub trait Progress: Sync {
    /// A stage begins.
    fn stage(&self, _name: &'static str) {}
    /// `articles` more articles and `bytes` more bytes of text were processed.
    fn advance(&self, _articles: u64, _bytes: u64) {}
}

/// Progress that goes nowhere.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;
impl Progress for NoProgress {}

/// Wall time of one stage.
#[derive(Debug, Clone)]
pub struct StageTime {
    /// Stage name.
    pub name: &'static str,
    /// Seconds spent.
    pub seconds: f64,
}

/// Figures of a run, for `--stats` and the summary line.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// Per-stage wall times, in order.
    pub stages: Vec<StageTime>,
    /// Bytes of article text read (per pass).
    pub text_bytes: u64,
    /// Distinct boilerplate lines learnt.
    pub boilerplate_lines: usize,
    /// Banding used.
    pub banding: Option<Banding>,
    /// Candidate pairs from LSH.
    pub candidates: usize,
    /// Confirmed near-duplicate pairs.
    pub matches: usize,
    /// Heap bytes held by signatures, story terms (and shingle sets with
    /// `exact`).
    pub sketch_bytes: usize,
    /// Candidate pairs of the story stage.
    pub story_candidates: usize,
}

/// Everything a run produces.
#[derive(Debug)]
pub struct Outcome {
    /// Metadata of every article, in input order.
    pub articles: Vec<ArticleMeta>,
    /// Shingle count of every article.
    pub sizes: Vec<u32>,
    /// Near-duplicate groups.
    pub groups: Groups,
    /// Events and stories.
    pub stories: Stories,
    /// Records skipped as bad (only with `BadRecords::Skip`).
    pub skipped: Vec<(Location, RecordProblem)>,
    /// Figures.
    pub stats: Stats,
}

/// Runs the near-duplicate job on `inputs` on the current rayon pool.
pub fn run(inputs: &[Input], cfg: &Config, progress: &dyn Progress) -> Result<Outcome> {
    cfg.validate()?;
    let mut stats = Stats::default();
    let mut skipped = Vec::new();
    let mut clock = Instant::now();
    let mut lap = |stats: &mut Stats, name: &'static str| {
        stats.stages.push(StageTime {
            name,
            seconds: clock.elapsed().as_secs_f64(),
        });
        clock = Instant::now();
    };

    let boiler = match &cfg.normalize.boilerplate {
        Some(b) => {
            progress.stage("boilerplate");
            let learnt = match learn_boilerplate(inputs, cfg, b.min_docs, progress) {
                Ok(learnt) => learnt,
                // A bad record. A duplicate id, which only the signature
                // pass looks for, may come before it: that pass stops at
                // the first problem in input order, so it reports.
                Err(e @ Error::Record { .. }) => {
                    sign_all(inputs, cfg, &Boilerplate::default(), progress, &mut skipped)?;
                    return Err(e);
                }
                Err(e) => return Err(e),
            };
            stats.boilerplate_lines = learnt.len();
            lap(&mut stats, "boilerplate");
            learnt
        }
        None => Boilerplate::default(),
    };

    progress.stage("sign");
    let signed = sign_all(inputs, cfg, &boiler, progress, &mut skipped)?;
    stats.text_bytes = signed.bytes;
    stats.sketch_bytes = signed.sigs.heap_bytes()
        + signed.terms.heap_bytes()
        + signed.sets.as_ref().map_or(0, ShingleSets::heap_bytes);
    lap(&mut stats, "read+shingle+sign");

    progress.stage("index");
    let usable: Vec<bool> = signed.sizes.iter().map(|&s| s > 0).collect();
    let banding = Banding::from_config(
        &cfg.lsh,
        cfg.verify.candidate_threshold(),
        cfg.minhash.num_perm,
    );
    let candidates = lsh::candidates(&signed.sigs, &usable, banding, &cfg.lsh);
    stats.banding = Some(banding);
    stats.candidates = candidates.len();
    lap(&mut stats, "index");

    progress.stage("verify");
    let evidence = match &signed.sets {
        Some(sets) => Evidence::Exact(sets),
        None => Evidence::Signatures(&signed.sigs),
    };
    let matches = verify::verify(&candidates, evidence, &signed.sizes, &cfg.verify);
    drop(candidates);
    stats.matches = matches.len();
    lap(&mut stats, "verify");

    progress.stage("cluster");
    let groups = cluster::cluster(&signed.articles, &signed.sizes, &matches, &cfg.cluster);
    drop(matches);
    lap(&mut stats, "cluster");

    let stories = match &cfg.story {
        Some(s) => {
            progress.stage("stories");
            let st = story::stories(&signed.articles, &groups, &signed.terms, &signed.df, s);
            stats.story_candidates = st.candidates;
            lap(&mut stats, "stories");
            st
        }
        None => Stories::singletons(&groups),
    };

    Ok(Outcome {
        articles: signed.articles,
        sizes: signed.sizes,
        groups,
        stories,
        skipped,
        stats,
    })
}

/// Streams every batch of every input to `f`, reading on a separate thread.
fn for_each_batch(
    inputs: &[Input],
    cfg: &ReadConfig,
    mut f: impl FnMut(Batch) -> Result<()>,
) -> Result<()> {
    std::thread::scope(|s| {
        let (tx, rx) = sync_channel::<Batch>(2);
        let reader = s.spawn(move || read::scan(inputs, cfg, &mut |b| tx.send(b).is_ok()));
        let mut outcome = Ok(());
        for batch in rx.iter() {
            if let Err(e) = f(batch) {
                outcome = Err(e);
                break;
            }
        }
        drop(rx);
        let read_outcome = reader
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        outcome.and(read_outcome)
    })
}

/// What to do with a record that could not be read: fail the run, or
/// count it in `skipped` and go on.
fn bad_record(
    location: Location,
    problem: RecordProblem,
    cfg: &ReadConfig,
    skipped: Option<&mut Vec<(Location, RecordProblem)>>,
) -> Result<()> {
    match cfg.bad_records {
        BadRecords::Fail => Err(Error::Record { location, problem }),
        BadRecords::Skip => {
            if let Some(s) = skipped {
                s.push((location, problem));
            }
            Ok(())
        }
    }
}

/// Per-thread scratch buffers, so the hot loop allocates nothing per article.
#[derive(Default)]
struct Scratch {
    words: Words,
    line_words: Words,
    lines: Vec<(u64, u32)>,
    text: String,
    normalized: String,
    units: Vec<u64>,
    shingles: Vec<u64>,
    distinct: Distinct,
    terms: TermScratch,
}

impl Scratch {
    /// Fills `lines` with the keys and lengths of the text's short lines.
    fn read_lines(&mut self, text: &str) {
        self.lines.clear();
        for line in boilerplate::raw_lines(text) {
            if let Some(key) = boilerplate::line_key(line, &mut self.line_words) {
                self.lines.push((key, line.len() as u32));
            }
        }
    }

    /// Tokenises `text` into `words` without its boilerplate lines (all of
    /// it when every line is boilerplate: an article made only of template
    /// text is better compared on it than not at all).
    fn read_words(&mut self, text: &str, boiler: &Boilerplate) {
        self.words.clear();
        let mut dropped = false;
        for line in boilerplate::raw_lines(text) {
            let mark = self.words.len();
            self.words.extend(line);
            let short = line.len() <= boilerplate::MAX_LINE_BYTES;
            if short
                && self.words.len() > mark
                && boiler.contains(line_hash(&self.words.hashes[mark..]))
            {
                self.words.truncate(mark);
                dropped = true;
            }
        }
        if dropped && self.words.is_empty() {
            self.words.tokenize(text);
        }
    }

    /// Fills `shingles` from `text` without its boilerplate lines.
    fn shingle(&mut self, text: &str, cfg: &ShingleConfig, boiler: &Boilerplate) {
        self.shingles.clear();
        match cfg.unit {
            ShingleUnit::Words => {
                self.read_words(text, boiler);
                fold_windows(&self.words.hashes, cfg.k, &mut self.shingles);
            }
            ShingleUnit::Chars => {
                self.text.clear();
                let mut kept_any = false;
                for line in boilerplate::raw_lines(text) {
                    let drop = boilerplate::line_key(line, &mut self.line_words)
                        .is_some_and(|k| boiler.contains(k));
                    if !drop {
                        self.text.push_str(line);
                        self.text.push('\n');
                        kept_any |= !self.line_words.is_empty();
                    }
                }
                let source = if kept_any { self.text.as_str() } else { text };
                normalize_into(source, &mut self.normalized);
                char_units(self.normalized.lines(), &mut self.units);
                fold_windows(&self.units, cfg.k, &mut self.shingles);
            }
        }
    }
}

fn learn_boilerplate(
    inputs: &[Input],
    cfg: &Config,
    min_docs: u32,
    progress: &dyn Progress,
) -> Result<Boilerplate> {
    let mut observations: Vec<boilerplate::Observation> = Vec::new();
    let mut doc_bytes: Vec<u32> = Vec::new();
    for_each_batch(inputs, &cfg.read, |batch| {
        let input = &inputs[batch.input];
        // Per record: its short lines' observations (document 0: numbered
        // below) and its text length, or what was wrong with it.
        type Seen = Result<(Vec<boilerplate::Observation>, u32), (Place, RecordProblem)>;
        let seen: Vec<Seen> =
            batch.map_records(&cfg.read.fields, Scratch::default, |sc, place, r| {
                let r = r.map_err(|p| (place, p))?;
                sc.read_lines(&r.text);
                let mut out = Vec::with_capacity(sc.lines.len());
                let source = boilerplate::source_id(r.source.as_deref());
                boilerplate::observe(&mut sc.lines, 0, source, &mut out);
                Ok((out, r.text.len().min(u32::MAX as usize) as u32))
            });
        let (mut articles, mut bytes) = (0u64, 0u64);
        for s in seen {
            match s {
                Ok((obs, len)) => {
                    let doc = doc_bytes.len() as u32;
                    observations.extend(
                        obs.into_iter()
                            .map(|o| boilerplate::Observation { doc, ..o }),
                    );
                    doc_bytes.push(len);
                    articles += 1;
                    bytes += u64::from(len);
                }
                // Skipped records are counted by the signature pass.
                Err((place, problem)) => bad_record(place.locate(input), problem, &cfg.read, None)?,
            }
        }
        progress.advance(articles, bytes);
        Ok(())
    })?;
    Ok(Boilerplate::learn(observations, &doc_bytes, min_docs))
}

/// What the signature pass keeps of one article: its record (without the
/// text), the text's length, its signature, shingle count, shingle set
/// (with `exact`) and story terms.
struct Signed1 {
    record: Record,
    text_len: u64,
    sig: Vec<u32>,
    size: u32,
    set: Option<Vec<u64>>,
    terms: Vec<(Term, f32)>,
}

struct Signed {
    articles: Vec<ArticleMeta>,
    sizes: Vec<u32>,
    sigs: Signatures,
    sets: Option<ShingleSets>,
    terms: TermTable,
    df: DocFreq,
    bytes: u64,
}

fn sign_all(
    inputs: &[Input],
    cfg: &Config,
    boiler: &Boilerplate,
    progress: &dyn Progress,
    skipped: &mut Vec<(Location, RecordProblem)>,
) -> Result<Signed> {
    let signer = Signer::new(&cfg.minhash);
    let k = signer.len();
    let exact = cfg.verify.exact;
    let mut out = Signed {
        articles: Vec::new(),
        sizes: Vec::new(),
        sigs: Signatures::new(k),
        sets: exact.then(ShingleSets::new),
        terms: TermTable::new(),
        // 4M counters (16 MB): more than the distinct terms of most collections.
        df: DocFreq::new(if cfg.story.is_some() { 22 } else { 1 }),
        bytes: 0,
    };
    let df = std::mem::replace(&mut out.df, DocFreq::new(0));
    let stop = StopWords::default();
    let story = cfg.story.as_ref();
    let mut absorb = Absorb {
        out: &mut out,
        seen: AHashMap::new(),
        skipped,
        read: &cfg.read,
        progress,
    };
    // The records of the batch before, signed but not yet kept: they are
    // taken in (serially, in input order) while the next batch is signed.
    let mut pending: Option<(&Input, Vec<SignedRecord>)> = None;
    for_each_batch(inputs, &cfg.read, |batch| {
        let input = &inputs[batch.input];
        // One parallel pass per batch: parse, shingle, sign, pick terms.
        let sign = || {
            batch.map_records(&cfg.read.fields, Scratch::default, |sc, place, r| {
                let signed = r.map(|mut r| {
                    sc.shingle(&r.text, &cfg.shingle, boiler);
                    let mut sig = vec![0u32; k];
                    signer.sign(&sc.shingles, &mut sig);
                    // Set size, not window count: containment is about sets.
                    let size = sc.distinct.count(&sc.shingles) as u32;
                    let mut terms = Vec::new();
                    if let Some(s) = story {
                        if cfg.shingle.unit != ShingleUnit::Words {
                            sc.read_words(&r.text, boiler);
                        }
                        let title = r.title.as_deref();
                        terms::extract(&sc.words, title, &stop, s, &mut sc.terms, &mut terms);
                        // Counted here, in parallel; a duplicate id takes
                        // its count back when the record is taken in
                        // (increments commute).
                        df.add(&terms);
                    }
                    let set = exact.then(|| sc.shingles.clone());
                    let text_len = r.text.len() as u64;
                    // The text is done with: free it on this thread.
                    r.text = String::new();
                    Signed1 {
                        record: r,
                        text_len,
                        sig,
                        size,
                        set,
                        terms,
                    }
                });
                (place, signed)
            })
        };
        let (taken, signed) = match pending.take() {
            Some((before, records)) => rayon::join(|| absorb.take(before, records, &df), sign),
            None => (Ok(()), sign()),
        };
        taken?;
        pending = Some((input, signed));
        Ok(())
    })?;
    if let Some((input, records)) = pending {
        absorb.take(input, records, &df)?;
    }
    out.df = df;
    Ok(out)
}

/// A record of the signature pass: where it was read and what came of it.
type SignedRecord = (Place, Result<Signed1, RecordProblem>);

/// Takes signed records into the collection, in input order: bad records
/// and duplicate ids are failed or skipped here.
struct Absorb<'a> {
    out: &'a mut Signed,
    seen: AHashMap<Box<str>, ArticleId>,
    skipped: &'a mut Vec<(Location, RecordProblem)>,
    read: &'a ReadConfig,
    progress: &'a dyn Progress,
}

impl Absorb<'_> {
    fn take(&mut self, input: &Input, records: Vec<SignedRecord>, df: &DocFreq) -> Result<()> {
        let out = &mut *self.out;
        let (mut articles, mut bytes) = (0u64, 0u64);
        for (place, result) in records {
            let location = place.locate(input);
            let s = match result {
                Ok(s) => s,
                Err(problem) => {
                    bad_record(location, problem, self.read, Some(self.skipped))?;
                    continue;
                }
            };
            let r = s.record;
            if let Some(&first) = self.seen.get(r.id.as_str()) {
                df.remove(&s.terms);
                let problem = RecordProblem::DuplicateId {
                    id: r.id,
                    first: out.articles[first.index()].location.clone(),
                };
                bad_record(location, problem, self.read, Some(self.skipped))?;
                continue;
            }
            self.seen
                .insert(r.id.as_str().into(), ArticleId(out.articles.len() as u32));
            bytes += s.text_len;
            articles += 1;
            out.sigs.extend_from(&s.sig);
            out.sizes.push(s.size);
            out.terms.push(&s.terms);
            if let (Some(sets), Some(set)) = (out.sets.as_mut(), s.set) {
                sets.push(&set);
            }
            out.articles.push(ArticleMeta {
                id: r.id.into(),
                source: r.source.map(String::into_boxed_str),
                date: r.date,
                title: r.title.map(String::into_boxed_str),
                location,
            });
        }
        out.bytes += bytes;
        self.progress.advance(articles, bytes);
        Ok(())
    }
}
