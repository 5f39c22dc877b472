//! The one place where the stages meet, and the one junction of every
//! command: [`cluster()`], [`dedup`], [`report`] and [`evaluate`] are what a
//! front end (the binary, a binding) calls; each opens nothing and prints
//! nothing, and takes its inputs, settings and output paths as values.
//!
//! ```text
//! pass 1 (boilerplate on):  read -> normalize -> line hashes -> learn boilerplate
//! pass 2:                   read -> normalize -> drop boilerplate -> shingle -> sign
//!                                                               \-> story terms, document frequencies
//! then:                     lsh candidates -> verify -> cluster -> stories -> result table
//! ```
//!
//! Both passes stream: a reading thread cuts inputs into batches of a few
//! megabytes while the rayon pool parses and signs the previous batch, so the
//! text of the collection is never held in memory at once; what stays is one
//! signature, one shingle count, a few dozen story terms and the metadata per
//! article. Results are appended in input order, so every later stage sees
//! the same data whatever the number of threads.
//!
//! The commands then hand the result table ([`Assignments`]) to the writers:
//! `cluster` writes the CSV and then the report (a report never describes a
//! CSV that was not written); `dedup` feeds the inputs' raw records to the
//! dedup writer; `report` rebuilds the table from a cluster CSV and the
//! inputs' metadata, read once.

use std::path::{Path, PathBuf};
use std::sync::mpsc::sync_channel;
use std::time::Instant;

use ahash::AHashMap;

use crate::article::{ArticleId, ArticleMeta, Date, Record};
use crate::assign::{Assignments, Labelled, Level};
use crate::boilerplate::{self, Boilerplate};
use crate::cluster;
use crate::config::{BadRecords, Config, ReadConfig, ShingleUnit};
use crate::error::{Error, Location, RecordProblem, Result};
use crate::lsh::{self, Banding};
use crate::minhash::{Signatures, Signer};
use crate::output::{DirMode, Output, Plan};
use crate::read::{self, Batch, Input, Place};
use crate::shingle::Shingler;
use crate::story::terms::{self, DocFreq, StopWords, Term, TermScratch, TermTable};
use crate::story::{self, Stories};
use crate::verify::{self, Evidence, ShingleSets};
use crate::{dedup as dedup_out, eval, report as spread, write};

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
    /// Every article's assignment.
    pub table: Assignments,
    /// Records skipped as bad (only with `BadRecords::Skip`).
    pub skipped: Vec<(Location, RecordProblem)>,
    /// Optional fields left out of articles that were kept (only with
    /// `BadRecords::Skip`; otherwise they fail the run), in input order.
    pub ignored_fields: Vec<(Location, RecordProblem)>,
    /// Figures.
    pub stats: Stats,
    /// Wall seconds of the story stage's steps.
    pub story_steps: Vec<(&'static str, f64)>,
}

/// Runs the near-duplicate job on `inputs` on the current rayon pool.
pub fn run(inputs: &[Input], cfg: &Config, progress: &dyn Progress) -> Result<Outcome> {
    cfg.validate()?;
    let mut stats = Stats::default();
    let skipped = Vec::new();
    let ignored_fields = Vec::new();
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
                    let mut lost = (Vec::new(), Vec::new());
                    sign_all(inputs, cfg, &Boilerplate::default(), progress, &mut lost)?;
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
    let mut lost = (skipped, ignored_fields);
    let (signed, df) = sign_all(inputs, cfg, &boiler, progress, &mut lost)?;
    let (skipped, ignored_fields) = lost;
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
    let similarity = |a: ArticleId, b: ArticleId| match &signed.sets {
        Some(sets) => {
            let (x, y) = (sets.get(a), sets.get(b));
            let i = verify::intersection(x, y) as f64;
            i / ((x.len() + y.len()) as f64 - i).max(1.0)
        }
        None => crate::minhash::similarity(signed.sigs.get(a), signed.sigs.get(b)),
    };
    let evidence = cluster::Evidence {
        sizes: &signed.sizes,
        threshold: cfg.verify.threshold,
        similarity: &similarity,
    };
    let groups = cluster::cluster(&signed.articles, &matches, &evidence, &cfg.cluster);
    drop(matches);
    lap(&mut stats, "cluster");

    let stories = match &cfg.story {
        Some(s) => {
            progress.stage("stories");
            let st = story::stories(&signed.articles, &groups, &signed.terms, &df, s);
            stats.story_candidates = st.candidates;
            lap(&mut stats, "stories");
            st
        }
        None => Stories::singletons(&groups),
    };

    // Events are always formed (each group its own event when the story
    // stage is off), so the output has the same columns either way.
    let events = level_of(
        &stories.event_of_group,
        &stories.event_label_group,
        &stories.event_size,
        &groups,
    );
    let stories_level = level_of(
        &stories.of_group,
        &stories.label_group,
        &stories.size,
        &groups,
    );
    Ok(Outcome {
        table: Assignments {
            articles: signed.articles,
            groups,
            events: Some(events),
            stories: stories_level,
        },
        skipped,
        ignored_fields,
        stats,
        story_steps: stories.steps,
    })
}

