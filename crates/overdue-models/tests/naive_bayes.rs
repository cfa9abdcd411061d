//! Gaussian naive Bayes against scikit-learn fixtures, plus determinism, failure
//! modes and serde.
//!
//! The fixtures come from `scripts/make_nb_knn_fixtures.py` (scikit-learn 1.9.1,
//! `GaussianNB` on the float64 features). Every case must reproduce sklearn's
//! fitted means, variances, log priors and epsilon to 1e-12 (relative), and its
//! test-set probabilities of late to 1e-9 relative. Only where the joint
//! log-likelihoods themselves are huge (a row far outside a class whose variance
//! is just the smoothing epsilon, |jll| ~ 1e8) is the probability, for any f64
//! implementation, only known to about `eps * |jll|` relative, and the tolerance
//! grows accordingly. Measured worst relative differences: about 1e-15 on the
//! shared dataset; run with `--nocapture` to see them.

use crate::support::{
    BadInput, Flat, accuracy, assert_average_precision_matches_sklearns_example, assert_invalid_hyperparameters,
    assert_round_trips_through_json, assert_same_whatever_the_threads, average_precision, bits, data_file, read_json,
    rejects_edited, small_training,
};
use overdue_features::{MatrixView, Samples};
use overdue_models::{
    ClassModel, ClassPriors, Classifier, FitOptions, FittedClassifier, GaussianNaiveBayes, GaussianNaiveBayesModel,
    ModelError,
};
use serde::Deserialize;

/// Relative tolerance on probabilities (and on fitted parameters, 1e-12).
const PROBA_TOLERANCE: f64 = 1e-9;
const PARAMETER_TOLERANCE: f64 = 1e-12;

#[derive(Deserialize)]
struct Case {
    data: String,
    hyperparameters: serde_json::Value,
    epsilon: f64,
    on_time: ClassModel,
    late: ClassModel,
    test_proba: Vec<f64>,
    test_joint_log_likelihood: Vec<[f64; 2]>,
    test_accuracy: f64,
    test_average_precision: f64,
    warnings: Vec<String>,
}

fn shared_data() -> Flat {
    data_file("naive_bayes_knn_data.json")
}

fn relative_difference(a: f64, b: f64) -> f64 {
    if a == b { 0.0 } else { (a - b).abs() / b.abs().max(f64::MIN_POSITIVE) }
}

fn max_relative_difference(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(&x, &y)| relative_difference(x, y)).fold(0.0, f64::max)
}

/// Fits one fixture case and compares it with sklearn; returns the largest
/// relative probability difference.
fn check_case(name: &str) -> f64 {
    let case: Case = read_json(&format!("naive_bayes_{name}.json"));
    assert!(case.warnings.is_empty(), "{name}: sklearn warned: {:?}", case.warnings);
    let data = data_file(&case.data);
    let params: GaussianNaiveBayes = serde_json::from_value(case.hyperparameters.clone()).unwrap();
    let model = params.fit_model(data.train()).unwrap();

    let mut parameter_diff = relative_difference(model.epsilon(), case.epsilon);
    for (ours, theirs) in [(model.on_time(), &case.on_time), (model.late(), &case.late)] {
        parameter_diff = parameter_diff
            .max(relative_difference(ours.log_prior, theirs.log_prior))
            .max(max_relative_difference(&ours.means, &theirs.means))
            .max(max_relative_difference(&ours.variances, &theirs.variances));
    }
    assert!(parameter_diff <= PARAMETER_TOLERANCE, "{name}: fitted parameters differ by {parameter_diff:e}");

    let proba = model.predict_proba(data.test()).unwrap();
    assert_eq!(proba.len(), case.test_proba.len());
    let mut worst = 0.0_f64;
    for (i, ((&p, &q), jll)) in proba.iter().zip(&case.test_proba).zip(&case.test_joint_log_likelihood).enumerate() {
        assert!((0.0..=1.0).contains(&p), "{name}: row {i}: probability {p}");
        // f64 knows each joint log-likelihood to about eps * |jll|; that error
        // moves the probability by the same relative amount.
        let conditioning = 8.0 * f64::EPSILON * jll[0].abs().max(jll[1].abs());
        let tolerance = q * (PROBA_TOLERANCE + conditioning);
        assert!((p - q).abs() <= tolerance, "{name}: row {i}: {p} vs sklearn {q}");
        worst = worst.max(relative_difference(p, q));
    }
    println!(
        "{name}: max relative parameter difference {parameter_diff:.2e}, max relative proba difference {worst:.2e}"
    );
    assert_eq!(accuracy(&proba, &data.y_test), case.test_accuracy, "{name}: accuracy");
    let ap = average_precision(&proba, &data.y_test);
    assert!((ap - case.test_average_precision).abs() <= 1e-9, "{name}: AP {ap} vs {}", case.test_average_precision);
    worst
}

