//! The network's parameters as plain data: the one format every backend reads
//! from and writes to, so that a model trained on one backend can be loaded,
//! checked or served on another.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// One fully connected layer: `outputs = inputs · weight + bias`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DenseLayer {
    /// Width of the layer's input.
    pub inputs: usize,
    /// Width of the layer's output.
    pub outputs: usize,
    /// Row-major `[inputs, outputs]` matrix.
    pub weight: Vec<f32>,
    /// One bias per output.
    pub bias: Vec<f32>,
}

/// All layers of a multilayer perceptron, input to output. Every layer but the
/// last is followed by a ReLU.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MlpWeights {
    /// The layers, input first.
    pub layers: Vec<DenseLayer>,
}

impl MlpWeights {
    /// Glorot-uniform weights and zero biases (Keras's `Dense` defaults, the
    /// tutorial's framework), drawn from `seed` alone. Initialising here rather
    /// than inside a backend gives every backend the same starting point.
    ///
    /// `widths` lists the layer widths from input to output, e.g. `[25, 30, 10, 2]`.
    pub fn glorot_uniform(widths: &[usize], seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let layers = widths
            .windows(2)
            .map(|pair| {
                let (inputs, outputs) = (pair[0], pair[1]);
                let limit = (6.0 / (inputs + outputs) as f64).sqrt();
                let weight = (0..inputs * outputs).map(|_| rng.random_range(-limit..limit) as f32).collect();
                DenseLayer { inputs, outputs, weight, bias: vec![0.0; outputs] }
            })
            .collect();
        Self { layers }
    }

    /// Width of the input.
    pub fn n_inputs(&self) -> usize {
        self.layers.first().map_or(0, |layer| layer.inputs)
    }

    /// Width of the output (2 for a softmax head, 1 for a single logit).
    pub fn n_outputs(&self) -> usize {
        self.layers.last().map_or(0, |layer| layer.outputs)
    }

    /// The output logits of one input row, in plain f64 arithmetic: the
    /// reference the backends' forward passes are tested against.
    pub fn logits(&self, row: &[f32]) -> Vec<f64> {
        let mut activation: Vec<f64> = row.iter().map(|&v| f64::from(v)).collect();
        for (index, layer) in self.layers.iter().enumerate() {
            let mut next: Vec<f64> = layer.bias.iter().map(|&b| f64::from(b)).collect();
            for (i, &a) in activation.iter().enumerate() {
                let weights = &layer.weight[i * layer.outputs..(i + 1) * layer.outputs];
                for (n, &w) in next.iter_mut().zip(weights) {
                    *n += a * f64::from(w);
                }
            }
            if index + 1 < self.layers.len() {
                next.iter_mut().for_each(|v| *v = v.max(0.0));
            }
            activation = next;
        }
        activation
    }

    /// Whether every parameter is finite.
    pub fn is_finite(&self) -> bool {
        self.layers.iter().all(|layer| layer.weight.iter().chain(&layer.bias).all(|v| v.is_finite()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glorot_uniform_is_seeded_and_bounded() {
        let a = MlpWeights::glorot_uniform(&[4, 3, 2], 7);
        assert_eq!(a, MlpWeights::glorot_uniform(&[4, 3, 2], 7));
        assert_ne!(a, MlpWeights::glorot_uniform(&[4, 3, 2], 8));
        assert_eq!((a.n_inputs(), a.n_outputs()), (4, 2));
        let limit = (6.0f32 / 7.0).sqrt();
        assert!(a.layers[0].weight.iter().all(|w| w.abs() < limit));
        assert!(a.layers.iter().all(|l| l.bias.iter().all(|&b| b == 0.0)));
    }

    #[test]
    fn logits_apply_relu_between_layers_only() {
        let weights = MlpWeights {
            layers: vec![
                DenseLayer { inputs: 1, outputs: 2, weight: vec![1.0, -1.0], bias: vec![0.0, 0.0] },
                DenseLayer { inputs: 2, outputs: 1, weight: vec![1.0, 1.0], bias: vec![-5.0] },
            ],
        };
        // Hidden: relu([2, -2]) = [2, 0]; output 2 - 5 = -3 (no ReLU on the output).
        assert_eq!(weights.logits(&[2.0]), vec![-3.0]);
    }
}
