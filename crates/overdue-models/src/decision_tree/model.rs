//! A fitted decision tree: its nodes, prediction and what can be read from it.

use overdue_features::MatrixView;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::Criterion;
use crate::tree::FeatureImportance;
use crate::{FittedClassifier, MissingValues, ModelError, check_features};

/// Rows per parallel work item when predicting; fixed so results never depend
/// on the thread pool (they could not anyway: rows are independent).
const PREDICT_CHUNK_ROWS: usize = 4096;

/// How an inner node routes a row: `value <= threshold` goes to `left`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeSplit {
    /// Column index of the feature compared.
    pub feature: usize,
    /// The row's value (widened to f64) goes left when at most this.
    pub threshold: f64,
    /// Index of the left child in [`DecisionTreeModel::nodes`].
    pub left: usize,
    /// Index of the right child.
    pub right: usize,
}

/// One node of a fitted tree, with what the training rows that reached it
/// looked like.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TreeNode {
    /// Training rows that reached the node.
    pub samples: usize,
    /// Their total weight (class weights, or AdaBoost's sample weights).
    pub weighted_samples: f64,
    /// Weighted share of late rows among them: what a leaf predicts.
    pub late_share: f64,
    /// The node's impurity under the fitting criterion.
    pub impurity: f64,
    /// The split, or `None` for a leaf.
    pub split: Option<NodeSplit>,
}

/// A node packed for prediction: for a leaf, `left == 0` and `threshold` is
/// the late share (the root is never a child, so 0 marks a leaf).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Packed {
    threshold: f64,
    feature: u32,
    left: u32,
    right: u32,
}

/// A fitted exact CART tree.
///
/// Nodes are numbered as scikit-learn numbers them: depth-first from the root
/// (index 0), a node's left subtree before its right one, so every child has a
/// larger index than its parent and a left child directly follows its parent. Serialised as
/// `{"n_features": ..., "criterion": "gini" | "entropy", "nodes": [{"samples":
/// ..., "weighted_samples": ..., "late_share": ..., "impurity": ..., "split":
/// {"feature": ..., "threshold": ..., "left": ..., "right": ...} | null}, ...]}`;
/// deserialisation checks that the nodes form one tree over valid features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawTree")]
pub struct DecisionTreeModel {
    n_features: usize,
    criterion: Criterion,
    nodes: Vec<TreeNode>,
    #[serde(skip)]
    packed: Vec<Packed>,
}

impl DecisionTreeModel {
    /// Wraps freshly grown nodes (already consistent).
    pub(crate) fn from_grown(n_features: usize, criterion: Criterion, nodes: Vec<TreeNode>) -> Self {
        let packed = pack(&nodes);
        Self { n_features, criterion, nodes, packed }
    }

    /// Number of features the tree expects.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// The impurity criterion it was grown with.
    pub fn criterion(&self) -> Criterion {
        self.criterion
    }

    /// All nodes, root first, depth-first (left subtree first).
    pub fn nodes(&self) -> &[TreeNode] {
        &self.nodes
    }

    /// Number of nodes (scikit-learn's `tree_.node_count`).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Number of leaves (`get_n_leaves()`).
    pub fn leaf_count(&self) -> usize {
        self.nodes.iter().filter(|n| n.split.is_none()).count()
    }

    /// Depth of the deepest leaf, the root being at depth 0 (`get_depth()`).
    pub fn depth(&self) -> usize {
        let mut depth = vec![0; self.nodes.len()];
        for (i, node) in self.nodes.iter().enumerate() {
            if let Some(s) = node.split {
                depth[s.left] = depth[i] + 1;
                depth[s.right] = depth[i] + 1;
            }
        }
        depth.into_iter().max().unwrap_or(0)
    }

    /// Impurity-based importance of each feature, as scikit-learn's
    /// `feature_importances_`: for each split, the parent's weighted impurity
    /// minus its children's (`w * I - w_L * I_L - w_R * I_R`) is credited to the
    /// split feature; the totals are divided by the root's weight, then
    /// normalised to sum to 1 (all zeros for a tree without splits).
    pub fn feature_importances(&self) -> Vec<f64> {
        let mut importances = vec![0.0; self.n_features];
        for node in &self.nodes {
            if let Some(s) = node.split {
                let (l, r) = (&self.nodes[s.left], &self.nodes[s.right]);
                importances[s.feature] += node.weighted_samples * node.impurity
                    - l.weighted_samples * l.impurity
                    - r.weighted_samples * r.impurity;
            }
        }
        let root = self.nodes[0].weighted_samples;
        if root > 0.0 {
            importances.iter_mut().for_each(|v| *v /= root);
        }
        let total: f64 = importances.iter().sum();
        if total > 0.0 {
            importances.iter_mut().for_each(|v| *v /= total);
        }
        importances
    }

