//! Balanced bagging: an ensemble of any base family, each member fitted on a
//! class-balanced random sample, as imbalanced-learn's
//! `BalancedBaggingClassifier` with its defaults.
//!
//! # Adding a base family
//!
//! The base is plain data, so it is an enum of the families of this crate
//! ([`BaggingBase`]) with a matching enum of fitted models ([`BaggedModel`]),
//! both tagged by `family` in JSON. To make another family baggable, add one
//! variant to each enum, named after
//! the family (serde's snake case of the variant must equal the family's
//! `family()` string), and one arm to each `match` below: `validate`,
//! `family`, `fit`, and `BaggedModel::predict_proba` / `n_features`. The
//! concrete fitted type must be serde `Serialize + Deserialize`.

use overdue_features::{MatrixView, Samples};
use rand::seq::SliceRandom;
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::tree::FeatureImportance;
use crate::{
    AdaBoost, AdaBoostModel, CheckedData, Classifier, DecisionTree, DecisionTreeModel, FitOptions, FittedClassifier,
    GradientBoostedTrees, GradientBoostedTreesModel, LogisticRegression, LogisticRegressionModel, MissingValues,
    ModelError, check_features,
};

/// The family bagged, with its hyperparameters. In JSON, the family's
/// hyperparameters plus its name: `{"family": "decision_tree", "max_depth": 5}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "family", rename_all = "snake_case")]
pub enum BaggingBase {
    /// An exact CART tree ([`DecisionTree`]).
    DecisionTree(DecisionTree),
    /// A logistic regression ([`LogisticRegression`]).
    LogisticRegression(LogisticRegression),
    /// AdaBoost ([`AdaBoost`]).
    #[serde(rename = "adaboost")]
    AdaBoost(AdaBoost),
    /// Gradient boosted trees ([`GradientBoostedTrees`]), without early
    /// stopping: a bag has no validation rows.
    GradientBoostedTrees(GradientBoostedTrees),
}

impl Default for BaggingBase {
    /// A fully grown decision tree, imbalanced-learn's default estimator.
    fn default() -> Self {
        BaggingBase::DecisionTree(DecisionTree::default())
    }
}

impl BaggingBase {
    /// The base family's name, as its `Classifier::family`.
    pub fn family(&self) -> &'static str {
        match self {
            BaggingBase::DecisionTree(p) => p.family(),
            BaggingBase::LogisticRegression(p) => p.family(),
            BaggingBase::AdaBoost(p) => p.family(),
            BaggingBase::GradientBoostedTrees(p) => p.family(),
        }
    }

    fn validate(&self) -> Result<(), ModelError> {
        match self {
            BaggingBase::DecisionTree(p) => p.validate(),
            BaggingBase::LogisticRegression(p) => p.validate(),
            BaggingBase::AdaBoost(p) => p.validate(),
            BaggingBase::GradientBoostedTrees(p) => {
                if p.early_stopping_rounds.is_some() {
                    return Err(ModelError::InvalidHyperparameter {
                        name: "early_stopping_rounds",
                        reason: "a bag has no validation rows to stop on: leave it unset".into(),
                    });
                }
                p.validate()
            }
        }
    }

    fn fit(&self, train: Samples<'_>, seed: u64) -> Result<BaggedModel, ModelError> {
        Ok(match self {
            BaggingBase::DecisionTree(p) => BaggedModel::DecisionTree(p.fit_model(train, seed)?),
            BaggingBase::LogisticRegression(p) => BaggedModel::LogisticRegression(p.fit_model(train)?),
            BaggingBase::AdaBoost(p) => BaggedModel::AdaBoost(p.fit_model(train)?),
            BaggingBase::GradientBoostedTrees(p) => {
                BaggedModel::GradientBoostedTrees(p.fit_model(train, None, &FitOptions { seed })?)
            }
        })
    }
}

/// One fitted member of the ensemble, tagged by `family` in JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "family", rename_all = "snake_case")]
pub enum BaggedModel {
    /// A fitted decision tree.
    DecisionTree(DecisionTreeModel),
    /// A fitted logistic regression.
    LogisticRegression(LogisticRegressionModel),
    /// A fitted AdaBoost ensemble.
    #[serde(rename = "adaboost")]
    AdaBoost(AdaBoostModel),
    /// A fitted gradient boosted ensemble.
    GradientBoostedTrees(GradientBoostedTreesModel),
}

impl BaggedModel {
    fn as_fitted(&self) -> &dyn FittedClassifier {
        match self {
            BaggedModel::DecisionTree(m) => m,
            BaggedModel::LogisticRegression(m) => m,
            BaggedModel::AdaBoost(m) => m,
            BaggedModel::GradientBoostedTrees(m) => m,
        }
    }

