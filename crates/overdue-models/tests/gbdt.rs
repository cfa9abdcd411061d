//! Gradient boosted trees against LightGBM fixtures, plus determinism, early
//! stopping, failure modes and serde.
//!
//! The fixtures come from `scripts/make_gbdt_fixtures.py` (LightGBM 4.7.0 with
//! matched hyperparameters on seeded invoice-like data with missing values):
//! on every case the Rust model must grow LightGBM's first tree (same splits,
//! thresholds, gains, leaf values and counts), reach LightGBM's test AUPRC
//! within 0.01 and its accuracy within one point, and predict within 0.01 of
//! LightGBM's probabilities on average. Both follow LightGBM's rules:
//! `min_data_in_leaf` is checked against counts estimated from hessians
//! (`round(h * n / H)`, with LightGBM's signed rests and its bin-0 rule), and a
//! feature none of whose cuts was allowed or gained more than `min_split_gain`
//! in a node is not searched below it. Run with `--nocapture` to see the
//! differences.

use crate::support::{
    BadInput, Flat, accuracy, assert_average_precision_matches_sklearns_example, assert_invalid_hyperparameters,
    assert_round_trips_through_json, assert_same_whatever_the_threads, average_precision, bits, data_file,
    large_training_set, read_json, rejects_edited, small_training, with_threads,
};
use overdue_features::{MatrixView, Samples};
use overdue_models::tree::Growth;
use overdue_models::{
    Classifier, FitOptions, FittedClassifier, GradientBoostedTrees, GradientBoostedTreesModel, ModelError,
};
use serde::Deserialize;

const AUPRC_TOLERANCE: f64 = 0.01;
const ACCURACY_TOLERANCE: f64 = 0.01;
/// Largest mean |p - p_LightGBM| over the test rows (the cases measure
/// 0.0000 to 0.0046; a rule of LightGBM's missed shows as 0.04 or more).
const MEAN_PROBA_TOLERANCE: f64 = 0.01;

/// LightGBM's first tree, in the Rust layout.
#[derive(Deserialize)]
struct FirstTree {
    split_feature: Vec<u32>,
    threshold: Vec<f64>,
    default_left: Vec<bool>,
    split_gain: Vec<f64>,
    leaf_value: Vec<f64>,
    leaf_count: Vec<u32>,
}

#[derive(Deserialize)]
struct Case {
    data: String,
    hyperparameters: serde_json::Value,
    trees: usize,
    init_score: f64,
    first_tree: FirstTree,
    test_proba: Vec<f64>,
    test_accuracy: f64,
    test_auprc: f64,
}

fn data() -> Flat {
    data_file("gbdt_data.json")
}

fn mean_log_loss(proba: &[f64], labels: &[bool]) -> f64 {
    let total: f64 = proba.iter().zip(labels).map(|(&p, &y)| -(if y { p } else { 1.0 - p }).ln()).sum();
    total / labels.len() as f64
}

