//! Finding the best split of one node on one feature from its histogram.
//!
//! The objective is LightGBM's second-order one: a leaf with gradient sum `G`
//! and hessian sum `H` scores `G^2 / (H + lambda)` and takes the value
//! `-G / (H + lambda)`; a split's gain is the children's scores minus the
//! parent's (LightGBM's units, without the factor 1/2 of the XGBoost paper).
//! With `g = -w y` and `h = w` (`w` a row's weight) the same formulas give the
//! weighted share of late rows as leaf value and twice the decrease of the
//! weighted Gini impurity (`H` times the Gini index, summed over the children)
//! as gain, which is how the random forest reuses them.

use super::binning::BinMapper;
use super::histogram::{BinStats, HistogramBin};

/// Hessian sums at or below this are treated as empty (no leaf value, no
/// split), so that a saturated node never divides by zero.
const MIN_DENOMINATOR: f64 = 1e-15;

/// LightGBM's `kEpsilon`: its split search divides the node's rows by its
/// hessian sum plus twice this to estimate rows from hessians.
const LIGHTGBM_EPSILON: f64 = 1e-15;

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
    /// Fewest rows a node needs to be split at all (scikit-learn's
    /// `min_samples_split`); a node also needs `2 * min_data_in_leaf`.
    pub min_data_to_split: u32,
    /// Smallest gain worth a split; a split needs a gain strictly above it.
    pub min_split_gain: f64,
    /// A split also needs a gain strictly above this many times the node's
    /// hessian sum. Classification trees set a tiny value: in a pure node
    /// every split gains exactly nothing, but sums taken in different orders
    /// (and by subtraction) leave a rounding residue of either sign, which
    /// must not count as a gain. Boosting uses 0.
    pub min_relative_gain: f64,
}

impl Default for SplitParams {
    /// LightGBM's defaults.
    fn default() -> Self {
        Self {
            lambda_l2: 0.0,
            min_child_weight: 1e-3,
            min_data_in_leaf: 20,
            min_data_to_split: 2,
            min_split_gain: 0.0,
            min_relative_gain: 0.0,
        }
    }
}

impl SplitParams {
    /// Whether a child of `rows` rows (signed: an estimate taken as the
    /// node's rows minus the other side's can be negative) and these sums is
    /// allowed.
    fn allows(&self, rows: i64, child: BinStats) -> bool {
        rows >= i64::from(self.min_data_in_leaf)
            && child.h >= self.min_child_weight
            && child.h + self.lambda_l2 > MIN_DENOMINATOR
    }

