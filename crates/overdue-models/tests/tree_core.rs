//! The histogram tree core, specified on small hand-made cases: binning,
//! histograms and the subtraction trick, split finding (missing values,
//! constraints), leaf values, growth orders, prediction and the input checks.

use crate::support::with_threads;
use overdue_features::{MatrixView, Samples};
use overdue_models::tree::{
    BinMapper, BinStats, BinnedMatrix, FlatTree, GradHess, GradHessSums, GrowerParams, Growth, Histogram, NodeRows,
    PackedForest, SplitParams, TreeGrower, best_split,
};
use overdue_models::{MissingValues, ModelError, check_features, check_training};

/// A deterministic pseudo-random sequence in [0, 1) (xorshift), so that these
/// tests need no RNG crate.
fn uniform(seed: u64, n: usize) -> Vec<f64> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        })
        .collect()
}

/// Gradients of the log loss at score 0 (p = 0.5): `0.5 - y`, hessian 0.25.
/// Both are exact in binary, so sums are exact too.
fn logloss_stats_at_zero(labels: &[bool]) -> Vec<GradHess> {
    labels.iter().map(|&y| GradHess { g: if y { -0.5 } else { 0.5 }, h: 0.25 }).collect()
}

/// Gradient pairs that vary from row to row (multiples of 1/16, so sums are
/// exact), so that every node of a few rows can still be split.
fn varied_stats(labels: &[bool]) -> Vec<GradHess> {
    labels
        .iter()
        .enumerate()
        .map(|(i, &y)| GradHess {
            g: if y { -0.75 } else { 0.5 } + (i % 5) as f32 / 16.0,
            h: 0.125 + (i % 3) as f32 / 8.0,
        })
        .collect()
}

fn one_column(values: &[f32]) -> MatrixView<'_> {
    MatrixView::new(values, 1).unwrap()
}

/// Grows one tree on a single feature, from all rows.
fn grow_one_column(values: &[f32], stats: &[GradHess], params: GrowerParams) -> FlatTree {
    let data = BinnedMatrix::fit(&one_column(values), 255);
    TreeGrower::new(&data, params).grow(stats, NodeRows::All, &[0], 0)
}

/// At most `num_leaves` leaves of at least `min_data_in_leaf` rows each, the
/// other settings at their defaults: the constraints most cases vary.
fn leaves_of_at_least(num_leaves: usize, min_data_in_leaf: u32) -> GrowerParams {
    GrowerParams {
        num_leaves,
        split: SplitParams { min_data_in_leaf, ..SplitParams::default() },
        ..GrowerParams::default()
    }
}

/// 300 rows of one feature, values 0..99 three times each (a bin needs three
/// rows, as in LightGBM), late exactly when the value is 50 or more.
fn separable_at_fifty() -> (Vec<f32>, Vec<bool>) {
    let values: Vec<f32> = (0..300).map(|i| (i / 3) as f32).collect();
    let labels: Vec<bool> = (0..300).map(|i| i / 3 >= 50).collect();
    (values, labels)
}

/// Split finding with L2 regularisation `lambda_l2` and otherwise no
/// constraint (no minimum child hessian, one row per leaf allowed), so that
/// the gain alone decides unless a case adds a constraint.
fn unconstrained(lambda_l2: f64) -> SplitParams {
    SplitParams { lambda_l2, min_child_weight: 0.0, min_data_in_leaf: 1, ..SplitParams::default() }
}

/// Bin bounds 0.5, 1.5 and 2.5 (four value bins, no missing bin), for split
/// finding on hand-made histograms.
fn four_bins() -> BinMapper {
    BinMapper::from_bounds(vec![0.5, 1.5, 2.5], false).unwrap()
}

#[test]
fn few_distinct_values_get_one_bin_each_with_edges_between_them() {
    // As LightGBM: zero (within 1e-35) has a bin of its own, here empty, then
    // one bin per distinct value.
    let values: Vec<f32> = [1.0, 2.0, 4.0, 8.0].iter().flat_map(|&v| [v; 5]).collect();
    let mapper = BinMapper::fit(&values, 255);
    assert_eq!(mapper.n_value_bins(), 5);
    assert!(!mapper.has_missing());
    assert_eq!(mapper.upper_bounds()[0], 1e-35);
    for (edge, (below, above)) in mapper.upper_bounds()[1..].iter().zip([(1.0, 2.0), (2.0, 4.0), (4.0, 8.0)]) {
        assert!(below <= *edge && *edge < above, "edge {edge} must separate {below} from {above}");
    }
    assert_eq!([0.0, 1.0, 2.0, 4.0, 8.0, 100.0, -3.0].map(|v| mapper.bin(v)), [0, 1, 2, 3, 4, 4, 0]);
}

#[test]
fn zero_has_its_own_bin_between_negative_and_positive_values() {
    let values: Vec<f32> = [-2.0, -1.0, 0.0, 1.0, 2.0].iter().flat_map(|&v| [v; 4]).collect();
    let mapper = BinMapper::fit(&values, 255);
    assert_eq!(mapper.upper_bounds(), [-1.5, -1e-35, 1e-35, 1.5]);
    assert_eq!([-2.0, -1.0, -1e-36, 0.0, 1e-36, 1.0, 2.0].map(|v| mapper.bin(v)), [0, 1, 2, 2, 2, 3, 4]);
    // With few bins, negative and positive values share them by rows: 2 of 4.
    let mapper = BinMapper::fit(&values, 5);
    assert_eq!(mapper.n_value_bins(), 5);
}

