//! The contract every model family implements.

use overdue_features::{MatrixView, Samples};
use serde::{Deserialize, Serialize};

use crate::ModelError;
use crate::tree::FeatureImportance;

/// What a fit may depend on besides the data and the hyperparameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FitOptions {
    /// Seed of every random choice the family makes (bootstrap samples,
    /// initial weights, shuffling). Deterministic families ignore it; for the
    /// others the same seed gives the same model on CPU.
    pub seed: u64,
}

/// A model family with its hyperparameters, ready to be fitted.
///
/// Implementations are plain data (serde) so that sweeps can store them in run
/// records and derive run identities from them.
///
/// **The contract does the checking.** A family implements
/// [`Classifier::fit_checked`], which receives [`CheckedData`]; the only way
/// to make one is [`CheckedData::new`] (or [`Classifier::check_data`]), which
/// validates the hyperparameters and checks the data against the family's
/// [`MissingValues`] policy. [`Classifier::fit`], provided, runs the checks and
/// then the family's own fit, so no family can forget them.
pub trait Classifier: Send + Sync {
    /// Stable short name of the family, e.g. `"logistic_regression"`.
    fn family(&self) -> &'static str;

    /// The hyperparameters as data, exactly as they will be used.
    fn hyperparameters(&self) -> serde_json::Value;

    /// Checks the hyperparameters without touching data, so that a sweep can
    /// reject a bad config before it runs anything.
    fn validate(&self) -> Result<(), ModelError>;

    /// How the family treats NaN features, at fit and at prediction: stated
    /// once per family, enforced by [`CheckedData`] and [`check_features`].
    fn missing_values(&self) -> MissingValues;

    /// The family's own fit, on data the contract has checked. Callers use
    /// [`Classifier::fit`]. Randomness comes from `options.seed` only.
    fn fit_checked(&self, data: CheckedData<'_>, options: &FitOptions)
    -> Result<Box<dyn FittedClassifier>, ModelError>;

    /// Checks `train` (and `validation`) for this family: see
    /// [`CheckedData::new`].
    fn check_data<'a>(
        &self,
        train: Samples<'a>,
        validation: Option<Samples<'a>>,
    ) -> Result<CheckedData<'a>, ModelError> {
        CheckedData::new(self, train, validation)
    }

    /// Fits on `train`. `validation` is the later, held-out part of the same
    /// dataset, for families that stop early or calibrate; others ignore it.
    ///
    /// Fails on invalid hyperparameters, on empty or one-class training data,
    /// on a validation part of another width, and on values the family's
    /// [`MissingValues`] policy refuses (±inf always; NaN unless missing
    /// values are routed), naming the row and column.
    fn fit(
        &self,
        train: Samples<'_>,
        validation: Option<Samples<'_>>,
        options: &FitOptions,
    ) -> Result<Box<dyn FittedClassifier>, ModelError> {
        self.fit_checked(CheckedData::new(self, train, validation)?, options)
    }
}

/// How a family treats NaN feature values. ±inf is refused by every family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingValues {
    /// NaN is refused like ±inf, at fit and at prediction, naming its row and
    /// column: logistic regression, linear SVM, CSFSOL, naive Bayes, kNN, the
    /// exact CART tree, AdaBoost, balanced bagging and the MLP.
    Rejected,
    /// NaN is a missing value, sent at each split to the side chosen at
    /// training time (LightGBM's rule, `crate::tree`): the histogram tree
    /// families, gradient boosted trees and the random forest.
    Routed,
}

impl MissingValues {
    /// Whether a feature value is refused under this policy: ±inf always,
    /// NaN unless it is routed as missing.
    pub fn refuses(self, value: f32) -> bool {
        value.is_infinite() || (value.is_nan() && self == MissingValues::Rejected)
    }
}

/// Training (and validation) data that passed the contract's checks for one
/// family: the only way into [`Classifier::fit_checked`].
///
/// Invariant (private fields, one constructor): the family's hyperparameters
/// are valid; `train` has rows of both classes and no value the family's
/// [`MissingValues`] refuses; `validation`, when given, has `train`'s width
/// and no such value either.
#[derive(Debug, Clone, Copy)]
pub struct CheckedData<'a> {
    train: Samples<'a>,
    validation: Option<Samples<'a>>,
}

