//! What the binary tells the user on standard error (and the `eval` table
//! on standard output): the summary line, skipped records, `--stats`, and
//! the progress spinner. The library never prints; it hands these figures
//! back in its results.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use storyhash::eval::Scores;
use storyhash::pipeline::{Outcome, Progress};

/// The `eval` scores as a table, or as one JSON object.
pub fn scores(s: &Scores, json: bool) -> String {
    if json {
        // Scores are plain numbers: serialising them cannot fail.
        serde_json::to_string(s).unwrap_or_default() + "\n"
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
    }
}

/// The first skipped records, one line each, and how many more.
pub fn report_skipped(skipped: &[(storyhash::Location, storyhash::RecordProblem)]) {
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

/// The first articles kept without an optional field that could not be
/// read, one line each, and how many more.
pub fn report_ignored_fields(ignored: &[(storyhash::Location, storyhash::RecordProblem)]) {
    const SHOWN: usize = 20;
    for (loc, problem) in ignored.iter().take(SHOWN) {
        eprintln!("storyhash: kept {loc} without a field: {problem}");
    }
    if ignored.len() > SHOWN {
        eprintln!(
            "storyhash: ... and {} more fields left out",
            ignored.len() - SHOWN
        );
    }
}

/// Says how many records of each web archive were not articles, and why.
pub fn report_not_articles(inputs: &[storyhash::Input]) {
    for input in inputs {
        let s = input.skipped();
        if s.total() > 0 {
            let plural =
                |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
            eprintln!(
                "storyhash: {}: {} not articles: {}, {}, {}",
                input.name(),
                plural(s.total(), "record", "records"),
                plural(s.revisits, "revisit", "revisits"),
                plural(
                    s.not_ok,
                    "response not status 200",
                    "responses not status 200"
                ),
                plural(s.not_html, "response not HTML", "responses not HTML"),
            );
        }
    }
}

/// The closing line: articles, groups, skipped records, time.
pub fn summary(o: &Outcome, elapsed: Duration) {
    let with_copies = o.table.groups_with_copies();
    let skipped = if o.skipped.is_empty() {
        String::new()
    } else {
        let n = o.skipped.len();
        format!(", {n} bad record{} skipped", if n == 1 { "" } else { "s" })
    };
    let skipped = match o.ignored_fields.len() {
        0 => skipped,
        1 => format!("{skipped}, 1 unreadable field left out"),
        n => format!("{skipped}, {n} unreadable fields left out"),
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

/// The `--stats` table: per-stage seconds, docs/s and MB/s, pair counts,
/// memory.
pub fn print_stats(o: &Outcome, threads: usize) {
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
            "stories: {} candidate pairs; {} events, {} stories",
            st.story_candidates,
            o.table.events.as_ref().map_or(0, |e| e.len()),
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
pub struct Bar(Option<ProgressBar>, std::sync::atomic::AtomicU64);

impl Bar {
    /// A spinner when `enabled`, else nothing.
    pub fn new(enabled: bool) -> Bar {
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

    /// Clears the spinner.
    pub fn done(&self) {
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
