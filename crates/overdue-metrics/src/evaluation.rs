//! Every metric at once, for run records.

use serde::{Deserialize, Serialize};

use crate::confusion::ConfusionMatrix;
use crate::error::{MetricError, check_probabilities};
use crate::probabilistic::{brier_unchecked, log_loss_unchecked};
use crate::ranking::Curve;

/// All metrics of one set of predicted probabilities, as stored in a run
/// record. Each field equals the value of the standalone function of the same
/// name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// Number of rows evaluated.
    pub rows: u64,
    /// Number of late rows in `y_true`.
    pub positives: u64,
    /// Decision threshold: probability `>= threshold` predicts late.
    pub threshold: f64,
    /// [`crate::accuracy`] at `threshold`.
    pub accuracy: f64,
    /// [`crate::balanced_accuracy`] at `threshold`.
    pub balanced_accuracy: f64,
    /// [`crate::precision`] of the late class at `threshold`.
    pub precision: f64,
    /// [`crate::recall`] of the late class at `threshold`.
    pub recall: f64,
    /// [`crate::f1`] of the late class at `threshold`.
    pub f1: f64,
    /// [`crate::confusion_matrix`] at `threshold`.
    pub confusion: ConfusionMatrix,
    /// [`crate::roc_auc`]; `None` when `y_true` holds one class.
    pub roc_auc: Option<f64>,
    /// [`crate::average_precision`]; `None` when `y_true` holds one class.
    pub average_precision: Option<f64>,
    /// [`crate::pr_auc_trapezoid`]; `None` when `y_true` holds one class.
    pub pr_auc: Option<f64>,
    /// [`crate::log_loss`].
    pub log_loss: f64,
    /// [`crate::brier_score`].
    pub brier: f64,
    /// [`crate::majority_baseline`].
    pub majority_baseline: f64,
}

/// Computes every metric of the probabilities of late `y_prob` against
/// `y_true`, hard predictions being `y_prob >= threshold`.
///
/// The ranking metrics (`roc_auc`, `average_precision`, `pr_auc`) are `None`
/// when `y_true` holds only one class, where they are undefined; everything
/// else is defined for any non-empty valid input.
///
/// Errors: [`MetricError::Empty`], [`MetricError::LengthMismatch`],
/// [`MetricError::NonFinite`], [`MetricError::ProbabilityOutOfRange`], and
/// [`MetricError::NanThreshold`] (an infinite threshold is allowed).
pub fn evaluate(y_true: &[bool], y_prob: &[f64], threshold: f64) -> Result<Evaluation, MetricError> {
    check_probabilities(y_true, y_prob)?;
    if threshold.is_nan() {
        return Err(MetricError::NanThreshold);
    }
    let confusion = ConfusionMatrix::count_at(y_true, y_prob, threshold);
    let curve = Curve::new(y_true, y_prob);
    let both_classes = curve.require_both_classes("evaluate").is_ok();
    let ranked = |metric: fn(&Curve) -> f64| both_classes.then(|| metric(&curve));
    let rows = y_true.len() as u64;
    let positives = curve.positives();
    Ok(Evaluation {
        rows,
        positives,
        threshold,
        accuracy: confusion.accuracy(),
        balanced_accuracy: confusion.balanced_accuracy(),
        precision: confusion.precision(),
        recall: confusion.recall(),
        f1: confusion.f1(),
        confusion,
        roc_auc: ranked(Curve::roc_auc),
        average_precision: ranked(Curve::average_precision),
        pr_auc: ranked(|c| c.pr_curve().trapezoid_area()),
        log_loss: log_loss_unchecked(y_true, y_prob),
        brier: brier_unchecked(y_true, y_prob),
        majority_baseline: positives.max(rows - positives) as f64 / rows as f64,
    })
}
