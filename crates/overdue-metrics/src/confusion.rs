//! Metrics of hard (thresholded) predictions: confusion matrix, accuracy,
//! balanced accuracy, precision, recall, F1 and the majority baseline.

use serde::{Deserialize, Serialize};

use crate::error::{MetricError, check_lengths};

/// Counts of a binary confusion matrix, positive class = late = `true`.
///
/// Field order follows scikit-learn's `confusion_matrix(...).ravel()`:
/// `tn, fp, fn, tp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfusionMatrix {
    /// On time, predicted on time.
    pub true_negatives: u64,
    /// On time, predicted late.
    pub false_positives: u64,
    /// Late, predicted on time.
    pub false_negatives: u64,
    /// Late, predicted late.
    pub true_positives: u64,
}

/// `num / den`, or `0.0` when `den` is zero (scikit-learn's `zero_division`
/// default: it warns and returns 0).
fn ratio(num: u64, den: u64) -> f64 {
    if den == 0 { 0.0 } else { num as f64 / den as f64 }
}

impl ConfusionMatrix {
    /// Counts of a pair of label slices of equal length (unchecked).
    pub(crate) fn count(y_true: &[bool], y_pred: &[bool]) -> Self {
        let mut cells = [0u64; 4];
        for (&t, &p) in y_true.iter().zip(y_pred) {
            cells[usize::from(t) * 2 + usize::from(p)] += 1;
        }
        Self::from_cells(cells)
    }

    /// Counts of the predictions `score >= threshold` (unchecked lengths).
    pub(crate) fn count_at(y_true: &[bool], scores: &[f64], threshold: f64) -> Self {
        let mut cells = [0u64; 4];
        for (&t, &s) in y_true.iter().zip(scores) {
            cells[usize::from(t) * 2 + usize::from(s >= threshold)] += 1;
        }
        Self::from_cells(cells)
    }

    fn from_cells(cells: [u64; 4]) -> Self {
        let [true_negatives, false_positives, false_negatives, true_positives] = cells;
        Self { true_negatives, false_positives, false_negatives, true_positives }
    }

    fn total(&self) -> u64 {
        self.true_negatives + self.false_positives + self.false_negatives + self.true_positives
    }

    pub(crate) fn accuracy(&self) -> f64 {
        ratio(self.true_negatives + self.true_positives, self.total())
    }

    /// scikit-learn's `balanced_accuracy_score`: the mean recall over the
    /// classes present in `y_true` (a class absent from `y_true` is dropped
    /// from the mean, with a warning in scikit-learn).
    pub(crate) fn balanced_accuracy(&self) -> f64 {
        let negatives = self.true_negatives + self.false_positives;
        let positives = self.true_positives + self.false_negatives;
        let recall_neg = ratio(self.true_negatives, negatives);
        let recall_pos = ratio(self.true_positives, positives);
        match (negatives > 0, positives > 0) {
            (true, true) => (recall_neg + recall_pos) / 2.0,
            (true, false) => recall_neg,
            (false, true) => recall_pos,
            (false, false) => 0.0, // empty: rejected before we get here
        }
    }

    pub(crate) fn precision(&self) -> f64 {
        ratio(self.true_positives, self.true_positives + self.false_positives)
    }

    pub(crate) fn recall(&self) -> f64 {
        ratio(self.true_positives, self.true_positives + self.false_negatives)
    }

    /// `2 tp / (support + predicted)`, the exact formula scikit-learn uses.
    pub(crate) fn f1(&self) -> f64 {
        let true_sum = self.true_positives + self.false_negatives;
        let pred_sum = self.true_positives + self.false_positives;
        ratio(2 * self.true_positives, true_sum + pred_sum)
    }
}

fn checked(y_true: &[bool], y_pred: &[bool]) -> Result<ConfusionMatrix, MetricError> {
    check_lengths(y_true.len(), y_pred.len())?;
    Ok(ConfusionMatrix::count(y_true, y_pred))
}

/// The confusion matrix (`sklearn.metrics.confusion_matrix(...).ravel()`).
///
/// Errors: [`MetricError::LengthMismatch`], [`MetricError::Empty`].
pub fn confusion_matrix(y_true: &[bool], y_pred: &[bool]) -> Result<ConfusionMatrix, MetricError> {
    checked(y_true, y_pred)
}

/// Fraction of correct predictions (`accuracy_score`).
pub fn accuracy(y_true: &[bool], y_pred: &[bool]) -> Result<f64, MetricError> {
    Ok(checked(y_true, y_pred)?.accuracy())
}

/// Mean of the per-class recalls (`balanced_accuracy_score`).
///
/// When `y_true` holds only one class this is, as in scikit-learn, the recall
/// of that class alone (scikit-learn warns and averages over present classes).
pub fn balanced_accuracy(y_true: &[bool], y_pred: &[bool]) -> Result<f64, MetricError> {
    Ok(checked(y_true, y_pred)?.balanced_accuracy())
}

/// Precision of the late class, `tp / (tp + fp)`; `0.0` when nothing is
/// predicted late (scikit-learn's `zero_division` default).
pub fn precision(y_true: &[bool], y_pred: &[bool]) -> Result<f64, MetricError> {
    Ok(checked(y_true, y_pred)?.precision())
}

/// Recall of the late class, `tp / (tp + fn)`; `0.0` when nothing is late.
pub fn recall(y_true: &[bool], y_pred: &[bool]) -> Result<f64, MetricError> {
    Ok(checked(y_true, y_pred)?.recall())
}

/// F1 of the late class, `2 tp / (2 tp + fp + fn)`; `0.0` when nothing is
/// late and nothing is predicted late.
pub fn f1(y_true: &[bool], y_pred: &[bool]) -> Result<f64, MetricError> {
    Ok(checked(y_true, y_pred)?.f1())
}

/// Hard predictions: `score >= threshold` means late.
///
/// A `NaN` score or threshold compares false, so it predicts on time; the
/// metric functions reject `NaN` scores before this matters.
pub fn predict_at(scores: &[f64], threshold: f64) -> Vec<bool> {
    scores.iter().map(|&s| s >= threshold).collect()
}

/// Accuracy of always predicting the majority class of `y_true`
/// (`DummyClassifier(strategy="most_frequent")`), i.e.
/// `max(positives, negatives) / n`.
pub fn majority_baseline(y_true: &[bool]) -> Result<f64, MetricError> {
    check_lengths(y_true.len(), y_true.len())?;
    let positives = y_true.iter().filter(|&&y| y).count();
    let majority = positives.max(y_true.len() - positives);
    Ok(majority as f64 / y_true.len() as f64)
}