/// One of the story stage's levels (events or stories: a cluster per
/// group, the group labelling each cluster, each cluster's size) as a level
/// of the result table.
fn level_of(
    of_group: &[u32],
    label_group: &[u32],
    size: &[u32],
    groups: &crate::assign::Groups,
) -> Level {
    Level {
        of_group: of_group.to_vec(),
        label: label_group
            .iter()
            .map(|&g| groups.canonical[g as usize])
            .collect(),
        size: size.to_vec(),
    }
}

/// Where a command writes its main output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Standard output.
    Stdout,
    /// A file (or a device, a FIFO), replaced whole or not at all.
    File(PathBuf),
}

impl Target {
    /// The path to plan: `-` for standard output.
    fn path(&self) -> &Path {
        match self {
            Target::Stdout => Path::new("-"),
            Target::File(p) => p,
        }
    }
}

/// Every output of one command, planned and checked before any input is
/// read (see [`crate::output`]): made by [`Outputs::cluster`],
/// [`Outputs::dedup`] or [`Outputs::report`] and handed to the command,
/// which puts them in place together when it has written them all.
#[derive(Debug)]
pub struct Outputs {
    plan: Plan,
    main: Option<Output>,
    report: Option<Output>,
    decisions: Option<Output>,
}

impl Outputs {
    /// The CSV and the report (if any) of `storyhash cluster`, guarded
    /// against the inputs at `input_paths`.
    pub fn cluster(
        input_paths: &[PathBuf],
        csv: &Target,
        report: Option<&ReportTarget>,
    ) -> Result<Outputs> {
        let mut plan = Plan::new(input_paths);
        let main = plan.file(csv.path())?;
        let report = report
            .map(|r| plan.dir(&r.dir, DirMode::Update, &spread::FILES))
            .transpose()?;
        Ok(Outputs {
            plan,
            main: Some(main),
            report,
            decisions: None,
        })
    }

    /// The kept collection and the decisions (if any) of `storyhash dedup`:
    /// a new directory when the inputs are directories, else a file.
    pub fn dedup(input_paths: &[PathBuf], out: &DedupTarget) -> Result<Outputs> {
        let mut plan = Plan::new(input_paths);
        let main = if input_paths.iter().any(|p| p.is_dir()) {
            plan.dir(&out.kept, DirMode::New, &[])?
        } else {
            plan.file(&out.kept)?
        };
        let decisions = out.decisions.as_deref().map(|p| plan.file(p)).transpose()?;
        Ok(Outputs {
            plan,
            main: Some(main),
            report: None,
            decisions,
        })
    }

    /// The report directory of `storyhash report`, guarded against the
    /// cluster CSV and the inputs.
    pub fn report(clusters: &Path, input_paths: &[PathBuf], out: &ReportTarget) -> Result<Outputs> {
        let mut guarded = vec![clusters.to_path_buf()];
        guarded.extend(input_paths.iter().cloned());
        let mut plan = Plan::new(&guarded);
        let report = plan.dir(&out.dir, DirMode::Update, &spread::FILES)?;
        Ok(Outputs {
            plan,
            main: None,
            report: Some(report),
            decisions: None,
        })
    }

    /// The planned output of `which`, or a message that it was not planned.
    fn get(&self, which: Option<Output>, what: &str) -> Result<Output> {
        which.ok_or_else(|| Error::Setting(format!("no {what} output was planned")))
    }
}

/// A spread report to write: its directory and what it shows.
#[derive(Debug, Clone)]
pub struct ReportTarget {
    /// Directory of the report files (created if needed).
    pub dir: PathBuf,
    /// Which stories, in what order.
    pub view: spread::View,
}

