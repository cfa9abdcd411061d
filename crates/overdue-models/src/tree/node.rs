//! A fitted tree as flat arrays (struct of arrays), for fast prediction on raw
//! rows and compact JSON.

use serde::{Deserialize, Serialize};

use super::binning::BinnedMatrix;
use super::partition::{BinTest, SplitRule, partition};

/// A binary tree of threshold splits, stored as flat arrays.
///
/// Internal node `i` sends a row left when its value of `split_feature[i]` is at
/// most `threshold[i]` (equivalently, when its bin is at most
/// `threshold_bin[i]`), and sends NaN left exactly when `default_left[i]`.
/// Children are encoded as in LightGBM: `c >= 0` is internal node `c`, `c < 0`
/// is leaf `!c` (so `-1` is leaf 0). Node 0 is the root; a tree with no
/// internal node is a single leaf, leaf 0. A child always has a larger index
/// than its parent, which is what makes traversal terminate, and
/// deserialisation checks it.
///
/// Serialised as `{"split_feature", "threshold", "threshold_bin",
/// "default_left", "left_child", "right_child", "split_gain"}` (one entry per
/// internal node) and `{"leaf_value", "leaf_count"}` (one per leaf, one more
/// than internal nodes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawFlatTree")]
pub struct FlatTree {
    split_feature: Vec<u32>,
    threshold: Vec<f32>,
    threshold_bin: Vec<u8>,
    default_left: Vec<bool>,
    left_child: Vec<i32>,
    right_child: Vec<i32>,
    split_gain: Vec<f64>,
    leaf_value: Vec<f64>,
    leaf_count: Vec<u32>,
    /// Where each leaf hangs: `2 * parent + 1` if it is its parent's right
    /// child, `2 * parent` if the left one, [`NO_PARENT`] for the root leaf of
    /// a single-leaf tree. Derived from the children (never serialised), so
    /// that splitting a leaf of a large tree does not search them.
    #[serde(skip_serializing)]
    leaf_parent: Vec<u32>,
}

/// [`FlatTree::leaf_parent`] of a leaf without parent.
const NO_PARENT: u32 = u32::MAX;

impl FlatTree {
    /// A tree that is one leaf with `n` training rows and value 0.
    pub fn single_leaf(n: u32) -> Self {
        Self {
            split_feature: Vec::new(),
            threshold: Vec::new(),
            threshold_bin: Vec::new(),
            default_left: Vec::new(),
            left_child: Vec::new(),
            right_child: Vec::new(),
            split_gain: Vec::new(),
            leaf_value: vec![0.0],
            leaf_count: vec![n],
            leaf_parent: vec![NO_PARENT],
        }
    }

    /// Splits leaf `leaf` into itself (left) and a new leaf (right), returning
    /// the new leaf's index. Leaf values and counts of both are set later with
    /// [`FlatTree::set_leaf`].
    ///
    /// # Panics
    /// When `leaf` is not a leaf of this tree.
    pub fn split_leaf(
        &mut self,
        leaf: usize,
        feature: usize,
        threshold_bin: u8,
        threshold: f32,
        default_left: bool,
        gain: f64,
    ) -> usize {
        assert!(leaf < self.leaf_value.len(), "leaf {leaf} does not exist");
        let node = self.split_feature.len() as i32;
        let reference = !(leaf as i32);
        match self.leaf_parent[leaf] {
            NO_PARENT => {}
            p if p % 2 == 0 => self.left_child[(p / 2) as usize] = node,
            p => self.right_child[(p / 2) as usize] = node,
        }
        let new_leaf = self.leaf_value.len();
        self.leaf_parent[leaf] = 2 * node as u32;
        self.leaf_parent.push(2 * node as u32 + 1);
        self.split_feature.push(feature as u32);
        self.threshold.push(threshold);
        self.threshold_bin.push(threshold_bin);
        self.default_left.push(default_left);
        self.left_child.push(reference);
        self.right_child.push(!(new_leaf as i32));
        self.split_gain.push(gain);
        self.leaf_value.push(0.0);
        self.leaf_count.push(0);
        new_leaf
    }

    /// Sets a leaf's value and its number of training rows.
    pub fn set_leaf(&mut self, leaf: usize, value: f64, count: u32) {
        self.leaf_value[leaf] = value;
        self.leaf_count[leaf] = count;
    }

