//! burn's devices (ndarray on CPU, wgpu on a GPU adapter) behind [`Engine`].
//!
//! One implementation serves both: burn 0.22 picks the backend from the
//! `Device` value at run time, so the network below is written once.

use std::ops::Range;
use std::sync::OnceLock;

use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
#[cfg(feature = "wgpu")]
use burn::tensor::DeviceKind;
use burn::tensor::activation::{log_softmax, relu};
#[cfg(feature = "wgpu")]
use burn::tensor::wgpu::WgpuBackend;
use burn::tensor::{Device, Int, Tensor, TensorData};
use overdue_models::ModelError;

use crate::engine::{Engine, Trainer, TrainingRows};
use crate::{Adam, DenseLayer, MlpWeights, NeuralBackend, OutputLayer};
use overdue_models::ComputeDevice;

/// Rows per forward pass at prediction time: bounds device memory whatever
/// the number of rows asked for.
const PREDICTION_CHUNK_ROWS: usize = 65_536;

/// A burn device with its description.
pub(crate) struct BurnEngine {
    device: Device,
    info: ComputeDevice,
}

/// The CPU engine (burn's ndarray device).
pub(crate) fn ndarray() -> &'static BurnEngine {
    static ENGINE: OnceLock<BurnEngine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        // burn 0.22 deprecates ndarray in favour of its new "flex" CPU backend;
        // ndarray is the CPU device the studies' comparison asks for.
        #[allow(deprecated)]
        let device = Device::ndarray();
        BurnEngine {
            device,
            info: ComputeDevice {
                backend: NeuralBackend::BurnNdarray.name().into(),
                name: "cpu".into(),
                device_type: None,
                api: None,
                driver: None,
            },
        }
    })
}

/// The graphics API the wgpu engine asks for: the platform's own GPU API
/// (Vulkan, which lavapipe also offers, Metal or DirectX 12), never wgpu's
/// automatic choice. That choice falls back to OpenGL, and on a machine with
/// Mesa's GL but no GPU it finds llvmpipe through EGL, where the kernels
/// (autotuning included) ran for over ten minutes in a test that lavapipe
/// finishes in seconds. A machine without the native API has no burn_wgpu.
#[cfg(all(feature = "wgpu", target_os = "macos"))]
const NATIVE_GRAPHICS_API: WgpuBackend = WgpuBackend::Metal;
#[cfg(all(feature = "wgpu", target_os = "windows"))]
const NATIVE_GRAPHICS_API: WgpuBackend = WgpuBackend::Dx12;
#[cfg(all(feature = "wgpu", not(any(target_os = "macos", target_os = "windows"))))]
const NATIVE_GRAPHICS_API: WgpuBackend = WgpuBackend::Vulkan;

/// The GPU engine (burn's wgpu device on the default adapter). The runtime can
/// be initialised once per process, so the outcome (device or error) is kept.
#[cfg(feature = "wgpu")]
pub(crate) fn wgpu() -> Result<&'static BurnEngine, ModelError> {
    static ENGINE: OnceLock<Result<BurnEngine, String>> = OnceLock::new();
    let engine = ENGINE.get_or_init(|| {
        let (device, setup) = Device::wgpu_options()
            .device_kind(DeviceKind::DefaultDevice)
            .graphics_api(NATIVE_GRAPHICS_API)
            .init_with_setup()
            .map_err(|error| {
                format!(
                    "backend burn_wgpu found no usable GPU adapter ({error}). Install a Vulkan, Metal or DX12 \
                     driver (on Debian without a GPU, `apt install mesa-vulkan-drivers` gives the software \
                     adapter lavapipe), or choose backend = \"burn_ndarray\" or \"candle\""
                )
            })?;
        let adapter = setup.adapter.get_info();
        let driver = [adapter.driver.as_str(), adapter.driver_info.as_str()]
            .into_iter()
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        Ok(BurnEngine {
            device,
            info: ComputeDevice {
                backend: NeuralBackend::BurnWgpu.name().into(),
                name: adapter.name,
                device_type: Some(format!("{:?}", adapter.device_type)),
                api: Some(format!("{:?}", adapter.backend)),
                driver: Some(driver),
            },
        })
    });
    engine.as_ref().map_err(|message| ModelError::DeviceUnavailable(message.clone()))
}

/// Without the crate's `wgpu` feature there is no GPU engine: the run fails
/// saying how to get one, and never falls back to another backend.
#[cfg(not(feature = "wgpu"))]
pub(crate) fn wgpu() -> Result<&'static BurnEngine, ModelError> {
    Err(ModelError::DeviceUnavailable(
        "backend burn_wgpu is not compiled into this build of overdue (the cargo feature `wgpu` is off by \
         default to keep the first build short): build with `--features wgpu`, e.g. `cargo run -p overdue-cli \
         --features wgpu -- sweep CONFIG`, or choose backend = \"burn_ndarray\" or \"candle\""
            .into(),
    ))
}

/// The network as a burn module: dense layers with ReLU between them.
#[derive(Module, Debug)]
struct Network {
    layers: Vec<Linear>,
}

impl Network {
    fn new(weights: &MlpWeights, device: &Device) -> Self {
        let layers = weights
            .layers
            .iter()
            .map(|layer| Linear {
                weight: Param::from_tensor(Tensor::from_data(
                    TensorData::new(layer.weight.clone(), [layer.inputs, layer.outputs]),
                    device,
                )),
                bias: Some(Param::from_tensor(Tensor::from_data(
                    TensorData::new(layer.bias.clone(), [layer.outputs]),
                    device,
                ))),
            })
            .collect();
        Self { layers }
    }