/// `storyhash cluster`: runs the job and writes the assignment CSV, then
/// the report, if asked for, from the same table (no second reading of the
/// inputs), into `outputs` (from [`Outputs::cluster`]); the report is put in
/// place after the CSV, and neither if anything fails. The write stage's
/// time is added to the stats.
pub fn cluster(
    inputs: &[Input],
    cfg: &Config,
    mut outputs: Outputs,
    report: Option<&ReportTarget>,
    progress: &dyn Progress,
) -> Result<Outcome> {
    let csv = outputs.get(outputs.main, "CSV")?;
    let mut outcome = run(inputs, cfg, progress)?;
    let clock = Instant::now();
    progress.stage("write");
    if let Some(r) = report {
        let out = outputs.get(outputs.report, "report")?;
        let stories = spread::build(&outcome.table, r.view.sort, r.view.min_outlets);
        spread::write_all(&outputs.plan, out, &stories, r.view.html_stories)?;
    }
    outputs
        .plan
        .write(csv, |w| write::write_csv(w, &outcome.table))?;
    outputs.plan.commit()?;
    outcome.stats.stages.push(StageTime {
        name: "write",
        seconds: clock.elapsed().as_secs_f64(),
    });
    Ok(outcome)
}

/// The outputs of `storyhash dedup`.
#[derive(Debug, Clone)]
pub struct DedupTarget {
    /// The deduplicated collection: a file, or a new directory for `.txt`
    /// inputs. Never one of the inputs.
    pub kept: PathBuf,
    /// The keep/drop decision of every article, if wanted.
    pub decisions: Option<PathBuf>,
}

/// `storyhash dedup`: runs the job (stories are not needed to keep one
/// copy per group, so `cfg.story` is best `None` unless the decisions, which
/// name each article's event and story, are written) and writes the canonical
/// article of every group back in the inputs' own format, and the
/// decisions, into `outputs` (from [`Outputs::dedup`]): both or neither.
/// Returns the outcome and the number of articles kept.
pub fn dedup(
    inputs: &[Input],
    cfg: &Config,
    mut outputs: Outputs,
    progress: &dyn Progress,
) -> Result<(Outcome, usize)> {
    let kept_out = outputs.get(outputs.main, "dedup")?;
    let layout = match inputs.first().map(Input::format) {
        _ if inputs.iter().any(|i| i.format() != inputs[0].format()) => {
            return Err(Error::Setting(
                "dedup writes the inputs' own format, and these inputs mix formats; \
                 deduplicate each format on its own"
                    .into(),
            ));
        }
        Some(crate::config::Format::TextDir | crate::config::Format::HtmlDir) => {
            dedup_out::Layout::Files
        }
        Some(crate::config::Format::Warc) => dedup_out::Layout::Warc,
        Some(crate::config::Format::Csv) => dedup_out::Layout::Csv,
        Some(crate::config::Format::JsonLines) | None => dedup_out::Layout::JsonLines,
    };
    // The records of a `.warc.gz` are gzip members, copied as they are.
    let gzip_records = inputs
        .iter()
        .any(|i| i.name().to_ascii_lowercase().ends_with(".gz"));
    if layout == dedup_out::Layout::Warc && gzip_records {
        outputs.plan.already_compressed(kept_out);
    }
    let mut outcome = run(inputs, cfg, progress)?;
    let clock = Instant::now();
    progress.stage("write");
    let feed = Box::new(
        |sink: &mut dyn FnMut(&Location, crate::article::Raw<'_>) -> Result<()>| {
            read::raw_records(inputs, sink)
        },
    );
    let kept = dedup_out::write_kept(&mut outputs.plan, kept_out, layout, &outcome.table, feed)?;
    if let Some(d) = outputs.decisions {
        let ignored = &outcome.ignored_fields;
        outputs.plan.write(d, |w| {
            dedup_out::write_decisions(w, &outcome.table, ignored)
        })?;
    }
    outputs.plan.commit()?;
    outcome.stats.stages.push(StageTime {
        name: "write",
        seconds: clock.elapsed().as_secs_f64(),
    });
    Ok((outcome, kept))
}

/// What `storyhash report` did.
#[derive(Debug)]
pub struct Reported {
    /// Stories written.
    pub stories: usize,
    /// Articles in the cluster file.
    pub articles: usize,
    /// Input records skipped as bad (only with `BadRecords::Skip`).
    pub skipped: Vec<(Location, RecordProblem)>,
}

