//! Ranking metrics of continuous scores: ROC AUC, average precision, the
//! precision-recall curve and its trapezoidal area, and the F1-optimal
//! threshold.
//!
//! All of them go through [`Curve::new`], a port of scikit-learn's
//! `_binary_clf_curve`: one stable sort by descending score, then one pass that
//! records cumulative false/true positive counts at the last row of every run
//! of tied scores. That is `O(n log n)` time and `O(n)` memory.

use serde::{Deserialize, Serialize};

use crate::error::{MetricError, check_scores};
use crate::sum::compensated_sum;

/// Cumulative counts at each distinct score, highest score first.
///
/// Entry `i` describes the predictions "late iff `score >= thresholds[i]`".
#[derive(Debug, Clone)]
pub(crate) struct Curve {
    fps: Vec<u64>,
    tps: Vec<u64>,
    thresholds: Vec<f64>,
}

impl Curve {
    /// Builds the curve of checked input (equal lengths, non-empty, finite).
    pub(crate) fn new(y_true: &[bool], y_score: &[f64]) -> Self {
        // `+ 0.0` turns -0.0 into 0.0: `total_cmp` would order the two apart,
        // whereas scikit-learn (and IEEE equality) treats them as one score.
        let mut rows: Vec<(f64, bool)> = y_score.iter().map(|&s| s + 0.0).zip(y_true.iter().copied()).collect();
        rows.sort_by(|a, b| b.0.total_cmp(&a.0));

        let mut curve = Self { fps: Vec::new(), tps: Vec::new(), thresholds: Vec::new() };
        let (mut tp, mut fp) = (0u64, 0u64);
        for (i, &(score, late)) in rows.iter().enumerate() {
            if late {
                tp += 1;
            } else {
                fp += 1;
            }
            let last_of_run = rows.get(i + 1).is_none_or(|next| next.0 != score);
            if last_of_run {
                curve.fps.push(fp);
                curve.tps.push(tp);
                curve.thresholds.push(score);
            }
        }
        curve
    }

    /// Number of late rows.
    pub(crate) fn positives(&self) -> u64 {
        self.tps.last().copied().unwrap_or(0)
    }

    /// Number of on-time rows.
    fn negatives(&self) -> u64 {
        self.fps.last().copied().unwrap_or(0)
    }

    /// [`MetricError::OneClass`] for `metric` unless both classes occur.
    pub(crate) fn require_both_classes(&self, metric: &'static str) -> Result<(), MetricError> {
        if self.positives() == 0 || self.negatives() == 0 {
            return Err(MetricError::OneClass { metric, present: self.positives() > 0 });
        }
        Ok(())
    }

    /// Area under the ROC curve, computed exactly in integers: the trapezoid
    /// between consecutive points adds `dfp * (tp_prev + tp) / 2`, and the
    /// total is divided by `positives * negatives` once.
    pub(crate) fn roc_auc(&self) -> f64 {
        let mut twice_area: u128 = 0;
        let (mut fp_prev, mut tp_prev) = (0u64, 0u64);
        for (&fp, &tp) in self.fps.iter().zip(&self.tps) {
            twice_area += u128::from(fp - fp_prev) * u128::from(tp_prev + tp);
            (fp_prev, tp_prev) = (fp, tp);
        }
        let twice_box = 2 * u128::from(self.positives()) * u128::from(self.negatives());
        twice_area as f64 / twice_box as f64
    }

    /// Precision at each curve point, scikit-learn's `tps / (tps + fps)`
    /// (never `0 / 0`: every point counts at least one row).
    fn precision_at(&self, i: usize) -> f64 {
        self.tps[i] as f64 / (self.tps[i] + self.fps[i]) as f64
    }

    /// Recall at each curve point, `tps / positives`.
    fn recall_at(&self, i: usize) -> f64 {
        self.tps[i] as f64 / self.positives() as f64
    }

