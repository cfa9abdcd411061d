//! Finding the best split of one node on one feature from its histogram.
//!
//! The objective is LightGBM's second-order one: a leaf with gradient sum `G`
//! and hessian sum `H` scores `G^2 / (H + lambda)` and takes the value
//! `-G / (H + lambda)`; a split's gain is the children's scores minus the
//! parent's (LightGBM's units, without the factor 1/2 of the XGBoost paper).
//! With `g = -y` and `h = 1` the same formulas give the mean label as leaf value
//! and the decrease of the Gini impurity (times two) as gain, which is how a
//! random forest reuses them.

use super::binning::BinMapper;
use super::histogram::BinStats;

/// Hessian sums at or below this are treated as empty (no leaf value, no
/// split), so that a saturated node never divides by zero.
const MIN_DENOMINATOR: f64 = 1e-15;

/// What a split must satisfy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SplitParams {
    /// L2 penalty on leaf values (`lambda` above).
    pub lambda_l2: f64,
    /// Smallest hessian sum allowed in a child (LightGBM's
    /// `min_sum_hessian_in_leaf`).
    pub min_child_weight: f64,
    /// Fewest rows allowed in a child.
    pub min_data_in_leaf: u32,
    /// Smallest gain worth a split; a split needs a gain strictly above it.
    pub min_split_gain: f64,
}

impl Default for SplitParams {
    /// LightGBM's defaults.
    fn default() -> Self {
        Self { lambda_l2: 0.0, min_child_weight: 1e-3, min_data_in_leaf: 20, min_split_gain: 0.0 }
    }
}

impl SplitParams {
    /// Whether a child with these sums is allowed.
    fn allows(&self, child: BinStats) -> bool {
        child.n >= self.min_data_in_leaf
            && child.h >= self.min_child_weight
            && child.h + self.lambda_l2 > MIN_DENOMINATOR
    }

    /// Whether a node with these sums could be split at all (each child needs
    /// `min_data_in_leaf` rows).
    pub fn may_split(&self, node: BinStats) -> bool {
        u64::from(node.n) >= 2 * u64::from(self.min_data_in_leaf.max(1))
    }

    /// `G^2 / (H + lambda)`: how much a leaf with these sums lowers the loss
    /// (up to a constant and a factor 2).
    pub fn leaf_score(&self, sums: BinStats) -> f64 {
        let denominator = sums.h + self.lambda_l2;
        if denominator > MIN_DENOMINATOR { sums.g * sums.g / denominator } else { 0.0 }
    }

    /// `-G / (H + lambda)`: the leaf value minimising the second-order
    /// approximation of the loss (0 for an empty or saturated node).
    pub fn leaf_value(&self, sums: BinStats) -> f64 {
        let denominator = sums.h + self.lambda_l2;
        if denominator > MIN_DENOMINATOR { -sums.g / denominator } else { 0.0 }
    }
}

/// A chosen split of a node.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SplitInfo {
    /// The feature split on.
    pub feature: usize,
    /// Rows whose bin is at most this go left.
    pub bin: u8,
    /// Where rows with a missing value go.
    pub default_left: bool,
    /// Gain of the split: children's scores minus the parent's.
    pub gain: f64,
    /// Sums of the rows going left.
    pub left: BinStats,
    /// Sums of the rows going right.
    pub right: BinStats,
}

/// The best split of a node with sums `total` on one feature, from that
/// feature's histogram (its bins, the missing bin last when there is one).
///
/// As LightGBM: every threshold between value bins is tried; for a feature
/// that had missing values at fit time, first with missing rows sent left,
/// then sent right, the latter kept only when strictly better (so a node
/// without missing rows sends them left), and with missing rows on the right
/// "all values left, missing right" is a candidate too. Equal gains (a node
/// with empty bins has several cuts with the same rows on each side) are
/// broken as LightGBM's scans break them: the highest threshold when missing
/// rows go left or there are none, the lowest when they go right. For a
/// feature without missing values at fit time, missing values at prediction go
/// to the side that had more training rows. Returns `None` when no split
/// satisfies `params` with a gain above `min_split_gain`.
pub fn best_split(
    feature: usize,
    histogram: &[BinStats],
    mapper: &BinMapper,
    total: BinStats,
    params: &SplitParams,
) -> Option<SplitInfo> {
    let n_value_bins = mapper.n_value_bins().min(histogram.len());
    let missing = if mapper.has_missing() { histogram.get(n_value_bins).copied() } else { None };
    let parent_score = params.leaf_score(total);
    let scan = |missing_left: bool| -> Option<SplitInfo> {
        let reverse = missing_left || missing.is_none();
        let mut best: Option<SplitInfo> = None;
        let mut left = match missing {
            Some(m) if missing_left => m,
            _ => BinStats::ZERO,
        };
        // With missing rows on the right, all value bins on the left is a
        // split too (values versus missing).
        let thresholds = if missing.is_some() && !missing_left { n_value_bins } else { n_value_bins.saturating_sub(1) };
        for (t, bin) in histogram.iter().enumerate().take(thresholds) {
            left = left.plus(*bin);
            if !params.allows(left) {
                continue;
            }
            let right = total.minus(left);
            if !params.allows(right) {
                // The right side only shrinks from here on.
                break;
            }
            let gain = params.leaf_score(left) + params.leaf_score(right) - parent_score;
            // LightGBM scans right to left when missing rows go left (or there
            // are none), left to right when they go right, keeping the first of
            // equal gains: the highest threshold, or the lowest.
            let better = best.is_none_or(|b| if reverse { gain >= b.gain } else { gain > b.gain });
            if gain > params.min_split_gain && better {
                let default_left = if missing.is_some() { missing_left } else { left.n >= right.n };
                best = Some(SplitInfo { feature, bin: t as u8, default_left, gain, left, right });
            }
        }
        best
    };
    if missing.is_none() {
        return scan(false);
    }
    match (scan(true), scan(false)) {
        (Some(left), Some(right)) => Some(if right.gain > left.gain { right } else { left }),
        (left, right) => left.or(right),
    }
}