    /// Multiplies every leaf value by `factor` (the learning rate of boosting).
    pub fn scale_leaves(&mut self, factor: f64) {
        self.leaf_value.iter_mut().for_each(|v| *v *= factor);
    }

    /// Number of leaves.
    pub fn n_leaves(&self) -> usize {
        self.leaf_value.len()
    }

    /// Number of internal (split) nodes.
    pub fn n_splits(&self) -> usize {
        self.split_feature.len()
    }

    /// Feature of each split.
    pub fn split_features(&self) -> &[u32] {
        &self.split_feature
    }

    /// Raw threshold of each split (`x <= threshold` goes left).
    pub fn thresholds(&self) -> &[f32] {
        &self.threshold
    }

    /// Bin threshold of each split (`bin <= threshold_bin` goes left), in the
    /// bins of the training data.
    pub fn threshold_bins(&self) -> &[u8] {
        &self.threshold_bin
    }

    /// Whether each split sends missing values left.
    pub fn default_left(&self) -> &[bool] {
        &self.default_left
    }

    /// Children of split `i` (`c >= 0`: node `c`; `c < 0`: leaf `!c`).
    pub fn children(&self, i: usize) -> (i32, i32) {
        (self.left_child[i], self.right_child[i])
    }

    /// Gain of each split.
    pub fn split_gains(&self) -> &[f64] {
        &self.split_gain
    }

    /// Value of each leaf.
    pub fn leaf_values(&self) -> &[f64] {
        &self.leaf_value
    }

    /// Training rows that reached each leaf.
    pub fn leaf_counts(&self) -> &[u32] {
        &self.leaf_count
    }

    /// Largest feature index used by a split, if any.
    pub fn max_feature(&self) -> Option<usize> {
        self.split_feature.iter().max().map(|&f| f as usize)
    }

    /// Depth of the deepest leaf (0 for a single leaf).
    pub fn depth(&self) -> usize {
        let mut depth = vec![0usize; self.n_splits()];
        let mut deepest = 0;
        for node in 0..self.n_splits() {
            for child in [self.left_child[node], self.right_child[node]] {
                let d = depth[node] + 1;
                deepest = deepest.max(d);
                if child >= 0 {
                    depth[child as usize] = d;
                }
            }
        }
        deepest
    }

    /// The leaf a raw row falls in.
    ///
    /// # Panics
    /// When the row is shorter than the largest split feature.
    #[inline]
    pub fn leaf_index(&self, row: &[f32]) -> usize {
        if self.split_feature.is_empty() {
            return 0;
        }
        let mut node = 0;
        loop {
            let x = row[self.split_feature[node] as usize];
            let left = x <= self.threshold[node] || (x.is_nan() && self.default_left[node]);
            let child = if left { self.left_child[node] } else { self.right_child[node] };
            if child < 0 {
                return !child as usize;
            }
            node = child as usize;
        }
    }

    /// The value of the leaf a raw row falls in.
    #[inline]
    pub fn predict_row(&self, row: &[f32]) -> f64 {
        self.leaf_value[self.leaf_index(row)]
    }

    /// The leaf row `row` of binned data falls in (the same leaf as its raw
    /// values, for the data the tree was grown on).
    pub fn leaf_index_binned(&self, data: &BinnedMatrix, row: usize) -> usize {
        if self.split_feature.is_empty() {
            return 0;
        }
        let mut node = 0;
        loop {
            let feature = self.split_feature[node] as usize;
            let bin = data.bin(row, feature);
            let missing = bin == data.mappers()[feature].missing_bin();
            let left = if missing { self.default_left[node] } else { bin <= self.threshold_bin[node] };
            let child = if left { self.left_child[node] } else { self.right_child[node] };
            if child < 0 {
                return !child as usize;
            }
            node = child as usize;
        }
    }

