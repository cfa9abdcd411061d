//! The boosting loop.

use overdue_features::{MatrixView, Samples};
use rand::seq::index::sample;
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::GradientBoostedTrees;
use super::model::GradientBoostedTreesModel;
use crate::hot_pool::with_workers_polling;
use crate::numeric::{sigmoid, softplus};
use crate::tree::{
    BinnedMatrix, FeatureImportance, FlatTree, GradHess, GrowerParams, NodeRows, SplitParams, TreeGrower,
};
use crate::{CheckedData, ModelError};

/// Rows per parallel work item for element-wise updates and loss sums. Fixed,
/// so that sums (and every bit of the result) do not depend on the thread pool.
const CHUNK_ROWS: usize = 8192;

/// Keeps the base rate strictly inside (0, 1), as LightGBM's `kEpsilon`.
const BASE_RATE_EPSILON: f64 = 1e-15;

/// Validation rows and their running scores, for early stopping.
struct Validation<'a> {
    features: MatrixView<'a>,
    labels: &'a [bool],
    scores: Vec<f64>,
    rounds: usize,
    best_loss: f64,
    best_round: usize,
}

pub(super) fn boost(
    params: &GradientBoostedTrees,
    data: CheckedData<'_>,
    seed: u64,
) -> Result<GradientBoostedTreesModel, ModelError> {
    let (train, validation) = (data.train(), data.validation());
    // Run on a worker of the thread pool, the other workers polling: the
    // hundreds of parallel steps of each tree then start from inside the pool
    // and find the workers awake (see `hot_pool`).
    with_workers_polling(|| boost_in_pool(params, train, validation, seed))
}

fn boost_in_pool(
    params: &GradientBoostedTrees,
    train: Samples<'_>,
    validation: Option<Samples<'_>>,
    seed: u64,
) -> Result<GradientBoostedTreesModel, ModelError> {
    let n_cols = train.features().n_cols();
    let n = train.n_rows();
    let init_score = init_score(train.labels());
    let mut validation = match params.early_stopping_rounds {
        None => None,
        Some(rounds) => {
            let v = validation.filter(|v| v.n_rows() > 0).ok_or_else(|| ModelError::InvalidHyperparameter {
                name: "early_stopping_rounds",
                reason: "early stopping needs validation rows, and none were given".into(),
            })?;
            Some(Validation {
                features: v.features(),
                labels: v.labels(),
                scores: vec![init_score; v.n_rows()],
                rounds,
                best_loss: f64::INFINITY,
                best_round: 0,
            })
        }
    };

    let binned = BinnedMatrix::fit(&train.features(), params.max_bins);
    let splittable = binned.splittable_features();
    let grower_params = GrowerParams {
        num_leaves: params.num_leaves,
        max_depth: params.max_depth,
        growth: params.growth,
        split: SplitParams {
            lambda_l2: params.lambda_l2,
            min_child_weight: params.min_child_weight,
            min_data_in_leaf: params.min_data_in_leaf as u32,
            min_split_gain: params.min_split_gain,
            ..SplitParams::default()
        },
        features_per_node: None,
    };
    let mut grower = TreeGrower::with_estimated_counts(&binned, grower_params);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut scores = vec![init_score; n];
    let mut stats = vec![GradHess::default(); n];
    let mut trees: Vec<FlatTree> = Vec::with_capacity(params.n_trees);
    let bag_size = ((n as f64 * params.row_subsample).round() as usize).clamp(1, n);
    let n_tree_features = ((splittable.len() as f64 * params.column_subsample).round() as usize).max(1);
    let mut bag: Vec<u32> = Vec::new();

    for round in 0..params.n_trees {
        gradients(&scores, train.labels(), params.scale_pos_weight, &mut stats);
        let bagged = bag_size < n;
        if bagged {
            bag.clear();
            bag.extend(sample(&mut rng, n, bag_size).into_iter().map(|i| i as u32));
            bag.sort_unstable();
        }
        let features: Vec<usize> = if n_tree_features < splittable.len() {
            let mut picked: Vec<usize> =
                sample(&mut rng, splittable.len(), n_tree_features).into_iter().map(|p| splittable[p]).collect();
            picked.sort_unstable();
            picked
        } else {
            splittable.clone()
        };
        let rows = if bagged { NodeRows::Subset(&bag) } else { NodeRows::All };
        let mut tree = grower.grow(&stats, rows, &features, rng.next_u64());
        if tree.n_splits() == 0 {
            // No leaf meets the split requirements any more: LightGBM stops
            // here too, and a constant tree would only shift the scores.
            break;
        }
        tree.scale_leaves(params.learning_rate);
        if bagged {
            add_tree(&tree, train.features(), &mut scores);
        } else {
            add_leaf_values(grower.leaf_rows().zip(tree.leaf_values().iter().copied()), &mut scores);
        }
        trees.push(tree);
        if let Some(v) = validation.as_mut() {
            add_tree(&trees[round], v.features, &mut v.scores);
            let loss = mean_log_loss(&v.scores, v.labels);
            if loss < v.best_loss {
                v.best_loss = loss;
                v.best_round = round;
            } else if round - v.best_round >= v.rounds {
                break;
            }
        }
    }

    let iterations = trees.len();
    let (best_iteration, best_validation_loss) = match &validation {
        Some(v) if iterations > 0 => {
            trees.truncate(v.best_round + 1);
            (Some(v.best_round + 1), Some(v.best_loss))
        }
        _ => (None, None),
    };
    let importance = FeatureImportance::of_trees(&trees, n_cols);
    GradientBoostedTreesModel::new(
        n_cols,
        init_score,
        trees,
        importance,
        iterations,
        best_iteration,
        best_validation_loss,
    )
}

