//! Metric throughput on a million scores with ties.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use overdue_metrics::{average_precision, evaluate, roc_auc};

fn ranking_metrics(c: &mut Criterion) {
    let n = 1_000_000usize;
    // A deterministic pseudo-random stream (no RNG dependency needed here).
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let labels: Vec<bool> = (0..n).map(|_| next() < 0.3).collect();
    let scores: Vec<f64> =
        labels.iter().map(|&l| ((next() + if l { 0.3 } else { 0.0 }).min(1.0) * 1000.0).round() / 1000.0).collect();
    let mut group = c.benchmark_group("metrics");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function("average_precision/1000000", |b| {
        b.iter(|| average_precision(&labels, &scores).expect("valid"))
    });
    group.bench_function("roc_auc/1000000", |b| b.iter(|| roc_auc(&labels, &scores).expect("valid")));
    group.bench_function("evaluate/1000000", |b| b.iter(|| evaluate(&labels, &scores, 0.5).expect("valid")));
    group.finish();
}

criterion_group!(benches, ranking_metrics);
criterion_main!(benches);
