//! Growing an exact CART tree: columns sorted once, nodes split level by level.
//!
//! # Layout
//!
//! Every feature is sorted once ([`Presorted`]). A node owns a contiguous range
//! of `len` row slots, and its entries live in one contiguous block of
//! `len * n_features` entries: feature `f`'s rows, sorted by that feature, at
//! `[f * len, (f + 1) * len)`. The root's block is the presorted matrix itself.
//! Splitting a node partitions each feature's run stably into the left child's
//! block followed by the right child's, so the children stay sorted without
//! sorting again, and the children's blocks tile the parent's. All the nodes of
//! one depth therefore own disjoint blocks: a level is processed in parallel
//! over its nodes (and over features inside large nodes), reading one buffer
//! and writing the next.
//!
//! # Determinism
//!
//! A node's split depends only on its own rows, scanned in sorted order, and
//! features are compared in a fixed order, so the tree is the same whatever the
//! number of threads. Nodes are created level by level and finally numbered
//! depth-first, left subtree first, as scikit-learn numbers them.

use std::sync::atomic::AtomicBool;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::model::{NodeSplit, TreeNode};
use super::partition::{PARALLEL_ENTRIES, Partition, partition_level};
use super::presort::{Entry, Presorted, RowWeights};
use super::{Criterion, DecisionTreeModel};

/// scikit-learn's `FEATURE_THRESHOLD`: consecutive sorted values closer than
/// this (added in f32, as scikit-learn does) are treated as equal.
const FEATURE_THRESHOLD: f32 = 1e-7;

/// A node whose impurity is at most this is pure (scikit-learn's `EPSILON`).
const EPSILON: f64 = f64::EPSILON;

/// Everything that shapes a tree besides the data.
#[derive(Debug, Clone)]
pub(crate) struct GrowParams {
    pub criterion: Criterion,
    /// `usize::MAX` for no limit.
    pub max_depth: usize,
    pub min_samples_split: usize,
    pub min_samples_leaf: usize,
    pub min_impurity_decrease: f64,
    /// Features evaluated per node (resolved, `1..=n_features`).
    pub max_features: usize,
    pub seed: u64,
}

/// Rows, weight and per-class weight of a node.
#[derive(Debug, Clone, Copy)]
struct Stats {
    rows: usize,
    weight: f64,
    /// `[on_time, late]` weight.
    class: [f64; 2],
}

impl Stats {
    /// Sums `entries` in order.
    fn of<W: RowWeights>(entries: &[Entry], weights: &W) -> Self {
        let mut class = [0.0; 2];
        let mut weight = 0.0;
        for &e in entries {
            let w = weights.weight(e);
            class[usize::from(e.late())] += w;
            weight += w;
        }
        Self { rows: entries.len(), weight, class }
    }

    fn node(&self, impurity: f64) -> TreeNode {
        TreeNode {
            samples: self.rows,
            weighted_samples: self.weight,
            late_share: if self.weight > 0.0 { (self.class[1] / self.weight).clamp(0.0, 1.0) } else { 0.0 },
            impurity,
            split: None,
        }
    }
}

/// Features known to be constant in a node, as a bit set over the first 128
/// features (later ones are simply checked again in every node, which is
/// cheap; only skipping their partitions is lost).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Constants(u128);

impl Constants {
    pub(super) fn contains(self, feature: usize) -> bool {
        feature < 128 && (self.0 >> feature) & 1 == 1
    }

    fn insert(&mut self, feature: usize) {
        if feature < 128 {
            self.0 |= 1 << feature;
        }
    }
}

/// A node still to be examined: its id, its slots and what it holds.
#[derive(Debug, Clone, Copy)]
struct Open {
    id: usize,
    start: usize,
    depth: usize,
    stats: Stats,
    impurity: f64,
    /// Features known to be constant in the node (found so in an ancestor):
    /// they stay constant below, so they are neither scanned nor partitioned.
    constant: Constants,
}

/// The best split of one feature in one node.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    /// scikit-learn's proxy: `-(w_R * I_R + w_L * I_L)`; larger is better.
    proxy: f64,
    feature: usize,
    /// Rows going left (the split position in the feature's sorted run).
    n_left: usize,
    threshold: f64,
    /// Children impurities from the scan's sums (what scikit-learn records).
    impurity_left: f64,
    impurity_right: f64,
    weight_left: f64,
}

/// A chosen split, with the children's statistics and the features found
/// constant in the node.
#[derive(Debug, Clone, Copy)]
struct Chosen {
    candidate: Candidate,
    left: Stats,
    right: Stats,
    constant: Constants,
}