impl<'a> CheckedData<'a> {
    /// Runs every check of the contract for `family`: see the type's invariant.
    pub fn new<C: Classifier + ?Sized>(
        family: &C,
        train: Samples<'a>,
        validation: Option<Samples<'a>>,
    ) -> Result<Self, ModelError> {
        family.validate()?;
        let missing = family.missing_values();
        check_training(&train, missing)?;
        if let Some(validation) = &validation {
            check_features(&validation.features(), train.features().n_cols(), missing)?;
        }
        Ok(Self { train, validation })
    }

    /// The training part.
    pub fn train(&self) -> Samples<'a> {
        self.train
    }

    /// The validation part, if one was given.
    pub fn validation(&self) -> Option<Samples<'a>> {
        self.validation
    }
}

/// A fitted model.
pub trait FittedClassifier: Send + Sync {
    /// Probability that each row is late, in `[0, 1]`, one per row.
    ///
    /// Fails when the width differs from training or a value is not finite.
    fn predict_proba(&self, features: MatrixView<'_>) -> Result<Vec<f64>, ModelError>;

    /// The fitted parameters as data, so a model can be saved and inspected.
    fn to_json(&self) -> serde_json::Value;

    /// How much each feature (by column index) served the model's splits:
    /// the summed gains and the number of splits, for the tree families;
    /// `None` for families without such a notion (the default).
    fn feature_importance(&self) -> Option<FeatureImportance> {
        None
    }

    /// What the model knows of its own training beyond wall time (device,
    /// epochs, one-time and steady-state costs), for run records. Families
    /// that fit in one pass on this machine's CPU report nothing.
    fn training_report(&self) -> TrainingReport {
        TrainingReport::default()
    }
}

/// How a model was trained, beyond the wall time a caller can measure itself.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainingReport {
    /// The device, for families that can run elsewhere than on the CPU.
    pub device: Option<ComputeDevice>,
    /// Passes over the training rows.
    pub epochs: Option<usize>,
    /// Wall time of the first optimisation step, which carries one-time costs
    /// (shader compilation, autotuning, first allocations).
    pub first_step_seconds: Option<f64>,
    /// Training rows per second after the first step: the steady state.
    pub steady_rows_per_second: Option<f64>,
}

/// A compute device as recorded with results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComputeDevice {
    /// The backend, e.g. `"burn_wgpu"`.
    pub backend: String,
    /// The adapter's name for a GPU backend (e.g. `"NVIDIA H200"`, or
    /// `"llvmpipe (LLVM 15.0.6, 256 bits)"` for the software adapter lavapipe), `"cpu"` otherwise.
    pub name: String,
    /// Adapter kind as the graphics stack reports it (`"DiscreteGpu"`, `"Cpu"`).
    pub device_type: Option<String>,
    /// Graphics API (`"Vulkan"`, `"Metal"`, ...).
    pub api: Option<String>,
    /// Driver name and version.
    pub driver: Option<String>,
}

/// Checks what every family needs of its training data: rows, both classes,
/// and values `missing` accepts. [`CheckedData::new`] calls it.
pub fn check_training(train: &Samples<'_>, missing: MissingValues) -> Result<(), ModelError> {
    if train.n_rows() == 0 {
        return Err(ModelError::Empty("fit"));
    }
    let late = train.n_late();
    if late == 0 || late == train.n_rows() {
        return Err(ModelError::OneClass { late: late > 0 });
    }
    check_values(&train.features(), missing)
}

/// Checks a matrix given for prediction: the width the model was fitted on and
/// values `missing` accepts. An empty matrix is valid (it yields no
/// probabilities).
pub fn check_features(
    features: &MatrixView<'_>,
    fitted_width: usize,
    missing: MissingValues,
) -> Result<(), ModelError> {
    if features.n_cols() != fitted_width {
        return Err(ModelError::WidthMismatch { expected: fitted_width, got: features.n_cols() });
    }
    check_values(features, missing)
}

fn check_values(features: &MatrixView<'_>, missing: MissingValues) -> Result<(), ModelError> {
    match features.first_where(|value| missing.refuses(value)) {
        Some((row, column, value)) => Err(ModelError::NonFinite { row, column, value }),
        None => Ok(()),
    }
}
