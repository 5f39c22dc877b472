//! The whole `cluster` job (`pipeline::run`) on 5,000 synthetic articles
//! (`common`) held in memory as JSON Lines (`Input::from_bytes`): parsing,
//! boilerplate learning, signing, candidates, verification, groups and
//! stories, on the rayon pool. `default` is `Config::default()`, what the
//! binary runs without flags; `no_stories` turns the story stage off
//! (`--no-stories`). Throughput in articles; the text size is printed.

mod common;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use storyhash::config::Format;
use storyhash::pipeline::{NoProgress, run};
use storyhash::{Config, Input};

fn bench(c: &mut Criterion) {
    let n = 5_000;
    let arts = common::articles(n, 4);
    let text = common::text_bytes(&arts);
    let bytes = common::jsonl(&arts);
    eprintln!(
        "end_to_end: {n} articles, {:.1} MB of text, {:.1} MB of JSON Lines",
        text as f64 / 1e6,
        bytes.len() as f64 / 1e6
    );
    drop(arts);
    // Input holds its bytes behind an Arc: cloning it per run is free.
    let input = Input::from_bytes("bench", bytes, Some(Format::JsonLines))
        .expect("an in-memory JSON Lines input");

    let mut g = c.benchmark_group("end_to_end");
    g.sampling_mode(SamplingMode::Flat);
    g.throughput(Throughput::Elements(n as u64));
    let default = Config::default();
    let no_stories = Config {
        story: None,
        ..Config::default()
    };
    for (name, cfg) in [("default", &default), ("no_stories", &no_stories)] {
        let out = run(std::slice::from_ref(&input), cfg, &NoProgress).expect("a clean run");
        eprintln!(
            "end_to_end: {name}: {} matches, {} groups; {} story candidates, {} stories",
            out.stats.matches,
            out.table.groups.len(),
            out.stats.story_candidates,
            out.table.stories.len(),
        );
        g.bench_function(name, |b| {
            b.iter(|| {
                let out = run(black_box(std::slice::from_ref(&input)), cfg, &NoProgress);
                out.expect("a clean run").table.groups.len()
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    targets = bench
}
criterion_main!(benches);
