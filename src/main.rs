//! The `storyhash` binary: parse arguments, build the thread pool, run the
//! library, print errors on one line and map them to exit codes.

mod cli;

use std::io::{IsTerminal, Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};

use storyhash::pipeline::{self, Outcome, Progress};
use storyhash::{Error, Input, write};

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
    match cli.command {
        cli::Command::Eval(args) => match eval(&args) {
            Ok(()) => Exit::Success.into(),
            Err(e) if is_broken_pipe(&e) => Exit::Success.into(),
            Err(e) => fail(&e, Exit::Failure),
        },
        cli::Command::Cluster(args) => match args.run.settings(args.output) {
            Ok(s) => {
                let report = args.report.map(|dir| (dir, args.view));
                finish(cluster(s, report))
            }
            Err(e) => fail(&e, Exit::Usage),
        },
        cli::Command::Report(args) => finish(report(&args)),
        cli::Command::Dedup(args) => {
            let (out, decisions, prefer) = (args.output, args.decisions, args.prefer_source);
            match args.run.settings(Some(out)) {
                Ok(mut s) => {
                    s.config.cluster.prefer_sources = prefer;
                    // Keeping one copy per group needs no stories; the
                    // decisions name each article's event and story.
                    if decisions.is_none() {
                        s.config.story = None;
                    }
                    finish(dedup(s, decisions))
                }
                Err(e) => fail(&e, Exit::Usage),
            }
        }
    }
}

/// The exit status of a run.
fn finish(outcome: Result<(), Error>) -> ExitCode {
    match outcome {
        Ok(()) => Exit::Success.into(),
        Err(e) if is_broken_pipe(&e) => Exit::Success.into(),
        Err(e) => {
            let code = if matches!(e, Error::Config(_)) {
                Exit::Usage
            } else {
                Exit::Failure
            };
            fail(&e, code)
        }
    }
}

fn fail(e: &Error, code: Exit) -> ExitCode {
    // Every variant's message already carries its cause on one line.
    eprintln!("storyhash: {e}");
    code.into()
}

