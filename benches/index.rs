//! The `lsh` stage: `lsh::candidates` over the signatures of 20,000
//! synthetic articles (`common`; signatures computed in setup, not timed),
//! with the default banding (`LshConfig::default()`, 98% recall at the
//! threshold) for the threshold the pipeline uses at its default settings
//! (`VerifyConfig::candidate_threshold`, lowered by the containment test),
//! for 0.5 and for 0.8. Throughput in articles. Uses the rayon pool (one
//! task per band), as the pipeline does.

mod common;

use std::hint::black_box;
use std::time::Duration;

use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use storyhash::config::{LshConfig, MinHashConfig, VerifyConfig};
use storyhash::lsh::{Banding, candidates};

fn bench(c: &mut Criterion) {
    let n = 20_000;
    let arts = common::articles(n, 2);
    let signed = common::sign(&arts);
    drop(arts);
    let usable: Vec<bool> = signed.sizes.iter().map(|&s| s > 0).collect();
    let cfg = LshConfig::default();
    let k = MinHashConfig::default().num_perm;

    let mut g = c.benchmark_group("index");
    g.sampling_mode(SamplingMode::Flat);
    g.throughput(Throughput::Elements(n as u64));
    let default = VerifyConfig::default().candidate_threshold();
    for (label, t) in [("default", default), ("0.5", 0.5), ("0.8", 0.8)] {
        let banding = Banding::from_config(&cfg, t, k);
        let found = candidates(&signed.sigs, &usable, banding, &cfg).len();
        eprintln!(
            "index: threshold {label} ({t:.3}): {}x{} banding, {found} candidate pairs among {n} articles",
            banding.bands, banding.rows
        );
        let id = BenchmarkId::new(
            "candidates",
            format!("t{label}_{}x{}", banding.bands, banding.rows),
        );
        g.bench_function(id, |b| {
            b.iter(|| candidates(black_box(&signed.sigs), &usable, banding, &cfg).len())
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = bench
}
criterion_main!(benches);
