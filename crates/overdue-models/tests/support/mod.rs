//! Shared by the model tests (`crate::support` in every module of the
//! integration binary). It holds what every family's tests
//! need alike: the fixtures (read and flattened into row-major matrices), the
//! two metrics the fixtures record, determinism and serde checks, and the
//! bad inputs every family must reject with a clear error.

#![allow(dead_code)] // each test file uses a different subset

use std::fmt::Debug;
use std::path::PathBuf;

use overdue_features::{MatrixView, Samples};
use overdue_models::{Classifier, FitOptions, FittedClassifier, MissingValues, ModelError};
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// The bar: AUPRC (average precision) within 0.01 of the reference.
pub const AUPRC_BAR: f64 = 0.01;

/// The bar: accuracy within 1 point of the reference.
pub const ACCURACY_BAR: f64 = 0.01;

// --- Fixtures ---------------------------------------------------------------

/// Where fixture `name` lives, whatever directory the tests run from.
pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests").join("fixtures").join(name)
}

/// Fixture `name`, parsed; a failure names the file.
pub fn read_json<T: DeserializeOwned>(name: &str) -> T {
    let text = std::fs::read_to_string(fixture_path(name)).unwrap_or_else(|e| panic!("reading {name}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {name}: {e}"))
}

/// A data fixture as the `scripts/make_*_fixtures.py` scripts write it:
/// features by row (null for a missing value) and labels, for training, test
/// and, in some, validation. Other fields (references some fixtures add) are
/// read by the tests that use them.
#[derive(Deserialize)]
struct Data {
    feature_names: Vec<String>,
    x_train: Vec<Vec<Option<f32>>>,
    y_train: Vec<bool>,
    x_validation: Option<Vec<Vec<Option<f32>>>>,
    y_validation: Option<Vec<bool>>,
    x_test: Vec<Vec<Option<f32>>>,
    y_test: Vec<bool>,
}

/// A data fixture flattened once into row-major matrices (null = NaN), as
/// the models take them.
pub struct Flat {
    pub n_cols: usize,
    pub x_train: Vec<f32>,
    pub y_train: Vec<bool>,
    pub x_test: Vec<f32>,
    pub y_test: Vec<bool>,
    /// Features and labels of the validation part, where the fixture has one.
    validation: Option<(Vec<f32>, Vec<bool>)>,
}

impl Flat {
    /// The training rows with their labels.
    pub fn train(&self) -> Samples<'_> {
        Samples::new(MatrixView::new(&self.x_train, self.n_cols).unwrap(), &self.y_train).unwrap()
    }

    /// The validation rows with their labels; panics if the fixture has none.
    pub fn validation(&self) -> Samples<'_> {
        let (x, y) = self.validation.as_ref().expect("this fixture has no validation part");
        Samples::new(MatrixView::new(x, self.n_cols).unwrap(), y).unwrap()
    }

    /// The test rows.
    pub fn test(&self) -> MatrixView<'_> {
        MatrixView::new(&self.x_test, self.n_cols).unwrap()
    }
}

/// The parts of data fixture `name`, flattened (null = NaN).
pub fn data_file(name: &str) -> Flat {
    let data: Data = read_json(name);
    let flat = |rows: &[Vec<Option<f32>>]| rows.iter().flatten().map(|v| v.unwrap_or(f32::NAN)).collect();
    let validation = match (data.x_validation, data.y_validation) {
        (Some(x), Some(y)) => Some((flat(&x), y)),
        (None, None) => None,
        _ => panic!("{name}: validation features without labels or labels without features"),
    };
    Flat {
        n_cols: data.feature_names.len(),
        x_train: flat(&data.x_train),
        y_train: data.y_train,
        x_test: flat(&data.x_test),
        y_test: data.y_test,
        validation,
    }
}

/// The tree families' shared dataset (`decision_tree_data.json`), flattened.
pub fn data() -> Flat {
    data_file("decision_tree_data.json")
}

/// The fixture's training rows, `copies` times over with a small
/// deterministic perturbation (and one label in 13 flipped), so that fits and
/// predictions span several parallel chunks.
pub fn large_training_set(data: &Flat, copies: usize) -> (Vec<f32>, Vec<bool>) {
    let mut values = Vec::new();
    let mut labels = Vec::new();
    for copy in 0..copies {
        for (i, (row, &y)) in data.x_train.chunks(data.n_cols).zip(&data.y_train).enumerate() {
            values.extend(row.iter().enumerate().map(|(j, &v)| {
                let jitter = ((copy * 31 + i * 7 + j * 3) % 17) as f32 / 17.0 - 0.5;
                v * (1.0 + 0.01 * jitter)
            }));
            labels.push(if (copy + i) % 13 == 0 { !y } else { y });
        }
    }
    (values, labels)
}

