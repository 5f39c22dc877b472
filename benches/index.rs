//! LSH banding: candidate pairs from signatures.

mod common;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use storyhash::config::{LshConfig, MinHashConfig};
use storyhash::lsh::{Banding, candidates};
use storyhash::minhash::{Signatures, Signer};
use storyhash::shingle::word_shingles;

/// Signatures of `n` synthetic articles (setup, not timed).
pub fn signatures(n: usize) -> Signatures {
    let arts = common::articles(n, 2);
    let signer = Signer::new(&MinHashConfig::default());
    let mut sigs = Signatures::new(signer.len());
    let mut row = vec![0u32; signer.len()];
    for a in &arts {
        signer.sign(&word_shingles(&a.text, 5), &mut row);
        sigs.extend_from(&row);
    }
    sigs
}

fn bench(c: &mut Criterion) {
    let n = 20_000;
    let sigs = signatures(n);
    let usable = vec![true; n];
    let cfg = LshConfig::default();
    let mut g = c.benchmark_group("index");
    g.sample_size(10);
    g.throughput(Throughput::Elements(n as u64));
    for t in [0.25, 0.5, 0.8] {
        let banding = Banding::for_threshold(t, 128, cfg.recall_at_threshold);
        let name = format!("candidates_t{t}_{}x{}", banding.bands, banding.rows);
        g.bench_function(name, |b| {
            b.iter(|| candidates(black_box(&sigs), &usable, banding, &cfg).len())
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
