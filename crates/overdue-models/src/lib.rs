//! # overdue-models
//!
//! The [`Classifier`] contract and the classic model families, in pure Rust.
//!
//! **What it is for.** A classifier is a set of hyperparameters (plain serde data)
//! that can be fitted on the training part of a [`Dataset`](overdue_features::Dataset),
//! optionally looking at the validation part, and yields a [`FittedClassifier`]
//! that predicts the probability that each row is late. Preprocessing that a family
//! applies (standardisation, class weights) is an explicit hyperparameter, never
//! hidden behaviour. Every family rejects bad input with a [`ModelError`] rather
//! than panicking or returning NaN probabilities.
//!
//! **The contract checks, not the families.** A family states its
//! [`MissingValues`] policy and implements [`Classifier::fit_checked`], which
//! takes [`CheckedData`]: data that only [`CheckedData::new`] constructs, after
//! validating the hyperparameters and checking the rows (non-empty, both
//! classes, no infinity, NaN only where routed, a validation part of the same
//! width). The provided [`Classifier::fit`] does exactly that, so a family
//! cannot be fitted on unchecked data, whichever entry point is used.
//!
//! **What it is not for.** No configs, no file formats, no metrics: models see only
//! [`Samples`](overdue_features::Samples) and
//! [`MatrixView`](overdue_features::MatrixView) and return probabilities. The neural
//! network lives in `overdue-nn`, which implements the same traits.

mod adaboost;
mod bagging;
mod class_weight;
mod classifier;
mod csfsol;
mod decision_tree;
mod error;
mod forest;
mod gbdt;
mod hot_pool;
mod knn;
mod linalg;
mod linear_svm;
mod logistic;
mod naive_bayes;
mod numeric;
mod platt;
mod platt_linear;
mod standardize;
pub mod tree;

pub use adaboost::{AdaBoost, AdaBoostModel, BoostedTree};
pub use bagging::{BaggedModel, BaggingBase, BalancedBagging, BalancedBaggingModel};
pub use class_weight::ClassWeight;
pub use classifier::{
    CheckedData, Classifier, ComputeDevice, FitOptions, FittedClassifier, MissingValues, TrainingReport,
    check_features, check_training,
};
pub use csfsol::{Csfsol, CsfsolModel, CsfsolRecord};
pub use decision_tree::{
    Criterion, DecisionTree, DecisionTreeModel, MaxFeatures, NodeSplit, TreeNode, split_entropy, split_gini,
};
pub use error::ModelError;
pub use forest::{RandomForest, RandomForestModel};
pub use gbdt::{GradientBoostedTrees, GradientBoostedTreesModel};
pub use knn::{KNearestNeighbors, KNearestNeighborsModel, NeighborWeights};
pub use linear_svm::{LinearSvm, LinearSvmModel, LinearSvmRecord};
pub use logistic::{LogisticRegression, LogisticRegressionModel, Penalty};
pub use naive_bayes::{ClassModel, ClassPriors, GaussianNaiveBayes, GaussianNaiveBayesModel};
pub use numeric::sigmoid;
pub use platt::{CalibratedOn, PlattScaling};
pub use platt_linear::{FitRecord, PlattLinearModel};
pub use standardize::Standardizer;
pub use tree::FeatureImportance;
