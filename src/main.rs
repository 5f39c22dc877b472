//! The `storyhash` binary: parse arguments, build the thread pool, run the
//! library, print errors on one line and map them to exit codes.

mod cli;
mod messages;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;

use storyhash::pipeline;

use messages::{
    Bar, print_stats, report_ignored_fields, report_not_articles, report_skipped, summary,
};
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
    remove_temp_files_on_signals();
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
            // Keeping one copy per group needs no stories; the decisions
            // name each article's event and story.
            let stories = decisions.is_some();
            let target = pipeline::DedupTarget {
                kept: out.clone(),
                decisions,
            };
            args.run
                .settings(Some(out), |c| {
                    c.cluster.prefer_sources = prefer;
                    if !stories {
                        c.story = None;
                    }
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

/// On SIGINT or SIGTERM, removes the temporary files and staging
/// directories of outputs not yet in place, then ends the process as the
/// signal would have. The handler is signal-hook's: the removal runs on an
/// ordinary thread, not inside the signal handler.
fn remove_temp_files_on_signals() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
        return;
    };
    std::thread::spawn(move || {
        if let Some(sig) = signals.forever().next() {
            storyhash::output::remove_pending();
            let _ = signal_hook::low_level::emulate_default_handler(sig);
            std::process::exit(128 + sig);
        }
    });
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
    let target = match &s.output {
        Some(p) if p != Path::new("-") => pipeline::Target::File(p.clone()),
        _ => pipeline::Target::Stdout,
    };
    // Every output is checked before any input is read.
    let outputs = pipeline::Outputs::cluster(&s.inputs, &target, report)?;
    let pool = pool(s.threads)?;
    let inputs = inputs(&s.inputs, s.config.read.format)?;
    let progress = Bar::new(!s.quiet && std::io::stderr().is_terminal());
    let outcome =
        pool.install(|| pipeline::cluster(&inputs, &s.config, outputs, report, &progress))?;
    progress.done();
    if !s.quiet {
        report_skipped(&outcome.skipped);
        report_ignored_fields(&outcome.ignored_fields);
        report_not_articles(&inputs);
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
    // Every output is checked before any input is read.
    let outputs = pipeline::Outputs::dedup(&s.inputs, target)?;
    let pool = pool(s.threads)?;
    let inputs = inputs(&s.inputs, s.config.read.format)?;
    let progress = Bar::new(!s.quiet && std::io::stderr().is_terminal());
    let (outcome, kept) =
        pool.install(|| pipeline::dedup(&inputs, &s.config, outputs, &progress))?;
    progress.done();
    if !s.quiet {
        report_skipped(&outcome.skipped);
        report_ignored_fields(&outcome.ignored_fields);
        report_not_articles(&inputs);
        if s.stats {
            print_stats(&outcome, s.threads);
        }
        let shown = if target.kept == Path::new("-") {
            "standard output".to_string()
        } else {
            target.kept.display().to_string()
        };
        eprintln!(
            "storyhash: kept {kept} of {} articles in {shown}",
            outcome.table.len(),
        );
        summary(&outcome, started.elapsed());
    }
    std::mem::forget(outcome);
    Ok(())
}

fn report(a: &cli::ReportArgs) -> Result<(), Error> {
    let read = a.input.read_config()?;
    let target = pipeline::ReportTarget {
        dir: a.output.clone(),
        view: a.view.view(),
    };
    // The report directory is checked before any input is read.
    let outputs = pipeline::Outputs::report(&a.clusters, &a.inputs, &target)?;
    let inputs = a
        .inputs
        .iter()
        .map(|p| Input::open(p, read.format))
        .collect::<Result<Vec<_>, _>>()?;
    let progress = Bar::new(!a.quiet && std::io::stderr().is_terminal());
    let done = pipeline::report(&a.clusters, &inputs, &read, &target, outputs, &progress)?;
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
    std::io::stdout()
        .write_all(messages::scores(&s, a.json).as_bytes())
        .map_err(|e| Error::Write {
            path: "<stdout>".into(),
            source: e,
        })
}