#[test]
fn values_seen_fewer_than_three_times_share_a_bin_with_their_upper_neighbour() {
    // LightGBM's min_data_in_bin = 3.
    let values = [1.0, 2.0, 2.0, 2.0, 3.0, 3.0, 3.0];
    let mapper = BinMapper::fit(&values, 255);
    assert_eq!(mapper.bin(1.0), mapper.bin(2.0));
    assert_ne!(mapper.bin(2.0), mapper.bin(3.0));
}

#[test]
fn many_distinct_values_are_cut_into_at_most_max_bins_quantiles() {
    // Positive values: bin 0 is the (empty) zero bin, the others hold about
    // as many rows each.
    let values: Vec<f32> = uniform(1, 10_000).iter().map(|&u| (1.0 + u * 1e6) as f32).collect();
    for max_bins in [3, 16, 255] {
        let mapper = BinMapper::fit(&values, max_bins);
        assert!(mapper.n_value_bins() <= max_bins && mapper.n_value_bins() >= max_bins - 1, "{max_bins}");
        let mut counts = vec![0usize; mapper.n_bins()];
        values.iter().for_each(|&v| counts[usize::from(mapper.bin(v))] += 1);
        assert_eq!(counts[0], 0);
        let expected = values.len() / (mapper.n_value_bins() - 1);
        assert!(counts[1..].iter().all(|&c| c > expected / 2 && c < expected * 2), "{max_bins}: {counts:?}");
    }
}

#[test]
fn a_bin_threshold_and_its_raw_threshold_agree_on_every_value() {
    // bin(x) <= t  <=>  x <= threshold(t): what lets trees grown on bins
    // predict on raw values.
    let mut values: Vec<f32> = uniform(2, 3000).iter().map(|&u| ((u - 0.3) * 50.0).powi(3) as f32).collect();
    values.extend([0.0, -0.0, 1e-38, -1e-38, f32::MAX, -f32::MAX]);
    let mapper = BinMapper::fit(&values, 64);
    for t in 0..mapper.n_value_bins() as u8 {
        for &x in &values {
            assert_eq!(mapper.bin(x) <= t, x <= mapper.threshold(t), "x = {x}, bin threshold {t}");
        }
    }
}

#[test]
fn nan_gets_a_missing_bin_after_the_value_bins_only_when_present() {
    let values = [1.0, 1.0, 1.0, f32::NAN, 2.0, 2.0, 2.0];
    let mapper = BinMapper::fit(&values, 255);
    assert!(mapper.has_missing());
    assert_eq!(mapper.n_value_bins(), 3, "zero, 1 and 2");
    assert_eq!(mapper.n_bins(), 4);
    assert_eq!(mapper.bin(f32::NAN), 3);
    assert_eq!(mapper.missing_bin(), 3);
    let without = BinMapper::fit(&[1.0, 2.0], 255);
    assert!(!without.has_missing());
    assert_eq!(without.n_bins(), without.n_value_bins());
}

#[test]
fn bin_zero_is_lightgbms_most_frequent_bin_when_it_holds_zero_or_most_rows() {
    // LightGBM's most_freq_bin: the bin of 0 unless another bin holds at
    // least 70% of the sampled rows.
    let first_is_most_frequent = |values: &[f32]| BinMapper::fit(values, 255).first_bin_is_most_frequent();
    let zero_to_99: Vec<f32> = (0..100).map(|v| v as f32).collect();
    assert!(first_is_most_frequent(&zero_to_99), "0 falls in bin 0");
    let around_zero: Vec<f32> = (-50..50).map(|v| v as f32).collect();
    assert!(!first_is_most_frequent(&around_zero), "0 falls in a middle bin, and no bin holds 70%");
    let mostly_negative: Vec<f32> = [-1.0; 80].into_iter().chain((1..=20).map(|v| v as f32)).collect();
    assert!(first_is_most_frequent(&mostly_negative), "bin 0 holds 80% of the rows");
    let mostly_missing: Vec<f32> = [f32::NAN; 80].into_iter().chain((-10..10).map(|v| v as f32)).collect();
    assert!(!first_is_most_frequent(&mostly_missing), "the missing bin holds 80% of the rows");
}

#[test]
fn a_constant_feature_cannot_be_split() {
    let values = [3.0_f32; 10];
    let data = BinnedMatrix::fit(&one_column(&values), 255);
    assert!(data.splittable_features().is_empty());
    let with_missing = [3.0, f32::NAN, 3.0];
    assert_eq!(BinnedMatrix::fit(&one_column(&with_missing), 255).splittable_features(), [0]);
}

#[test]
fn binned_matrix_stores_each_value_bin_row_and_column_wise() {
    let values: Vec<f32> = uniform(3, 300).iter().map(|&u| (u * 10.0).floor() as f32).collect();
    let view = MatrixView::new(&values, 3).unwrap();
    let data = BinnedMatrix::fit(&view, 255);
    assert_eq!((data.n_rows(), data.n_features()), (100, 3));
    for i in 0..100 {
        for j in 0..3 {
            let expected = data.mappers()[j].bin(values[i * 3 + j]);
            assert_eq!(data.bin(i, j), expected);
            assert_eq!(data.row(i)[j], expected);
            assert_eq!(data.column(j)[i], expected);
        }
    }
}

