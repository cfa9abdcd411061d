//! Quantile binning: each feature's values mapped to at most 255 ordered bins.
//!
//! The bin edges are LightGBM's (`FindBinWithZeroAsOneBin` over
//! `GreedyFindBin`, min 3 rows per bin): values within 1e-35 of zero form a
//! bin of their own, with edges at ±1e-35; negative and positive values share
//! the remaining `max_bins - 1` bins in proportion to their rows. On each side,
//! when there are at most that many distinct values each gets its own bin
//! (rare ones merged with their upper neighbour); otherwise distinct values
//! are grouped greedily into bins of about equal row counts, values frequent
//! enough to fill a bin alone get one. Edges are the midpoints between the last
//! value of a bin and the first of the next, rounded down to f32, so that for
//! every f32 `x`, `bin(x) <= t` exactly when `x <= upper_bound(t)`: a split
//! found on bins is the same split on raw values, and prediction never needs
//! to bin.
//!
//! NaN goes to a dedicated missing bin, the last one, which exists only when the
//! feature had NaN in the rows binned at fit time; the values then share
//! `max_bins - 1` bins, as in LightGBM.

use overdue_features::MatrixView;
use rayon::prelude::*;

/// Default and largest number of value bins per feature, so that every bin
/// (the missing bin included) fits a `u8`.
pub const MAX_BINS: usize = 255;

/// Fewest rows (of the sample) a bin is given, as LightGBM's `min_data_in_bin`.
const MIN_DATA_IN_BIN: usize = 3;

/// Values within this distance of zero are zero (LightGBM's `kZeroThreshold`);
/// it is also the edge of the zero bin.
const ZERO_THRESHOLD: f32 = 1e-35;

/// At most this many rows, evenly spaced, are used to find the bin edges
/// (LightGBM's `bin_construct_sample_cnt`); every row is binned with them.
pub const BIN_SAMPLE_ROWS: usize = 200_000;

/// Share of the sampled rows above which the fullest bin is LightGBM's
/// `most_freq_bin` even when it is not the bin of 0 (LightGBM's
/// `kSparseThreshold`).
const SPARSE_THRESHOLD: f64 = 0.7;

/// How one feature's values map to bins.
///
/// Not serialised: models keep raw thresholds, not bins.
#[derive(Debug, Clone, PartialEq)]
pub struct BinMapper {
    /// Inclusive upper edge of each value bin but the last (whose edge is
    /// unbounded), strictly increasing.
    upper_bounds: Vec<f32>,
    /// Whether NaN was seen at fit time, so that the missing bin exists.
    has_missing: bool,
    /// Whether the rows seen at fit time fall in two bins or more (two
    /// distinct values, or a value and NaN): otherwise no split can use the
    /// feature (LightGBM's "trivial" features).
    splittable: bool,
    /// Whether bin 0 is LightGBM's `most_freq_bin` (see
    /// [`BinMapper::first_bin_is_most_frequent`]).
    first_bin_most_frequent: bool,
}

impl BinMapper {
    /// Finds the bins of one feature from its values (NaN allowed, ±inf not:
    /// the caller checks).
    ///
    /// Rows are sampled evenly when there are more than [`BIN_SAMPLE_ROWS`].
    /// `max_bins` is clamped to `2..=255`.
    pub fn fit(column: &[f32], max_bins: usize) -> Self {
        let max_bins = max_bins.clamp(2, MAX_BINS);
        let n = column.len();
        let has_missing = column.iter().any(|v| v.is_nan());
        let sampled_rows = n.min(BIN_SAMPLE_ROWS);
        let mut keys: Vec<u32> = if n > BIN_SAMPLE_ROWS {
            // Row i * n / S for i < S: deterministic, and spread over the whole
            // (time-ordered) training period.
            (0..BIN_SAMPLE_ROWS)
                .map(|i| column[i * n / BIN_SAMPLE_ROWS])
                .filter(|v| !v.is_nan())
                .map(order_key)
                .collect()
        } else {
            column.iter().filter(|v| !v.is_nan()).map(|&v| order_key(v)).collect()
        };
        keys.sort_unstable();
        let (distinct, counts) = distinct_with_counts(&keys);
        let value_bins = if has_missing { max_bins - 1 } else { max_bins };
        let upper_bounds = zero_as_one_bin(&distinct, &counts, value_bins);
        let splittable = distinct.len() + usize::from(has_missing) >= 2;
        let mut mapper = Self { upper_bounds, has_missing, splittable, first_bin_most_frequent: false };
        let sampled_missing = sampled_rows - keys.len();
        mapper.first_bin_most_frequent = mapper.most_frequent_bin(&distinct, &counts, sampled_missing) == 0;
        mapper
    }

