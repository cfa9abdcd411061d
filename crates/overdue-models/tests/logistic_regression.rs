//! Logistic regression against scikit-learn fixtures, plus determinism, failure
//! modes and serde.
//!
//! The fixtures come from `scripts/make_logistic_fixtures.py` (scikit-learn
//! 1.9.1, `solver="newton-cholesky", tol=1e-10`): every case must reproduce
//! sklearn's test-set probabilities within 1e-6 (absolute) and its accuracy
//! and average precision exactly, at the default `tol = 1e-8`. Measured worst
//! differences: 3e-10 (L2, C=1), 3e-8 (balanced, C=0.01), 5e-10 (no penalty),
//! 6e-10 (unscaled), 1.2e-7 (custom weights, C=0.1); run with `--nocapture` to
//! see them.

use std::path::PathBuf;

use overdue_features::{MatrixView, Samples};
use overdue_models::{
    ClassWeight, Classifier, FitOptions, FittedClassifier, LogisticRegression, LogisticRegressionModel, ModelError,
    Penalty,
};
use serde::Deserialize;

/// Largest allowed absolute difference from sklearn's probabilities.
const PROBA_TOLERANCE: f64 = 1e-6;

#[derive(Deserialize)]
struct Data {
    feature_names: Vec<String>,
    x_train: Vec<Vec<f32>>,
    y_train: Vec<bool>,
    x_test: Vec<Vec<f32>>,
    y_test: Vec<bool>,
}

impl Data {
    fn n_cols(&self) -> usize {
        self.feature_names.len()
    }

    fn flat(rows: &[Vec<f32>]) -> Vec<f32> {
        rows.concat()
    }
}

#[derive(Deserialize)]
struct Case {
    data: String,
    hyperparameters: serde_json::Value,
    coefficients: Vec<f64>,
    intercept: f64,
    test_proba: Vec<f64>,
    test_accuracy: f64,
    test_average_precision: f64,
    warnings: Vec<String>,
}

fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests").join("fixtures").join(name)
}

fn read_json<T: for<'de> Deserialize<'de>>(name: &str) -> T {
    let text = std::fs::read_to_string(fixture_path(name)).unwrap_or_else(|e| panic!("reading {name}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {name}: {e}"))
}

fn data() -> Data {
    read_json("logistic_data.json")
}

fn accuracy(proba: &[f64], labels: &[bool]) -> f64 {
    let correct = proba.iter().zip(labels).filter(|&(&p, &y)| (p >= 0.5) == y).count();
    correct as f64 / labels.len() as f64
}

/// Average precision as scikit-learn computes it: sum over distinct score
/// thresholds (highest first) of (recall gain) * precision.
fn average_precision(scores: &[f64], labels: &[bool]) -> f64 {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let positives = labels.iter().filter(|&&l| l).count() as f64;
    let (mut tp, mut fp, mut ap, mut last_recall) = (0.0, 0.0, 0.0, 0.0);
    for (k, &i) in order.iter().enumerate() {
        if labels[i] {
            tp += 1.0;
        } else {
            fp += 1.0;
        }
        let group_ends = order.get(k + 1).is_none_or(|&next| scores[next] != scores[i]);
        if group_ends {
            let recall = tp / positives;
            ap += (recall - last_recall) * tp / (tp + fp);
            last_recall = recall;
        }
    }
    ap
}

/// Fits one fixture case and compares it with sklearn; returns the largest
/// absolute probability difference.
fn check_case(name: &str) -> f64 {
    let case: Case = read_json(&format!("logistic_{name}.json"));
    assert!(case.warnings.is_empty(), "{name}: sklearn warned: {:?}", case.warnings);
    let data: Data = read_json(&case.data);
    let params: LogisticRegression = serde_json::from_value(case.hyperparameters.clone()).unwrap();
    let x_train = Data::flat(&data.x_train);
    let x_test = Data::flat(&data.x_test);
    let train = Samples::new(MatrixView::new(&x_train, data.n_cols()).unwrap(), &data.y_train).unwrap();
    let model = params.fit_model(train).unwrap();
    assert!(model.converged(), "{name}: did not converge in {} iterations", model.iterations());

    let proba = model.predict_proba(MatrixView::new(&x_test, data.n_cols()).unwrap()).unwrap();
    assert_eq!(proba.len(), case.test_proba.len());
    assert!(proba.iter().all(|p| (0.0..=1.0).contains(p)));
    let max_diff = proba.iter().zip(&case.test_proba).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
    let coef_diff = model
        .coefficients()
        .iter()
        .chain([&model.intercept()])
        .zip(case.coefficients.iter().chain([&case.intercept]))
        .map(|(a, b)| (a - b).abs() / b.abs().max(1.0))
        .fold(0.0, f64::max);
    println!(
        "{name}: iterations {}, max |proba - sklearn| = {max_diff:.3e}, max relative coefficient difference {coef_diff:.3e}",
        model.iterations()
    );
    assert!(max_diff <= PROBA_TOLERANCE, "{name}: probabilities differ from sklearn by up to {max_diff:e}");
    assert_eq!(accuracy(&proba, &data.y_test), case.test_accuracy, "{name}: accuracy");
    let ap = average_precision(&proba, &data.y_test);
    assert!((ap - case.test_average_precision).abs() <= 1e-9, "{name}: AP {ap} vs {}", case.test_average_precision);
    max_diff
}

