//! The per-article hot path of the signing pass: tokenising
//! (`tokenize::Words::tokenize`), shingling (`shingle::fold_windows`) and
//! signing (`minhash::Signer::sign`), over 2,000 synthetic articles
//! (`common`), at the default settings (word 5-grams, 128 values).
//!
//! Every function reports throughput in bytes of article text, so the
//! tokenizer and the signer alone read as shares of the whole path. Each
//! iteration reuses its buffers, as the pipeline's per-thread scratch does.
//! Single-threaded: the pipeline runs this path once per article on each
//! rayon thread.

mod common;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use storyhash::config::{MinHashConfig, ShingleConfig};
use storyhash::minhash::Signer;
use storyhash::shingle::fold_windows;
use storyhash::tokenize::Words;

fn bench(c: &mut Criterion) {
    let arts = common::articles(2_000, 1);
    let k = ShingleConfig::default().k;
    let signer = Signer::new(&MinHashConfig::default());
    let mut g = c.benchmark_group("shingle_sign");
    g.throughput(Throughput::Bytes(common::text_bytes(&arts)));

    g.bench_function("tokenize", |b| {
        let mut words = Words::default();
        b.iter(|| {
            let mut n = 0;
            for a in &arts {
                words.tokenize(black_box(&a.text));
                n += words.len();
            }
            n
        })
    });

    // The signer alone: shingles computed once, outside the timing.
    let shingled: Vec<Vec<u64>> = arts
        .iter()
        .map(|a| {
            let mut words = Words::default();
            words.tokenize(&a.text);
            let mut s = Vec::new();
            fold_windows(&words.hashes, k, &mut s);
            s
        })
        .collect();
    g.bench_function("sign", |b| {
        let mut sig = vec![0u32; signer.len()];
        b.iter(|| {
            let mut x = 0;
            for s in &shingled {
                signer.sign(black_box(s), &mut sig);
                x ^= sig[0];
            }
            x
        })
    });

    g.bench_function("tokenize+shingle+sign", |b| {
        let mut words = Words::default();
        let mut shingles = Vec::new();
        let mut sig = vec![0u32; signer.len()];
        b.iter(|| {
            let mut x = 0;
            for a in &arts {
                words.tokenize(black_box(&a.text));
                shingles.clear();
                fold_windows(&words.hashes, k, &mut shingles);
                signer.sign(&shingles, &mut sig);
                x ^= sig[0];
            }
            x
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    targets = bench
}
criterion_main!(benches);
