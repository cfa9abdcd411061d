//! The receivables history features: all eleven windows of the default world.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use overdue_benches::{study_windows, study_world};
use overdue_features::{ReceivablesFeatures, SplitSpec};

fn receivables_all_windows(c: &mut Criterion) {
    let table = study_world();
    let features = ReceivablesFeatures::new(&study_windows()).expect("valid windows");
    let mut group = c.benchmark_group("features/receivables_history");
    group.sample_size(10);
    group.throughput(Throughput::Elements(table.len() as u64));
    group.bench_function("windows_2_to_12/164043", |b| {
        b.iter(|| features.build(&table, &SplitSpec::default()).expect("features build"))
    });
    group.finish();
}

criterion_group!(benches, receivables_all_windows);
criterion_main!(benches);