// --- Metrics ----------------------------------------------------------------

/// Share of rows where `p >= 0.5` agrees with the label (the fixtures'
/// `accuracy_score(y, proba >= 0.5)`).
pub fn accuracy(proba: &[f64], labels: &[bool]) -> f64 {
    let correct = proba.iter().zip(labels).filter(|&(&p, &y)| (p >= 0.5) == y).count();
    correct as f64 / labels.len() as f64
}

/// Average precision (AUPRC) as scikit-learn computes it: sum over distinct
/// score thresholds (highest first) of (recall gain) * precision.
pub fn average_precision(scores: &[f64], labels: &[bool]) -> f64 {
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

/// The check behind each file's
/// `average_precision_helper_matches_sklearn_on_a_small_example`: scikit-learn
/// gives `average_precision_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) ==
/// 0.8333...` (5/6), and so must [`average_precision`].
pub fn assert_average_precision_matches_sklearns_example() {
    let ap = average_precision(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true]);
    assert!((ap - 5.0 / 6.0).abs() < 1e-12, "{ap}");
}

// --- Determinism and serde --------------------------------------------------

/// Probabilities as bit patterns, for bit-identity checks.
pub fn bits(proba: &[f64]) -> Vec<u64> {
    proba.iter().map(|p| p.to_bits()).collect()
}

/// Runs `f` on a rayon pool of `threads` threads.
pub fn with_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap().install(f)
}

/// Runs `run` twice on a pool of `threads` threads, then on one thread and on
/// three, and asserts that all four results are equal: a fit (or prediction)
/// must depend neither on the run nor on how rayon shares out the work.
/// `what` prefixes the failure messages. Returns the first result.
pub fn assert_same_whatever_the_threads<T: PartialEq + Debug + Send>(
    what: &str,
    threads: usize,
    run: impl Fn() -> T + Sync,
) -> T {
    let first = with_threads(threads, &run);
    assert_eq!(first, with_threads(threads, &run), "{what}: two runs on {threads} threads differ");
    assert_eq!(first, with_threads(1, &run), "{what}: one thread differs from {threads}");
    assert_eq!(first, with_threads(3, &run), "{what}: three threads differ from {threads}");
    first
}

/// Saves `model` as JSON text and loads it back as `M`: the loaded model must
/// save the very same JSON and predict the same probabilities on `test`, bit
/// for bit. Returns the saved JSON and the loaded model.
pub fn assert_round_trips_through_json<M: FittedClassifier + DeserializeOwned>(
    model: &dyn FittedClassifier,
    test: MatrixView<'_>,
) -> (serde_json::Value, M) {
    let json = model.to_json();
    let text = serde_json::to_string(&json).unwrap();
    let restored: M = serde_json::from_str(&text).unwrap();
    assert_eq!(restored.to_json(), json, "the loaded model saves other JSON");
    assert_eq!(bits(&restored.predict_proba(test).unwrap()), bits(&model.predict_proba(test).unwrap()));
    (json, restored)
}

/// Whether `json`, edited by `edit`, fails to load as `M`: for checking that a
/// loader refuses a broken or inconsistent saved model.
pub fn rejects_edited<M: DeserializeOwned>(
    json: &serde_json::Value,
    edit: impl FnOnce(&mut serde_json::Value),
) -> bool {
    let mut edited = json.clone();
    edit(&mut edited);
    serde_json::from_value::<M>(edited).is_err()
}

// --- Bad input --------------------------------------------------------------

/// Six rows of two features, three of them late: the training set that the
/// bad-input tests corrupt one way at a time.
pub fn small_training() -> (Vec<f32>, Vec<bool>) {
    let values = vec![0.0, 1.0, 1.0, 0.5, 2.0, 0.0, 3.0, 2.5, 4.0, 1.0, 5.0, 3.0];
    let labels = vec![false, false, true, false, true, true];
    (values, labels)
}

/// The bad inputs of a `bad_input_gives_the_right_error` test, built on
/// [`small_training`], each with the error it must give. Shared so that every
/// family is held to the same checks; what only one family rejects stays in
/// its own test.
pub struct BadInput {
    /// The class of the one-class training set (`true`: every row late),
    /// which must give `OneClass` naming it.
    pub one_class_late: bool,
    /// Non-finite training values, each planted alone at `(row, column)`:
    /// each must give `NonFinite` naming the row, column and value.
    pub non_finite_training: Vec<(usize, usize, f32)>,
    /// Rows three columns wide: prediction must give `WidthMismatch` (fitted
    /// on two).
    pub wide: Vec<f32>,
    /// Rows two columns wide with a non-finite value at `(row, column)`:
    /// prediction must give `NonFinite` naming them.
    pub non_finite_prediction: Option<(Vec<f32>, usize, usize)>,
}