fn is_broken_pipe(e: &Error) -> bool {
    matches!(e, Error::Write { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
}

/// Opens the inputs and runs the pipeline on a pool of `s.threads`, which
/// is returned for the writing that follows.
fn run(s: &cli::Settings) -> Result<(Vec<Input>, Outcome, rayon::ThreadPool), Error> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(s.threads)
        .build()
        .map_err(|e| Error::Config(format!("cannot start {} threads: {e}", s.threads)))?;
    let inputs = open_inputs(s)?;
    let progress = Bar::new(!s.quiet && std::io::stderr().is_terminal());
    let outcome = pool.install(|| pipeline::run(&inputs, &s.config, &progress))?;
    progress.done();
    Ok((inputs, outcome, pool))
}

fn dedup(s: cli::Settings, decisions: Option<std::path::PathBuf>) -> Result<(), Error> {
    let started = Instant::now();
    let out = s.output.clone().unwrap_or_default();
    storyhash::dedup::check_target(&out, &s.inputs)?;
    let (inputs, outcome, _pool) = run(&s)?;
    let write_start = Instant::now();
    let kept = storyhash::dedup::write_kept(&inputs, &outcome, &out)?;
    if let Some(path) = &decisions {
        write::atomically(path, |w| storyhash::dedup::write_decisions(w, &outcome))?;
    }
    let write_secs = write_start.elapsed().as_secs_f64();
    if !s.quiet {
        report_skipped(&outcome);
        if s.stats {
            print_stats(&outcome, write_secs, s.threads);
        }
        eprintln!(
            "storyhash: kept {kept} of {} articles in {}",
            outcome.articles.len(),
            out.display()
        );
        summary(&outcome, started.elapsed());
    }
    Ok(())
}

fn report(a: &cli::ReportArgs) -> Result<(), Error> {
    let read = a.input.read_config();
    let inputs = a
        .inputs
        .iter()
        .map(|p| Input::open(p, read.format))
        .collect::<Result<Vec<_>, _>>()?;
    let rows = storyhash::report::rows_from_csv(&a.clusters, &inputs, &read)?;
    let stories = storyhash::report::build(&rows, a.view.sort.sort_by(), a.view.min_outlets);
    storyhash::report::write_all(&a.output, &stories, a.view.html_stories)?;
    if a.quiet {
        return Ok(());
    }
    eprintln!(
        "storyhash: {} stories of {} articles reported in {}",
        stories.len(),
        rows.len(),
        a.output.display()
    );
    Ok(())
}

fn cluster(
    s: cli::Settings,
    report: Option<(std::path::PathBuf, cli::ReportView)>,
) -> Result<(), Error> {
    let started = Instant::now();
    let (_, outcome, pool) = run(&s)?;
    if let Some((dir, view)) = &report {
        let rows = storyhash::report::rows_from_outcome(&outcome);
        let stories = storyhash::report::build(&rows, view.sort.sort_by(), view.min_outlets);
        storyhash::report::write_all(dir, &stories, view.html_stories)?;
    }

    let write_start = Instant::now();
    let fill = |w: &mut dyn Write| {
        write::write_csv(w, &outcome.articles, &outcome.groups, &outcome.stories)
    };
    pool.install(|| match &s.output {
        Some(path) => write::atomically(path, fill),
        None => {
            let stdout = std::io::stdout();
            let mut w = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
            fill(&mut w)
                .and_then(|()| w.flush())
                .map_err(|e| Error::Write {
                    path: "<stdout>".into(),
                    source: e,
                })
        }
    })?;
    let write_secs = write_start.elapsed().as_secs_f64();

    if !s.quiet {
        report_skipped(&outcome);
        if s.stats {
            print_stats(&outcome, write_secs, s.threads);
        }
        summary(&outcome, started.elapsed());
    }
    // The process ends here: the OS takes the memory back at once, while
    // dropping the outcome would free millions of small allocations.
    std::mem::forget(outcome);
    Ok(())
}

fn eval(a: &cli::EvalArgs) -> Result<(), Error> {
    use storyhash::eval;
    let pred = eval::load_labels(&a.pred, &a.pred_id_col, &a.pred_col)?;
    let gold = eval::load_labels(&a.gold, &a.gold_id_col, &a.gold_col)?;
    let s = eval::score(&eval::align(&pred, &gold));
    let text = if a.json {
        serde_json::to_string(&s).map_err(|e| Error::Config(e.to_string()))? + "\n"
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

fn open_inputs(s: &cli::Settings) -> Result<Vec<Input>, Error> {
    let format = s.config.read.format;
    let stdin_wanted = s.inputs.is_empty() || s.inputs.iter().any(|p| p == Path::new("-"));
    if s.inputs.iter().filter(|p| *p == Path::new("-")).count() > 1 {
        return Err(Error::Config(
            "standard input (`-`) can be given only once".into(),
        ));
    }
    if stdin_wanted && s.inputs.is_empty() && std::io::stdin().is_terminal() {
        return Err(Error::Config(
            "no input: give files or directories, or pipe articles on standard input \
             (see storyhash cluster --help)"
                .into(),
        ));
    }
    let mut inputs = Vec::new();
    for p in &s.inputs {
        if p == Path::new("-") {
            inputs.push(read_stdin(format)?);
        } else {
            inputs.push(Input::open(p, format)?);
        }
    }
    if s.inputs.is_empty() {
        inputs.push(read_stdin(format)?);
    }
    Ok(inputs)
}

fn read_stdin(format: Option<storyhash::config::Format>) -> Result<Input, Error> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io("<stdin>", e))?;
    Input::from_bytes("<stdin>", bytes, format)
}

fn report_skipped(o: &Outcome) {
    const SHOWN: usize = 20;
    for (loc, problem) in o.skipped.iter().take(SHOWN) {
        eprintln!("storyhash: skipped {loc}: {problem}");
    }
    if o.skipped.len() > SHOWN {
        eprintln!(
            "storyhash: ... and {} more skipped records",
            o.skipped.len() - SHOWN
        );
    }
}

fn summary(o: &Outcome, elapsed: Duration) {
    let with_copies = o.groups.size.iter().filter(|&&s| s > 1).count();
    let skipped = if o.skipped.is_empty() {
        String::new()
    } else {
        let n = o.skipped.len();
        format!(", {n} bad record{} skipped", if n == 1 { "" } else { "s" })
    };
    eprintln!(
        "storyhash: {} articles, {} groups ({} with near-duplicates){}, {:.2} s",
        o.articles.len(),
        o.groups.len(),
        with_copies,
        skipped,
        elapsed.as_secs_f64()
    );
}

fn print_stats(o: &Outcome, write_secs: f64, threads: usize) {
    let st = &o.stats;
    let n = o.articles.len() as f64;
    let mb = st.text_bytes as f64 / 1e6;
    let threads = if threads == 0 {
        rayon::current_num_threads()
    } else {
        threads
    };
    eprintln!("stage                 seconds     docs/s       MB/s");
    let mut total = 0.0;
    let rows = st
        .stages
        .iter()
        .map(|s| (s.name, s.seconds))
        .chain(std::iter::once(("write", write_secs)));
    for (name, secs) in rows {
        total += secs;
        let rate = |x: f64| if secs > 0.0 { x / secs } else { 0.0 };
        eprintln!(
            "{name:<20} {secs:>8.3} {:>10.0} {:>10.1}",
            rate(n),
            rate(mb)
        );
        if name == "stories" {
            for (step, secs) in &o.stories.steps {
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
            "stories: {} candidate pairs; {} events, {} stories",
            st.story_candidates,
            o.stories.event_size.len(),
            o.stories.size.len()
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
