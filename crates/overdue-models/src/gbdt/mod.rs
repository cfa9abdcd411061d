//! Gradient boosted trees on the histogram tree core, LightGBM's algorithm.
//!
//! The hyperparameters and the boosting objective are documented on
//! [`GradientBoostedTrees`]; training is in `boost.rs`, the fitted model in
//! `model.rs`, the trees themselves in [`crate::tree`].

mod boost;
mod model;

use overdue_features::Samples;
use serde::{Deserialize, Deserializer, Serialize};

pub use model::GradientBoostedTreesModel;

use crate::tree::Growth;
use crate::{CheckedData, Classifier, FitOptions, FittedClassifier, MissingValues, ModelError};

/// Hyperparameters of gradient boosted trees with the log loss.
///
/// # Algorithm
///
/// As LightGBM's `objective="binary"`, `boost_from_average=true`: the score of
/// every row starts at the log-odds of the training base rate, and each of
/// `n_trees` rounds fits one tree to the gradients `w (p - y)` and hessians
/// `w p (1 - p)` of the log loss at the current scores (`w` is
/// `scale_pos_weight` for late rows and 1 otherwise, which, as in LightGBM,
/// does not move the starting score), then adds `learning_rate` times the
/// tree's leaf values `-G / (H + lambda_l2)` to the scores. The probability of
/// late is the sigmoid of the final score.
///
/// Trees are grown on binned features by the histogram core (see
/// [`crate::tree`] for binning, missing values, split finding and growth). A
/// round whose tree cannot split at all ends training, as in LightGBM.
///
/// # Randomness
///
/// With `row_subsample` or `column_subsample` below 1, every tree sees a
/// random subset of the training rows (without replacement) or of the
/// features, drawn from one ChaCha8 stream seeded by [`FitOptions::seed`].
/// Otherwise the fit is deterministic. Either way the same data and seed give
/// bit-identical models whatever the number of threads.
///
/// # Early stopping
///
/// With `early_stopping_rounds = Some(k)`, the mean log loss on the validation
/// rows is computed after every round; training stops once it has not improved
/// (strictly decreased) for `k` rounds, and the model keeps the trees up to the
/// round with the lowest loss. Needs validation rows.
///
/// # Failures
///
/// Invalid hyperparameters give [`ModelError::InvalidHyperparameter`] naming
/// the field; empty or one-class training data, infinite values (NaN is
/// allowed: it is routed as missing) or a validation width mismatch the errors
/// of [`crate::check_training`] and [`crate::check_features`] under
/// [`crate::MissingValues::Routed`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GradientBoostedTrees {
    /// Number of boosting rounds (trees). Default: 100.
    pub n_trees: usize,
    /// Shrinkage applied to every tree's leaf values, in `(0, 1]` or above.
    /// Default: 0.1.
    pub learning_rate: f64,
    /// Most leaves per tree, at least 2. Default: 31.
    pub num_leaves: usize,
    /// Deepest a leaf may be (the root is depth 0), at least 1; `null` (or -1
    /// when read) for no limit. Caps leaf-wise growth too. Default: none.
    #[serde(deserialize_with = "depth_or_unlimited")]
    pub max_depth: Option<usize>,
    /// Leaf-wise (best-first, LightGBM) or depth-wise growth. Default:
    /// leaf-wise.
    pub growth: Growth,
    /// Smallest hessian sum of a leaf (LightGBM's `min_sum_hessian_in_leaf`),
    /// at least 0. Default: 1e-3.
    pub min_child_weight: f64,
    /// Fewest training rows of a leaf, at least 1. Default: 20.
    pub min_data_in_leaf: usize,
    /// L2 penalty on leaf values, at least 0. Default: 0.
    pub lambda_l2: f64,
    /// Smallest gain (LightGBM's units: `G^2/(H+lambda)` summed over the
    /// children minus the parent's) a split needs, at least 0. Default: 0.
    pub min_split_gain: f64,
    /// Share of training rows each tree sees, in `(0, 1]`. Default: 1.
    pub row_subsample: f64,
    /// Share of features each tree may split on, in `(0, 1]`. Default: 1.
    pub column_subsample: f64,
    /// Most value bins per feature, in `2..=255`. Default: 255.
    pub max_bins: usize,
    /// Stop once the validation log loss has not improved for this many
    /// rounds, keeping the best round; at least 1. Default: none.
    pub early_stopping_rounds: Option<usize>,
    /// Weight of the late rows' gradients and hessians, positive. Default: 1.
    pub scale_pos_weight: f64,
}

