//! The `verify` and `cluster` stages over the candidate pairs of 20,000
//! synthetic articles (`common`): signatures, candidates (default banding
//! for the default candidate threshold) and metadata are computed in setup,
//! not timed. `verify` estimates similarities from signatures (the default,
//! not `exact`) on the rayon pool; `cluster` is the guarded union-find of
//! resemblance matches, containment moves, canonical member by the default
//! policy (earliest date) and best match, single-threaded.
//! Throughput in articles; the candidate and match counts are printed.

mod common;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use storyhash::cluster::cluster;
use storyhash::config::{ClusterConfig, LshConfig, MinHashConfig, VerifyConfig};
use storyhash::lsh::{Banding, candidates};
use storyhash::verify::{Evidence, verify};

fn bench(c: &mut Criterion) {
    let n = 20_000;
    let arts = common::articles(n, 3);
    let signed = common::sign(&arts);
    let meta = common::meta(&arts);
    let planted = common::copies(&arts);
    drop(arts);
    let usable: Vec<bool> = signed.sizes.iter().map(|&s| s > 0).collect();
    let vcfg = VerifyConfig::default();
    let lcfg = LshConfig::default();
    let ccfg = ClusterConfig::default();
    let k = MinHashConfig::default().num_perm;
    let banding = Banding::from_config(&lcfg, vcfg.candidate_threshold(), k);
    let cands = candidates(&signed.sigs, &usable, banding, &lcfg);
    let evidence = Evidence::Signatures(&signed.sigs);
    let matches = verify(&cands, evidence, &signed.sizes, &vcfg);
    let similarity = |a, b| storyhash::minhash::similarity(signed.sigs.get(a), signed.sigs.get(b));
    let ev = storyhash::cluster::Evidence {
        sizes: &signed.sizes,
        threshold: vcfg.threshold,
        similarity: &similarity,
    };
    let groups = cluster(&meta, &matches, &ev, &ccfg);
    eprintln!(
        "cluster: {n} articles ({planted} planted copies), {}x{} banding: {} candidate pairs, \
         {} matches, {} groups",
        banding.bands,
        banding.rows,
        cands.len(),
        matches.len(),
        groups.len()
    );

    let mut g = c.benchmark_group("cluster");
    g.sampling_mode(SamplingMode::Flat);
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("verify", |b| {
        b.iter(|| verify(black_box(&cands), evidence, &signed.sizes, &vcfg).len())
    });
    g.bench_function("cluster", |b| {
        b.iter(|| cluster(&meta, black_box(&matches), &ev, &ccfg).len())
    });
    g.bench_function("verify+cluster", |b| {
        b.iter(|| {
            let m = verify(black_box(&cands), evidence, &signed.sizes, &vcfg);
            cluster(&meta, &m, &ev, &ccfg).len()
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
