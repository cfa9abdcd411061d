//! Per-node histograms: for every feature and bin, the sums of the rows'
//! gradients and hessians, and their count when the grower counts rows
//! ([`HistogramBin`]).
//!
//! A histogram is one flat array laid out by
//! [`BinnedMatrix::histogram_range`]: a table of
//! [`HISTOGRAM_STRIDE`] slots per feature, which a `u8` bin indexes
//! without a bounds check. Building it is the hot loop of tree growing, so,
//! as LightGBM's row-wise mode:
//!
//! * gradients arrive already gathered in the node's row order (one `f32` pair
//!   per row, read sequentially), and the rows' bins are requested from
//!   memory a few dozen rows before they are added (a prefetch), so that the
//!   cache misses of a node's scattered rows overlap;
//! * each row's bins (a few contiguous bytes of the row-major matrix) are read
//!   once and added to every feature's bins;
//! * large nodes are cut into row chunks, accumulated in parallel into tables
//!   of their own and added up in chunk order. The chunks depend on the
//!   node's number of rows only, so the result does not depend on the number
//!   of threads. (Sharing out features instead, each thread reading every row
//!   for its features, measured slower on two threads than on one.)
//!
//! The sibling of a built node comes from [`Histogram::subtract`]: parent minus
//! child, per bin.

use rayon::prelude::*;

use super::binning::{BinnedMatrix, HISTOGRAM_STRIDE};

/// Gradient and hessian of one row, as the grower consumes them. `f32`, as
/// LightGBM: sums are taken in `f64`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct GradHess {
    /// First derivative of the loss with respect to the row's score.
    pub g: f32,
    /// Second derivative (positive).
    pub h: f32,
}

/// Sums over the rows of one bin (or one node), with their number: what a
/// split search reads from a bin, and a histogram bin when rows are counted.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct BinStats {
    /// Sum of gradients.
    pub g: f64,
    /// Sum of hessians.
    pub h: f64,
    /// Number of rows.
    pub n: u32,
}

impl BinStats {
    /// Empty sums.
    pub const ZERO: Self = Self { g: 0.0, h: 0.0, n: 0 };

    /// Adds one row.
    #[inline(always)]
    fn add_row(&mut self, gh: GradHess) {
        HistogramBin::add(self, f64::from(gh.g), f64::from(gh.h));
    }

    /// `self + other` (counts saturate at `u32::MAX`).
    pub fn plus(self, other: Self) -> Self {
        // Saturating: estimated counts of a node with a vanishing hessian sum
        // can be huge (they are then compared with limits only).
        Self { g: self.g + other.g, h: self.h + other.h, n: self.n.saturating_add(other.n) }
    }

    /// `self - other` (counts saturate at 0).
    pub fn minus(self, other: Self) -> Self {
        Self { g: self.g - other.g, h: self.h - other.h, n: self.n.saturating_sub(other.n) }
    }

    /// Sums of `rows` (sequential, in the order given).
    pub fn of_rows(stats: &[GradHess], rows: &[u32]) -> Self {
        let mut sums = Self::ZERO;
        for &r in rows {
            sums.add_row(stats[r as usize]);
        }
        sums
    }

    /// Sums of all `stats` (sequential).
    pub fn of_all(stats: &[GradHess]) -> Self {
        let mut sums = Self::ZERO;
        for &gh in stats {
            sums.add_row(gh);
        }
        sums
    }
}

/// A histogram bin without a row count: LightGBM's bin (16 bytes against
/// [`BinStats`]' 24), for boosting, whose split search estimates counts from
/// hessians.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct GradHessSums {
    /// Sum of gradients.
    pub g: f64,
    /// Sum of hessians.
    pub h: f64,
}

/// What one bin of a [`Histogram`] holds.
///
/// [`BinStats`] counts rows exactly, as scikit-learn's trees need for
/// `min_samples_leaf`. [`GradHessSums`] does not: adding a row is then one
/// memory update fewer in the hottest loop of boosting, and, as LightGBM
/// does, the split search estimates a bin's rows as `round(h * n / H)` (the
/// node's `n` rows and hessian sum `H`), which is exact when every row has
/// the same hessian.
pub trait HistogramBin: Copy + Default + PartialEq + std::fmt::Debug + Send + Sync + 'static {
    /// Whether the bin counts its rows (else [`HistogramBin::stats`]
    /// estimates them).
    const COUNTS_ROWS: bool;

    /// Adds one row's gradient and hessian.
    fn add(&mut self, g: f64, h: f64);

    /// `self + other`.
    fn plus(self, other: Self) -> Self;

    /// `self - other`.
    fn minus(self, other: Self) -> Self;

    /// The bin's sums and rows; uncounted rows are estimated as
    /// `round(h * rows_per_hessian)`, LightGBM's rounding (half up).
    fn stats(self, rows_per_hessian: f64) -> BinStats;
}

