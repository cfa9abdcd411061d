//! Linear SVM with an L1 penalty and the squared hinge loss (liblinear `-s 5`,
//! scikit-learn's `LinearSVC(penalty="l1", loss="squared_hinge", dual=False)`),
//! with Platt-scaled probabilities.
//!
//! The objective and the bias are documented on [`LinearSvm`], the solver in
//! `solver.rs`, the calibration in [`PlattScaling`](crate::PlattScaling); the
//! fitted form is the shared [`PlattLinearModel`].

mod solver;

use overdue_features::Samples;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::platt_linear::{FitRecord, PlattLinearModel, design_row};
use crate::{
    CheckedData, ClassWeight, Classifier, FitOptions, FittedClassifier, MissingValues, ModelError, Standardizer,
};

/// Hyperparameters of an L1-regularised, squared-hinge linear SVM.
///
/// # Objective
///
/// With labels `y_i = +1` (late) and `-1` (on time), `c_i` the class weight of
/// row `i` (from [`ClassWeight`]) and `x_i` the (standardised, if
/// `standardize`) features, the fit minimises, exactly as liblinear's `-s 5`:
///
/// ```text
/// ||w||_1 + C * sum_i c_i * max(0, 1 - y_i (w . x_i + w_b * 1))^2
/// ```
///
/// **The bias is regularised.** With `fit_intercept` the bias is an extra
/// feature of constant value 1 (liblinear's `-B 1`, scikit-learn's
/// `intercept_scaling = 1`) whose weight `w_b` is part of `||w||_1` like any
/// other. That is what liblinear and scikit-learn do, and the price of the
/// solver's simplicity: on standardised features the intercept is shrunk
/// towards 0, which shifts decision values but not their ranking, and Platt
/// scaling absorbs the shift.
///
/// The solution is sparse: coefficients of features that do not pay for their
/// L1 cost are exactly 0. For a strictly convex restriction to its non-zero
/// coordinates (the usual case with continuous features) the minimiser is
/// unique, so any solver converges to the same coefficients.
///
/// # Solver
///
/// Coordinate descent with one-dimensional Newton steps, a line search and
/// shrinking (Yuan, Chang, Hsieh & Lin 2010, JMLR 11; liblinear's
/// `solve_l1r_l2_svc`), written from the paper's description. Each outer
/// iteration visits the coordinates in a random order drawn from a ChaCha8
/// generator seeded with [`FitOptions::seed`], so a fit is deterministic per
/// seed; different seeds reach the same optimum up to `tol`. The loop is
/// sequential (coordinate descent is), so the thread count cannot change it.
///
/// **Stopping rule** (liblinear's): the 1-norm of the minimum-norm subgradient
/// over all coordinates has fallen to `tol` times its value in the first
/// iteration.
///
/// # Probabilities
///
/// [`PlattScaling`](crate::PlattScaling) of the decision values, fitted on the
/// validation split when one with rows is given to [`Classifier::fit`], on the
/// training rows otherwise; the fitted model records which in `calibrated_on`.
///
/// # Failures
///
/// Invalid hyperparameters give [`ModelError::InvalidHyperparameter`] naming the
/// field; empty, one-class or non-finite training data the errors of
/// [`check_training`]; a validation split of the wrong width or with
/// non-finite values the errors of [`check_features`](crate::check_features).
/// Reaching `max_iter` is not an error: the model is kept and records
/// `converged: false` (liblinear warns).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LinearSvm {
    /// Weight `C` of the loss against the L1 penalty (liblinear's `-c`,
    /// scikit-learn's `C`). Must be positive and finite. Default: 1.
    pub c: f64,
    /// Whether to fit a bias as an extra constant feature of value 1, penalised
    /// like the others (see above). Default: true.
    pub fit_intercept: bool,
    /// Weights of the two classes, multiplying `C` per row (liblinear's `-wi`).
    /// Default: none.
    pub class_weight: ClassWeight,
    /// Whether to standardise the features with a [`Standardizer`] fitted on the
    /// training rows; the fitted model stores and applies it. Default: true.
    pub standardize: bool,
    /// Relative stopping tolerance (liblinear's `-e`, scikit-learn's `tol`).
    /// Default: 1e-4, as scikit-learn's `LinearSVC`.
    pub tol: f64,
    /// Maximum number of outer iterations (passes over the active
    /// coordinates). Default: 1000, as scikit-learn's `LinearSVC`.
    pub max_iter: usize,
}

