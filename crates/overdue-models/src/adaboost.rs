//! AdaBoost with the discrete SAMME algorithm over shallow exact trees, as
//! scikit-learn 1.9's `AdaBoostClassifier`.

use overdue_features::{MatrixView, Samples};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::decision_tree::{GrowParams, Presorted, SampleWeights, grow, validate_growth};
use crate::tree::FeatureImportance;
use crate::{
    CheckedData, Classifier, Criterion, DecisionTreeModel, FitOptions, FittedClassifier, MissingValues, ModelError,
    check_features,
};

/// Rows per parallel work item when predicting.
const PREDICT_CHUNK_ROWS: usize = 4096;

/// Hyperparameters of AdaBoost (family `"adaboost"`).
///
/// # Algorithm
///
/// Discrete SAMME for two classes, step for step as scikit-learn 1.9's
/// `AdaBoostClassifier` (the only algorithm it keeps):
///
/// 1. every row starts with weight `1 / n`;
/// 2. each round clips the weights at `f64::EPSILON` from below, grows an exact
///    [`DecisionTree`](crate::DecisionTree) of at most `max_depth` on the
///    weighted rows, and computes its weighted error
///    `err = sum(w * wrong) / sum(w)` (a leaf votes late when its weighted late
///    share exceeds one half);
/// 3. `err == 0`: the tree is kept with weight 1 and boosting stops;
///    `err >= 0.5`: the tree is discarded and boosting stops (an error if it was
///    the first tree);
/// 4. otherwise the tree's weight is `alpha = learning_rate * ln((1 - err) / err)`
///    and, unless it is the last round, the weights of the misclassified rows
///    are multiplied by `exp(alpha)` (computed as `exp(ln w + alpha)`, as
///    scikit-learn does) and all weights are divided by their sum; boosting also
///    stops if that sum is not finite and positive.
///
/// # Probabilities
///
/// With `s_m = +1` when tree `m` votes late and `-1` otherwise, the decision is
/// `f = sum_m alpha_m s_m / sum_m alpha_m` and the probability of late is
/// `sigmoid(2 f)`: scikit-learn's `predict_proba`, the softmax of
/// `[-f, f]` (its binary decision function `2 f` halved, i.e. divided by
/// `n_classes - 1 = 1` after stacking both classes). Probabilities therefore
/// lie within `[sigmoid(-2), sigmoid(2)] = [0.119, 0.881]`.
///
/// # Determinism
///
/// No randomness: the trees break ties between splits by feature index (see
/// [`DecisionTree`](crate::DecisionTree)), so the seed is unused. The features are sorted once
/// and shared by every round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdaBoost {
    /// Maximum number of boosting rounds (trees). At least 1. Default: 50.
    pub n_estimators: usize,
    /// Shrinks every tree's weight. Positive and finite. Default: 1.
    pub learning_rate: f64,
    /// Depth of each tree; 1 grows stumps. `None` for no limit (rarely
    /// sensible). Default: 1.
    pub max_depth: Option<usize>,
    /// Impurity criterion of the trees. Default: gini.
    pub criterion: Criterion,
    /// Fewest rows a tree node needs to be split. At least 2. Default: 2.
    pub min_samples_split: usize,
    /// Fewest rows in each child of a tree split. At least 1. Default: 1.
    pub min_samples_leaf: usize,
}

impl Default for AdaBoost {
    fn default() -> Self {
        Self {
            n_estimators: 50,
            learning_rate: 1.0,
            max_depth: Some(1),
            criterion: Criterion::Gini,
            min_samples_split: 2,
            min_samples_leaf: 1,
        }
    }
}

impl AdaBoost {
    /// Checks the hyperparameters, naming the first invalid one.
    pub fn validate(&self) -> Result<(), ModelError> {
        if self.n_estimators == 0 {
            return Err(ModelError::InvalidHyperparameter {
                name: "n_estimators",
                reason: "must be at least 1".into(),
            });
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(ModelError::InvalidHyperparameter {
                name: "learning_rate",
                reason: format!("must be positive and finite, got {}", self.learning_rate),
            });
        }
        validate_growth(self.max_depth, self.min_samples_split, self.min_samples_leaf)
    }