/// Checks that the model's first tree is LightGBM's: same splits in the same
/// order, thresholds (LightGBM's are the f64 just above the midpoint, ours the
/// f32 at or below it), gains (LightGBM prints them as f32), leaf values and
/// counts. Missing directions are compared where the node had training rows
/// with a missing value (elsewhere both sides of LightGBM's tie are equal up
/// to rounding, and for features never missing LightGBM reads NaN as 0).
fn assert_first_tree_is_lightgbms(name: &str, model: &GradientBoostedTreesModel, case: &Case, data: &Flat) {
    let ours = &model.trees()[0];
    let theirs = &case.first_tree;
    assert!((model.init_score() - case.init_score).abs() < 1e-12, "{name}: starting score");
    assert_eq!(ours.split_features(), theirs.split_feature, "{name}: split features");
    assert_eq!(ours.leaf_counts(), theirs.leaf_count, "{name}: leaf counts");
    for (i, (&a, &b)) in ours.thresholds().iter().zip(&theirs.threshold).enumerate() {
        assert!((f64::from(a) - b).abs() <= 1e-6 * b.abs().max(1e-30), "{name}: threshold {i}: {a} vs {b}");
    }
    for (i, (&a, &b)) in ours.split_gains().iter().zip(&theirs.split_gain).enumerate() {
        assert!((a - b).abs() <= 1e-5 * b.abs().max(1.0), "{name}: gain {i}: {a} vs {b}");
    }
    for (i, (&a, &b)) in ours.leaf_values().iter().zip(&theirs.leaf_value).enumerate() {
        assert!((a - b).abs() <= 1e-9, "{name}: leaf value {i}: {a} vs {b}");
    }
    let mut saw_missing = vec![false; ours.n_splits()];
    for row in data.x_train.chunks(data.n_cols) {
        let mut node = 0;
        while node < ours.n_splits() {
            let x = row[ours.split_features()[node] as usize];
            saw_missing[node] |= x.is_nan();
            let left = x <= ours.thresholds()[node] || (x.is_nan() && ours.default_left()[node]);
            let (l, r) = ours.children(node);
            let next = if left { l } else { r };
            node = if next < 0 { usize::MAX } else { next as usize };
        }
    }
    for (i, (&a, &b)) in ours.default_left().iter().zip(&theirs.default_left).enumerate() {
        if saw_missing[i] {
            assert_eq!(a, b, "{name}: missing direction of split {i}");
        }
    }
}

/// Fits one fixture case and compares it with LightGBM; with `same_first_tree`,
/// also that the first tree is LightGBM's (every case that grows leaf-wise,
/// as LightGBM does).
fn check_case(name: &str, same_first_tree: bool) -> GradientBoostedTreesModel {
    let case: Case = read_json(&format!("gbdt_{name}.json"));
    let data = data_file(&case.data);
    let params: GradientBoostedTrees = serde_json::from_value(case.hyperparameters.clone()).unwrap();
    let model = params.fit_model(data.train(), Some(data.validation()), &FitOptions::default()).unwrap();
    if same_first_tree {
        assert_first_tree_is_lightgbms(name, &model, &case, &data);
    }
    let proba = model.predict_proba(data.test()).unwrap();
    assert_eq!(proba.len(), case.test_proba.len());
    assert!(proba.iter().all(|p| (0.0..=1.0).contains(p)));
    let auprc = average_precision(&proba, &data.y_test);
    let acc = accuracy(&proba, &data.y_test);
    let mean_diff = proba.iter().zip(&case.test_proba).map(|(a, b)| (a - b).abs()).sum::<f64>() / proba.len() as f64;
    let max_diff = proba.iter().zip(&case.test_proba).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
    println!(
        "{name}: AUPRC {auprc:.4} (LightGBM {:.4}), accuracy {acc:.4} (LightGBM {:.4}), trees {} (LightGBM {}), \
         |proba - LightGBM| mean {mean_diff:.4} max {max_diff:.4}",
        case.test_auprc,
        case.test_accuracy,
        model.trees().len(),
        case.trees
    );
    assert!(
        (auprc - case.test_auprc).abs() <= AUPRC_TOLERANCE,
        "{name}: AUPRC {auprc} vs LightGBM {}",
        case.test_auprc
    );
    assert!(
        (acc - case.test_accuracy).abs() <= ACCURACY_TOLERANCE,
        "{name}: accuracy {acc} vs LightGBM {}",
        case.test_accuracy
    );
    assert!(mean_diff <= MEAN_PROBA_TOLERANCE, "{name}: mean |p - p_LightGBM| {mean_diff}");
    model
}

#[test]
fn average_precision_helper_matches_sklearn_on_a_small_example() {
    assert_average_precision_matches_sklearns_example();
}

#[test]
fn matches_lightgbm_with_default_hyperparameters() {
    let model = check_case("default", true);
    assert_eq!(model.trees().len(), 100);
    assert!(model.trees().iter().all(|t| t.n_leaves() <= 31));
}

