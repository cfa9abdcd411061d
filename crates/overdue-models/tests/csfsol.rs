//! CSFSOL: the update rule worked by hand, determinism per seed, learning on an
//! imbalanced fixture, calibration bookkeeping, failure modes and serde.
//!
//! CSFSOL has no reference implementation (study 2 used its own unpublished
//! C++), so its rule is checked step by step on a hand-worked example and its
//! usefulness on `csfsol_imbalanced_data.json` (about 10% late, from
//! `scripts/make_linear_svm_fixtures.py`), which also records scikit-learn's
//! L1 `LinearSVC` average precision on the same rows for comparison.

use crate::support::{
    BadInput, Flat, assert_invalid_hyperparameters, assert_round_trips_through_json, assert_same_whatever_the_threads,
    average_precision, bits, data_file, read_json, rejects_edited, small_training, with_threads,
};
use overdue_features::{MatrixView, Samples};
use overdue_models::{
    CalibratedOn, ClassWeight, Classifier, Csfsol, CsfsolModel, FitOptions, FittedClassifier, ModelError,
};
use serde::Deserialize;

const DATA: &str = "csfsol_imbalanced_data.json";

/// The references the data fixture records besides its rows.
#[derive(Deserialize)]
struct Reference {
    test_late_share: f64,
    linear_svc_test_average_precision: f64,
}

/// The fixture's training, validation and test rows.
fn parts() -> Flat {
    data_file(DATA)
}

fn assert_close(actual: &[f64], expected: &[f64], what: &str) {
    assert_eq!(actual.len(), expected.len(), "{what}");
    for (a, e) in actual.iter().zip(expected) {
        assert!((a - e).abs() < 1e-12, "{what}: {actual:?} vs {expected:?}");
    }
}

/// Four rows, two features, raw (unstandardised), in time order.
const HAND_ROWS: [([f64; 2], bool); 4] =
    [([1.0, 2.0], true), ([2.0, -1.0], false), ([1.0, 1.0], true), ([0.0, 0.5], true)];

fn hand_params() -> Csfsol {
    Csfsol {
        eta: 0.5,
        lambda: 0.2,
        class_weight: ClassWeight::Custom { late: 0.9, on_time: 0.1 },
        epochs: 1,
        shuffle: false,
        fit_intercept: true,
        standardize: false,
    }
}

#[test]
fn the_update_rule_worked_by_hand() {
    // eta = 0.5, lambda = 0.2: every step shrinks each weight by eta * lambda = 0.1.
    // Costs: late 0.9, on time 0.1, so an active step moves by 0.45 (late) or
    // 0.05 (on time) times y x.
    let params = hand_params();
    let costs = [0.1, 0.9];
    let mut w = [0.0, 0.0];
    let mut b = 0.0;
    // Expected (w1, w2, b, hinge active) after each row:
    // 1. late (1, 2): z = 0 < 1, active: w = (0.45, 0.9), b = 0.45; shrink -> (0.35, 0.8).
    // 2. on time (2, -1): z = 0.7 - 0.8 + 0.45 = 0.35, y z = -0.35 < 1, active:
    //    w = (0.35 - 0.1, 0.8 + 0.05) = (0.25, 0.85), b = 0.4; shrink -> (0.15, 0.75).
    // 3. late (1, 1): z = 0.15 + 0.75 + 0.4 = 1.3 >= 1, inactive; shrink -> (0.05, 0.65).
    // 4. late (0, 0.5): z = 0.325 + 0.4 = 0.725, right side but inside the margin,
    //    active: w = (0.05, 0.65 + 0.225) = (0.05, 0.875), b = 0.85; shrink ->
    //    (0, 0.775): the first weight is truncated to exactly zero.
    let expected =
        [([0.35, 0.8], 0.45, true), ([0.15, 0.75], 0.4, true), ([0.05, 0.65], 0.4, false), ([0.0, 0.775], 0.85, true)];
    for (step, ((x, late), (w_expected, b_expected, active))) in HAND_ROWS.iter().zip(expected).enumerate() {
        let was_active = params.step(costs, x, *late, &mut w, &mut b);
        assert_eq!(was_active, active, "step {}", step + 1);
        assert_close(&w, &w_expected, &format!("weights after step {}", step + 1));
        assert!((b - b_expected).abs() < 1e-12, "intercept after step {}: {b}", step + 1);
    }
    assert_eq!(w[0], 0.0, "truncation gives an exact zero");

    // Without an intercept the bias never moves; with lambda = 0 nothing is shrunk.
    let plain = Csfsol { fit_intercept: false, lambda: 0.0, ..hand_params() };
    let (mut w, mut b) = ([0.0, 0.0], 0.0);
    assert!(plain.step(costs, &[1.0, 2.0], true, &mut w, &mut b));
    assert_close(&w, &[0.45, 0.9], "no shrinkage");
    assert_eq!(b, 0.0);

    // fit_model on the same rows in time order, one pass, performs the same steps.
    let values: Vec<f32> = HAND_ROWS.iter().flat_map(|(x, _)| x.map(|v| v as f32)).collect();
    let labels: Vec<bool> = HAND_ROWS.iter().map(|&(_, late)| late).collect();
    let train = Samples::new(MatrixView::new(&values, 2).unwrap(), &labels).unwrap();
    let model = params.fit_model(train, None, &FitOptions { seed: 99 }).unwrap();
    assert_close(model.coefficients(), &[0.0, 0.775], "fitted weights");
    assert!((model.intercept() - 0.85).abs() < 1e-12);
    assert_eq!(model.updates(), 3);
    assert_eq!(model.calibrated_on(), CalibratedOn::Train);
}