    /// LightGBM's `most_freq_bin`: the bin holding the most sampled rows
    /// (the first of equals; the missing bin counts), unless it holds less
    /// than 70% of them (LightGBM's `kSparseThreshold`), in which case the
    /// bin of 0.
    fn most_frequent_bin(&self, distinct: &[f32], counts: &[usize], missing: usize) -> u8 {
        let mut per_bin = vec![0usize; self.n_bins()];
        for (&value, &count) in distinct.iter().zip(counts) {
            per_bin[usize::from(self.bin(value))] += count;
        }
        if self.has_missing {
            per_bin[usize::from(self.missing_bin())] += missing;
        }
        let total: usize = per_bin.iter().sum();
        let most = per_bin.iter().enumerate().fold(0, |best, (i, &c)| if c > per_bin[best] { i } else { best });
        let zero_bin = self.bin(0.0);
        if usize::from(zero_bin) != most && (per_bin[most] as f64) < SPARSE_THRESHOLD * total as f64 {
            zero_bin
        } else {
            most as u8
        }
    }

    /// A mapper from explicit edges (strictly increasing, finite), for tests and
    /// for building trees by hand.
    pub fn from_bounds(upper_bounds: Vec<f32>, has_missing: bool) -> Option<Self> {
        let increasing = upper_bounds.windows(2).all(|w| w[0] < w[1]);
        let finite = upper_bounds.iter().all(|b| b.is_finite());
        let splittable = !upper_bounds.is_empty() || has_missing;
        (increasing && finite && upper_bounds.len() < MAX_BINS).then_some(Self {
            upper_bounds,
            has_missing,
            splittable,
            first_bin_most_frequent: false,
        })
    }

    /// Number of bins for values (not counting the missing bin).
    pub fn n_value_bins(&self) -> usize {
        self.upper_bounds.len() + 1
    }

    /// Number of bins including the missing bin if there is one: the width of
    /// this feature's histogram.
    pub fn n_bins(&self) -> usize {
        self.n_value_bins() + usize::from(self.has_missing)
    }

    /// Whether the feature had NaN at fit time.
    pub fn has_missing(&self) -> bool {
        self.has_missing
    }

    /// Index of the missing bin: right after the value bins. NaN maps here even
    /// when the feature had no NaN at fit time (then no histogram counts it).
    pub fn missing_bin(&self) -> u8 {
        self.upper_bounds.len() as u8 + 1
    }

    /// The inclusive upper edges of the value bins but the last.
    pub fn upper_bounds(&self) -> &[f32] {
        &self.upper_bounds
    }

    /// The raw threshold equivalent to "bin <= `bin`": the bin's upper edge, or
    /// `f32::MAX` for the last value bin (every finite value is below it).
    pub fn threshold(&self, bin: u8) -> f32 {
        self.upper_bounds.get(usize::from(bin)).copied().unwrap_or(f32::MAX)
    }

    /// The bin of one value.
    pub fn bin(&self, x: f32) -> u8 {
        if x.is_nan() { self.missing_bin() } else { self.upper_bounds.partition_point(|&u| u < x) as u8 }
    }

    /// Whether the feature can be split at all: its fit-time rows fell in two
    /// bins or more (two distinct values, or values and NaN).
    pub fn is_splittable(&self) -> bool {
        self.splittable
    }

    /// Whether bin 0 is LightGBM's `most_freq_bin`, the bin LightGBM leaves
    /// out of its histograms (a value 0, or the bin most rows fall in when
    /// that is most of them): its rows are then the node's rows minus the
    /// other bins', which matters when rows are estimated from hessians
    /// ([`best_split`](super::best_split)). False for mappers built
    /// [`from_bounds`](BinMapper::from_bounds), which have no counts.
    pub fn first_bin_is_most_frequent(&self) -> bool {
        self.first_bin_most_frequent
    }
}

