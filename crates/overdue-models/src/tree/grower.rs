//! Growing one tree on binned data from per-row gradients and hessians.

use rand::SeedableRng;
use rand::seq::index::sample;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::binning::BinnedMatrix;
use super::histogram::{BinStats, GradHess, Histogram, NodeRows, gather_rows};
use super::node::FlatTree;
use super::partition::{SplitRule, partition};
use super::split::{SplitInfo, SplitParams, best_split};

/// Which leaf is split next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Growth {
    /// Best-first: always split the leaf whose best split gains most
    /// (LightGBM). Trees are as deep as the data asks, within `max_depth`.
    #[default]
    LeafWise,
    /// Level by level: split the shallowest splittable leaf (the one gaining
    /// most among equally shallow ones), as XGBoost's `depthwise`.
    DepthWise,
}

/// How a tree grows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GrowerParams {
    /// Most leaves a tree may have (at least 2). Caps both growth orders.
    pub num_leaves: usize,
    /// Deepest a leaf may be (the root is depth 0); `None` for no limit.
    pub max_depth: Option<usize>,
    /// Which leaf is split next.
    pub growth: Growth,
    /// What a split must satisfy, and the leaf values.
    pub split: SplitParams,
    /// When set, each node looks for its split among this many features drawn
    /// at random from the tree's features (a random forest's `max_features`);
    /// histograms are still built for all of them.
    pub features_per_node: Option<usize>,
}

impl Default for GrowerParams {
    /// LightGBM's defaults: 31 leaves, leaf-wise, no depth limit.
    fn default() -> Self {
        Self {
            num_leaves: 31,
            max_depth: None,
            growth: Growth::LeafWise,
            split: SplitParams::default(),
            features_per_node: None,
        }
    }
}

/// Above this many bytes of bins (about half a core's L2 cache), the rows of
/// sparse nodes are copied out before their histogram is built (see
/// [`gather_rows`]).
const GATHER_MIN_BYTES: usize = 2 << 20;

/// A node is sparse when it holds less than one row in this many: denser
/// nodes read their rows nearly in order, which the hardware prefetcher
/// already streams (measured: gathering pays below 1/20, costs above 1/5).
const GATHER_SPARSITY: usize = 10;

/// Below this many candidate bins a node's split search stays on one thread.
const PARALLEL_MIN_SPLIT_BINS: usize = 4096;

/// A leaf while the tree grows: its rows (a range of the grower's row array),
/// sums, histogram slot and best split.
#[derive(Debug, Clone)]
struct Leaf {
    start: usize,
    end: usize,
    depth: usize,
    sums: BinStats,
    /// Index into the histogram pool; `None` when no histogram was needed.
    slot: Option<usize>,
    best: Option<SplitInfo>,
}

/// Grows trees on one binned matrix, reusing its buffers from tree to tree.
///
/// Rows of the tree are kept in one index array: each leaf owns a contiguous
/// range of it, and a split partitions its leaf's range in place (stable, so
/// rows stay ascending when they started so); no row list is allocated per
/// node. Histograms live in a pool of `num_leaves` slots: a split builds the
/// histogram of its smaller child and derives the larger one by subtraction in
/// the parent's slot. Independent work runs in parallel: the histogram of a
/// large node by row chunks, the partition of a very large node by chunks, and
/// the split searches of the two children side by side.
#[derive(Debug)]
pub struct TreeGrower<'a> {
    data: &'a BinnedMatrix,
    params: GrowerParams,
    rows: Vec<u32>,
    scratch: Vec<u32>,
    ordered: Vec<GradHess>,
    gathered: Vec<u8>,
    pool: Vec<Histogram>,
    leaves: Vec<Leaf>,
}

impl<'a> TreeGrower<'a> {
    /// A grower for `data`. `params.num_leaves` below 2 is treated as 2.
    pub fn new(data: &'a BinnedMatrix, params: GrowerParams) -> Self {
        let params = GrowerParams { num_leaves: params.num_leaves.max(2), ..params };
        Self {
            data,
            params,
            rows: Vec::new(),
            scratch: Vec::new(),
            ordered: Vec::new(),
            gathered: Vec::new(),
            pool: Vec::new(),
            leaves: Vec::new(),
        }
    }

