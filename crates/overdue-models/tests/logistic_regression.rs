//! Logistic regression against scikit-learn fixtures, plus determinism, failure
//! modes and serde.
//!
//! The fixtures come from `scripts/make_logistic_fixtures.py` (scikit-learn
//! 1.9.1, `solver="newton-cholesky", tol=1e-10`, and `solver="saga",
//! tol=1e-12` for the L1 cases): every case must reproduce sklearn's test-set
//! probabilities within 1e-6 (absolute) and its accuracy and average precision
//! exactly, at the default `tol = 1e-8`. Measured worst differences: 3e-10
//! (L2, C=1), 3e-8 (balanced, C=0.01), 5e-10 (no penalty), 6e-10 (unscaled),
//! 1.2e-7 (custom weights, C=0.1), 4e-13 (both L1 cases, which also zero the
//! same coefficients); run with `--nocapture` to see them.

use crate::support::{
    BadInput, Flat, accuracy, assert_average_precision_matches_sklearns_example, assert_invalid_hyperparameters,
    assert_round_trips_through_json, assert_same_whatever_the_threads, average_precision, bits, data_file,
    large_training_set, read_json, rejects_edited, small_training,
};
use overdue_features::{MatrixView, Samples};
use overdue_models::{
    ClassWeight, Classifier, FitOptions, FittedClassifier, LogisticRegression, LogisticRegressionModel, ModelError,
    Penalty,
};
use serde::Deserialize;

/// Largest allowed absolute difference from sklearn's probabilities.
const PROBA_TOLERANCE: f64 = 1e-6;

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

fn data() -> Flat {
    data_file("logistic_data.json")
}

/// Fits one fixture case and compares it with sklearn; returns the largest
/// absolute probability difference.
fn check_case(name: &str) -> f64 {
    let case: Case = read_json(&format!("logistic_{name}.json"));
    assert!(case.warnings.is_empty(), "{name}: sklearn warned: {:?}", case.warnings);
    let data = data_file(&case.data);
    let params: LogisticRegression = serde_json::from_value(case.hyperparameters.clone()).unwrap();
    let model = params.fit_model(data.train()).unwrap();
    assert!(model.converged(), "{name}: did not converge in {} iterations", model.iterations());

    let proba = model.predict_proba(data.test()).unwrap();
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
    assert_average_precision_matches_sklearns_example();
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

/// The L1 penalty against scikit-learn's saga run to convergence: the same
/// probabilities, and the same coefficients set exactly to zero.
fn check_l1_case(name: &str) {
    check_case(name);
    let case: Case = read_json(&format!("logistic_{name}.json"));
    let data = data_file(&case.data);
    let params: LogisticRegression = serde_json::from_value(case.hyperparameters.clone()).unwrap();
    let model = params.fit_model(data.train()).unwrap();
    let zeros = |coefficients: &[f64]| coefficients.iter().map(|b| *b == 0.0).collect::<Vec<_>>();
    assert_eq!(zeros(model.coefficients()), zeros(&case.coefficients), "{name}: which coefficients are zero");
    assert!(zeros(model.coefficients()).iter().any(|z| *z), "{name}: the case should be sparse");
}

#[test]
fn matches_sklearn_l1_c0_01_standardized_with_the_same_zeros() {
    check_l1_case("l1_c0.01_standardized");
}

#[test]
fn matches_sklearn_l1_c0_01_balanced_with_the_same_zeros() {
    check_l1_case("l1_c0.01_balanced");
}

#[test]
fn fits_are_bit_identical_across_runs_and_thread_counts() {
    let data = data();
    let (values, labels) = large_training_set(&data, 12); // 24,000 rows: three chunks
    let train = Samples::new(MatrixView::new(&values, data.n_cols).unwrap(), &labels).unwrap();
    let params = LogisticRegression { class_weight: ClassWeight::Balanced, ..LogisticRegression::default() };
    assert_same_whatever_the_threads("fits", 4, || {
        let model = params.fit(train, None, &FitOptions::default()).unwrap();
        bits(&model.predict_proba(data.test()).unwrap())
    });
}

#[test]
fn ill_conditioned_unscaled_fits_converge() {
    let data = data();
    let (train, test) = (data.train(), data.test());
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
    let train = data.train();
    let params = LogisticRegression { max_iter: 1, ..LogisticRegression::default() };
    let model = params.fit_model(train).unwrap();
    assert!(!model.converged());
    assert_eq!(model.iterations(), 1);
    let proba = model.predict_proba(train.features()).unwrap();
    assert!(proba.iter().all(|p| p.is_finite() && (0.0..=1.0).contains(p)));
}

#[test]
fn original_scale_coefficients_give_the_same_probabilities() {
    let data = data();
    let train = data.train();
    let model = LogisticRegression::default().fit_model(train).unwrap();
    let (beta, b) = model.original_scale();
    let proba = model.predict_proba(train.features()).unwrap();
    for (row, p) in data.x_train.chunks_exact(data.n_cols).zip(&proba) {
        let z: f64 = b + row.iter().zip(&beta).map(|(&x, c)| f64::from(x) * c).sum::<f64>();
        assert!((1.0 / (1.0 + (-z).exp()) - p).abs() < 1e-9);
    }
}

#[test]
fn bad_input_gives_the_right_error() {
    BadInput {
        one_class_late: true,
        non_finite_training: vec![(2, 1, f32::NAN)],
        wide: vec![0.0; 6],
        non_finite_prediction: Some((vec![1.0, f32::INFINITY], 0, 1)),
    }
    .assert_rejected_by(&LogisticRegression::default());

    let (values, labels) = small_training();
    let train = Samples::new(MatrixView::new(&values, 2).unwrap(), &labels).unwrap();

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
    assert_invalid_hyperparameters(invalid, train, false);
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
            let proba = model.predict_proba(train.features()).unwrap();
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
    assert!(serde_json::from_str::<LogisticRegression>(r#"{"penalty": "elasticnet"}"#).is_err());
    assert!(serde_json::from_str::<LogisticRegression>(r#"{"class_weight": {"late": 2.0}}"#).is_err());
    assert!(
        serde_json::from_str::<LogisticRegression>(r#"{"class_weight": {"late": 2.0, "on_time": 1.0, "x": 1}}"#)
            .is_err()
    );
}

#[test]
fn fitted_model_round_trips_through_json() {
    let data = data();
    for standardize in [true, false] {
        let params = LogisticRegression { standardize, ..LogisticRegression::default() };
        let model = params.fit(data.train(), None, &FitOptions::default()).unwrap();
        let (json, _) = assert_round_trips_through_json::<LogisticRegressionModel>(model.as_ref(), data.test());
        assert!(json["converged"].as_bool().unwrap());
        assert!(json["iterations"].as_u64().unwrap() >= 1);
        assert_eq!(json["coefficients"].as_array().unwrap().len(), data.n_cols);
        assert!(json["intercept"].is_f64());
        assert_eq!(json["standardizer"].is_null(), !standardize);

        let rejects = |edit: &dyn Fn(&mut serde_json::Value)| rejects_edited::<LogisticRegressionModel>(&json, edit);
        assert!(rejects(&|j| j["extra"] = serde_json::json!(1)));
        let short = rejects(&|j| {
            j["coefficients"].as_array_mut().unwrap().pop();
        });
        assert_eq!(short, standardize);
    }
}
