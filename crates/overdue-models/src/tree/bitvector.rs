//! Prediction without traversal, for trees of at most 32 leaves (boosting's
//! default 31, AdaBoost's stumps): every split of a tree is tested on a block
//! of rows at once, and the leaf falls out of a bitmask (QuickScorer, Lucchese
//! et al., SIGIR 2015).
//!
//! Number a tree's leaves left to right, as bits of a `u32`. A split that a row
//! passes on the right rules out every leaf of its left subtree. Start a row
//! at all ones, clear the left subtree of every split it passes on the right,
//! and its leaf is the lowest bit left: any leaf left of it shares an ancestor
//! with it where the row went right, and no split ever clears the row's own
//! leaf (the splits whose left subtree holds it are on its path, passed on the
//! left). Splits off the path clear only leaves the row never reaches, so all
//! of them may be tested, in any order, with no load waiting on another: the
//! cost is one comparison and one AND per split and row, whatever the depth,
//! and the loop over a block's rows is one the compiler turns into SIMD.
//!
//! NaN is not handled here (its direction differs per split): blocks holding
//! NaN take the traversal in [`super::predict`].

use super::node::FlatTree;

/// Rows tested together: a block of each feature is [`BLOCK_ROWS`] contiguous
/// values, so a split's test is a few SIMD comparisons.
pub(super) const BLOCK_ROWS: usize = 32;

/// Most leaves a [`BitvectorTree`] holds: one bit each in a `u32`.
pub(super) const MAX_LEAVES: usize = 32;

/// One split: rows with `x > threshold` clear `right_mask`'s zero bits.
#[derive(Debug, Clone, Copy, PartialEq)]
struct BitvectorSplit {
    threshold: f32,
    feature: u32,
    /// All ones but the leaves of the split's left subtree.
    right_mask: u32,
}

/// A tree of at most [`MAX_LEAVES`] leaves as its splits and its leaf values
/// in left-to-right order.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct BitvectorTree {
    splits: Vec<BitvectorSplit>,
    /// Leaf values left to right, padded with zeros to [`MAX_LEAVES`] (so
    /// that a bit index needs no bounds check).
    values: [f64; MAX_LEAVES],
}

impl BitvectorTree {
    /// The tree as a bitvector tree, or `None` when it has more than
    /// [`MAX_LEAVES`] leaves.
    pub(super) fn new(tree: &FlatTree) -> Option<Self> {
        if tree.n_leaves() > MAX_LEAVES {
            return None;
        }
        let mut packed = Self { splits: Vec::with_capacity(tree.n_splits()), values: [0.0; MAX_LEAVES] };
        if tree.n_splits() == 0 {
            packed.values[0] = tree.leaf_values()[0];
            return Some(packed);
        }
        let mut next_leaf = 0;
        packed.number_leaves(tree, 0, &mut next_leaf);
        Some(packed)
    }

    /// Numbers the leaves under `node` (a [`FlatTree::children`] reference)
    /// from `next_leaf` on, left to right, recording each split met; returns
    /// the bits of those leaves.
    fn number_leaves(&mut self, tree: &FlatTree, node: i32, next_leaf: &mut usize) -> u32 {
        if node < 0 {
            self.values[*next_leaf] = tree.leaf_values()[!node as usize];
            *next_leaf += 1;
            return 1 << (*next_leaf - 1);
        }
        let split = node as usize;
        let (left, right) = tree.children(split);
        let left_leaves = self.number_leaves(tree, left, next_leaf);
        let right_leaves = self.number_leaves(tree, right, next_leaf);
        self.splits.push(BitvectorSplit {
            threshold: tree.thresholds()[split],
            feature: tree.split_features()[split],
            right_mask: !left_leaves,
        });
        left_leaves | right_leaves
    }

    /// Adds this tree's value to `scores` for the block of rows whose
    /// feature `f` is `columns[f]`; the rows hold no NaN.
    ///
    /// # Panics
    /// When a split's feature is not in `columns`.
    #[inline]
    pub(super) fn add_to_block(&self, columns: &[[f32; BLOCK_ROWS]], scores: &mut [f64; BLOCK_ROWS]) {
        for (score, bits) in scores.iter_mut().zip(self.leaf_bits(columns)) {
            *score += self.values[bits.trailing_zeros() as usize % MAX_LEAVES];
        }
    }

    /// Each row's leaf, as the bitmask whose lowest bit is it.
    ///
    /// Not inlined: inlined into the leaf lookup, the compiler keeps the
    /// masks in general registers, one row at a time, instead of SIMD ones.
    #[inline(never)]
    fn leaf_bits(&self, columns: &[[f32; BLOCK_ROWS]]) -> [u32; BLOCK_ROWS] {
        let mut leaves = [u32::MAX; BLOCK_ROWS];
        for split in &self.splits {
            let x = &columns[split.feature as usize];
            for (bits, &x) in leaves.iter_mut().zip(x) {
                // All ones when the row goes right, zero when left.
                let right = u32::from(x > split.threshold).wrapping_neg();
                *bits &= split.right_mask | !right;
            }
        }
        leaves
    }
}
