//! Command-line arguments: what the user typed ([`Cli`]), turned into a
//! validated [`Settings`] holding the library's [`Config`].
//!
//! The doc comments on the fields are the `--help` text. Defaults are taken
//! from the library's `Default` impls (`Config::default()` and its parts),
//! so the command line and the library cannot disagree.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use storyhash::config::{
    BadRecords, BoilerplateConfig, CanonicalPolicy, Config, FieldNames, Format, MinHashConfig,
    ReadConfig, ShingleConfig, ShingleUnit, SourceFrom, StoryConfig, TextDirConfig, TextFormat,
    VerifyConfig, WarcId,
};
use storyhash::report::View;

/// Find near-duplicate news articles and group them.
#[derive(Debug, Parser)]
#[command(name = "storyhash", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Group near-duplicate articles and write one CSV row per article.
    ///
    /// Reads JSON Lines, CSV with a header, directories of .txt files, or
    /// standard input (`-` or no INPUT); .gz inputs are decompressed.
    Cluster(ClusterArgs),
    /// Write the collection back out with one article per near-duplicate
    /// group, in the input's own format.
    ///
    /// JSON Lines records are copied byte for byte (fields the tool does not
    /// know included), CSV rows field for field, .txt files as files. Takes
    /// every option of `cluster`.
    Dedup(DedupArgs),
    /// Report how each story spread: outlets, dates, reprints.
    ///
    /// Writes DIR/stories.csv (one row per story), DIR/outlets.csv (one row
    /// per outlet per story), DIR/report.json and DIR/report.html (one
    /// timeline per story; self-contained). CLUSTERS is the CSV of
    /// `storyhash cluster`; INPUT the collection it was made from (for
    /// titles, outlets and dates).
    Report(ReportArgs),
    /// Score a predicted clustering against gold labels.
    ///
    /// Prints pairwise and B-cubed precision, recall and F1, the adjusted
    /// Rand index and normalised mutual information. PRED and GOLD are CSV
    /// files with a header, or JSON Lines (by extension).
    Eval(EvalArgs),
}

