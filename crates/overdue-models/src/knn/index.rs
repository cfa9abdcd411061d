//! The training rows arranged for searching: leaves of nearby rows with their
//! bounding boxes, the rows in leaf order, and an f32 copy of each leaf laid out
//! for the microkernel.
//!
//! The rows are split recursively, KD-tree style, near the median of the
//! feature with the largest variance (at a whole number of leaves, so that every
//! leaf is full but the last), into leaves of at most [`LEAF_ROWS`] rows. Only the leaves are kept, with the split tree used
//! to order query rows so that consecutive queries visit the same leaves (cache
//! locality). The layout is a pure function of the training rows, so it is
//! rebuilt, identically, when a saved model is loaded.

use super::search::{LANES, squared_norm};

/// Training rows per leaf: small enough that bounding boxes prune well, large
/// enough that computing a lower bound for every leaf stays cheap (64 and 128
/// are equally fast on the study matrix; 32 is slower).
pub(crate) const LEAF_ROWS: usize = 128;

/// Panels of [`LANES`] rows per leaf.
const LEAF_PANELS: usize = LEAF_ROWS / LANES;

// A leaf must be a whole number of panels, or rows would be left out.
const _: () = assert!(LEAF_ROWS.is_multiple_of(LANES));

/// Largest squared norm (of a training or query row) for which the f32 filter
/// is used: with `||a||^2 <= 1e30` every product and partial sum stays far below
/// f32's maximum (3.4e38).
pub(crate) const F32_NORM_LIMIT: f64 = 1e30;

/// Largest number of features for which the f32 error bound is used
/// (`d * 2^-24` must stay well below 1).
const MAX_FILTERED_FEATURES: usize = 100_000;

/// Absolute slack of the f32 lower bounds, covering the absolute (not relative)
/// rounding error of values in f32's subnormal range. Far below any distance
/// that matters, so it never costs work on real data.
const ABSOLUTE_SLACK: f64 = 1e-20;

/// `c` in the slack `c * (||a||^2 + ||b||^2)` of the f32 lower bound, for `d`
/// features.
///
/// With `u = 2^-24` (f32's unit roundoff), the f32 value of
/// `||a||^2 + ||b||^2 - 2 a.b` differs from the exact squared distance of the
/// f64 rows by at most about `(d + 11) * u * (||a||^2 + ||b||^2)`: rounding the
/// rows to f32 moves the distance by up to `4u (||a||^2 + ||b||^2)`; the dot
/// product, in any summation order, errs by `gamma_d * sum_j |a_j b_j|` with
/// `gamma_d ~ d u` and `sum_j |a_j b_j| <= (||a||^2 + ||b||^2) / 2`; rounding the
/// norms and the final additions adds about `6u`. Taking `(2d + 32) u` leaves a
/// factor of about two, which also covers the f64 rounding of the exact distance
/// and of the norms.
fn slack_coefficient(n_cols: usize) -> f64 {
    (2 * n_cols + 32) as f64 * f64::from(f32::EPSILON) / 2.0
}

/// `||b||^2 * (1 - c) - ABSOLUTE_SLACK / 2`, rounded down to f32: one half of a
/// certified lower bound of a squared distance.
pub(crate) fn low_norm(row: &[f64], slack: f64) -> f32 {
    let x = squared_norm(row) * (1.0 - slack) - ABSOLUTE_SLACK / 2.0;
    let f = x as f32;
    if f64::from(f) > x { f.next_down() } else { f }
}

/// A split of the partition tree: the left part holds the rows ordered first by
/// (`feature`, row index), `threshold` is the smallest value on the right. Used
/// only to route query rows to a leaf (`< threshold` goes left).
#[derive(Debug, Clone, PartialEq)]
struct Split {
    feature: usize,
    threshold: f64,
    left: Node,
    right: Node,
}

/// A node of the partition tree: a split, or a leaf number.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Node {
    Split(usize),
    Leaf(usize),
}

