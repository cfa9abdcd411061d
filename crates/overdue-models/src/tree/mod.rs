//! The histogram tree core shared by the tree ensembles (gradient boosted
//! trees and the random forest).
//!
//! # Design
//!
//! The design is LightGBM's, in safe Rust:
//!
//! 1. **Binning** ([`BinnedMatrix`], [`BinMapper`]): each feature's values are
//!    cut into at most 255 ordered bins with LightGBM's algorithm (quantiles of
//!    up to 200,000 evenly spaced training rows, distinct values when there are
//!    few, zero in a bin of its own), and the training matrix is stored as one
//!    `u8` per value, row-major for histograms and column-major for
//!    partitions. NaN gets a bin of its own. Bin edges are chosen so that
//!    "bin <= t" and "value <= edge(t)" agree on every f32, so trees predict on
//!    raw rows.
//! 2. **Histograms** ([`Histogram`]): a node's rows are summarised per feature
//!    and bin as (sum of gradients, sum of hessians, count), or for boosting,
//!    as LightGBM, without the count ([`HistogramBin`]: one memory update per
//!    row and feature fewer; the split search then estimates counts from
//!    hessians, and a feature with no allowed cut in a node is not searched
//!    below it). Building one is the hot loop: rows' gradient pairs are
//!    first gathered in the node's row order, then each row's bins are read
//!    once (requested from memory a few dozen rows ahead) and added to every
//!    feature's histogram (LightGBM's row-wise mode); large nodes are cut
//!    into row chunks summed in parallel with rayon and added up in chunk
//!    order, so results do not depend on the thread count.
//!    The **subtraction trick** halves the work: after a split only the smaller
//!    child is built, the larger is the parent minus it.
//! 3. **Splits** ([`best_split`]): every bin boundary of every feature is
//!    tried, with missing values sent left and right, ties broken as LightGBM
//!    breaks them; the gain is LightGBM's
//!    `G_L^2/(H_L+lambda) + G_R^2/(H_R+lambda) - G^2/(H+lambda)`, subject to
//!    `min_data_in_leaf`, `min_child_weight` (hessian) and `min_split_gain`.
//!    Leaf values are `-G/(H+lambda)`.
//! 4. **Growth** ([`TreeGrower`]): leaf-wise (best-first up to `num_leaves`,
//!    LightGBM's default) or depth-wise, both capped by `max_depth`; when
//!    `num_leaves` cannot bind (fully grown trees), depth-first, which keeps
//!    one open leaf per level. A tree's rows sit in one index array
//!    partitioned in place at each split, and histograms in a pool whose
//!    slots are recycled once a leaf is done, so growing a tree allocates
//!    nothing per node.
//! 5. **Features drawn per node** (a random forest's `max_features`): a node
//!    builds the histograms of its drawn features only, as lists of the bins
//!    present ([`best_split`] gives the same split on them), from copies of
//!    its rows' bins kept contiguous by the partitions: the thousands of small
//!    nodes of a fully grown tree then cost what their rows cost.
//! 6. **Prediction** ([`FlatTree`], [`PackedForest`]): nodes in flat arrays
//!    holding both the bin threshold and the raw threshold; rows are routed on
//!    raw f32 values. For speed, trees of at most 32 leaves are evaluated
//!    without traversal, all their splits tested on blocks of 32 rows in SIMD
//!    and the leaf read from a bitmask (QuickScorer); larger trees, and rows
//!    with NaN, are packed into 12-byte nodes walked branch-free by 8 rows in
//!    lockstep (a mispredicted branch per level would cost more than the
//!    level itself).
//!
//! The grower is generic over per-row statistics: boosting passes the
//! gradients and hessians of its loss; a classification tree passes `g = -w y`,
//! `h = w` (`w` a row's weight), for which the leaf value is the weighted share
//! of late rows and the gain twice the decrease of the weighted Gini impurity,
//! so that splits rank exactly as by Gini. Each tree may see a subset of rows
//! (bagging, bootstrap with repeats) and of features, and each node a random
//! subset of those ([`GrowerParams::features_per_node`]).
//!
//! # Missing values
//!
//! Unlike the other families, the histogram tree families accept NaN
//! features: their missing-value policy is [`MissingValues::Routed`](crate::MissingValues),
//! which the contract enforces (±inf is still rejected, naming its row and
//! column). A split sends NaN to the side chosen at training time: for a
//! feature with NaN in the training rows, the side where the node's missing
//! rows gain most (left when the node has none, as LightGBM); for a feature
//! without, the side that received more training rows (LightGBM would read NaN
//! as 0 there).

mod binning;
mod bitvector;
mod grower;
mod histogram;
mod importance;
mod node;
mod partition;
mod predict;
mod split;

pub use binning::{BIN_SAMPLE_ROWS, BinMapper, BinnedMatrix, HISTOGRAM_STRIDE, MAX_BINS};
pub use grower::{GrowerParams, Growth, TreeGrower};
pub use histogram::{BinStats, GradHess, GradHessSums, Histogram, HistogramBin, NodeRows};
pub use importance::FeatureImportance;
pub use node::FlatTree;
pub use predict::PackedForest;
pub use split::{SplitInfo, SplitParams, best_split};