#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// The predicted clustering, e.g. the output of `storyhash cluster`.
    #[arg(value_name = "PRED")]
    pub pred: PathBuf,

    /// Gold labels (CSV with a header, or JSON Lines).
    #[arg(long, value_name = "GOLD")]
    pub gold: PathBuf,

    /// Column of PRED holding the predicted label.
    #[arg(long, default_value = "story", value_name = "NAME")]
    pub pred_col: String,

    /// Column or field of GOLD holding the gold label.
    #[arg(long, default_value = "story", value_name = "NAME")]
    pub gold_col: String,

    /// Column of PRED holding the article id.
    #[arg(long, default_value = "id", value_name = "NAME")]
    pub pred_id_col: String,

    /// Column or field of GOLD holding the article id.
    #[arg(long, default_value = "id", value_name = "NAME")]
    pub gold_id_col: String,

    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    /// One JSON object per line.
    Jsonl,
    /// CSV with a header row.
    Csv,
    /// A directory of .txt files (id = relative path).
    Txt,
    /// A directory of web pages, .html or .htm (id = relative path).
    Html,
    /// A web archive, .warc or .warc.gz (id = target URI).
    Warc,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TextFormatArg {
    /// Plain text.
    Plain,
    /// A web page: the article text, headline, date and outlet are
    /// extracted from it (the record's own title, source and date win).
    Html,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum WarcIdArg {
    /// WARC-Target-URI, the page's address.
    Uri,
    /// WARC-Record-ID, unique even when one address was fetched twice.
    Record,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum UnitArg {
    /// Word k-grams.
    Words,
    /// Character k-grams.
    Chars,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CanonicalArg {
    /// Earliest dated article; undated ones last; ties by input order.
    Earliest,
    /// Longest article; ties by input order.
    Longest,
    /// First article in the input.
    First,
}

#[derive(Debug, clap::Args)]
pub struct ClusterArgs {
    /// Write the CSV here instead of standard output (`-`). A file is
    /// replaced only when the run succeeds (through a symlink, keeping its
    /// permissions); a device or FIFO is written in place; `.gz` is gzip.
    #[arg(short, long, value_name = "OUTPUT")]
    pub output: Option<PathBuf>,

    /// Also write the story spread report (see `storyhash report`) here.
    #[arg(long, value_name = "DIR", help_heading = "Report")]
    pub report: Option<PathBuf>,

    #[command(flatten)]
    pub view: ReportView,

    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The output of `storyhash cluster`.
    #[arg(value_name = "CLUSTERS.csv")]
    pub clusters: PathBuf,

    /// The inputs the clusters were made from.
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// Directory for the report files (created if needed, in a directory
    /// that exists; the files appear together when the run succeeds).
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,

    #[command(flatten)]
    pub view: ReportView,

    #[command(flatten)]
    pub input: InputArgs,

    /// Print nothing on standard error except errors.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Which stories a report shows, in what order.
#[derive(Debug, Clone, clap::Args)]
pub struct ReportView {
    /// Order stories by number of articles or by number of outlets.
    #[arg(long, value_enum, default_value = "size", help_heading = "Report")]
    pub sort: SortArg,

    /// Report only stories carried by at least this many outlets (1 reports
    /// every story, single articles included).
    #[arg(long, default_value_t = View::default().min_outlets, value_name = "N", help_heading = "Report")]
    pub min_outlets: usize,

    /// Draw at most this many stories (the first in --sort order) in
    /// report.html; the CSV and JSON files hold them all.
    #[arg(
        long,
        default_value_t = View::default().html_stories,
        value_name = "N",
        help_heading = "Report"
    )]
    pub html_stories: usize,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SortArg {
    /// Most articles first.
    Size,
    /// Most outlets first.
    Spread,
}

impl ReportView {
    /// The library's view settings.
    pub fn view(&self) -> storyhash::report::View {
        storyhash::report::View {
            sort: match self.sort {
                SortArg::Size => storyhash::report::SortBy::Size,
                SortArg::Spread => storyhash::report::SortBy::Spread,
            },
            min_outlets: self.min_outlets,
            html_stories: self.html_stories,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct DedupArgs {
    /// Where to write the kept records: a file for JSON Lines, CSV or web
    /// archive input (`-` for standard output; replaced only when the run
    /// succeeds; `.gz` is gzip), a new directory for a directory of .txt
    /// files or web pages. Never one of the inputs.
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,

    /// Also write the keep/drop decision of every article, with the reason,
    /// to this CSV (`-` for standard output); written with OUT, both or
    /// neither.
    #[arg(long, value_name = "DECISIONS.csv")]
    pub decisions: Option<PathBuf>,

    /// Outlets to keep first, most preferred first (comma-separated); the
    /// --canonical policy decides among the rest and breaks ties.
    #[arg(long, value_delimiter = ',', value_name = "SOURCES")]
    pub prefer_source: Vec<String>,

    #[command(flatten)]
    pub run: RunArgs,
}

/// How inputs are read: the settings every command that reads articles
/// shares.
#[derive(Debug, clap::Args)]
pub struct InputArgs {
    /// Input format; by default guessed from the name, then from the content.
    #[arg(long, value_enum, help_heading = "Input")]
    pub format: Option<FormatArg>,

    /// Field (JSON Lines) or column (CSV) holding the article id.
    #[arg(
        long,
        default_value_t = FieldNames::default().id,
        value_name = "NAME",
        help_heading = "Input"
    )]
    pub id_field: String,

    /// Field or column holding the article text.
    #[arg(
        long,
        default_value_t = FieldNames::default().text,
        value_name = "NAME",
        help_heading = "Input"
    )]
    pub text_field: String,

    /// Field or column holding the headline.
    #[arg(
        long,
        default_value_t = FieldNames::default().title,
        value_name = "NAME",
        help_heading = "Input"
    )]
    pub title_field: String,

    /// Field or column holding the outlet.
    #[arg(
        long,
        default_value_t = FieldNames::default().source,
        value_name = "NAME",
        help_heading = "Input"
    )]
    pub source_field: String,

    /// Field or column holding the publication date.
    #[arg(
        long,
        default_value_t = FieldNames::default().date,
        value_name = "NAME",
        help_heading = "Input"
    )]
    pub date_field: String,

    /// How dates in none of the forms read by default are written, as a
    /// chrono format (e.g. `%d.%m.%Y %H:%M`). ISO 8601, RFC 2822,
    /// YYYY/MM/DD and epoch seconds are read without it.
    #[arg(long, value_name = "FORMAT", help_heading = "Input")]
    pub date_format: Option<String>,

    /// Skip bad records (malformed lines, missing or empty text, duplicate
    /// ids), report them on standard error, and go on. Articles with an
    /// optional field that cannot be read (a date in no known form) are
    /// kept without that field, and reported.
    #[arg(long, help_heading = "Input")]
    pub skip_bad_records: bool,

    /// What the text field of JSON Lines or CSV holds.
    #[arg(long, value_enum, default_value = "plain", help_heading = "Input")]
    pub text_format: TextFormatArg,

    /// Which WARC header is an article's id.
    #[arg(long, value_enum, default_value = "uri", help_heading = "Input")]
    pub warc_id: WarcIdArg,

    /// Where a .txt file's outlet comes from: the first folder of its path
    /// inside the input directory, or nowhere.
    #[arg(long, value_enum, default_value = "dir", help_heading = "Input")]
    pub source_from: SourceFromArg,

    /// A regular expression with the named groups y, m and d that finds a
    /// .txt file's date in its path inside the input directory (`none`:
    /// no dates); by default dates like 2025-03-14, 20250314, 2025_03_14.
    #[arg(long, value_name = "REGEX", help_heading = "Input")]
    pub date_pattern: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SourceFromArg {
    /// The first folder of the file's path.
    Dir,
    /// No outlet.
    None,
}