impl HistogramBin for BinStats {
    const COUNTS_ROWS: bool = true;

    #[inline(always)]
    fn add(&mut self, g: f64, h: f64) {
        self.g += g;
        self.h += h;
        self.n += 1;
    }

    fn plus(self, other: Self) -> Self {
        BinStats::plus(self, other)
    }

    fn minus(self, other: Self) -> Self {
        BinStats::minus(self, other)
    }

    #[inline(always)]
    fn stats(self, _rows_per_hessian: f64) -> BinStats {
        self
    }
}

impl HistogramBin for GradHessSums {
    const COUNTS_ROWS: bool = false;

    #[inline(always)]
    fn add(&mut self, g: f64, h: f64) {
        self.g += g;
        self.h += h;
    }

    fn plus(self, other: Self) -> Self {
        Self { g: self.g + other.g, h: self.h + other.h }
    }

    fn minus(self, other: Self) -> Self {
        Self { g: self.g - other.g, h: self.h - other.h }
    }

    #[inline(always)]
    fn stats(self, rows_per_hessian: f64) -> BinStats {
        // LightGBM's `RoundInt`: add one half and truncate.
        let n = (self.h * rows_per_hessian + 0.5) as u32;
        BinStats { g: self.g, h: self.h, n }
    }
}

/// Which rows a histogram is built from.
#[derive(Debug, Clone, Copy)]
pub enum NodeRows<'a> {
    /// Every row of the matrix, in order; the statistics are in row order.
    All,
    /// These rows (indices into the matrix); the statistics are gathered in
    /// this order, one per entry.
    Subset(&'a [u32]),
}

/// Nodes with fewer rows than twice this are accumulated in one piece;
/// larger ones in up to [`MAX_ROW_CHUNKS`] chunks of at least this many rows.
/// Leaf-wise trees split many nodes of a few thousand rows: at 4096 they all
/// stayed on one thread, and GBDT fit on the study matrix took 19% longer
/// (measured on two cores; at 512, the chunks' own tables cost more than the
/// second thread gives).
const MIN_CHUNK_ROWS: usize = 1024;

/// Most row chunks a node is cut into (so most threads that can help).
const MAX_ROW_CHUNKS: usize = 16;

/// Sums of gradients and hessians (and counts, with [`BinStats`]) per feature
/// and bin, for one node.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram<S: HistogramBin = BinStats> {
    bins: Vec<S>,
}

impl<S: HistogramBin> Histogram<S> {
    /// An all-zero histogram sized for `data`.
    pub fn new(data: &BinnedMatrix) -> Self {
        Self { bins: vec![S::default(); data.total_bins()] }
    }

    /// The bins of feature `j`.
    pub fn feature(&self, data: &BinnedMatrix, j: usize) -> &[S] {
        &self.bins[data.histogram_range(j)]
    }