/// Grows a tree on `data` with row `weights`.
pub(crate) fn grow<W: RowWeights>(data: &Presorted, weights: &W, params: &GrowParams) -> DecisionTreeModel {
    let (n, d) = (data.n_rows, data.n_cols);
    let root_stats = Stats::of(&data.entries[..n], weights);
    let root_impurity = params.criterion.impurity(root_stats.class[0], root_stats.class[1], root_stats.weight);
    let total_weight = root_stats.weight;
    let mut nodes = vec![root_stats.node(root_impurity)];
    let mut open = Vec::new();
    if !is_leaf_before_split(params, &root_stats, root_impurity, 0) {
        open.push(Open {
            id: 0,
            start: 0,
            depth: 0,
            stats: root_stats,
            impurity: root_impurity,
            constant: Constants::default(),
        });
    }

    // Double buffer for the levels below the root; allocated on first use
    // (trees of depth 1 never partition anything).
    let mut buffers: [Vec<Entry>; 2] = [Vec::new(), Vec::new()];
    // Which buffer holds the current level: None for the presorted root.
    let mut current: Option<usize> = None;
    // Which child each row of a level's split nodes goes to; allocated on first use.
    let mut side: Vec<AtomicBool> = Vec::new();

    while !open.is_empty() {
        let source: &[Entry] = match current {
            None => &data.entries,
            Some(i) => &buffers[i],
        };
        let decisions: Vec<Option<Chosen>> = open
            .par_iter()
            .map(|node| {
                let block = &source[node.start * d..(node.start + node.stats.rows) * d];
                decide(node, block, d, weights, params, total_weight)
            })
            .collect();

        // Number the children in order and keep those that may split again.
        let mut next_open = Vec::new();
        let mut to_partition = Vec::new();
        for (node, decision) in open.iter().zip(decisions) {
            let Some(chosen) = decision else { continue };
            let (left_id, right_id) = (nodes.len(), nodes.len() + 1);
            let c = chosen.candidate;
            nodes[node.id].split =
                Some(NodeSplit { feature: c.feature, threshold: c.threshold, left: left_id, right: right_id });
            nodes.push(chosen.left.node(c.impurity_left));
            nodes.push(chosen.right.node(c.impurity_right));
            let children = [
                (left_id, node.start, chosen.left, c.impurity_left),
                (right_id, node.start + chosen.left.rows, chosen.right, c.impurity_right),
            ];
            let mut keep = [false; 2];
            for (k, (id, start, stats, impurity)) in children.into_iter().enumerate() {
                if !is_leaf_before_split(params, &stats, impurity, node.depth + 1) {
                    let constant = chosen.constant;
                    next_open.push(Open { id, start, depth: node.depth + 1, stats, impurity, constant });
                    keep[k] = true;
                }
            }
            if keep[0] || keep[1] {
                to_partition.push(Partition {
                    start: node.start,
                    rows: node.stats.rows,
                    feature: c.feature,
                    n_left: chosen.left.rows,
                    keep,
                    skip: chosen.constant,
                });
            }
        }

        if !to_partition.is_empty() {
            if side.is_empty() {
                side = (0..n).map(|_| AtomicBool::new(false)).collect();
            }
            let target = match current {
                Some(0) => 1,
                _ => 0,
            };
            let (first, second) = buffers.split_at_mut(1);
            let (source, destination): (&[Entry], &mut Vec<Entry>) = match current {
                None => (&data.entries, &mut first[0]),
                Some(0) => (&first[0], &mut second[0]),
                Some(_) => (&second[0], &mut first[0]),
            };
            if destination.is_empty() {
                destination.resize(n * d, Entry::default());
            }
            partition_level(source, destination, d, &to_partition, &side);
            current = Some(target);
        }
        open = next_open;
    }
    DecisionTreeModel::from_grown(d, params.criterion, preorder(nodes))
}

/// Renumbers breadth-first nodes depth-first (a node, its left subtree, then
/// its right subtree), scikit-learn's order: a left child follows its parent
/// in memory, which keeps prediction walks cache-friendly.
fn preorder(nodes: Vec<TreeNode>) -> Vec<TreeNode> {
    let mut order = Vec::with_capacity(nodes.len());
    let mut stack = vec![0];
    while let Some(i) = stack.pop() {
        order.push(i);
        if let Some(s) = nodes[i].split {
            stack.push(s.right);
            stack.push(s.left);
        }
    }
    let mut new_index = vec![0; nodes.len()];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new;
    }
    let mut slots: Vec<Option<TreeNode>> = nodes.into_iter().map(Some).collect();
    order
        .iter()
        .map(|&old| {
            let mut node = slots[old].take().expect("each node is visited once");
            if let Some(s) = &mut node.split {
                s.left = new_index[s.left];
                s.right = new_index[s.right];
            }
            node
        })
        .collect()
}

/// scikit-learn's checks before looking for a split.
fn is_leaf_before_split(params: &GrowParams, stats: &Stats, impurity: f64, depth: usize) -> bool {
    depth >= params.max_depth
        || stats.rows < params.min_samples_split
        || stats.rows < 2 * params.min_samples_leaf
        || impurity <= EPSILON
}