#[test]
fn matches_lightgbm_with_shallow_depth_wise_trees() {
    // LightGBM grows leaf-wise; with 8 leaves and depth 3 both end with full
    // trees, built in another order.
    let model = check_case("shallow_depth_wise", false);
    assert!(model.trees().iter().all(|t| t.depth() <= 3 && t.n_leaves() <= 8));
}

#[test]
fn matches_lightgbm_with_strong_regularisation() {
    // LightGBM stops after 46 of 80 rounds: no split gains more than 0.5 any
    // more. The Rust model stops at the same round. The first trees are the
    // same: in the parent of a 143-row leaf no cut of `days_to_due` gains
    // more than min_split_gain, so neither model tries the cut that gains 5.4
    // in the leaf itself.
    let model = check_case("regularized", true);
    assert!(model.iterations() < 80, "{} rounds", model.iterations());
    assert!(model.trees().len().abs_diff(46) <= 1, "{} trees", model.trees().len());
}

#[test]
fn matches_lightgbm_with_coarse_bins() {
    check_case("coarse_bins", true);
}

#[test]
fn matches_lightgbm_with_scale_pos_weight() {
    // Late rows weigh 3 in the hessians, so counts estimated from hessians
    // overcount them (a leaf may hold 2 rows with min_data_in_leaf = 20, and
    // a node's estimates can add up to more than its rows); both models
    // estimate them the same way, so the first trees are the same.
    check_case("scale_pos_weight", true);
}

#[test]
fn matches_lightgbm_with_early_stopping() {
    let model = check_case("early_stopping", true);
    assert!(model.best_iteration().is_some());
}

#[test]
fn early_stopping_stops_and_keeps_the_best_round() {
    let data = data();
    let params =
        GradientBoostedTrees { n_trees: 500, early_stopping_rounds: Some(10), ..GradientBoostedTrees::default() };
    let model = params.fit_model(data.train(), Some(data.validation()), &FitOptions::default()).unwrap();
    let best = model.best_iteration().expect("early stopping records its best round");
    assert_eq!(model.trees().len(), best);
    assert_eq!(model.iterations(), best + 10, "stops 10 rounds after the best");
    // The kept model's validation loss is the recorded best, and lower than
    // with one tree fewer or the trees that followed.
    let loss_of = |model: &GradientBoostedTreesModel| {
        let validation = data.validation();
        mean_log_loss(&model.predict_proba(validation.features()).unwrap(), validation.labels())
    };
    let recorded = model.best_validation_loss().unwrap();
    assert!((loss_of(&model) - recorded).abs() < 1e-12, "{} vs {recorded}", loss_of(&model));
    for n_trees in [best - 1, best + 5, best + 10] {
        let other = GradientBoostedTrees { n_trees, ..GradientBoostedTrees::default() };
        let other = other.fit_model(data.train(), None, &FitOptions::default()).unwrap();
        assert!(loss_of(&other) > recorded, "{n_trees} trees: {} <= {recorded}", loss_of(&other));
    }
    // Without early stopping, the same number of trees is the same model.
    let plain = GradientBoostedTrees { n_trees: best, ..GradientBoostedTrees::default() };
    let plain = plain.fit_model(data.train(), None, &FitOptions::default()).unwrap();
    assert_eq!(bits(&plain.predict_proba(data.test()).unwrap()), bits(&model.predict_proba(data.test()).unwrap()));
}