#[test]
fn average_precision_helper_matches_sklearn_on_a_small_example() {
    // sklearn.metrics.average_precision_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.8333...
    let ap = average_precision(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true]);
    assert!((ap - 5.0 / 6.0).abs() < 1e-12, "{ap}");
}

#[test]
fn matches_sklearn_l2_c1_standardized() {
    check_case("l2_c1_standardized");
}

#[test]
fn matches_sklearn_l2_c0_01_balanced() {
    check_case("l2_c0.01_balanced");
}

#[test]
fn matches_sklearn_no_penalty() {
    check_case("no_penalty");
}

#[test]
fn matches_sklearn_l2_c1_unscaled_ill_conditioned() {
    check_case("l2_c1_unscaled");
}

#[test]
fn matches_sklearn_custom_weights_c0_1() {
    check_case("custom_weights_c0.1");
}

/// Features: the fixture rows, tiled with a small deterministic perturbation to
/// span several parallel chunks.
fn large_training_set(data: &Data, copies: usize) -> (Vec<f32>, Vec<bool>) {
    let mut values = Vec::new();
    let mut labels = Vec::new();
    for copy in 0..copies {
        for (i, (row, &y)) in data.x_train.iter().zip(&data.y_train).enumerate() {
            values.extend(row.iter().enumerate().map(|(j, &v)| {
                let jitter = ((copy * 31 + i * 7 + j * 3) % 17) as f32 / 17.0 - 0.5;
                v * (1.0 + 0.01 * jitter)
            }));
            labels.push(if (copy + i) % 13 == 0 { !y } else { y });
        }
    }
    (values, labels)
}

#[test]
fn fits_are_bit_identical_across_runs_and_thread_counts() {
    let data = data();
    let (values, labels) = large_training_set(&data, 12); // 24,000 rows: three chunks
    let train = Samples::new(MatrixView::new(&values, data.n_cols()).unwrap(), &labels).unwrap();
    let x_test = Data::flat(&data.x_test);
    let test = MatrixView::new(&x_test, data.n_cols()).unwrap();
    let params = LogisticRegression { class_weight: ClassWeight::Balanced, ..LogisticRegression::default() };

    let fit_with = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| {
            let model = params.fit(train, None, &FitOptions::default()).unwrap();
            let proba = model.predict_proba(test).unwrap();
            proba.iter().map(|p| p.to_bits()).collect::<Vec<u64>>()
        })
    };
    let first = fit_with(4);
    assert_eq!(first, fit_with(4), "two fits differ");
    assert_eq!(first, fit_with(1), "one thread differs from four");
    assert_eq!(first, fit_with(3), "three threads differ from four");
}

#[test]
fn ill_conditioned_unscaled_fits_converge() {
    let data = data();
    let x_train = Data::flat(&data.x_train);
    let train = Samples::new(MatrixView::new(&x_train, data.n_cols()).unwrap(), &data.y_train).unwrap();
    let x_test = Data::flat(&data.x_test);
    let test = MatrixView::new(&x_test, data.n_cols()).unwrap();

    for penalty in [Penalty::L2, Penalty::None] {
        let raw = LogisticRegression { penalty, standardize: false, ..LogisticRegression::default() };
        let model = raw.fit_model(train).unwrap();
        assert!(model.converged(), "{penalty:?}: not converged after {} iterations", model.iterations());
        assert!(model.iterations() < 30, "{penalty:?}: {} iterations", model.iterations());
        if penalty == Penalty::None {
            // Without a penalty the fit is invariant to affine rescaling of the
            // features: raw and standardised fits give the same probabilities.
            let scaled = LogisticRegression { standardize: true, ..raw.clone() }.fit_model(train).unwrap();
            let a = model.predict_proba(test).unwrap();
            let b = scaled.predict_proba(test).unwrap();
            let diff = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max);
            assert!(diff < 1e-8, "raw and standardised unpenalised fits differ by {diff:e}");
        }
    }
}