    /// Number of features the member expects.
    pub fn n_features(&self) -> usize {
        match self {
            BaggedModel::DecisionTree(m) => m.n_features(),
            BaggedModel::LogisticRegression(m) => m.n_features(),
            BaggedModel::AdaBoost(m) => m.n_features(),
            BaggedModel::GradientBoostedTrees(m) => m.n_features(),
        }
    }
}

impl FittedClassifier for BaggedModel {
    fn predict_proba(&self, features: MatrixView<'_>) -> Result<Vec<f64>, ModelError> {
        self.as_fitted().predict_proba(features)
    }

    /// The member's own JSON plus its `family`.
    fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("a fitted model serialises to JSON")
    }

    fn feature_importance(&self) -> Option<FeatureImportance> {
        self.as_fitted().feature_importance()
    }
}

/// Hyperparameters of balanced bagging (family `"balanced_bagging"`).
///
/// # Each bag
///
/// As imbalanced-learn 0.14's `BalancedBaggingClassifier` with its defaults
/// (`sampling_strategy="auto"`, `replacement=False`, `bootstrap=True`,
/// `max_samples=1.0`). Bagging there draws the bootstrap first and balances it
/// afterwards (the sampler is the first step of each member's pipeline), so
/// each bag is:
///
/// 1. `n` rows drawn with replacement from the `n` training rows (with
///    `bootstrap = false`: every training row once);
/// 2. of those draws, every one of the minority class (the class with fewer
///    draws) and as many draws of the majority class, chosen at random without
///    replacement among the majority draws (with `replacement = true`: with
///    replacement), as `RandomUnderSampler`.
///
/// The base is fitted on that bag (rows repeated as drawn); the ensemble's
/// probability is the mean of the members' probabilities.
///
/// # Randomness and determinism
///
/// Bag `i` uses its own ChaCha8 stream: seeded with [`FitOptions::seed`],
/// stream number `i`. Its first draw is the seed passed to the base's fit; the
/// bootstrap and the under-sampling follow. Bags are fitted in parallel, and the
/// ensemble is the same whatever the number of threads.
///
/// # Failures
///
/// A bag whose draws hold a single class cannot be fitted (possible only on
/// tiny or extremely imbalanced data): the fit fails with the base's
/// [`ModelError::OneClass`], as imbalanced-learn does. When several bags fail,
/// the error of the first is reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BalancedBagging {
    /// The family fitted on each bag. Default: a decision tree with its defaults.
    pub base: BaggingBase,
    /// Number of bags. At least 1. Default: 10.
    pub n_estimators: usize,
    /// Whether each bag starts from a bootstrap sample of the training rows.
    /// Default: true.
    pub bootstrap: bool,
    /// Whether the majority class is under-sampled with replacement. Default:
    /// false.
    pub replacement: bool,
}

impl Default for BalancedBagging {
    fn default() -> Self {
        Self { base: BaggingBase::default(), n_estimators: 10, bootstrap: true, replacement: false }
    }
}

impl BalancedBagging {
    /// Checks the hyperparameters, naming the first invalid one; an invalid
    /// base is reported as `base`, with the base's own field in the reason.
    pub fn validate(&self) -> Result<(), ModelError> {
        if self.n_estimators == 0 {
            return Err(ModelError::InvalidHyperparameter {
                name: "n_estimators",
                reason: "must be at least 1".into(),
            });
        }
        self.base.validate().map_err(|e| match e {
            ModelError::InvalidHyperparameter { name, reason } => ModelError::InvalidHyperparameter {
                name: "base",
                reason: format!("{} {name}: {reason}", self.base.family()),
            },
            other => other,
        })
    }

    /// Fits on `train` and returns the concrete model (what [`Classifier::fit`]
    /// boxes).
    pub fn fit_model(&self, train: Samples<'_>, seed: u64) -> Result<BalancedBaggingModel, ModelError> {
        self.fit_checked_model(self.check_data(train, None)?, seed)
    }

    /// The fit itself, on data the contract checked.
    fn fit_checked_model(&self, data: CheckedData<'_>, seed: u64) -> Result<BalancedBaggingModel, ModelError> {
        let train = data.train();
        let fits: Vec<Result<BaggedModel, ModelError>> =
            (0..self.n_estimators).into_par_iter().map(|bag| self.fit_bag(train, seed, bag)).collect();
        let estimators = fits.into_iter().collect::<Result<Vec<_>, _>>()?;
        Ok(BalancedBaggingModel { n_features: train.features().n_cols(), estimators })
    }

    /// Draws bag `bag` and fits the base on it.
    fn fit_bag(&self, train: Samples<'_>, seed: u64, bag: usize) -> Result<BaggedModel, ModelError> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(bag as u64);
        let base_seed = rng.next_u64();
        let rows = self.draw(train.labels(), &mut rng)?;

        let n_cols = train.features().n_cols();
        let mut values = Vec::with_capacity(rows.len() * n_cols);
        let mut labels = Vec::with_capacity(rows.len());
        for &r in &rows {
            values.extend_from_slice(train.features().row(r));
            labels.push(train.labels()[r]);
        }
        let matrix = MatrixView::new(&values, n_cols).map_err(|e| ModelError::FitFailed(e.to_string()))?;
        let samples = Samples::new(matrix, &labels).map_err(|e| ModelError::FitFailed(e.to_string()))?;
        self.base.fit(samples, base_seed)
    }

