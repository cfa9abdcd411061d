//! The exact CART decision tree, as scikit-learn's `DecisionTreeClassifier`.
//!
//! "Exact" means every distinct value of every feature is a candidate
//! threshold (no binning), so the tree is the one scikit-learn grows on the same
//! data whenever each node's best split is unique. It is meant for small data,
//! for fidelity with scikit-learn, and as the base learner of [`AdaBoost`](crate::AdaBoost)
//! and [`BalancedBagging`](crate::BalancedBagging); the binned trees of gradient
//! boosting live elsewhere.
//!
//! The hyperparameters are on [`DecisionTree`], the fitted tree on
//! [`DecisionTreeModel`], and the impurity arithmetic of a split on
//! [`split_entropy`] and [`split_gini`].

mod grow;
mod model;
mod partition;
mod presort;

use overdue_features::Samples;
use serde::{Deserialize, Serialize};

pub use model::{DecisionTreeModel, NodeSplit, TreeNode};

pub(crate) use grow::{GrowParams, grow};
pub(crate) use presort::{ClassWeights, Presorted, SampleWeights};

use crate::{CheckedData, ClassWeight, Classifier, FitOptions, FittedClassifier, MissingValues, ModelError};

/// How the impurity of a node is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    /// Gini index `1 - p_late^2 - p_on_time^2`, with weighted shares.
    #[default]
    Gini,
    /// Shannon entropy in bits, `-sum p log2 p` (with `0 log 0 = 0`), as in
    /// scikit-learn's `criterion="entropy"`.
    Entropy,
}

impl Criterion {
    /// Impurity of a node holding `late` and `on_time` weight (`total` is their
    /// sum as accumulated by the caller). Written exactly as scikit-learn's
    /// `Gini` / `Entropy` criteria, so that ties and near-ties resolve alike.
    pub(crate) fn impurity(self, on_time: f64, late: f64, total: f64) -> f64 {
        match self {
            Criterion::Gini => 1.0 - (on_time * on_time + late * late) / (total * total),
            Criterion::Entropy => {
                let mut entropy = 0.0;
                for count in [on_time, late] {
                    if count > 0.0 {
                        let share = count / total;
                        entropy -= share * (share.ln() / std::f64::consts::LN_2);
                    }
                }
                entropy
            }
        }
    }
}

/// How many features each node considers when it looks for its split.
///
/// In configuration files: `"all"`, `"sqrt"`, `"log2"`, `{ fraction = 0.5 }` or
/// `{ count = 4 }` (JSON: `"all"`, `{"fraction": 0.5}`, ...). The counts follow
/// scikit-learn's `max_features`: `sqrt` is `max(1, floor(sqrt(n)))`, `log2` is
/// `max(1, floor(log2(n)))` and a fraction `f` is `max(1, floor(f * n))`.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum MaxFeatures {
    /// Every feature at every node (scikit-learn's `max_features=None`).
    #[default]
    All,
    /// The square root of the number of features, rounded down.
    Sqrt,
    /// The base-2 logarithm of the number of features, rounded down.
    Log2,
    /// A share of the features, in `(0, 1]`.
    Fraction(f64),
    /// A fixed number of features, at least 1 and at most the number of features.
    Count(usize),
}

impl MaxFeatures {
    /// Checks a fraction or count (the count against the data only at fit
    /// time, in [`MaxFeatures::resolve`]).
    pub(crate) fn validate(&self) -> Result<(), ModelError> {
        let bad = |reason: String| Err(ModelError::InvalidHyperparameter { name: "max_features", reason });
        match *self {
            MaxFeatures::Fraction(f) if !(f > 0.0 && f <= 1.0) => bad(format!("a fraction must be in (0, 1], got {f}")),
            MaxFeatures::Count(0) => bad("a count must be at least 1".into()),
            _ => Ok(()),
        }
    }

    /// The number of features to consider among `n_features`.
    pub fn resolve(&self, n_features: usize) -> Result<usize, ModelError> {
        self.validate()?;
        let n = n_features as f64;
        Ok(match *self {
            MaxFeatures::All => n_features,
            MaxFeatures::Sqrt => (n.sqrt() as usize).max(1),
            MaxFeatures::Log2 => (n.log2() as usize).max(1),
            MaxFeatures::Fraction(f) => ((f * n) as usize).max(1),
            MaxFeatures::Count(k) if k > n_features => {
                return Err(ModelError::InvalidHyperparameter {
                    name: "max_features",
                    reason: format!("asks for {k} features but the data has {n_features}"),
                });
            }
            MaxFeatures::Count(k) => k,
        })
    }
}