#[test]
fn hitting_max_iter_keeps_the_model_but_reports_it() {
    let data = data();
    let x_train = Data::flat(&data.x_train);
    let train = Samples::new(MatrixView::new(&x_train, data.n_cols()).unwrap(), &data.y_train).unwrap();
    let params = LogisticRegression { max_iter: 1, ..LogisticRegression::default() };
    let model = params.fit_model(train).unwrap();
    assert!(!model.converged());
    assert_eq!(model.iterations(), 1);
    let proba = model.predict_proba(train.features).unwrap();
    assert!(proba.iter().all(|p| p.is_finite() && (0.0..=1.0).contains(p)));
}

#[test]
fn original_scale_coefficients_give_the_same_probabilities() {
    let data = data();
    let x_train = Data::flat(&data.x_train);
    let train = Samples::new(MatrixView::new(&x_train, data.n_cols()).unwrap(), &data.y_train).unwrap();
    let model = LogisticRegression::default().fit_model(train).unwrap();
    let (beta, b) = model.original_scale();
    let proba = model.predict_proba(train.features).unwrap();
    for (row, p) in data.x_train.iter().zip(&proba) {
        let z: f64 = b + row.iter().zip(&beta).map(|(&x, c)| f64::from(x) * c).sum::<f64>();
        assert!((1.0 / (1.0 + (-z).exp()) - p).abs() < 1e-9);
    }
}

fn small_training() -> (Vec<f32>, Vec<bool>) {
    let values = vec![0.0, 1.0, 1.0, 0.5, 2.0, 0.0, 3.0, 2.5, 4.0, 1.0, 5.0, 3.0];
    let labels = vec![false, false, true, false, true, true];
    (values, labels)
}

#[test]
fn bad_input_gives_the_right_error() {
    let params = LogisticRegression::default();

    let empty = Samples::new(MatrixView::new(&[], 3).unwrap(), &[]).unwrap();
    assert!(matches!(params.fit(empty, None, &FitOptions::default()), Err(ModelError::Empty(_))));

    let (values, _) = small_training();
    let all_late = [true; 6];
    let one_class = Samples::new(MatrixView::new(&values, 2).unwrap(), &all_late).unwrap();
    assert!(matches!(params.fit(one_class, None, &FitOptions::default()), Err(ModelError::OneClass { late: true })));

    let (mut values, labels) = small_training();
    values[2 * 2 + 1] = f32::NAN;
    let with_nan = Samples::new(MatrixView::new(&values, 2).unwrap(), &labels).unwrap();
    match params.fit(with_nan, None, &FitOptions::default()) {
        Err(ModelError::NonFinite { row: 2, column: 1, value }) => assert!(value.is_nan()),
        other => panic!("expected NonFinite at row 2, column 1, got {:?}", other.err()),
    }

    let (values, labels) = small_training();
    let train = Samples::new(MatrixView::new(&values, 2).unwrap(), &labels).unwrap();
    let model = params.fit(train, None, &FitOptions::default()).unwrap();
    let wide = [0.0_f32; 6];
    assert!(matches!(
        model.predict_proba(MatrixView::new(&wide, 3).unwrap()),
        Err(ModelError::WidthMismatch { expected: 2, got: 3 })
    ));
    let inf = [1.0, f32::INFINITY];
    assert!(matches!(
        model.predict_proba(MatrixView::new(&inf, 2).unwrap()),
        Err(ModelError::NonFinite { row: 0, column: 1, .. })
    ));
    assert_eq!(model.predict_proba(MatrixView::new(&[], 2).unwrap()).unwrap(), Vec::<f64>::new());

    let invalid = [
        (LogisticRegression { c: 0.0, ..LogisticRegression::default() }, "c"),
        (LogisticRegression { c: -1.0, ..LogisticRegression::default() }, "c"),
        (LogisticRegression { c: f64::NAN, ..LogisticRegression::default() }, "c"),
        (LogisticRegression { c: f64::INFINITY, ..LogisticRegression::default() }, "c"),
        (LogisticRegression { tol: 0.0, ..LogisticRegression::default() }, "tol"),
        (LogisticRegression { max_iter: 0, ..LogisticRegression::default() }, "max_iter"),
        (
            LogisticRegression {
                class_weight: ClassWeight::Custom { late: -1.0, on_time: 1.0 },
                ..LogisticRegression::default()
            },
            "class_weight",
        ),
    ];
    for (params, field) in invalid {
        match params.fit(train, None, &FitOptions::default()) {
            Err(ModelError::InvalidHyperparameter { name, .. }) => assert_eq!(name, field),
            other => panic!("{params:?}: expected InvalidHyperparameter {field}, got {:?}", other.err()),
        }
    }
}

