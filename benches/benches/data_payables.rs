//! Generation throughput of the synthetic accounts-payable world: invoice draws,
//! the day-by-day process simulation and the event log, then study 2's cleaning.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use overdue_data::PayablesWorld;

fn generate_payables(c: &mut Criterion) {
    let mut group = c.benchmark_group("data/generate_payables");
    group.sample_size(10);
    for invoices in [300_000usize, 1_000_000] {
        let world = PayablesWorld { invoices, ..PayablesWorld::default() };
        group.throughput(Throughput::Elements(invoices as u64));
        group.bench_with_input(BenchmarkId::from_parameter(invoices), &world, |b, world| {
            b.iter(|| world.generate().expect("valid world"))
        });
    }
    group.finish();
}

fn clean_payables(c: &mut Criterion) {
    let mut group = c.benchmark_group("data/clean_payables");
    group.sample_size(10);
    let invoices = 300_000usize;
    let raw = PayablesWorld { invoices, ..PayablesWorld::default() }.generate().expect("valid world");
    group.throughput(Throughput::Elements(invoices as u64));
    group.bench_with_input(BenchmarkId::from_parameter(invoices), &raw, |b, raw| {
        b.iter_batched(|| raw.clone(), |raw| raw.clean().expect("clean table"), criterion::BatchSize::LargeInput)
    });
    group.finish();
}

criterion_group!(benches, generate_payables, clean_payables);
criterion_main!(benches);
