//! Growing one tree on binned data from per-row gradients and hessians.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::binning::BinnedMatrix;
use super::histogram::{
    BinStats, GradHess, GradHessSums, Histogram, HistogramBin, NodeBinsScratch, NodeRows, node_bins,
};
use super::node::FlatTree;
use super::partition::{BinTest, RowPayload, SplitRule, partition};
use super::split::{SplitInfo, SplitParams, best_split, best_split_sparse};

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
    /// When set (and below the number of the tree's features), each node
    /// looks for its split among this many features drawn at random from the
    /// tree's features, as a random forest's `max_features`: see
    /// [`TreeGrower`] for how they are drawn and how this changes the work.
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
    /// With LightGBM's rules, the features its split is searched on
    /// (ascending); otherwise empty, and every feature of the tree is.
    searchable: Vec<usize>,
}

/// Grows trees on one binned matrix, reusing its buffers from tree to tree.
///
/// Rows of the tree are kept in one index array: each leaf owns a contiguous
/// range of it, and a split partitions its leaf's range in place (stable, so
/// rows stay ascending when they started so); no row list is allocated per
/// node. Independent work runs in parallel: the histogram of a large node by
/// row chunks, the partition of a very large node by chunks, and the split
/// searches of the two children side by side.
///
/// **Histograms.** Normally every node's histogram covers all the tree's
/// features, and a split builds the histogram of its smaller child and
/// derives the larger one by subtraction in the parent's slot of a pool;
/// slots are recycled as soon as a leaf can no longer be split. Their bins
/// are `S`: [`BinStats`] counts rows ([`TreeGrower::new`], for trees with
/// scikit-learn's `min_samples_leaf`), [`GradHessSums`] does not and the
/// split search estimates counts from hessians as LightGBM's does
/// ([`TreeGrower::with_estimated_counts`], for boosting). Either way the
/// leaves' counts are the rows the partitions sent there.
///
/// **Features drawn per node** ([`GrowerParams::features_per_node`] = `k`
/// below the number of the tree's features): a node draws its candidates
/// from a ChaCha8 stream seeded by the `seed` of [`TreeGrower::grow`], as
/// scikit-learn does: `k` features without replacement, and while every
/// feature drawn so far is constant in the node, one more, until one varies
/// or none is left. Only the drawn features' histograms are built, straight
/// from the node's rows (a parent's histogram covers other features, so
/// there is nothing to subtract from), which with `k` well below the number of
/// features is less work than all features for the smaller child. They are
/// built as lists of the bins present, so that the many small
/// nodes of deep trees cost what their rows cost, not what 255 bins per
/// feature would.
///
/// **Order.** Leaves are split leaf-wise or depth-wise ([`Growth`]) while
/// `num_leaves` can bind. When it cannot (at least as many leaves allowed as
/// the tree has rows) every order grows the same tree, and the grower goes
/// depth-first, left child first, which keeps at most one open leaf per level
/// (and its histogram) however large the tree.
#[derive(Debug)]
pub struct TreeGrower<'a, S: HistogramBin = BinStats> {
    data: &'a BinnedMatrix,
    params: GrowerParams,
    rows: Vec<u32>,
    scratch: Vec<u32>,
    ordered: Vec<GradHess>,
    pool: Vec<Histogram<S>>,
    free_slots: Vec<usize>,
    leaves: Vec<Leaf>,
    /// Leaves waiting to be split, last on top, when growing depth-first.
    open: Vec<usize>,
    /// The tree's features in the order drawn for the current node.
    draw_order: Vec<usize>,
    /// With features drawn per node: the rows' bins and statistics, in the
    /// order of `rows`.
    payload: RowPayload,
    /// Scratch space of the per-node bin listing.
    node_bins_scratch: NodeBinsScratch,
    node_bins: Vec<Vec<(u8, BinStats)>>,
}

impl<'a> TreeGrower<'a> {
    /// A grower for `data` that counts the rows of every histogram bin, so
    /// that `min_data_in_leaf` holds exactly in every split considered.
    /// `params.num_leaves` below 2 is treated as 2.
    pub fn new(data: &'a BinnedMatrix, params: GrowerParams) -> Self {
        Self::with_bins(data, params)
    }
}

