//! Logistic regression, fitted by damped Newton (IRLS) to scikit-learn's objective.
//!
//! The objective, solver and stopping rule are documented on [`LogisticRegression`].

use overdue_features::{MatrixView, Samples};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::numeric::{sigmoid, softplus};
use crate::platt_linear::{LinearScorer, decision_value, design_row};
use crate::{
    CheckedData, ClassWeight, Classifier, FitOptions, FittedClassifier, MissingValues, ModelError, Standardizer,
    check_features, linalg,
};

/// Rows per parallel work item, when fitting and predicting. Fixed, so that the
/// summation order (and thus every bit of the result) does not depend on the
/// thread pool.
pub(crate) const CHUNK_ROWS: usize = 8192;

/// Sufficient decrease constant of the Armijo line search.
const ARMIJO: f64 = 1e-4;

/// Step halvings tried before the line search gives up.
const MAX_HALVINGS: usize = 60;

/// The penalty on the coefficients (never on the intercept).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Penalty {
    /// `0.5 * ||beta||^2`, weighed against `C` times the loss.
    #[default]
    L2,
    /// `||beta||_1`, weighed against `C` times the loss: drives weak
    /// coefficients to exactly zero (scikit-learn's `penalty="l1"`).
    L1,
    /// No penalty: plain (weighted) maximum likelihood. `c` is ignored.
    None,
}

/// Hyperparameters of a logistic regression.
///
/// # Objective
///
/// With per-row weights `w_i` (from [`ClassWeight`]) and `beta` the coefficients
/// without the intercept, the fit minimises, exactly as scikit-learn's
/// `LogisticRegression`,
///
/// ```text
/// C * sum_i w_i * logloss(y_i, x_i . beta + b) + 0.5 * ||beta||^2      (Penalty::L2)
/// C * sum_i w_i * logloss(y_i, x_i . beta + b) + ||beta||_1            (Penalty::L1)
///     sum_i w_i * logloss(y_i, x_i . beta + b)                         (Penalty::None)
/// ```
///
/// The intercept `b` is never penalised. Internally the objective is divided by
/// `C * sum_i w_i` (the same minimiser): a weighted mean log-loss plus
/// `||beta||^2 / (2 C sum_i w_i)` (or `||beta||_1 / (C sum_i w_i)`), so that the
/// stopping tolerance does not depend on the number of rows or the weights.
///
/// # Solver
///
/// Newton's method with a backtracking (Armijo) line search on that objective,
/// starting from `beta = 0` and the intercept at the weighted log-odds of the
/// labels. The Hessian is solved by Cholesky in f64 after symmetric diagonal
/// scaling (Jacobi scaling), which makes the solve insensitive to
/// features on very different scales; a tiny ridge is added only when the
/// factorisation fails. Gradient and Hessian are summed over fixed chunks of
/// 8192 rows in parallel, and the per-chunk partial sums are added in
/// chunk order, so a fit is bit-identical from run to run whatever the number of
/// threads.
///
/// With the L1 penalty the objective is not differentiable, so each iteration
/// takes a *proximal* Newton step instead (Lee, Sun & Saunders, "Proximal
/// Newton-type methods for minimizing composite functions", SIAM J. Optim. 2014;
/// the same scheme as liblinear's newGLMNET, Yuan, Ho & Lin 2012): the step `d`
/// minimises the local quadratic model `g.d + 0.5 d^T H d` plus the exact
/// `lambda * ||beta + d||_1`, solved by cyclic coordinate descent with soft
/// thresholding on the small `p x p` model (the data are touched only to form
/// `g` and `H`, once per iteration). The line search then asks for a sufficient
/// decrease of the full objective relative to
/// `delta = g.d + lambda * (||beta + d||_1 - ||beta||_1)`, which plays the role
/// of `g.step` in the smooth case (and equals it without the penalty).
///
/// **Stopping rule.** `tol` applies to the Newton decrement of the scaled
/// objective: the fit has converged when `0.5 * g^T H^-1 g <= tol`, or
/// `-0.5 * delta <= tol` with the L1 penalty (Boyd &
/// Vandenberghe, section 9.5.1), i.e. when the predicted decrease of the mean
/// loss is below `tol`. Unlike the maximum absolute gradient, the decrement is
/// invariant to the scale of the features, so the same `tol` works for
/// standardised and raw features. The final Newton step is still taken, so
/// (Newton converging quadratically) the objective ends within about `tol^2` of
/// its minimum and the parameters within about `tol` in the Hessian's norm; with
/// the default `tol = 1e-8`, probabilities on the scikit-learn fixtures agree
/// with the exact optimum to about 1e-7.
///
/// # Failures
///
/// Invalid hyperparameters give [`ModelError::InvalidHyperparameter`] naming the
/// field; empty, one-class or non-finite training data the errors of
/// [`check_training`]; parameters or objective turning non-finite
/// [`ModelError::FitFailed`]. Reaching `max_iter` is not an error: the model is
/// kept and records `converged: false` (scikit-learn warns in that case). If no
/// step along the Newton direction lowers the objective any more (the remaining
/// decrease is below f64 resolution), the fit stops there and counts as
/// converged only when the decrement is at the objective's rounding level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogisticRegression {
    /// The penalty on the coefficients. Default: L2.
    pub penalty: Penalty,
    /// Inverse regularisation strength, exactly scikit-learn's `C`: the loss is
    /// multiplied by `c` against a penalty of `0.5 * ||beta||^2` (or
    /// `||beta||_1`). Must be positive
    /// and finite (checked even when `penalty` is `none`). Default: 1.
    pub c: f64,
    /// Whether to fit an (unpenalised) intercept. Default: true.
    pub fit_intercept: bool,
    /// Weights of the two classes in the loss. Default: none (all rows weigh 1).
    pub class_weight: ClassWeight,
    /// Whether to standardise the features with a [`Standardizer`] fitted on the
    /// training rows; the fitted model stores it and applies it when predicting.
    /// Default: true.
    pub standardize: bool,
    /// Maximum number of Newton iterations. When reached, the fit is kept but its
    /// model records `converged: false`. Default: 100.
    pub max_iter: usize,
    /// Convergence tolerance on half the squared Newton decrement of the loss
    /// scaled by `1 / (C * sum of weights)` (see the stopping rule above).
    /// Default: 1e-8.
    pub tol: f64,
}