/// 200 rows, 4 features (one with NaN), labels depending on two of them;
/// with the rows binned (255 bins at most).
fn small_problem() -> (Vec<f32>, Vec<bool>, BinnedMatrix) {
    let u = uniform(4, 800);
    let mut values = Vec::new();
    let mut labels = Vec::new();
    for i in 0..200 {
        let (a, b, c, d) = (u[4 * i], u[4 * i + 1], u[4 * i + 2], u[4 * i + 3]);
        let c = if c < 0.2 { f32::NAN } else { (c * 7.0).floor() as f32 };
        values.extend([a as f32, (b * 3.0).floor() as f32, c, d as f32]);
        labels.push(a + 0.3 * b > 0.6 || c.is_nan());
    }
    let data = BinnedMatrix::fit(&MatrixView::new(&values, 4).unwrap(), 255);
    (values, labels, data)
}

#[test]
fn histogram_subtraction_equals_building_the_sibling_directly() {
    let (_, labels, data) = small_problem();
    let stats = logloss_stats_at_zero(&labels);
    let features = [0, 1, 2, 3];
    let left: Vec<u32> = (0..200).filter(|i| i % 3 == 0).collect();
    let right: Vec<u32> = (0..200).filter(|i| i % 3 != 0).collect();
    let gather = |rows: &[u32]| rows.iter().map(|&r| stats[r as usize]).collect::<Vec<_>>();

    let mut parent: Histogram = Histogram::new(&data);
    parent.build(&data, NodeRows::All, &stats, &features);
    let mut child = Histogram::new(&data);
    child.build(&data, NodeRows::Subset(&left), &gather(&left), &features);
    let mut sibling = Histogram::new(&data);
    sibling.build(&data, NodeRows::Subset(&right), &gather(&right), &features);

    parent.subtract(&data, &child, &features);
    assert_eq!(parent, sibling, "parent - left must equal right, bin for bin");
}

#[test]
fn a_histogram_sums_gradients_hessians_and_counts_per_bin() {
    let values = [0.0_f32, 0.0, 0.0, 1.0, 1.0, 1.0, f32::NAN];
    let labels = [true, false, true, false, false, false, true];
    let data = BinnedMatrix::fit(&one_column(&values), 255);
    let stats = logloss_stats_at_zero(&labels);
    let mut histogram: Histogram = Histogram::new(&data);
    histogram.build(&data, NodeRows::All, &stats, &[0]);
    assert_eq!(
        histogram.feature(&data, 0),
        [BinStats { g: -0.5, h: 0.75, n: 3 }, BinStats { g: 1.5, h: 0.75, n: 3 }, BinStats { g: -0.5, h: 0.25, n: 1 },]
    );
}

#[test]
fn histograms_do_not_depend_on_the_number_of_threads() {
    // 50,000 rows: the whole node and the 1/7 subset are cut into row chunks,
    // the 1/50 subset (1,000 rows) is built in one piece.
    let u = uniform(5, 300_000);
    let values: Vec<f32> = u.iter().map(|&x| (x * 1000.0).floor() as f32).collect();
    let view = MatrixView::new(&values, 6).unwrap();
    let data = BinnedMatrix::fit(&view, 255);
    let stats: Vec<GradHess> = u.iter().take(50_000).map(|&x| GradHess { g: (x - 0.5) as f32, h: 0.1 }).collect();
    let features = [0, 1, 2, 3, 4, 5];
    for every in [1, 7, 50] {
        let rows: Vec<u32> = (0..50_000).filter(|i| i % every == 0).collect();
        let ordered: Vec<GradHess> = rows.iter().map(|&r| stats[r as usize]).collect();
        let build = |threads: usize| {
            with_threads(threads, || {
                let mut h: Histogram = Histogram::new(&data);
                h.build(&data, NodeRows::Subset(&rows), &ordered, &features);
                h
            })
        };
        let one = build(1);
        assert_eq!(one, build(2), "1/{every} of the rows");
        assert_eq!(one, build(5), "1/{every} of the rows");
        // And the counts add up.
        let total: u32 = one.feature(&data, 0).iter().map(|b| b.n).sum();
        assert_eq!(total as usize, rows.len());
        // Some features only, consecutive or not, give those features' bins
        // of the whole histogram, bit for bit.
        for some in [&[2, 3][..], &[1, 4], &[5]] {
            let mut part: Histogram = Histogram::new(&data);
            part.build(&data, NodeRows::Subset(&rows), &ordered, some);
            for &j in some {
                assert_eq!(part.feature(&data, j), one.feature(&data, j), "1/{every} of the rows, features {some:?}");
            }
        }
    }
}

#[test]
fn a_perfectly_separable_feature_splits_between_the_classes() {
    // Late exactly when x >= 50: the root split must fall between 49 and 50.
    let (values, labels) = separable_at_fifty();
    let tree = grow_one_column(&values, &logloss_stats_at_zero(&labels), leaves_of_at_least(2, 1));
    assert_eq!(tree.n_splits(), 1);
    let threshold = tree.thresholds()[0];
    assert!((49.0..50.0).contains(&threshold), "threshold {threshold}");
    assert_eq!(tree.leaf_counts(), [150, 150]);
    // Leaves: -G/H = -(150 * 0.5) / (150 * 0.25) = -2 for on-time, +2 for late.
    assert_eq!(tree.leaf_values(), [-2.0, 2.0]);
    for (x, y) in values.iter().zip(&labels) {
        assert_eq!(tree.predict_row(&[*x]) > 0.0, *y);
    }
}