/// `storyhash report`: the spread report of a cluster CSV written earlier.
/// Titles, outlets and dates come from `inputs`, read once through the same
/// reader and bad-record policy as `cluster`; the CSV's `source` and `date`
/// columns serve where an article is not in the inputs.
pub fn report(
    clusters: &Path,
    inputs: &[Input],
    cfg: &ReadConfig,
    out: &ReportTarget,
    outputs: Outputs,
    progress: &dyn Progress,
) -> Result<Reported> {
    let report_out = outputs.get(outputs.report, "report")?;
    let rows = read::read_clusters(clusters)?;
    progress.stage("read");
    let mut skipped = Vec::new();
    let known = read_metadata(inputs, cfg, progress, &mut skipped)?;
    let by_id: AHashMap<&str, &ArticleMeta> = known.iter().map(|m| (&*m.id, m)).collect();
    let name = clusters.display().to_string();
    let matched = rows
        .iter()
        .filter(|r| by_id.contains_key(r.id.as_str()))
        .count();
    if matched == 0 && !rows.is_empty() && !inputs.is_empty() {
        return Err(Error::Setting(format!(
            "{name}: no article id of the clusters is in the inputs; give the collection \
             the clusters were made from"
        )));
    }
    let cluster_input: std::sync::Arc<str> = name.as_str().into();
    let mut labelled = Vec::with_capacity(rows.len());
    for r in rows {
        let meta = match by_id.get(r.id.as_str()) {
            Some(m) => ArticleMeta {
                id: r.id.as_str().into(),
                source: m.source.clone().or(r.source.map(String::into_boxed_str)),
                date: match &m.date {
                    Some(d) => Some(d.clone()),
                    None => csv_date(&name, r.line, r.date.as_deref())?,
                },
                title: m.title.clone(),
                location: m.location.clone(),
            },
            None => ArticleMeta {
                id: r.id.as_str().into(),
                source: r.source.map(String::into_boxed_str),
                date: csv_date(&name, r.line, r.date.as_deref())?,
                title: None,
                location: Location {
                    input: cluster_input.clone(),
                    line: r.line,
                },
            },
        };
        labelled.push(Labelled {
            line: r.line,
            meta,
            dup_group: r.dup_group,
            event: r.event,
            story: r.story,
            matched: r.matched,
        });
    }
    let table = Assignments::from_labels(labelled)
        .map_err(|(line, reason)| Error::input(format!("{name}:{line}"), reason))?;
    let stories = spread::build(&table, out.view.sort, out.view.min_outlets);
    spread::write_all(&outputs.plan, report_out, &stories, out.view.html_stories)?;
    outputs.plan.commit()?;
    Ok(Reported {
        stories: stories.len(),
        articles: table.len(),
        skipped,
    })
}

/// A date from the cluster CSV's `date` column.
fn csv_date(name: &str, line: u64, raw: Option<&str>) -> Result<Option<Date>> {
    raw.map(|d| Date::parse(d).map_err(|p| Error::input(format!("{name}:{line}"), p.to_string())))
        .transpose()
}

/// Where `storyhash eval` finds a labelling: a file and its two columns.
#[derive(Debug, Clone)]
pub struct LabelSource {
    /// CSV with a header, or JSON Lines.
    pub path: PathBuf,
    /// Column or field of the article id.
    pub id: String,
    /// Column or field of the label.
    pub label: String,
}

/// `storyhash eval`: scores a predicted labelling against gold labels.
pub fn evaluate(pred: &LabelSource, gold: &LabelSource) -> Result<eval::Scores> {
    let p = read::load_labels(&pred.path, &pred.id, &pred.label)?;
    let g = read::load_labels(&gold.path, &gold.id, &gold.label)?;
    Ok(eval::score(&eval::align(&p, &g)))
}

