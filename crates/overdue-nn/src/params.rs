//! The MLP's hyperparameters: what a config's `[[models]] family = "mlp"` holds.

use overdue_models::{ClassWeight, ModelError};
use serde::{Deserialize, Serialize};

/// Where the network is trained and evaluated; chosen at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NeuralBackend {
    /// burn's ndarray device (CPU, multi-threaded matmul).
    #[default]
    BurnNdarray,
    /// burn's wgpu device: the first GPU adapter (Vulkan, Metal or DX12), or a
    /// software Vulkan adapter such as lavapipe where no GPU exists.
    BurnWgpu,
    /// candle-core on CPU.
    Candle,
}

impl NeuralBackend {
    /// Every backend, in a stable order.
    pub const ALL: [NeuralBackend; 3] = [NeuralBackend::BurnNdarray, NeuralBackend::BurnWgpu, NeuralBackend::Candle];

    /// The name used in configs and records.
    pub fn name(self) -> &'static str {
        match self {
            NeuralBackend::BurnNdarray => "burn_ndarray",
            NeuralBackend::BurnWgpu => "burn_wgpu",
            NeuralBackend::Candle => "candle",
        }
    }
}

/// The output layer and its loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputLayer {
    /// Two units, softmax, cross-entropy on one-hot labels (the tutorial's choice).
    #[default]
    Softmax,
    /// One unit, sigmoid, binary cross-entropy on the logit.
    Logit,
}

impl OutputLayer {
    /// Number of output units.
    pub fn width(self) -> usize {
        match self {
            OutputLayer::Softmax => 2,
            OutputLayer::Logit => 1,
        }
    }
}

/// Adam's settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Adam {
    /// Step size.
    pub learning_rate: f64,
    /// Decay of the first moment.
    pub beta1: f64,
    /// Decay of the second moment.
    pub beta2: f64,
    /// Added to the root of the second moment.
    pub epsilon: f64,
}

impl Default for Adam {
    /// Keras's and PyTorch's defaults.
    fn default() -> Self {
        Self { learning_rate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }
    }
}

/// A multilayer perceptron: dense ReLU layers, then a softmax or logit output,
/// trained with Adam on mini-batches of standardised inputs.
///
/// The defaults follow the Keras tutorial of the studies (hidden layers of 30
/// and 10 units, two-class softmax, Adam).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Mlp {
    /// Units of each hidden layer, input side first.
    pub hidden_layers: Vec<usize>,
    /// The output layer and its loss.
    pub output: OutputLayer,
    /// Where to train and predict.
    pub backend: NeuralBackend,
    /// The optimiser.
    pub adam: Adam,
    /// Rows per mini-batch (the last batch of an epoch may be smaller).
    pub batch_size: usize,
    /// Maximum number of passes over the training rows.
    pub epochs: usize,
    /// Stop when the validation loss has not improved for this many epochs,
    /// and keep the best epoch's weights. `0` disables early stopping (as does
    /// the absence of a validation split).
    pub patience: usize,
    /// Standardise each feature with the training rows' mean and deviation.
    pub standardize: bool,
    /// Weight of each class in the loss.
    pub class_weight: ClassWeight,
}

impl Default for Mlp {
    fn default() -> Self {
        Self {
            hidden_layers: vec![30, 10],
            output: OutputLayer::Softmax,
            backend: NeuralBackend::default(),
            adam: Adam::default(),
            batch_size: 256,
            epochs: 30,
            patience: 5,
            standardize: true,
            class_weight: ClassWeight::None,
        }
    }
}

impl Mlp {
    /// Checks ranges without touching data.
    pub fn check(&self) -> Result<(), ModelError> {
        let invalid = |name, reason: String| Err(ModelError::InvalidHyperparameter { name, reason });
        if self.hidden_layers.contains(&0) {
            return invalid(
                "hidden_layers",
                format!("every layer needs at least one unit, got {:?}", self.hidden_layers),
            );
        }
        if self.batch_size == 0 {
            return invalid("batch_size", "must be at least 1".into());
        }
        if self.epochs == 0 {
            return invalid("epochs", "must be at least 1".into());
        }
        let Adam { learning_rate, beta1, beta2, epsilon } = self.adam;
        if !(learning_rate.is_finite() && learning_rate > 0.0) {
            return invalid("adam.learning_rate", format!("must be positive and finite, got {learning_rate}"));
        }
        for (name, beta) in [("adam.beta1", beta1), ("adam.beta2", beta2)] {
            if !(0.0..1.0).contains(&beta) {
                return invalid(name, format!("must be in [0, 1), got {beta}"));
            }
        }
        if !(epsilon.is_finite() && epsilon > 0.0) {
            return invalid("adam.epsilon", format!("must be positive and finite, got {epsilon}"));
        }
        self.class_weight.validate()
    }

    /// Layer widths from input to output for `n_features` inputs.
    pub fn widths(&self, n_features: usize) -> Vec<usize> {
        let mut widths = vec![n_features];
        widths.extend(&self.hidden_layers);
        widths.push(self.output.width());
        widths
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_tutorial_network() {
        let mlp = Mlp::default();
        mlp.check().unwrap();
        assert_eq!(mlp.widths(25), vec![25, 30, 10, 2]);
    }

    #[test]
    fn bad_hyperparameters_are_named() {
        let cases = [
            (Mlp { hidden_layers: vec![30, 0], ..Mlp::default() }, "hidden_layers"),
            (Mlp { batch_size: 0, ..Mlp::default() }, "batch_size"),
            (Mlp { epochs: 0, ..Mlp::default() }, "epochs"),
            (Mlp { adam: Adam { learning_rate: f64::NAN, ..Adam::default() }, ..Mlp::default() }, "learning_rate"),
            (Mlp { adam: Adam { beta2: 1.0, ..Adam::default() }, ..Mlp::default() }, "beta2"),
        ];
        for (mlp, name) in cases {
            let message = mlp.check().unwrap_err().to_string();
            assert!(message.contains(name), "{message} should name {name}");
        }
    }

    #[test]
    fn configs_name_backends_in_snake_case() {
        let mlp: Mlp = serde_json::from_str(r#"{"backend": "burn_wgpu", "hidden_layers": [8]}"#).unwrap();
        assert_eq!(mlp.backend, NeuralBackend::BurnWgpu);
        assert_eq!(mlp.backend.name(), "burn_wgpu");
        assert!(serde_json::from_str::<Mlp>(r#"{"backend": "cuda"}"#).is_err());
    }
}
