//! # overdue-nn
//!
//! The benchmark's multilayer perceptron, trained on backends chosen at run
//! time: burn's ndarray device (CPU) and wgpu device (GPU through Vulkan,
//! Metal or DX12), and candle on CPU. [`Mlp`] implements
//! `overdue_models::Classifier`, so sweeps treat it like every other family;
//! `backend` is one of its hyperparameters.
//!
//! **Design.** Backends differ only in where the arithmetic runs. The crate
//! keeps everything else in plain Rust, once:
//!
//! - initial weights ([`MlpWeights::glorot_uniform`], drawn from the run's seed),
//!   so every backend starts from the same point;
//! - the batch order (a seeded shuffle per epoch), so every backend sees the
//!   same batches;
//! - early stopping, divergence checks, timing ([`TrainingLog`]) and the
//!   conversion of logits to probabilities.
//!
//! A backend implements a small private contract (the `engine` module): open a
//! training session holding data, weights and Adam state on its device, take
//! steps, report the summed loss, read the weights back, and compute logits.
//! The loss and the Adam update are specified there and written identically
//! for burn and candle, which is what makes cross-backend parity testable
//! ([`TrainingSession`] exposes the low-level loop for those tests and the
//! throughput benchmarks).
//!
//! **Devices.** burn's wgpu runtime starts once per process on the default
//! adapter; where no adapter exists, asking for `burn_wgpu` fails with
//! [`ModelError::DeviceUnavailable`](overdue_models::ModelError) saying what
//! to install or which backend to choose instead. Every fitted model records
//! its device (`overdue_models::ComputeDevice`: adapter name, type, graphics
//! API, driver) in its [`TrainingLog`], which sweeps copy into run records.
//!
//! **What it is not for.** No configs, metrics or features: like the classic
//! families, the MLP sees only `Samples` and returns probabilities. The heavy
//! dependencies (burn, cubecl, wgpu, candle) live in this crate alone.

mod burn_engine;
mod candle_engine;
mod engine;
mod model;
mod params;
mod train;
mod weights;

pub use engine::{TrainingRows, TrainingSession, device_info, logits};
pub use model::MlpModel;
pub use params::{Adam, Mlp, NeuralBackend, OutputLayer};
pub use train::TrainingLog;
pub use weights::{DenseLayer, MlpWeights};