#[test]
fn learns_on_imbalanced_data() {
    let parts = parts();
    let model = Csfsol::default().fit_model(parts.train(), Some(parts.validation()), &FitOptions::default()).unwrap();
    let proba = model.predict_proba(parts.test()).unwrap();
    let reference: Reference = read_json(DATA);
    let (late_share, svc_ap) = (reference.test_late_share, reference.linear_svc_test_average_precision);
    let ap = average_precision(&proba, &parts.y_test);
    let mean = proba.iter().sum::<f64>() / proba.len() as f64;
    let zeros = model.coefficients().iter().filter(|&&w| w == 0.0).count();
    println!(
        "CSFSOL defaults: AP {ap:.4} (late share {late_share:.4}, LinearSVC {svc_ap:.4}), mean probability \
         {mean:.4}, {zeros} zero coefficients, {} updates",
        model.updates()
    );
    assert!(ap > 2.0 * late_share, "AP {ap} is not well above the late share {late_share}");
    assert!(ap > 0.8 * svc_ap, "AP {ap} far below LinearSVC's {svc_ap}");
    assert!(proba.iter().all(|p| (0.0..=1.0).contains(p)));
    assert_eq!(model.calibrated_on(), CalibratedOn::Validation);
    // Calibrated on held-out rows, the mean probability is near the late share.
    assert!((mean - late_share).abs() < 0.05, "mean probability {mean}");
}

#[test]
fn fits_are_deterministic_per_seed() {
    let parts = parts();
    let params = Csfsol { epochs: 3, ..Csfsol::default() };
    let fit_with = |seed: u64, params: &Csfsol| {
        let model = params.fit(parts.train(), Some(parts.validation()), &FitOptions { seed }).unwrap();
        (model.to_json(), bits(&model.predict_proba(parts.test()).unwrap()))
    };
    let first = assert_same_whatever_the_threads("fits with the same seed", 2, || fit_with(11, &params));
    let other_seed = with_threads(2, || fit_with(12, &params));
    assert_ne!(first.0["coefficients"], other_seed.0["coefficients"], "the seed sets the row order");

    // In time order the seed plays no part.
    let ordered = Csfsol { shuffle: false, ..params };
    assert_eq!(with_threads(2, || fit_with(11, &ordered)), with_threads(2, || fit_with(12, &ordered)));
}

#[test]
fn lambda_controls_sparsity() {
    let parts = parts();
    let options = FitOptions::default();
    let zeros = |lambda: f64| {
        let model = Csfsol { lambda, ..Csfsol::default() }.fit_model(parts.train(), None, &options).unwrap();
        (model.coefficients().iter().filter(|&&w| w == 0.0).count(), model)
    };
    let (dense, _) = zeros(0.0);
    assert_eq!(dense, 0, "without lambda no coefficient is exactly zero");
    // When one step's shrinkage eta * lambda exceeds what one gradient step can
    // add (eta * cost * |x|), every weight is back at zero after every step.
    let (all, model) = zeros(1e6);
    assert_eq!(all, parts.n_cols);
    let proba = model.predict_proba(parts.test()).unwrap();
    assert!(proba.iter().all(|&p| p == proba[0] && p.is_finite()), "a zero model predicts one probability");
}