impl Default for GradientBoostedTrees {
    /// LightGBM's defaults.
    fn default() -> Self {
        Self {
            n_trees: 100,
            learning_rate: 0.1,
            num_leaves: 31,
            max_depth: None,
            growth: Growth::LeafWise,
            min_child_weight: 1e-3,
            min_data_in_leaf: 20,
            lambda_l2: 0.0,
            min_split_gain: 0.0,
            row_subsample: 1.0,
            column_subsample: 1.0,
            max_bins: 255,
            early_stopping_rounds: None,
            scale_pos_weight: 1.0,
        }
    }
}

/// Reads `max_depth`: `null` or -1 mean no limit, other values a depth
/// (0 passes here and is rejected by validation, naming the field).
fn depth_or_unlimited<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<usize>, D::Error> {
    match Option::<i64>::deserialize(deserializer)? {
        None | Some(-1) => Ok(None),
        Some(d) => usize::try_from(d)
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("max_depth must be -1, null or a depth >= 1, got {d}"))),
    }
}

fn invalid(name: &'static str, reason: String) -> ModelError {
    ModelError::InvalidHyperparameter { name, reason }
}

/// Checks that `value` is finite and at least `min` (or above it if `strict`).
fn check_bound(name: &'static str, value: f64, min: f64, strict: bool) -> Result<(), ModelError> {
    let ok = value.is_finite() && if strict { value > min } else { value >= min };
    if ok {
        Ok(())
    } else {
        let relation = if strict { "above" } else { "at least" };
        Err(invalid(name, format!("must be finite and {relation} {min}, got {value}")))
    }
}

impl GradientBoostedTrees {
    /// Checks the hyperparameters, naming the first invalid one.
    pub fn validate(&self) -> Result<(), ModelError> {
        if self.n_trees == 0 {
            return Err(invalid("n_trees", "must be at least 1".into()));
        }
        check_bound("learning_rate", self.learning_rate, 0.0, true)?;
        if !(2..=131_072).contains(&self.num_leaves) {
            return Err(invalid("num_leaves", format!("must be in 2..=131072, got {}", self.num_leaves)));
        }
        if self.max_depth == Some(0) {
            return Err(invalid("max_depth", "must be at least 1 (or null/-1 for no limit)".into()));
        }
        check_bound("min_child_weight", self.min_child_weight, 0.0, false)?;
        if self.min_data_in_leaf == 0 || self.min_data_in_leaf > u32::MAX as usize {
            return Err(invalid("min_data_in_leaf", format!("must be in 1..=2^32-1, got {}", self.min_data_in_leaf)));
        }
        check_bound("lambda_l2", self.lambda_l2, 0.0, false)?;
        check_bound("min_split_gain", self.min_split_gain, 0.0, false)?;
        for (name, share) in [("row_subsample", self.row_subsample), ("column_subsample", self.column_subsample)] {
            if !(share > 0.0 && share <= 1.0) {
                return Err(invalid(name, format!("must be in (0, 1], got {share}")));
            }
        }
        if !(2..=crate::tree::MAX_BINS).contains(&self.max_bins) {
            return Err(invalid("max_bins", format!("must be in 2..=255, got {}", self.max_bins)));
        }
        if self.early_stopping_rounds == Some(0) {
            return Err(invalid("early_stopping_rounds", "must be at least 1 (or null)".into()));
        }
        check_bound("scale_pos_weight", self.scale_pos_weight, 0.0, true)
    }

    /// Fits on `train` (and `validation`, for early stopping) and returns the
    /// concrete model, so that callers can read its trees and importances.
    pub fn fit_model(
        &self,
        train: Samples<'_>,
        validation: Option<Samples<'_>>,
        options: &FitOptions,
    ) -> Result<GradientBoostedTreesModel, ModelError> {
        boost::boost(self, self.check_data(train, validation)?, options.seed)
    }
}

impl Classifier for GradientBoostedTrees {
    fn family(&self) -> &'static str {
        "gradient_boosted_trees"
    }

    fn hyperparameters(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("hyperparameters serialise to JSON")
    }

    fn validate(&self) -> Result<(), ModelError> {
        GradientBoostedTrees::validate(self)
    }

    /// Fits on `train`; `validation` is used only for early stopping.
    fn missing_values(&self) -> MissingValues {
        MissingValues::Routed
    }

    fn fit_checked(
        &self,
        data: CheckedData<'_>,
        options: &FitOptions,
    ) -> Result<Box<dyn FittedClassifier>, ModelError> {
        Ok(Box::new(boost::boost(self, data, options.seed)?))
    }
}
