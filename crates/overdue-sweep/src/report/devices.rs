//! The "Training devices" table: for models that report where and how they
//! trained (the MLP on its backends), the device, the one-time cost of the
//! first step and the steady throughput, so that backends compare on the
//! record and a GPU number always carries its adapter and driver.

use std::collections::BTreeSet;

use overdue_models::TrainingReport;

use super::summary::{ModelColumn, median};
use crate::{RunOutcome, RunRecord};

/// One model's training device and costs over its finished runs (medians).
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceCost {
    /// The model's label.
    pub label: String,
    /// The backend (`burn_wgpu`).
    pub backend: String,
    /// Device or adapter name, with its type and graphics API where known
    /// (`llvmpipe (LLVM 15.0.6, 256 bits), Cpu, Vulkan`); distinct values
    /// joined by `; ` when runs saw several.
    pub device: String,
    /// Driver name and version where known; distinct values joined by `; `.
    pub driver: String,
    /// Finished runs that reported a device.
    pub runs: usize,
    /// Median epochs run.
    pub epochs: Option<f64>,
    /// Median seconds of the first optimisation step (shader compilation,
    /// autotuning and first allocations included).
    pub first_step_seconds: Option<f64>,
    /// Median training rows per second after the first step.
    pub steady_rows_per_second: Option<f64>,
    /// Median prediction rows per second.
    pub predict_rows_per_second: f64,
}

/// The device costs of every model whose runs reported a device, in model order.
pub fn device_costs(records: &[RunRecord], models: &[ModelColumn]) -> Vec<DeviceCost> {
    models
        .iter()
        .filter_map(|model| {
            let runs: Vec<(&TrainingReport, f64)> = records
                .iter()
                .filter(|r| r.cell.family == model.family && r.cell.hyperparameters == model.hyperparameters)
                .filter(|r| matches!(r.outcome, RunOutcome::Finished(_)))
                .filter_map(|r| {
                    let cost = r.cost.as_ref()?;
                    let training = cost.training.as_ref()?;
                    training.device.as_ref()?;
                    Some((training, cost.predict_rows_per_second))
                })
                .collect();
            let devices = || runs.iter().filter_map(|(t, _)| t.device.as_ref());
            let backend = devices().next()?.backend.clone();
            let median_of = |f: fn(&TrainingReport) -> Option<f64>| {
                let mut values: Vec<f64> = runs.iter().filter_map(|(t, _)| f(t)).collect();
                (!values.is_empty()).then(|| median(&mut values))
            };
            Some(DeviceCost {
                label: model.label.clone(),
                backend,
                device: joined(devices().map(|d| {
                    [Some(d.name.as_str()), d.device_type.as_deref(), d.api.as_deref()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(", ")
                })),
                driver: joined(devices().filter_map(|d| d.driver.clone())),
                runs: runs.len(),
                epochs: median_of(|t| t.epochs.map(|e| e as f64)),
                first_step_seconds: median_of(|t| t.first_step_seconds),
                steady_rows_per_second: median_of(|t| t.steady_rows_per_second),
                predict_rows_per_second: median(&mut runs.iter().map(|(_, p)| *p).collect::<Vec<_>>()),
            })
        })
        .collect()
}

fn joined(values: impl Iterator<Item = String>) -> String {
    values.collect::<BTreeSet<_>>().into_iter().collect::<Vec<_>>().join("; ")
}
