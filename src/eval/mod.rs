//! Scoring a predicted clustering against gold labels (`storyhash eval`).
//!
//! Three steps, each usable on its own: [`crate::read::load_labels`] reads
//! an id → label table ([`Labels`]) from CSV or JSON Lines; [`align`] lines a prediction up with the
//! gold ids; [`score`] computes pairwise, B-cubed, ARI and NMI scores from
//! the contingency table of the two partitions. Gold is the reference
//! universe: a gold id the prediction lacks counts as a cluster of its own
//! (the prediction said nothing, so it grouped it with nothing), and a
//! predicted id absent from gold is ignored; both are counted so the user
//! can tell a bad run from a mismatched pair of files.
//!
//! Every metric is computed from cluster sizes and the non-empty cells of the
//! contingency table, built with a counting sort in O(n + clusters): no loop
//! over pairs of documents, so 10^7 documents score in about a second.
//! Pair counts are exact integers (`u64`, products in `u128`); only the final
//! ratios are floating point.

mod labels;
mod metrics;

pub use labels::Labels;
pub use metrics::{Aligned, Scores, align, score};