#[test]
fn average_precision_helper_matches_sklearn_on_a_small_example() {
    assert_average_precision_matches_sklearns_example();
}

#[test]
fn matches_sklearn_with_default_smoothing() {
    assert!(check_case("default") <= PROBA_TOLERANCE);
}

#[test]
fn matches_sklearn_with_explicit_priors() {
    assert!(check_case("priors") <= PROBA_TOLERANCE);
}

#[test]
fn matches_sklearn_with_heavy_smoothing() {
    assert!(check_case("smoothing_0.01") <= PROBA_TOLERANCE);
}

#[test]
fn matches_sklearn_on_constant_columns_and_far_rows() {
    // A column constant everywhere, one constant within the late class, rows
    // whose densities underflow in linear space: sklearn gives exact 0s and
    // near-1s, and so must we (no 0/0).
    check_case("degenerate");
}

#[test]
fn predictions_are_bit_identical_across_runs_and_thread_counts() {
    let data = shared_data();
    // Tile the training rows to span several parallel chunks when predicting.
    let x_test = data.x_test.repeat(8);
    let test = MatrixView::new(&x_test, data.n_cols).unwrap();
    assert_same_whatever_the_threads("predictions", 4, || {
        let model = GaussianNaiveBayes::default().fit(data.train(), None, &FitOptions::default()).unwrap();
        bits(&model.predict_proba(test).unwrap())
    });
}

#[test]
fn extreme_rows_get_finite_probabilities() {
    let values = [0.0_f32, 1.0, 1.0, 0.0, 2.0, 1.0, 3.0, 0.0, 4.0, 1.0, 5.0, 0.5];
    let labels = [false, false, true, true, true, false];
    let train = Samples::new(MatrixView::new(&values, 2).unwrap(), &labels).unwrap();
    let model = GaussianNaiveBayes::default().fit(train, None, &FitOptions::default()).unwrap();
    let extreme = [f32::MAX, f32::MAX, -f32::MAX, 0.0, 1e20, -1e20, 2.5, 0.5];
    let proba = model.predict_proba(MatrixView::new(&extreme, 2).unwrap()).unwrap();
    assert!(proba.iter().all(|p| p.is_finite() && (0.0..=1.0).contains(p)), "{proba:?}");
}

#[test]
fn bad_input_gives_the_right_error() {
    BadInput {
        one_class_late: false,
        non_finite_training: vec![(3, 0, f32::NAN)],
        wide: vec![0.0; 6],
        non_finite_prediction: Some((vec![1.0, 2.0, f32::NEG_INFINITY, 0.0], 1, 0)),
    }
    .assert_rejected_by(&GaussianNaiveBayes::default());

    let (values, labels) = small_training();
    let train = Samples::new(MatrixView::new(&values, 2).unwrap(), &labels).unwrap();

    let priors =
        |late, on_time| GaussianNaiveBayes { priors: Some(ClassPriors { late, on_time }), ..Default::default() };
    let invalid = [
        (GaussianNaiveBayes { var_smoothing: -1e-9, ..Default::default() }, "var_smoothing"),
        (GaussianNaiveBayes { var_smoothing: f64::NAN, ..Default::default() }, "var_smoothing"),
        (GaussianNaiveBayes { var_smoothing: f64::INFINITY, ..Default::default() }, "var_smoothing"),
        (priors(0.5, 0.6), "priors"),
        (priors(-0.1, 1.1), "priors"),
        (priors(0.0, 1.0), "priors"),
        (priors(f64::NAN, 1.0), "priors"),
    ];
    assert_invalid_hyperparameters(invalid, train, true);
    // Within scikit-learn's tolerance the priors are accepted as given.
    priors(0.3, 0.700001).fit(train, None, &FitOptions::default()).unwrap();
}

