//! Exact k-nearest-neighbour search: leaf pruning by bounding boxes, an f32
//! filter inside the leaves, exact f64 confirmation.
//!
//! # What "exact" means
//!
//! The distance between two (standardised, f64) rows is
//! `sum_j (a_j - b_j)^2` summed in f64 over the features in order: the value
//! scikit-learn's KD-tree computes. The k nearest neighbours of a query are the
//! first k training rows in the order (squared distance, training row index):
//! ties in distance go to the lower row index. The result never depends on the
//! leaf layout, the order in which rows are visited, how queries are grouped,
//! the thread count or the f32 arithmetic below: every row that can enter the k
//! best is compared in f64, and a row is skipped only when a certified lower
//! bound of its distance is strictly above the current k-th distance.
//!
//! # How it is fast
//!
//! Each query keeps a max-heap of its k best rows so far ([`TopK`]).
//!
//! 1. **Leaves.** For every leaf of the [`Index`], the distance from a query to
//!    the leaf's bounding box is a lower bound of its distance to any row of the
//!    leaf; computed with the same operations in the same order as the exact
//!    distance, it is never above it (rounding is monotonic). A query first
//!    visits the leaf nearest to it, then every leaf whose bound does not exceed
//!    its current k-th distance. On the study matrix (25 features) a query needs
//!    about a fifth of the leaves.
//! 2. **Inside a leaf**, an f32 microkernel computes the dot products of
//!    [`GROUP`] queries with a panel of [`LANES`] rows, vectorised by the
//!    compiler, and from them `||a||^2 + ||b||^2 - 2 a.b` minus a slack that
//!    covers every rounding error of the f32 path (see `index.rs`): a certified
//!    lower bound. Only rows whose bound is within a query's current k-th
//!    distance are compared exactly in f64.
//! 3. **Cache blocking.** Queries arrive in blocks of neighbouring rows (sorted
//!    by the leaf that contains them). A block walks the leaves once, and each
//!    leaf serves every group of the block that needs it while it is in cache.
//!    Blocks are the parallel work items; each query's result depends on that
//!    query alone.

use super::index::{F32_NORM_LIMIT, Index, low_norm};

/// Training rows per panel: the width of the microkernel's accumulators.
pub(crate) const LANES: usize = 16;

/// Query rows searched together.
pub(crate) const GROUP: usize = 2;

/// Query rows per parallel work item.
pub(crate) const QUERY_BLOCK: usize = 128;

/// `||row||^2`, summed in order.
pub(crate) fn squared_norm(row: &[f64]) -> f64 {
    row.iter().fold(0.0, |s, v| s + v * v)
}

/// The exact squared distance: the sum of squared differences in feature order.
pub(crate) fn squared_distance(a: &[f64], b: &[f64]) -> f64 {
    let mut sum = 0.0;
    for (x, y) in a.iter().zip(b) {
        let d = x - y;
        sum += d * d;
    }
    sum
}

/// `x` rounded up to f32 (to +inf beyond f32's range).
fn round_up(x: f64) -> f32 {
    let f = x as f32;
    if f64::from(f) < x { f.next_up() } else { f }
}

/// The k best training rows seen so far for one query: a max-heap on
/// (squared distance, row index), so the root is the current k-th neighbour.
#[derive(Debug, Clone)]
pub(crate) struct TopK {
    k: usize,
    heap: Vec<(f64, usize)>,
}

/// Whether `a` comes before `b` in neighbour order.
fn closer(a: (f64, usize), b: (f64, usize)) -> bool {
    a.0 < b.0 || (a.0 == b.0 && a.1 < b.1)
}

impl TopK {
    pub(crate) fn new(k: usize) -> Self {
        Self { k, heap: Vec::with_capacity(k) }
    }

    /// The k-th smallest distance so far, or infinity while fewer than k rows
    /// have been seen: a row farther than this cannot enter.
    pub(crate) fn bound(&self) -> f64 {
        if self.heap.len() < self.k { f64::INFINITY } else { self.heap[0].0 }
    }