    fn logits(&self, mut x: Tensor<2>) -> Tensor<2> {
        let last = self.layers.len() - 1;
        for (index, layer) in self.layers.iter().enumerate() {
            x = layer.forward(x);
            if index < last {
                x = relu(x);
            }
        }
        x
    }

    fn weights(&self) -> Result<MlpWeights, ModelError> {
        let layers = self
            .layers
            .iter()
            .map(|layer| {
                let [inputs, outputs] = layer.weight.val().dims();
                let bias = match &layer.bias {
                    Some(bias) => read_f32(bias.val())?,
                    None => vec![0.0; outputs],
                };
                Ok(DenseLayer { inputs, outputs, weight: read_f32(layer.weight.val())?, bias })
            })
            .collect::<Result<_, ModelError>>()?;
        Ok(MlpWeights { layers })
    }
}

fn read_f32<const D: usize>(tensor: Tensor<D>) -> Result<Vec<f32>, ModelError> {
    tensor
        .into_data()
        .try_to_vec::<f32>()
        .map_err(|error| ModelError::FitFailed(format!("reading a tensor back from the device: {error:?}")))
}

/// The per-row loss of `logits` against `targets` (see the engine module docs).
fn row_losses(logits: Tensor<2>, targets: Tensor<2>, output: OutputLayer) -> Tensor<1> {
    match output {
        OutputLayer::Softmax => (log_softmax(logits, 1) * targets).sum_dim(1).neg().squeeze_dim(1),
        OutputLayer::Logit => {
            let stable = logits.clone().clamp_min(0.0) - logits.clone() * targets;
            let softplus = logits.abs().neg().exp().add_scalar(1.0).log();
            (stable + softplus).squeeze_dim(1)
        }
    }
}

impl Engine for BurnEngine {
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
        let device = self.device.clone().autodiff();
        let n = rows.n_rows();
        let optimizer = AdamConfig::new()
            .with_beta_1(adam.beta1 as f32)
            .with_beta_2(adam.beta2 as f32)
            .with_epsilon(adam.epsilon as f32)
            .init();
        Ok(Box::new(BurnTrainer {
            network: Some(Network::new(init, &device)),
            optimizer,
            features: Tensor::from_data(TensorData::new(rows.features.clone(), [n, rows.n_features]), &device),
            targets: Tensor::from_data(TensorData::new(rows.targets.clone(), [n, rows.target_width]), &device),
            sample_weights: Tensor::from_data(TensorData::new(rows.sample_weights.clone(), [n]), &device),
            order: None,
            loss_sum: None,
            learning_rate: adam.learning_rate,
            output,
            device,
        }))
    }

    fn logits(&self, weights: &MlpWeights, features: &[f32], n_features: usize) -> Result<Vec<f32>, ModelError> {
        let network = Network::new(weights, &self.device);
        let mut logits = Vec::with_capacity(features.len() / n_features.max(1) * weights.n_outputs());
        for chunk in features.chunks(PREDICTION_CHUNK_ROWS * n_features.max(1)) {
            let rows = chunk.len() / n_features.max(1);
            let x = Tensor::from_data(TensorData::new(chunk.to_vec(), [rows, n_features]), &self.device);
            logits.extend(read_f32(network.logits(x))?);
        }
        Ok(logits)
    }
}

struct BurnTrainer {
    /// `None` only while a step moves the module through the optimiser.
    network: Option<Network>,
    optimizer: ModuleOptimizer,
    features: Tensor<2>,
    targets: Tensor<2>,
    sample_weights: Tensor<1>,
    order: Option<Tensor<1, Int>>,
    loss_sum: Option<Tensor<1>>,
    learning_rate: f64,
    output: OutputLayer,
    device: Device,
}

impl Trainer for BurnTrainer {
    fn set_order(&mut self, order: &[u32]) -> Result<(), ModelError> {
        let order: Vec<i64> = order.iter().map(|&row| i64::from(row)).collect();
        let len = order.len();
        self.order = Some(Tensor::from_data(TensorData::new(order, [len]), &self.device));
        Ok(())
    }

    fn step(&mut self, positions: Range<usize>) -> Result<(), ModelError> {
        let order = self.order.as_ref().ok_or_else(|| ModelError::FitFailed("step before set_order".into()))?;
        let batch_rows = positions.len();
        let rows = order.clone().slice([positions]);
        let x = self.features.clone().select(0, rows.clone());
        let targets = self.targets.clone().select(0, rows.clone());
        let weights = self.sample_weights.clone().select(0, rows);
        let network = self.network.take().expect("the network is only taken within a step");
        let loss = (row_losses(network.logits(x), targets, self.output) * weights).sum().div_scalar(batch_rows as f64);
        let detached = loss.clone().detach();
        self.loss_sum = Some(match self.loss_sum.take() {
            Some(sum) => sum + detached,
            None => detached,
        });
        let gradients = GradientsParams::from_grads(loss.backward(), &network);
        self.network = Some(self.optimizer.step(self.learning_rate, network, gradients));
        Ok(())
    }

    fn take_loss_sum(&mut self) -> Result<f64, ModelError> {
        match self.loss_sum.take() {
            Some(sum) => Ok(read_f32(sum)?.first().copied().map_or(0.0, f64::from)),
            None => Ok(0.0),
        }
    }

    fn weights(&self) -> Result<MlpWeights, ModelError> {
        self.network.as_ref().expect("the network is only taken within a step").weights()
    }
}