#[test]
fn separable_data_without_penalty_does_not_produce_nan() {
    // Perfectly separable: the unpenalised optimum is at infinity. The fit must
    // either stop with finite parameters or fail cleanly, never return NaN.
    let values = [0.0_f32, 1.0, 2.0, 3.0, 4.0, 5.0];
    let labels = [false, false, false, true, true, true];
    let train = Samples::new(MatrixView::new(&values, 1).unwrap(), &labels).unwrap();
    let params = LogisticRegression { penalty: Penalty::None, ..LogisticRegression::default() };
    match params.fit_model(train) {
        Ok(model) => {
            let proba = model.predict_proba(train.features).unwrap();
            assert!(proba.iter().all(|p| (0.0..=1.0).contains(p)), "{proba:?}");
        }
        Err(e) => assert!(matches!(e, ModelError::FitFailed(_)), "{e}"),
    }
}

#[test]
fn hyperparameters_round_trip_and_reject_unknown_fields() {
    let params = LogisticRegression {
        penalty: Penalty::None,
        c: 0.25,
        fit_intercept: false,
        class_weight: ClassWeight::Custom { late: 4.0, on_time: 1.0 },
        standardize: false,
        max_iter: 7,
        tol: 1e-6,
    };
    let json = serde_json::to_value(&params).unwrap();
    assert_eq!(json["penalty"], "none");
    assert_eq!(json["class_weight"], serde_json::json!({"late": 4.0, "on_time": 1.0}));
    assert_eq!(serde_json::from_value::<LogisticRegression>(json.clone()).unwrap(), params);
    assert_eq!(params.hyperparameters(), json);
    assert_eq!(params.family(), "logistic_regression");

    let partial: LogisticRegression = serde_json::from_str(r#"{"c": 0.5, "class_weight": "balanced"}"#).unwrap();
    assert_eq!(
        partial,
        LogisticRegression { c: 0.5, class_weight: ClassWeight::Balanced, ..LogisticRegression::default() }
    );
    let defaults: LogisticRegression = serde_json::from_str("{}").unwrap();
    assert_eq!(defaults, LogisticRegression::default());
    assert_eq!(defaults.penalty, Penalty::L2);
    assert_eq!(defaults.class_weight, ClassWeight::None);

    assert!(serde_json::from_str::<LogisticRegression>(r#"{"C": 1.0}"#).is_err());
    assert!(serde_json::from_str::<LogisticRegression>(r#"{"penalty": "l1"}"#).is_err());
    assert!(serde_json::from_str::<LogisticRegression>(r#"{"class_weight": {"late": 2.0}}"#).is_err());
    assert!(
        serde_json::from_str::<LogisticRegression>(r#"{"class_weight": {"late": 2.0, "on_time": 1.0, "x": 1}}"#)
            .is_err()
    );
}

#[test]
fn fitted_model_round_trips_through_json() {
    let data = data();
    let x_train = Data::flat(&data.x_train);
    let train = Samples::new(MatrixView::new(&x_train, data.n_cols()).unwrap(), &data.y_train).unwrap();
    let x_test = Data::flat(&data.x_test);
    let test = MatrixView::new(&x_test, data.n_cols()).unwrap();

    for standardize in [true, false] {
        let params = LogisticRegression { standardize, ..LogisticRegression::default() };
        let model = params.fit(train, None, &FitOptions::default()).unwrap();
        let json = model.to_json();
        assert!(json["converged"].as_bool().unwrap());
        assert!(json["iterations"].as_u64().unwrap() >= 1);
        assert_eq!(json["coefficients"].as_array().unwrap().len(), data.n_cols());
        assert!(json["intercept"].is_f64());
        assert_eq!(json["standardizer"].is_null(), !standardize);

        let text = serde_json::to_string(&json).unwrap();
        let restored: LogisticRegressionModel = serde_json::from_str(&text).unwrap();
        assert_eq!(restored.to_json(), json);
        let before: Vec<u64> = model.predict_proba(test).unwrap().iter().map(|p| p.to_bits()).collect();
        let after: Vec<u64> = restored.predict_proba(test).unwrap().iter().map(|p| p.to_bits()).collect();
        assert_eq!(before, after);

        let mut unknown = json.clone();
        unknown["extra"] = serde_json::json!(1);
        assert!(serde_json::from_value::<LogisticRegressionModel>(unknown).is_err());
        let mut short = json.clone();
        short["coefficients"].as_array_mut().unwrap().pop();
        assert_eq!(serde_json::from_value::<LogisticRegressionModel>(short).is_err(), standardize);
    }
}
