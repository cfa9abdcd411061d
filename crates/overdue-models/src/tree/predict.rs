//! Fast prediction: trees packed for branch-free traversal of several rows at
//! once. Forests of trees of at most 32 leaves go through
//! [`super::bitvector`] instead, which needs no traversal; they come here for
//! blocks of rows holding NaN.
//!
//! A plain traversal takes one unpredictable branch per level, and a
//! mispredicted branch costs more than the rest of the level. Here every node
//! is 12 bytes (threshold, feature, left child; the right child is the node
//! after it, and the missing direction sits apart, for the rare rows with
//! NaN), leaves are nodes that lead to themselves, and the next node is the
//! left child plus the comparison's outcome. [`LANES`] rows walk the same tree
//! in lockstep, so that their independent load chains overlap, until all of
//! them sit in leaves.

use super::bitvector::{BLOCK_ROWS, BitvectorTree};
use super::node::FlatTree;

/// Rows walked through a tree together.
const LANES: usize = 8;

/// One node of a [`PackedTree`].
#[derive(Debug, Clone, Copy, PartialEq)]
struct PackedNode {
    /// `x <= threshold` goes left; `+inf` in leaves (every value stays).
    threshold: f32,
    /// Feature index (0 in leaves).
    feature: u32,
    /// The left child; the right child is the next node. A leaf's left child
    /// is itself, which is how a leaf is recognised.
    left: u32,
}

impl PackedNode {
    /// The next node for a value that is not NaN: `left`, or `left + 1` when
    /// the value is above the threshold. An addition, not a choice between two
    /// loaded values, so the compiler has no branch to make of it.
    #[inline(always)]
    fn next_finite(self, x: f32) -> u32 {
        self.left + u32::from(x > self.threshold)
    }
}

/// A tree as packed nodes, root first and the two children of every split
/// side by side (breadth-first order).
#[derive(Debug, Clone, PartialEq)]
struct PackedTree {
    nodes: Vec<PackedNode>,
    /// Per node: NaN goes left (true in leaves, which lead to themselves).
    missing_left: Vec<bool>,
    /// Per node: the leaf's value (0 in splits).
    values: Vec<f64>,
}

impl PackedTree {
    fn new(tree: &FlatTree) -> Self {
        let n_nodes = tree.n_splits() + tree.n_leaves();
        let mut packed = Self {
            nodes: Vec::with_capacity(n_nodes),
            missing_left: Vec::with_capacity(n_nodes),
            values: Vec::with_capacity(n_nodes),
        };
        // `order[i]` is the flat tree's reference (as in `FlatTree::children`)
        // of packed node `i`; a node's children are appended as it is packed.
        let root = if tree.n_splits() == 0 { -1 } else { 0 };
        let mut order = vec![root];
        let mut i = 0;
        while i < order.len() {
            let me = i as u32;
            match order[i] {
                leaf if leaf < 0 => {
                    packed.nodes.push(PackedNode { threshold: f32::INFINITY, feature: 0, left: me });
                    packed.missing_left.push(true);
                    packed.values.push(tree.leaf_values()[!leaf as usize]);
                }
                split => {
                    let split = split as usize;
                    let (left, right) = tree.children(split);
                    packed.nodes.push(PackedNode {
                        threshold: tree.thresholds()[split],
                        feature: tree.split_features()[split],
                        left: order.len() as u32,
                    });
                    packed.missing_left.push(tree.default_left()[split]);
                    packed.values.push(0.0);
                    order.extend([left, right]);
                }
            }
            i += 1;
        }
        packed
    }

    /// The node after `at` for a row (at `offset` in `rows`) that may hold NaN.
    #[inline(always)]
    fn step(&self, rows: &[f32], offset: usize, at: u32) -> u32 {
        let node = self.nodes[at as usize];
        let x = rows[offset + node.feature as usize];
        let nan_right = x.is_nan() & !self.missing_left[at as usize];
        node.next_finite(x) + u32::from(nan_right)
    }