    /// scikit-learn's `average_precision_score`: `sum (R_n - R_{n-1}) P_n`
    /// over the points of the precision-recall curve, clipped below at 0.
    pub(crate) fn average_precision(&self) -> f64 {
        let steps = (0..self.tps.len()).map(|i| {
            let recall_prev = if i == 0 { 0.0 } else { self.recall_at(i - 1) };
            (self.recall_at(i) - recall_prev) * self.precision_at(i)
        });
        compensated_sum(steps).max(0.0)
    }

    /// The curve in scikit-learn's `precision_recall_curve` layout.
    pub(crate) fn pr_curve(&self) -> PrCurve {
        let n = self.tps.len();
        let mut precision = Vec::with_capacity(n + 1);
        let mut recall = Vec::with_capacity(n + 1);
        for i in (0..n).rev() {
            precision.push(self.precision_at(i));
            recall.push(self.recall_at(i));
        }
        precision.push(1.0);
        recall.push(0.0);
        let thresholds = self.thresholds.iter().rev().copied().collect();
        PrCurve { precision, recall, thresholds }
    }

    /// The threshold of maximal F1; ties go to the highest threshold.
    pub(crate) fn best_f1_threshold(&self) -> f64 {
        // F1_i = 2 tp / (tp + fp + P). Compared exactly as fractions
        // (a/b > c/d iff a*d > c*b), so float rounding cannot break ties.
        let positives = self.positives();
        let mut best = 0;
        for i in 1..self.tps.len() {
            let (num, den) = (self.tps[i], self.tps[i] + self.fps[i] + positives);
            let (best_num, best_den) = (self.tps[best], self.tps[best] + self.fps[best] + positives);
            if u128::from(num) * u128::from(best_den) > u128::from(best_num) * u128::from(den) {
                best = i;
            }
        }
        self.thresholds[best]
    }
}

impl PrCurve {
    /// `sklearn.metrics.auc(recall, precision)`: trapezoidal area under the
    /// curve, recall being non-increasing along it.
    pub(crate) fn trapezoid_area(&self) -> f64 {
        let trapezoids = (1..self.recall.len()).map(|i| {
            let dx = self.recall[i - 1] - self.recall[i];
            dx * (self.precision[i] + self.precision[i - 1]) / 2.0
        });
        compensated_sum(trapezoids)
    }
}

/// The precision-recall curve, exactly as scikit-learn's
/// `precision_recall_curve(y_true, y_score)` (`drop_intermediate=False`).
///
/// `thresholds` are the distinct scores in increasing order; `precision[i]` and
/// `recall[i]` are those of the predictions "late iff `score >= thresholds[i]`".
/// The last element of `precision` and `recall` is the extra point `(1, 0)`
/// that has no threshold, so they are one longer than `thresholds`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrCurve {
    /// Precision at each threshold, then `1.0`.
    pub precision: Vec<f64>,
    /// Recall at each threshold (non-increasing), then `0.0`.
    pub recall: Vec<f64>,
    /// Distinct scores, increasing.
    pub thresholds: Vec<f64>,
}

fn checked_curve(metric: &'static str, y_true: &[bool], y_score: &[f64]) -> Result<Curve, MetricError> {
    check_scores(y_true, y_score)?;
    let curve = Curve::new(y_true, y_score);
    curve.require_both_classes(metric)?;
    Ok(curve)
}

/// Area under the ROC curve (`roc_auc_score`). Scores may be any finite
/// reals, higher = more likely late; ties count one half.
///
/// Errors: [`MetricError::OneClass`] when `y_true` holds one class
/// (scikit-learn warns and returns `NaN`), [`MetricError::NonFinite`],
/// [`MetricError::LengthMismatch`], [`MetricError::Empty`].
pub fn roc_auc(y_true: &[bool], y_score: &[f64]) -> Result<f64, MetricError> {
    Ok(checked_curve("roc_auc", y_true, y_score)?.roc_auc())
}

/// Average precision (`average_precision_score`): the step-wise
/// (non-interpolated) area `sum (R_n - R_{n-1}) P_n`, tied scores forming one
/// step as in scikit-learn.
///
/// Errors: [`MetricError::OneClass`] when `y_true` holds one class
/// (scikit-learn returns 0 or 1 with a warning), and the input errors of
/// [`roc_auc`].
pub fn average_precision(y_true: &[bool], y_score: &[f64]) -> Result<f64, MetricError> {
    Ok(checked_curve("average_precision", y_true, y_score)?.average_precision())
}

