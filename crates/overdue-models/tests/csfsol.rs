//! CSFSOL: the update rule worked by hand, determinism per seed, learning on an
//! imbalanced fixture, calibration bookkeeping, failure modes and serde.
//!
//! CSFSOL has no reference implementation (study 2 used its own unpublished
//! C++), so its rule is checked step by step on a hand-worked example and its
//! usefulness on `csfsol_imbalanced_data.json` (about 10% late, from
//! `scripts/make_linear_svm_fixtures.py`), which also records scikit-learn's
//! L1 `LinearSVC` average precision on the same rows for comparison.

use std::path::PathBuf;

use overdue_features::{MatrixView, Samples};
use overdue_models::{
    CalibratedOn, ClassWeight, Classifier, Csfsol, CsfsolModel, FitOptions, FittedClassifier, ModelError,
};
use serde::Deserialize;

#[derive(Deserialize)]
struct Data {
    feature_names: Vec<String>,
    x_train: Vec<Vec<f32>>,
    y_train: Vec<bool>,
    x_validation: Vec<Vec<f32>>,
    y_validation: Vec<bool>,
    x_test: Vec<Vec<f32>>,
    y_test: Vec<bool>,
    test_late_share: f64,
    linear_svc_test_average_precision: f64,
}

/// Flattened copies of the fixture's three parts.
struct Parts {
    n_cols: usize,
    x_train: Vec<f32>,
    y_train: Vec<bool>,
    x_validation: Vec<f32>,
    y_validation: Vec<bool>,
    x_test: Vec<f32>,
    y_test: Vec<bool>,
    test_late_share: f64,
    svc_average_precision: f64,
}

impl Parts {
    fn load() -> Self {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/csfsol_imbalanced_data.json");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        let data: Data = serde_json::from_str(&text).unwrap();
        Self {
            n_cols: data.feature_names.len(),
            x_train: data.x_train.concat(),
            y_train: data.y_train,
            x_validation: data.x_validation.concat(),
            y_validation: data.y_validation,
            x_test: data.x_test.concat(),
            y_test: data.y_test,
            test_late_share: data.test_late_share,
            svc_average_precision: data.linear_svc_test_average_precision,
        }
    }

    fn train(&self) -> Samples<'_> {
        Samples::new(MatrixView::new(&self.x_train, self.n_cols).unwrap(), &self.y_train).unwrap()
    }

    fn validation(&self) -> Samples<'_> {
        Samples::new(MatrixView::new(&self.x_validation, self.n_cols).unwrap(), &self.y_validation).unwrap()
    }

    fn test(&self) -> MatrixView<'_> {
        MatrixView::new(&self.x_test, self.n_cols).unwrap()
    }
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
        if order.get(k + 1).is_none_or(|&next| scores[next] != scores[i]) {
            let recall = tp / positives;
            ap += (recall - last_recall) * tp / (tp + fp);
            last_recall = recall;
        }
    }
    ap
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
    let parts = Parts::load();
    let model = Csfsol::default().fit_model(parts.train(), Some(parts.validation()), &FitOptions::default()).unwrap();
    let proba = model.predict_proba(parts.test()).unwrap();
    let ap = average_precision(&proba, &parts.y_test);
    let mean = proba.iter().sum::<f64>() / proba.len() as f64;
    let zeros = model.coefficients().iter().filter(|&&w| w == 0.0).count();
    println!(
        "CSFSOL defaults: AP {ap:.4} (late share {:.4}, LinearSVC {:.4}), mean probability {mean:.4}, {zeros} zero \
         coefficients, {} updates",
        parts.test_late_share,
        parts.svc_average_precision,
        model.updates()
    );
    assert!(ap > 2.0 * parts.test_late_share, "AP {ap} is not well above the late share {}", parts.test_late_share);
    assert!(ap > 0.8 * parts.svc_average_precision, "AP {ap} far below LinearSVC's {}", parts.svc_average_precision);
    assert!(proba.iter().all(|p| (0.0..=1.0).contains(p)));
    assert_eq!(model.calibrated_on(), CalibratedOn::Validation);
    // Calibrated on held-out rows, the mean probability is near the late share.
    assert!((mean - parts.test_late_share).abs() < 0.05, "mean probability {mean}");
}