impl BadInput {
    /// Asserts that fitting `params` on no rows gives `Empty`, on one class
    /// `OneClass`, on each non-finite value `NonFinite`; and that the model
    /// fitted on [`small_training`] rejects the wide and non-finite rows and
    /// predicts nothing for no rows.
    pub fn assert_rejected_by(&self, params: &dyn Classifier) {
        let options = FitOptions::default();
        let empty = Samples::new(MatrixView::new(&[], 3).unwrap(), &[]).unwrap();
        match params.fit(empty, None, &options) {
            Err(ModelError::Empty(_)) => {}
            other => panic!("no rows: expected Empty, got {:?}", other.err()),
        }

        let (values, _) = small_training();
        let one_class = [self.one_class_late; 6];
        let train = Samples::new(MatrixView::new(&values, 2).unwrap(), &one_class).unwrap();
        match params.fit(train, None, &options) {
            Err(ModelError::OneClass { late }) if late == self.one_class_late => {}
            other => panic!("one class (late: {}): expected OneClass, got {:?}", self.one_class_late, other.err()),
        }

        for &(row, column, value) in &self.non_finite_training {
            let (mut values, labels) = small_training();
            values[row * 2 + column] = value;
            let train = Samples::new(MatrixView::new(&values, 2).unwrap(), &labels).unwrap();
            assert_non_finite(params.fit(train, None, &options).err(), row, column, value, "training");
        }

        // The family's stated missing-value policy holds at fit and at
        // prediction: NaN refused naming its cell, or routed to a probability.
        let (mut values, labels) = small_training();
        values[3] = f32::NAN;
        let with_nan = Samples::new(MatrixView::new(&values, 2).unwrap(), &labels).unwrap();
        match params.missing_values() {
            MissingValues::Rejected => {
                assert_non_finite(params.fit(with_nan, None, &options).err(), 1, 1, f32::NAN, "training")
            }
            MissingValues::Routed => {
                let model = params.fit(with_nan, None, &options).expect("NaN is routed as missing");
                let p = model.predict_proba(with_nan.features()).expect("NaN is routed at prediction too");
                assert!(p.iter().all(|p| (0.0..=1.0).contains(p)), "{p:?}");
            }
        }

        let (values, labels) = small_training();
        let train = Samples::new(MatrixView::new(&values, 2).unwrap(), &labels).unwrap();
        let model = params.fit(train, None, &options).unwrap();
        match model.predict_proba(MatrixView::new(&self.wide, 3).unwrap()) {
            Err(ModelError::WidthMismatch { expected: 2, got: 3 }) => {}
            other => panic!("rows three wide: expected WidthMismatch 2 vs 3, got {other:?}"),
        }
        if let Some((rows, row, column)) = &self.non_finite_prediction {
            let value = rows[row * 2 + column];
            let result = model.predict_proba(MatrixView::new(rows, 2).unwrap());
            assert_non_finite(result.err(), *row, *column, value, "prediction");
        }
        assert_eq!(model.predict_proba(MatrixView::new(&[], 2).unwrap()).unwrap(), Vec::<f64>::new());
    }
}

/// `error` must be `NonFinite` at `(row, column)` with `value` (NaN matching
/// NaN).
fn assert_non_finite(error: Option<ModelError>, row: usize, column: usize, value: f32, during: &str) {
    match error {
        Some(ModelError::NonFinite { row: r, column: c, value: v })
            if (r, c) == (row, column) && (v == value || (v.is_nan() && value.is_nan())) => {}
        other => panic!("{during}: expected NonFinite {value} at row {row}, column {column}, got {other:?}"),
    }
}

/// Each `(params, name)` must be rejected as `InvalidHyperparameter { name }`
/// when fitted on `train` and, with `by_validate`, already by `validate()`,
/// before any data is seen.
pub fn assert_invalid_hyperparameters<C: Classifier + Debug>(
    invalid: impl IntoIterator<Item = (C, &'static str)>,
    train: Samples<'_>,
    by_validate: bool,
) {
    for (params, field) in invalid {
        if by_validate {
            match params.validate() {
                Err(ModelError::InvalidHyperparameter { name, .. }) => assert_eq!(name, field, "{params:?}"),
                other => panic!("{params:?}: validate: expected InvalidHyperparameter {field}, got {other:?}"),
            }
        }
        match params.fit(train, None, &FitOptions::default()) {
            Err(ModelError::InvalidHyperparameter { name, .. }) => assert_eq!(name, field),
            other => panic!("{params:?}: expected InvalidHyperparameter {field}, got {:?}", other.err()),
        }
    }
}
