//! Metrics of predicted probabilities: log loss and Brier score.

use crate::error::{MetricError, check_probabilities};
use crate::sum::compensated_sum;

/// Probabilities are clipped to `[EPS, 1 - EPS]` before the logarithm, with
/// `EPS` the machine epsilon of `f64`, as scikit-learn 1.9 does
/// (`eps = np.finfo(y_proba.dtype).eps`).
const EPS: f64 = f64::EPSILON;

/// Log loss of checked input.
pub(crate) fn log_loss_unchecked(y_true: &[bool], y_prob: &[f64]) -> f64 {
    let losses = y_true.iter().zip(y_prob).map(|(&late, &p)| {
        // scikit-learn forms the column [1 - p, p], then clips each entry.
        let p_of_truth = if late { p } else { 1.0 - p };
        -p_of_truth.clamp(EPS, 1.0 - EPS).ln()
    });
    compensated_sum(losses) / y_true.len() as f64
}

/// Brier score of checked input.
pub(crate) fn brier_unchecked(y_true: &[bool], y_prob: &[f64]) -> f64 {
    let squares = y_true.iter().zip(y_prob).map(|(&late, &p)| {
        let d = f64::from(u8::from(late)) - p;
        d * d
    });
    compensated_sum(squares) / y_true.len() as f64
}

/// Mean cross-entropy (`sklearn.metrics.log_loss`) of the probabilities of
/// late, each clipped to `[eps, 1 - eps]` (`eps` = `f64::EPSILON`, the 1.9
/// default), so a confidently wrong 0 or 1 costs about 36.04, not infinity.
///
/// Defined even when `y_true` holds one class: that is scikit-learn with
/// `labels=[0, 1]` (without `labels` scikit-learn raises there).
///
/// Errors: [`MetricError::NonFinite`], [`MetricError::ProbabilityOutOfRange`],
/// [`MetricError::LengthMismatch`], [`MetricError::Empty`].
pub fn log_loss(y_true: &[bool], y_prob: &[f64]) -> Result<f64, MetricError> {
    check_probabilities(y_true, y_prob)?;
    Ok(log_loss_unchecked(y_true, y_prob))
}

/// Mean squared difference between the probability of late and the 0/1
/// outcome (`brier_score_loss`). Defined for one-class `y_true`.
///
/// Errors: as [`log_loss`].
pub fn brier_score(y_true: &[bool], y_prob: &[f64]) -> Result<f64, MetricError> {
    check_probabilities(y_true, y_prob)?;
    Ok(brier_unchecked(y_true, y_prob))
}