    /// Whether a node with these sums could be split at all: at least
    /// `min_data_to_split` rows, and `min_data_in_leaf` for each child.
    pub fn may_split(&self, node: BinStats) -> bool {
        let n = u64::from(node.n);
        n >= 2 * u64::from(self.min_data_in_leaf.max(1)) && n >= u64::from(self.min_data_to_split)
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
/// With bins that do not count rows ([`GradHessSums`](super::GradHessSums)),
/// the rows on each side are estimated from hessians as LightGBM's search
/// does: each bin's rows as `round(h * n / H)` of the node, the side that a
/// scan accumulates as the sum of its bins' estimates and the other side as
/// the node's rows minus it, negative if the estimates overcount (so the
/// returned sums carry estimated counts: the grower replaces them by the
/// partition's). Where LightGBM leaves bin 0 out of its histograms
/// ([`BinMapper::first_bin_is_most_frequent`]), bin 0 holds the node's rows
/// minus the other bins' estimates. With these rules the fixtures' models
/// predict LightGBM's probabilities to within 0.005 on average; without the
/// last two, 0.04 to 0.06.
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
/// satisfies `params` with a gain above `min_split_gain` (and
/// `min_relative_gain` times the node's hessian sum).
pub fn best_split<S: HistogramBin>(
    feature: usize,
    histogram: &[S],
    mapper: &BinMapper,
    total: BinStats,
    params: &SplitParams,
) -> Option<SplitInfo> {
    let rows_per_hessian = if S::COUNTS_ROWS { 0.0 } else { f64::from(total.n) / (total.h + 2.0 * LIGHTGBM_EPSILON) };
    let n_value_bins = mapper.n_value_bins().min(histogram.len());
    let missing =
        if mapper.has_missing() { histogram.get(n_value_bins).map(|m| m.stats(rows_per_hessian)) } else { None };
    let bins = |i: usize| (i, histogram[i].stats(rows_per_hessian));
    if S::COUNTS_ROWS {
        let rest_rows = i64::from(missing.map_or(0, |m| m.n));
        return scan_bins(feature, bins, n_value_bins, missing, rest_rows, None, total, params);
    }
    // Estimated, the rows outside the value bins are the node's minus theirs,
    // which is negative when the estimates overcount: LightGBM's reverse
    // scans count the right side up and take the left as the rest. Where
    // LightGBM leaves bin 0 out of its histograms, that bin's rows are the
    // node's minus the other bins' (forward scans start from them).
    let value_rows: i64 = (0..n_value_bins).map(|i| i64::from(bins(i).1.n)).sum();
    let rest_rows = i64::from(total.n) - value_rows;
    let first_bin_rows = (mapper.first_bin_is_most_frequent() && n_value_bins > 0).then(|| {
        let missing_rows = i64::from(missing.map_or(0, |m| m.n));
        i64::from(total.n) - (value_rows - i64::from(bins(0).1.n)) - missing_rows
    });
    scan_bins(feature, bins, n_value_bins, missing, rest_rows, first_bin_rows, total, params)
}

/// [`best_split`] from the non-empty value bins of a node only, ascending
/// (`(bin, sums)`, as [`node_bins`](super::histogram::node_bins) lists them),
/// and the sums of its missing rows (`Some`, possibly empty, exactly when the
/// feature had missing values at fit time).
///
/// Gives the split [`best_split`] gives on the dense histogram of the same
/// rows, threshold included: empty bins change no sum, so only the choice
/// among thresholds that cut between the same rows needs care, and it follows
/// the same rule.
pub(crate) fn best_split_sparse(
    feature: usize,
    value_bins: &[(u8, BinStats)],
    missing: Option<BinStats>,
    total: BinStats,
    params: &SplitParams,
) -> Option<SplitInfo> {
    let bins = |i: usize| {
        let (bin, sums) = value_bins[i];
        (usize::from(bin), sums)
    };
    let rest_rows = i64::from(missing.map_or(0, |m| m.n));
    scan_bins(feature, bins, value_bins.len(), missing, rest_rows, None, total, params)
}

/// The scan behind [`best_split`] and [`best_split_sparse`]: `bins(i)` for
/// `i < n_bins` gives the `i`-th listed value bin (ascending bin indices,
/// every non-empty bin listed) and its sums; `rest_rows` is the count of the
/// node's rows outside the value bins, which a scan with missing rows on the
/// left (or none) starts from. Counts are signed along the scan, as
/// LightGBM's: with estimated counts, a side taken as the node's rows minus
/// the other can be negative (and is then too small), and clamping it at zero
/// would move every later cut's counts. `first_bin_rows`, when given,
/// replaces bin 0's count in scans that start from zero rows (with missing
/// rows on the right). The returned sums carry counts clamped into `u32`.
#[allow(clippy::too_many_arguments)]
fn scan_bins(
    feature: usize,
    bins: impl Fn(usize) -> (usize, BinStats),
    n_bins: usize,
    missing: Option<BinStats>,
    rest_rows: i64,
    first_bin_rows: Option<i64>,
    total: BinStats,
    params: &SplitParams,
) -> Option<SplitInfo> {
    let parent_score = params.leaf_score(total);
    let min_gain = params.min_split_gain + params.min_relative_gain * total.h;
    let scan = |missing_left: bool| -> Option<SplitInfo> {
        let reverse = missing_left || missing.is_none();
        let mut best: Option<SplitInfo> = None;
        let (mut left, mut left_rows) = match missing {
            Some(m) if missing_left => (m, rest_rows),
            None => (BinStats::ZERO, rest_rows),
            Some(_) => (BinStats::ZERO, 0),
        };
        // Cuts after each listed bin but the last; with missing rows on the
        // right, after the last too (all values versus missing); with missing
        // rows on the left, before the first too when it is not bin 0 (missing
        // versus all values: a dense histogram cuts there at its empty bins).
        let cuts = if missing.is_some() && !missing_left { n_bins } else { n_bins.saturating_sub(1) };
        let before_first = missing_left && n_bins > 0 && bins(0).0 > 0;
        for cut in (if before_first { -1 } else { 0 })..cuts as isize {
            if cut >= 0 {
                let (index, bin) = bins(cut as usize);
                left = left.plus(bin);
                left_rows += match first_bin_rows {
                    Some(rows) if index == 0 && !reverse => rows,
                    _ => i64::from(bin.n),
                };
            }
            if !params.allows(left_rows, left) {
                continue;
            }
            let right_rows = i64::from(total.n) - left_rows;
            let right = total.minus(left);
            if !params.allows(right_rows, right) {
                // The right side only shrinks from here on.
                break;
            }
            let gain = params.leaf_score(left) + params.leaf_score(right) - parent_score;
            // LightGBM scans right to left when missing rows go left (or there
            // are none), left to right when they go right, keeping the first of
            // equal gains: the highest threshold, or the lowest. Between two
            // listed bins every threshold cuts the same rows: the highest is
            // just below the next listed bin (a reverse scan never cuts after
            // the last one, a forward one never before the first).
            let better = best.is_none_or(|b| if reverse { gain >= b.gain } else { gain > b.gain });
            if gain > min_gain && better {
                let threshold = if reverse { bins((cut + 1) as usize).0 - 1 } else { bins(cut as usize).0 };
                let default_left = if missing.is_some() { missing_left } else { left_rows >= right_rows };
                let [left, right] = [(left, left_rows), (right, right_rows)]
                    .map(|(sums, rows)| BinStats { n: rows.clamp(0, i64::from(u32::MAX)) as u32, ..sums });
                best = Some(SplitInfo { feature, bin: threshold as u8, default_left, gain, left, right });
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