impl Default for LogisticRegression {
    fn default() -> Self {
        Self {
            penalty: Penalty::L2,
            c: 1.0,
            fit_intercept: true,
            class_weight: ClassWeight::None,
            standardize: true,
            max_iter: 100,
            tol: 1e-8,
        }
    }
}

impl LogisticRegression {
    /// Checks the hyperparameters, naming the first invalid one.
    pub fn validate(&self) -> Result<(), ModelError> {
        if !(self.c.is_finite() && self.c > 0.0) {
            return Err(ModelError::InvalidHyperparameter {
                name: "c",
                reason: format!("must be positive and finite, got {}", self.c),
            });
        }
        if !(self.tol.is_finite() && self.tol > 0.0) {
            return Err(ModelError::InvalidHyperparameter {
                name: "tol",
                reason: format!("must be positive and finite, got {}", self.tol),
            });
        }
        if self.max_iter == 0 {
            return Err(ModelError::InvalidHyperparameter { name: "max_iter", reason: "must be at least 1".into() });
        }
        self.class_weight.validate()
    }

    /// Fits on `train` and returns the concrete model (what [`Classifier::fit`]
    /// boxes), so that callers can read its coefficients and convergence.
    pub fn fit_model(&self, train: Samples<'_>) -> Result<LogisticRegressionModel, ModelError> {
        self.fit_checked_model(self.check_data(train, None)?)
    }

