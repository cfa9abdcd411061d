//! Generation throughput of the synthetic worlds.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use overdue_data::ReceivablesWorld;

fn generate_receivables(c: &mut Criterion) {
    let mut group = c.benchmark_group("data/generate_receivables");
    group.sample_size(10);
    for invoices in [164_043usize, 1_000_000] {
        let world = ReceivablesWorld { invoices, ..ReceivablesWorld::default() };
        group.throughput(Throughput::Elements(invoices as u64));
        group.bench_with_input(BenchmarkId::from_parameter(invoices), &world, |b, world| {
            b.iter(|| world.generate().expect("valid world"))
        });
    }
    group.finish();
}

criterion_group!(benches, generate_receivables);
criterion_main!(benches);
