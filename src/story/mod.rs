//! The story stage: near-duplicate groups into stories, every outlet's
//! report of one event.
//!
//! Reports of one event written independently share almost no word 5-grams,
//! so this stage has its own representation: each group's canonical article
//! becomes a TF-IDF vector of its content terms ([`terms`]), with names and
//! title words weighted up and stop words and boilerplate out. Candidate
//! pairs come from an inverted index over each vector's strongest terms,
//! their similarity is the cosine times a gentle date factor, and
//! average-link clustering over that sparse graph forms the stories
//! ([`link`]). Every copy in a near-duplicate group gets its group's story.

pub mod link;
pub mod terms;

use std::time::Instant;

use rayon::prelude::*;

use crate::article::ArticleMeta;
use crate::assign::Groups;
use crate::config::StoryConfig;
use terms::{DocFreq, TermTable, TfIdf, VectorScratch};

/// Stories of a collection.
#[derive(Debug, Clone)]
pub struct Stories {
    /// Story number of each near-duplicate group.
    pub of_group: Vec<u32>,
    /// The group whose canonical article names each story (its earliest).
    pub label_group: Vec<u32>,
    /// Number of articles in each story.
    pub size: Vec<u32>,
    /// Candidate pairs compared.
    pub candidates: usize,
    /// Pairs with a positive similarity.
    pub edges: usize,
    /// Wall seconds of each step (vectors, candidates, edges, linking).
    pub steps: Vec<(&'static str, f64)>,
}

impl Stories {
    /// Every group its own story (the stage turned off).
    pub fn singletons(groups: &Groups) -> Stories {
        Stories {
            of_group: (0..groups.len() as u32).collect(),
            label_group: (0..groups.len() as u32).collect(),
            size: groups.size.clone(),
            candidates: 0,
            edges: 0,
            steps: Vec::new(),
        }
    }
}

/// Groups the near-duplicate groups into stories.
pub fn stories(
    articles: &[ArticleMeta],
    groups: &Groups,
    table: &TermTable,
    df: &DocFreq,
    cfg: &StoryConfig,
) -> Stories {
    let mut steps = Vec::new();
    let mut clock = Instant::now();
    let mut lap = |name: &'static str| {
        steps.push((name, clock.elapsed().as_secs_f64()));
        clock = Instant::now();
    };
    let weights = TfIdf::new(df, articles.len());
    let vectors: Vec<Vec<(terms::Term, f32)>> = groups
        .canonical
        .par_iter()
        .map_init(VectorScratch::default, |scratch, rep| {
            table.vector(rep.index(), &weights, cfg, scratch)
        })
        .collect();
    let days: Vec<Option<f64>> = groups
        .canonical
        .iter()
        .map(|rep| {
            articles[rep.index()]
                .date
                .as_ref()
                .map(|d| d.seconds as f64 / 86_400.0)
        })
        .collect();
    lap("vectors");
    let candidates = link::candidates(&vectors, &days, cfg);
    lap("candidates");
    let edges = link::edges(&candidates, &vectors, &days, cfg);
    lap("similarities");
    let of_group = link::average_link(groups.len(), &edges, cfg.cut);
    lap("average-link");

    let count = of_group.iter().max().map_or(0, |&m| m as usize + 1);
    let mut size = vec![0u32; count];
    let mut label_group: Vec<u32> = vec![u32::MAX; count];
    for (g, &s) in of_group.iter().enumerate() {
        size[s as usize] += groups.size[g];
        let key = |g: usize| {
            let rep = groups.canonical[g].index();
            articles[rep]
                .date
                .as_ref()
                .map_or((1, (0, 0)), |d| (0, d.order_key()))
        };
        let current = label_group[s as usize];
        if current == u32::MAX || key(g) < key(current as usize) {
            label_group[s as usize] = g as u32;
        }
    }
    Stories {
        of_group,
        label_group,
        size,
        candidates: candidates.len(),
        edges: edges.len(),
        steps,
    }
}