    /// Offers a training row; keeps it if it is among the k closest so far.
    pub(crate) fn offer(&mut self, distance: f64, index: usize) {
        let item = (distance, index);
        if self.heap.len() < self.k {
            self.heap.push(item);
            let mut i = self.heap.len() - 1;
            while i > 0 {
                let parent = (i - 1) / 2;
                if !closer(self.heap[parent], self.heap[i]) {
                    break;
                }
                self.heap.swap(parent, i);
                i = parent;
            }
        } else if self.k > 0 && closer(item, self.heap[0]) {
            self.heap[0] = item;
            let n = self.heap.len();
            let mut i = 0;
            loop {
                let mut largest = i;
                for child in [2 * i + 1, 2 * i + 2] {
                    if child < n && closer(self.heap[largest], self.heap[child]) {
                        largest = child;
                    }
                }
                if largest == i {
                    break;
                }
                self.heap.swap(i, largest);
                i = largest;
            }
        }
    }

    /// The neighbours found, nearest first: (squared distance, row index).
    pub(crate) fn into_sorted(mut self) -> Vec<(f64, usize)> {
        self.heap.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        self.heap
    }
}

/// A group of up to [`GROUP`] queries searched together.
struct Group {
    /// Position of the group's first query in the block.
    start: usize,
    /// Number of queries in the group.
    len: usize,
    /// The group as the f32 filter sees it, when the filter is certified for it.
    filter: Option<FilterGroup>,
    /// The leaves visited first (the nearest to each query), skipped later.
    first_leaves: Vec<usize>,
}

/// A group of queries as the f32 filter sees them: values feature by feature,
/// half-bounds of the norms, and each query's current k-th distance rounded up
/// to f32 (-inf for padding, so that it never passes).
struct FilterGroup {
    values: Vec<[f32; GROUP]>,
    low_norms: [f32; GROUP],
    bounds: [f32; GROUP],
}

impl Index {
    /// The k nearest training rows of each of `queries` (standardised like the
    /// training rows), nearest first.
    ///
    /// The queries are searched in groups of [`GROUP`]; each group first visits
    /// the leaf nearest to each of its queries, then every leaf that one of its
    /// queries still needs, in leaf order. The block walks the leaves once, for
    /// all its groups, so that a leaf loaded into the cache serves every group
    /// of the block that needs it.
    pub(crate) fn search_block(&self, queries: &[&[f64]], k: usize) -> Vec<Vec<(f64, usize)>> {
        let n_leaves = self.n_leaves();
        let mut lower_bounds = vec![0.0; queries.len() * n_leaves];
        for (query, out) in queries.iter().zip(lower_bounds.chunks_exact_mut(n_leaves)) {
            self.leaf_lower_bounds(query, out);
        }
        let mut tops: Vec<TopK> = queries.iter().map(|_| TopK::new(k)).collect();
        let mut groups: Vec<Group> = (0..queries.len())
            .step_by(GROUP)
            .map(|start| {
                let len = GROUP.min(queries.len() - start);
                Group { start, len, filter: self.filter_group(&queries[start..start + len]), first_leaves: Vec::new() }
            })
            .collect();

        // The leaf nearest to each query first, for a tight k-th distance early.
        for group in &mut groups {
            let rows = group.start..group.start + group.len;
            for bounds in lower_bounds[rows.start * n_leaves..rows.end * n_leaves].chunks_exact(n_leaves) {
                let mut nearest = 0;
                for (leaf, &lb) in bounds.iter().enumerate() {
                    if lb < bounds[nearest] {
                        nearest = leaf;
                    }
                }
                if !group.first_leaves.contains(&nearest) {
                    group.first_leaves.push(nearest);
                    self.visit(&queries[rows.clone()], group.filter.as_mut(), nearest, &mut tops[rows.clone()]);
                }
            }
        }
        for leaf in 0..n_leaves {
            for group in &mut groups {
                // A leaf is needed when its bound does not exceed some query's
                // k-th distance (strictly above: a row at exactly the k-th
                // distance with a lower index would still enter).
                let rows = group.start..group.start + group.len;
                let needed = rows.clone().any(|q| lower_bounds[q * n_leaves + leaf] <= tops[q].bound());
                if needed && !group.first_leaves.contains(&leaf) {
                    self.visit(&queries[rows.clone()], group.filter.as_mut(), leaf, &mut tops[rows]);
                }
            }
        }
        tops.into_iter().map(TopK::into_sorted).collect()
    }

