//! The `storyhash` binary: parse arguments, build the thread pool, run the
//! library, print errors on one line and map them to exit codes.

mod cli;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};

use storyhash::pipeline::{self, Outcome, Progress};
use storyhash::{Error, ErrorKind, Input};

/// Exit statuses.
#[repr(u8)]
enum Exit {
    /// Everything written.
    Success = 0,
    /// Bad input, a missing file, or an output that could not be written.
    Failure = 1,
    /// Bad command line or settings.
    Usage = 2,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let outcome = match cli.command {
        cli::Command::Cluster(args) => {
            let report = args.report.map(|dir| pipeline::ReportTarget {
                dir,
                view: args.view.view(),
            });
            args.run
                .settings(args.output, |_| {})
                .and_then(|s| cluster(&s, report.as_ref()))
        }
        cli::Command::Dedup(args) => {
            let (out, decisions, prefer) = (args.output, args.decisions, args.prefer_source);
            let target = pipeline::DedupTarget {
                kept: out.clone(),
                decisions,
            };
            args.run
                .settings(Some(out), |c| {
                    c.cluster.prefer_sources = prefer;
                    // Keeping one copy per group needs no stories.
                    c.story = None;
                })
                .and_then(|s| dedup(&s, &target))
        }
        cli::Command::Report(args) => report(&args),
        cli::Command::Eval(args) => eval(&args),
    };
    match outcome {
        Ok(()) => Exit::Success.into(),
        Err(e) if is_broken_pipe(&e) => Exit::Success.into(),
        Err(e) => {
            // Every variant's message already carries its cause on one line.
            eprintln!("storyhash: {e}");
            exit_for(e.kind()).into()
        }
    }
}

/// The exit status of each kind of failure.
fn exit_for(kind: ErrorKind) -> Exit {
    match kind {
        ErrorKind::BadSetting | ErrorKind::RefusedOutput => Exit::Usage,
        _ => Exit::Failure,
    }
}

fn is_broken_pipe(e: &Error) -> bool {
    matches!(e, Error::Write { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
}

/// The thread pool of a run.
fn pool(threads: usize) -> Result<rayon::ThreadPool, Error> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Setting(format!("cannot start {threads} threads: {e}")))
}

/// The inputs, refusing to wait on a terminal for articles nobody pipes.
fn inputs(
    paths: &[PathBuf],
    format: Option<storyhash::config::Format>,
) -> Result<Vec<Input>, Error> {
    let stdin_only = paths.is_empty();
    if stdin_only && std::io::stdin().is_terminal() {
        return Err(Error::Setting(
            "no input: give files or directories, or pipe articles on standard input \
             (see storyhash cluster --help)"
                .into(),
        ));
    }
    Input::open_all(paths, format)
}

fn cluster(s: &cli::Settings, report: Option<&pipeline::ReportTarget>) -> Result<(), Error> {
    let started = Instant::now();
    let pool = pool(s.threads)?;
    let inputs = inputs(&s.inputs, s.config.read.format)?;
    let target = match &s.output {
        Some(p) if p != Path::new("-") => pipeline::Target::File(p.clone()),
        _ => pipeline::Target::Stdout,
    };
    let progress = Bar::new(!s.quiet && std::io::stderr().is_terminal());
    let outcome =
        pool.install(|| pipeline::cluster(&inputs, &s.config, &target, report, &progress))?;
    progress.done();
    if !s.quiet {
        report_skipped(&outcome.skipped);
        if s.stats {
            print_stats(&outcome, s.threads);
        }
        summary(&outcome, started.elapsed());
    }
    // The process ends here: the OS takes the memory back at once, while
    // dropping the outcome would free millions of small allocations.
    std::mem::forget(outcome);
    Ok(())
}

fn dedup(s: &cli::Settings, target: &pipeline::DedupTarget) -> Result<(), Error> {
    let started = Instant::now();
    let pool = pool(s.threads)?;
    let inputs = inputs(&s.inputs, s.config.read.format)?;
    let progress = Bar::new(!s.quiet && std::io::stderr().is_terminal());
    let (outcome, kept) =
        pool.install(|| pipeline::dedup(&inputs, &s.inputs, &s.config, target, &progress))?;
    progress.done();
    if !s.quiet {
        report_skipped(&outcome.skipped);
        if s.stats {
            print_stats(&outcome, s.threads);
        }
        eprintln!(
            "storyhash: kept {kept} of {} articles in {}",
            outcome.table.len(),
            target.kept.display()
        );
        summary(&outcome, started.elapsed());
    }
    std::mem::forget(outcome);
    Ok(())
}

fn report(a: &cli::ReportArgs) -> Result<(), Error> {
    let read = a.input.read_config();
    let inputs = a
        .inputs
        .iter()
        .map(|p| Input::open(p, read.format))
        .collect::<Result<Vec<_>, _>>()?;
    let target = pipeline::ReportTarget {
        dir: a.output.clone(),
        view: a.view.view(),
    };
    let progress = Bar::new(!a.quiet && std::io::stderr().is_terminal());
    let done = pipeline::report(&a.clusters, &inputs, &read, &target, &progress)?;
    progress.done();
    if a.quiet {
        return Ok(());
    }
    report_skipped(&done.skipped);
    eprintln!(
        "storyhash: {} stories of {} articles reported in {}",
        done.stories,
        done.articles,
        a.output.display()
    );
    Ok(())
}