    /// Fits on `train` and returns the concrete model (what [`Classifier::fit`]
    /// boxes).
    pub fn fit_model(&self, train: Samples<'_>) -> Result<AdaBoostModel, ModelError> {
        self.fit_checked_model(self.check_data(train, None)?)
    }

    /// The fit itself, on data the contract checked.
    fn fit_checked_model(&self, data: CheckedData<'_>) -> Result<AdaBoostModel, ModelError> {
        let train = data.train();
        let presorted = Presorted::new(&train)?;
        let n = presorted.n_rows();
        let params = GrowParams {
            criterion: self.criterion,
            max_depth: self.max_depth.unwrap_or(usize::MAX),
            min_samples_split: self.min_samples_split,
            min_samples_leaf: self.min_samples_leaf,
            min_impurity_decrease: 0.0,
            max_features: train.features().n_cols(),
            seed: 0,
        };
        let mut weights = vec![1.0; n];
        let total = sum(&weights);
        weights.iter_mut().for_each(|w| *w /= total);
        let mut estimators = Vec::new();

        for round in 0..self.n_estimators {
            weights.iter_mut().for_each(|w| *w = w.max(f64::EPSILON));
            let tree = grow(&presorted, &SampleWeights(&weights), &params);
            let wrong: Vec<bool> = train
                .features()
                .rows()
                .zip(train.labels())
                .map(|(row, &late)| votes_late(&tree, row) != late)
                .collect();
            let error = sum_where(&weights, &wrong) / sum(&weights);

            if error <= 0.0 {
                estimators.push(BoostedTree { weight: 1.0, error: 0.0, tree });
                break;
            }
            if error >= 0.5 {
                if estimators.is_empty() {
                    return Err(ModelError::FitFailed(format!(
                        "AdaBoost: the first tree is no better than chance (weighted error {error})"
                    )));
                }
                break;
            }
            let alpha = self.learning_rate * ((1.0 - error) / error).ln();
            estimators.push(BoostedTree { weight: alpha, error, tree });
            if round + 1 == self.n_estimators {
                break;
            }
            for (w, &miss) in weights.iter_mut().zip(&wrong) {
                if *w > 0.0 {
                    *w = (w.ln() + if miss { alpha } else { 0.0 }).exp();
                }
            }
            let total = sum(&weights);
            if !(total.is_finite() && total > 0.0) {
                break;
            }
            weights.iter_mut().for_each(|w| *w /= total);
        }
        Ok(AdaBoostModel { n_features: train.features().n_cols(), estimators })
    }
}

impl Classifier for AdaBoost {
    fn family(&self) -> &'static str {
        "adaboost"
    }

    fn hyperparameters(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("hyperparameters serialise to JSON")
    }

    fn validate(&self) -> Result<(), ModelError> {
        AdaBoost::validate(self)
    }

    /// Fits on `train`; `validation` and the seed are not used.
    fn missing_values(&self) -> MissingValues {
        MissingValues::Rejected
    }

    fn fit_checked(
        &self,
        data: CheckedData<'_>,
        _options: &FitOptions,
    ) -> Result<Box<dyn FittedClassifier>, ModelError> {
        Ok(Box::new(self.fit_checked_model(data)?))
    }
}

/// One boosted tree and its vote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoostedTree {
    /// The tree's weight `alpha` in the vote (1 for a perfect first tree).
    pub weight: f64,
    /// Its weighted training error when it was fitted.
    pub error: f64,
    /// The tree.
    pub tree: DecisionTreeModel,
}

/// A fitted AdaBoost ensemble.
///
/// Serialised as `{"n_features": ..., "estimators": [{"weight": ..., "error":
/// ..., "tree": {...}}, ...]}`; deserialisation checks that there is at least
/// one tree, that the weights are positive and finite and that every tree has
/// `n_features` features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawModel")]
pub struct AdaBoostModel {
    n_features: usize,
    estimators: Vec<BoostedTree>,
}

