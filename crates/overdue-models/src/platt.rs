//! Platt scaling: turns the decision values of a margin classifier (an SVM,
//! CSFSOL) into probabilities of late with a fitted sigmoid.
//!
//! Platt (1999), "Probabilistic outputs for support vector machines", fitted as
//! in Lin, Lin & Weng (2007), "A note on Platt's probabilistic outputs for
//! support vector machines", Machine Learning 68: Newton's method with a
//! backtracking line search on the cross-entropy against smoothed targets, in a
//! numerically stable form. See [`PlattScaling::fit`].

use serde::{Deserialize, Serialize};

use crate::ModelError;

/// Maximum Newton iterations (Lin, Lin & Weng use 100).
const MAX_ITER: usize = 100;

/// Smallest step of the backtracking line search before it gives up.
const MIN_STEP: f64 = 1e-10;

/// Added to the Hessian's diagonal so that it stays invertible when all
/// decision values are equal (then the data say nothing about the slope).
const HESSIAN_RIDGE: f64 = 1e-12;

/// Sufficient decrease constant of the line search.
const ARMIJO: f64 = 1e-4;

/// Stop when half the squared Newton decrement is at most this much per
/// calibration row: the objective is then within about that of its minimum.
const DECREMENT_TOLERANCE_PER_ROW: f64 = 1e-14;

/// Which rows a calibration was fitted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CalibratedOn {
    /// The validation split: held-out rows, the intended use.
    Validation,
    /// The training rows, because no (non-empty) validation split was given.
    /// Decision values on training rows are optimistic, so such probabilities
    /// tend to be overconfident.
    Train,
}

/// A fitted sigmoid `P(late | f) = 1 / (1 + exp(a * f + b))` of a decision
/// value `f` (Platt's sign convention: `a` is negative when larger decision
/// values mean late).
///
/// Serialised as `{"a": ..., "b": ...}`; both must be finite.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawPlatt")]
pub struct PlattScaling {
    /// Slope, applied to the decision value.
    pub a: f64,
    /// Offset.
    pub b: f64,
}

impl PlattScaling {
    /// Fits `a` and `b` to decision values `scores` of rows with `labels`
    /// (`true` = late).
    ///
    /// Minimises Platt's cross-entropy
    /// `-sum_i [t_i log p_i + (1 - t_i) log(1 - p_i)]`, `p_i = 1 / (1 + exp(a f_i + b))`,
    /// against his smoothed targets `t_i = (N+ + 1) / (N+ + 2)` for late rows and
    /// `1 / (N- + 2)` for on-time rows (`N+`, `N-`: the counts of each class),
    /// which keep the optimum finite even on separable or one-class data.
    ///
    /// Solver, following Lin, Lin & Weng (2007): start from `a = 0`,
    /// `b = ln((N- + 1) / (N+ + 1))`; Newton steps on `(a, b)` with `1e-12` added
    /// to the Hessian's diagonal; backtracking by halving until the Armijo
    /// condition holds (down to a step of `1e-10`, then stop); at most 100
    /// iterations. The loss and probabilities are evaluated in the stable forms
    /// of that paper. The stopping rule differs: instead of an absolute gradient
    /// below `1e-5`, iterations stop when half the squared Newton decrement is at
    /// most `1e-14` per row, which is invariant to the scale of the decision
    /// values and puts `a` and `b` within about `1e-7` (relative) of the optimum.
    ///
    /// Fails on empty input or non-finite scores.
    pub fn fit(scores: &[f64], labels: &[bool]) -> Result<Self, ModelError> {
        if scores.is_empty() {
            return Err(ModelError::Empty("calibrate"));
        }
        if scores.len() != labels.len() {
            return Err(ModelError::FitFailed(format!(
                "Platt scaling: {} decision values for {} labels",
                scores.len(),
                labels.len()
            )));
        }
        if let Some(i) = scores.iter().position(|f| !f.is_finite()) {
            return Err(ModelError::FitFailed(format!(
                "Platt scaling: decision value {} of row {i} is not finite",
                scores[i]
            )));
        }
        let n_late = labels.iter().filter(|&&l| l).count() as f64;
        let n_on_time = labels.len() as f64 - n_late;
        let targets = [1.0 / (n_on_time + 2.0), (n_late + 1.0) / (n_late + 2.0)];
        let problem = Problem { scores, labels, targets };

        let mut a = 0.0;
        let mut b = ((n_on_time + 1.0) / (n_late + 1.0)).ln();
        let mut value = problem.objective(a, b);
        let tolerance = DECREMENT_TOLERANCE_PER_ROW * scores.len() as f64;
        for _ in 0..MAX_ITER {
            let (g, h) = problem.derivatives(a, b);
            let det = h[0] * h[2] - h[1] * h[1];
            let da = -(h[2] * g[0] - h[1] * g[1]) / det;
            let db = -(-h[1] * g[0] + h[0] * g[1]) / det;
            // Directional derivative g . d = -(Newton decrement)^2.
            let slope = g[0] * da + g[1] * db;
            if !slope.is_finite() || -0.5 * slope <= tolerance {
                break;
            }
            let mut step = 1.0;
            let mut accepted = false;
            while step >= MIN_STEP {
                let (na, nb) = (a + step * da, b + step * db);
                let trial = problem.objective(na, nb);
                if trial < value + ARMIJO * step * slope {
                    (a, b, value) = (na, nb, trial);
                    accepted = true;
                    break;
                }
                step *= 0.5;
            }
            if !accepted {
                // No step lowers the objective any more: we are at the optimum
                // to within rounding.
                break;
            }
        }
        if !(a.is_finite() && b.is_finite()) {
            return Err(ModelError::FitFailed("Platt scaling produced non-finite parameters".into()));
        }
        Ok(Self { a, b })
    }

