//! candle-core on CPU behind [`Engine`]: the same network, loss and Adam
//! update as the burn engine, written against candle's tensors and `Var`s.

use std::ops::Range;
use std::sync::OnceLock;

use candle_core::{D, DType, Device, Tensor, Var};
use overdue_models::ModelError;

use crate::engine::{Engine, Trainer, TrainingRows};
use crate::{Adam, DenseLayer, MlpWeights, NeuralBackend, OutputLayer};
use overdue_models::ComputeDevice;

/// Rows per forward pass at prediction time.
const PREDICTION_CHUNK_ROWS: usize = 65_536;

pub(crate) struct CandleEngine {
    info: ComputeDevice,
}

/// The CPU engine.
pub(crate) fn cpu() -> &'static CandleEngine {
    static ENGINE: OnceLock<CandleEngine> = OnceLock::new();
    ENGINE.get_or_init(|| CandleEngine {
        info: ComputeDevice {
            backend: NeuralBackend::Candle.name().into(),
            name: "cpu".into(),
            device_type: None,
            api: None,
            driver: None,
        },
    })
}

fn candle_error(error: candle_core::Error) -> ModelError {
    ModelError::FitFailed(format!("candle: {error}"))
}

/// One layer's parameters on the device.
struct Layer<T> {
    weight: T,
    bias: T,
}

fn upload(weights: &MlpWeights) -> candle_core::Result<Vec<Layer<Tensor>>> {
    weights
        .layers
        .iter()
        .map(|layer| {
            Ok(Layer {
                weight: Tensor::from_slice(&layer.weight, (layer.inputs, layer.outputs), &Device::Cpu)?,
                bias: Tensor::from_slice(&layer.bias, layer.outputs, &Device::Cpu)?,
            })
        })
        .collect()
}

fn logits(layers: &[Layer<&Tensor>], mut x: Tensor) -> candle_core::Result<Tensor> {
    let last = layers.len() - 1;
    for (index, layer) in layers.iter().enumerate() {
        x = x.matmul(layer.weight)?.broadcast_add(layer.bias)?;
        if index < last {
            x = x.relu()?;
        }
    }
    Ok(x)
}

/// The per-row loss of `logits` against `targets` (see the engine module docs).
fn row_losses(logits: &Tensor, targets: &Tensor, output: OutputLayer) -> candle_core::Result<Tensor> {
    match output {
        OutputLayer::Softmax => {
            let shifted = logits.broadcast_sub(&logits.max_keepdim(D::Minus1)?)?;
            let log_sum = shifted.exp()?.sum_keepdim(D::Minus1)?.log()?;
            let log_softmax = shifted.broadcast_sub(&log_sum)?;
            (log_softmax * targets)?.sum(D::Minus1)?.neg()
        }
        OutputLayer::Logit => {
            let stable = (logits.relu()? - (logits * targets)?)?;
            let softplus = logits.abs()?.neg()?.exp()?.affine(1.0, 1.0)?.log()?;
            (stable + softplus)?.squeeze(D::Minus1)
        }
    }
}

impl Engine for CandleEngine {
    fn info(&self) -> &ComputeDevice {
        &self.info
    }

    fn open(
        &self,
        init: &MlpWeights,
        adam: &Adam,
        output: OutputLayer,
        rows: &TrainingRows,
    ) -> Result<Box<dyn Trainer>, ModelError> {
        let open = || -> candle_core::Result<CandleTrainer> {
            let n = rows.n_rows();
            let layers = upload(init)?
                .into_iter()
                .map(|layer| {
                    Ok(Layer { weight: Var::from_tensor(&layer.weight)?, bias: Var::from_tensor(&layer.bias)? })
                })
                .collect::<candle_core::Result<Vec<_>>>()?;
            let zeros = |var: &Var| var.as_tensor().zeros_like();
            let moments = layers
                .iter()
                .map(|layer| {
                    Ok([zeros(&layer.weight)?, zeros(&layer.bias)?, zeros(&layer.weight)?, zeros(&layer.bias)?])
                })
                .collect::<candle_core::Result<Vec<_>>>()?;
            Ok(CandleTrainer {
                layers,
                moments,
                steps: 0,
                adam: *adam,
                output,
                features: Tensor::from_slice(&rows.features, (n, rows.n_features), &Device::Cpu)?,
                targets: Tensor::from_slice(&rows.targets, (n, rows.target_width), &Device::Cpu)?,
                sample_weights: Tensor::from_slice(&rows.sample_weights, n, &Device::Cpu)?,
                order: None,
                loss_sum: None,
            })
        };
        Ok(Box::new(open().map_err(candle_error)?))
    }