/// Hyperparameters of an exact CART decision tree (family `"decision_tree"`).
///
/// # Growth
///
/// The tree grows as scikit-learn's `DecisionTreeClassifier` with the best
/// splitter: a node becomes a leaf when it is at `max_depth`, has fewer than
/// `min_samples_split` rows or fewer than `2 * min_samples_leaf`, or its
/// impurity is at most `f64::EPSILON`. Otherwise every considered feature's
/// values are scanned in sorted order and every boundary between two distinct
/// values (values closer than scikit-learn's `1e-7`, added in f32, count as
/// equal) that leaves at least `min_samples_leaf` rows on each side is a
/// candidate; the threshold is the midpoint `a / 2 + b / 2` of the two values,
/// computed in f64, and rows with `value <= threshold` go left. The candidate
/// with the smallest weighted child impurity wins, even when it does not lower
/// the impurity (as in scikit-learn); the node stays a leaf only if no feature
/// varies, or if the weighted impurity decrease
/// `N_t / N * (I - N_R / N_t * I_R - N_L / N_t * I_L)` plus `f64::EPSILON` is below
/// `min_impurity_decrease`.
///
/// # Ties
///
/// Equally good splits are broken by the lowest feature index, then the lowest
/// threshold (the first candidate found); when `max_features` samples features,
/// by the order in which they were drawn. scikit-learn instead visits features
/// in a random order per node and keeps the first best, so its choice among
/// exactly tied splits depends on `random_state`: on data with tied splits the
/// two trees may differ in form while agreeing in quality.
///
/// # Weights and probabilities
///
/// Each row weighs its class weight (see [`ClassWeight`]). A leaf predicts the
/// weighted share of late rows among its training rows, so with
/// `class_weight = "balanced"` the probabilities are those of the re-weighted
/// problem, as scikit-learn's `predict_proba`.
///
/// # Randomness
///
/// Only `max_features` below the number of features makes the fit random: each
/// node shuffles the features with a ChaCha8 stream seeded by
/// [`FitOptions::seed`], whose stream number is the node's index in creation
/// order (level by level), and visits them in that order
/// until it has evaluated `max_features` of them (more while all visited ones
/// are constant in the node, as scikit-learn). The result does not depend on the
/// number of threads.
///
/// # Input
///
/// Features must be finite: NaN and infinities are rejected with
/// [`ModelError::NonFinite`] naming the row and column (scikit-learn's own
/// missing-value routing is not implemented).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DecisionTree {
    /// Impurity measure. Default: gini.
    pub criterion: Criterion,
    /// Maximum depth (the root is at depth 0); `None` grows until leaves are
    /// pure or too small. Must be at least 1 when given. Default: `None`.
    pub max_depth: Option<usize>,
    /// Fewest rows a node needs to be split. At least 2. Default: 2.
    pub min_samples_split: usize,
    /// Fewest rows each child of a split must keep. At least 1. Default: 1.
    pub min_samples_leaf: usize,
    /// Smallest weighted impurity decrease (scikit-learn's definition, above)
    /// that a split must bring. Finite and non-negative. Default: 0.
    pub min_impurity_decrease: f64,
    /// Weights of the two classes. Default: none (all rows weigh 1).
    pub class_weight: ClassWeight,
    /// Features considered at each node. Default: all.
    pub max_features: MaxFeatures,
}

impl Default for DecisionTree {
    fn default() -> Self {
        Self {
            criterion: Criterion::Gini,
            max_depth: None,
            min_samples_split: 2,
            min_samples_leaf: 1,
            min_impurity_decrease: 0.0,
            class_weight: ClassWeight::None,
            max_features: MaxFeatures::All,
        }
    }
}

impl DecisionTree {
    /// Checks the hyperparameters, naming the first invalid one. (A
    /// `max_features` count above the number of features is only detected at
    /// fit time, when that number is known.)
    pub fn validate(&self) -> Result<(), ModelError> {
        validate_growth(self.max_depth, self.min_samples_split, self.min_samples_leaf)?;
        if !(self.min_impurity_decrease.is_finite() && self.min_impurity_decrease >= 0.0) {
            return Err(ModelError::InvalidHyperparameter {
                name: "min_impurity_decrease",
                reason: format!("must be finite and non-negative, got {}", self.min_impurity_decrease),
            });
        }
        self.max_features.validate()?;
        self.class_weight.validate()
    }

    /// Fits on `train` and returns the concrete tree (what [`Classifier::fit`]
    /// boxes). `seed` only matters when `max_features` samples features.
    pub fn fit_model(&self, train: Samples<'_>, seed: u64) -> Result<DecisionTreeModel, ModelError> {
        self.fit_checked_model(self.check_data(train, None)?, seed)
    }

    /// The fit itself, on data the contract checked.
    fn fit_checked_model(&self, data: CheckedData<'_>, seed: u64) -> Result<DecisionTreeModel, ModelError> {
        let train = data.train();
        let class_weights = self.class_weight.resolve(train.labels())?;
        let presorted = Presorted::new(&train)?;
        let params = self.grow_params(train.features().n_cols(), seed)?;
        Ok(grow(&presorted, &ClassWeights(class_weights), &params))
    }

    /// The growth settings for data with `n_features` columns.
    pub(crate) fn grow_params(&self, n_features: usize, seed: u64) -> Result<GrowParams, ModelError> {
        Ok(GrowParams {
            criterion: self.criterion,
            max_depth: self.max_depth.unwrap_or(usize::MAX),
            min_samples_split: self.min_samples_split,
            min_samples_leaf: self.min_samples_leaf,
            min_impurity_decrease: self.min_impurity_decrease,
            max_features: self.max_features.resolve(n_features)?,
            seed,
        })
    }
}

