//! Random forest on the histogram tree core, as scikit-learn's
//! `RandomForestClassifier`.
//!
//! The hyperparameters and the algorithm are documented on [`RandomForest`];
//! training (trees in parallel, out-of-bag score) is in `train.rs`, the fitted
//! model in `model.rs`, the trees themselves in [`crate::tree`].

mod model;
mod train;

use overdue_features::Samples;
use serde::{Deserialize, Serialize};

pub use model::RandomForestModel;

use crate::decision_tree::validate_growth;
use crate::{
    CheckedData, ClassWeight, Classifier, FitOptions, FittedClassifier, MaxFeatures, MissingValues, ModelError,
};

/// Hyperparameters of a random forest (family `"random_forest"`).
///
/// # Algorithm
///
/// As scikit-learn's `RandomForestClassifier` with the gini criterion: each
/// of `n_estimators` trees is grown on a bootstrap sample (`n` rows drawn with
/// replacement from the `n` training rows; a row drawn `c` times weighs `c`)
/// or, without `bootstrap`, on every row. At each node `max_features`
/// features are drawn at random (more while all drawn ones are constant in the
/// node, as scikit-learn), and the split lowering the weighted Gini impurity
/// most is taken. A node is a leaf when it is pure, at `max_depth`, holds
/// fewer than `min_samples_split` rows (distinct rows, as scikit-learn counts
/// them) or `2 * min_samples_leaf`, or no split of the drawn features lowers
/// the impurity. A leaf predicts the weighted share of late rows among its
/// rows, and the forest the mean over its trees.
///
/// Trees are grown by the histogram core ([`crate::tree`]): features are
/// binned (at most `max_bins` quantile bins, as LightGBM), so thresholds are
/// bin edges rather than midpoints between neighbouring values, and the Gini
/// decrease is computed as the variance decrease of the label with weights as
/// hessians (the two rank splits identically: see [`crate::tree`]'s split
/// module). Unlike scikit-learn, a split that leaves the impurity unchanged is
/// not taken (scikit-learn takes the best split even when it gains nothing;
/// this is rare on features with many values).
///
/// # Weights
///
/// `class_weight` multiplies each row's weight by its class's weight, computed
/// on the whole training set (scikit-learn's `"balanced"`, not
/// `"balanced_subsample"`); leaves then hold weighted shares.
///
/// # Randomness and parallelism
///
/// Trees are grown in parallel with rayon. Tree `t` draws its bootstrap
/// sample and its features from a ChaCha8 stream seeded by
/// [`FitOptions::seed`] with stream number `t`, so the model is the same
/// whatever the number of threads.
///
/// # Out-of-bag score
///
/// With `bootstrap`, each training row is predicted by the trees whose sample
/// left it out (the mean of their leaf values), and the out-of-bag score is
/// the accuracy of "late when that mean is above 1/2" over the rows that some
/// tree left out (scikit-learn's `oob_score_`; with 100 trees every row is
/// almost surely left out by one). Stored in the model.
///
/// # Missing values and failures
///
/// NaN features are routed as missing by the tree core (see [`crate::tree`]);
/// infinite values, empty or one-class training data give the errors of
/// [`crate::check_training`] under [`crate::MissingValues::Routed`], invalid hyperparameters
/// [`ModelError::InvalidHyperparameter`] naming the field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RandomForest {
    /// Number of trees, at least 1. Default: 100.
    pub n_estimators: usize,
    /// Features drawn at each node. Default: `"sqrt"` (scikit-learn's).
    pub max_features: MaxFeatures,
    /// Grow each tree on a bootstrap sample (else on every row). Default: true.
    pub bootstrap: bool,
    /// Maximum depth (the root is at depth 0), at least 1; `None` grows until
    /// leaves are pure or too small. Default: `None`.
    pub max_depth: Option<usize>,
    /// Fewest rows a node needs to be split, at least 2. Default: 2.
    pub min_samples_split: usize,
    /// Fewest rows each child of a split keeps, at least 1. Default: 1.
    pub min_samples_leaf: usize,
    /// Weights of the two classes. Default: none.
    pub class_weight: ClassWeight,
    /// Most value bins per feature, in `2..=255`. Default: 255.
    pub max_bins: usize,
}

impl Default for RandomForest {
    /// scikit-learn's defaults, with 255 bins.
    fn default() -> Self {
        Self {
            n_estimators: 100,
            max_features: MaxFeatures::Sqrt,
            bootstrap: true,
            max_depth: None,
            min_samples_split: 2,
            min_samples_leaf: 1,
            class_weight: ClassWeight::None,
            max_bins: crate::tree::MAX_BINS,
        }
    }
}

impl RandomForest {
    /// Checks the hyperparameters, naming the first invalid one. (A
    /// `max_features` count above the number of features is only detected at
    /// fit time.)
    pub fn validate(&self) -> Result<(), ModelError> {
        let invalid = |name, reason| Err(ModelError::InvalidHyperparameter { name, reason });
        if self.n_estimators == 0 {
            return invalid("n_estimators", "must be at least 1".into());
        }
        self.max_features.validate()?;
        validate_growth(self.max_depth, self.min_samples_split, self.min_samples_leaf)?;
        for (name, value) in
            [("min_samples_split", self.min_samples_split), ("min_samples_leaf", self.min_samples_leaf)]
        {
            if value > u32::MAX as usize {
                return invalid(name, format!("must be at most 2^32-1, got {value}"));
            }
        }
        self.class_weight.validate()?;
        if !(2..=crate::tree::MAX_BINS).contains(&self.max_bins) {
            return invalid("max_bins", format!("must be in 2..=255, got {}", self.max_bins));
        }
        Ok(())
    }

    /// Fits on `train` and returns the concrete model, so that callers can
    /// read its trees, out-of-bag score and importances.
    pub fn fit_model(&self, train: Samples<'_>, options: &FitOptions) -> Result<RandomForestModel, ModelError> {
        train::train(self, self.check_data(train, None)?, options.seed)
    }
}

impl Classifier for RandomForest {
    fn family(&self) -> &'static str {
        "random_forest"
    }

    fn hyperparameters(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("hyperparameters serialise to JSON")
    }

    fn validate(&self) -> Result<(), ModelError> {
        RandomForest::validate(self)
    }

    /// Fits on `train`; `validation` is not used.
    fn missing_values(&self) -> MissingValues {
        MissingValues::Routed
    }

    fn fit_checked(
        &self,
        data: CheckedData<'_>,
        options: &FitOptions,
    ) -> Result<Box<dyn FittedClassifier>, ModelError> {
        Ok(Box::new(train::train(self, data, options.seed)?))
    }
}