/// Maps an f32 (not NaN) to a u32 with the same order, so that sorting is an
/// integer sort. `-0.0` and `0.0` map to the same key, as they compare equal.
fn order_key(v: f32) -> u32 {
    let bits = if v == 0.0 { 0 } else { v.to_bits() };
    if bits & 0x8000_0000 != 0 { !bits } else { bits | 0x8000_0000 }
}

/// Inverse of [`order_key`].
fn from_order_key(key: u32) -> f32 {
    f32::from_bits(if key & 0x8000_0000 != 0 { key & 0x7fff_ffff } else { !key })
}

/// Distinct values (ascending) of sorted keys, with how often each occurs.
fn distinct_with_counts(sorted_keys: &[u32]) -> (Vec<f32>, Vec<usize>) {
    let mut distinct = Vec::new();
    let mut counts: Vec<usize> = Vec::new();
    let mut last = None;
    for &k in sorted_keys {
        if last == Some(k) {
            if let Some(c) = counts.last_mut() {
                *c += 1;
            }
        } else {
            distinct.push(from_order_key(k));
            counts.push(1);
            last = Some(k);
        }
    }
    (distinct, counts)
}

/// The largest f32 at or below the midpoint of `a < b`: in `[a, b)`, so that
/// `x <= edge` separates `a` from `b` for f32 `x` exactly as the f64 midpoint
/// would.
fn edge_between(a: f32, b: f32) -> f32 {
    let mid = (f64::from(a) + f64::from(b)) / 2.0;
    let rounded = mid as f32;
    let edge = if f64::from(rounded) > mid { rounded.next_down() } else { rounded };
    edge.max(a)
}

/// LightGBM's `FindBinWithZeroAsOneBin`: a bin for zero (edges `-1e-35` and
/// `1e-35`, each only when there are values on that side), the negative values
/// in `floor(share * (max_bins - 1))` bins (at least one), the positive values
/// in the bins left. Returns the inclusive upper edges of all value bins but
/// the last.
fn zero_as_one_bin(distinct: &[f32], counts: &[usize], max_bins: usize) -> Vec<f32> {
    let negative = distinct.partition_point(|&v| v <= -ZERO_THRESHOLD);
    let positive = distinct.partition_point(|&v| v <= ZERO_THRESHOLD);
    let rows = |range: std::ops::Range<usize>| counts[range].iter().sum::<usize>();
    let (negative_rows, positive_rows) = (rows(0..negative), rows(positive..distinct.len()));
    let mut bounds = Vec::new();
    if negative > 0 && max_bins > 1 {
        let share = negative_rows as f64 / (negative_rows + positive_rows) as f64;
        let negative_bins = ((share * (max_bins - 1) as f64) as usize).max(1);
        bounds = greedy_bounds(&distinct[..negative], &counts[..negative], negative_rows, negative_bins);
        // The last negative bin ends where the zero bin starts.
        bounds.push(-ZERO_THRESHOLD);
    }
    let positive_bins = max_bins.saturating_sub(1 + bounds.len());
    if positive < distinct.len() && positive_bins > 0 {
        bounds.push(ZERO_THRESHOLD);
        bounds.extend(greedy_bounds(&distinct[positive..], &counts[positive..], positive_rows, positive_bins));
    }
    bounds
}

/// LightGBM's `GreedyFindBin` on distinct values and their counts: the
/// inclusive upper edges of all value bins but the last.
fn greedy_bounds(distinct: &[f32], counts: &[usize], total: usize, max_bins: usize) -> Vec<f32> {
    let mut bounds: Vec<f32> = Vec::new();
    if distinct.len() <= 1 {
        return bounds;
    }
    if distinct.len() <= max_bins {
        let mut in_bin = 0;
        for i in 0..distinct.len() - 1 {
            in_bin += counts[i];
            if in_bin >= MIN_DATA_IN_BIN {
                bounds.push(edge_between(distinct[i], distinct[i + 1]));
                in_bin = 0;
            }
        }
        return bounds;
    }
    let max_bins = max_bins.min(total / MIN_DATA_IN_BIN).max(1);
    let mut mean_bin_size = total as f64 / max_bins as f64;
    let big: Vec<bool> = counts.iter().map(|&c| c as f64 >= mean_bin_size).collect();
    let n_big = big.iter().filter(|&&b| b).count();
    let mut rest_bins = max_bins.saturating_sub(n_big);
    let mut rest_rows = total - counts.iter().zip(&big).filter(|(_, b)| **b).map(|(c, _)| c).sum::<usize>();
    mean_bin_size = rest_rows as f64 / rest_bins as f64;
    // (last value of the bin, first value of the next) at each cut.
    let mut cuts: Vec<(f32, f32)> = Vec::new();
    let mut in_bin = 0usize;
    for i in 0..distinct.len() - 1 {
        if !big[i] {
            rest_rows -= counts[i];
        }
        in_bin += counts[i];
        let cut =
            big[i] || in_bin as f64 >= mean_bin_size || (big[i + 1] && in_bin as f64 >= (mean_bin_size * 0.5).max(1.0));
        if cut {
            cuts.push((distinct[i], distinct[i + 1]));
            if cuts.len() + 1 >= max_bins {
                break;
            }
            in_bin = 0;
            if !big[i] {
                rest_bins = rest_bins.saturating_sub(1);
                mean_bin_size = rest_rows as f64 / rest_bins as f64;
            }
        }
    }
    for (a, b) in cuts {
        let edge = edge_between(a, b);
        if bounds.last().is_none_or(|&last| last < edge) {
            bounds.push(edge);
        }
    }
    bounds
}

