//! Growing the trees of a forest in parallel, and the out-of-bag score.

use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::RandomForest;
use super::model::RandomForestModel;
use crate::tree::{
    BinnedMatrix, FeatureImportance, FlatTree, GradHess, GrowerParams, Growth, NodeRows, SplitParams, TreeGrower,
};
use crate::{CheckedData, ModelError};

/// A split must gain more than this share of its node's weight: below it, a
/// gain is rounding residue (a pure node gains exactly nothing). Genuine gains
/// are far above it: separating one row of weight `w` from a node of weight
/// `W` gains about `w`, and the smallest decrease of the Gini index that two
/// children of integer counts can show is still orders of magnitude larger
/// than the residue of sums of up to millions of `f32` weights.
const PURE_NODE_TOLERANCE: f64 = 1e-9;

/// One grown tree and its predictions for the rows its sample left out.
struct GrownTree {
    tree: FlatTree,
    /// The rows not drawn, ascending (none without bootstrap).
    out_of_bag_rows: Vec<u32>,
    /// The tree's leaf value for each of them.
    out_of_bag_values: Vec<f64>,
}

pub(super) fn train(params: &RandomForest, data: CheckedData<'_>, seed: u64) -> Result<RandomForestModel, ModelError> {
    let train = data.train();
    let n = train.n_rows();
    let n_cols = train.features().n_cols();
    let class_weights = params.class_weight.resolve(train.labels())?;
    let per_node = params.max_features.resolve(n_cols)?;
    if n > u32::MAX as usize {
        return Err(ModelError::FitFailed(format!("a forest fits at most 2^32-1 rows, got {n}")));
    }
    let binned = BinnedMatrix::fit(&train.features(), params.max_bins);
    // Every column, constant ones included: like scikit-learn's, a node's draw
    // counts features that turn out constant.
    let features: Vec<usize> = (0..n_cols).collect();
    let grower_params = GrowerParams {
        num_leaves: usize::MAX,
        max_depth: params.max_depth,
        growth: Growth::DepthWise,
        split: SplitParams {
            lambda_l2: 0.0,
            min_child_weight: 0.0,
            min_data_in_leaf: params.min_samples_leaf as u32,
            min_data_to_split: params.min_samples_split as u32,
            min_split_gain: 0.0,
            min_relative_gain: PURE_NODE_TOLERANCE,
        },
        features_per_node: Some(per_node),
    };
    let row_weights: Vec<f64> = train.labels().iter().map(|&y| class_weights[usize::from(y)]).collect();
    let grow = |grower: &mut TreeGrower<'_>, t: usize| {
        grow_tree(grower, params.bootstrap, train.labels(), &row_weights, &features, seed, t as u64)
    };
    // The grower is created once per rayon work item (a few per thread), and
    // reuses its buffers for the trees of that item.
    let grown: Vec<GrownTree> =
        (0..params.n_estimators).into_par_iter().map_init(|| TreeGrower::new(&binned, grower_params), grow).collect();
    let oob_score = if params.bootstrap { out_of_bag_score(&grown, train.labels()) } else { None };
    let trees: Vec<FlatTree> = grown.into_iter().map(|g| g.tree).collect();
    let importance = FeatureImportance::of_trees(&trees, n_cols);
    RandomForestModel::new(n_cols, trees, importance, oob_score)
}

/// Grows tree `t`: its sample from stream `t` of the seed, rows weighted by
/// how often they were drawn times their class weight, leaf values the
/// weighted late share (`g = -w y`, `h = w`).
fn grow_tree(
    grower: &mut TreeGrower<'_>,
    bootstrap: bool,
    labels: &[bool],
    row_weights: &[f64],
    features: &[usize],
    seed: u64,
    t: u64,
) -> GrownTree {
    let n = labels.len();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(t);
    let mut counts = vec![1u32; n];
    if bootstrap {
        counts.fill(0);
        for _ in 0..n {
            counts[rng.random_range(0..n)] += 1;
        }
    }
    let stats: Vec<GradHess> = counts
        .iter()
        .zip(labels)
        .zip(row_weights)
        .map(|((&c, &y), &w)| {
            let weight = (f64::from(c) * w) as f32;
            GradHess { g: if y { -weight } else { 0.0 }, h: weight }
        })
        .collect();
    // Distinct drawn rows, weighted by their counts: scikit-learn's samples
    // (it counts distinct rows against min_samples_leaf and _split too).
    let rows: Vec<u32> = (0..n as u32).filter(|&r| counts[r as usize] > 0).collect();
    let tree = grower.grow(&stats, NodeRows::Subset(&rows), features, rng.next_u64());
    let out_of_bag_rows: Vec<u32> = (0..n as u32).filter(|&r| counts[r as usize] == 0).collect();
    // Routed through the tree on their bins while it is still in cache.
    let mut out_of_bag_values = Vec::new();
    if !out_of_bag_rows.is_empty() {
        let mut by_row = vec![0.0; n];
        let mut routed = out_of_bag_rows.clone();
        tree.route_rows(grower.data(), &mut routed, &mut Vec::new(), |leaf, rows| {
            let value = tree.leaf_values()[leaf];
            rows.iter().for_each(|&r| by_row[r as usize] = value);
        });
        out_of_bag_values = out_of_bag_rows.iter().map(|&r| by_row[r as usize]).collect();
    }
    GrownTree { tree, out_of_bag_rows, out_of_bag_values }
}

/// Accuracy of the out-of-bag predictions (late when the mean leaf value of
/// the trees that left a row out is above 1/2) over the rows some tree left
/// out; `None` when no tree left any row out. Each row's sum is taken in tree
/// order.
fn out_of_bag_score(grown: &[GrownTree], labels: &[bool]) -> Option<f64> {
    let mut sums = vec![0.0; labels.len()];
    let mut trees = vec![0u32; labels.len()];
    for g in grown {
        for (&r, &value) in g.out_of_bag_rows.iter().zip(&g.out_of_bag_values) {
            sums[r as usize] += value;
            trees[r as usize] += 1;
        }
    }
    let scored = trees.iter().filter(|&&t| t > 0).count();
    let correct =
        (0..labels.len()).filter(|&r| trees[r] > 0 && (sums[r] / f64::from(trees[r]) > 0.5) == labels[r]).count();
    (scored > 0).then(|| correct as f64 / scored as f64)
}