/// The metadata of every article of `inputs` (no text kept), with bad
/// records and repeated ids failed or skipped as in [`run`].
fn read_metadata(
    inputs: &[Input],
    cfg: &ReadConfig,
    progress: &dyn Progress,
    skipped: &mut Vec<(Location, RecordProblem)>,
) -> Result<Vec<ArticleMeta>> {
    let mut articles: Vec<ArticleMeta> = Vec::new();
    let mut seen: AHashMap<Box<str>, ArticleId> = AHashMap::new();
    for_each_batch(inputs, cfg, |batch| {
        let input = &inputs[batch.input];
        let records = batch.map_records(
            &cfg.fields,
            || (),
            |(), place, r| {
                (
                    place,
                    r.map(|mut r| {
                        let len = r.text.len() as u64;
                        r.text = String::new();
                        (r, len)
                    }),
                )
            },
        );
        let (mut n, mut bytes) = (0u64, 0u64);
        for (place, r) in records {
            let location = place.locate(input);
            let (r, len) = match r {
                Ok(r) => r,
                Err(problem) => {
                    bad_record(location, problem, cfg, Some(skipped))?;
                    continue;
                }
            };
            if let Some(&first) = seen.get(r.id.as_str()) {
                let problem = RecordProblem::DuplicateId {
                    id: r.id,
                    first: articles[first.index()].location.clone(),
                };
                bad_record(location, problem, cfg, Some(skipped))?;
                continue;
            }
            seen.insert(r.id.as_str().into(), ArticleId(articles.len() as u32));
            articles.push(ArticleMeta {
                id: r.id.into(),
                source: r.source.map(String::into_boxed_str),
                date: r.date,
                title: r.title.map(String::into_boxed_str),
                location,
            });
            n += 1;
            bytes += len;
        }
        progress.advance(n, bytes);
        Ok(())
    })?;
    Ok(articles)
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
    sh: Shingler,
    terms: TermScratch,
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
                sc.sh.read_lines(&r.text);
                let mut out = Vec::with_capacity(sc.sh.lines.len());
                let source = boilerplate::source_id(r.source.as_deref());
                boilerplate::observe(&mut sc.sh.lines, 0, source, &mut out);
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

/// Records skipped, or fields left out, with where they were read.
type Lost = Vec<(Location, RecordProblem)>;

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
    bytes: u64,
}

fn sign_all(
    inputs: &[Input],
    cfg: &Config,
    boiler: &Boilerplate,
    progress: &dyn Progress,
    lost: &mut (Lost, Lost),
) -> Result<(Signed, DocFreq)> {
    let signer = Signer::new(&cfg.minhash);
    let k = signer.len();
    let exact = cfg.verify.exact;
    let mut out = Signed {
        articles: Vec::new(),
        sizes: Vec::new(),
        sigs: Signatures::new(k),
        sets: exact.then(ShingleSets::new),
        terms: TermTable::new(),
        bytes: 0,
    };
    // Counted into by the parallel signing while the records before are
    // taken into `out`, so it stands apart from `out`.
    let df = DocFreq::for_run(cfg.story.is_some());
    let story = cfg.story.as_ref();
    let stop = StopWords::default();
    let mut absorb = Absorb {
        out: &mut out,
        seen: AHashMap::new(),
        skipped: &mut lost.0,
        ignored_fields: &mut lost.1,
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
                    sc.sh.shingle(&r.text, &cfg.shingle, boiler);
                    let mut sig = vec![0u32; k];
                    signer.sign(&sc.sh.shingles, &mut sig);
                    // Set size, not window count: containment is about sets.
                    let size = sc.sh.distinct.count(&sc.sh.shingles) as u32;
                    let mut terms = Vec::new();
                    if let Some(s) = story {
                        if cfg.shingle.unit != ShingleUnit::Words {
                            sc.sh.read_words(&r.text, boiler);
                        }
                        let title = r.title.as_deref();
                        terms::extract(&sc.sh.words, title, &stop, s, &mut sc.terms, &mut terms);
                        // Counted here, in parallel; a duplicate id takes
                        // its count back when the record is taken in
                        // (increments commute).
                        df.add(&terms);
                    }
                    let set = exact.then(|| sc.sh.shingles.clone());
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
    Ok((out, df))
}

/// A record of the signature pass: where it was read and what came of it.
type SignedRecord = (Place, Result<Signed1, RecordProblem>);

/// Takes signed records into the collection, in input order: bad records
/// and duplicate ids are failed or skipped here.
struct Absorb<'a> {
    out: &'a mut Signed,
    seen: AHashMap<Box<str>, ArticleId>,
    skipped: &'a mut Vec<(Location, RecordProblem)>,
    ignored_fields: &'a mut Vec<(Location, RecordProblem)>,
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
            let mut r = s.record;
            if let Some(&first) = self.seen.get(r.id.as_str()) {
                df.remove(&s.terms);
                let problem = RecordProblem::DuplicateId {
                    id: r.id,
                    first: out.articles[first.index()].location.clone(),
                };
                bad_record(location, problem, self.read, Some(self.skipped))?;
                continue;
            }
            // A field that could not be read fails the run, or the article
            // is kept without it, by the user's choice; never dropped.
            for problem in std::mem::take(&mut r.ignored) {
                match self.read.bad_records {
                    BadRecords::Fail => {
                        return Err(Error::Field {
                            location: location.clone(),
                            problem,
                        });
                    }
                    BadRecords::Skip => self.ignored_fields.push((location.clone(), problem)),
                }
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
