//! Tokenising, shingling and signing: the per-article hot path.

mod common;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use storyhash::config::MinHashConfig;
use storyhash::minhash::Signer;
use storyhash::normalize::Words;
use storyhash::shingle::fold_windows;

fn bench(c: &mut Criterion) {
    let arts = common::articles(2_000, 1);
    let bytes = common::text_bytes(&arts);
    let signer = Signer::new(&MinHashConfig::default());
    let mut g = c.benchmark_group("shingle_sign");
    g.sample_size(20);
    g.throughput(Throughput::Bytes(bytes));

    g.bench_function("tokenize", |b| {
        let mut w = Words::default();
        b.iter(|| {
            for a in &arts {
                w.tokenize(black_box(&a.text));
            }
            w.len()
        })
    });

    let shingled: Vec<Vec<u64>> = arts
        .iter()
        .map(|a| {
            let mut w = Words::default();
            w.tokenize(&a.text);
            let mut s = Vec::new();
            fold_windows(&w.hashes, 5, &mut s);
            s
        })
        .collect();
    g.bench_function("sign", |b| {
        let mut sig = vec![0u32; signer.len()];
        b.iter(|| {
            for s in &shingled {
                signer.sign(black_box(s), &mut sig);
            }
            sig[0]
        })
    });

    g.bench_function("tokenize+shingle+sign", |b| {
        let mut w = Words::default();
        let mut s = Vec::new();
        let mut sig = vec![0u32; signer.len()];
        b.iter(|| {
            for a in &arts {
                w.tokenize(black_box(&a.text));
                s.clear();
                fold_windows(&w.hashes, 5, &mut s);
                signer.sign(&s, &mut sig);
            }
            sig[0]
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
