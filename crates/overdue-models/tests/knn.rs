//! k-nearest neighbours against scikit-learn fixtures, the tie rule, plus
//! determinism, failure modes and serde.
//!
//! The fixtures come from `scripts/make_nb_knn_fixtures.py` (scikit-learn 1.9.1,
//! `KNeighborsClassifier(algorithm="kd_tree")` on rows standardised exactly as
//! the Rust `Standardizer` does). The script checks that no test row has a tie at
//! the k-th distance and that sklearn's distances are the exact ones; on those
//! cases our probabilities must equal sklearn's bit for bit. The tie case checks
//! our documented rule instead: ties at the k-th distance go to the lower
//! training row index.

use crate::support::{
    BadInput, Flat, accuracy, assert_average_precision_matches_sklearns_example, assert_round_trips_through_json,
    assert_same_whatever_the_threads, average_precision, bits, data_file, read_json, rejects_edited, small_training,
};
use overdue_features::{MatrixView, Samples};
use overdue_models::{
    Classifier, FitOptions, FittedClassifier, KNearestNeighbors, KNearestNeighborsModel, ModelError, NeighborWeights,
};
use serde::Deserialize;

#[derive(Deserialize)]
struct Case {
    data: String,
    hyperparameters: serde_json::Value,
    test_proba: Vec<f64>,
    test_accuracy: f64,
    test_average_precision: f64,
    kth_distance_min_relative_gap: Option<f64>,
    warnings: Vec<String>,
    #[serde(default)]
    sklearn_test_proba: Option<Vec<f64>>,
}

fn shared_data() -> Flat {
    data_file("naive_bayes_knn_data.json")
}

/// Fits one fixture case and returns our test probabilities with the case.
fn run_case(name: &str) -> (Vec<f64>, Case, Flat) {
    let case: Case = read_json(&format!("knn_{name}.json"));
    assert!(case.warnings.is_empty(), "{name}: sklearn warned: {:?}", case.warnings);
    let data = data_file(&case.data);
    let params: KNearestNeighbors = serde_json::from_value(case.hyperparameters.clone()).unwrap();
    let model = params.fit_model(data.train()).unwrap();
    let proba = model.predict_proba(data.test()).unwrap();
    assert_eq!(proba.len(), case.test_proba.len());
    (proba, case, data)
}

/// A tie-free case: our probabilities must be sklearn's, bit for bit.
fn check_exact(name: &str) {
    let (proba, case, data) = run_case(name);
    assert!(case.kth_distance_min_relative_gap.is_none_or(|gap| gap > 0.0), "{name}: the fixture has ties");
    for (i, (p, q)) in proba.iter().zip(&case.test_proba).enumerate() {
        assert_eq!(p.to_bits(), q.to_bits(), "{name}: row {i}: {p} vs sklearn {q}");
    }
    assert_eq!(accuracy(&proba, &data.y_test), case.test_accuracy, "{name}: accuracy");
    // Same probabilities, so the same average precision up to the summation
    // order of this helper.
    let ap = average_precision(&proba, &data.y_test);
    assert!((ap - case.test_average_precision).abs() <= 1e-12, "{name}: AP {ap} vs {}", case.test_average_precision);
}

#[test]
fn average_precision_helper_matches_sklearn_on_a_small_example() {
    assert_average_precision_matches_sklearns_example();
}

#[test]
fn matches_sklearn_exactly_k5_uniform() {
    check_exact("k5_uniform");
}

#[test]
fn matches_sklearn_exactly_k15_distance() {
    check_exact("k15_distance");
}

#[test]
fn matches_sklearn_exactly_k7_distance_unscaled() {
    check_exact("k7_distance_unscaled");
}

#[test]
fn matches_sklearn_exactly_k1_uniform() {
    check_exact("k1_uniform");
}

#[test]
fn exact_matches_alone_decide_distance_weighted_votes() {
    // Queries on a point held by three training rows (late, on-time, late) get
    // 2/3; on a point held by two late rows 1.0, although their third neighbour,
    // at a positive distance, is on time; on a single row, that row's label.
    check_exact("zero_distance");
    let (proba, _, _) = run_case("zero_distance");
    assert_eq!(&proba[..4], &[2.0 / 3.0, 1.0, 1.0, 0.0]);
}

