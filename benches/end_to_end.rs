//! The whole `cluster` job on articles held in memory.

mod common;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use storyhash::pipeline::{NoProgress, run};
use storyhash::{Config, Input};

fn bench(c: &mut Criterion) {
    let arts = common::articles(5_000, 4);
    let bytes = common::jsonl(&arts);
    let mut g = c.benchmark_group("end_to_end");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(common::text_bytes(&arts)));
    for (name, stories) in [("cluster", true), ("cluster_no_stories", false)] {
        let mut cfg = Config::default();
        if !stories {
            cfg.story = None;
        }
        g.bench_function(name, |b| {
            b.iter(|| {
                let input = Input::from_bytes("bench", bytes.clone(), None).unwrap();
                run(black_box(&[input]), &cfg, &NoProgress)
                    .unwrap()
                    .groups
                    .len()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
