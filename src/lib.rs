//! storyhash finds near-duplicate news articles (reprints, syndicated wire
//! copy, lightly edited or trimmed copies) in a collection, groups them, and
//! groups the groups into stories.
//!
//! The pipeline, one module per stage, meeting only in [`pipeline`]:
//!
//! ```text
//! read -> normalize/tokenize -> (boilerplate) -> shingle -> minhash -> lsh -> verify -> cluster
//!      -> story -> assign (the result table) -> write | report | dedup
//! ```
//!
//! [`pipeline`] is the API a front end calls: [`pipeline::run`] returns an
//! [`Outcome`](pipeline::Outcome) whose [`assign::Assignments`] table holds
//! every article's group, story, canonical copy and best match;
//! [`pipeline::cluster`], [`pipeline::dedup`], [`pipeline::report`] and
//! [`pipeline::evaluate`] are the commands of the binary. The library never
//! parses arguments, prints or exits; errors are [`Error`] values whose
//! [`Error::kind`] a front end maps to exit codes or exceptions. See
//! `ARCHITECTURE.md` for the map of the modules. A small run on in-memory
//! input:
//!
//! ```
//! use storyhash::{Config, Input, pipeline};
//!
//! let story = "The river rose two metres overnight and the town council opened \
//!              the school gym as a shelter for families from the lower streets.";
//! let jsonl = format!(
//!     "{{\"id\":\"a\",\"text\":\"{story}\"}}\n\
//!      {{\"id\":\"b\",\"text\":\"{story} Source link\"}}\n\
//!      {{\"id\":\"c\",\"text\":\"Bakers in the old quarter won a prize for rye bread.\"}}\n"
//! );
//! let input = Input::from_bytes("<example>", jsonl.into_bytes(), None)?;
//! let out = pipeline::run(&[input], &Config::default(), &pipeline::NoProgress)?;
//! let rows: Vec<(&str, &str, bool)> = out
//!     .table
//!     .rows()
//!     .map(|r| (r.id, r.dup_group, r.canonical))
//!     .collect();
//! assert_eq!(rows, [("a", "a", true), ("b", "a", false), ("c", "c", true)]);
//! # Ok::<(), storyhash::Error>(())
//! ```

pub mod article;
pub mod assign;
pub mod boilerplate;
pub mod cluster;
pub mod config;
pub mod dedup;
pub mod error;
pub mod eval;
pub mod extract;
pub mod hash;
pub mod lsh;
pub mod minhash;
pub mod normalize;
pub mod output;
pub mod pipeline;
pub mod read;
pub mod report;
pub mod scratch;
pub mod shingle;
pub mod story;
pub mod tokenize;
pub mod verify;
pub mod write;

pub use article::{ArticleId, ArticleMeta, Date, Record};
pub use config::Config;
pub use error::{Error, ErrorKind, Location, RecordProblem, Result};
pub use read::Input;