#[test]
fn ties_at_the_kth_distance_go_to_the_lower_training_index() {
    // Four training rows at exactly distance 1 from the query (indices 1, 2: late;
    // 3, 4: on time), one closer (index 5, on time), k = 3: the rule takes rows 1
    // and 2, so the probability is 2/3 (the opposite order would give 0).
    let (proba, case, data) = run_case("tie_break");
    assert_eq!(case.kth_distance_min_relative_gap, Some(0.0), "the fixture must have a tie");
    assert_eq!(proba, vec![2.0 / 3.0]);
    assert_eq!(proba, case.test_proba);
    println!("tie_break: sklearn's KD-tree gave {:?}", case.sklearn_test_proba);

    let params = KNearestNeighbors { k: 3, standardize: false, ..KNearestNeighbors::default() };
    let model = params.fit_model(data.train()).unwrap();
    let neighbors = model.neighbors(MatrixView::new(&[0.0, 0.0], 2).unwrap()).unwrap();
    assert_eq!(neighbors, vec![vec![(5, 0.5), (1, 1.0), (2, 1.0)]]);
}

/// The fixture's training rows twice over (the copy with flipped labels), so
/// that every row has an exact duplicate: ties everywhere.
fn duplicated_training(data: &Flat) -> (Vec<f32>, Vec<bool>) {
    let values: Vec<f32> = data.x_train.repeat(2);
    let labels: Vec<bool> = data.y_train.iter().copied().chain(data.y_train.iter().map(|&y| !y)).collect();
    (values, labels)
}

#[test]
fn neighbors_are_those_of_an_exhaustive_scan_even_with_duplicates() {
    let data = shared_data();
    let n_cols = data.n_cols;
    let (values, labels) = duplicated_training(&data);
    let train = Samples::new(MatrixView::new(&values, n_cols).unwrap(), &labels).unwrap();
    let k = 6;
    let model = KNearestNeighbors { k, ..KNearestNeighbors::default() }.fit_model(train).unwrap();
    // Queries: the test rows and some training rows (exact matches, duplicated).
    let queries: Vec<f32> = data.x_test.iter().chain(&data.x_train[..50 * n_cols]).copied().collect();
    let found = model.neighbors(MatrixView::new(&queries, n_cols).unwrap()).unwrap();

    let s = model.standardizer().unwrap();
    let standardise = |row: &[f32]| -> Vec<f64> {
        row.iter().zip(&s.means).zip(&s.scales).map(|((&v, m), s)| (f64::from(v) - m) / s).collect()
    };
    let points: Vec<Vec<f64>> = values.chunks_exact(n_cols).map(standardise).collect();
    for (q, (query, found)) in queries.chunks_exact(n_cols).zip(&found).enumerate() {
        let query = standardise(query);
        let mut all: Vec<(f64, usize)> = points
            .iter()
            .enumerate()
            .map(|(i, p)| (query.iter().zip(p).fold(0.0, |sum, (a, b)| sum + (a - b) * (a - b)), i))
            .collect();
        all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let expected: Vec<(usize, f64)> = all[..k].iter().map(|&(d2, i)| (i, d2.sqrt())).collect();
        assert_eq!(found, &expected, "query {q}");
    }
}

#[test]
fn predictions_are_bit_identical_across_runs_and_thread_counts() {
    let data = shared_data();
    let n_cols = data.n_cols;
    let (values, labels) = duplicated_training(&data);
    let train = Samples::new(MatrixView::new(&values, n_cols).unwrap(), &labels).unwrap();
    let x_test = data.x_test.repeat(3);
    let test = MatrixView::new(&x_test, n_cols).unwrap();
    let params = KNearestNeighbors { k: 9, weights: NeighborWeights::Distance, standardize: true };
    assert_same_whatever_the_threads("predictions", 4, || {
        let model = params.fit(train, None, &FitOptions::default()).unwrap();
        bits(&model.predict_proba(test).unwrap())
    });
}

#[test]
fn huge_feature_values_are_searched_exactly() {
    // Values whose squares overflow f32: the fast filter steps aside and every
    // distance is computed in f64.
    let values = [0.0_f32, 0.0, 1.0, 0.0, 3e38, 3e38, -3e38, 1.0, 2.0, 2.0];
    let labels = [false, true, true, false, true];
    let train = Samples::new(MatrixView::new(&values, 2).unwrap(), &labels).unwrap();
    let params = KNearestNeighbors { k: 2, weights: NeighborWeights::Uniform, standardize: false };
    let model = params.fit_model(train).unwrap();
    let query = [0.9_f32, 0.1, 3e38, 2.9e38];
    let neighbors = model.neighbors(MatrixView::new(&query, 2).unwrap()).unwrap();
    assert_eq!(neighbors[0].iter().map(|&(i, _)| i).collect::<Vec<_>>(), vec![1, 0]);
    assert_eq!(neighbors[1][0].0, 2);
    let proba = model.predict_proba(MatrixView::new(&query, 2).unwrap()).unwrap();
    assert_eq!(proba[0], 0.5);
}