    /// The fit itself, on data the contract checked.
    fn fit_checked_model(&self, data: CheckedData<'_>) -> Result<LogisticRegressionModel, ModelError> {
        let train = data.train();
        let weights = self.class_weight.resolve(train.labels())?;
        let features = train.features();
        let n_cols = features.n_cols();

        let standardizer = self.standardize.then(|| Standardizer::fit(&features));
        let mut design = vec![0.0; features.as_slice().len()];
        design.par_chunks_mut(CHUNK_ROWS * n_cols).zip(features.as_slice().par_chunks(CHUNK_ROWS * n_cols)).for_each(
            |(out, input)| {
                for (o, row) in out.chunks_exact_mut(n_cols).zip(input.chunks_exact(n_cols)) {
                    design_row(standardizer.as_ref(), row, o);
                }
            },
        );

        let n_late = train.n_late();
        let total_weight = n_late as f64 * weights[1] + (train.n_rows() - n_late) as f64 * weights[0];
        let problem = Problem {
            design: &design,
            n_cols,
            labels: train.labels(),
            weights,
            fit_intercept: self.fit_intercept,
            inv_total_weight: 1.0 / total_weight,
            ridge: match self.penalty {
                Penalty::L2 => 1.0 / (self.c * total_weight),
                Penalty::L1 | Penalty::None => 0.0,
            },
            lasso: match self.penalty {
                Penalty::L1 => 1.0 / (self.c * total_weight),
                Penalty::L2 | Penalty::None => 0.0,
            },
        };
        let fit = problem.newton(self.max_iter, self.tol)?;
        let (coefficients, intercept) = fit.theta.split_at(n_cols);
        Ok(LogisticRegressionModel {
            standardizer,
            coefficients: coefficients.to_vec(),
            intercept: intercept.first().copied().unwrap_or(0.0),
            iterations: fit.iterations,
            converged: fit.converged,
        })
    }
}

impl Classifier for LogisticRegression {
    fn family(&self) -> &'static str {
        "logistic_regression"
    }

    fn hyperparameters(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("hyperparameters serialise to JSON")
    }

    fn validate(&self) -> Result<(), ModelError> {
        LogisticRegression::validate(self)
    }

    /// Fits on `train`; `validation` is not used.
    fn missing_values(&self) -> MissingValues {
        MissingValues::Rejected
    }

    fn fit_checked(
        &self,
        data: CheckedData<'_>,
        _options: &FitOptions,
    ) -> Result<Box<dyn FittedClassifier>, ModelError> {
        Ok(Box::new(self.fit_checked_model(data)?))
    }
}

/// A fitted logistic regression.
///
/// The coefficients live on the scale the model was fitted on: after the
/// stored [`Standardizer`] when there is one (`standardize = true`), on the raw
/// features otherwise. Prediction applies the standardiser then the
/// coefficients, which reproduces the fit exactly;
/// [`LogisticRegressionModel::original_scale`] gives the equivalent coefficients
/// and intercept on the raw features, for reading.
///
/// Serialised as `{"standardizer": {...} | null, "coefficients": [...],
/// "intercept": ..., "iterations": ..., "converged": ...}`; deserialisation checks
/// that the parts are finite and consistent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawModel")]
pub struct LogisticRegressionModel {
    standardizer: Option<Standardizer>,
    coefficients: Vec<f64>,
    intercept: f64,
    iterations: usize,
    converged: bool,
}

impl LogisticRegressionModel {
    /// The standardiser applied before the coefficients, if the model was fitted
    /// with `standardize = true`.
    pub fn standardizer(&self) -> Option<&Standardizer> {
        self.standardizer.as_ref()
    }

    /// One coefficient per feature, on the fitted (standardised if any) scale.
    pub fn coefficients(&self) -> &[f64] {
        &self.coefficients
    }

    /// The intercept on the fitted scale (0 when fitted without one).
    pub fn intercept(&self) -> f64 {
        self.intercept
    }

    /// Newton iterations performed.
    pub fn iterations(&self) -> usize {
        self.iterations
    }

    /// Whether the stopping rule was met within `max_iter` iterations.
    pub fn converged(&self) -> bool {
        self.converged
    }

    /// Number of features the model expects.
    pub fn n_features(&self) -> usize {
        self.coefficients.len()
    }

    /// Coefficients and intercept on the raw, unstandardised features:
    /// `beta_j / scale_j` and `b - sum_j beta_j * mean_j / scale_j`. Equal to the
    /// stored ones when there is no standardiser.
    pub fn original_scale(&self) -> (Vec<f64>, f64) {
        self.scorer().original_scale()
    }

    /// The linear part, shared with the other linear families: the same
    /// design rows and sums as the fit, so predictions reproduce it exactly.
    fn scorer(&self) -> LinearScorer<'_> {
        LinearScorer {
            standardizer: self.standardizer.as_ref(),
            coefficients: &self.coefficients,
            intercept: self.intercept,
        }
    }
}

impl FittedClassifier for LogisticRegressionModel {
    fn predict_proba(&self, features: MatrixView<'_>) -> Result<Vec<f64>, ModelError> {
        check_features(&features, self.n_features(), MissingValues::Rejected)?;
        Ok(self.scorer().decision_values(features).into_iter().map(sigmoid).collect())
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("a fitted model serialises to JSON")
    }
}

