//! The fitted random forest: prediction and serde.

use overdue_features::MatrixView;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::tree::{FeatureImportance, FlatTree, PackedForest};
use crate::{FittedClassifier, MissingValues, ModelError, check_features};

/// Rows per parallel work item when predicting: every tree is applied to a
/// block of rows before the next, and the blocks are as large as the threads
/// allow within these bounds. A fully grown tree does not fit in cache, so the
/// more rows walk it while it is loaded the better (measured on the study
/// matrix, 100 trees of 47,000 nodes: 512 rows per block predict 2.5 times
/// slower than 16,384). Each row's sum is taken in tree order whatever the
/// blocks, so they do not change the result.
const PREDICT_CHUNK_ROWS: std::ops::RangeInclusive<usize> = 512..=16384;

/// A fitted random forest: its trees (leaf values are weighted late shares),
/// what the fit measured, and the trees packed for prediction.
///
/// The probability of late for a row is the mean of the trees' leaf values,
/// summed in tree order.
///
/// Serialised as `{"n_features", "trees": [FlatTree, ...],
/// "feature_importance": {"gain", "split"}, "oob_score"}` (`oob_score` is
/// `null` without bootstrap); deserialisation checks that there is a tree,
/// that every tree splits only on existing features and that leaf values are
/// shares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawModel")]
pub struct RandomForestModel {
    n_features: usize,
    trees: Vec<FlatTree>,
    feature_importance: FeatureImportance,
    oob_score: Option<f64>,
    /// The trees packed for prediction (rebuilt, never serialised).
    #[serde(skip_serializing)]
    packed: PackedForest,
}

impl RandomForestModel {
    /// Assembles a model, checking it as deserialisation does.
    pub(super) fn new(
        n_features: usize,
        trees: Vec<FlatTree>,
        feature_importance: FeatureImportance,
        oob_score: Option<f64>,
    ) -> Result<Self, ModelError> {
        RawModel { n_features, trees, feature_importance, oob_score }.try_into().map_err(ModelError::FitFailed)
    }

    /// Number of features the model expects.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// The trees, in the order of their seeds' streams.
    pub fn trees(&self) -> &[FlatTree] {
        &self.trees
    }

    /// Gain (twice the weighted Gini decrease, in units of row weight) and
    /// split count of each feature, summed over the trees.
    pub fn feature_importance(&self) -> &FeatureImportance {
        &self.feature_importance
    }

    /// Out-of-bag accuracy (scikit-learn's `oob_score_`); `None` without
    /// bootstrap.
    pub fn oob_score(&self) -> Option<f64> {
        self.oob_score
    }
}

impl FittedClassifier for RandomForestModel {
    fn predict_proba(&self, features: MatrixView<'_>) -> Result<Vec<f64>, ModelError> {
        check_features(&features, self.n_features, MissingValues::Routed)?;
        let n_cols = features.n_cols();
        if features.n_rows() == 0 {
            return Ok(Vec::new());
        }
        let mut scores = vec![0.0; features.n_rows()];
        let chunk = features
            .n_rows()
            .div_ceil(rayon::current_num_threads())
            .clamp(*PREDICT_CHUNK_ROWS.start(), *PREDICT_CHUNK_ROWS.end());
        scores
            .par_chunks_mut(chunk)
            .zip(features.as_slice().par_chunks(chunk * n_cols))
            .for_each(|(scores, rows)| self.packed.add_scores(rows, n_cols, scores));
        let n_trees = self.trees.len() as f64;
        // Leaf values are shares, so the mean is one up to rounding.
        scores.iter_mut().for_each(|s| *s = (*s / n_trees).clamp(0.0, 1.0));
        Ok(scores)
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("a fitted model serialises to JSON")
    }

    fn feature_importance(&self) -> Option<FeatureImportance> {
        Some(self.feature_importance.clone())
    }
}

/// The serialised form, checked into a [`RandomForestModel`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModel {
    n_features: usize,
    trees: Vec<FlatTree>,
    feature_importance: FeatureImportance,
    oob_score: Option<f64>,
}

/// Leaf values may exceed `[0, 1]` by this much (rounding of weighted sums).
const SHARE_TOLERANCE: f64 = 1e-9;

impl TryFrom<RawModel> for RandomForestModel {
    type Error = String;

    fn try_from(raw: RawModel) -> Result<Self, String> {
        if raw.trees.is_empty() {
            return Err("a random forest needs at least one tree".into());
        }
        if let Some(f) = raw.trees.iter().filter_map(FlatTree::max_feature).max()
            && f >= raw.n_features
        {
            return Err(format!("a tree splits on feature {f} of a model with {} features", raw.n_features));
        }
        let share = -SHARE_TOLERANCE..=1.0 + SHARE_TOLERANCE;
        if let Some((t, v)) = raw
            .trees
            .iter()
            .enumerate()
            .find_map(|(t, tree)| tree.leaf_values().iter().find(|v| !share.contains(v)).map(|v| (t, *v)))
        {
            return Err(format!("tree {t}: leaf value {v} is not a share in [0, 1]"));
        }
        let importance = &raw.feature_importance;
        if importance.gain.len() != raw.n_features || importance.split.len() != raw.n_features {
            return Err(format!("feature_importance needs {} entries per kind", raw.n_features));
        }
        if raw.oob_score.is_some_and(|s| !(0.0..=1.0).contains(&s)) {
            return Err(format!("oob_score must be in [0, 1], got {:?}", raw.oob_score));
        }
        Ok(Self {
            packed: PackedForest::new(&raw.trees),
            n_features: raw.n_features,
            trees: raw.trees,
            feature_importance: raw.feature_importance,
            oob_score: raw.oob_score,
        })
    }
}
