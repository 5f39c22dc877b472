//! Verification of candidates and grouping into near-duplicate groups.

mod common;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use storyhash::cluster::cluster;
use storyhash::config::{ClusterConfig, LshConfig, MinHashConfig, VerifyConfig};
use storyhash::lsh::{Banding, candidates};
use storyhash::minhash::{Signatures, Signer};
use storyhash::shingle::word_shingles;
use storyhash::verify::{Evidence, verify};
use storyhash::{ArticleMeta, Location};

fn bench(c: &mut Criterion) {
    let n = 20_000;
    let arts = common::articles(n, 3);
    let signer = Signer::new(&MinHashConfig::default());
    let mut sigs = Signatures::new(signer.len());
    let mut sizes = Vec::with_capacity(n);
    let mut row = vec![0u32; signer.len()];
    for a in &arts {
        let s = word_shingles(&a.text, 5);
        signer.sign(&s, &mut row);
        sigs.extend_from(&row);
        sizes.push(s.len() as u32);
    }
    let meta: Vec<ArticleMeta> = (0..n)
        .map(|i| ArticleMeta {
            id: format!("b{i}").into(),
            source: None,
            date: None,
            title: None,
            location: Location {
                input: "bench".into(),
                line: i as u64 + 1,
            },
        })
        .collect();
    let vcfg = VerifyConfig::default();
    let lcfg = LshConfig::default();
    let banding = Banding::for_threshold(vcfg.candidate_threshold(), 128, lcfg.recall_at_threshold);
    let cands = candidates(&sigs, &vec![true; n], banding, &lcfg);
    let matches = verify(&cands, Evidence::Signatures(&sigs), &sizes, &vcfg);

    let mut g = c.benchmark_group("cluster");
    g.sample_size(20);
    g.throughput(Throughput::Elements(cands.len() as u64));
    g.bench_function("verify", |b| {
        b.iter(|| {
            verify(
                black_box(&cands),
                Evidence::Signatures(&sigs),
                &sizes,
                &vcfg,
            )
            .len()
        })
    });
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("union_find_groups", |b| {
        b.iter(|| {
            cluster(
                black_box(&meta),
                &sizes,
                &matches,
                &ClusterConfig::default(),
            )
            .len()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