#[test]
fn the_best_split_has_the_gain_of_lightgbm_and_children_sums() {
    // Bins 0..3 with (G, H, n); lambda = 1. Split after bin 1:
    // left (G, H) = (-2, 2), right (3, 2), parent (1, 4).
    let mapper = four_bins();
    let histogram = [
        BinStats { g: -1.0, h: 1.0, n: 4 },
        BinStats { g: -1.0, h: 1.0, n: 4 },
        BinStats { g: 1.0, h: 1.0, n: 4 },
        BinStats { g: 2.0, h: 1.0, n: 4 },
    ];
    let total = BinStats { g: 1.0, h: 4.0, n: 16 };
    let params = unconstrained(1.0);
    let split = best_split(7, &histogram, &mapper, total, &params).unwrap();
    assert_eq!((split.feature, split.bin), (7, 1));
    let expected = 4.0 / 3.0 + 9.0 / 3.0 - 1.0 / 5.0;
    assert!((split.gain - expected).abs() < 1e-12, "{} vs {expected}", split.gain);
    assert_eq!(split.left, BinStats { g: -2.0, h: 2.0, n: 8 });
    assert_eq!(split.right, BinStats { g: 3.0, h: 2.0, n: 8 });
    assert_eq!(params.leaf_value(split.left), 2.0 / 3.0);
    assert_eq!(params.leaf_value(split.right), -1.0);
}

#[test]
fn split_constraints_are_enforced() {
    let mapper = four_bins();
    let histogram = [
        BinStats { g: -3.0, h: 1.0, n: 2 },
        BinStats { g: -1.0, h: 1.0, n: 10 },
        BinStats { g: 1.0, h: 1.0, n: 10 },
        BinStats { g: 3.0, h: 0.5, n: 2 },
    ];
    let total = BinStats { g: 0.0, h: 3.5, n: 24 };
    let base = unconstrained(0.0);
    // Gains G_L^2/H_L + G_R^2/H_R: 9 + 3.6 after bin 0, 8 + 10.7 after bin 1,
    // 3 + 18 after bin 2.
    let best = best_split(0, &histogram, &mapper, total, &base).unwrap();
    assert_eq!(best.bin, 2);
    assert!((best.gain - 21.0).abs() < 1e-12);
    // The outer bins hold 2 rows: with 3 per leaf, only the middle cut is left.
    let min_data = SplitParams { min_data_in_leaf: 3, ..base };
    assert_eq!(best_split(0, &histogram, &mapper, total, &min_data).unwrap().bin, 1);
    let min_data = SplitParams { min_data_in_leaf: 13, ..base };
    assert!(best_split(0, &histogram, &mapper, total, &min_data).is_none());
    // The right side of the cut after bin 2 holds a hessian of 0.5 only.
    let right_heavy = [histogram[3], histogram[2], histogram[1], histogram[0]];
    let min_weight = SplitParams { min_child_weight: 0.6, ..base };
    let split = best_split(0, &right_heavy, &mapper, total, &min_weight).unwrap();
    assert!(split.left.h >= 0.6 && split.right.h >= 0.6);
    // No cut gains more than 21.
    let gain_floor = SplitParams { min_split_gain: 100.0, ..base };
    assert!(best_split(0, &histogram, &mapper, total, &gain_floor).is_none());
}

#[test]
fn without_counts_rows_are_estimated_from_hessians_as_lightgbm_does() {
    // Four rows with hessians 1.4, 1.4 and 1.2 in three bins: each bin's rows
    // are estimated as round(h * 4 / 4) = 1. A scan that accumulates the left
    // side counts right rows up and takes the left as the rest (LightGBM's
    // reverse scan): after bin 0 that is 4 - 2 = 2 rows left, 2 right.
    let mapper = four_bins();
    let sums = |g: f64, h: f64| GradHessSums { g, h };
    let histogram = [sums(-1.0, 1.4), sums(0.0, 1.4), sums(1.0, 1.2)];
    let total = BinStats { g: 0.0, h: 4.0, n: 4 };
    let params = SplitParams { min_data_in_leaf: 2, ..unconstrained(0.0) };
    let split = best_split(0, &histogram, &mapper, total, &params).unwrap();
    assert_eq!(split.bin, 0);
    assert_eq!((split.left.n, split.right.n), (2, 2));
    // After bin 1: 3 rows left and 1 right, below min_data_in_leaf.
    let split_late = best_split(0, &[sums(0.0, 1.4), sums(-1.0, 1.4), sums(1.0, 1.2)], &mapper, total, &params);
    assert!(split_late.is_none(), "{split_late:?}");
    // Counted rows decide by the counts: a one-row bin 0 cannot be a leaf.
    let counted =
        [BinStats { g: -1.0, h: 1.4, n: 1 }, BinStats { g: 0.0, h: 1.4, n: 1 }, BinStats { g: 1.0, h: 1.2, n: 2 }];
    assert_eq!(best_split(0, &counted, &mapper, total, &params).unwrap().bin, 1);
}

#[test]
fn estimated_counts_that_overcount_leave_the_rest_negative_as_lightgbm_does() {
    // Four rows, hessians 1.2, 1.2 and 0.6 in three bins: the estimates are
    // round(1.6) = 2, 2 and round(0.8) = 1, five rows for a node of four.
    // LightGBM's reverse scan counts the right side up and takes the left as
    // 4 minus it: after bin 1, 1 row right and 3 left, so the cut that
    // isolates the on-time bin 2 is allowed with min_data_in_leaf = 1. Had
    // the rows outside the value bins been clamped at 0 instead of -1, the
    // left side would count 4 and the right 0.
    let mapper = four_bins();
    let sums = |g: f64, h: f64| GradHessSums { g, h };
    let histogram = [sums(-1.0, 1.2), sums(-1.0, 1.2), sums(2.0, 0.6)];
    let total = BinStats { g: 0.0, h: 3.0, n: 4 };
    let params = SplitParams { min_data_in_leaf: 1, ..unconstrained(0.0) };
    let split = best_split(0, &histogram, &mapper, total, &params).unwrap();
    assert_eq!(split.bin, 1);
    assert_eq!((split.left.n, split.right.n), (3, 1));
}

