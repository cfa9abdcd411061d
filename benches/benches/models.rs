//! Fit and predict of each model family on the study-scale matrix (w = 4).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use overdue_benches::study_dataset;
use overdue_data::ReceivablesWorld;
use overdue_features::{Dataset, HistoryWindow, ReceivablesFeatures, Split, SplitSpec};
use overdue_models::GradientBoostedTrees;
use overdue_models::{
    AdaBoost, BalancedBagging, ClassWeight, Classifier, Csfsol, DecisionTree, FitOptions, GaussianNaiveBayes,
    KNearestNeighbors, LinearSvm, LogisticRegression,
};

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

fn gaussian_naive_bayes(c: &mut Criterion) {
    let dataset = study_dataset();
    let train = dataset.part(Split::Train);
    let test = dataset.part(Split::Test);
    let params = GaussianNaiveBayes::default();
    let options = FitOptions::default();
    let mut group = c.benchmark_group("models/gaussian_naive_bayes");
    group.sample_size(20);
    group.throughput(Throughput::Elements(train.n_rows() as u64));
    group.bench_function("fit", |b| b.iter(|| params.fit(train, None, &options).expect("fits")));
    let fitted = params.fit(train, None, &options).expect("fits");
    group.throughput(Throughput::Elements(test.n_rows() as u64));
    group.bench_function("predict", |b| b.iter(|| fitted.predict_proba(test.features).expect("predicts")));
    group.finish();
}

/// k = 5, uniform weights, standardised: predicting is the expensive part (an
/// exact search of the ~107k training rows for each of the ~22k test rows).
fn k_nearest_neighbors(c: &mut Criterion) {
    let dataset = study_dataset();
    let train = dataset.part(Split::Train);
    let test = dataset.part(Split::Test);
    let params = KNearestNeighbors::default();
    let options = FitOptions::default();
    let mut group = c.benchmark_group("models/k_nearest_neighbors");
    group.sample_size(10);
    group.measurement_time(std::time::Duration::from_secs(30));
    group.throughput(Throughput::Elements(train.n_rows() as u64));
    group.bench_function("fit", |b| b.iter(|| params.fit(train, None, &options).expect("fits")));
    let fitted = params.fit(train, None, &options).expect("fits");
    group.throughput(Throughput::Elements(test.n_rows() as u64));
    group.bench_function("predict", |b| b.iter(|| fitted.predict_proba(test.features).expect("predicts")));
    group.finish();
}

/// After study 2's liblinear setting (`-c 0.1 -w-1 4 -w1 1`): C = 0.1, class
/// weights late 4 / on time 1, standardised. The fit includes Platt scaling on
/// the training decision values (no validation split is passed).
fn linear_svm(c: &mut Criterion) {
    let dataset = study_dataset();
    let train = dataset.part(Split::Train);
    let test = dataset.part(Split::Test);
    let params =
        LinearSvm { c: 0.1, class_weight: ClassWeight::Custom { late: 4.0, on_time: 1.0 }, ..LinearSvm::default() };
    let options = FitOptions::default();
    let mut group = c.benchmark_group("models/linear_svm");
    group.sample_size(10);
    group.throughput(Throughput::Elements(train.n_rows() as u64));
    group.bench_function("fit", |b| b.iter(|| params.fit(train, None, &options).expect("fits")));
    let fitted = params.fit(train, None, &options).expect("fits");
    group.throughput(Throughput::Elements(test.n_rows() as u64));
    group.bench_function("predict", |b| b.iter(|| fitted.predict_proba(test.features).expect("predicts")));
    group.finish();
}

/// Default CSFSOL (one pass in a seeded random order, then Platt scaling on the
/// training decision values); throughput is training rows per second.
fn csfsol(c: &mut Criterion) {
    let dataset = study_dataset();
    let train = dataset.part(Split::Train);
    let test = dataset.part(Split::Test);
    let params = Csfsol::default();
    let options = FitOptions::default();
    let mut group = c.benchmark_group("models/csfsol");
    group.sample_size(20);
    group.throughput(Throughput::Elements(train.n_rows() as u64));
    group.bench_function("fit", |b| b.iter(|| params.fit(train, None, &options).expect("fits")));
    let fitted = params.fit(train, None, &options).expect("fits");
    group.throughput(Throughput::Elements(test.n_rows() as u64));
    group.bench_function("predict", |b| b.iter(|| fitted.predict_proba(test.features).expect("predicts")));
    group.finish();
}

