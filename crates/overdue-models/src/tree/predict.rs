//! Fast prediction: trees packed for branch-free traversal of several rows at
//! once.
//!
//! A plain traversal takes one unpredictable branch per level, and a
//! mispredicted branch costs more than the rest of the level. Here every node
//! is 16 bytes (threshold, feature, both children; the missing direction
//! sits apart, for the rare rows with NaN), leaves are nodes that lead to themselves, and the next node
//! is picked by a conditional move. [`LANES`] rows walk the same tree in
//! lockstep, so that their independent load chains overlap, until all of them
//! sit in leaves.

use super::node::FlatTree;

/// Rows walked through a tree together.
const LANES: usize = 8;

/// One node of a [`PackedTree`].
#[derive(Debug, Clone, Copy, PartialEq)]
struct PackedNode {
    /// `x <= threshold` goes left; `+inf` in leaves (all values stay).
    threshold: f32,
    /// Feature index (0 in leaves).
    feature: u32,
    /// Children as node indices; a leaf's children are itself.
    children: [u32; 2],
}

/// A tree as packed nodes: internal nodes first (as in [`FlatTree`]), then one
/// node per leaf.
#[derive(Debug, Clone, PartialEq)]
struct PackedTree {
    nodes: Vec<PackedNode>,
    /// Per node: NaN goes left (true in leaves, which lead to themselves).
    missing_left: Vec<bool>,
    n_internal: usize,
    leaf_values: Vec<f64>,
}

impl PackedTree {
    fn new(tree: &FlatTree) -> Self {
        let m = tree.n_splits();
        let to_index = |child: i32| if child < 0 { (m + !child as usize) as u32 } else { child as u32 };
        let mut nodes = Vec::with_capacity(m + tree.n_leaves());
        for i in 0..m {
            let (left, right) = tree.children(i);
            nodes.push(PackedNode {
                threshold: tree.thresholds()[i],
                feature: tree.split_features()[i],
                children: [to_index(left), to_index(right)],
            });
        }
        for leaf in 0..tree.n_leaves() {
            let me = (m + leaf) as u32;
            nodes.push(PackedNode { threshold: f32::INFINITY, feature: 0, children: [me, me] });
        }
        let mut missing_left = tree.default_left().to_vec();
        missing_left.resize(nodes.len(), true);
        Self { nodes, missing_left, n_internal: m, leaf_values: tree.leaf_values().to_vec() }
    }

    /// The node after `at` for a row (at `offset` in `rows`) that may hold NaN.
    #[inline(always)]
    fn step(&self, rows: &[f32], offset: usize, at: usize) -> usize {
        let node = self.nodes[at];
        let x = rows[offset + node.feature as usize];
        let left = (x <= node.threshold) | (x.is_nan() & self.missing_left[at]);
        select(node.children, !left)
    }

    /// The node after `at` for a row without NaN: one comparison.
    #[inline(always)]
    fn step_finite(&self, rows: &[f32], offset: usize, at: usize) -> usize {
        let node = self.nodes[at];
        let x = rows[offset + node.feature as usize];
        select(node.children, x > node.threshold)
    }

    /// Walks the [`LANES`] rows of `block` (row-major, `n_cols` wide) down to
    /// their leaves, in lockstep.
    #[inline(always)]
    fn walk_block(&self, block: &[f32], n_cols: usize, finite: bool) -> [usize; LANES] {
        let mut at = [0usize; LANES];
        if self.n_internal == 0 {
            return at;
        }
        let offsets: [usize; LANES] = std::array::from_fn(|k| k * n_cols);
        loop {
            if finite {
                for k in 0..LANES {
                    at[k] = self.step_finite(block, offsets[k], at[k]);
                }
            } else {
                for k in 0..LANES {
                    at[k] = self.step(block, offsets[k], at[k]);
                }
            }
            if at.iter().all(|&a| a >= self.n_internal) {
                return at;
            }
        }
    }

    /// Adds this tree's value to the score of each row of `rows` (row-major,
    /// `n_cols` wide); `finite[b]` says that block `b` of [`LANES`] rows holds
    /// no NaN.
    fn add_to(&self, rows: &[f32], n_cols: usize, finite: &[bool], scores: &mut [f64]) {
        let mut blocks = rows.chunks_exact(LANES * n_cols);
        let mut score_blocks = scores.chunks_exact_mut(LANES);
        for ((block, out), &finite) in (&mut blocks).zip(&mut score_blocks).zip(finite) {
            let at = self.walk_block(block, n_cols, finite);
            for (s, &a) in out.iter_mut().zip(&at) {
                *s += self.leaf_values[a - self.n_internal];
            }
        }
        for (row, s) in blocks.remainder().chunks_exact(n_cols).zip(score_blocks.into_remainder()) {
            let mut at = 0;
            while at < self.n_internal {
                at = self.step(row, 0, at);
            }
            *s += self.leaf_values[at - self.n_internal];
        }
    }
}

/// `children[1]` if `right`, else `children[0]`, by arithmetic: both children
/// are already loaded with the node, so no load waits on the comparison.
#[inline(always)]
fn select(children: [u32; 2], right: bool) -> usize {
    let mask = u32::from(right).wrapping_neg();
    (children[0] ^ ((children[0] ^ children[1]) & mask)) as usize
}

/// Trees packed for prediction on raw rows, built from [`FlatTree`]s (models
/// serialise the flat trees and rebuild this).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PackedForest {
    trees: Vec<PackedTree>,
}

impl PackedForest {
    /// Packs `trees`.
    pub fn new<'a>(trees: impl IntoIterator<Item = &'a FlatTree>) -> Self {
        Self { trees: trees.into_iter().map(PackedTree::new).collect() }
    }

    /// Adds every tree's leaf value, tree after tree, to the score of each row
    /// of `rows` (row-major, `n_cols` wide, as many rows as `scores`). Each
    /// row's sum is taken in tree order, so the result does not depend on how
    /// rows are split between threads.
    ///
    /// # Panics
    /// When a row is narrower than a split feature.
    pub fn add_scores(&self, rows: &[f32], n_cols: usize, scores: &mut [f64]) {
        if n_cols == 0 {
            return;
        }
        // Most blocks hold no NaN: they take the one-comparison step.
        let finite: Vec<bool> = rows.chunks_exact(LANES * n_cols).map(|b| !b.iter().any(|x| x.is_nan())).collect();
        for tree in &self.trees {
            tree.add_to(rows, n_cols, &finite, scores);
        }
    }

    /// Number of trees.
    pub fn len(&self) -> usize {
        self.trees.len()
    }

    /// Whether there are no trees.
    pub fn is_empty(&self) -> bool {
        self.trees.is_empty()
    }
}