/// Finds the best split of `node` (whose entries are `block`), or `None` when
/// it must stay a leaf.
fn decide<W: RowWeights>(
    node: &Open,
    block: &[Entry],
    d: usize,
    weights: &W,
    params: &GrowParams,
    total_weight: f64,
) -> Option<Chosen> {
    let m = node.stats.rows;
    let run = |f: usize| &block[f * m..(f + 1) * m];
    // Constant features: known from an ancestor, or first and last values
    // (nearly) equal in this node.
    let mut constant = node.constant;
    for f in 0..d {
        let r = run(f);
        if r[m - 1].value <= r[0].value + FEATURE_THRESHOLD {
            constant.insert(f);
        }
    }
    let is_constant = |f: usize| {
        constant.contains(f) || {
            let r = run(f);
            r[m - 1].value <= r[0].value + FEATURE_THRESHOLD
        }
    };
    let features: Vec<usize> = if params.max_features >= d {
        (0..d).filter(|&f| !is_constant(f)).collect()
    } else {
        // Draw features in a random order until `max_features` have been
        // visited, continuing while every visited one was constant.
        let mut order: Vec<usize> = (0..d).collect();
        let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
        rng.set_stream(node.id as u64);
        order.shuffle(&mut rng);
        let mut chosen = Vec::with_capacity(params.max_features);
        for (visited, f) in order.into_iter().enumerate() {
            if visited >= params.max_features && !chosen.is_empty() {
                break;
            }
            if !is_constant(f) {
                chosen.push(f);
            }
        }
        chosen
    };
    let scan = |&f: &usize| best_in_feature(f, run(f), &node.stats, weights, params);
    // The first strictly better candidate wins, in visiting order.
    let mut best: Option<Candidate> = None;
    let mut consider = |c: Option<Candidate>| {
        if let Some(c) = c
            && best.is_none_or(|b| c.proxy > b.proxy)
        {
            best = Some(c);
        }
    };
    if m * features.len() >= PARALLEL_ENTRIES {
        let candidates: Vec<Option<Candidate>> = features.par_iter().map(scan).collect();
        candidates.into_iter().for_each(&mut consider);
    } else {
        features.iter().map(scan).for_each(&mut consider);
    }
    let best = best?;

    let w = node.stats.weight;
    let weight_right = w - best.weight_left;
    let improvement = (w / total_weight)
        * (node.impurity - weight_right / w * best.impurity_right - best.weight_left / w * best.impurity_left);
    if improvement + EPSILON < params.min_impurity_decrease {
        return None;
    }
    let sorted = run(best.feature);
    Some(Chosen {
        candidate: best,
        left: Stats::of(&sorted[..best.n_left], weights),
        right: Stats::of(&sorted[best.n_left..], weights),
        constant,
    })
}

/// Scans one feature's sorted run and returns its best split position, as
/// scikit-learn's `node_split_best` does for one feature.
fn best_in_feature<W: RowWeights>(
    feature: usize,
    run: &[Entry],
    stats: &Stats,
    weights: &W,
    params: &GrowParams,
) -> Option<Candidate> {
    let m = run.len();
    let min_leaf = params.min_samples_leaf;
    let criterion = params.criterion;
    // Two scalar sums instead of an array indexed by the label: adding
    // `w * 0.0 = 0.0` to the other class leaves it bit-identical (as if only one
    // class were added to, as scikit-learn does) and avoids both a branch on
    // the label and a store-to-load dependency between consecutive rows.
    let (mut left_on_time, mut left_late) = (0.0, 0.0);
    let mut weight_left = 0.0;
    let mut best: Option<Candidate> = None;
    let mut best_proxy = f64::NEG_INFINITY;
    let mut p = 0;
    while p < m {
        // Move row p to the left; the candidate split sits before row p + 1
        // unless that row's value is (nearly) the same.
        let e = run[p];
        let w = weights.weight(e);
        let late = f64::from(u8::from(e.late()));
        left_late += w * late;
        left_on_time += w * (1.0 - late);
        weight_left += w;
        p += 1;
        if p >= m || run[p].value <= e.value + FEATURE_THRESHOLD {
            continue;
        }
        if p < min_leaf || m - p < min_leaf {
            continue;
        }
        let weight_right = stats.weight - weight_left;
        let impurity_left = criterion.impurity(left_on_time, left_late, weight_left);
        let impurity_right =
            criterion.impurity(stats.class[0] - left_on_time, stats.class[1] - left_late, weight_right);
        let proxy = -weight_right * impurity_right - weight_left * impurity_left;
        if proxy > best_proxy {
            best_proxy = proxy;
            let threshold = f64::from(run[p - 1].value) / 2.0 + f64::from(run[p].value) / 2.0;
            best = Some(Candidate { proxy, feature, n_left: p, threshold, impurity_left, impurity_right, weight_left });
        }
    }
    best
}