#[test]
fn early_stopping_needs_validation_rows() {
    let data = data();
    let params = GradientBoostedTrees { early_stopping_rounds: Some(5), ..GradientBoostedTrees::default() };
    let empty = Samples::new(MatrixView::new(&[], data.n_cols).unwrap(), &[]).unwrap();
    for validation in [None, Some(empty)] {
        match params.fit(data.train(), validation, &FitOptions::default()) {
            Err(ModelError::InvalidHyperparameter { name, .. }) => assert_eq!(name, "early_stopping_rounds"),
            other => panic!("expected InvalidHyperparameter, got {:?}", other.err()),
        }
    }
    let narrow = [0.0_f32; 3];
    let labels = [true; 3];
    let narrow = Samples::new(MatrixView::new(&narrow, 1).unwrap(), &labels).unwrap();
    assert!(matches!(
        params.fit(data.train(), Some(narrow), &FitOptions::default()),
        Err(ModelError::WidthMismatch { expected: 12, got: 1 })
    ));
}

#[test]
fn fits_are_bit_identical_across_runs_and_thread_counts() {
    let data = data();
    // 70,000 rows: enough for histograms cut into row chunks and for the
    // chunked partition (copying rows out is checked in tests/tree_core.rs).
    let (values, labels) = large_training_set(&data, 28);
    let train = Samples::new(MatrixView::new(&values, data.n_cols).unwrap(), &labels).unwrap();
    let params = GradientBoostedTrees {
        n_trees: 15,
        row_subsample: 0.7,
        column_subsample: 0.6,
        early_stopping_rounds: Some(5),
        ..GradientBoostedTrees::default()
    };
    let fit_with = |seed: u64| {
        let model = params.fit(train, Some(data.validation()), &FitOptions { seed }).unwrap();
        bits(&model.predict_proba(data.test()).unwrap())
    };
    let first = assert_same_whatever_the_threads("fits", 2, || fit_with(7));
    assert_ne!(first, with_threads(2, || fit_with(8)), "the seed must drive bagging and column sampling");
}

#[test]
fn without_sampling_the_seed_does_not_matter() {
    let data = data();
    let params = GradientBoostedTrees { n_trees: 10, ..GradientBoostedTrees::default() };
    let a = params.fit_model(data.train(), None, &FitOptions { seed: 1 }).unwrap();
    let b = params.fit_model(data.train(), None, &FitOptions { seed: 2 }).unwrap();
    assert_eq!(a, b);
}

#[test]
fn subsampling_keeps_quality_close() {
    let data = data();
    let params = GradientBoostedTrees { row_subsample: 0.8, column_subsample: 0.8, ..GradientBoostedTrees::default() };
    let model = params.fit_model(data.train(), None, &FitOptions { seed: 3 }).unwrap();
    let auprc = average_precision(&model.predict_proba(data.test()).unwrap(), &data.y_test);
    let case: Case = read_json("gbdt_default.json");
    assert!((auprc - case.test_auprc).abs() < 0.03, "{auprc} vs {}", case.test_auprc);
}

#[test]
fn the_starting_score_is_the_log_odds_of_the_base_rate() {
    let data = data();
    let params = GradientBoostedTrees { n_trees: 1, ..GradientBoostedTrees::default() };
    let model = params.fit_model(data.train(), None, &FitOptions::default()).unwrap();
    let rate = data.y_train.iter().filter(|&&y| y).count() as f64 / data.y_train.len() as f64;
    assert!((model.init_score() - (rate / (1.0 - rate)).ln()).abs() < 1e-12);
    // Each tree's leaves carry the learning rate: one tree at 0.1 is a tenth
    // of a Newton step, so no leaf goes beyond 0.1 * 4 in log-odds... and
    // predictions are the sigmoid of init + leaf.
    let tree = &model.trees()[0];
    let row = &data.x_test[..data.n_cols];
    let z = model.init_score() + tree.predict_row(row);
    let p = model.predict_proba(MatrixView::new(row, data.n_cols).unwrap()).unwrap()[0];
    assert!((p - 1.0 / (1.0 + (-z).exp())).abs() < 1e-15);
}