impl<'a> TreeGrower<'a, GradHessSums> {
    /// A grower for `data` that follows LightGBM's rules: histograms hold
    /// gradient and hessian sums only, the split search checks
    /// `min_data_in_leaf` against rows estimated from hessians (see
    /// [`best_split`]), and a feature with no allowed cut gaining more than
    /// `min_split_gain` in a node is not searched in its descendants (a
    /// shortcut that can change trees: a child's cut may gain more than any
    /// of its parent's). `params.num_leaves` below 2 is treated as 2.
    pub fn with_estimated_counts(data: &'a BinnedMatrix, params: GrowerParams) -> Self {
        Self::with_bins(data, params)
    }
}

impl<'a, S: HistogramBin> TreeGrower<'a, S> {
    fn with_bins(data: &'a BinnedMatrix, params: GrowerParams) -> Self {
        let params = GrowerParams { num_leaves: params.num_leaves.max(2), ..params };
        Self {
            data,
            params,
            rows: Vec::new(),
            scratch: Vec::new(),
            ordered: Vec::new(),
            pool: Vec::new(),
            free_slots: Vec::new(),
            leaves: Vec::new(),
            open: Vec::new(),
            draw_order: Vec::new(),
            payload: RowPayload::default(),
            node_bins_scratch: NodeBinsScratch::default(),
            node_bins: Vec::new(),
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
        let lightgbm_rules = !S::COUNTS_ROWS && !self.draws_per_node(features);
        let searchable = if lightgbm_rules { features.to_vec() } else { Vec::new() };
        self.leaves.push(Leaf { start: 0, end: n, depth: 0, sums, slot: None, best: None, searchable });
        self.free_slots.clear();
        self.free_slots.extend((0..self.pool.len()).rev());
        self.open.clear();
        let depth_first = self.params.num_leaves >= n;
        if self.can_split(0) {
            if self.draws_per_node(features) {
                self.payload.fill(self.data, stats, &self.rows);
                self.search_drawn(0, features, &mut rng);
            } else {
                let slot = self.acquire_slot();
                self.build_histogram(0, slot, stats, features, matches!(rows, NodeRows::All));
                self.leaves[0].slot = Some(slot);
                self.search(0, features);
                self.release_if_done(0);
            }
            self.open.push(0);
        }
        while self.leaves.len() < self.params.num_leaves {
            let next = if depth_first { self.open.pop() } else { self.next_leaf() };
            let Some(leaf) = next else { break };
            if self.leaves[leaf].best.is_none() {
                continue;
            }
            let children = self.split(leaf, &mut tree, stats, features, &mut rng);
            if depth_first {
                // The left child on top: it is split first.
                self.open.extend(children.into_iter().rev().filter(|&c| self.leaves[c].best.is_some()));
            }
        }
        for (i, leaf) in self.leaves.iter().enumerate() {
            tree.set_leaf(i, self.params.split.leaf_value(leaf.sums), leaf.sums.n);
        }
        tree
    }

    /// The rows of each leaf of the last tree grown, in leaf order: how a
    /// booster updates its training scores without traversing the tree.
    /// Every partition is stable, so each leaf keeps its rows in the order
    /// the tree started from: ascending for [`NodeRows::All`].
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
    /// node, and prepares both children (histograms and best splits). Returns
    /// the two children (left, right).
    fn split(
        &mut self,
        i: usize,
        tree: &mut FlatTree,
        stats: &[GradHess],
        features: &[usize],
        rng: &mut ChaCha8Rng,
    ) -> [usize; 2] {
        let leaf = self.leaves[i].clone();
        let Some(split) = leaf.best else { return [i, i] };
        let mapper = &self.data.mappers()[split.feature];
        let test = BinTest { bin: split.bin, missing_bin: mapper.missing_bin(), default_left: split.default_left };
        let draws = self.draws_per_node(features);
        let n_left = if draws {
            self.payload.partition(&mut self.rows, leaf.start..leaf.end, split.feature, test)
        } else {
            let rule = SplitRule { column: self.data.column(split.feature), test };
            partition(&mut self.rows[leaf.start..leaf.end], &mut self.scratch, rule)
        };
        let mid = leaf.start + n_left;
        // The partition's counts: the split search's may be estimates.
        let (left, right) =
            (BinStats { n: n_left as u32, ..split.left }, BinStats { n: (leaf.end - mid) as u32, ..split.right });
        let default_left = if mapper.has_missing() { split.default_left } else { left.n >= right.n };
        let right_index =
            tree.split_leaf(i, split.feature, split.bin, mapper.threshold(split.bin), default_left, split.gain);
        debug_assert_eq!(right_index, self.leaves.len());
        let depth = leaf.depth + 1;
        let searchable = leaf.searchable;
        self.leaves[i] = Leaf {
            start: leaf.start,
            end: mid,
            depth,
            sums: left,
            slot: None,
            best: None,
            searchable: searchable.clone(),
        };
        self.leaves.push(Leaf { start: mid, end: leaf.end, depth, sums: right, slot: None, best: None, searchable });
        let children = [i, right_index];
        let splittable = children.map(|c| self.can_split(c));
        if draws {
            // Left child first: the draws come from one stream.
            for (c, s) in children.into_iter().zip(splittable) {
                if s {
                    self.search_drawn(c, features, rng);
                }
            }
            return children;
        }
        let Some(parent_slot) = leaf.slot else { return children };
        if !splittable.iter().any(|&s| s) {
            self.free_slots.push(parent_slot);
            return children;
        }
        // Build the smaller child (by rows) and derive the larger from the
        // parent, unless only the smaller one will ever be split.
        let (small, large) = if n_left <= leaf.end - mid { (0, 1) } else { (1, 0) };
        let new_slot = self.acquire_slot();
        self.build_histogram(children[small], new_slot, stats, features, false);
        self.leaves[children[small]].slot = Some(new_slot);
        if splittable[large] {
            let (parent, child) = two_slots(&mut self.pool, parent_slot, new_slot);
            parent.subtract(self.data, child, features);
            self.leaves[children[large]].slot = Some(parent_slot);
        } else {
            self.free_slots.push(parent_slot);
        }
        let (left, right) = rayon::join(
            || splittable[0].then(|| self.find_split(children[0], features)),
            || splittable[1].then(|| self.find_split(children[1], features)),
        );
        for (c, found) in children.into_iter().zip([left, right]) {
            if let Some(found) = found {
                self.record_search(c, found);
            }
        }
        for c in children {
            self.release_if_done(c);
        }
        children
    }

    /// Whether nodes draw their candidate features (see [`TreeGrower`]).
    fn draws_per_node(&self, features: &[usize]) -> bool {
        self.params.features_per_node.is_some_and(|k| k < features.len())
    }

    /// A free histogram slot, a new one if none is free.
    fn acquire_slot(&mut self) -> usize {
        self.free_slots.pop().unwrap_or_else(|| {
            self.pool.push(Histogram::new(self.data));
            self.pool.len() - 1
        })
    }

    /// Frees leaf `i`'s histogram once it has no split left to make.
    fn release_if_done(&mut self, i: usize) {
        if self.leaves[i].best.is_none()
            && let Some(slot) = self.leaves[i].slot.take()
        {
            self.free_slots.push(slot);
        }
    }

    /// Builds leaf `i`'s histogram of `features` into pool slot `slot`.
    fn build_histogram(&mut self, i: usize, slot: usize, stats: &[GradHess], features: &[usize], all_rows: bool) {
        let leaf = &self.leaves[i];
        let rows = &self.rows[leaf.start..leaf.end];
        if all_rows {
            self.pool[slot].build(self.data, NodeRows::All, stats, features);
        } else {
            gather_stats(stats, rows, &mut self.ordered);
            self.pool[slot].build(self.data, NodeRows::Subset(rows), &self.ordered, features);
        }
    }

    /// Finds leaf `i`'s best split from its histogram ([`TreeGrower::find_split`]).
    fn search(&mut self, i: usize, features: &[usize]) {
        let found = self.find_split(i, features);
        self.record_search(i, found);
    }

    /// The best split of leaf `i` on each feature searched (the tree's
    /// `features`, or with LightGBM's rules the leaf's searchable ones), from
    /// its histogram: `None` for a feature without an allowed cut gaining more
    /// than `min_split_gain`.
    fn find_split(&self, i: usize, features: &[usize]) -> Vec<Option<SplitInfo>> {
        let leaf = &self.leaves[i];
        let Some(slot) = leaf.slot else { return Vec::new() };
        let histogram = &self.pool[slot];
        let candidates = if S::COUNTS_ROWS { features } else { &leaf.searchable };
        let search = |&j: &usize| {
            best_split(j, histogram.feature(self.data, j), &self.data.mappers()[j], leaf.sums, &self.params.split)
        };
        let bins: usize = candidates.iter().map(|&j| self.data.histogram_range(j).len()).sum();
        if bins >= PARALLEL_MIN_SPLIT_BINS {
            candidates.par_iter().map(search).collect()
        } else {
            candidates.iter().map(search).collect()
        }
    }

    /// Keeps leaf `i`'s best split among `found` (one per searchable
    /// feature; ties go to the lower feature index). With LightGBM's rules,
    /// features without a split are no longer searched in its descendants.
    fn record_search(&mut self, i: usize, found: Vec<Option<SplitInfo>>) {
        let leaf = &mut self.leaves[i];
        if !S::COUNTS_ROWS {
            let mut kept = found.iter().map(Option::is_some);
            leaf.searchable.retain(|_| kept.next().unwrap_or(false));
        }
        leaf.best = found.into_iter().fold(None, better_split);
    }

    /// Draws leaf `i`'s candidate features and finds its best split among
    /// them (see [`TreeGrower`]): `k` features, then one at a time while all
    /// drawn ones are constant in the node.
    fn search_drawn(&mut self, i: usize, features: &[usize], rng: &mut ChaCha8Rng) {
        let k = self.params.features_per_node.unwrap_or(features.len()).max(1);
        self.draw_order.clear();
        self.draw_order.extend_from_slice(features);
        let mut drawn = 0;
        let mut any_varies = false;
        let mut best = None;
        while drawn < features.len() && (drawn < k || !any_varies) {
            let end = if drawn < k { k } else { drawn + 1 };
            // A partial Fisher-Yates shuffle: position p gets a random one of
            // the features not drawn yet.
            for p in drawn..end {
                let q = rng.random_range(p..features.len());
                self.draw_order.swap(p, q);
            }
            let batch = self.draw_order[drawn..end].to_vec();
            drawn = end;
            let (found, varies) = self.search_features(i, &batch);
            any_varies |= varies;
            best = better_split(best, found);
        }
        self.leaves[i].best = best;
    }

    /// The best split of leaf `i` over `candidates`, from their non-empty
    /// bins in the node ([`node_bins`]), and whether any of them varies in
    /// the node (has rows in two bins or more).
    fn search_features(&mut self, i: usize, candidates: &[usize]) -> (Option<SplitInfo>, bool) {
        let leaf = &self.leaves[i];
        let (bins, stats) = self.payload.rows(leaf.start..leaf.end);
        node_bins(bins, self.data.row_stride(), stats, candidates, &mut self.node_bins_scratch, &mut self.node_bins);
        let mut best = None;
        let mut varies = false;
        for (&j, listed) in candidates.iter().zip(&self.node_bins) {
            varies |= listed.len() > 1;
            let mapper = &self.data.mappers()[j];
            let (values, missing) = match listed.split_last() {
                Some((&(bin, sums), values)) if bin == mapper.missing_bin() => (values, sums),
                _ => (&listed[..], BinStats::ZERO),
            };
            let missing = mapper.has_missing().then_some(missing);
            best = better_split(best, best_split_sparse(j, values, missing, leaf.sums, &self.params.split));
        }
        (best, varies)
    }
}

/// The better of a best split so far and a candidate: the higher gain, the
/// lower feature index on a tie.
fn better_split(best: Option<SplitInfo>, candidate: Option<SplitInfo>) -> Option<SplitInfo> {
    match (best, candidate) {
        (Some(b), Some(c)) if c.gain > b.gain || (c.gain == b.gain && c.feature < b.feature) => Some(c),
        (Some(b), _) => Some(b),
        (None, c) => c,
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
fn two_slots<S: HistogramBin>(pool: &mut [Histogram<S>], a: usize, b: usize) -> (&mut Histogram<S>, &Histogram<S>) {
    if a < b {
        let (low, high) = pool.split_at_mut(b);
        (&mut low[a], &high[0])
    } else {
        let (low, high) = pool.split_at_mut(a);
        (&mut high[0], &low[b])
    }
}

#[cfg(test)]
mod tests {
    use overdue_features::MatrixView;

    use super::*;
    use crate::tree::partition::gather_rows;

    fn uniform(seed: u64, n: usize) -> Vec<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        (0..n).map(|_| rng.random::<f64>()).collect()
    }

    #[test]
    fn listed_bins_find_the_split_a_dense_histogram_finds() {
        for seed in 0..12 {
            check_listed_against_dense(seed);
        }
    }

    /// Features with many values, few values, and NaN (in a third of the rows
    /// of one feature, none of which is zero, so that its zero bin is empty);
    /// nodes from a few rows to all of them, scattered.
    fn check_listed_against_dense(seed: u64) {
        let n = 3000;
        let u = uniform(seed, 4 * n);
        let values: Vec<f32> = (0..n)
            .flat_map(|i| {
                let (a, b, c, d) = (u[4 * i], u[4 * i + 1], u[4 * i + 2], u[4 * i + 3]);
                [a as f32 * 1000.0, (b * 5.0).floor() as f32, if c < 0.3 { f32::NAN } else { c as f32 }, d as f32]
            })
            .collect();
        let data = BinnedMatrix::fit(&MatrixView::new(&values, 4).unwrap(), 255);
        let stats: Vec<GradHess> = (0..n)
            .map(|i| {
                let late = u[4 * i] + 0.2 * u[4 * i + 3] > 0.7 || u[4 * i + 2] < 0.1;
                let w = [0.1f32, 0.3, 0.7, 1.9][i % 4];
                GradHess { g: if late { -w } else { 0.0 }, h: w }
            })
            .collect();
        let features = [0, 1, 2, 3];
        let mut histogram: Histogram = Histogram::new(&data);
        let (mut scratch, mut listed) = (NodeBinsScratch::default(), Vec::new());
        let mut ordered = Vec::new();
        let mut gathered = Vec::new();
        for (case, keep) in [1.0, 0.5, 0.05, 0.004].into_iter().enumerate() {
            let pick = uniform(100 * seed + case as u64, n);
            let rows: Vec<u32> = (0..n as u32).filter(|&r| pick[r as usize] < keep).collect();
            gather_stats(&stats, &rows, &mut ordered);
            histogram.build(&data, NodeRows::Subset(&rows), &ordered, &features);
            gather_rows(&data, &stats, &rows, &mut gathered, &mut ordered);
            node_bins(&gathered, data.row_stride(), &ordered, &features, &mut scratch, &mut listed);
            let total = BinStats::of_rows(&stats, &rows);
            for (&j, listed) in features.iter().zip(&listed) {
                let mapper = &data.mappers()[j];
                let dense: Vec<(u8, BinStats)> = histogram
                    .feature(&data, j)
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| b.n > 0)
                    .map(|(i, b)| (i as u8, *b))
                    .collect();
                assert_eq!(listed, &dense, "seed {seed} case {case}, feature {j}: the same bins, bit for bit");
                let (values, missing) = match listed.split_last() {
                    Some((&(bin, sums), values)) if bin == mapper.missing_bin() => (values, sums),
                    _ => (&listed[..], BinStats::ZERO),
                };
                for min_data_in_leaf in [1, 2, 40] {
                    let params = SplitParams { min_data_in_leaf, min_child_weight: 0.0, ..SplitParams::default() };
                    let missing = mapper.has_missing().then_some(missing);
                    let sparse = best_split_sparse(j, values, missing, total, &params);
                    let dense = best_split(j, histogram.feature(&data, j), mapper, total, &params);
                    assert_eq!(
                        sparse, dense,
                        "seed {seed} case {case}, feature {j}, min_data_in_leaf {min_data_in_leaf}"
                    );
                }
            }
        }
    }
}
