//! The payables features (study 2) of the default payables world, at both
//! prediction moments, with the historical encoding and with one-hot columns.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use overdue_data::PayablesWorld;
use overdue_features::{CategoricalEncoding, PayablesFeatures, PredictionMoment, SplitSpec};

fn payables_features(c: &mut Criterion) {
    let (table, _) = PayablesWorld::default().generate_clean().expect("the default world is valid");
    let mut group = c.benchmark_group("features/payables");
    group.sample_size(10);
    group.throughput(Throughput::Elements(table.len() as u64));
    let variants = [
        (PredictionMoment::AtPosting, CategoricalEncoding::Historical),
        (PredictionMoment::BeforeDue { days: 3 }, CategoricalEncoding::Historical),
        (PredictionMoment::BeforeDue { days: 3 }, CategoricalEncoding::OneHot),
    ];
    for (moment, encoding) in variants {
        let features = PayablesFeatures::new(moment, encoding).expect("valid moment");
        let split = SplitSpec::payables_default();
        group.bench_function(format!("{}/{}", features.name(), table.len()), |b| {
            b.iter(|| features.build(&table, &split).expect("features build"))
        });
    }
    group.finish();
}

criterion_group!(benches, payables_features);
criterion_main!(benches);