    /// The f32 form of a group of queries, or `None` when the filter is not
    /// certified for it (then its leaves are scanned exactly).
    fn filter_group(&self, queries: &[&[f64]]) -> Option<FilterGroup> {
        if !self.filtered || !queries.iter().all(|q| squared_norm(q) <= F32_NORM_LIMIT) {
            return None;
        }
        let mut group = FilterGroup {
            values: vec![[0.0; GROUP]; self.n_cols],
            low_norms: [0.0; GROUP],
            bounds: [f32::NEG_INFINITY; GROUP],
        };
        for (r, query) in queries.iter().enumerate() {
            for (j, &v) in query.iter().enumerate() {
                group.values[j][r] = v as f32;
            }
            group.low_norms[r] = low_norm(query, self.slack);
            group.bounds[r] = f32::INFINITY;
        }
        Some(group)
    }

    /// For each leaf, `sum_j gap_j^2` with `gap_j` the distance from `query_j`
    /// to the leaf's range of feature `j`: computed like the exact distance,
    /// term by term no larger, so never above the exact distance of any row in
    /// the leaf.
    fn leaf_lower_bounds(&self, query: &[f64], out: &mut [f64]) {
        let n_leaves = self.n_leaves();
        for (j, &a) in query.iter().enumerate() {
            let lower = &self.lower[j * n_leaves..(j + 1) * n_leaves];
            let upper = &self.upper[j * n_leaves..(j + 1) * n_leaves];
            for ((lb, &lo), &hi) in out.iter_mut().zip(lower).zip(upper) {
                let below = lo - a;
                let above = a - hi;
                let gap = if below > above { below } else { above };
                let gap = if gap > 0.0 { gap } else { 0.0 };
                *lb += gap * gap;
            }
        }
    }

    /// Offers every row of `leaf` that may enter a query's k best.
    fn visit(&self, queries: &[&[f64]], filter: Option<&mut FilterGroup>, leaf: usize, tops: &mut [TopK]) {
        let n_cols = self.n_cols;
        let (start, end) = (self.leaf_starts[leaf], self.leaf_starts[leaf + 1]);
        let Some(filter) = filter else {
            for (query, top) in queries.iter().zip(tops.iter_mut()) {
                for position in start..end {
                    top.offer(squared_distance(query, self.row(position)), self.order[position]);
                }
            }
            return;
        };
        let (first_panel, n_panels) = self.leaf_panels(leaf);
        for p in 0..n_panels {
            let panel = first_panel + p;
            let dots = panel_dots(&filter.values, &self.panels[panel * n_cols..(panel + 1) * n_cols]);
            let lows = lower_bounds_f32(&dots, &filter.low_norms, &self.panel_low_norms[panel]);
            if !any_within(&lows, &filter.bounds) {
                continue;
            }
            for (r, (query, top)) in queries.iter().zip(tops.iter_mut()).enumerate() {
                for (lane, &low) in lows[r].iter().enumerate() {
                    let position = start + p * LANES + lane;
                    if low > filter.bounds[r] || position >= end {
                        continue;
                    }
                    top.offer(squared_distance(query, self.row(position)), self.order[position]);
                    filter.bounds[r] = round_up(top.bound());
                }
            }
        }
    }
}

/// Dot products of a group of queries with a panel of training rows, both given
/// feature by feature. Fixed-size arrays, so that the compiler keeps the
/// accumulators in vector registers.
#[inline(always)]
fn panel_dots(queries: &[[f32; GROUP]], panel: &[[f32; LANES]]) -> [[f32; LANES]; GROUP] {
    let mut acc = [[0.0f32; LANES]; GROUP];
    for (a, b) in queries.iter().zip(panel) {
        for r in 0..GROUP {
            for lane in 0..LANES {
                acc[r][lane] += a[r] * b[lane];
            }
        }
    }
    acc
}

/// Certified lower bounds of the squared distances, from the dot products.
#[inline(always)]
fn lower_bounds_f32(
    dots: &[[f32; LANES]; GROUP],
    query_low: &[f32; GROUP],
    panel_low: &[f32; LANES],
) -> [[f32; LANES]; GROUP] {
    let mut out = [[0.0f32; LANES]; GROUP];
    for r in 0..GROUP {
        for lane in 0..LANES {
            out[r][lane] = (query_low[r] + panel_low[lane]) - 2.0 * dots[r][lane];
        }
    }
    out
}