/// Exact CART with its defaults: gini, grown until the leaves are pure.
fn decision_tree(c: &mut Criterion) {
    let dataset = study_dataset();
    let train = dataset.part(Split::Train);
    let test = dataset.part(Split::Test);
    let params = DecisionTree::default();
    let options = FitOptions::default();
    let mut group = c.benchmark_group("models/decision_tree");
    group.sample_size(10);
    group.throughput(Throughput::Elements(train.n_rows() as u64));
    group.bench_function("fit", |b| b.iter(|| params.fit(train, None, &options).expect("fits")));
    let fitted = params.fit(train, None, &options).expect("fits");
    group.throughput(Throughput::Elements(test.n_rows() as u64));
    group.bench_function("predict", |b| b.iter(|| fitted.predict_proba(test.features).expect("predicts")));
    group.finish();
}

/// AdaBoost (SAMME) with its defaults: 50 stumps, learning rate 1.
fn adaboost(c: &mut Criterion) {
    let dataset = study_dataset();
    let train = dataset.part(Split::Train);
    let test = dataset.part(Split::Test);
    let params = AdaBoost::default();
    let options = FitOptions::default();
    let mut group = c.benchmark_group("models/adaboost");
    group.sample_size(10);
    group.throughput(Throughput::Elements(train.n_rows() as u64));
    group.bench_function("fit", |b| b.iter(|| params.fit(train, None, &options).expect("fits")));
    let fitted = params.fit(train, None, &options).expect("fits");
    group.throughput(Throughput::Elements(test.n_rows() as u64));
    group.bench_function("predict", |b| b.iter(|| fitted.predict_proba(test.features).expect("predicts")));
    group.finish();
}

/// Balanced bagging with its defaults: 10 fully grown trees, each on a
/// bootstrap sample under-sampled to balance.
fn balanced_bagging(c: &mut Criterion) {
    let dataset = study_dataset();
    let train = dataset.part(Split::Train);
    let test = dataset.part(Split::Test);
    let params = BalancedBagging::default();
    let options = FitOptions::default();
    let mut group = c.benchmark_group("models/balanced_bagging");
    group.sample_size(10);
    group.throughput(Throughput::Elements(train.n_rows() as u64));
    group.bench_function("fit", |b| b.iter(|| params.fit(train, None, &options).expect("fits")));
    let fitted = params.fit(train, None, &options).expect("fits");
    group.throughput(Throughput::Elements(test.n_rows() as u64));
    group.bench_function("predict", |b| b.iter(|| fitted.predict_proba(test.features).expect("predicts")));
    group.finish();
}

/// Gradient boosted trees with their defaults (LightGBM's: 100 trees, 31
/// leaves, learning rate 0.1, 255 bins), on the study-scale matrix; compare
/// with `python3 scripts/bench_reference_gbdt.py DIR` on the matrix written by
/// `cargo run --release -p overdue-benches --bin export-study-matrix -- DIR`.
///
/// With `OVERDUE_BENCH_1M=1`, also `fit_1m_invoices` / `predict_1m_invoices`
/// on a 1,000,000-invoice world (about 650k training rows; building it takes
/// a while, so it is off by default). Its reference matrix:
/// `export-study-matrix -- DIR --invoices 1000000`.
fn gradient_boosted_trees(c: &mut Criterion) {
    let dataset = study_dataset();
    let params = GradientBoostedTrees::default();
    let mut group = c.benchmark_group("models/gradient_boosted_trees");
    group.sample_size(10);
    gbdt_fit_predict(&mut group, &params, &dataset, "");
    if std::env::var_os("OVERDUE_BENCH_1M").is_some() {
        gbdt_fit_predict(&mut group, &params, &million_invoice_dataset(), "_1m_invoices");
    }
    group.finish();
}

fn gbdt_fit_predict(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    params: &GradientBoostedTrees,
    dataset: &Dataset,
    suffix: &str,
) {
    let train = dataset.part(Split::Train);
    let test = dataset.part(Split::Test);
    let options = FitOptions::default();
    group.throughput(Throughput::Elements(train.n_rows() as u64));
    group.bench_function(format!("fit{suffix}"), |b| b.iter(|| params.fit(train, None, &options).expect("fits")));
    let fitted = params.fit(train, None, &options).expect("fits");
    group.throughput(Throughput::Elements(test.n_rows() as u64));
    group.bench_function(format!("predict{suffix}"), |b| {
        b.iter(|| fitted.predict_proba(test.features).expect("predicts"))
    });
}

/// The w = 4 dataset of a 1,000,000-invoice receivables world.
fn million_invoice_dataset() -> Dataset {
    let world = ReceivablesWorld { invoices: 1_000_000, ..ReceivablesWorld::default() };
    let table = world.generate().expect("the world is valid");
    let features = ReceivablesFeatures::new(&[HistoryWindow::new(4).expect("valid window")]).expect("one window");
    features.build(&table, &SplitSpec::default()).expect("features build").remove(0).1
}

criterion_group!(
    benches,
    logistic_regression,
    gaussian_naive_bayes,
    k_nearest_neighbors,
    linear_svm,
    csfsol,
    decision_tree,
    adaboost,
    balanced_bagging,
    gradient_boosted_trees
);
criterion_main!(benches);