impl InputArgs {
    /// The reading settings.
    pub fn read_config(&self) -> Result<ReadConfig, storyhash::Error> {
        let date_pattern = match self.date_pattern.as_deref() {
            None => TextDirConfig::default().date_pattern,
            Some("none") => None,
            Some(p) => {
                let re = regex::Regex::new(p).map_err(|e| {
                    storyhash::Error::Setting(format!("--date-pattern {p:?} is not a pattern: {e}"))
                })?;
                if !["y", "m", "d"]
                    .iter()
                    .all(|g| re.capture_names().flatten().any(|n| n == *g))
                {
                    return Err(storyhash::Error::Setting(format!(
                        "--date-pattern {p:?} needs the named groups y, m and d, \
                         like (?P<y>\\d{{4}})(?P<m>\\d\\d)(?P<d>\\d\\d)"
                    )));
                }
                Some(re)
            }
        };
        Ok(ReadConfig {
            text_dir: TextDirConfig {
                source_from: match self.source_from {
                    SourceFromArg::Dir => SourceFrom::Dir,
                    SourceFromArg::None => SourceFrom::None,
                },
                date_pattern,
            },
            format: self.format.map(|f| match f {
                FormatArg::Jsonl => Format::JsonLines,
                FormatArg::Csv => Format::Csv,
                FormatArg::Txt => Format::TextDir,
                FormatArg::Html => Format::HtmlDir,
                FormatArg::Warc => Format::Warc,
            }),
            text_format: match self.text_format {
                TextFormatArg::Plain => TextFormat::Plain,
                TextFormatArg::Html => TextFormat::Html,
            },
            warc_id: match self.warc_id {
                WarcIdArg::Uri => WarcId::TargetUri,
                WarcIdArg::Record => WarcId::RecordId,
            },
            fields: FieldNames {
                id: self.id_field.clone(),
                text: self.text_field.clone(),
                title: self.title_field.clone(),
                source: self.source_field.clone(),
                date: self.date_field.clone(),
                date_format: self.date_format.clone(),
            },
            bad_records: if self.skip_bad_records {
                BadRecords::Skip
            } else {
                BadRecords::Fail
            },
        })
    }
}

/// The settings `cluster` and `dedup` share.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Input files or directories; `-` or none reads standard input.
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    #[command(flatten)]
    pub input: InputArgs,

    /// Minimum Jaccard similarity of word shingles for two articles to be
    /// near-duplicates.
    #[arg(
        short,
        long,
        default_value_t = VerifyConfig::default().threshold,
        value_name = "J",
        help_heading = "Matching"
    )]
    pub threshold: f64,

    /// Also match when this share of the shorter article's shingles is in the
    /// longer one (wire copy inside a longer story, trimmed copies).
    #[arg(
        long,
        default_value_t = VerifyConfig::default().containment.unwrap_or(1.0),
        value_name = "C",
        help_heading = "Matching"
    )]
    pub containment: f64,

    /// Match by Jaccard similarity only.
    #[arg(long, help_heading = "Matching")]
    pub no_containment: bool,

    /// Compute similarities exactly on shingle sets instead of estimating
    /// them from signatures (slower, holds every shingle in memory).
    #[arg(long, help_heading = "Matching")]
    pub exact: bool,

    /// Shingle length in words (or characters with --shingle-unit chars).
    #[arg(
        short = 'k',
        long,
        default_value_t = ShingleConfig::default().k,
        value_name = "K",
        help_heading = "Matching"
    )]
    pub shingle_size: usize,

    /// What a shingle is made of.
    #[arg(long, value_enum, default_value = "words", help_heading = "Matching")]
    pub shingle_unit: UnitArg,

    /// Signature length: more is more accurate and slower.
    #[arg(
        long,
        default_value_t = MinHashConfig::default().num_perm,
        value_name = "N",
        help_heading = "Matching"
    )]
    pub num_perm: usize,

    /// Seed of the hash family (signatures are reproducible for one seed).
    #[arg(long, value_name = "SEED", help_heading = "Matching")]
    pub seed: Option<u64>,

    /// LSH bands (with --rows); by default derived from --threshold so that
    /// pairs at the threshold are found 99% of the time.
    #[arg(long, requires = "rows", value_name = "B", help_heading = "Matching")]
    pub bands: Option<usize>,

    /// LSH rows per band (with --bands).
    #[arg(long, requires = "bands", value_name = "R", help_heading = "Matching")]
    pub rows: Option<usize>,

    /// Keep lines that recur across many articles (boilerplate is removed by
    /// default).
    #[arg(long, help_heading = "Boilerplate")]
    pub no_boilerplate: bool,

    /// A line is boilerplate when it recurs in at least this many otherwise
    /// different articles.
    #[arg(
        long,
        default_value_t = BoilerplateConfig::default().min_docs,
        value_name = "N",
        help_heading = "Boilerplate"
    )]
    pub boilerplate_min_docs: u32,

    /// Event granularity: events merge while the mean cosine of their
    /// reports, lowered when their mean dates are more than 3 days apart,
    /// is at least this. Higher gives tighter events.
    #[arg(
        long,
        default_value_t = StoryConfig::default().event_cut,
        value_name = "CUT",
        help_heading = "Stories"
    )]
    pub event_cut: f64,

    /// Story granularity: events merge into stories, dates aside, while the
    /// mean cosine of their reports is at least this (at most --event-cut).
    /// Lower gives broader stories.
    #[arg(
        long,
        default_value_t = StoryConfig::default().cut,
        value_name = "CUT",
        help_heading = "Stories"
    )]
    pub story_cut: f64,

    /// Skip the story stage: every near-duplicate group is its own event
    /// and story.
    #[arg(long, help_heading = "Stories")]
    pub no_stories: bool,

    /// Which article of a group is canonical (the one to keep).
    #[arg(long, value_enum, default_value = "earliest", help_heading = "Output")]
    pub canonical: CanonicalArg,

    /// Worker threads (0 = all cores). Output does not depend on it.
    #[arg(short = 'j', long, default_value_t = 0, value_name = "N")]
    pub threads: usize,

    /// Print nothing on standard error except errors.
    #[arg(short, long)]
    pub quiet: bool,

    /// Print per-stage times, throughput, pair counts and peak memory.
    #[arg(long)]
    pub stats: bool,
}