    /// The binned data trees are grown on.
    pub fn data(&self) -> &'a BinnedMatrix {
        self.data
    }

    /// Grows one tree.
    ///
    /// * `stats`: gradient and hessian of every row of the data (`-y` and 1 for
    ///   a classification tree whose leaves hold the mean label);
    /// * `rows`: the rows this tree sees, all of them or a subset (ascending
    ///   for speed; repeats are allowed and count as copies, for bootstraps);
    /// * `features`: the features it may split on (e.g. a per-tree sample);
    /// * `seed`: the random draws of `features_per_node`, if set.
    ///
    /// Leaf values are `-G / (H + lambda)`, unscaled.
    ///
    /// # Panics
    /// When `stats` does not have one entry per row of the data.
    pub fn grow(&mut self, stats: &[GradHess], rows: NodeRows<'_>, features: &[usize], seed: u64) -> FlatTree {
        assert_eq!(stats.len(), self.data.n_rows(), "one gradient pair per row");
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        match rows {
            NodeRows::All => {
                self.rows.clear();
                self.rows.extend(0..self.data.n_rows() as u32);
            }
            NodeRows::Subset(r) => {
                self.rows.clear();
                self.rows.extend_from_slice(r);
            }
        }
        let n = self.rows.len();
        self.scratch.resize(n, 0);
        let sums = match rows {
            NodeRows::All => BinStats::of_all(stats),
            NodeRows::Subset(r) => BinStats::of_rows(stats, r),
        };
        let mut tree = FlatTree::single_leaf(sums.n);
        self.leaves.clear();
        self.leaves.push(Leaf { start: 0, end: n, depth: 0, sums, slot: None, best: None });
        if self.can_split(0) {
            self.build_histogram(0, 0, stats, features, matches!(rows, NodeRows::All));
            self.leaves[0].slot = Some(0);
            let candidates = self.candidates(features, &mut rng);
            self.leaves[0].best = self.find_split(0, &candidates);
        }
        while self.leaves.len() < self.params.num_leaves {
            let Some(leaf) = self.next_leaf() else { break };
            self.split(leaf, &mut tree, stats, features, &mut rng);
        }
        for (i, leaf) in self.leaves.iter().enumerate() {
            tree.set_leaf(i, self.params.split.leaf_value(leaf.sums), leaf.sums.n);
        }
        tree
    }

    /// The rows of each leaf of the last tree grown, in leaf order: how a
    /// booster updates its training scores without traversing the tree.
    pub fn leaf_rows(&self) -> impl ExactSizeIterator<Item = &[u32]> + '_ {
        self.leaves.iter().map(|leaf| &self.rows[leaf.start..leaf.end])
    }

    /// Whether leaf `i` may be split: above `max_depth`, enough rows, and the
    /// tree still short of `num_leaves`.
    fn can_split(&self, i: usize) -> bool {
        let leaf = &self.leaves[i];
        self.params.max_depth.is_none_or(|d| leaf.depth < d)
            && self.params.split.may_split(leaf.sums)
            && self.leaves.len() < self.params.num_leaves
    }

    /// The leaf to split next, if any has a split.
    fn next_leaf(&self) -> Option<usize> {
        let candidates = self.leaves.iter().enumerate().filter_map(|(i, l)| l.best.map(|b| (i, l.depth, b.gain)));
        let mut best: Option<(usize, usize, f64)> = None;
        for (i, depth, gain) in candidates {
            let better = match (best, self.params.growth) {
                (None, _) => true,
                (Some((_, _, g)), Growth::LeafWise) => gain > g,
                (Some((_, d, g)), Growth::DepthWise) => depth < d || (depth == d && gain > g),
            };
            if better {
                best = Some((i, depth, gain));
            }
        }
        best.map(|(i, _, _)| i)
    }

    /// Splits leaf `i` by its best split: partitions its rows, records the
    /// node, and prepares both children (histograms and best splits).
    fn split(&mut self, i: usize, tree: &mut FlatTree, stats: &[GradHess], features: &[usize], rng: &mut ChaCha8Rng) {
        let leaf = self.leaves[i].clone();
        let Some(split) = leaf.best else { return };
        let mapper = &self.data.mappers()[split.feature];
        let rule = SplitRule {
            column: self.data.column(split.feature),
            bin: split.bin,
            missing_bin: mapper.missing_bin(),
            default_left: split.default_left,
        };
        let n_left = partition(&mut self.rows[leaf.start..leaf.end], &mut self.scratch, rule);
        let mid = leaf.start + n_left;
        let right_index =
            tree.split_leaf(i, split.feature, split.bin, mapper.threshold(split.bin), split.default_left, split.gain);
        debug_assert_eq!(right_index, self.leaves.len());
        let depth = leaf.depth + 1;
        self.leaves[i] = Leaf { start: leaf.start, end: mid, depth, sums: split.left, slot: None, best: None };
        self.leaves.push(Leaf { start: mid, end: leaf.end, depth, sums: split.right, slot: None, best: None });
        let children = [i, right_index];
        let splittable = children.map(|c| self.can_split(c));
        if !splittable.iter().any(|&s| s) {
            return;
        }
        // Build the smaller child (by rows) and derive the larger from the
        // parent, unless only the smaller one will ever be split.
        let (small, large) = if n_left <= leaf.end - mid { (0, 1) } else { (1, 0) };
        let Some(parent_slot) = leaf.slot else { return };
        let new_slot = self.leaves.len() - 1;
        self.build_histogram(children[small], new_slot, stats, features, false);
        self.leaves[children[small]].slot = Some(new_slot);
        if splittable[large] {
            let (parent, child) = two_slots(&mut self.pool, parent_slot, new_slot);
            parent.subtract(self.data, child, features);
            self.leaves[children[large]].slot = Some(parent_slot);
        }
        // Features drawn in a fixed order (left child first), then both
        // searches at once.
        let candidates = splittable.map(|s| s.then(|| self.candidates(features, rng)));
        let [left, right] = candidates;
        let (left, right) = rayon::join(
            || left.and_then(|c| self.find_split(children[0], &c)),
            || right.and_then(|c| self.find_split(children[1], &c)),
        );
        self.leaves[children[0]].best = left;
        self.leaves[children[1]].best = right;
    }

    /// Builds leaf `i`'s histogram into pool slot `slot`.
    fn build_histogram(&mut self, i: usize, slot: usize, stats: &[GradHess], features: &[usize], all_rows: bool) {
        while self.pool.len() <= slot {
            self.pool.push(Histogram::new(self.data));
        }
        let leaf = &self.leaves[i];
        let rows = &self.rows[leaf.start..leaf.end];
        if all_rows {
            self.pool[slot].build(self.data, NodeRows::All, stats, features);
        } else {
            let sparse = rows.len() * GATHER_SPARSITY < self.data.n_rows();
            if sparse && self.data.as_slice().len() >= GATHER_MIN_BYTES {
                gather_rows(self.data, stats, rows, &mut self.gathered, &mut self.ordered);
                self.pool[slot].build_gathered(self.data, &self.gathered, &self.ordered, features);
            } else {
                gather_stats(stats, rows, &mut self.ordered);
                self.pool[slot].build(self.data, NodeRows::Subset(rows), &self.ordered, features);
            }
        }
    }

    /// The features a node may split on: `features`, or a random subset of
    /// them with `features_per_node` (ascending).
    fn candidates(&self, features: &[usize], rng: &mut ChaCha8Rng) -> Vec<usize> {
        match self.params.features_per_node {
            Some(k) if k < features.len() => {
                let mut picked: Vec<usize> = sample(rng, features.len(), k).into_iter().map(|p| features[p]).collect();
                picked.sort_unstable();
                picked
            }
            _ => features.to_vec(),
        }
    }

    /// The best split of leaf `i` over `candidates`; ties go to the lower
    /// feature index.
    fn find_split(&self, i: usize, candidates: &[usize]) -> Option<SplitInfo> {
        let leaf = &self.leaves[i];
        let histogram = &self.pool[leaf.slot?];
        let search = |&j: &usize| {
            best_split(j, histogram.feature(self.data, j), &self.data.mappers()[j], leaf.sums, &self.params.split)
        };
        let bins: usize = candidates.iter().map(|&j| self.data.histogram_range(j).len()).sum();
        let found: Vec<Option<SplitInfo>> = if bins >= PARALLEL_MIN_SPLIT_BINS {
            candidates.par_iter().map(search).collect()
        } else {
            candidates.iter().map(search).collect()
        };
        found.into_iter().flatten().fold(None, |best: Option<SplitInfo>, s| match best {
            Some(b) if b.gain >= s.gain => Some(b),
            _ => Some(s),
        })
    }
}