/// The serialised form, validated into a [`LogisticRegressionModel`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModel {
    standardizer: Option<Standardizer>,
    coefficients: Vec<f64>,
    intercept: f64,
    iterations: usize,
    converged: bool,
}

impl TryFrom<RawModel> for LogisticRegressionModel {
    type Error = String;

    fn try_from(raw: RawModel) -> Result<Self, String> {
        let scorer = LinearScorer {
            standardizer: raw.standardizer.as_ref(),
            coefficients: &raw.coefficients,
            intercept: raw.intercept,
        };
        scorer.check("logistic regression")?;
        Ok(Self {
            standardizer: raw.standardizer,
            coefficients: raw.coefficients,
            intercept: raw.intercept,
            iterations: raw.iterations,
            converged: raw.converged,
        })
    }
}

/// Sequential sum, left to right.
fn sum(values: &[f64]) -> f64 {
    values.iter().fold(0.0, |acc, v| acc + v)
}

/// The scaled objective over a materialised design matrix.
struct Problem<'a> {
    /// Rows of the (standardised) features, row-major, `n_cols` wide.
    design: &'a [f64],
    n_cols: usize,
    labels: &'a [bool],
    /// `[on_time, late]` weights.
    weights: [f64; 2],
    fit_intercept: bool,
    /// `1 / sum of weights`.
    inv_total_weight: f64,
    /// Coefficient of `0.5 * ||beta||^2` in the scaled objective: `1 / (C W)`
    /// with the L2 penalty, 0 otherwise.
    ridge: f64,
    /// Coefficient of `||beta||_1` in the scaled objective: `1 / (C W)` with the
    /// L1 penalty, 0 otherwise.
    lasso: f64,
}

/// Per-chunk partial sums of the weighted loss, gradient and packed upper
/// triangle of the Hessian.
struct Partial {
    loss: f64,
    gradient: Vec<f64>,
    hessian: Vec<f64>,
}

/// Outcome of the Newton iterations.
struct NewtonFit {
    /// Coefficients, then the intercept if fitted.
    theta: Vec<f64>,
    iterations: usize,
    converged: bool,
}

