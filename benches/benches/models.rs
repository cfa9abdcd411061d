//! Fit and predict of each model family on the study-scale matrix (w = 4).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use overdue_benches::study_dataset;
use overdue_features::Split;
use overdue_models::{Classifier, FitOptions, LogisticRegression};

fn logistic_regression(c: &mut Criterion) {
    let dataset = study_dataset();
    let train = dataset.part(Split::Train);
    let test = dataset.part(Split::Test);
    let params = LogisticRegression::default();
    let options = FitOptions::default();
    let mut group = c.benchmark_group("models/logistic_regression");
    group.sample_size(10);
    group.throughput(Throughput::Elements(train.n_rows() as u64));
    group.bench_function("fit", |b| b.iter(|| params.fit(train, None, &options).expect("fits")));
    let fitted = params.fit(train, None, &options).expect("fits");
    group.throughput(Throughput::Elements(test.n_rows() as u64));
    group.bench_function("predict", |b| b.iter(|| fitted.predict_proba(test.features).expect("predicts")));
    group.finish();
}

criterion_group!(benches, logistic_regression);
criterion_main!(benches);