/// Whether any lower bound is within its query's current k-th distance.
#[inline(always)]
fn any_within(lows: &[[f32; LANES]; GROUP], bounds: &[f32; GROUP]) -> bool {
    let mut any = false;
    for (row, &bound) in lows.iter().zip(bounds) {
        for &low in row {
            any |= low <= bound;
        }
    }
    any
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference: every distance in f64, sorted by (distance, index).
    fn brute_force(points: &[f64], query: &[f64], n_cols: usize, k: usize) -> Vec<(f64, usize)> {
        let mut all: Vec<(f64, usize)> =
            points.chunks_exact(n_cols).enumerate().map(|(i, p)| (squared_distance(query, p), i)).collect();
        all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        all.truncate(k);
        all
    }

    /// A small deterministic generator (xorshift), so these tests need no
    /// dependency; values in [-1, 1) on a coarse grid when `grid`, to make ties.
    fn values(n: usize, seed: u64, grid: bool) -> Vec<f64> {
        let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                let v = (s >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0;
                if grid { (v * 4.0).round() / 4.0 } else { v }
            })
            .collect()
    }

    /// Searches in blocks of 7 consecutive queries (groups of [`GROUP`] and a
    /// partial one).
    fn search_all(points: &[f64], queries: &[f64], n_cols: usize, k: usize) -> Vec<Vec<(f64, usize)>> {
        let index = Index::new(points, n_cols);
        let rows: Vec<&[f64]> = queries.chunks_exact(n_cols).collect();
        rows.chunks(7).flat_map(|block| index.search_block(block, k)).collect()
    }

    #[test]
    fn top_k_keeps_the_k_closest_with_ties_to_the_lower_index() {
        let mut top = TopK::new(3);
        for (d, i) in [(5.0, 0), (1.0, 1), (3.0, 2), (1.0, 3), (3.0, 4), (0.5, 5), (3.0, 6)] {
            top.offer(d, i);
        }
        assert_eq!(top.into_sorted(), vec![(0.5, 5), (1.0, 1), (1.0, 3)]);
        // Ties at the k-th place go to the lower index, whatever the order offered.
        let mut top = TopK::new(2);
        for (d, i) in [(2.0, 9), (1.0, 4), (2.0, 7), (2.0, 8)] {
            top.offer(d, i);
        }
        assert_eq!(top.into_sorted(), vec![(1.0, 4), (2.0, 7)]);
    }

    #[test]
    fn search_equals_brute_force() {
        let cases = [
            (1000, 25, 300, 5, false),
            (1000, 6, 200, 9, true),
            (37, 3, 9, 37, false),
            (523, 1, 131, 7, true),
            (64, 10, 5, 1, false),
            (300, 2, 100, 70, true),
        ];
        for (n_rows, n_cols, n_queries, k, grid) in cases {
            let mut points = values(n_rows * n_cols, 1 + n_rows as u64, grid);
            // Duplicated rows (ties) and an outlier with a large norm.
            points.copy_within(0..n_cols * 5, n_cols * 10);
            points[n_cols * 20] = 1e6;
            let mut queries = values(n_queries * n_cols, 7 + n_cols as u64, grid);
            queries[..n_cols].copy_from_slice(&points[..n_cols]);
            let found = search_all(&points, &queries, n_cols, k);
            for (q, (query, found)) in queries.chunks_exact(n_cols).zip(found).enumerate() {
                assert_eq!(found, brute_force(&points, query, n_cols, k), "{n_rows} x {n_cols}, k = {k}, query {q}");
            }
        }
    }

    #[test]
    fn exact_ties_at_the_kth_place_go_to_the_lower_index() {
        // Training rows on the unit circle around the query at the origin: all at
        // distance 1 exactly (coordinates +-1 and 0), then one closer row.
        let points = [1.0, 0.0, 0.0, 1.0, -1.0, 0.0, 0.0, -1.0, 0.5, 0.0];
        assert_eq!(search_all(&points, &[0.0, 0.0], 2, 3), vec![vec![(0.25, 4), (1.0, 0), (1.0, 1)]]);
    }

    #[test]
    fn huge_norms_fall_back_to_exact_distances() {
        let points = [1e20, 0.0, 0.0, 1.0, 2.0, 2.0];
        assert!(!Index::new(&points, 2).filtered);
        assert_eq!(search_all(&points, &[0.0, 0.0], 2, 2), vec![vec![(1.0, 1), (8.0, 2)]]);
        // A huge query against a filtered index is searched exactly too.
        let points = [0.0, 0.0, 0.0, 1.0, 2.0, 2.0];
        assert!(Index::new(&points, 2).filtered);
        assert_eq!(search_all(&points, &[1e20, 0.0], 2, 1), vec![vec![(1e40, 0)]]);
    }
}
