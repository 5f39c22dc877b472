//! storyhash finds near-duplicate news articles (reprints, syndicated wire
//! copy, lightly edited or trimmed copies) in a collection and groups them.
//!
//! The pipeline, one module per stage, meeting only in [`pipeline`]:
//!
//! ```text
//! read -> normalize -> (boilerplate) -> shingle -> minhash -> lsh -> verify -> cluster -> write
//! ```
//!
//! The library never parses arguments, prints or exits; the `storyhash`
//! binary does. A small run on in-memory input:
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
//! assert_eq!(out.groups.group, vec![0, 0, 1]);
//! # Ok::<(), storyhash::Error>(())
//! ```

pub mod article;
pub mod boilerplate;
pub mod cluster;
pub mod config;
pub mod dedup;
pub mod error;
pub mod eval;
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
pub mod verify;
pub mod write;

pub use article::{ArticleId, ArticleMeta, Date, Record};
pub use config::Config;
pub use error::{Error, Location, RecordProblem, Result};
pub use read::Input;