    /// The probability of late for decision value `score`, in `[0, 1]`.
    pub fn probability(&self, score: f64) -> f64 {
        let z = self.a * score + self.b;
        // 1 / (1 + e^z) without overflow.
        if z >= 0.0 {
            let e = (-z).exp();
            e / (1.0 + e)
        } else {
            1.0 / (1.0 + z.exp())
        }
    }

    /// Platt's objective at `(a, b)` for these scores and labels (smoothed
    /// targets as in [`PlattScaling::fit`]); exposed so that a fit can be
    /// checked against an independent optimiser.
    pub fn objective(scores: &[f64], labels: &[bool], a: f64, b: f64) -> f64 {
        let n_late = labels.iter().filter(|&&l| l).count() as f64;
        let n_on_time = labels.len() as f64 - n_late;
        let targets = [1.0 / (n_on_time + 2.0), (n_late + 1.0) / (n_late + 2.0)];
        Problem { scores, labels, targets }.objective(a, b)
    }
}

/// Decision values, labels and the smoothed targets `[on_time, late]`.
struct Problem<'a> {
    scores: &'a [f64],
    labels: &'a [bool],
    targets: [f64; 2],
}

impl Problem<'_> {
    fn objective(&self, a: f64, b: f64) -> f64 {
        let mut total = 0.0;
        for (&f, &late) in self.scores.iter().zip(self.labels) {
            let t = self.targets[usize::from(late)];
            let z = a * f + b;
            // log(1 + e^z) - (1 - t) z, written so that exp never overflows.
            total += if z >= 0.0 { t * z + (-z).exp().ln_1p() } else { (t - 1.0) * z + z.exp().ln_1p() };
        }
        total
    }

    /// Gradient `[d/da, d/db]` and Hessian `[h_aa, h_ab, h_bb]` (ridged).
    fn derivatives(&self, a: f64, b: f64) -> ([f64; 2], [f64; 3]) {
        let (mut g, mut h) = ([0.0; 2], [HESSIAN_RIDGE, 0.0, HESSIAN_RIDGE]);
        for (&f, &late) in self.scores.iter().zip(self.labels) {
            let t = self.targets[usize::from(late)];
            let z = a * f + b;
            // p = 1 / (1 + e^z) and q = 1 - p, each from the side that does not
            // overflow.
            let (p, q) = if z >= 0.0 {
                let e = (-z).exp();
                (e / (1.0 + e), 1.0 / (1.0 + e))
            } else {
                let e = z.exp();
                (1.0 / (1.0 + e), e / (1.0 + e))
            };
            let d1 = t - p;
            let d2 = p * q;
            g[0] += f * d1;
            g[1] += d1;
            h[0] += f * f * d2;
            h[1] += f * d2;
            h[2] += d2;
        }
        (g, h)
    }
}

/// The serialised form, checked into a [`PlattScaling`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlatt {
    a: f64,
    b: f64,
}

impl TryFrom<RawPlatt> for PlattScaling {
    type Error = String;

    fn try_from(raw: RawPlatt) -> Result<Self, String> {
        if raw.a.is_finite() && raw.b.is_finite() {
            Ok(Self { a: raw.a, b: raw.b })
        } else {
            Err("Platt scaling parameters must be finite".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_points_hit_their_smoothed_targets_exactly() {
        // One on-time row at f = -1, one late row at f = +1: targets 1/3 and 2/3
        // are reachable, so 1 / (1 + e^(a + b)) = 2/3 and 1 / (1 + e^(-a + b)) = 1/3,
        // i.e. a = -ln 2, b = 0.
        let platt = PlattScaling::fit(&[-1.0, 1.0], &[false, true]).unwrap();
        assert!((platt.a + std::f64::consts::LN_2).abs() < 1e-7, "{platt:?}");
        assert!(platt.b.abs() < 1e-7, "{platt:?}");
        assert!((platt.probability(1.0) - 2.0 / 3.0).abs() < 1e-7);
    }

    #[test]
    fn equal_scores_give_a_constant_probability() {
        let platt =
            PlattScaling::fit(&[0.5; 10], &[true, true, false, false, false, false, false, false, false, false])
                .unwrap();
        let p = platt.probability(0.5);
        // The best constant for targets 3/4 (twice) and 1/10 (eight times): their mean.
        assert!((p - (2.0 * 0.75 + 8.0 * 0.1) / 10.0).abs() < 1e-6, "{p}");
        assert!(platt.probability(1e300).is_finite() && platt.probability(-1e300).is_finite());
    }

    #[test]
    fn one_class_and_extreme_scores_stay_finite() {
        let platt = PlattScaling::fit(&[-1e6, 3.0, 1e6], &[false, false, false]).unwrap();
        for f in [-1e9, 0.0, 1e9] {
            let p = platt.probability(f);
            assert!((0.0..=1.0).contains(&p), "{p}");
        }
        assert!(matches!(PlattScaling::fit(&[], &[]), Err(ModelError::Empty(_))));
        assert!(PlattScaling::fit(&[f64::NAN], &[true]).is_err());
    }
}