    fn logits(&self, weights: &MlpWeights, features: &[f32], n_features: usize) -> Result<Vec<f32>, ModelError> {
        let run = || -> candle_core::Result<Vec<f32>> {
            let layers = upload(weights)?;
            let layers: Vec<Layer<&Tensor>> =
                layers.iter().map(|layer| Layer { weight: &layer.weight, bias: &layer.bias }).collect();
            let mut out = Vec::with_capacity(features.len() / n_features.max(1) * weights.n_outputs());
            for chunk in features.chunks(PREDICTION_CHUNK_ROWS * n_features.max(1)) {
                let x = Tensor::from_slice(chunk, (chunk.len() / n_features.max(1), n_features), &Device::Cpu)?;
                out.extend(logits(&layers, x)?.flatten_all()?.to_vec1::<f32>()?);
            }
            Ok(out)
        };
        run().map_err(candle_error)
    }
}

struct CandleTrainer {
    layers: Vec<Layer<Var>>,
    /// Adam's moments per layer: first of weight and bias, then second of weight and bias.
    moments: Vec<[Tensor; 4]>,
    steps: i32,
    adam: Adam,
    output: OutputLayer,
    features: Tensor,
    targets: Tensor,
    sample_weights: Tensor,
    order: Option<Tensor>,
    loss_sum: Option<Tensor>,
}

impl CandleTrainer {
    fn try_step(&mut self, positions: Range<usize>) -> candle_core::Result<()> {
        let order = self.order.as_ref().ok_or_else(|| candle_core::Error::Msg("step before set_order".into()))?;
        let batch_rows = positions.len();
        let rows = order.narrow(0, positions.start, batch_rows)?;
        let x = self.features.index_select(&rows, 0)?;
        let targets = self.targets.index_select(&rows, 0)?;
        let weights = self.sample_weights.index_select(&rows, 0)?;
        let layers: Vec<Layer<&Tensor>> = self
            .layers
            .iter()
            .map(|layer| Layer { weight: layer.weight.as_tensor(), bias: layer.bias.as_tensor() })
            .collect();
        let losses = row_losses(&logits(&layers, x)?, &targets, self.output)?;
        let loss = (losses * weights)?.sum_all()?.affine(1.0 / batch_rows as f64, 0.0)?;
        let detached = loss.detach();
        self.loss_sum = Some(match self.loss_sum.take() {
            Some(sum) => (sum + detached)?,
            None => detached,
        });
        let gradients = loss.backward()?;

        // burn's formulation of Adam, in f32 like burn, so both engines agree.
        self.steps += 1;
        let (beta1, beta2) = (self.adam.beta1 as f32, self.adam.beta2 as f32);
        let correction2 = (1.0 - beta2.powi(self.steps)).sqrt();
        let step_factor = correction2 / (1.0 - beta1.powi(self.steps));
        let epsilon = self.adam.epsilon as f32 * correction2;
        for (layer, moments) in self.layers.iter().zip(&mut self.moments) {
            let [m_weight, m_bias, v_weight, v_bias] = moments;
            for (var, m, v) in [(&layer.weight, m_weight, v_weight), (&layer.bias, m_bias, v_bias)] {
                let Some(gradient) = gradients.get(var.as_tensor()) else { continue };
                *m = (m.affine(f64::from(beta1), 0.0)? + gradient.affine(f64::from(1.0 - beta1), 0.0)?)?;
                *v = (v.affine(f64::from(beta2), 0.0)? + gradient.sqr()?.affine(f64::from(1.0 - beta2), 0.0)?)?;
                let update = (m.affine(f64::from(step_factor), 0.0)? / v.sqrt()?.affine(1.0, f64::from(epsilon))?)?;
                var.set(&(var.as_tensor() - update.affine(self.adam.learning_rate, 0.0)?)?)?;
            }
        }
        Ok(())
    }
}

impl Trainer for CandleTrainer {
    fn set_order(&mut self, order: &[u32]) -> Result<(), ModelError> {
        self.order = Some(Tensor::from_slice(order, order.len(), &Device::Cpu).map_err(candle_error)?);
        Ok(())
    }

    fn step(&mut self, positions: Range<usize>) -> Result<(), ModelError> {
        self.try_step(positions).map_err(candle_error)
    }

    fn take_loss_sum(&mut self) -> Result<f64, ModelError> {
        match self.loss_sum.take() {
            Some(sum) => sum.to_dtype(DType::F64).and_then(|sum| sum.to_scalar::<f64>()).map_err(candle_error),
            None => Ok(0.0),
        }
    }

    fn weights(&self) -> Result<MlpWeights, ModelError> {
        let read = |var: &Var| var.as_tensor().flatten_all()?.to_vec1::<f32>();
        self.layers
            .iter()
            .map(|layer| {
                let (inputs, outputs) = layer.weight.as_tensor().dims2()?;
                Ok(DenseLayer { inputs, outputs, weight: read(&layer.weight)?, bias: read(&layer.bias)? })
            })
            .collect::<candle_core::Result<_>>()
            .map(|layers| MlpWeights { layers })
            .map_err(candle_error)
    }
}