/// Checks the growth limits shared by the tree families.
pub(crate) fn validate_growth(
    max_depth: Option<usize>,
    min_samples_split: usize,
    min_samples_leaf: usize,
) -> Result<(), ModelError> {
    if max_depth == Some(0) {
        return Err(ModelError::InvalidHyperparameter {
            name: "max_depth",
            reason: "must be at least 1 (or absent for no limit)".into(),
        });
    }
    if min_samples_split < 2 {
        return Err(ModelError::InvalidHyperparameter {
            name: "min_samples_split",
            reason: format!("must be at least 2, got {min_samples_split}"),
        });
    }
    if min_samples_leaf < 1 {
        return Err(ModelError::InvalidHyperparameter {
            name: "min_samples_leaf",
            reason: "must be at least 1".into(),
        });
    }
    Ok(())
}

impl Classifier for DecisionTree {
    fn family(&self) -> &'static str {
        "decision_tree"
    }

    fn hyperparameters(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("hyperparameters serialise to JSON")
    }

    fn validate(&self) -> Result<(), ModelError> {
        DecisionTree::validate(self)
    }

    /// Fits on `train`; `validation` is not used.
    fn missing_values(&self) -> MissingValues {
        MissingValues::Rejected
    }

    fn fit_checked(
        &self,
        data: CheckedData<'_>,
        options: &FitOptions,
    ) -> Result<Box<dyn FittedClassifier>, ModelError> {
        Ok(Box::new(self.fit_checked_model(data, options.seed)?))
    }
}

/// Weighted entropy, in bits, of a split into any number of branches: the
/// impurity `sum_i (n_i / N) * H_i` of REFERENCE.md section 4, where `H_i` is the
/// entropy of branch `i`.
///
/// Each group is `(positive, negative)`: the count (or total weight) of rows of
/// each class in one branch; which class is "positive" does not matter. The
/// receivables example splits 10 accounts by DSO into `(4, 0)`, `(1, 3)` and
/// `(1, 1)`, and `split_entropy(&[(4.0, 0.0), (1.0, 3.0), (1.0, 1.0)])` is
/// `0.4 * 0 + 0.4 * 0.811 + 0.2 * 1 = 0.5245`.
///
/// Returns `None` when a count is negative or not finite, or when all groups
/// are empty (the impurity is then undefined). Empty groups add nothing.
pub fn split_entropy(groups: &[(f64, f64)]) -> Option<f64> {
    split_impurity(Criterion::Entropy, groups)
}

/// Weighted Gini impurity of a split, `sum_i (n_i / N) * G_i`; see
/// [`split_entropy`] for the arguments and the `None` cases.
pub fn split_gini(groups: &[(f64, f64)]) -> Option<f64> {
    split_impurity(Criterion::Gini, groups)
}

fn split_impurity(criterion: Criterion, groups: &[(f64, f64)]) -> Option<f64> {
    if !groups.iter().all(|&(p, n)| p.is_finite() && n.is_finite() && p >= 0.0 && n >= 0.0) {
        return None;
    }
    let total: f64 = groups.iter().map(|&(p, n)| p + n).sum();
    if !(total > 0.0 && total.is_finite()) {
        return None;
    }
    let weighted = groups
        .iter()
        .filter(|&&(p, n)| p + n > 0.0)
        .map(|&(p, n)| (p + n) / total * criterion.impurity(n, p, p + n))
        .sum();
    Some(weighted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn impurities_of_simple_nodes() {
        assert_eq!(Criterion::Entropy.impurity(1.0, 1.0, 2.0), 1.0);
        assert_eq!(Criterion::Entropy.impurity(0.0, 3.0, 3.0), 0.0);
        assert_eq!(Criterion::Gini.impurity(1.0, 1.0, 2.0), 0.5);
        assert_eq!(Criterion::Gini.impurity(4.0, 0.0, 4.0), 0.0);
        assert_eq!(split_entropy(&[]), None);
        assert_eq!(split_entropy(&[(1.0, -1.0)]), None);
        assert_eq!(split_gini(&[(0.0, 0.0), (2.0, 2.0)]), Some(0.5));
    }

    #[test]
    fn max_features_counts_follow_sklearn() {
        assert_eq!(MaxFeatures::All.resolve(25).unwrap(), 25);
        assert_eq!(MaxFeatures::Sqrt.resolve(25).unwrap(), 5);
        assert_eq!(MaxFeatures::Sqrt.resolve(24).unwrap(), 4);
        assert_eq!(MaxFeatures::Log2.resolve(25).unwrap(), 4);
        assert_eq!(MaxFeatures::Log2.resolve(1).unwrap(), 1);
        assert_eq!(MaxFeatures::Fraction(0.3).resolve(25).unwrap(), 7);
        assert_eq!(MaxFeatures::Fraction(0.01).resolve(25).unwrap(), 1);
        assert_eq!(MaxFeatures::Count(3).resolve(25).unwrap(), 3);
        assert!(MaxFeatures::Count(26).resolve(25).is_err());
    }
}
