//! The fitted gradient boosted trees: prediction and serde.

use overdue_features::MatrixView;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::numeric::sigmoid;
use crate::tree::{FeatureImportance, FlatTree, PackedForest};
use crate::{FittedClassifier, MissingValues, ModelError, check_features};

/// Rows per parallel work item when predicting: every tree is applied to a
/// block of rows before the next, so that the tree stays in L1 cache.
const PREDICT_CHUNK_ROWS: usize = 512;

/// Fitted gradient boosted trees: the starting score, the trees (learning rate
/// already applied to their leaves) and what the fit recorded.
///
/// The probability of late for a row is `sigmoid(init_score + sum of the trees'
/// leaf values)`, the trees summed in order.
///
/// Serialised as `{"n_features", "init_score", "trees": [FlatTree, ...],
/// "feature_importance": {"gain", "split"}, "iterations", "best_iteration",
/// "best_validation_loss"}`; deserialisation checks that every tree is
/// consistent and splits only on existing features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawModel")]
pub struct GradientBoostedTreesModel {
    n_features: usize,
    init_score: f64,
    trees: Vec<FlatTree>,
    feature_importance: FeatureImportance,
    iterations: usize,
    best_iteration: Option<usize>,
    best_validation_loss: Option<f64>,
    /// The trees packed for prediction (rebuilt, never serialised).
    #[serde(skip_serializing)]
    packed: PackedForest,
}

impl GradientBoostedTreesModel {
    /// Assembles a model, checking it as deserialisation does.
    pub(super) fn new(
        n_features: usize,
        init_score: f64,
        trees: Vec<FlatTree>,
        feature_importance: FeatureImportance,
        iterations: usize,
        best_iteration: Option<usize>,
        best_validation_loss: Option<f64>,
    ) -> Result<Self, ModelError> {
        RawModel { n_features, init_score, trees, feature_importance, iterations, best_iteration, best_validation_loss }
            .try_into()
            .map_err(ModelError::FitFailed)
    }

    /// Number of features the model expects.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// The starting score (log-odds of the training base rate).
    pub fn init_score(&self) -> f64 {
        self.init_score
    }

    /// The trees, in boosting order (after early stopping: up to the best
    /// round).
    pub fn trees(&self) -> &[FlatTree] {
        &self.trees
    }

    /// Gain and split count of each feature over the kept trees.
    pub fn feature_importance(&self) -> &FeatureImportance {
        &self.feature_importance
    }

    /// Rounds run before training stopped (all `n_trees` unless early stopping
    /// or a tree without split ended it).
    pub fn iterations(&self) -> usize {
        self.iterations
    }

    /// With early stopping, the number of trees kept: the round (1-based) with
    /// the lowest validation log loss. `None` without early stopping.
    pub fn best_iteration(&self) -> Option<usize> {
        self.best_iteration
    }

    /// With early stopping, the validation log loss at the best round.
    pub fn best_validation_loss(&self) -> Option<f64> {
        self.best_validation_loss
    }

    /// Scores (log-odds of late) of each row: the starting score plus every
    /// tree's leaf value.
    pub fn predict_scores(&self, features: MatrixView<'_>) -> Result<Vec<f64>, ModelError> {
        check_features(&features, self.n_features, MissingValues::Routed)?;
        let n_cols = features.n_cols();
        if features.n_rows() == 0 {
            return Ok(Vec::new());
        }
        let mut scores = vec![self.init_score; features.n_rows()];
        scores
            .par_chunks_mut(PREDICT_CHUNK_ROWS)
            .zip(features.as_slice().par_chunks(PREDICT_CHUNK_ROWS * n_cols))
            .for_each(|(scores, rows)| self.packed.add_scores(rows, n_cols, scores));
        Ok(scores)
    }
}

impl FittedClassifier for GradientBoostedTreesModel {
    fn predict_proba(&self, features: MatrixView<'_>) -> Result<Vec<f64>, ModelError> {
        let mut scores = self.predict_scores(features)?;
        scores.iter_mut().for_each(|s| *s = sigmoid(*s));
        Ok(scores)
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("a fitted model serialises to JSON")
    }

    fn feature_importance(&self) -> Option<FeatureImportance> {
        Some(self.feature_importance.clone())
    }
}

/// The serialised form, checked into a [`GradientBoostedTreesModel`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModel {
    n_features: usize,
    init_score: f64,
    trees: Vec<FlatTree>,
    feature_importance: FeatureImportance,
    iterations: usize,
    best_iteration: Option<usize>,
    best_validation_loss: Option<f64>,
}

impl TryFrom<RawModel> for GradientBoostedTreesModel {
    type Error = String;

    fn try_from(raw: RawModel) -> Result<Self, String> {
        if !raw.init_score.is_finite() {
            return Err(format!("init_score must be finite, got {}", raw.init_score));
        }
        if let Some(f) = raw.trees.iter().filter_map(FlatTree::max_feature).max()
            && f >= raw.n_features
        {
            return Err(format!("a tree splits on feature {f} of a model with {} features", raw.n_features));
        }
        let importance = &raw.feature_importance;
        if importance.gain.len() != raw.n_features || importance.split.len() != raw.n_features {
            return Err(format!("feature_importance needs {} entries per kind", raw.n_features));
        }
        if raw.best_iteration.is_some_and(|b| b != raw.trees.len()) {
            return Err("best_iteration must equal the number of trees kept".into());
        }
        Ok(Self {
            packed: PackedForest::new(&raw.trees),
            n_features: raw.n_features,
            init_score: raw.init_score,
            trees: raw.trees,
            feature_importance: raw.feature_importance,
            iterations: raw.iterations,
            best_iteration: raw.best_iteration,
            best_validation_loss: raw.best_validation_loss,
        })
    }
}