#[test]
fn feature_importance_counts_splits_and_sums_gains() {
    let data = data();
    let params = GradientBoostedTrees { n_trees: 30, num_leaves: 4, ..GradientBoostedTrees::default() };
    let model = params.fit_model(data.train(), None, &FitOptions::default()).unwrap();
    let importance = model.feature_importance();
    assert_eq!(importance.n_features(), 12);
    let splits: usize = model.trees().iter().map(|t| t.n_splits()).sum();
    assert_eq!(importance.split.iter().sum::<u64>() as usize, splits);
    let gains: f64 = model.trees().iter().flat_map(|t| t.split_gains()).sum();
    assert!((importance.gain.iter().sum::<f64>() - gains).abs() < 1e-6 * gains);
    // customer_late_share (3) drives the label most; line_items (6) not at all
    // (shallow trees, so that noise is not fitted).
    let top = (0..12).max_by(|&a, &b| importance.gain[a].total_cmp(&importance.gain[b])).unwrap();
    assert_eq!(top, 3, "gains {:?}", importance.gain);
    assert!(importance.gain[6] < importance.gain[3] / 10.0);
    let json = model.to_json();
    assert_eq!(json["feature_importance"]["split"].as_array().unwrap().len(), 12);
}

#[test]
fn missing_values_are_routed_at_training_and_prediction() {
    let data = data();
    assert!(data.x_train.iter().any(|v| v.is_nan()), "the fixture has missing values");
    let model = GradientBoostedTrees::default().fit_model(data.train(), None, &FitOptions::default()).unwrap();
    // NaN in a column that had none at training time is still routed.
    let mut rows = data.x_test[..5 * data.n_cols].to_vec();
    rows.iter_mut().step_by(data.n_cols).for_each(|amount| *amount = f32::NAN);
    let proba = model.predict_proba(MatrixView::new(&rows, data.n_cols).unwrap()).unwrap();
    assert!(proba.iter().all(|p| p.is_finite() && (0.0..=1.0).contains(p)));
}

#[test]
fn bad_input_gives_the_right_error() {
    let params = GradientBoostedTrees { min_data_in_leaf: 1, ..GradientBoostedTrees::default() };
    BadInput {
        one_class_late: true,
        non_finite_training: vec![(2, 1, f32::INFINITY)],
        wide: vec![0.0; 6],
        non_finite_prediction: Some((vec![1.0, f32::NEG_INFINITY], 0, 1)),
    }
    .assert_rejected_by(&params);

    let (mut values, labels) = small_training();
    values[3] = f32::NAN;
    let with_nan = Samples::new(MatrixView::new(&values, 2).unwrap(), &labels).unwrap();
    assert!(params.fit(with_nan, None, &FitOptions::default()).is_ok(), "trees accept NaN");

    let (values, labels) = small_training();
    let train = Samples::new(MatrixView::new(&values, 2).unwrap(), &labels).unwrap();

    let d = GradientBoostedTrees::default;
    let invalid = [
        (GradientBoostedTrees { n_trees: 0, ..d() }, "n_trees"),
        (GradientBoostedTrees { learning_rate: 0.0, ..d() }, "learning_rate"),
        (GradientBoostedTrees { learning_rate: f64::NAN, ..d() }, "learning_rate"),
        (GradientBoostedTrees { num_leaves: 1, ..d() }, "num_leaves"),
        (GradientBoostedTrees { max_depth: Some(0), ..d() }, "max_depth"),
        (GradientBoostedTrees { min_child_weight: -1.0, ..d() }, "min_child_weight"),
        (GradientBoostedTrees { min_data_in_leaf: 0, ..d() }, "min_data_in_leaf"),
        (GradientBoostedTrees { lambda_l2: f64::INFINITY, ..d() }, "lambda_l2"),
        (GradientBoostedTrees { min_split_gain: -0.1, ..d() }, "min_split_gain"),
        (GradientBoostedTrees { row_subsample: 0.0, ..d() }, "row_subsample"),
        (GradientBoostedTrees { row_subsample: 1.5, ..d() }, "row_subsample"),
        (GradientBoostedTrees { column_subsample: f64::NAN, ..d() }, "column_subsample"),
        (GradientBoostedTrees { max_bins: 1, ..d() }, "max_bins"),
        (GradientBoostedTrees { max_bins: 256, ..d() }, "max_bins"),
        (GradientBoostedTrees { early_stopping_rounds: Some(0), ..d() }, "early_stopping_rounds"),
        (GradientBoostedTrees { scale_pos_weight: 0.0, ..d() }, "scale_pos_weight"),
    ];
    assert_invalid_hyperparameters(invalid, train, true);
}