/// Training features as bins, row-major: one `u8` per row and feature.
///
/// Row-major, as LightGBM's row-wise histograms: a histogram reads each of a
/// node's rows once, a few contiguous bytes, and updates every feature's bins
/// from it, instead of one pass over the node's row indices and gradients per
/// feature. On the study matrix LightGBM itself is about twice as fast this way
/// (`force_row_wise`) as column-wise. A column-major copy serves the
/// partition of a node's rows at a split, which reads one feature only.
#[derive(Debug, Clone)]
pub struct BinnedMatrix {
    n_rows: usize,
    mappers: Vec<BinMapper>,
    /// Row `i` is `bins[i * row_stride..][..n_features]`, zero-padded to
    /// `row_stride`.
    bins: Vec<u8>,
    /// Bytes per row in `bins`: the number of features rounded up to a
    /// multiple of 8, so that copying rows moves whole words.
    row_stride: usize,
    /// Column `j` is `columns[j * n_rows..(j + 1) * n_rows]`.
    columns: Vec<u8>,
}

/// Slots per feature in a histogram: feature `j`'s bins start at
/// `j * HISTOGRAM_STRIDE`. At least 256, so that any `u8` bin indexes a
/// feature's table without a bounds check in the histogram loop; one more,
/// so that the features' tables do not all start at the same address modulo
/// 4 KiB, where the CPU's L1 cache would evict them from one another (GBDT
/// fit on the 1M-invoice matrix: 45% slower at 256, 8-13% faster at 257 than
/// with tables packed end to end).
pub const HISTOGRAM_STRIDE: usize = 257;

/// Rows per parallel work item when transposing binned columns into rows.
const TRANSPOSE_ROWS: usize = 4096;

impl BinnedMatrix {
    /// Finds every feature's bins on `features` (in parallel over features) and
    /// bins all its rows. NaN is allowed; ±inf must have been rejected (it would
    /// land in the outermost bins).
    pub fn fit(features: &MatrixView<'_>, max_bins: usize) -> Self {
        let n_cols = features.n_cols();
        let n_rows = features.n_rows();
        let values = features.as_slice();
        let mut columns = vec![0u8; n_rows * n_cols];
        let mappers: Vec<BinMapper> = if n_rows == 0 {
            (0..n_cols).map(|_| BinMapper::fit(&[], max_bins)).collect()
        } else {
            columns
                .par_chunks_mut(n_rows)
                .enumerate()
                .map(|(j, out)| {
                    // One strided pass gathers the column; fitting and binning
                    // then read it sequentially.
                    let column: Vec<f32> = values.iter().skip(j).step_by(n_cols).copied().collect();
                    let mapper = BinMapper::fit(&column, max_bins);
                    out.iter_mut().zip(&column).for_each(|(b, &x)| *b = mapper.bin(x));
                    mapper
                })
                .collect()
        };
        Self::from_columns(n_rows, mappers, columns)
    }