    /// Sends `rows` (rows of the binned data the tree was grown on) down the
    /// tree as the grower sent its rows: each split partitions its node's rows
    /// in place (stably, `scratch` holding as many), and `visit(leaf, rows)`
    /// is called once per reached leaf with the rows that end there.
    ///
    /// For many rows at once this is much faster than walking the tree row by
    /// row: every node is read once and every pass over the rows is sequential
    /// and branch-free, where a walk misses the cache at every deep level of a
    /// large tree.
    pub fn route_rows(
        &self,
        data: &BinnedMatrix,
        rows: &mut [u32],
        scratch: &mut Vec<u32>,
        mut visit: impl FnMut(usize, &[u32]),
    ) {
        if self.split_feature.is_empty() {
            visit(0, rows);
            return;
        }
        scratch.resize(rows.len(), 0);
        // (child reference, start, end) still to route.
        let mut pending = vec![(0i32, 0usize, rows.len())];
        while let Some((child, start, end)) = pending.pop() {
            if child < 0 {
                visit(!child as usize, &rows[start..end]);
                continue;
            }
            let node = child as usize;
            let feature = self.split_feature[node] as usize;
            let test = BinTest {
                bin: self.threshold_bin[node],
                missing_bin: data.mappers()[feature].missing_bin(),
                default_left: self.default_left[node],
            };
            let rule = SplitRule { column: data.column(feature), test };
            let mid = start + partition(&mut rows[start..end], scratch, rule);
            pending.push((self.right_child[node], mid, end));
            pending.push((self.left_child[node], start, mid));
        }
    }
}

/// The serialised form, checked into a [`FlatTree`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFlatTree {
    split_feature: Vec<u32>,
    threshold: Vec<f32>,
    threshold_bin: Vec<u8>,
    default_left: Vec<bool>,
    left_child: Vec<i32>,
    right_child: Vec<i32>,
    split_gain: Vec<f64>,
    leaf_value: Vec<f64>,
    leaf_count: Vec<u32>,
}

impl TryFrom<RawFlatTree> for FlatTree {
    type Error = String;

    fn try_from(raw: RawFlatTree) -> Result<Self, String> {
        let m = raw.split_feature.len();
        let internal = [
            raw.threshold.len(),
            raw.threshold_bin.len(),
            raw.default_left.len(),
            raw.left_child.len(),
            raw.right_child.len(),
            raw.split_gain.len(),
        ];
        if internal.iter().any(|&len| len != m) {
            return Err(format!("tree: every split array needs {m} entries, got {internal:?}"));
        }
        if raw.leaf_value.len() != m + 1 || raw.leaf_count.len() != m + 1 {
            return Err(format!(
                "tree: {m} splits need {} leaves, got {} values and {} counts",
                m + 1,
                raw.leaf_value.len(),
                raw.leaf_count.len()
            ));
        }
        if m >= (i32::MAX / 2) as usize {
            return Err("tree: too many nodes".into());
        }
        if raw.threshold.iter().any(|t| t.is_nan()) || !raw.split_gain.iter().all(|g| g.is_finite()) {
            return Err("tree: thresholds must not be NaN and gains must be finite".into());
        }
        if !raw.leaf_value.iter().all(|v| v.is_finite()) {
            return Err("tree: leaf values must be finite".into());
        }
        let mut node_seen = vec![false; m];
        let mut leaf_seen = vec![false; m + 1];
        for node in 0..m {
            for child in [raw.left_child[node], raw.right_child[node]] {
                let seen = if child >= 0 {
                    let c = child as usize;
                    if c <= node || c >= m {
                        return Err(format!(
                            "tree: node {node} has child node {c}, which must lie in {}..{m}",
                            node + 1
                        ));
                    }
                    &mut node_seen[c]
                } else {
                    let leaf = !child as usize;
                    if leaf > m {
                        return Err(format!("tree: node {node} refers to leaf {leaf} of {}", m + 1));
                    }
                    &mut leaf_seen[leaf]
                };
                if std::mem::replace(seen, true) {
                    return Err(format!("tree: child {child} of node {node} is referenced twice"));
                }
            }
        }
        let unreached = node_seen.iter().skip(1).any(|s| !s) || (m > 0 && leaf_seen.iter().any(|s| !s));
        if unreached {
            return Err("tree: some nodes or leaves are not reachable from the root".into());
        }
        let mut leaf_parent = vec![NO_PARENT; m + 1];
        for node in 0..m {
            for (child, side) in [(raw.left_child[node], 0), (raw.right_child[node], 1)] {
                if child < 0 {
                    leaf_parent[!child as usize] = 2 * node as u32 + side;
                }
            }
        }
        Ok(Self {
            split_feature: raw.split_feature,
            threshold: raw.threshold,
            threshold_bin: raw.threshold_bin,
            default_left: raw.default_left,
            left_child: raw.left_child,
            right_child: raw.right_child,
            split_gain: raw.split_gain,
            leaf_value: raw.leaf_value,
            leaf_count: raw.leaf_count,
            leaf_parent,
        })
    }
}
