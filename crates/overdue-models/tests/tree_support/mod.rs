//! Shared by the decision tree, AdaBoost and bagging tests: the fixture data
//! of `scripts/make_tree_fixtures.py` and the two metrics the fixtures record.

#![allow(dead_code)] // each test file uses a different subset

use std::path::PathBuf;

use overdue_features::{MatrixView, Samples};
use serde::Deserialize;

/// The bar: AUPRC (average precision) within 0.01 of the reference.
pub const AUPRC_BAR: f64 = 0.01;

/// The bar: accuracy within 1 point of the reference.
pub const ACCURACY_BAR: f64 = 0.01;

/// `decision_tree_data.json` (or another data file of the same shape):
/// features (null for NaN) and labels shared by every case.
#[derive(Deserialize)]
pub struct Data {
    pub feature_names: Vec<String>,
    pub x_train: Vec<Vec<Option<f32>>>,
    pub y_train: Vec<bool>,
    pub x_test: Vec<Vec<Option<f32>>>,
    pub y_test: Vec<bool>,
}

/// The data, flattened once into row-major matrices.
pub struct Flat {
    pub n_cols: usize,
    pub x_train: Vec<f32>,
    pub y_train: Vec<bool>,
    pub x_test: Vec<f32>,
    pub y_test: Vec<bool>,
}

impl Flat {
    pub fn train(&self) -> Samples<'_> {
        Samples::new(MatrixView::new(&self.x_train, self.n_cols).unwrap(), &self.y_train).unwrap()
    }

    pub fn test(&self) -> MatrixView<'_> {
        MatrixView::new(&self.x_test, self.n_cols).unwrap()
    }
}

pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests").join("fixtures").join(name)
}

pub fn read_json<T: for<'de> Deserialize<'de>>(name: &str) -> T {
    let text = std::fs::read_to_string(fixture_path(name)).unwrap_or_else(|e| panic!("reading {name}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {name}: {e}"))
}

/// The shared dataset, flattened.
pub fn data() -> Flat {
    data_file("decision_tree_data.json")
}

/// The training and test parts of data file `name`, flattened (null = NaN).
pub fn data_file(name: &str) -> Flat {
    let data: Data = read_json(name);
    let flat = |rows: &[Vec<Option<f32>>]| rows.iter().flatten().map(|v| v.unwrap_or(f32::NAN)).collect();
    Flat {
        n_cols: data.feature_names.len(),
        x_train: flat(&data.x_train),
        y_train: data.y_train,
        x_test: flat(&data.x_test),
        y_test: data.y_test,
    }
}

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

/// Probabilities as bit patterns, for bit-identity checks.
pub fn bits(proba: &[f64]) -> Vec<u64> {
    proba.iter().map(|p| p.to_bits()).collect()
}

/// Runs `f` on a rayon pool of `threads` threads.
pub fn with_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap().install(f)
}