/// The searchable form of the training rows (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Index {
    pub(crate) n_cols: usize,
    /// Training row index of each position, leaf after leaf.
    pub(crate) order: Vec<usize>,
    /// The rows in that order (row-major f64), so that the rows of a leaf are
    /// contiguous when they are compared exactly.
    pub(crate) sorted_points: Vec<f64>,
    /// Leaf `l` holds positions `leaf_starts[l]..leaf_starts[l + 1]`.
    pub(crate) leaf_starts: Vec<usize>,
    /// Bounding boxes, feature-major: `lower[j * n_leaves + l]` is the smallest
    /// value of feature `j` in leaf `l`, `upper` the largest.
    pub(crate) lower: Vec<f64>,
    pub(crate) upper: Vec<f64>,
    /// Whether the f32 filter is certified for these rows; when not, leaves are
    /// scanned with exact distances only and `panels` is empty.
    pub(crate) filtered: bool,
    /// `c` of [`slack_coefficient`].
    pub(crate) slack: f64,
    /// Panel `p` of leaf `l` is `panels[(l * LEAF_PANELS + p) * n_cols..][..n_cols]`:
    /// for each feature, the f32 values of its [`LANES`] rows (zeros past the
    /// leaf's end).
    pub(crate) panels: Vec<[f32; LANES]>,
    /// Per panel, [`low_norm`] of each row (+inf past the leaf's end, so padding
    /// never passes the bound once a query has k rows).
    pub(crate) panel_low_norms: Vec<[f32; LANES]>,
    splits: Vec<Split>,
    root: Node,
}

impl Index {
    /// Arranges `points` (row-major, `n_cols >= 1` wide, at least one row).
    pub(crate) fn new(points: &[f64], n_cols: usize) -> Self {
        let n_rows = points.len() / n_cols;
        let mut order: Vec<usize> = (0..n_rows).collect();
        let Subtree { splits, leaf_sizes, root } = Points { values: points, n_cols }.partition(&mut order);
        let leaf_starts: Vec<usize> = std::iter::once(0)
            .chain(leaf_sizes.iter().scan(0, |end, size| {
                *end += size;
                Some(*end)
            }))
            .collect();
        let n_leaves = leaf_starts.len() - 1;

        let mut lower = vec![f64::INFINITY; n_cols * n_leaves];
        let mut upper = vec![f64::NEG_INFINITY; n_cols * n_leaves];
        for leaf in 0..n_leaves {
            for &i in &order[leaf_starts[leaf]..leaf_starts[leaf + 1]] {
                for (j, &v) in points[i * n_cols..(i + 1) * n_cols].iter().enumerate() {
                    let k = j * n_leaves + leaf;
                    lower[k] = lower[k].min(v);
                    upper[k] = upper[k].max(v);
                }
            }
        }

        let sorted_points: Vec<f64> =
            order.iter().flat_map(|&i| points[i * n_cols..(i + 1) * n_cols].iter().copied()).collect();
        let slack = slack_coefficient(n_cols);
        let filtered = n_cols <= MAX_FILTERED_FEATURES
            && points.chunks_exact(n_cols).all(|row| squared_norm(row) <= F32_NORM_LIMIT);
        let n_panels = if filtered { n_leaves * LEAF_PANELS } else { 0 };
        let mut panels = vec![[0.0f32; LANES]; n_panels * n_cols];
        let mut panel_low_norms = vec![[f32::INFINITY; LANES]; n_panels];
        if filtered {
            for leaf in 0..n_leaves {
                for position in leaf_starts[leaf]..leaf_starts[leaf + 1] {
                    let slot = position - leaf_starts[leaf];
                    let panel = leaf * LEAF_PANELS + slot / LANES;
                    let lane = slot % LANES;
                    let row = &sorted_points[position * n_cols..(position + 1) * n_cols];
                    for (j, &v) in row.iter().enumerate() {
                        panels[panel * n_cols + j][lane] = v as f32;
                    }
                    panel_low_norms[panel][lane] = low_norm(row, slack);
                }
            }
        }
        Self {
            n_cols,
            order,
            sorted_points,
            leaf_starts,
            lower,
            upper,
            filtered,
            slack,
            panels,
            panel_low_norms,
            splits,
            root,
        }
    }

    /// Number of leaves.
    pub(crate) fn n_leaves(&self) -> usize {
        self.leaf_starts.len() - 1
    }

    /// The panels of leaf `leaf`: (first panel number, number of panels used).
    pub(crate) fn leaf_panels(&self, leaf: usize) -> (usize, usize) {
        let rows = self.leaf_starts[leaf + 1] - self.leaf_starts[leaf];
        (leaf * LEAF_PANELS, rows.div_ceil(LANES))
    }

    /// The row at `position` (in leaf order), exactly.
    pub(crate) fn row(&self, position: usize) -> &[f64] {
        &self.sorted_points[position * self.n_cols..(position + 1) * self.n_cols]
    }

    /// The leaf whose region holds `query`, following the splits: used only to
    /// order queries for cache locality, never for the result.
    pub(crate) fn home_leaf(&self, query: &[f64]) -> usize {
        let mut node = self.root;
        loop {
            match node {
                Node::Leaf(leaf) => return leaf,
                Node::Split(s) => {
                    let split = &self.splits[s];
                    node = if query[split.feature] < split.threshold { split.left } else { split.right };
                }
            }
        }
    }
}

