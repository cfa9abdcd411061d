//! The training loop, the same for every backend: shuffling, mini-batches,
//! divergence checks, early stopping and timing.

use std::time::Instant;

use overdue_models::{ModelError, sigmoid};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::engine::{TrainingRows, TrainingSession, logits};
use crate::{Mlp, MlpWeights, OutputLayer};
use overdue_models::ComputeDevice;

/// What happened during training, kept with the fitted model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingLog {
    /// The device the network was trained on.
    pub device: ComputeDevice,
    /// Epochs run (fewer than configured when early stopping fired).
    pub epochs_run: usize,
    /// The epoch (1-based) whose weights were kept.
    pub best_epoch: usize,
    /// Mean batch loss of each epoch.
    pub train_loss: Vec<f64>,
    /// Unweighted log loss on the validation rows after each epoch (empty
    /// without early stopping).
    pub validation_loss: Vec<f64>,
    /// Wall time of the first step, which holds the one-time costs (shader
    /// compilation, autotuning, first allocations) on top of one step's work.
    pub first_step_seconds: f64,
    /// Training rows per second over every step after the first, excluding
    /// validation passes: the steady-state throughput.
    pub steady_rows_per_second: f64,
}

/// Standardised validation rows and their labels.
pub(crate) struct ValidationRows<'a> {
    pub features: &'a [f32],
    pub labels: &'a [bool],
}

/// Keeps the ChaCha stream that orders batches apart from the one that draws
/// initial weights, although both derive from the run's seed.
const ORDER_STREAM: u64 = 1;

/// Trains `mlp` on `rows` from Glorot-uniform weights drawn from `seed`.
pub(crate) fn train(
    mlp: &Mlp,
    rows: &TrainingRows,
    validation: Option<ValidationRows<'_>>,
    seed: u64,
) -> Result<(MlpWeights, TrainingLog), ModelError> {
    let init = MlpWeights::glorot_uniform(&mlp.widths(rows.n_features), seed);
    let mut session = TrainingSession::open(mlp.backend, &init, &mlp.adam, mlp.output, rows)?;
    let n_rows = rows.n_rows();
    let mut order: Vec<u32> = (0..n_rows as u32).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(ORDER_STREAM);
    let validation = validation.filter(|v| mlp.patience > 0 && !v.labels.is_empty());

    let mut log = TrainingLog {
        device: session.info().clone(),
        epochs_run: 0,
        best_epoch: 0,
        train_loss: Vec::new(),
        validation_loss: Vec::new(),
        first_step_seconds: 0.0,
        steady_rows_per_second: 0.0,
    };
    let mut best: Option<(f64, MlpWeights)> = None;
    let (mut steady_rows, mut steady_seconds) = (0usize, 0.0f64);
    for epoch in 1..=mlp.epochs {
        order.shuffle(&mut rng);
        session.set_order(&order)?;
        let epoch_start = Instant::now();
        let mut loss_sum = 0.0;
        let mut batch_starts = (0..n_rows).step_by(mlp.batch_size);
        if epoch == 1 {
            // The first step alone, synchronised, so that one-time costs are measured apart.
            batch_starts.next();
            session.step(0..mlp.batch_size.min(n_rows))?;
            loss_sum += session.take_loss_sum()?;
            log.first_step_seconds = epoch_start.elapsed().as_secs_f64();
            steady_rows += n_rows.saturating_sub(mlp.batch_size);
        } else {
            steady_rows += n_rows;
        }
        let steady_start = Instant::now();
        let mut n_batches = usize::from(epoch == 1);
        for start in batch_starts {
            session.step(start..(start + mlp.batch_size).min(n_rows))?;
            n_batches += 1;
        }
        loss_sum += session.take_loss_sum()?;
        steady_seconds += steady_start.elapsed().as_secs_f64();

        let epoch_loss = loss_sum / n_batches as f64;
        log.epochs_run = epoch;
        log.train_loss.push(epoch_loss);
        if !epoch_loss.is_finite() {
            return Err(ModelError::FitFailed(format!(
                "the training loss diverged ({epoch_loss}) in epoch {epoch} on {}; lower adam.learning_rate \
                 or standardise the features",
                mlp.backend.name()
            )));
        }
        let Some(validation) = &validation else { continue };
        let weights = session.weights()?;
        let loss = log_loss(mlp, &weights, validation)?;
        log.validation_loss.push(loss);
        if best.as_ref().is_none_or(|(best_loss, _)| loss < *best_loss) {
            best = Some((loss, weights));
            log.best_epoch = epoch;
        } else if epoch - log.best_epoch >= mlp.patience {
            break;
        }
    }
    log.steady_rows_per_second = if steady_seconds > 0.0 { steady_rows as f64 / steady_seconds } else { 0.0 };
    let weights = match best {
        Some((_, weights)) => weights,
        None => {
            log.best_epoch = log.epochs_run;
            session.weights()?
        }
    };
    if !weights.is_finite() {
        return Err(ModelError::FitFailed(format!("training on {} produced non-finite weights", mlp.backend.name())));
    }
    Ok((weights, log))
}

/// Probability of the late class for each row of `logits`.
pub(crate) fn probabilities(output: OutputLayer, logits: &[f32]) -> Vec<f64> {
    match output {
        // softmax([z0, z1])[1] = sigmoid(z1 - z0)
        OutputLayer::Softmax => logits.chunks_exact(2).map(|z| sigmoid(f64::from(z[1]) - f64::from(z[0]))).collect(),
        OutputLayer::Logit => logits.iter().map(|&z| sigmoid(f64::from(z))).collect(),
    }
}

fn log_loss(mlp: &Mlp, weights: &MlpWeights, validation: &ValidationRows<'_>) -> Result<f64, ModelError> {
    let n_features = weights.n_inputs();
    let logits = logits(mlp.backend, weights, validation.features, n_features)?;
    let probabilities = probabilities(mlp.output, &logits);
    let eps = 1e-15;
    let total: f64 = probabilities
        .iter()
        .zip(validation.labels)
        .map(|(&p, &late)| -(if late { p } else { 1.0 - p }).clamp(eps, 1.0).ln())
        .sum();
    Ok(total / validation.labels.len() as f64)
}