    /// Adds `weight` times each split's weighted impurity decrease
    /// (`w * I - w_L * I_L - w_R * I_R`, unnormalised) to its feature's gain
    /// in `importance`, and counts the split.
    pub(crate) fn add_importance(&self, weight: f64, importance: &mut FeatureImportance) {
        for node in &self.nodes {
            if let Some(s) = node.split {
                let (l, r) = (&self.nodes[s.left], &self.nodes[s.right]);
                let decrease = node.weighted_samples * node.impurity
                    - l.weighted_samples * l.impurity
                    - r.weighted_samples * r.impurity;
                importance.gain[s.feature] += weight * decrease;
                importance.split[s.feature] += 1;
            }
        }
    }

    /// Number of splits on each feature.
    pub fn split_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.n_features];
        for s in self.nodes.iter().filter_map(|n| n.split) {
            counts[s.feature] += 1;
        }
        counts
    }

    /// Index (in [`nodes`](Self::nodes)) of the leaf each row falls in, as
    /// scikit-learn's `apply`. Fails like
    /// [`predict_proba`](FittedClassifier::predict_proba).
    pub fn leaf_indices(&self, features: MatrixView<'_>) -> Result<Vec<usize>, ModelError> {
        check_features(&features, self.n_features, MissingValues::Rejected)?;
        Ok(features.rows().map(|row| self.leaf_of(row)).collect())
    }

    /// The leaf a row falls in. The row must have `n_features` values.
    pub(crate) fn leaf_of(&self, row: &[f32]) -> usize {
        let mut i = 0;
        loop {
            let node = self.packed[i];
            if node.left == 0 {
                return i;
            }
            i = if f64::from(row[node.feature as usize]) <= node.threshold { node.left } else { node.right } as usize;
        }
    }

    /// Probability of late for one row of `n_features` values.
    pub(crate) fn predict_row(&self, row: &[f32]) -> f64 {
        self.packed[self.leaf_of(row)].threshold
    }
}

impl FittedClassifier for DecisionTreeModel {
    fn predict_proba(&self, features: MatrixView<'_>) -> Result<Vec<f64>, ModelError> {
        check_features(&features, self.n_features, MissingValues::Rejected)?;
        let n_cols = features.n_cols();
        if features.n_rows() == 0 {
            return Ok(Vec::new());
        }
        let chunks: Vec<Vec<f64>> = features
            .as_slice()
            .par_chunks(PREDICT_CHUNK_ROWS * n_cols)
            .map(|chunk| chunk.chunks_exact(n_cols).map(|row| self.predict_row(row)).collect())
            .collect();
        Ok(chunks.concat())
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("a fitted tree serialises to JSON")
    }

    /// Gain: each split's weighted impurity decrease `w * I - w_L * I_L -
    /// w_R * I_R` (scikit-learn's `feature_importances_` before dividing by
    /// the root's weight and normalising), summed per feature.
    fn feature_importance(&self) -> Option<FeatureImportance> {
        let mut importance = FeatureImportance::zeros(self.n_features);
        self.add_importance(1.0, &mut importance);
        Some(importance)
    }
}

fn pack(nodes: &[TreeNode]) -> Vec<Packed> {
    nodes
        .iter()
        .map(|node| match node.split {
            Some(s) => {
                Packed { threshold: s.threshold, feature: s.feature as u32, left: s.left as u32, right: s.right as u32 }
            }
            None => Packed { threshold: node.late_share, feature: 0, left: 0, right: 0 },
        })
        .collect()
}

/// The serialised form, validated into a [`DecisionTreeModel`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTree {
    n_features: usize,
    criterion: Criterion,
    nodes: Vec<TreeNode>,
}

impl TryFrom<RawTree> for DecisionTreeModel {
    type Error = String;

    fn try_from(raw: RawTree) -> Result<Self, String> {
        let n = raw.nodes.len();
        if n == 0 {
            return Err("a decision tree needs at least one node".into());
        }
        if n > u32::MAX as usize {
            return Err(format!("a decision tree has at most {} nodes, got {n}", u32::MAX));
        }
        let mut parents = vec![0usize; n];
        for (i, node) in raw.nodes.iter().enumerate() {
            if !(node.weighted_samples.is_finite() && node.weighted_samples >= 0.0 && node.impurity.is_finite()) {
                return Err(format!("node {i}: weighted_samples and impurity must be finite"));
            }
            if !(0.0..=1.0).contains(&node.late_share) {
                return Err(format!("node {i}: late_share {} is not in [0, 1]", node.late_share));
            }
            if let Some(s) = node.split {
                if s.feature >= raw.n_features {
                    return Err(format!(
                        "node {i}: feature {} but the tree has {} features",
                        s.feature, raw.n_features
                    ));
                }
                if !s.threshold.is_finite() {
                    return Err(format!("node {i}: threshold must be finite"));
                }
                if s.left <= i || s.right <= i || s.left >= n || s.right >= n || s.left == s.right {
                    return Err(format!("node {i}: children {} and {} must be distinct later nodes", s.left, s.right));
                }
                parents[s.left] += 1;
                parents[s.right] += 1;
            }
        }
        if let Some(orphan) = (1..n).find(|&i| parents[i] != 1) {
            return Err(format!("node {orphan} has {} parents; every node but the root needs one", parents[orphan]));
        }
        Ok(Self::from_grown(raw.n_features, raw.criterion, raw.nodes))
    }
}