fn eval(a: &cli::EvalArgs) -> Result<(), Error> {
    let source = |path: &Path, id: &str, label: &str| pipeline::LabelSource {
        path: path.to_path_buf(),
        id: id.to_string(),
        label: label.to_string(),
    };
    let s = pipeline::evaluate(
        &source(&a.pred, &a.pred_id_col, &a.pred_col),
        &source(&a.gold, &a.gold_id_col, &a.gold_col),
    )?;
    let text = if a.json {
        serde_json::to_string(&s).map_err(|e| Error::Write {
            path: "<stdout>".into(),
            source: e.into(),
        })? + "\n"
    } else {
        let rows: [(&str, String); 13] = [
            ("documents", s.n.to_string()),
            ("pairwise_precision", format!("{:.4}", s.pairwise_precision)),
            ("pairwise_recall", format!("{:.4}", s.pairwise_recall)),
            ("pairwise_f1", format!("{:.4}", s.pairwise_f1)),
            ("bcubed_precision", format!("{:.4}", s.bcubed_precision)),
            ("bcubed_recall", format!("{:.4}", s.bcubed_recall)),
            ("bcubed_f1", format!("{:.4}", s.bcubed_f1)),
            ("ari", format!("{:.4}", s.ari)),
            ("nmi", format!("{:.4}", s.nmi)),
            ("pred_clusters", s.pred_clusters.to_string()),
            ("gold_clusters", s.gold_clusters.to_string()),
            ("missing_in_pred", s.missing.to_string()),
            ("extra_in_pred", s.extra.to_string()),
        ];
        rows.iter().map(|(k, v)| format!("{k:<20}{v}\n")).collect()
    };
    std::io::stdout()
        .write_all(text.as_bytes())
        .map_err(|e| Error::Write {
            path: "<stdout>".into(),
            source: e,
        })
}

fn report_skipped(skipped: &[(storyhash::Location, storyhash::RecordProblem)]) {
    const SHOWN: usize = 20;
    for (loc, problem) in skipped.iter().take(SHOWN) {
        eprintln!("storyhash: skipped {loc}: {problem}");
    }
    if skipped.len() > SHOWN {
        eprintln!(
            "storyhash: ... and {} more skipped records",
            skipped.len() - SHOWN
        );
    }
}

fn summary(o: &Outcome, elapsed: Duration) {
    let with_copies = o.table.groups_with_copies();
    let skipped = if o.skipped.is_empty() {
        String::new()
    } else {
        let n = o.skipped.len();
        format!(", {n} bad record{} skipped", if n == 1 { "" } else { "s" })
    };
    eprintln!(
        "storyhash: {} articles, {} groups ({} with near-duplicates){}, {:.2} s",
        o.table.len(),
        o.table.groups.len(),
        with_copies,
        skipped,
        elapsed.as_secs_f64()
    );
}

fn print_stats(o: &Outcome, threads: usize) {
    let st = &o.stats;
    let n = o.table.len() as f64;
    let mb = st.text_bytes as f64 / 1e6;
    let threads = if threads == 0 {
        rayon::current_num_threads()
    } else {
        threads
    };
    eprintln!("stage                 seconds     docs/s       MB/s");
    let mut total = 0.0;
    let rows = st.stages.iter().map(|s| (s.name, s.seconds));
    for (name, secs) in rows {
        total += secs;
        let rate = |x: f64| if secs > 0.0 { x / secs } else { 0.0 };
        eprintln!(
            "{name:<20} {secs:>8.3} {:>10.0} {:>10.1}",
            rate(n),
            rate(mb)
        );
        if name == "stories" {
            for (step, secs) in &o.story_steps {
                eprintln!("  {step:<18} {secs:>8.3}");
            }
        }
    }
    eprintln!(
        "{:<20} {total:>8.3} {:>10.0} {:>10.1}",
        "total",
        n / total.max(1e-9),
        mb / total.max(1e-9)
    );
    if let Some(b) = st.banding {
        eprintln!("banding: {} bands x {} rows", b.bands, b.rows);
    }
    eprintln!(
        "text: {mb:.1} MB; boilerplate lines: {}; candidates: {}; verified pairs: {}; threads: {threads}",
        st.boilerplate_lines, st.candidates, st.matches
    );
    if st.story_candidates > 0 {
        eprintln!(
            "stories: {} candidate pairs, {} linked; {} stories",
            st.story_candidates,
            st.story_edges,
            o.table.stories.len()
        );
    }
    eprintln!(
        "sketches: {:.1} MB; peak memory: {}",
        st.sketch_bytes as f64 / 1e6,
        peak_rss().map_or("unknown".into(), |kb| format!("{:.1} MB", kb as f64 / 1e3))
    );
}

/// Peak resident set size in kB (Linux), from /proc/self/status.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Progress on standard error, only on a terminal.
struct Bar(Option<ProgressBar>, std::sync::atomic::AtomicU64);

impl Bar {
    fn new(enabled: bool) -> Bar {
        let bar = enabled.then(|| {
            let pb = ProgressBar::new_spinner();
            pb.set_style(
                ProgressStyle::with_template("{spinner} {prefix:>12} {msg} [{elapsed}]")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            pb.enable_steady_tick(Duration::from_millis(120));
            pb
        });
        Bar(bar, Default::default())
    }

    fn done(&self) {
        if let Some(pb) = &self.0 {
            pb.finish_and_clear();
        }
    }
}

impl Progress for Bar {
    fn stage(&self, name: &'static str) {
        if let Some(pb) = &self.0 {
            pb.set_prefix(name);
            pb.set_message("");
            pb.set_position(0);
            pb.set_length(0);
            self.1.store(0, std::sync::atomic::Ordering::Relaxed);
        }
    }

    fn advance(&self, articles: u64, bytes: u64) {
        if let Some(pb) = &self.0 {
            pb.inc(bytes);
            let n = articles
                + self
                    .1
                    .fetch_add(articles, std::sync::atomic::Ordering::Relaxed);
            pb.set_message(format!(
                "{n} articles, {:.0} MB",
                pb.position() as f64 / 1e6
            ));
        }
    }
}