#[test]
fn zero_variance_without_smoothing_is_a_clear_error() {
    // The second column is constant within the late class; with no smoothing its
    // variance stays 0 and the density would divide by zero.
    let values = [0.0_f32, 1.0, 1.0, 5.0, 2.0, 1.0, 3.0, 7.0, 4.0, 1.0];
    let labels = [true, false, true, false, true];
    let train = Samples::new(MatrixView::new(&values, 2).unwrap(), &labels).unwrap();
    let unsmoothed = GaussianNaiveBayes { var_smoothing: 0.0, ..Default::default() };
    match unsmoothed.fit(train, None, &FitOptions::default()) {
        Err(ModelError::FitFailed(reason)) => assert!(reason.contains("feature 1") && reason.contains("late")),
        other => panic!("expected FitFailed, got {:?}", other.err()),
    }
    // The default smoothing makes the same data fit.
    let model = GaussianNaiveBayes::default().fit(train, None, &FitOptions::default()).unwrap();
    let proba = model.predict_proba(train.features()).unwrap();
    assert!(proba.iter().all(|p| p.is_finite()));
}

#[test]
fn hyperparameters_round_trip_and_reject_unknown_fields() {
    let params = GaussianNaiveBayes { var_smoothing: 1e-6, priors: Some(ClassPriors { late: 0.4, on_time: 0.6 }) };
    let json = serde_json::to_value(&params).unwrap();
    assert_eq!(json, serde_json::json!({"var_smoothing": 1e-6, "priors": {"late": 0.4, "on_time": 0.6}}));
    assert_eq!(serde_json::from_value::<GaussianNaiveBayes>(json.clone()).unwrap(), params);
    assert_eq!(params.hyperparameters(), json);
    assert_eq!(params.family(), "gaussian_naive_bayes");

    let defaults: GaussianNaiveBayes = serde_json::from_str("{}").unwrap();
    assert_eq!(defaults, GaussianNaiveBayes::default());
    assert_eq!(defaults.var_smoothing, 1e-9);
    assert_eq!(defaults.priors, None);
    assert_eq!(serde_json::to_value(&defaults).unwrap()["priors"], serde_json::Value::Null);

    assert!(serde_json::from_str::<GaussianNaiveBayes>(r#"{"smoothing": 1e-9}"#).is_err());
    assert!(serde_json::from_str::<GaussianNaiveBayes>(r#"{"priors": [0.5, 0.5]}"#).is_err());
    assert!(serde_json::from_str::<GaussianNaiveBayes>(r#"{"priors": {"late": 0.5}}"#).is_err());
    assert!(
        serde_json::from_str::<GaussianNaiveBayes>(r#"{"priors": {"late": 0.5, "on_time": 0.5, "x": 0}}"#).is_err()
    );
}

#[test]
fn fitted_model_round_trips_through_json() {
    let data = shared_data();
    let model = GaussianNaiveBayes::default().fit(data.train(), None, &FitOptions::default()).unwrap();
    let (json, _) = assert_round_trips_through_json::<GaussianNaiveBayesModel>(model.as_ref(), data.test());
    assert!(json["epsilon"].as_f64().unwrap() > 0.0);
    for class in ["on_time", "late"] {
        assert!(json[class]["log_prior"].as_f64().unwrap() < 0.0);
        assert_eq!(json[class]["means"].as_array().unwrap().len(), data.n_cols);
        assert_eq!(json[class]["variances"].as_array().unwrap().len(), data.n_cols);
    }

    let rejects = |edit: &dyn Fn(&mut serde_json::Value)| rejects_edited::<GaussianNaiveBayesModel>(&json, edit);
    assert!(rejects(&|j| j["extra"] = serde_json::json!(1)));
    assert!(rejects(&|j| {
        j["late"]["means"].as_array_mut().unwrap().pop();
    }));
    assert!(rejects(&|j| j["on_time"]["variances"][0] = serde_json::json!(0.0)));
}