/// The precision-recall curve (`precision_recall_curve`), see [`PrCurve`].
///
/// Errors: [`MetricError::OneClass`] when `y_true` holds one class, and the
/// input errors of [`roc_auc`].
pub fn pr_curve(y_true: &[bool], y_score: &[f64]) -> Result<PrCurve, MetricError> {
    Ok(checked_curve("pr_curve", y_true, y_score)?.pr_curve())
}

/// Trapezoidal area under the precision-recall curve,
/// `sklearn.metrics.auc(recall, precision)`. Unlike [`average_precision`] it
/// interpolates linearly between points, which is optimistic; prefer AP.
///
/// Errors: as [`pr_curve`].
pub fn pr_auc_trapezoid(y_true: &[bool], y_score: &[f64]) -> Result<f64, MetricError> {
    Ok(checked_curve("pr_auc_trapezoid", y_true, y_score)?.pr_curve().trapezoid_area())
}

/// The threshold, among the distinct scores (the thresholds of
/// [`pr_curve`]), that maximises F1 of the late class for the predictions
/// "late iff `score >= threshold`" (as [`crate::predict_at`] makes them).
///
/// F1 is compared exactly as the fraction `2 tp / (2 tp + fp + fn)`; when
/// several thresholds reach the maximum, the **highest** one is returned (the
/// most conservative: fewest rows flagged late). Meant for the validation
/// split; apply the result to the test split with [`crate::predict_at`].
///
/// Errors: as [`pr_curve`].
pub fn best_f1_threshold(y_true: &[bool], y_score: &[f64]) -> Result<f64, MetricError> {
    Ok(checked_curve("best_f1_threshold", y_true, y_score)?.best_f1_threshold())
}

#[cfg(test)]
mod tests {
    use super::best_f1_threshold;

    /// P = 3 late rows. With F1 = 2 tp / (tp + fp + P) at each threshold:
    /// 0.9: 2/4, 0.8: 2/5, 0.7: 4/6, 0.6: 4/7, 0.2: 6/8 -> best is 0.2.
    #[test]
    fn best_f1_threshold_by_hand() {
        let y = [true, false, true, false, true];
        let s = [0.9, 0.8, 0.7, 0.6, 0.2];
        assert_eq!(best_f1_threshold(&y, &s), Ok(0.2));
    }

    /// P = 2. 0.9: 2/3, 0.8: 2/4, 0.7: 2/5, 0.6: 4/6 = 2/3: a tie between
    /// 0.9 and 0.6, resolved to the highest threshold.
    #[test]
    fn best_f1_threshold_ties_go_to_the_highest_threshold() {
        let y = [true, false, false, true];
        let s = [0.9, 0.8, 0.7, 0.6];
        assert_eq!(best_f1_threshold(&y, &s), Ok(0.9));
        // The same rows in another order: same answer.
        let y = [false, true, false, true];
        let s = [0.7, 0.6, 0.8, 0.9];
        assert_eq!(best_f1_threshold(&y, &s), Ok(0.9));
    }

    /// Tied scores are one threshold: rows scored 0.5 are flagged together.
    /// P = 2. 0.8: tp 1 fp 0 -> 2/3; 0.5: tp 2 fp 2 -> 4/6 = 2/3 (tie, 0.8
    /// wins); 0.1: tp 2 fp 3 -> 4/7.
    #[test]
    fn best_f1_threshold_groups_ties() {
        let y = [true, true, false, false, false];
        let s = [0.8, 0.5, 0.5, 0.5, 0.1];
        assert_eq!(best_f1_threshold(&y, &s), Ok(0.8));
        // One more late row at 0.5 makes the 0.5 group strictly better:
        // 0.8: 2/4; 0.5: tp 3 fp 2 -> 6/8.
        let y = [true, true, true, false, false, false];
        let s = [0.8, 0.5, 0.5, 0.5, 0.5, 0.1];
        assert_eq!(best_f1_threshold(&y, &s), Ok(0.5));
    }
}