/// Rows below which a subtree is partitioned on the current thread: smaller
/// jobs cost more to hand over than they take.
const PARALLEL_ROWS: usize = 32 * LEAF_ROWS;

/// A partitioned subtree: its splits in post-order (left subtree, right
/// subtree, then its own), the row count of each of its leaves in order, and
/// its root. Node numbers are local to the subtree until its parent merges it.
struct Subtree {
    splits: Vec<Split>,
    leaf_sizes: Vec<usize>,
    root: Node,
}

/// The training rows, row-major, as the partition reads them.
#[derive(Clone, Copy)]
struct Points<'a> {
    values: &'a [f64],
    n_cols: usize,
}

impl Points<'_> {
    fn value(self, row: usize, feature: usize) -> f64 {
        self.values[row * self.n_cols + feature]
    }

    /// Partitions `rows` (reordering them into leaf order) and returns the
    /// subtree. The two halves of a large split are partitioned in parallel;
    /// merging them in a fixed order makes the result the same as a sequential
    /// build, whatever the thread count.
    fn partition(self, rows: &mut [usize]) -> Subtree {
        let n = rows.len();
        if n <= LEAF_ROWS {
            return Subtree { splits: Vec::new(), leaf_sizes: vec![n], root: Node::Leaf(0) };
        }
        let feature = self.widest_feature(rows);
        // The left part gets a whole number of full leaves, half of them
        // (rounded down), so every leaf is full except the very last one.
        let left_n = LEAF_ROWS * (n.div_ceil(LEAF_ROWS) / 2);
        // Ordered by (value, row index): a total order, so the split is unique.
        rows.select_nth_unstable_by(left_n, |&a, &b| {
            self.value(a, feature).total_cmp(&self.value(b, feature)).then(a.cmp(&b))
        });
        let threshold = self.value(rows[left_n], feature);
        let (left_rows, right_rows) = rows.split_at_mut(left_n);
        let (left, right) = if n >= PARALLEL_ROWS {
            rayon::join(|| self.partition(left_rows), || self.partition(right_rows))
        } else {
            (self.partition(left_rows), self.partition(right_rows))
        };

        let Subtree { mut splits, mut leaf_sizes, root: left_root } = left;
        let (split_offset, leaf_offset) = (splits.len(), leaf_sizes.len());
        let shift = |node: Node| match node {
            Node::Split(s) => Node::Split(s + split_offset),
            Node::Leaf(l) => Node::Leaf(l + leaf_offset),
        };
        splits.extend(right.splits.into_iter().map(|s| Split { left: shift(s.left), right: shift(s.right), ..s }));
        leaf_sizes.extend(right.leaf_sizes);
        splits.push(Split { feature, threshold, left: left_root, right: shift(right.root) });
        Subtree { root: Node::Split(splits.len() - 1), splits, leaf_sizes }
    }

    /// The feature with the largest variance among `rows` (the first on ties).
    fn widest_feature(self, rows: &[usize]) -> usize {
        let n = rows.len() as f64;
        let mut means = vec![0.0; self.n_cols];
        for &r in rows {
            means.iter_mut().enumerate().for_each(|(j, m)| *m += self.value(r, j));
        }
        means.iter_mut().for_each(|m| *m /= n);
        let mut spread = vec![0.0; self.n_cols];
        for &r in rows {
            for (j, (s, m)) in spread.iter_mut().zip(&means).enumerate() {
                let d = self.value(r, j) - m;
                *s += d * d;
            }
        }
        let mut best = 0;
        for (j, &s) in spread.iter().enumerate() {
            if s > spread[best] {
                best = j;
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layout_is_the_same_whatever_the_thread_count_and_every_leaf_but_the_last_is_full() {
        // Enough rows for the top splits to run in parallel.
        let (n_rows, n_cols) = (20_000, 3);
        let points: Vec<f64> = (0..n_rows * n_cols).map(|i| ((i * 7919) % 10_007) as f64 / 101.0).collect();
        let build = |threads| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| Index::new(&points, n_cols))
        };
        let index = build(1);
        assert_eq!(build(4), index);

        let mut rows = index.order.clone();
        rows.sort_unstable();
        assert!(rows.into_iter().eq(0..n_rows), "every training row in exactly one leaf");
        assert_eq!(index.n_leaves(), n_rows.div_ceil(LEAF_ROWS));
        let sizes: Vec<usize> = index.leaf_starts.windows(2).map(|w| w[1] - w[0]).collect();
        assert!(sizes[..sizes.len() - 1].iter().all(|&s| s == LEAF_ROWS), "{sizes:?}");
    }
}