#[test]
fn hyperparameters_round_trip_and_reject_unknown_fields() {
    let params = GradientBoostedTrees {
        n_trees: 7,
        learning_rate: 0.3,
        num_leaves: 15,
        max_depth: Some(4),
        growth: Growth::DepthWise,
        min_child_weight: 0.5,
        min_data_in_leaf: 3,
        lambda_l2: 1.5,
        min_split_gain: 0.25,
        row_subsample: 0.5,
        column_subsample: 0.75,
        max_bins: 63,
        early_stopping_rounds: Some(4),
        scale_pos_weight: 2.0,
    };
    let json = serde_json::to_value(&params).unwrap();
    assert_eq!(json["growth"], "depth_wise");
    assert_eq!(json["max_depth"], 4);
    assert_eq!(serde_json::from_value::<GradientBoostedTrees>(json.clone()).unwrap(), params);
    assert_eq!(params.hyperparameters(), json);
    assert_eq!(params.family(), "gradient_boosted_trees");

    let defaults: GradientBoostedTrees = serde_json::from_str("{}").unwrap();
    assert_eq!(defaults, GradientBoostedTrees::default());
    assert_eq!(defaults.max_depth, None);
    assert_eq!(serde_json::to_value(&defaults).unwrap()["max_depth"], serde_json::Value::Null);
    let unlimited: GradientBoostedTrees = serde_json::from_str(r#"{"max_depth": -1}"#).unwrap();
    assert_eq!(unlimited.max_depth, None);
    assert!(serde_json::from_str::<GradientBoostedTrees>(r#"{"max_depth": -2}"#).is_err());
    assert!(serde_json::from_str::<GradientBoostedTrees>(r#"{"n_estimators": 10}"#).is_err());
    assert!(serde_json::from_str::<GradientBoostedTrees>(r#"{"growth": "best_first"}"#).is_err());
}

#[test]
fn fitted_model_round_trips_through_json() {
    let data = data();
    let params =
        GradientBoostedTrees { n_trees: 20, early_stopping_rounds: Some(3), ..GradientBoostedTrees::default() };
    let model = params.fit_model(data.train(), Some(data.validation()), &FitOptions::default()).unwrap();
    let (json, restored) = assert_round_trips_through_json::<GradientBoostedTreesModel>(&model, data.test());
    assert_eq!(restored, model);
    assert_eq!(json["n_features"], 12);
    assert!(json["init_score"].is_f64());
    assert_eq!(json["trees"].as_array().unwrap().len(), model.trees().len());
    assert_eq!(json["best_iteration"], model.best_iteration().unwrap());
    assert!(json.get("packed").is_none());

    let rejected = |edit: &dyn Fn(&mut serde_json::Value)| rejects_edited::<GradientBoostedTreesModel>(&json, edit);
    assert!(rejected(&|j| j["extra"] = serde_json::json!(1)));
    assert!(rejected(&|j| j["n_features"] = serde_json::json!(2)), "splits on features beyond n_features");
    assert!(rejected(&|j| j["init_score"] = serde_json::json!(null)));
    assert!(rejected(&|j| j["trees"][0]["right_child"][0] = serde_json::json!(0)), "a cycle");
    assert!(rejected(&|j| j["feature_importance"]["gain"] = serde_json::json!([1.0])));
    assert!(rejected(&|j| j["best_iteration"] = serde_json::json!(1000)));
}
