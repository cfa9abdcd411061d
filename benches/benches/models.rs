//! Fit and predict of each model family on the study-scale matrix (w = 4).

use std::sync::OnceLock;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use overdue_benches::study_dataset;
use overdue_data::ReceivablesWorld;
use overdue_features::{Dataset, HistoryWindow, ReceivablesFeatures, Split, SplitSpec};
use overdue_models::{
    AdaBoost, BalancedBagging, ClassWeight, Classifier, Csfsol, DecisionTree, FitOptions, GaussianNaiveBayes,
    GradientBoostedTrees, KNearestNeighbors, LinearSvm, LogisticRegression, Penalty, RandomForest,
};

/// Benchmarks `models/<family>/fit` and `/predict` on the study-scale matrix
/// (w = 4; about 107k training and 22k test rows). `measurement_seconds`
/// lengthens criterion's window for the slow families.
fn bench_family(c: &mut Criterion, classifier: &dyn Classifier, sample_size: usize, measurement_seconds: Option<u64>) {
    let dataset = study();
    let mut group = c.benchmark_group(format!("models/{}", classifier.family()));
    group.sample_size(sample_size);
    if let Some(seconds) = measurement_seconds {
        group.measurement_time(std::time::Duration::from_secs(seconds));
    }
    fit_predict(&mut group, classifier, dataset, "");
    group.finish();
}

/// The study-scale dataset, built once for all groups.
fn study() -> &'static Dataset {
    static STUDY: OnceLock<Dataset> = OnceLock::new();
    STUDY.get_or_init(study_dataset)
}

fn fit_predict(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    classifier: &dyn Classifier,
    dataset: &Dataset,
    suffix: &str,
) {
    let train = dataset.part(Split::Train);
    let test = dataset.part(Split::Test);
    let options = FitOptions::default();
    group.throughput(Throughput::Elements(train.n_rows() as u64));
    group.bench_function(format!("fit{suffix}"), |b| b.iter(|| classifier.fit(train, None, &options).expect("fits")));
    let fitted = classifier.fit(train, None, &options).expect("fits");
    group.throughput(Throughput::Elements(test.n_rows() as u64));
    group.bench_function(format!("predict{suffix}"), |b| {
        b.iter(|| fitted.predict_proba(test.features()).expect("predicts"))
    });
}

/// The default (L2, C = 1, standardised) as `fit` / `predict`, and the L1
/// penalty at C = 0.1 as `fit_l1` / `predict_l1`; compare with
/// `python3 scripts/bench_reference_logistic.py DIR`.
fn logistic_regression(c: &mut Criterion) {
    let mut group = c.benchmark_group("models/logistic_regression");
    group.sample_size(10);
    fit_predict(&mut group, &LogisticRegression::default(), study(), "");
    let l1 = LogisticRegression { penalty: Penalty::L1, c: 0.1, ..LogisticRegression::default() };
    fit_predict(&mut group, &l1, study(), "_l1");
    group.finish();
}

fn gaussian_naive_bayes(c: &mut Criterion) {
    bench_family(c, &GaussianNaiveBayes::default(), 20, None);
}

/// k = 5, uniform weights, standardised: predicting is the expensive part (an
/// exact search of the ~107k training rows for each of the ~22k test rows).
fn k_nearest_neighbors(c: &mut Criterion) {
    bench_family(c, &KNearestNeighbors::default(), 10, Some(30));
}

/// After study 2's liblinear setting (`-c 0.1 -w-1 4 -w1 1`): C = 0.1, class
/// weights late 4 / on time 1, standardised. The fit includes Platt scaling on
/// the training decision values (no validation split is passed).
fn linear_svm(c: &mut Criterion) {
    let params =
        LinearSvm { c: 0.1, class_weight: ClassWeight::Custom { late: 4.0, on_time: 1.0 }, ..LinearSvm::default() };
    bench_family(c, &params, 10, None);
}

/// Default CSFSOL (one pass in a seeded random order, then Platt scaling on the
/// training decision values); throughput is training rows per second.
fn csfsol(c: &mut Criterion) {
    bench_family(c, &Csfsol::default(), 20, None);
}

/// Exact CART with its defaults: gini, grown until the leaves are pure.
fn decision_tree(c: &mut Criterion) {
    bench_family(c, &DecisionTree::default(), 10, None);
}

/// AdaBoost (SAMME) with its defaults: 50 stumps, learning rate 1.
fn adaboost(c: &mut Criterion) {
    bench_family(c, &AdaBoost::default(), 10, None);
}

/// Balanced bagging with its defaults: 10 fully grown trees, each on a
/// bootstrap sample under-sampled to balance.
fn balanced_bagging(c: &mut Criterion) {
    bench_family(c, &BalancedBagging::default(), 10, None);
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
    let params = GradientBoostedTrees::default();
    let mut group = c.benchmark_group("models/gradient_boosted_trees");
    group.sample_size(10);
    fit_predict(&mut group, &params, study(), "");
    if let Some(dataset) = million_invoice_dataset() {
        fit_predict(&mut group, &params, dataset, "_1m_invoices");
    }
    group.finish();
}

/// Random forest with its defaults (scikit-learn's: 100 fully grown trees,
/// sqrt of the features per node, bootstrap; 255 bins), and `_depth12` the
/// same with `max_depth = 12` (trees of about 4,000 nodes instead of 47,000,
/// for prediction speed on bounded trees); compare with
/// `python3 scripts/bench_reference_trees.py DIR --only random_forest,random_forest_depth12`
/// (scikit-learn with `n_jobs=2`).
///
/// With `OVERDUE_BENCH_1M=1`, also `fit_1m_invoices` / `predict_1m_invoices`
/// for the default forest (a fit takes about 40 s on two cores, so these
/// alone run for several minutes); compare with
/// `bench_reference_trees.py DIR --only random_forest` on the 1M matrix.
fn random_forest(c: &mut Criterion) {
    let mut group = c.benchmark_group("models/random_forest");
    group.sample_size(10);
    group.measurement_time(std::time::Duration::from_secs(60));
    fit_predict(&mut group, &RandomForest::default(), study(), "");
    let shallow = RandomForest { max_depth: Some(12), ..RandomForest::default() };
    fit_predict(&mut group, &shallow, study(), "_depth12");
    if let Some(dataset) = million_invoice_dataset() {
        fit_predict(&mut group, &RandomForest::default(), dataset, "_1m_invoices");
    }
    group.finish();
}

/// The w = 4 dataset of a 1,000,000-invoice receivables world, built once,
/// when `OVERDUE_BENCH_1M` is set (`None` otherwise).
fn million_invoice_dataset() -> Option<&'static Dataset> {
    static MILLION: OnceLock<Dataset> = OnceLock::new();
    std::env::var_os("OVERDUE_BENCH_1M")?;
    Some(MILLION.get_or_init(|| {
        let world = ReceivablesWorld { invoices: 1_000_000, ..ReceivablesWorld::default() };
        let table = world.generate().expect("the world is valid");
        let features = ReceivablesFeatures::new(&[HistoryWindow::new(4).expect("valid window")]).expect("one window");
        features.build(&table, &SplitSpec::default()).expect("features build").remove(0).1
    }))
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
    gradient_boosted_trees,
    random_forest
);
criterion_main!(benches);