#[test]
fn where_lightgbm_leaves_bin_zero_out_its_rows_are_the_rest_of_the_node() {
    // Values 0, 1, 2 and NaN: bin 0 (holding 0) is LightGBM's most_freq_bin,
    // left out of its histograms. In a node of 4 rows, hessians 0.6, 1.2,
    // 0.6 and 0.6 estimate 1, 2, 1 and 1 rows (five in all), so bin 0 holds
    // 4 - 4 = 0 rows, not 1: scanning with missing rows on the right,
    // the cut that isolates the late bin 0 (gain 10.1 had it 1 row) is not
    // allowed, and the best split puts bins 0 and 1 (2 rows) left, bin 2 and
    // the missing rows (2 rows) right.
    let mapper = BinMapper::fit(&[0.0, 1.0, 2.0, f32::NAN].repeat(3), 255);
    assert!(mapper.first_bin_is_most_frequent() && mapper.has_missing() && mapper.n_value_bins() == 3);
    let sums = |g: f64, h: f64| GradHessSums { g, h };
    let histogram = [sums(-2.0, 0.6), sums(1.0, 1.2), sums(1.0, 0.6), sums(1.0, 0.6)];
    let total = BinStats { g: 1.0, h: 3.0, n: 4 };
    let split = best_split(0, &histogram, &mapper, total, &unconstrained(0.0)).unwrap();
    assert_eq!((split.bin, split.default_left), (1, false));
    assert_eq!((split.left.n, split.right.n), (2, 2));
    let expected_gain = 1.0 / 1.8 + 4.0 / 1.2 - 1.0 / 3.0;
    assert!((split.gain - expected_gain).abs() < 1e-12, "{} vs {expected_gain}", split.gain);
}

#[test]
fn missing_values_go_to_the_side_that_gains_more() {
    // Values 0..9: late when x >= 5. Missing rows are late in one case and
    // on time in the other; they must join the matching side.
    let mut values: Vec<f32> = (0..10).flat_map(|v| [v as f32; 4]).collect();
    values.extend([f32::NAN; 8]);
    let labels_for = |missing_late: bool| -> Vec<bool> {
        (0..40).map(|i| i / 4 >= 5).chain(std::iter::repeat_n(missing_late, 8)).collect()
    };
    for missing_late in [true, false] {
        let stats = logloss_stats_at_zero(&labels_for(missing_late));
        let tree = grow_one_column(&values, &stats, leaves_of_at_least(2, 1));
        assert!((4.0..5.0).contains(&tree.thresholds()[0]));
        // Late rows end on the right (x >= 5).
        assert_eq!(tree.default_left()[0], !missing_late, "missing late: {missing_late}");
        assert_eq!(tree.leaf_counts(), if missing_late { [20, 28] } else { [28, 20] });
        assert_eq!(tree.predict_row(&[f32::NAN]) > 0.0, missing_late);
    }
}

#[test]
fn missing_and_not_missing_is_a_split_of_its_own() {
    // Every value is on time, every missing row late: the only useful split
    // sends all values left and missing right.
    let mut values: Vec<f32> = (0..30).map(|v| v as f32).collect();
    values.extend([f32::NAN; 10]);
    let labels: Vec<bool> = (0..40).map(|i| i >= 30).collect();
    let tree = grow_one_column(&values, &logloss_stats_at_zero(&labels), leaves_of_at_least(2, 5));
    assert_eq!(tree.leaf_counts(), [30, 10]);
    assert!(!tree.default_left()[0]);
    assert!(tree.predict_row(&[1e30]) < 0.0 && tree.predict_row(&[f32::NAN]) > 0.0);
}

#[test]
fn missing_values_unseen_at_training_follow_the_larger_child() {
    let values: Vec<f32> = (0..120).map(|i| (i / 3) as f32).collect();
    for (late_from, larger_left) in [(30, true), (10, false)] {
        let labels: Vec<bool> = (0..120).map(|i| i / 3 >= late_from).collect();
        let tree = grow_one_column(&values, &logloss_stats_at_zero(&labels), leaves_of_at_least(2, 1));
        assert_eq!(tree.leaf_counts()[0], 3 * late_from);
        assert_eq!(tree.default_left()[0], larger_left);
    }
}

#[test]
fn leaf_values_are_minus_g_over_h_plus_lambda_of_their_rows() {
    let (values, labels, data) = small_problem();
    let stats = varied_stats(&labels);
    let lambda = 0.5;
    let params = GrowerParams {
        num_leaves: 6,
        split: SplitParams { lambda_l2: lambda, min_data_in_leaf: 5, ..SplitParams::default() },
        ..GrowerParams::default()
    };
    let mut grower = TreeGrower::new(&data, params);
    let tree = grower.grow(&stats, NodeRows::All, &[0, 1, 2, 3], 0);
    assert_eq!(tree.n_leaves(), 6);
    let mut covered = 0;
    for (leaf, rows) in grower.leaf_rows().enumerate() {
        let g: f64 = rows.iter().map(|&r| f64::from(stats[r as usize].g)).sum();
        let h: f64 = rows.iter().map(|&r| f64::from(stats[r as usize].h)).sum();
        assert!((tree.leaf_values()[leaf] - (-g / (h + lambda))).abs() < 1e-12, "leaf {leaf}");
        assert_eq!(tree.leaf_counts()[leaf] as usize, rows.len());
        for &r in rows {
            assert_eq!(tree.leaf_index(&values[r as usize * 4..r as usize * 4 + 4]), leaf, "row {r}");
            assert_eq!(tree.leaf_index_binned(&data, r as usize), leaf, "row {r} (bins)");
        }
        covered += rows.len();
    }
    assert_eq!(covered, 200);
}