    /// Bins `features` with given mappers (one per column).
    ///
    /// # Panics
    /// When the number of mappers differs from the number of columns.
    pub fn with_mappers(features: &MatrixView<'_>, mappers: Vec<BinMapper>) -> Self {
        let n_cols = features.n_cols();
        assert_eq!(mappers.len(), n_cols, "one bin mapper per column");
        let n_rows = features.n_rows();
        let values = features.as_slice();
        let mut columns = vec![0u8; n_rows * n_cols];
        if n_rows > 0 {
            columns.par_chunks_mut(n_rows).zip(&mappers).enumerate().for_each(|(j, (out, mapper))| {
                for (b, &x) in out.iter_mut().zip(values.iter().skip(j).step_by(n_cols)) {
                    *b = mapper.bin(x);
                }
            });
        }
        Self::from_columns(n_rows, mappers, columns)
    }

    /// Completes a matrix from its column-major bins: the row-major copy and
    /// the histogram layout.
    fn from_columns(n_rows: usize, mappers: Vec<BinMapper>, columns: Vec<u8>) -> Self {
        let n_cols = mappers.len();
        let row_stride = n_cols.next_multiple_of(8).max(8);
        let mut bins = vec![0u8; n_rows * row_stride];
        if n_rows > 0 && n_cols > 0 {
            bins.par_chunks_mut(TRANSPOSE_ROWS * row_stride).enumerate().for_each(|(chunk, out)| {
                let first = chunk * TRANSPOSE_ROWS;
                for (j, column) in columns.chunks_exact(n_rows).enumerate() {
                    for (row, &b) in out.chunks_exact_mut(row_stride).zip(&column[first..]) {
                        row[j] = b;
                    }
                }
            });
        }
        Self { n_rows, mappers, bins, row_stride, columns }
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Number of features.
    pub fn n_features(&self) -> usize {
        self.mappers.len()
    }

    /// The bin mapper of each feature.
    pub fn mappers(&self) -> &[BinMapper] {
        &self.mappers
    }

    /// The bins of row `i`, one per feature.
    pub fn row(&self, i: usize) -> &[u8] {
        &self.bins[i * self.row_stride..][..self.n_features()]
    }

    /// The bins of feature `j`, one per row.
    pub fn column(&self, j: usize) -> &[u8] {
        &self.columns[j * self.n_rows..(j + 1) * self.n_rows]
    }

    /// The bin of row `i` for feature `j`.
    pub fn bin(&self, i: usize, j: usize) -> u8 {
        self.bins[i * self.row_stride + j]
    }

    /// All bins, row after row, each row padded to [`BinnedMatrix::row_stride`]
    /// bytes.
    pub fn as_slice(&self) -> &[u8] {
        &self.bins
    }

    /// Bytes per row in [`BinnedMatrix::as_slice`]: the number of features
    /// rounded up to a multiple of 8.
    pub fn row_stride(&self) -> usize {
        self.row_stride
    }

    /// Where feature `j`'s bins start in a histogram, and where they end
    /// (the rest of its [`HISTOGRAM_STRIDE`] slots stay empty).
    pub fn histogram_range(&self, j: usize) -> std::ops::Range<usize> {
        let start = j * HISTOGRAM_STRIDE;
        start..start + self.mappers[j].n_bins()
    }

    /// The length of a histogram: [`HISTOGRAM_STRIDE`] slots per feature.
    pub fn total_bins(&self) -> usize {
        self.mappers.len() * HISTOGRAM_STRIDE
    }

    /// Features that can be split (two bins or more), ascending.
    pub fn splittable_features(&self) -> Vec<usize> {
        (0..self.n_features()).filter(|&j| self.mappers[j].is_splittable()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_keys_sort_like_floats_and_round_trip() {
        let values = [-3.5_f32, -0.0, 0.0, 1e-30, 2.0, f32::MAX, -f32::MAX];
        let mut sorted = values;
        sorted.sort_by(f32::total_cmp);
        let mut keys: Vec<u32> = values.iter().map(|&v| order_key(v)).collect();
        keys.sort_unstable();
        let back: Vec<f32> = keys.iter().map(|&k| from_order_key(k)).collect();
        assert_eq!(back, [-f32::MAX, -3.5, 0.0, 0.0, 1e-30, 2.0, f32::MAX]);
    }

    #[test]
    fn edges_separate_neighbours_even_when_adjacent() {
        let a = 1.0_f32;
        let b = a.next_up();
        let e = edge_between(a, b);
        assert!((a..b).contains(&e));
        let e = edge_between(-1e30, 1e-30);
        assert!((-1e30..1e-30).contains(&e));
    }
}