#[test]
fn bad_input_gives_the_right_error() {
    let params = KNearestNeighbors::default();
    let options = FitOptions::default();
    BadInput {
        one_class_late: true,
        non_finite_training: vec![(4, 1, f32::NAN)],
        wide: vec![0.0; 3],
        non_finite_prediction: Some((vec![1.0, 2.0, 0.0, f32::NAN], 1, 1)),
    }
    .assert_rejected_by(&params);

    let (values, labels) = small_training();
    let train = Samples::new(MatrixView::new(&values, 2).unwrap(), &labels).unwrap();

    // k = 0 is invalid before any data is seen.
    let zero = KNearestNeighbors { k: 0, ..KNearestNeighbors::default() };
    assert!(matches!(Classifier::validate(&zero), Err(ModelError::InvalidHyperparameter { name: "k", .. })));
    assert!(matches!(zero.fit(train, None, &options), Err(ModelError::InvalidHyperparameter { name: "k", .. })));
    // More neighbours than training rows is an error, as in scikit-learn: no
    // silent clamp. Exactly as many is fine.
    let too_many = KNearestNeighbors { k: 7, ..KNearestNeighbors::default() };
    Classifier::validate(&too_many).expect("k above the rows is only known with the data");
    match too_many.fit(train, None, &options) {
        Err(ModelError::InvalidHyperparameter { name: "k", reason }) => assert!(reason.contains("6 training rows")),
        other => panic!("expected InvalidHyperparameter k, got {:?}", other.err()),
    }
    let all = KNearestNeighbors { k: 6, ..KNearestNeighbors::default() }.fit(train, None, &options).unwrap();
    let share_late = 3.0 / 6.0;
    assert_eq!(all.predict_proba(MatrixView::new(&[2.0, 2.0], 2).unwrap()).unwrap(), vec![share_late]);
}

#[test]
fn hyperparameters_round_trip_and_reject_unknown_fields() {
    let params = KNearestNeighbors { k: 11, weights: NeighborWeights::Distance, standardize: false };
    let json = serde_json::to_value(&params).unwrap();
    assert_eq!(json, serde_json::json!({"k": 11, "weights": "distance", "standardize": false}));
    assert_eq!(serde_json::from_value::<KNearestNeighbors>(json.clone()).unwrap(), params);
    assert_eq!(params.hyperparameters(), json);
    assert_eq!(params.family(), "k_nearest_neighbors");

    let defaults: KNearestNeighbors = serde_json::from_str("{}").unwrap();
    assert_eq!(defaults, KNearestNeighbors { k: 5, weights: NeighborWeights::Uniform, standardize: true });
    assert_eq!(defaults, KNearestNeighbors::default());

    assert!(serde_json::from_str::<KNearestNeighbors>(r#"{"n_neighbors": 5}"#).is_err());
    assert!(serde_json::from_str::<KNearestNeighbors>(r#"{"weights": "gaussian"}"#).is_err());
    assert!(serde_json::from_str::<KNearestNeighbors>(r#"{"k": -1}"#).is_err());
}

#[test]
fn fitted_model_round_trips_through_json() {
    let data = shared_data();
    let n_cols = data.n_cols;
    for standardize in [true, false] {
        let params = KNearestNeighbors { k: 7, weights: NeighborWeights::Distance, standardize };
        let model = params.fit(data.train(), None, &FitOptions::default()).unwrap();
        let (json, _) = assert_round_trips_through_json::<KNearestNeighborsModel>(model.as_ref(), data.test());
        assert_eq!(json["k"], 7);
        assert_eq!(json["weights"], "distance");
        assert_eq!(json["n_features"], n_cols);
        assert_eq!(json["points"].as_array().unwrap().len(), data.y_train.len() * n_cols);
        assert_eq!(json["labels"].as_array().unwrap().len(), data.y_train.len());
        assert_eq!(json["standardizer"].is_null(), !standardize);

        let rejects = |edit: &dyn Fn(&mut serde_json::Value)| rejects_edited::<KNearestNeighborsModel>(&json, edit);
        assert!(rejects(&|j| j["extra"] = serde_json::json!(1)));
        assert!(rejects(&|j| {
            j["points"].as_array_mut().unwrap().pop();
        }));
        assert!(rejects(&|j| j["k"] = serde_json::json!(data.y_train.len() + 1)));
        assert!(rejects(&|j| j["n_features"] = serde_json::json!(0)));
    }
}
