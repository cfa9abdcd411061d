//! Run records: everything known about one finished (or failed) run.

use overdue_data::{CleaningCounts, LoadReport};
use overdue_features::SplitSummary;
use overdue_metrics::Evaluation;
use overdue_models::TrainingReport;
use serde::{Deserialize, Serialize};

use crate::Environment;
use crate::cell::RunCell;

/// The metrics of a finished run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunResults {
    /// Metrics on the validation part at 0.5 (absent when it is empty).
    pub validation: Option<Evaluation>,
    /// Metrics on the test part at 0.5.
    pub test: Evaluation,
    /// Decision threshold maximising F1 of the late class on validation
    /// (absent without a validation part holding both classes).
    pub chosen_threshold: Option<f64>,
    /// Metrics on the test part at the chosen threshold.
    pub test_at_chosen_threshold: Option<Evaluation>,
    /// The test part's precision-recall curve, subsampled for plotting
    /// (absent when the test part holds one class).
    pub test_pr_curve: Option<CurvePoints>,
    /// How much each feature served the fitted model's splits, in feature
    /// order (tree families; absent for the others and in older records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature_importance: Option<Vec<FeatureImportance>>,
}

/// One feature's importance in a fitted tree model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureImportance {
    /// The feature's name, as the dataset names it.
    pub feature: String,
    /// Sum of the gains of the splits on it, in the family's units (see
    /// `overdue_models::FittedClassifier::feature_importance`).
    pub gain: f64,
    /// Number of splits on it.
    pub splits: u64,
}

impl FeatureImportance {
    /// Pairs a model's importances with the dataset's feature names (by
    /// column index).
    pub fn named(names: &[String], importance: &overdue_models::FeatureImportance) -> Vec<Self> {
        names
            .iter()
            .zip(importance.gain.iter().zip(&importance.split))
            .map(|(feature, (&gain, &splits))| Self { feature: feature.clone(), gain, splits })
            .collect()
    }
}

/// Most points kept of a curve in a record.
pub const MAX_CURVE_POINTS: usize = 200;

/// A curve as parallel lists of coordinates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurvePoints {
    /// Horizontal coordinates (recall, for a PR curve).
    pub x: Vec<f64>,
    /// Vertical coordinates (precision, for a PR curve).
    pub y: Vec<f64>,
}

impl CurvePoints {
    /// Keeps at most `max_points` points (at least 2), evenly spaced by index,
    /// always including the first and the last.
    pub fn subsample(x: &[f64], y: &[f64], max_points: usize) -> Self {
        let n = x.len().min(y.len());
        let keep = max_points.max(2);
        if n <= keep {
            return Self { x: x[..n].to_vec(), y: y[..n].to_vec() };
        }
        let indices = (0..keep).map(|k| k * (n - 1) / (keep - 1));
        let (x, y) = indices.map(|i| (x[i], y[i])).unzip();
        Self { x, y }
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum RunOutcome {
    /// The model was fitted and evaluated.
    Finished(Box<RunResults>),
    /// The run could not complete; the sweep went on.
    Failed {
        /// Why, in words.
        reason: String,
    },
}

/// Time and throughput of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunCost {
    /// Seconds spent building this run's dataset, with the preparation its
    /// feature set shares between variants (receivables: the labelled rows
    /// and the customers' event streams, prepared once per sweep). Runs of
    /// one variant share the dataset: each of them reports the whole cost.
    pub feature_seconds: f64,
    /// Seconds spent fitting.
    pub fit_seconds: f64,
    /// Seconds spent predicting the validation and test parts.
    pub predict_seconds: f64,
    /// Training rows per second of fitting.
    pub train_rows_per_second: f64,
    /// Predicted rows per second.
    pub predict_rows_per_second: f64,
    /// Peak resident memory of the whole sweep process so far, in bytes
    /// (an upper bound for this run; absent where the OS does not tell).
    pub process_peak_rss_bytes: Option<u64>,
    /// What the model reported of its training: device (GPU adapter and
    /// driver), epochs, one-time and steady-state costs. Absent for families
    /// that report nothing beyond wall time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training: Option<TrainingReport>,
}

/// One line of `runs.jsonl`: a run's identity, cell, data, results and cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Content-derived identity (see [`RunCell::run_id`]).
    pub run_id: String,
    /// Name of the sweep that produced it.
    pub sweep: String,
    /// The config file the sweep was started with, as given.
    pub config_file: String,
    /// What was run.
    pub cell: RunCell,
    /// Number of features.
    pub features: usize,
    /// Size, late share and dates of each part of the split.
    pub splits: Vec<SplitSummary>,
    /// Rows study 2's cleaning dropped from the raw export, by reason
    /// (payables data only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cleaning: Option<CleaningCounts>,
    /// How the export was read: rows read, kept and dropped per reason, with
    /// the path as the config gives it (file data only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export: Option<LoadReport>,
    /// Results, or why there are none.
    #[serde(flatten)]
    pub outcome: RunOutcome,
    /// Time and throughput (absent for failed runs).
    pub cost: Option<RunCost>,
    /// The machine and code.
    pub environment: Environment,
    /// A fault deliberately injected to test the regression gate (see
    /// `OVERDUE_INJECT_FAULT`); absent in real runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub injected_fault: Option<String>,
    /// When the run finished (UTC, RFC 3339).
    pub finished_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subsampling_keeps_both_ends_and_at_most_the_limit() {
        let x: Vec<f64> = (0..1000).map(f64::from).collect();
        let curve = CurvePoints::subsample(&x, &x, 10);
        assert_eq!(curve.x.len(), 10);
        assert_eq!((curve.x[0], curve.x[9]), (0.0, 999.0));
        assert_eq!(CurvePoints::subsample(&x[..5], &x[..5], 10).x.len(), 5);
    }
}