#[test]
fn growth_respects_num_leaves_and_max_depth() {
    let (_, labels, data) = small_problem();
    let stats = varied_stats(&labels);
    let split = SplitParams { min_data_in_leaf: 2, ..SplitParams::default() };
    for growth in [Growth::LeafWise, Growth::DepthWise] {
        for (num_leaves, max_depth) in [(2, None), (5, None), (31, Some(2)), (8, Some(3)), (4, Some(1))] {
            let params = GrowerParams { num_leaves, max_depth, growth, split, features_per_node: None };
            let tree = TreeGrower::new(&data, params).grow(&stats, NodeRows::All, &[0, 1, 2, 3], 0);
            assert!(tree.n_leaves() <= num_leaves, "{growth:?} {num_leaves} {max_depth:?}");
            assert!(max_depth.is_none_or(|d| tree.depth() <= d), "{growth:?} {num_leaves} {max_depth:?}");
            assert_eq!(tree.n_leaves(), num_leaves.min(max_depth.map_or(usize::MAX, |d| 1 << d)));
        }
    }
    // Depth-wise fills a level before going deeper: 4 leaves is depth 2.
    let params = GrowerParams { num_leaves: 4, growth: Growth::DepthWise, split, ..GrowerParams::default() };
    assert_eq!(TreeGrower::new(&data, params).grow(&stats, NodeRows::All, &[0, 1, 2, 3], 0).depth(), 2);
}

#[test]
fn row_and_feature_subsets_restrict_what_a_tree_sees() {
    let (_, labels, data) = small_problem();
    let stats = logloss_stats_at_zero(&labels);
    let params = leaves_of_at_least(8, 3);
    let mut grower = TreeGrower::new(&data, params);
    let tree = grower.grow(&stats, NodeRows::All, &[1, 3], 0);
    assert!(tree.split_features().iter().all(|&f| f == 1 || f == 3));
    // A bootstrap: repeated rows count twice.
    let rows: Vec<u32> = (0..100).flat_map(|r| [r, r]).collect();
    let tree = grower.grow(&stats, NodeRows::Subset(&rows), &[0, 1, 2, 3], 0);
    assert_eq!(tree.leaf_counts().iter().sum::<u32>(), 200);
    assert!(grower.leaf_rows().flatten().all(|&r| r < 100));
    // One random feature per node: splits may use any feature, and the draw
    // is a function of the seed.
    let per_node = GrowerParams { features_per_node: Some(1), ..params };
    let mut grower = TreeGrower::new(&data, per_node);
    let a = grower.grow(&stats, NodeRows::All, &[0, 1, 2, 3], 7);
    assert_eq!(a, grower.grow(&stats, NodeRows::All, &[0, 1, 2, 3], 7));
}

/// Rows to predict: `values` (rows of 4) repeated to 1,003 rows, so that the
/// last block is partial, with NaN put in place of each value with
/// probability `nan_share` (the training NaN replaced by 0.5 first when
/// `nan_share` is 0).
fn rows_to_predict(values: &[f32], nan_share: f64) -> Vec<f32> {
    let mut rows: Vec<f32> = values.iter().cycle().take(1003 * 4).copied().collect();
    for (x, u) in rows.iter_mut().zip(uniform(6, 1003 * 4)) {
        if nan_share == 0.0 && x.is_nan() {
            *x = 0.5;
        }
        if u < nan_share {
            *x = f32::NAN;
        }
    }
    rows
}

#[test]
fn packed_prediction_equals_tree_traversal_with_and_without_nan() {
    let (values, labels, data) = small_problem();
    let stats = varied_stats(&labels);
    // Up to 32 leaves, blocks without NaN take the bitvector evaluation and
    // the others the traversal; trees of more leaves always take the traversal.
    for num_leaves in [12, 32, 48] {
        let mut grower = TreeGrower::new(&data, leaves_of_at_least(num_leaves, 2));
        let trees: Vec<FlatTree> = (0..3).map(|k| grower.grow(&stats, NodeRows::All, &[0, 1, 2, 3][k..], 0)).collect();
        assert_eq!(trees[0].n_leaves(), num_leaves);
        let forest = PackedForest::new(&trees);
        // No NaN, NaN in a few blocks, NaN in most blocks.
        for nan_share in [0.0, 0.002, 0.05] {
            let mut rows = rows_to_predict(&values, nan_share);
            // Every third row holds one split's threshold itself (which goes left).
            let splits = trees[0].split_features().iter().zip(trees[0].thresholds()).cycle();
            for (row, (&feature, &threshold)) in rows.chunks_exact_mut(4).step_by(3).zip(splits) {
                row[feature as usize] = threshold;
            }
            let mut scores = vec![0.5; rows.len() / 4];
            forest.add_scores(&rows, 4, &mut scores);
            for (i, s) in scores.iter().enumerate() {
                let row = &rows[i * 4..i * 4 + 4];
                let expected = trees.iter().fold(0.5, |acc, t| acc + t.predict_row(row));
                assert_eq!(s.to_bits(), expected.to_bits(), "{num_leaves} leaves, NaN share {nan_share}, row {i}");
            }
        }
    }
}

