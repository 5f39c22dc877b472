//! The story stage: near-duplicate groups into events (every outlet's
//! report of one happening) and events into stories (the thread followed
//! for weeks or months).
//!
//! Reports of one event written independently share almost no word 5-grams,
//! so this stage has its own representation: each group's canonical article
//! becomes a TF-IDF vector of its content terms ([`terms`]), with names and
//! title words weighted up and stop words and boilerplate out. Candidate
//! pairs come from an inverted index over each vector's strongest terms
//! ([`link`]); group-average linkage over the candidate graph, exact from
//! each cluster's summed vector, forms the events under a date penalty and
//! then, going on from them without it, the stories ([`linkage`]). Every
//! copy in a near-duplicate group gets its group's event and story, and
//! every event lies within one story.

pub mod link;
pub mod linkage;
pub mod terms;

use std::time::Instant;

use rayon::prelude::*;

use crate::article::ArticleMeta;
use crate::assign::Groups;
use crate::config::StoryConfig;
use terms::{DocFreq, TermTable, TfIdf, VectorScratch};

/// Events and stories of a collection.
#[derive(Debug, Clone)]
pub struct Stories {
    /// Event number of each near-duplicate group.
    pub event_of_group: Vec<u32>,
    /// The group whose canonical article names each event (its earliest).
    pub event_label_group: Vec<u32>,
    /// Number of articles in each event.
    pub event_size: Vec<u32>,
    /// Story number of each near-duplicate group.
    pub of_group: Vec<u32>,
    /// The group whose canonical article names each story (its earliest).
    pub label_group: Vec<u32>,
    /// Number of articles in each story.
    pub size: Vec<u32>,
    /// Candidate pairs compared.
    pub candidates: usize,
    /// Wall seconds of each step (vectors, candidates, linkage).
    pub steps: Vec<(&'static str, f64)>,
}

impl Stories {
    /// Every group its own story (the stage turned off).
    pub fn singletons(groups: &Groups) -> Stories {
        Stories {
            event_of_group: (0..groups.len() as u32).collect(),
            event_label_group: (0..groups.len() as u32).collect(),
            event_size: groups.size.clone(),
            of_group: (0..groups.len() as u32).collect(),
            label_group: (0..groups.len() as u32).collect(),
            size: groups.size.clone(),
            candidates: 0,
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
    let weights = TfIdf::new(df, articles.len(), cfg.background_docs);
    let vectors: Vec<Vec<(terms::Term, f32)>> = groups
        .canonical
        .par_iter()
        .map_init(VectorScratch::default, |scratch, rep| {
            table.vector(rep.index(), &weights, cfg, scratch)
        })
        .collect();
    let days = days(articles, groups);
    let specific = specific_parts(&vectors, df, articles.len(), groups.len(), cfg);
    lap("vectors");
    let candidates = link::candidates(&vectors, &days, cfg);
    lap("candidates");
    let nodes = linkage::Nodes {
        vectors,
        specific,
        days,
    };
    let mut stories = levels(articles, groups, nodes, &candidates, cfg);
    lap("linkage");
    stories.steps = steps;
    stories
}

/// The publication day of each group's canonical article, as the
/// candidates and the linkage read it.
pub fn days(articles: &[ArticleMeta], groups: &Groups) -> Vec<Option<f64>> {
    groups
        .canonical
        .iter()
        .map(|rep| {
            articles[rep.index()]
                .date
                .as_ref()
                .map(|d| d.seconds as f64 / 86_400.0)
        })
        .collect()
}

/// The entries of each vector on specific terms (see
/// `linkage::Specific`), by the document frequencies `df` of a collection
/// of `articles` articles in `groups` near-duplicate groups.
pub fn specific_parts(
    vectors: &[Vec<(terms::Term, f32)>],
    df: &DocFreq,
    articles: usize,
    groups: usize,
    cfg: &StoryConfig,
) -> Vec<Vec<(terms::Term, f32)>> {
    let specific = cfg.specific_range(articles, groups);
    vectors
        .par_iter()
        .map(|v| terms::specific_part(v, df, specific))
        .collect()
}

/// The linkage's settings from the stage's.
pub fn cuts(cfg: &StoryConfig) -> linkage::Cuts {
    linkage::Cuts {
        event: cfg.event_cut,
        story: cfg.cut,
        event_dates: linkage::DateDecay {
            grace_days: cfg.event_grace_days,
            scale_days: cfg.event_scale_days,
            penalty: cfg.event_date_penalty,
        },
        event_specific: linkage::Specific {
            weight: cfg.event_specific_weight,
            waiver: cfg.event_specific_waiver,
            fade_days: cfg.event_specific_fade_days,
        },
    }
}

/// Events and stories of the groups from their representatives' `nodes`
/// (vectors, specific parts, days) and the `candidates` among them: the
/// linkage, then each cluster's label and size (no step times).
///
/// Merges follow candidate edges only, so this over the groups of one
/// connected component of the candidate graph (or a union of whole
/// components) gives what it gives over all: what a distributed job runs
/// per component.
pub fn levels(
    articles: &[ArticleMeta],
    groups: &Groups,
    nodes: linkage::Nodes,
    candidates: &[(u32, u32)],
    cfg: &StoryConfig,
) -> Stories {
    let levels = linkage::link(nodes, candidates, &cuts(cfg));
    let (event_label_group, event_size) = labels(articles, groups, &levels.event);
    let (label_group, size) = labels(articles, groups, &levels.story);
    Stories {
        event_of_group: levels.event,
        event_label_group,
        event_size,
        of_group: levels.story,
        label_group,
        size,
        candidates: candidates.len(),
        steps: Vec::new(),
    }
}

/// For clusters numbered `of_group` per group: the group naming each
/// cluster (its earliest dated canonical; undated last, ties by group) and
/// each cluster's number of articles.
fn labels(articles: &[ArticleMeta], groups: &Groups, of_group: &[u32]) -> (Vec<u32>, Vec<u32>) {
    let count = of_group.iter().max().map_or(0, |&m| m as usize + 1);
    let mut size = vec![0u32; count];
    let mut label_group: Vec<u32> = vec![u32::MAX; count];
    let key = |g: usize| {
        let rep = groups.canonical[g].index();
        articles[rep]
            .date
            .as_ref()
            .map_or((1, (0, 0)), |d| (0, d.order_key()))
    };
    for (g, &s) in of_group.iter().enumerate() {
        size[s as usize] += groups.size[g];
        let current = label_group[s as usize];
        if current == u32::MAX || key(g) < key(current as usize) {
            label_group[s as usize] = g as u32;
        }
    }
    (label_group, size)
}