#[test]
fn bad_input_gives_the_right_error() {
    let params = Csfsol::default();
    BadInput {
        one_class_late: true,
        non_finite_training: vec![(4, 1, f32::NEG_INFINITY)],
        wide: vec![0.0; 3],
        non_finite_prediction: None,
    }
    .assert_rejected_by(&params);

    // Validation rows are checked too.
    let (values, labels) = small_training();
    let train = Samples::new(MatrixView::new(&values, 2).unwrap(), &labels).unwrap();
    let nan_values = [1.0, 2.0, 3.0, f32::NAN];
    let nan_labels = [true, false];
    let nan_validation = Samples::new(MatrixView::new(&nan_values, 2).unwrap(), &nan_labels).unwrap();
    assert!(matches!(
        params.fit(train, Some(nan_validation), &FitOptions::default()),
        Err(ModelError::NonFinite { row: 1, column: 1, .. })
    ));

    let invalid = [
        (Csfsol { eta: 0.0, ..Csfsol::default() }, "eta"),
        (Csfsol { eta: -0.5, ..Csfsol::default() }, "eta"),
        (Csfsol { eta: f64::NAN, ..Csfsol::default() }, "eta"),
        (Csfsol { lambda: -1e-9, ..Csfsol::default() }, "lambda"),
        (Csfsol { lambda: f64::INFINITY, ..Csfsol::default() }, "lambda"),
        (Csfsol { epochs: 0, ..Csfsol::default() }, "epochs"),
        (
            Csfsol { class_weight: ClassWeight::Custom { late: 1.0, on_time: -0.1 }, ..Csfsol::default() },
            "class_weight",
        ),
    ];
    assert_invalid_hyperparameters(invalid, train, true);
}

#[test]
fn hyperparameters_round_trip_and_reject_unknown_fields() {
    let params = Csfsol {
        eta: 0.25,
        lambda: 0.09,
        class_weight: ClassWeight::Balanced,
        epochs: 4,
        shuffle: false,
        fit_intercept: false,
        standardize: false,
    };
    let json = serde_json::to_value(&params).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"eta": 0.25, "lambda": 0.09, "class_weight": "balanced", "epochs": 4, "shuffle": false,
                           "fit_intercept": false, "standardize": false})
    );
    assert_eq!(serde_json::from_value::<Csfsol>(json.clone()).unwrap(), params);
    assert_eq!(params.hyperparameters(), json);
    assert_eq!(params.family(), "csfsol");

    let defaults: Csfsol = serde_json::from_str("{}").unwrap();
    assert_eq!(defaults, Csfsol::default());
    assert_eq!(defaults.class_weight, ClassWeight::Balanced);
    assert_eq!((defaults.eta, defaults.lambda), (0.002, 0.001));
    assert_eq!((defaults.epochs, defaults.shuffle, defaults.standardize), (1, true, true));

    assert!(serde_json::from_str::<Csfsol>(r#"{"learning_rate": 0.1}"#).is_err());
    assert!(serde_json::from_str::<Csfsol>(r#"{"cost_late": 0.9}"#).is_err());
}

#[test]
fn fitted_model_round_trips_through_json() {
    let parts = parts();
    for standardize in [true, false] {
        let params = Csfsol { standardize, eta: if standardize { 0.002 } else { 1e-6 }, ..Csfsol::default() };
        let model = params.fit(parts.train(), Some(parts.validation()), &FitOptions::default()).unwrap();
        let (json, _) = assert_round_trips_through_json::<CsfsolModel>(model.as_ref(), parts.test());
        assert_eq!(json["coefficients"].as_array().unwrap().len(), parts.n_cols);
        assert_eq!(json["calibrated_on"], "validation");
        assert_eq!(json["standardizer"].is_null(), !standardize);

        let rejects = |edit: &dyn Fn(&mut serde_json::Value)| rejects_edited::<CsfsolModel>(&json, edit);
        assert!(rejects(&|j| j["epochs"] = serde_json::json!(1)));
        assert!(rejects(&|j| {
            j.as_object_mut().unwrap().remove("platt");
        }));
        let short = rejects(&|j| {
            j["coefficients"].as_array_mut().unwrap().pop();
        });
        assert_eq!(short, standardize);
    }
}