#[test]
fn flat_trees_reject_inconsistent_json() {
    let good = serde_json::json!({
        "split_feature": [0, 1], "threshold": [0.5, 1.5], "threshold_bin": [0, 1],
        "default_left": [true, false], "left_child": [1, -1], "right_child": [-3, -2],
        "split_gain": [1.0, 0.5], "leaf_value": [0.1, 0.2, 0.3], "leaf_count": [1, 2, 3]
    });
    let tree: FlatTree = serde_json::from_value(good.clone()).unwrap();
    assert_eq!(tree.depth(), 2);
    assert_eq!(tree.leaf_index(&[0.0, 0.0]), 0);
    assert_eq!(tree.leaf_index(&[0.0, 2.0]), 1);
    assert_eq!(tree.leaf_index(&[1.0, f32::NAN]), 2);
    // NaN goes left at node 0 and right at node 1.
    assert_eq!(tree.leaf_index(&[f32::NAN, f32::NAN]), 1);

    let broken = |key: &str, value: serde_json::Value| {
        let mut json = good.clone();
        json[key] = value;
        serde_json::from_value::<FlatTree>(json).is_err()
    };
    assert!(broken("left_child", serde_json::json!([0, -1])), "a node that is its own child");
    assert!(broken("left_child", serde_json::json!([-1, -1])), "a leaf reached twice, node 1 unreachable");
    assert!(broken("right_child", serde_json::json!([-4, -2])), "a leaf that does not exist");
    assert!(broken("leaf_value", serde_json::json!([0.1, 0.2])), "too few leaves");
    assert!(broken("threshold", serde_json::json!([0.5])), "too few thresholds");
    assert!(broken("extra", serde_json::json!(1)), "unknown field");
}

#[test]
fn routed_missing_values_accept_nan_and_reject_infinity_naming_row_and_column() {
    let check_tree_training = |train: &Samples<'_>| check_training(train, MissingValues::Routed);
    let check_tree_features = |features: &MatrixView<'_>, width| check_features(features, width, MissingValues::Routed);
    let labels = [false, true, false];
    let values = [0.0, f32::NAN, 1.0, 2.0, 3.0, 4.0];
    let train = Samples::new(MatrixView::new(&values, 2).unwrap(), &labels).unwrap();
    check_tree_training(&train).expect("NaN is a missing value for the tree families");

    let values = [0.0, 1.0, 1.0, f32::NEG_INFINITY, 3.0, 4.0];
    let train = Samples::new(MatrixView::new(&values, 2).unwrap(), &labels).unwrap();
    match check_tree_training(&train) {
        Err(ModelError::NonFinite { row: 1, column: 1, value }) => assert_eq!(value, f32::NEG_INFINITY),
        other => panic!("expected NonFinite at row 1, column 1, got {other:?}"),
    }
    let empty = Samples::new(MatrixView::new(&[], 2).unwrap(), &[]).unwrap();
    assert!(matches!(check_tree_training(&empty), Err(ModelError::Empty(_))));
    let one_class = Samples::new(MatrixView::new(&[1.0, 2.0], 1).unwrap(), &[false, false]).unwrap();
    assert!(matches!(check_tree_training(&one_class), Err(ModelError::OneClass { late: false })));

    let features = MatrixView::new(&[f32::NAN, 1.0, f32::INFINITY, 0.0], 2).unwrap();
    assert!(matches!(check_tree_features(&features, 2), Err(ModelError::NonFinite { row: 1, column: 0, .. })));
    assert!(matches!(check_tree_features(&features, 4), Err(ModelError::WidthMismatch { expected: 4, got: 2 })));
}

/// The statistics of a weighted classification tree (a random forest's):
/// `g = -w y`, `h = w`, with weights that are not exact in binary, so that
/// sums taken in different orders differ in their last bits.
fn classification_stats(labels: &[bool]) -> Vec<GradHess> {
    labels
        .iter()
        .enumerate()
        .map(|(i, &y)| {
            let w = [0.1, 0.3, 0.7, 1.9][i % 4];
            GradHess { g: if y { -w } else { 0.0 }, h: w }
        })
        .collect()
}

/// Fully grown classification trees: one row per leaf allowed, no leaf cap.
fn unlimited(split: SplitParams, features_per_node: Option<usize>) -> GrowerParams {
    GrowerParams { num_leaves: usize::MAX, max_depth: None, growth: Growth::LeafWise, split, features_per_node }
}

fn classification_split() -> SplitParams {
    SplitParams { min_data_in_leaf: 1, min_child_weight: 0.0, min_relative_gain: 1e-9, ..SplitParams::default() }
}

#[test]
fn unlimited_growth_is_depth_first_and_grows_the_same_tree_as_best_first() {
    // With at least as many leaves allowed as rows the grower goes depth-first;
    // with one leaf fewer (which cannot bind: leaves keep two rows each) it
    // grows best-first. The trees differ in node numbering only.
    let (values, labels, data) = small_problem();
    let stats = varied_stats(&labels);
    let split = SplitParams { min_data_in_leaf: 2, ..SplitParams::default() };
    let grow = |num_leaves| {
        let params = GrowerParams { num_leaves, split, ..GrowerParams::default() };
        TreeGrower::new(&data, params).grow(&stats, NodeRows::All, &[0, 1, 2, 3], 0)
    };
    let (depth_first, best_first) = (grow(200), grow(199));
    assert!(depth_first.n_leaves() > 20, "a large tree: {}", depth_first.n_leaves());
    assert_eq!(depth_first.n_leaves(), best_first.n_leaves());
    assert_ne!(depth_first, best_first, "the order of the nodes differs");
    for row in values.chunks_exact(4) {
        assert_eq!(depth_first.predict_row(row), best_first.predict_row(row));
    }
    let splits = |t: &FlatTree| {
        let mut s: Vec<(u32, u32)> =
            t.split_features().iter().zip(t.thresholds()).map(|(&f, &x)| (f, x.to_bits())).collect();
        s.sort_unstable();
        s
    };
    assert_eq!(splits(&depth_first), splits(&best_first));
}