#[test]
fn fits_are_deterministic_per_seed() {
    let parts = Parts::load();
    let params = Csfsol { epochs: 3, ..Csfsol::default() };
    let fit_with = |threads: usize, seed: u64, params: &Csfsol| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| {
            let model = params.fit(parts.train(), Some(parts.validation()), &FitOptions { seed }).unwrap();
            let proba: Vec<u64> = model.predict_proba(parts.test()).unwrap().iter().map(|p| p.to_bits()).collect();
            (model.to_json(), proba)
        })
    };
    let first = fit_with(2, 11, &params);
    assert_eq!(first, fit_with(2, 11, &params), "two fits with the same seed differ");
    assert_eq!(first, fit_with(1, 11, &params), "one thread differs from two");
    assert_eq!(first, fit_with(3, 11, &params), "three threads differ from two");
    assert_ne!(first.0["coefficients"], fit_with(2, 12, &params).0["coefficients"], "the seed sets the row order");

    // In time order the seed plays no part.
    let ordered = Csfsol { shuffle: false, ..params };
    assert_eq!(fit_with(2, 11, &ordered), fit_with(2, 12, &ordered));
}

#[test]
fn lambda_controls_sparsity() {
    let parts = Parts::load();
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

fn small_training() -> (Vec<f32>, Vec<bool>) {
    let values = vec![0.0, 1.0, 1.0, 0.5, 2.0, 0.0, 3.0, 2.5, 4.0, 1.0, 5.0, 3.0];
    let labels = vec![false, false, true, false, true, true];
    (values, labels)
}

#[test]
fn bad_input_gives_the_right_error() {
    let params = Csfsol::default();
    let options = FitOptions::default();

    let empty = Samples::new(MatrixView::new(&[], 3).unwrap(), &[]).unwrap();
    assert!(matches!(params.fit(empty, None, &options), Err(ModelError::Empty(_))));

    let (values, _) = small_training();
    let all_late = [true; 6];
    let one_class = Samples::new(MatrixView::new(&values, 2).unwrap(), &all_late).unwrap();
    assert!(matches!(params.fit(one_class, None, &options), Err(ModelError::OneClass { late: true })));

    let (mut values, labels) = small_training();
    values[4 * 2 + 1] = f32::NEG_INFINITY;
    let with_inf = Samples::new(MatrixView::new(&values, 2).unwrap(), &labels).unwrap();
    assert!(matches!(params.fit(with_inf, None, &options), Err(ModelError::NonFinite { row: 4, column: 1, .. })));

    let (values, labels) = small_training();
    let train = Samples::new(MatrixView::new(&values, 2).unwrap(), &labels).unwrap();
    let nan_values = [1.0, 2.0, 3.0, f32::NAN];
    let nan_labels = [true, false];
    let nan_validation = Samples::new(MatrixView::new(&nan_values, 2).unwrap(), &nan_labels).unwrap();
    assert!(matches!(
        params.fit(train, Some(nan_validation), &options),
        Err(ModelError::NonFinite { row: 1, column: 1, .. })
    ));
    let model = params.fit(train, None, &options).unwrap();
    let wide = [0.0_f32; 3];
    assert!(matches!(
        model.predict_proba(MatrixView::new(&wide, 3).unwrap()),
        Err(ModelError::WidthMismatch { expected: 2, got: 3 })
    ));
    assert_eq!(model.predict_proba(MatrixView::new(&[], 2).unwrap()).unwrap(), Vec::<f64>::new());

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
    for (params, field) in invalid {
        assert!(params.validate().is_err());
        match params.fit(train, None, &options) {
            Err(ModelError::InvalidHyperparameter { name, .. }) => assert_eq!(name, field),
            other => panic!("{params:?}: expected InvalidHyperparameter {field}, got {:?}", other.err()),
        }
    }
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
    let parts = Parts::load();
    for standardize in [true, false] {
        let params = Csfsol { standardize, eta: if standardize { 0.002 } else { 1e-6 }, ..Csfsol::default() };
        let model = params.fit(parts.train(), Some(parts.validation()), &FitOptions::default()).unwrap();
        let json = model.to_json();
        assert_eq!(json["coefficients"].as_array().unwrap().len(), parts.n_cols);
        assert_eq!(json["calibrated_on"], "validation");
        assert_eq!(json["standardizer"].is_null(), !standardize);

        let text = serde_json::to_string(&json).unwrap();
        let restored: CsfsolModel = serde_json::from_str(&text).unwrap();
        assert_eq!(restored.to_json(), json);
        let before: Vec<u64> = model.predict_proba(parts.test()).unwrap().iter().map(|p| p.to_bits()).collect();
        let after: Vec<u64> = restored.predict_proba(parts.test()).unwrap().iter().map(|p| p.to_bits()).collect();
        assert_eq!(before, after);

        let mut unknown = json.clone();
        unknown["epochs"] = serde_json::json!(1);
        assert!(serde_json::from_value::<CsfsolModel>(unknown).is_err());
        let mut missing = json.clone();
        missing.as_object_mut().unwrap().remove("platt");
        assert!(serde_json::from_value::<CsfsolModel>(missing).is_err());
        let mut short = json.clone();
        short["coefficients"].as_array_mut().unwrap().pop();
        assert_eq!(serde_json::from_value::<CsfsolModel>(short).is_err(), standardize);
    }
}