    /// Fills the bins of `features` from `rows`, whose statistics are given in
    /// `ordered` (one per row of `rows`, in that order). Bins of other features
    /// are left as they were.
    ///
    /// Large nodes are cut into row chunks (their number depends on the number
    /// of rows only), accumulated in parallel into their own tables and added
    /// up in chunk order, as LightGBM's row-wise mode does: each row is read
    /// once, and the work splits evenly whatever the features. The result does
    /// not depend on the number of threads.
    ///
    /// # Panics
    /// When `ordered` and `rows` differ in length or a feature is out of range.
    pub fn build(&mut self, data: &BinnedMatrix, rows: NodeRows<'_>, ordered: &[GradHess], features: &[usize]) {
        let n_rows = match rows {
            NodeRows::All => data.n_rows(),
            NodeRows::Subset(r) => r.len(),
        };
        assert_eq!(ordered.len(), n_rows, "one statistic per row");
        let mut features = features.to_vec();
        features.sort_unstable();
        features.dedup();
        let pairs: Vec<(usize, usize)> = features.iter().map(|&j| (j, data.histogram_range(j).start)).collect();
        for &j in &features {
            self.bins[data.histogram_range(j)].fill(S::default());
        }
        let n_chunks = (n_rows / MIN_CHUNK_ROWS).clamp(1, MAX_ROW_CHUNKS);
        if n_chunks == 1 {
            accumulate(data, rows, 0..n_rows, ordered, &pairs, &mut self.bins);
            return;
        }
        // The first chunk goes straight into the histogram, the others into
        // tables of their own, added in chunk order. Those cover the features'
        // span only: a table's slot `i` is the histogram's `base + i`.
        let chunk_rows = n_rows.div_ceil(n_chunks);
        let base = pairs.first().map_or(0, |&(_, start)| start);
        // Whole tables up to the last feature's: the histogram loop takes
        // every feature's table whole.
        let span = features.last().map_or(0, |&j| (j + 1) * HISTOGRAM_STRIDE - base);
        let shifted: Vec<(usize, usize)> = pairs.iter().map(|&(j, start)| (j, start - base)).collect();
        let mut partials: Vec<Vec<S>> = vec![Vec::new(); n_chunks - 1];
        let bins = &mut self.bins;
        let chunk = |k: usize| k * chunk_rows..((k + 1) * chunk_rows).min(n_rows);
        rayon::join(
            || accumulate(data, rows, chunk(0), ordered, &pairs, bins),
            || {
                partials.par_iter_mut().enumerate().for_each(|(k, table)| {
                    *table = vec![S::default(); span];
                    accumulate(data, rows, chunk(k + 1), ordered, &shifted, table);
                })
            },
        );
        for &j in &features {
            let range = data.histogram_range(j);
            let in_table = range.start - base..range.end - base;
            for table in &partials {
                for (b, p) in self.bins[range.clone()].iter_mut().zip(&table[in_table.clone()]) {
                    *b = b.plus(*p);
                }
            }
        }
    }

    /// `self = self - child` on the bins of `features`: turns the parent's
    /// histogram into the sibling's.
    pub fn subtract(&mut self, data: &BinnedMatrix, child: &Histogram<S>, features: &[usize]) {
        for &j in features {
            let range = data.histogram_range(j);
            for (p, c) in self.bins[range.clone()].iter_mut().zip(&child.bins[range]) {
                *p = p.minus(*c);
            }
        }
    }
}

/// Scratch space of [`node_bins`]: 256 slots per feature, all empty between
/// calls, and per feature the bins touched by the current call.
#[derive(Debug, Clone, Default)]
pub(crate) struct NodeBinsScratch {
    table: Vec<BinStats>,
    touched: Vec<Vec<u8>>,
}

/// Above this many touched bins, a feature's bins are read out by scanning
/// its 256 slots rather than by sorting the touched ones.
const SCAN_TOUCHED_BINS: usize = 32;

/// For each of `features` (in that order), the non-empty bins of a node's
/// rows, given as their bins (`stride` bytes per row, as
/// [`BinnedMatrix::as_slice`]) and statistics: `(bin, sums)` in ascending bin
/// order, into `out[k]`. Each bin's sums are taken in row order, so they
/// equal a dense histogram's ([`Histogram::build`] on the same rows) bit for
/// bit.
///
/// Made for nodes whose features were drawn for them: one pass over the
/// rows reads each row's bins once into small per-feature tables that stay
/// in L1, and the cost follows the rows and the bins actually present, not
/// every bin of every feature.
pub(crate) fn node_bins(
    bins: &[u8],
    stride: usize,
    stats: &[GradHess],
    features: &[usize],
    scratch: &mut NodeBinsScratch,
    out: &mut Vec<Vec<(u8, BinStats)>>,
) {
    let k = features.len();
    if scratch.table.len() < 256 * k {
        scratch.table.resize(256 * k, BinStats::ZERO);
    }
    scratch.touched.resize_with(k.max(scratch.touched.len()), Vec::new);
    out.resize_with(k, Vec::new);
    for (row, &gh) in bins.chunks_exact(stride).zip(stats) {
        for (f, &j) in features.iter().enumerate() {
            let bin = row[j];
            let slot = &mut scratch.table[256 * f + usize::from(bin)];
            if slot.n == 0 {
                scratch.touched[f].push(bin);
            }
            slot.add_row(gh);
        }
    }
    for (f, (touched, listed)) in scratch.touched.iter_mut().zip(out.iter_mut()).take(k).enumerate() {
        let table = &mut scratch.table[256 * f..256 * (f + 1)];
        listed.clear();
        if touched.len() > SCAN_TOUCHED_BINS {
            for (bin, slot) in table.iter_mut().enumerate().filter(|(_, slot)| slot.n > 0) {
                listed.push((bin as u8, std::mem::replace(slot, BinStats::ZERO)));
            }
        } else {
            touched.sort_unstable();
            for &bin in touched.iter() {
                listed.push((bin, std::mem::replace(&mut table[usize::from(bin)], BinStats::ZERO)));
            }
        }
        touched.clear();
    }
}

