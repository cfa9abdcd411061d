//! The backend contract: what a device must do for the MLP, and nothing more.
//!
//! Everything that is the same on every backend (initial weights, shuffling,
//! batching, early stopping, divergence checks, turning logits into
//! probabilities) lives outside this module, in plain Rust, so that backends
//! differ only in where the arithmetic runs. Each backend implements the same
//! loss and the same Adam update:
//!
//! - loss of a batch = Σᵢ wᵢ·ℓᵢ / batch rows, where wᵢ is the row's class weight and
//!   ℓᵢ = −Σ_c tᵢ_c · log_softmax(zᵢ)_c (softmax head, one-hot targets) or
//!   ℓᵢ = max(z, 0) − z·t + ln(1 + e^−|z|) (logit head);
//! - Adam: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − lr·m̂ / (√v̂ + ε), with
//!   m̂ and v̂ bias-corrected by the step count (burn's formulation).

use std::ops::Range;

use overdue_models::{ComputeDevice, ModelError};

use crate::{Adam, MlpWeights, NeuralBackend, OutputLayer, burn_engine, candle_engine};

/// Training rows as every backend receives them: standardised features,
/// targets shaped for the output layer, and per-row class weights.
///
/// Invariant (private fields, checked by [`TrainingRows::new`]): `features`
/// holds `n_rows() * n_features` values, `targets` `n_rows() * target_width`,
/// `sample_weights` one per row; the engines rely on it to shape tensors.
#[derive(Debug, Clone)]
pub struct TrainingRows {
    /// Row-major `[rows, n_features]`.
    pub(crate) features: Vec<f32>,
    /// Number of feature columns.
    pub(crate) n_features: usize,
    /// Row-major `[rows, output width]`: one-hot for a softmax head, 0/1 for a logit.
    pub(crate) targets: Vec<f32>,
    /// Width of a target row.
    pub(crate) target_width: usize,
    /// Weight of each row in the loss.
    pub(crate) sample_weights: Vec<f32>,
}

impl TrainingRows {
    /// Builds the rows for `output` from standardised features (row-major,
    /// `n_features` wide) and one label per row; fails when the counts differ.
    pub fn new(
        features: Vec<f32>,
        n_features: usize,
        labels: &[bool],
        class_weights: [f64; 2],
        output: OutputLayer,
    ) -> Result<Self, ModelError> {
        if features.len() != labels.len() * n_features {
            return Err(ModelError::FitFailed(format!(
                "{} feature values for {} labelled rows of {n_features} features",
                features.len(),
                labels.len()
            )));
        }
        let targets = match output {
            OutputLayer::Softmax => {
                labels.iter().flat_map(|&late| if late { [0.0, 1.0] } else { [1.0, 0.0] }).collect()
            }
            OutputLayer::Logit => labels.iter().map(|&late| f32::from(u8::from(late))).collect(),
        };
        let sample_weights = labels.iter().map(|&late| class_weights[usize::from(late)] as f32).collect();
        Ok(Self { features, n_features, targets, target_width: output.width(), sample_weights })
    }

    /// Number of feature columns.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// The standardised features, row-major `[rows, n_features]`.
    pub fn features(&self) -> &[f32] {
        &self.features
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.sample_weights.len()
    }
}

/// A backend that can open training sessions and compute logits.
pub(crate) trait Engine: Send + Sync {
    /// The device this engine runs on.
    fn info(&self) -> &ComputeDevice;

    /// Uploads the training rows and the initial weights, ready for steps.
    fn open(
        &self,
        init: &MlpWeights,
        adam: &Adam,
        output: OutputLayer,
        rows: &TrainingRows,
    ) -> Result<Box<dyn Trainer>, ModelError>;

    /// Output logits, row-major `[rows, output width]`, for standardised `features`.
    fn logits(&self, weights: &MlpWeights, features: &[f32], n_features: usize) -> Result<Vec<f32>, ModelError>;
}

/// One training run on a device; the state (weights, Adam moments, the data)
/// stays on the device between calls.
pub(crate) trait Trainer {
    /// Sets the order of the rows for the coming steps (a permutation of the
    /// training rows, uploaded once per epoch).
    fn set_order(&mut self, order: &[u32]) -> Result<(), ModelError>;

    /// One Adam step on the rows at `positions` of the current order. The batch
    /// loss is added to a sum kept on the device, so a step does not wait for
    /// the device to finish.
    fn step(&mut self, positions: Range<usize>) -> Result<(), ModelError>;

    /// The sum of batch losses since the last call; waits for the device.
    fn take_loss_sum(&mut self) -> Result<f64, ModelError>;

    /// The current weights, copied back from the device.
    fn weights(&self) -> Result<MlpWeights, ModelError>;
}

/// The engine for `backend`, created on first use and shared afterwards.
/// Fails with a clear message when the backend's device does not exist here.
pub(crate) fn engine(backend: NeuralBackend) -> Result<&'static dyn Engine, ModelError> {
    match backend {
        NeuralBackend::BurnNdarray => Ok(burn_engine::ndarray()),
        NeuralBackend::BurnWgpu => burn_engine::wgpu().map(|engine| engine as &dyn Engine),
        NeuralBackend::Candle => Ok(candle_engine::cpu()),
    }
}

/// Describes the device `backend` runs on here, initialising it if needed.
pub fn device_info(backend: NeuralBackend) -> Result<ComputeDevice, ModelError> {
    engine(backend).map(|engine| engine.info().clone())
}

/// A training session opened on a backend: the low-level loop, exposed for
/// parity tests and throughput benchmarks. [`crate::Mlp`]'s `fit` drives one.
pub struct TrainingSession {
    trainer: Box<dyn Trainer>,
    info: ComputeDevice,
}

impl TrainingSession {
    /// Uploads `rows` and `init` to `backend`'s device.
    pub fn open(
        backend: NeuralBackend,
        init: &MlpWeights,
        adam: &Adam,
        output: OutputLayer,
        rows: &TrainingRows,
    ) -> Result<Self, ModelError> {
        if rows.n_rows() == 0 {
            return Err(ModelError::Empty("fit"));
        }
        if init.n_inputs() != rows.n_features || init.n_outputs() != rows.target_width {
            return Err(ModelError::FitFailed(format!(
                "weights of shape {} -> {} do not fit rows of {} features and {} targets",
                init.n_inputs(),
                init.n_outputs(),
                rows.n_features,
                rows.target_width
            )));
        }
        let engine = engine(backend)?;
        Ok(Self { trainer: engine.open(init, adam, output, rows)?, info: engine.info().clone() })
    }

    /// The device the session runs on.
    pub fn info(&self) -> &ComputeDevice {
        &self.info
    }

    /// Sets the row order for the following steps.
    pub fn set_order(&mut self, order: &[u32]) -> Result<(), ModelError> {
        self.trainer.set_order(order)
    }

    /// One Adam step on `positions` of the current order.
    pub fn step(&mut self, positions: Range<usize>) -> Result<(), ModelError> {
        self.trainer.step(positions)
    }

    /// Sum of batch losses since the last call (waits for the device).
    pub fn take_loss_sum(&mut self) -> Result<f64, ModelError> {
        self.trainer.take_loss_sum()
    }

    /// The current weights.
    pub fn weights(&self) -> Result<MlpWeights, ModelError> {
        self.trainer.weights()
    }
}

/// Logits of standardised `features` under `weights` on `backend`.
pub fn logits(
    backend: NeuralBackend,
    weights: &MlpWeights,
    features: &[f32],
    n_features: usize,
) -> Result<Vec<f32>, ModelError> {
    engine(backend)?.logits(weights, features, n_features)
}