/// Log-odds of the training base rate (LightGBM's `boost_from_average`).
fn init_score(labels: &[bool]) -> f64 {
    let late = labels.iter().filter(|&&l| l).count() as f64;
    let rate = (late / labels.len() as f64).clamp(BASE_RATE_EPSILON, 1.0 - BASE_RATE_EPSILON);
    (rate / (1.0 - rate)).ln()
}

/// Gradients and hessians of the weighted log loss at `scores`.
fn gradients(scores: &[f64], labels: &[bool], scale_pos_weight: f64, stats: &mut [GradHess]) {
    stats.par_chunks_mut(CHUNK_ROWS).zip(scores.par_chunks(CHUNK_ROWS)).zip(labels.par_chunks(CHUNK_ROWS)).for_each(
        |((out, scores), labels)| {
            for ((o, &z), &y) in out.iter_mut().zip(scores).zip(labels) {
                let p = sigmoid(z);
                let (w, target) = if y { (scale_pos_weight, 1.0) } else { (1.0, 0.0) };
                *o = GradHess { g: (w * (p - target)) as f32, h: (w * p * (1.0 - p)) as f32 };
            }
        },
    );
}

/// Adds each leaf's value to the scores of its rows (`(rows, value)` per
/// leaf, the rows of every leaf ascending and each row in one leaf), by
/// blocks of rows in parallel: a leaf's rows inside a block are found by
/// binary search, so each block is written by one thread only.
fn add_leaf_values<'r>(leaves: impl Iterator<Item = (&'r [u32], f64)>, scores: &mut [f64]) {
    let leaves: Vec<(&[u32], f64)> = leaves.collect();
    debug_assert!(leaves.iter().all(|(rows, _)| rows.is_sorted()), "the rows of each leaf ascend");
    scores.par_chunks_mut(CHUNK_ROWS).enumerate().for_each(|(k, block)| {
        let first = (k * CHUNK_ROWS) as u32;
        let end = first + block.len() as u32;
        for &(rows, value) in &leaves {
            let inside = &rows[rows.partition_point(|&r| r < first)..rows.partition_point(|&r| r < end)];
            for &r in inside {
                block[(r - first) as usize] += value;
            }
        }
    });
}

/// Adds one tree's predictions on raw rows to `scores`.
fn add_tree(tree: &FlatTree, features: MatrixView<'_>, scores: &mut [f64]) {
    let n_cols = features.n_cols();
    scores.par_chunks_mut(CHUNK_ROWS).zip(features.as_slice().par_chunks(CHUNK_ROWS * n_cols.max(1))).for_each(
        |(scores, rows)| {
            for (s, row) in scores.iter_mut().zip(rows.chunks_exact(n_cols.max(1))) {
                *s += tree.predict_row(row);
            }
        },
    );
}

/// Mean log loss of scores (log-odds) against labels, summed in fixed chunks
/// combined in order.
fn mean_log_loss(scores: &[f64], labels: &[bool]) -> f64 {
    let partials: Vec<f64> = scores
        .par_chunks(CHUNK_ROWS)
        .zip(labels.par_chunks(CHUNK_ROWS))
        .map(|(scores, labels)| {
            scores.iter().zip(labels).map(|(&z, &y)| if y { softplus(-z) } else { softplus(z) }).fold(0.0, |a, b| a + b)
        })
        .collect();
    partials.iter().fold(0.0, |a, b| a + b) / scores.len() as f64
}
