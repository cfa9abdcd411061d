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
pub trait Classifier: Send + Sync {
    /// Stable short name of the family, e.g. `"logistic_regression"`.
    fn family(&self) -> &'static str;

    /// The hyperparameters as data, exactly as they will be used.
    fn hyperparameters(&self) -> serde_json::Value;

    /// Checks the hyperparameters without touching data, so that a sweep can
    /// reject a bad config before it runs anything.
    fn validate(&self) -> Result<(), ModelError>;

    /// Fits on `train`. `validation` is the later, held-out part of the same
    /// dataset, for families that stop early or calibrate; others ignore it.
    /// Randomness comes from `options.seed` only.
    ///
    /// Fails on empty or one-class training data and on non-finite features.
    fn fit(
        &self,
        train: Samples<'_>,
        validation: Option<Samples<'_>>,
        options: &FitOptions,
    ) -> Result<Box<dyn FittedClassifier>, ModelError>;
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
/// finite values.
pub fn check_training(train: &Samples<'_>) -> Result<(), ModelError> {
    if train.n_rows() == 0 {
        return Err(ModelError::Empty("fit"));
    }
    let late = train.n_late();
    if late == 0 || late == train.n_rows() {
        return Err(ModelError::OneClass { late: late > 0 });
    }
    check_finite(&train.features)
}

/// Checks a matrix given for prediction: the width the model was fitted on and
/// finite values. An empty matrix is valid (it yields no probabilities).
pub fn check_features(features: &MatrixView<'_>, fitted_width: usize) -> Result<(), ModelError> {
    if features.n_cols() != fitted_width {
        return Err(ModelError::WidthMismatch { expected: fitted_width, got: features.n_cols() });
    }
    check_finite(features)
}

fn check_finite(features: &MatrixView<'_>) -> Result<(), ModelError> {
    match features.first_non_finite() {
        Some((row, column, value)) => Err(ModelError::NonFinite { row, column, value }),
        None => Ok(()),
    }
}
