//! Run records: everything known about one finished (or failed) run.

use overdue_features::SplitSummary;
use overdue_metrics::Evaluation;
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
    /// Seconds spent building this run's feature set (shared by the runs of
    /// the same window: each of them reports the whole cost).
    pub feature_seconds: f64,
    /// Seconds spent fitting.
    pub fit_seconds: f64,
    /// Seconds spent predicting the validation and test parts.
    pub predict_seconds: f64,
    /// Training rows per second of fitting.
    pub train_rows_per_second: f64,
    /// Predicted rows per second.
    pub predict_rows_per_second: f64,
}

/// One line of `runs.jsonl`: a run's identity, cell, data, results and cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Content-derived identity (see [`RunCell::run_id`]).
    pub run_id: String,
    /// Name of the sweep that produced it.
    pub sweep: String,
    /// What was run.
    pub cell: RunCell,
    /// Number of features.
    pub features: usize,
    /// Size, late share and dates of each part of the split.
    pub splits: Vec<SplitSummary>,
    /// Results, or why there are none.
    #[serde(flatten)]
    pub outcome: RunOutcome,
    /// Time and throughput (absent for failed runs).
    pub cost: Option<RunCost>,
    /// The machine and code.
    pub environment: Environment,
    /// When the run finished (UTC, RFC 3339).
    pub finished_at: String,
}