#[test]
fn pure_nodes_are_not_split_despite_rounding_residue() {
    // Late exactly when x >= 50, with weights whose sums round: the tree is
    // one split and two pure leaves, whatever residue the sums carry.
    let (values, labels) = separable_at_fifty();
    let tree = grow_one_column(&values, &classification_stats(&labels), unlimited(classification_split(), None));
    assert_eq!(tree.n_leaves(), 2);
    assert_eq!(tree.leaf_values(), [0.0, 1.0]);
}

#[test]
fn nodes_below_min_data_to_split_stay_leaves() {
    let (_, labels, data) = small_problem();
    let stats = classification_stats(&labels);
    for min_data_to_split in [2, 30, 120] {
        let split = SplitParams { min_data_to_split, ..classification_split() };
        let mut grower = TreeGrower::new(&data, unlimited(split, None));
        let tree = grower.grow(&stats, NodeRows::All, &[0, 1, 2, 3], 0);
        assert!(tree.n_splits() > 0);
        // Every split node had at least min_data_to_split rows: each leaf's
        // parent held the leaf and its sibling subtree, so a leaf with fewer
        // rows than that is fine, but an internal node never is.
        let mut node_rows = vec![0u32; tree.n_splits()];
        for (leaf, rows) in grower.leaf_rows().enumerate() {
            let mut child = !(leaf as i32);
            // Walk up: find the parent of `child` and credit it.
            while let Some(parent) = (0..tree.n_splits()).find(|&p| {
                let (l, r) = tree.children(p);
                l == child || r == child
            }) {
                node_rows[parent] += rows.len() as u32;
                child = parent as i32;
            }
        }
        assert!(node_rows.iter().all(|&n| n >= min_data_to_split), "{min_data_to_split}: {node_rows:?}");
    }
}

#[test]
fn drawn_features_that_are_constant_in_a_node_are_replaced() {
    // Nine constant features and one that separates the classes: with one
    // feature drawn per node, a node keeps drawing while its draws are
    // constant (as scikit-learn), so the root always finds the separating one.
    let n = 120;
    let labels: Vec<bool> = (0..n).map(|i| i % 3 == 0).collect();
    let values: Vec<f32> =
        (0..n).flat_map(|i| (0..10).map(move |j| if j == 7 { (i % 3) as f32 } else { 1.0 })).collect();
    let data = BinnedMatrix::fit(&MatrixView::new(&values, 10).unwrap(), 255);
    let stats = classification_stats(&labels);
    let features: Vec<usize> = (0..10).collect();
    let mut grower = TreeGrower::new(&data, unlimited(classification_split(), Some(1)));
    for seed in 0..20 {
        let tree = grower.grow(&stats, NodeRows::All, &features, seed);
        assert_eq!(tree.split_features(), [7], "seed {seed}");
        assert_eq!(tree.leaf_values(), [1.0, 0.0]);
    }
}

#[test]
fn per_node_draws_follow_the_seed_and_cover_the_features() {
    let (values, labels, data) = small_problem();
    let stats = classification_stats(&labels);
    let mut grower = TreeGrower::new(&data, unlimited(classification_split(), Some(2)));
    let a = grower.grow(&stats, NodeRows::All, &[0, 1, 2, 3], 11);
    assert_eq!(a, grower.grow(&stats, NodeRows::All, &[0, 1, 2, 3], 11));
    let b = grower.grow(&stats, NodeRows::All, &[0, 1, 2, 3], 12);
    assert_ne!(a, b);
    // Fully grown: every training row is predicted with its own label unless
    // it shares all its bins with a row of the other class.
    let fitted = values.chunks_exact(4).zip(&labels).filter(|&(row, &y)| (a.predict_row(row) > 0.5) == y).count();
    assert!(fitted >= 190, "{fitted} of 200");
    let used: std::collections::BTreeSet<u32> = a.split_features().iter().copied().collect();
    assert_eq!(used.len(), 4, "every feature gets drawn somewhere");
}

#[test]
fn routing_rows_reaches_the_leaves_a_walk_reaches() {
    let (_, labels, data) = small_problem();
    let stats = varied_stats(&labels);
    let params = leaves_of_at_least(12, 3);
    let tree = TreeGrower::new(&data, params).grow(&stats, NodeRows::All, &[0, 1, 2, 3], 0);
    let mut rows: Vec<u32> = (0..200).filter(|r| r % 3 != 0).collect();
    let mut reached = vec![usize::MAX; 200];
    let mut visits = 0;
    tree.route_rows(&data, &mut rows, &mut Vec::new(), |leaf, leaf_rows| {
        visits += 1;
        assert!(leaf_rows.is_sorted(), "stable partitions keep rows in order");
        leaf_rows.iter().for_each(|&r| reached[r as usize] = leaf);
    });
    assert!(visits <= tree.n_leaves());
    for (r, &leaf) in reached.iter().enumerate() {
        let expected = if r % 3 != 0 { tree.leaf_index_binned(&data, r) } else { usize::MAX };
        assert_eq!(leaf, expected, "row {r}");
    }
}
