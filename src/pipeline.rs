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
use rayon::prelude::*;

use crate::article::{ArticleId, ArticleMeta, Record};
use crate::boilerplate::{self, Boilerplate};
use crate::cluster::{self, Groups};
use crate::config::{BadRecords, Config, ReadConfig, ShingleConfig, ShingleUnit};
use crate::error::{Error, Location, RecordProblem, Result};
use crate::lsh::{self, Banding};
use crate::minhash::{Signatures, Signer};
use crate::normalize::{Words, line_hash, normalize_into};
use crate::read::{self, Batch, Input};
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
    /// Story pairs with a positive similarity.
    pub story_edges: usize,
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
    /// Stories.
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
            let learnt = learn_boilerplate(inputs, cfg, b.min_docs, progress)?;
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
            stats.story_edges = st.edges;
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

/// Splits parsed records into good ones and handles the bad ones.
fn sort_records(
    batch: Batch,
    inputs: &[Input],
    cfg: &ReadConfig,
    mut skipped: Option<&mut Vec<(Location, RecordProblem)>>,
) -> Result<Vec<(Location, Record)>> {
    let input = &inputs[batch.input];
    let mut good = Vec::with_capacity(batch.len());
    for (place, parsed) in batch.into_records(&cfg.fields) {
        let location = place.locate(input);
        match parsed {
            Ok(r) => good.push((location, r)),
            Err(problem) => match cfg.bad_records {
                BadRecords::Fail => return Err(Error::Record { location, problem }),
                BadRecords::Skip => {
                    if let Some(s) = skipped.as_deref_mut() {
                        s.push((location, problem));
                    }
                }
            },
        }
    }
    Ok(good)
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
        let records = sort_records(batch, inputs, &cfg.read, None)?;
        let first = doc_bytes.len() as u32;
        doc_bytes.extend(
            records
                .iter()
                .map(|r| r.1.text.len().min(u32::MAX as usize) as u32),
        );
        let obs: Vec<Vec<boilerplate::Observation>> = records
            .par_iter()
            .enumerate()
            .map_init(Scratch::default, |sc, (i, (_, r))| {
                sc.read_lines(&r.text);
                let mut out = Vec::with_capacity(sc.lines.len());
                let source = boilerplate::source_id(r.source.as_deref());
                boilerplate::observe(&mut sc.lines, first + i as u32, source, &mut out);
                out
            })
            .collect();
        for o in obs {
            observations.extend_from_slice(&o);
        }
        let bytes: u64 = records.iter().map(|r| r.1.text.len() as u64).sum();
        progress.advance(records.len() as u64, bytes);
        Ok(())
    })?;
    Ok(Boilerplate::learn(observations, &doc_bytes, min_docs))
}

/// What the signature pass keeps of one article besides its signature:
/// shingle count, shingle set (with `exact`), story terms.
type Signed1 = (u32, Option<Vec<u64>>, Vec<(Term, f32)>);

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
    let stop = StopWords::default();
    let story = cfg.story.as_ref();
    let mut seen: AHashMap<Box<str>, ArticleId> = AHashMap::new();
    for_each_batch(inputs, &cfg.read, |batch| {
        let mut records = sort_records(batch, inputs, &cfg.read, Some(skipped))?;
        // Duplicate ids are found here, in input order, before any work.
        let mut keep = Vec::with_capacity(records.len());
        for (i, (location, r)) in records.iter().enumerate() {
            let next = ArticleId((out.articles.len() + keep.len()) as u32);
            match seen.get(r.id.as_str()) {
                Some(&first) => {
                    let problem = RecordProblem::DuplicateId {
                        id: r.id.clone(),
                        first: location_of(&out.articles, &records, &keep, first),
                    };
                    match cfg.read.bad_records {
                        BadRecords::Fail => {
                            return Err(Error::Record {
                                location: location.clone(),
                                problem,
                            });
                        }
                        BadRecords::Skip => skipped.push((location.clone(), problem)),
                    }
                }
                None => {
                    seen.insert(r.id.as_str().into(), next);
                    keep.push(i);
                }
            }
        }
        if keep.len() < records.len() {
            let mut it = keep.iter().peekable();
            let mut i = 0;
            records.retain(|_| {
                let kept = it.peek() == Some(&&i);
                if kept {
                    it.next();
                }
                i += 1;
                kept
            });
        }

        let mut rows = vec![0u32; records.len() * k];
        let df = &out.df;
        let results: Vec<Signed1> = rows
            .par_chunks_mut(k)
            .zip(records.par_iter())
            .map_init(Scratch::default, |sc, (row, (_, r))| {
                sc.shingle(&r.text, &cfg.shingle, boiler);
                signer.sign(&sc.shingles, row);
                // Set size, not window count: containment is about sets.
                let n = sc.distinct.count(&sc.shingles);
                let mut terms = Vec::new();
                if let Some(s) = story {
                    if cfg.shingle.unit != ShingleUnit::Words {
                        sc.read_words(&r.text, boiler);
                    }
                    let title = r.title.as_deref();
                    terms::extract(&sc.words, title, &stop, s, &mut sc.terms, &mut terms);
                    df.add(&terms);
                }
                (n as u32, exact.then(|| sc.shingles.clone()), terms)
            })
            .collect();
        out.sigs.extend_from(&rows);
        let mut bytes = 0u64;
        let results_len = results.len();
        for ((location, r), (size, set, terms)) in records.into_iter().zip(results) {
            bytes += r.text.len() as u64;
            out.sizes.push(size);
            out.terms.push(&terms);
            if let (Some(sets), Some(set)) = (out.sets.as_mut(), set) {
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
        progress.advance(results_len as u64, bytes);
        Ok(())
    })?;
    Ok(out)
}

/// Where the article with id `first` was read: earlier batches are in
/// `articles`, this batch's are among `records` at the positions in `keep`.
fn location_of(
    articles: &[ArticleMeta],
    records: &[(Location, Record)],
    keep: &[usize],
    first: ArticleId,
) -> Location {
    match articles.get(first.index()) {
        Some(a) => a.location.clone(),
        None => records[keep[first.index() - articles.len()]].0.clone(),
    }
}