/// Rows per parallel work item when gathering statistics.
const GATHER_STATS_CHUNK: usize = 16384;

/// `ordered[k] = stats[rows[k]]`, in parallel for large nodes (disjoint
/// chunks: the same values land in the same places).
fn gather_stats(stats: &[GradHess], rows: &[u32], ordered: &mut Vec<GradHess>) {
    ordered.resize(rows.len(), GradHess::default());
    let gather = |(out, rows): (&mut [GradHess], &[u32])| {
        for (o, &r) in out.iter_mut().zip(rows) {
            *o = stats[r as usize];
        }
    };
    if rows.len() >= 2 * GATHER_STATS_CHUNK {
        ordered.par_chunks_mut(GATHER_STATS_CHUNK).zip(rows.par_chunks(GATHER_STATS_CHUNK)).for_each(gather);
    } else {
        gather((ordered.as_mut_slice(), rows));
    }
}

/// Mutable references to two different pool slots.
fn two_slots(pool: &mut [Histogram], a: usize, b: usize) -> (&mut Histogram, &Histogram) {
    if a < b {
        let (low, high) = pool.split_at_mut(b);
        (&mut low[a], &high[0])
    } else {
        let (low, high) = pool.split_at_mut(a);
        (&mut high[0], &low[b])
    }
}