    /// Walks the [`LANES`] rows of `block` (row-major, `n_cols` wide) down to
    /// their leaves, in lockstep, until all of them sit in leaves.
    #[inline(always)]
    fn walk_block(&self, block: &[f32], n_cols: usize, finite: bool) -> [u32; LANES] {
        let offsets: [usize; LANES] = std::array::from_fn(|k| k * n_cols);
        let mut at = [0u32; LANES];
        loop {
            let nodes: [PackedNode; LANES] = std::array::from_fn(|k| self.nodes[at[k] as usize]);
            // A fold, not `all`: no early exit, so no branch per lane.
            let in_leaves = (0..LANES).fold(true, |done, k| done & (nodes[k].left == at[k]));
            if in_leaves {
                return at;
            }
            for k in 0..LANES {
                at[k] = if finite {
                    nodes[k].next_finite(block[offsets[k] + nodes[k].feature as usize])
                } else {
                    self.step(block, offsets[k], at[k])
                };
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
                *s += self.values[a as usize];
            }
        }
        for (row, s) in blocks.remainder().chunks_exact(n_cols).zip(score_blocks.into_remainder()) {
            let mut at = 0;
            while self.nodes[at as usize].left != at {
                at = self.step(row, 0, at);
            }
            *s += self.values[at as usize];
        }
    }
}

/// Trees packed for prediction on raw rows, built from [`FlatTree`]s (models
/// serialise the flat trees and rebuild this).
///
/// When every tree has at most 32 leaves, finite blocks of rows take the
/// bitvector evaluation of the `bitvector` module (no traversal); the others,
/// and rows with NaN, walk packed trees (branch-free, several rows at once).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PackedForest {
    trees: Vec<PackedTree>,
    bitvectors: Option<Vec<BitvectorTree>>,
}

impl PackedForest {
    /// Packs `trees`.
    pub fn new<'a>(trees: impl IntoIterator<Item = &'a FlatTree>) -> Self {
        let trees: Vec<&FlatTree> = trees.into_iter().collect();
        Self {
            bitvectors: trees.iter().map(|t| BitvectorTree::new(t)).collect(),
            trees: trees.into_iter().map(PackedTree::new).collect(),
        }
    }

    /// Adds every tree's leaf value, tree after tree, to the score of each row
    /// of `rows` (row-major, `n_cols` wide, as many rows as `scores`). Each
    /// row's sum is taken in tree order, so the result does not depend on how
    /// rows are split between threads, nor on which evaluation a row took.
    ///
    /// # Panics
    /// When a row is narrower than a split feature.
    pub fn add_scores(&self, rows: &[f32], n_cols: usize, scores: &mut [f64]) {
        if n_cols == 0 {
            return;
        }
        match &self.bitvectors {
            Some(bitvectors) => add_scores_by_blocks(bitvectors, &self.trees, rows, n_cols, scores),
            None => add_scores_by_trees(&self.trees, rows, n_cols, scores),
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

/// Walks `trees` one after another over all `rows`: a tree stays in cache
/// while every row goes through it (trees of any size).
fn add_scores_by_trees(trees: &[PackedTree], rows: &[f32], n_cols: usize, scores: &mut [f64]) {
    // Most blocks hold no NaN: they take the one-comparison step.
    let finite: Vec<bool> = rows.chunks_exact(LANES * n_cols).map(|b| !b.iter().any(|x| x.is_nan())).collect();
    for tree in trees {
        tree.add_to(rows, n_cols, &finite, scores);
    }
}

/// Evaluates all `bitvectors` on one block of [`BLOCK_ROWS`] rows after
/// another, the block transposed to columns; blocks holding NaN, and the
/// rows after the last whole block, walk `trees` (the same trees).
fn add_scores_by_blocks(
    bitvectors: &[BitvectorTree],
    trees: &[PackedTree],
    rows: &[f32],
    n_cols: usize,
    scores: &mut [f64],
) {
    let mut columns = vec![[0.0f32; BLOCK_ROWS]; n_cols];
    let mut blocks = rows.chunks_exact(BLOCK_ROWS * n_cols);
    let mut score_blocks = scores.chunks_exact_mut(BLOCK_ROWS);
    for (block, out) in (&mut blocks).zip(&mut score_blocks) {
        if block.iter().any(|x| x.is_nan()) {
            add_scores_by_trees(trees, block, n_cols, out);
            continue;
        }
        for (r, row) in block.chunks_exact(n_cols).enumerate() {
            for (column, &x) in columns.iter_mut().zip(row) {
                column[r] = x;
            }
        }
        let mut sums: [f64; BLOCK_ROWS] = (&*out).try_into().expect("a whole block");
        for tree in bitvectors {
            tree.add_to_block(&columns, &mut sums);
        }
        out.copy_from_slice(&sums);
    }
    add_scores_by_trees(trees, blocks.remainder(), n_cols, score_blocks.into_remainder());
}