    /// The training rows of one bag: on-time draws first, then late draws.
    /// Fails when the draws hold one class only.
    fn draw(&self, labels: &[bool], rng: &mut ChaCha8Rng) -> Result<Vec<usize>, ModelError> {
        let n = labels.len();
        let drawn: Vec<usize> =
            if self.bootstrap { (0..n).map(|_| rng.random_range(0..n)).collect() } else { (0..n).collect() };
        let (mut late, mut on_time): (Vec<usize>, Vec<usize>) = drawn.into_iter().partition(|&r| labels[r]);
        if late.is_empty() || on_time.is_empty() {
            return Err(ModelError::OneClass { late: !late.is_empty() });
        }
        let (minority, majority) =
            if late.len() <= on_time.len() { (&mut late, &mut on_time) } else { (&mut on_time, &mut late) };
        let keep = minority.len();
        if self.replacement {
            let pool = std::mem::take(majority);
            if !pool.is_empty() {
                *majority = (0..keep).map(|_| pool[rng.random_range(0..pool.len())]).collect();
            }
        } else {
            majority.partial_shuffle(rng, keep);
            majority.truncate(keep);
        }
        on_time.extend(late);
        Ok(on_time)
    }
}

impl Classifier for BalancedBagging {
    fn family(&self) -> &'static str {
        "balanced_bagging"
    }

    fn hyperparameters(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("hyperparameters serialise to JSON")
    }

    fn validate(&self) -> Result<(), ModelError> {
        BalancedBagging::validate(self)
    }

    fn missing_values(&self) -> MissingValues {
        MissingValues::Rejected
    }

    /// Fits on the training part; the validation part is not used.
    fn fit_checked(
        &self,
        data: CheckedData<'_>,
        options: &FitOptions,
    ) -> Result<Box<dyn FittedClassifier>, ModelError> {
        Ok(Box::new(self.fit_checked_model(data, options.seed)?))
    }
}

/// A fitted balanced-bagging ensemble.
///
/// Serialised as `{"n_features": ..., "estimators": [{"family": ..., ...}, ...]}`,
/// each member in its family's own format plus its `family`; deserialisation
/// checks that there is at least one member and that all have `n_features`
/// features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawModel")]
pub struct BalancedBaggingModel {
    n_features: usize,
    estimators: Vec<BaggedModel>,
}

impl BalancedBaggingModel {
    /// The members, in bag order.
    pub fn estimators(&self) -> &[BaggedModel] {
        &self.estimators
    }

    /// Number of features the model expects.
    pub fn n_features(&self) -> usize {
        self.n_features
    }
}

impl FittedClassifier for BalancedBaggingModel {
    /// The mean of the members' probabilities, summed in bag order.
    fn predict_proba(&self, features: MatrixView<'_>) -> Result<Vec<f64>, ModelError> {
        check_features(&features, self.n_features, MissingValues::Rejected)?;
        let mut total = vec![0.0; features.n_rows()];
        for member in &self.estimators {
            let proba = member.as_fitted().predict_proba(features)?;
            total.iter_mut().zip(proba).for_each(|(t, p)| *t += p);
        }
        let n = self.estimators.len() as f64;
        Ok(total.into_iter().map(|t| (t / n).clamp(0.0, 1.0)).collect())
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("a fitted model serialises to JSON")
    }

    /// The members' importances summed, in bag order, when the base family
    /// has them (trees, AdaBoost, gradient boosting); `None` otherwise.
    fn feature_importance(&self) -> Option<FeatureImportance> {
        let mut total = FeatureImportance::zeros(self.n_features);
        for member in &self.estimators {
            total.add(&member.as_fitted().feature_importance()?);
        }
        Some(total)
    }
}

/// The serialised form, validated into a [`BalancedBaggingModel`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModel {
    n_features: usize,
    estimators: Vec<BaggedModel>,
}

impl TryFrom<RawModel> for BalancedBaggingModel {
    type Error = String;

    fn try_from(raw: RawModel) -> Result<Self, String> {
        if raw.estimators.is_empty() {
            return Err("a bagging model needs at least one member".into());
        }
        if let Some((i, m)) = raw.estimators.iter().enumerate().find(|(_, m)| m.n_features() != raw.n_features) {
            return Err(format!("member {i} has {} features, the model {}", m.n_features(), raw.n_features));
        }
        Ok(Self { n_features: raw.n_features, estimators: raw.estimators })
    }
}