impl AdaBoostModel {
    /// The trees in boosting order, with their weights and errors. Fewer than
    /// `n_estimators` when boosting stopped early.
    pub fn estimators(&self) -> &[BoostedTree] {
        &self.estimators
    }

    /// Number of features the model expects.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// The decision `f = sum alpha_m s_m / sum alpha_m` for one row, in `[-1, 1]`.
    fn decision(&self, row: &[f32]) -> f64 {
        let mut vote = 0.0;
        let mut total = 0.0;
        for e in &self.estimators {
            vote += if votes_late(&e.tree, row) { e.weight } else { -e.weight };
            total += e.weight;
        }
        vote / total
    }
}

impl FittedClassifier for AdaBoostModel {
    fn predict_proba(&self, features: MatrixView<'_>) -> Result<Vec<f64>, ModelError> {
        check_features(&features, self.n_features, MissingValues::Rejected)?;
        let n_cols = features.n_cols();
        if features.n_rows() == 0 {
            return Ok(Vec::new());
        }
        let chunks: Vec<Vec<f64>> = features
            .as_slice()
            .par_chunks(PREDICT_CHUNK_ROWS * n_cols)
            .map(|chunk| chunk.chunks_exact(n_cols).map(|row| softmax_late(self.decision(row))).collect())
            .collect();
        Ok(chunks.concat())
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("a fitted model serialises to JSON")
    }

    /// Gain: each tree's weighted impurity decreases (see
    /// [`DecisionTreeModel`]'s) times the tree's weight `alpha`, summed, as
    /// scikit-learn weighs its trees' importances; splits counted over all
    /// trees.
    fn feature_importance(&self) -> Option<FeatureImportance> {
        let mut importance = FeatureImportance::zeros(self.n_features);
        for e in &self.estimators {
            e.tree.add_importance(e.weight, &mut importance);
        }
        Some(importance)
    }
}

/// Whether a tree votes late for a row: its leaf's weighted late share is
/// above one half (scikit-learn's argmax, which prefers the first class, on-time,
/// on a tie).
fn votes_late(tree: &DecisionTreeModel, row: &[f32]) -> bool {
    tree.predict_row(row) > 0.5
}

/// The late column of `softmax([-f, f])`, computed as scipy does (shifting by
/// the maximum).
fn softmax_late(f: f64) -> f64 {
    let top = f.abs();
    let late = (f - top).exp();
    late / ((-f - top).exp() + late)
}

fn sum(values: &[f64]) -> f64 {
    values.iter().fold(0.0, |acc, v| acc + v)
}

fn sum_where(values: &[f64], mask: &[bool]) -> f64 {
    values.iter().zip(mask).fold(0.0, |acc, (v, &m)| if m { acc + v } else { acc })
}

/// The serialised form, validated into an [`AdaBoostModel`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModel {
    n_features: usize,
    estimators: Vec<BoostedTree>,
}

impl TryFrom<RawModel> for AdaBoostModel {
    type Error = String;

    fn try_from(raw: RawModel) -> Result<Self, String> {
        if raw.estimators.is_empty() {
            return Err("an AdaBoost model needs at least one tree".into());
        }
        for (i, e) in raw.estimators.iter().enumerate() {
            if !(e.weight.is_finite() && e.weight > 0.0) {
                return Err(format!("tree {i}: weight must be positive and finite, got {}", e.weight));
            }
            if e.tree.n_features() != raw.n_features {
                return Err(format!("tree {i} has {} features, the model {}", e.tree.n_features(), raw.n_features));
            }
        }
        Ok(Self { n_features: raw.n_features, estimators: raw.estimators })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_of_the_decision_is_sklearns() {
        assert_eq!(softmax_late(0.0), 0.5);
        let f: f64 = 0.3;
        let expected = f.exp() / ((-f).exp() + f.exp());
        assert!((softmax_late(f) - expected).abs() < 1e-15);
        assert!((softmax_late(1.0) - 1.0 / (1.0 + (-2.0f64).exp())).abs() < 1e-15);
        assert!((softmax_late(-1.0) + softmax_late(1.0) - 1.0).abs() < 1e-15);
    }
}