/// Adds the statistics of rows `range` (positions in the node) to the bins of
/// the features in `pairs` (`(feature, start of its bins)`).
fn accumulate<S: HistogramBin>(
    data: &BinnedMatrix,
    rows: NodeRows<'_>,
    range: std::ops::Range<usize>,
    ordered: &[GradHess],
    pairs: &[(usize, usize)],
    hist: &mut [S],
) {
    let (bins, stride) = (data.as_slice(), data.row_stride());
    let ordered = &ordered[range.clone()];
    match rows {
        NodeRows::All => accumulate_rows(bins, range.map(|k| k * stride), ordered, pairs, hist),
        NodeRows::Subset(r) => {
            let rows = &r[range];
            let starts = rows.iter().enumerate().map(|(k, &i)| {
                if let Some(&ahead) = rows.get(k + PREFETCH_ROWS_AHEAD) {
                    prefetch(&bins[ahead as usize * stride]);
                }
                i as usize * stride
            });
            accumulate_rows(bins, starts, ordered, pairs, hist)
        }
    }
}

/// How many rows ahead of the one being added the histogram loop asks for a
/// row's bins (as LightGBM's row-wise loop).
///
/// Why a prefetch: a node's rows are scattered over the matrix, which at
/// study scale no longer fits in cache, and adding a row is a few dozen
/// instructions, too many for the CPU to run ahead to the next rows' loads
/// on its own. Copying the rows out first (the copy loop is short enough to
/// overlap the misses) was measured slower: GBDT fit on two cores took 19%
/// longer on the study matrix and 22% longer on the 1M-invoice one (medians,
/// the two alternated in one process).
const PREFETCH_ROWS_AHEAD: usize = 32;

/// Asks the CPU to start loading the cache line of `byte`; a no-op where
/// there is no safe prefetch.
#[inline(always)]
fn prefetch(byte: &u8) {
    #[cfg(target_arch = "x86_64")]
    safe_arch::prefetch_t0(byte);
    #[cfg(not(target_arch = "x86_64"))]
    let _ = byte;
}

/// The accumulation loop over rows starting at `starts` in `bins`.
#[inline(always)]
fn accumulate_rows<S: HistogramBin>(
    bins: &[u8],
    starts: impl Iterator<Item = usize>,
    ordered: &[GradHess],
    pairs: &[(usize, usize)],
    hist: &mut [S],
) {
    let (Some(&(first, first_start)), Some(&(last, _))) = (pairs.first(), pairs.last()) else { return };
    if last - first + 1 == pairs.len() {
        // Consecutive features (the usual case): their bins are one run of the
        // row, read in order, and their tables follow each other
        // HISTOGRAM_STRIDE slots apart, each indexed by a u8 without a bounds
        // check.
        let width = pairs.len();
        let (tables, _) = hist[first_start..].as_chunks_mut::<HISTOGRAM_STRIDE>();
        let tables = &mut tables[..width];
        for (start, &gh) in starts.zip(ordered) {
            let row_bins = &bins[start + first..start + first + width];
            let (g, h) = (f64::from(gh.g), f64::from(gh.h));
            for (table, &b) in tables.iter_mut().zip(row_bins) {
                table[usize::from(b)].add(g, h);
            }
        }
    } else {
        for (start, &gh) in starts.zip(ordered) {
            let (g, h) = (f64::from(gh.g), f64::from(gh.h));
            for &(j, offset) in pairs {
                hist[offset + usize::from(bins[start + j])].add(g, h);
            }
        }
    }
}