impl Problem<'_> {
    /// Number of parameters: coefficients plus the intercept if fitted.
    fn n_params(&self) -> usize {
        self.n_cols + usize::from(self.fit_intercept)
    }

    fn intercept(&self, theta: &[f64]) -> f64 {
        if self.fit_intercept { theta[self.n_cols] } else { 0.0 }
    }

    fn row_chunks(&self) -> impl IndexedParallelIterator<Item = (&[f64], &[bool])> {
        self.design.par_chunks(CHUNK_ROWS * self.n_cols).zip(self.labels.par_chunks(CHUNK_ROWS))
    }

    /// The penalty part of the scaled objective (both kinds; one is zero).
    fn penalty(&self, theta: &[f64]) -> f64 {
        let beta = &theta[..self.n_cols];
        0.5 * self.ridge * beta.iter().map(|b| b * b).sum::<f64>() + self.lasso * l1_norm(beta)
    }

    /// The scaled objective at `theta`.
    fn objective(&self, theta: &[f64]) -> f64 {
        let beta = &theta[..self.n_cols];
        let intercept = self.intercept(theta);
        let partials: Vec<f64> = self
            .row_chunks()
            .map(|(rows, labels)| {
                let mut loss = 0.0;
                for (row, &label) in rows.chunks_exact(self.n_cols).zip(labels) {
                    let z = decision_value(row, beta, intercept);
                    let l = if label { softplus(-z) } else { softplus(z) };
                    loss += self.weights[usize::from(label)] * l;
                }
                loss
            })
            .collect();
        sum(&partials) * self.inv_total_weight + self.penalty(theta)
    }

    /// Objective, and the gradient and full Hessian (row-major) of its smooth
    /// part (everything but the L1 term) at `theta`.
    fn derivatives(&self, theta: &[f64]) -> (f64, Vec<f64>, Vec<f64>) {
        let p = self.n_params();
        let beta = &theta[..self.n_cols];
        let intercept = self.intercept(theta);
        let partials: Vec<Partial> = self
            .row_chunks()
            .map(|(rows, labels)| {
                let mut part = Partial { loss: 0.0, gradient: vec![0.0; p], hessian: vec![0.0; p * (p + 1) / 2] };
                let mut a = vec![1.0; p];
                for (row, &label) in rows.chunks_exact(self.n_cols).zip(labels) {
                    a[..self.n_cols].copy_from_slice(row);
                    let z = decision_value(row, beta, intercept);
                    let w = self.weights[usize::from(label)];
                    // e = exp(-|z|) gives sigmoid(|z|) = 1 / (1 + e) and
                    // sigmoid(-|z|) = e / (1 + e) without cancellation.
                    let e = (-z.abs()).exp();
                    let small = e / (1.0 + e);
                    let large = 1.0 / (1.0 + e);
                    // Residual p - y, computed from the side that does not cancel.
                    let residual = match (label, z >= 0.0) {
                        (false, true) => large,
                        (false, false) => small,
                        (true, true) => -small,
                        (true, false) => -large,
                    };
                    let curvature = w * small * large;
                    let l = if label { softplus(-z) } else { softplus(z) };
                    part.loss += w * l;
                    let wr = w * residual;
                    let mut k = 0;
                    for i in 0..p {
                        part.gradient[i] += wr * a[i];
                        let ha = curvature * a[i];
                        for aj in &a[i..] {
                            part.hessian[k] += ha * aj;
                            k += 1;
                        }
                    }
                }
                part
            })
            .collect();

        let mut loss = 0.0;
        let mut gradient = vec![0.0; p];
        let mut packed = vec![0.0; p * (p + 1) / 2];
        for part in &partials {
            loss += part.loss;
            gradient.iter_mut().zip(&part.gradient).for_each(|(g, v)| *g += v);
            packed.iter_mut().zip(&part.hessian).for_each(|(h, v)| *h += v);
        }
        let scale = self.inv_total_weight;
        gradient.iter_mut().for_each(|g| *g *= scale);
        let mut hessian = vec![0.0; p * p];
        let mut k = 0;
        for i in 0..p {
            for j in i..p {
                hessian[i * p + j] = packed[k] * scale;
                hessian[j * p + i] = packed[k] * scale;
                k += 1;
            }
        }
        for j in 0..self.n_cols {
            gradient[j] += self.ridge * theta[j];
            hessian[j * p + j] += self.ridge;
        }
        (loss * scale + self.penalty(theta), gradient, hessian)
    }

    /// Damped Newton from `beta = 0`, intercept at the weighted log-odds.
    fn newton(&self, max_iter: usize, tol: f64) -> Result<NewtonFit, ModelError> {
        let p = self.n_params();
        let mut theta = vec![0.0; p];
        if self.fit_intercept {
            let n_late = self.labels.iter().filter(|&&l| l).count() as f64;
            let n_on_time = self.labels.len() as f64 - n_late;
            theta[self.n_cols] = (n_late * self.weights[1] / (n_on_time * self.weights[0])).ln();
        }
        let non_finite = |what: &str, iteration: usize| {
            ModelError::FitFailed(format!("logistic regression: {what} became non-finite at iteration {iteration}"))
        };

        for iteration in 1..=max_iter {
            let (objective, gradient, hessian) = self.derivatives(&theta);
            if !objective.is_finite() || !gradient.iter().all(|g| g.is_finite()) {
                return Err(non_finite("the objective or its gradient", iteration));
            }
            let (step, slope) = if self.lasso > 0.0 {
                self.proximal_step(&theta, &gradient, &hessian)
            } else {
                let minus_gradient: Vec<f64> = gradient.iter().map(|g| -g).collect();
                let (step, _ridged) =
                    linalg::solve_spd(&hessian, &minus_gradient).ok_or_else(|| non_finite("the Hessian", iteration))?;
                // Newton decrement squared: g^T H^-1 g = -g . step (>= 0 up to rounding).
                let slope: f64 = gradient.iter().zip(&step).map(|(g, s)| g * s).sum();
                (step, slope)
            };
            let half_decrement = -0.5 * slope;

            if half_decrement.abs() <= tol {
                // Converged: take the last full Newton step, which squares the
                // remaining error (the decrement is far inside Newton's
                // quadratic region, so no line search is needed).
                theta.iter_mut().zip(&step).for_each(|(t, s)| *t += s);
                if !theta.iter().all(|t| t.is_finite()) {
                    return Err(non_finite("the parameters", iteration));
                }
                return Ok(NewtonFit { theta, iterations: iteration, converged: true });
            }

            // Backtracking line search on the objective (Armijo condition).
            let mut t = 1.0;
            let mut accepted = None;
            for _ in 0..MAX_HALVINGS {
                let trial: Vec<f64> = theta.iter().zip(&step).map(|(th, s)| th + t * s).collect();
                let value = self.objective(&trial);
                if value.is_finite() && value <= objective + ARMIJO * t * slope {
                    accepted = Some(trial);
                    break;
                }
                t *= 0.5;
            }
            match accepted {
                Some(trial) => theta = trial,
                None => {
                    // No step decreases the objective: the remaining decrease is
                    // below what f64 can resolve. That is convergence when the
                    // decrement is at the objective's rounding level, otherwise a
                    // stall that is reported as not converged.
                    let resolution = 1e3 * f64::EPSILON * objective.abs().max(1.0);
                    return Ok(NewtonFit { theta, iterations: iteration, converged: half_decrement <= resolution });
                }
            }
            if !theta.iter().all(|t| t.is_finite()) {
                return Err(non_finite("the parameters", iteration));
            }
        }
        Ok(NewtonFit { theta, iterations: max_iter, converged: false })
    }

    /// The proximal Newton step for the L1 penalty and its predicted decrease
    /// `delta` (see the solver notes on [`LogisticRegression`]).
    ///
    /// Coordinate descent on `g.d + 0.5 d^T H d + lambda ||beta + d||_1`: for a
    /// coefficient, the exact minimiser along its coordinate is a soft
    /// threshold of `beta_j + d_j` at `lambda / H_jj`; the intercept takes a
    /// plain Newton coordinate step. `H d` is kept up to date as coordinates
    /// move, so a sweep costs `O(p^2)`, nothing against one pass over the data.
    fn proximal_step(&self, theta: &[f64], gradient: &[f64], hessian: &[f64]) -> (Vec<f64>, f64) {
        let p = self.n_params();
        let mut step = vec![0.0; p];
        let mut h_step = vec![0.0; p];
        for _ in 0..PROXIMAL_SWEEPS {
            let mut largest_move: f64 = 0.0;
            for j in 0..p {
                let curvature = hessian[j * p + j];
                if curvature <= 0.0 {
                    // A constant column: the loss does not depend on it, so the
                    // coefficient stays where the penalty puts it.
                    continue;
                }
                // Slope of the smooth model along j, without j's own term.
                let slope = gradient[j] + h_step[j] - curvature * step[j];
                let target = if j < self.n_cols {
                    soft_threshold(theta[j] - slope / curvature, self.lasso / curvature) - theta[j]
                } else {
                    -slope / curvature
                };
                let moved = target - step[j];
                if moved != 0.0 {
                    step[j] = target;
                    h_step.iter_mut().zip(&hessian[j * p..(j + 1) * p]).for_each(|(hd, h)| *hd += moved * h);
                    largest_move = largest_move.max(moved.abs() * curvature.sqrt());
                }
            }
            if largest_move <= PROXIMAL_TOL {
                break;
            }
        }
        let beta = &theta[..self.n_cols];
        let moved_beta: Vec<f64> = beta.iter().zip(&step).map(|(b, d)| b + d).collect();
        let linear: f64 = gradient.iter().zip(&step).map(|(g, d)| g * d).sum();
        let delta = linear + self.lasso * (l1_norm(&moved_beta) - l1_norm(beta));
        (step, delta)
    }
}