/// What `main` needs: the library config plus the binary's own settings.
#[derive(Debug)]
pub struct Settings {
    pub config: Config,
    pub inputs: Vec<PathBuf>,
    pub output: Option<PathBuf>,
    pub threads: usize,
    pub quiet: bool,
    pub stats: bool,
}

impl RunArgs {
    /// Builds the validated settings, writing to `output`; `adjust` sets
    /// what the command itself decides, before validation.
    pub fn settings(
        self,
        output: Option<PathBuf>,
        adjust: impl FnOnce(&mut Config),
    ) -> Result<Settings, storyhash::Error> {
        let mut config = Config {
            read: self.input.read_config()?,
            ..Config::default()
        };
        config.normalize.boilerplate = (!self.no_boilerplate).then_some(BoilerplateConfig {
            min_docs: self.boilerplate_min_docs,
        });
        config.shingle.k = self.shingle_size;
        config.shingle.unit = match self.shingle_unit {
            UnitArg::Words => ShingleUnit::Words,
            UnitArg::Chars => ShingleUnit::Chars,
        };
        config.minhash.num_perm = self.num_perm;
        if let Some(seed) = self.seed {
            config.minhash.seed = seed;
        }
        config.lsh.banding = self.bands.zip(self.rows);
        config.verify.threshold = self.threshold;
        config.verify.containment = (!self.no_containment).then_some(self.containment);
        config.verify.exact = self.exact;
        config.story = (!self.no_stories).then(|| StoryConfig {
            cut: self.story_cut,
            event_cut: self.event_cut,
            ..StoryConfig::default()
        });
        config.cluster.canonical = match self.canonical {
            CanonicalArg::Earliest => CanonicalPolicy::Earliest,
            CanonicalArg::Longest => CanonicalPolicy::Longest,
            CanonicalArg::First => CanonicalPolicy::First,
        };
        adjust(&mut config);
        config.validate()?;
        Ok(Settings {
            config,
            inputs: self.inputs,
            output,
            threads: self.threads,
            quiet: self.quiet,
            stats: self.stats,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `cluster` with no flags must run the library's defaults: the
    /// settings are compared whole, so a default changed on one side only
    /// fails here.
    #[test]
    fn command_line_defaults_are_the_library_defaults() {
        let Command::Cluster(args) = Cli::parse_from(["storyhash", "cluster", "in.jsonl"]).command
        else {
            panic!("not the cluster command");
        };
        let report = args.view.view();
        let s = args.run.settings(None, |_| {}).unwrap();
        assert_eq!(
            format!("{:?}", s.config),
            format!("{:?}", Config::default())
        );
        assert_eq!(report, View::default());
    }
}
