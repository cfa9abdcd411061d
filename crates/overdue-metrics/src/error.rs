//! The one error type of the crate, and the input checks shared by every metric.

use thiserror::Error;

/// Why a metric could not be computed.
///
/// Every public function of the crate returns this instead of panicking or
/// producing a silent `NaN`.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum MetricError {
    /// There are no samples: every metric is undefined on empty input.
    #[error("no samples: metrics are undefined on empty input")]
    Empty,
    /// `y_true` and the predictions (labels, scores or probabilities) have
    /// different lengths.
    #[error("length mismatch: y_true has {y_true} labels but the predictions have {other}")]
    LengthMismatch {
        /// Length of `y_true`.
        y_true: usize,
        /// Length of the other input.
        other: usize,
    },
    /// The metric needs both classes in `y_true` but only one is present.
    #[error(
        "{metric} is undefined when y_true contains only one class (every label is {})",
        class_name(*.present)
    )]
    OneClass {
        /// Name of the metric that was asked for (e.g. `"roc_auc"`).
        metric: &'static str,
        /// The class that is present: `true` = every sample is late.
        present: bool,
    },
    /// A score or probability is `NaN` or infinite.
    #[error("score at index {index} is not finite ({value})")]
    NonFinite {
        /// Position of the first offending value.
        index: usize,
        /// The offending value.
        value: f64,
    },
    /// A probability lies outside `[0, 1]`.
    #[error("probability at index {index} is {value}, outside [0, 1]")]
    ProbabilityOutOfRange {
        /// Position of the first offending value.
        index: usize,
        /// The offending value.
        value: f64,
    },
    /// The decision threshold given to [`crate::evaluate`] is `NaN`.
    #[error("decision threshold is NaN")]
    NanThreshold,
}

fn class_name(present: bool) -> &'static str {
    if present { "late (true)" } else { "on time (false)" }
}

/// Lengths must agree, then the input must be non-empty.
pub(crate) fn check_lengths(y_true: usize, other: usize) -> Result<(), MetricError> {
    if y_true != other {
        return Err(MetricError::LengthMismatch { y_true, other });
    }
    if y_true == 0 {
        return Err(MetricError::Empty);
    }
    Ok(())
}

/// Lengths, non-emptiness, and every score finite.
pub(crate) fn check_scores(y_true: &[bool], y_score: &[f64]) -> Result<(), MetricError> {
    check_lengths(y_true.len(), y_score.len())?;
    match y_score.iter().position(|s| !s.is_finite()) {
        Some(index) => Err(MetricError::NonFinite { index, value: y_score[index] }),
        None => Ok(()),
    }
}

/// [`check_scores`], then every probability in `[0, 1]`.
pub(crate) fn check_probabilities(y_true: &[bool], y_prob: &[f64]) -> Result<(), MetricError> {
    check_scores(y_true, y_prob)?;
    match y_prob.iter().position(|p| !(0.0..=1.0).contains(p)) {
        Some(index) => Err(MetricError::ProbabilityOutOfRange { index, value: y_prob[index] }),
        None => Ok(()),
    }
}