impl Default for LinearSvm {
    fn default() -> Self {
        Self {
            c: 1.0,
            fit_intercept: true,
            class_weight: ClassWeight::None,
            standardize: true,
            tol: 1e-4,
            max_iter: 1000,
        }
    }
}

impl LinearSvm {
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

    /// Fits on `train`, calibrates on `validation` (or on `train` when there is
    /// none), and returns the concrete model (what [`Classifier::fit`] boxes).
    pub fn fit_model(
        &self,
        train: Samples<'_>,
        validation: Option<Samples<'_>>,
        options: &FitOptions,
    ) -> Result<LinearSvmModel, ModelError> {
        self.fit_checked_model(self.check_data(train, validation)?, options)
    }

    /// The fit itself, on data the contract checked.
    fn fit_checked_model(&self, data: CheckedData<'_>, options: &FitOptions) -> Result<LinearSvmModel, ModelError> {
        let (train, validation) = (data.train(), data.validation());
        let weights = self.class_weight.resolve(train.labels())?;
        let features = train.features();
        let (n_rows, n_cols) = (features.n_rows(), features.n_cols());
        let standardizer = self.standardize.then(|| Standardizer::fit(&features));

        let n_coords = n_cols + usize::from(self.fit_intercept);
        let root_costs: Vec<f64> =
            train.labels().iter().map(|&late| (self.c * weights[usize::from(late)]).sqrt()).collect();
        let mut columns = vec![0.0; n_coords * n_rows];
        let mut buffer = vec![0.0; n_cols];
        for (i, (row, &late)) in features.rows().zip(train.labels()).enumerate() {
            design_row(standardizer.as_ref(), row, &mut buffer);
            let scale = if late { root_costs[i] } else { -root_costs[i] };
            for (j, x) in buffer.iter().enumerate() {
                columns[j * n_rows + i] = scale * x;
            }
            if self.fit_intercept {
                columns[n_cols * n_rows + i] = scale;
            }
        }
        let problem = solver::Problem { columns, n_rows, root_costs };
        let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
        let solution = problem.solve(self.tol, self.max_iter, &mut rng);
        if !solution.weights.iter().all(|w| w.is_finite()) {
            return Err(ModelError::FitFailed("linear SVM: the weights became non-finite".into()));
        }
        let (coefficients, bias) = solution.weights.split_at(n_cols);
        let intercept = bias.first().copied().unwrap_or(0.0);
        let record = LinearSvmRecord { iterations: solution.iterations, converged: solution.converged };
        PlattLinearModel::calibrate(standardizer, coefficients.to_vec(), intercept, record, train, validation)
    }
}

impl Classifier for LinearSvm {
    fn family(&self) -> &'static str {
        "linear_svm"
    }

    fn hyperparameters(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("hyperparameters serialise to JSON")
    }

    fn validate(&self) -> Result<(), ModelError> {
        LinearSvm::validate(self)
    }

    /// Fits on `train`; `validation` is used for Platt scaling only.
    fn missing_values(&self) -> MissingValues {
        MissingValues::Rejected
    }

    fn fit_checked(
        &self,
        data: CheckedData<'_>,
        options: &FitOptions,
    ) -> Result<Box<dyn FittedClassifier>, ModelError> {
        Ok(Box::new(self.fit_checked_model(data, options)?))
    }
}

/// A fitted L1 linear SVM with its Platt calibration.
///
/// Serialised as the shared fields of [`PlattLinearModel`] followed by
/// `"iterations": ..., "converged": ...`.
pub type LinearSvmModel = PlattLinearModel<LinearSvmRecord>;

/// What the solver of a [`LinearSvmModel`] reports about its run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinearSvmRecord {
    iterations: usize,
    converged: bool,
}

impl FitRecord for LinearSvmRecord {
    const FAMILY: &'static str = "linear SVM";
}

impl LinearSvmModel {
    /// Outer iterations of the solver.
    pub fn iterations(&self) -> usize {
        self.record().iterations
    }

    /// Whether the stopping rule was met within `max_iter`.
    pub fn converged(&self) -> bool {
        self.record().converged
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_hyperparameters_are_valid() {
        LinearSvm::default().validate().unwrap();
    }
}