/// Coordinate-descent sweeps allowed per proximal step. The subproblem is
/// `p x p`, so even the limit costs far less than one pass over the rows; it
/// is reached only on nearly collinear features, where an inexact step is
/// still a descent direction and the line search keeps the fit safe.
const PROXIMAL_SWEEPS: usize = 10_000;

/// A sweep moving no coordinate by more than this (in the Hessian's norm) ends
/// the proximal subproblem.
const PROXIMAL_TOL: f64 = 1e-14;

/// `sign(x) * max(|x| - threshold, 0)`: the exact minimiser of
/// `0.5 (u - x)^2 + threshold |u|`.
fn soft_threshold(x: f64, threshold: f64) -> f64 {
    if x > threshold {
        x - threshold
    } else if x < -threshold {
        x + threshold
    } else {
        0.0
    }
}

/// `sum_j |v_j|`.
fn l1_norm(values: &[f64]) -> f64 {
    values.iter().map(|v| v.abs()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soft_threshold_shrinks_towards_zero_and_stops_there() {
        assert_eq!(soft_threshold(3.0, 1.0), 2.0);
        assert_eq!(soft_threshold(-3.0, 1.0), -2.0);
        assert_eq!(soft_threshold(0.5, 1.0), 0.0);
        assert_eq!(soft_threshold(-1.0, 1.0), 0.0);
    }

    /// Unscaled, badly conditioned columns (scales 1e-3 to 1e6) and a pair of
    /// nearly collinear ones, with labels driven by a few of them.
    fn ill_conditioned_data(n_rows: usize) -> (Vec<f32>, Vec<bool>) {
        let scales = [1.0, 1e6, 1e-3, 30.0, 1.0, 1.0];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut uniform = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut features = Vec::with_capacity(n_rows * scales.len());
        let mut labels = Vec::with_capacity(n_rows);
        for _ in 0..n_rows {
            let u: Vec<f64> = (0..scales.len()).map(|_| uniform() - 0.5).collect();
            let mut row: Vec<f64> = u.iter().zip(scales).map(|(v, s)| v * s).collect();
            row[5] = row[4] * 1.2 + 1e-3 * u[5];
            let logit = 2.0 * u[0] - 3.0 * u[1] + 1.5 * u[4] - 0.2;
            labels.push(uniform() < 1.0 / (1.0 + (-logit).exp()));
            features.extend(row.iter().map(|&v| v as f32));
        }
        (features, labels)
    }

    #[test]
    fn l1_fits_on_raw_ill_conditioned_features_meet_the_optimality_conditions() {
        // The L1 objective's optimum is characterised exactly (its KKT
        // conditions): with g the gradient of the smooth part, every non-zero
        // coefficient has g_j = -lambda sign(beta_j), every zero one has
        // |g_j| <= lambda, and the intercept has g = 0.
        let (features, labels) = ill_conditioned_data(3000);
        let n_cols = 6;
        let train = Samples::new(MatrixView::new(&features, n_cols).unwrap(), &labels).unwrap();
        for c in [0.001, 0.01, 1.0] {
            let params = LogisticRegression { penalty: Penalty::L1, c, standardize: false, ..Default::default() };
            let model = params.fit_model(train).unwrap();
            assert!(model.converged(), "C = {c}: not converged after {} iterations", model.iterations());

            let design: Vec<f64> = features.iter().map(|&v| f64::from(v)).collect();
            let lambda = 1.0 / (c * labels.len() as f64);
            let problem = Problem {
                design: &design,
                n_cols,
                labels: &labels,
                weights: [1.0, 1.0],
                fit_intercept: true,
                inv_total_weight: 1.0 / labels.len() as f64,
                ridge: 0.0,
                lasso: lambda,
            };
            let theta: Vec<f64> = model.coefficients().iter().copied().chain([model.intercept()]).collect();
            let (_, gradient, hessian) = problem.derivatives(&theta);
            // Gradients compare on each column's own scale (sqrt of its curvature).
            for j in 0..n_cols {
                let scale = hessian[j * (n_cols + 1) + j].sqrt().max(1e-300);
                let violation = if theta[j] == 0.0 {
                    (gradient[j].abs() - lambda).max(0.0)
                } else {
                    (gradient[j] + lambda * theta[j].signum()).abs()
                };
                assert!(
                    violation / scale <= 1e-6,
                    "C = {c}, column {j}: KKT violation {violation:e} (beta {})",
                    theta[j]
                );
            }
            assert!(gradient[n_cols].abs() <= 1e-8, "C = {c}: intercept gradient {:e}", gradient[n_cols]);
        }
        // A strong penalty zeroes the uninformative columns, a weak one keeps
        // the informative ones.
        let strong = LogisticRegression { penalty: Penalty::L1, c: 0.001, standardize: false, ..Default::default() };
        let sparse = strong.fit_model(train).unwrap();
        assert!(sparse.coefficients().iter().filter(|b| **b == 0.0).count() >= 3, "{:?}", sparse.coefficients());
    }

    #[test]
    fn default_hyperparameters_are_valid() {
        LogisticRegression::default().validate().unwrap();
    }
}
