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
//! **What it is not for.** No configs, no file formats, no metrics: models see only
//! [`Samples`](overdue_features::Samples) and
//! [`MatrixView`](overdue_features::MatrixView) and return probabilities. The neural
//! network lives in `overdue-nn`, which implements the same traits.

mod class_weight;
mod classifier;
mod error;
mod linalg;
mod logistic;
mod standardize;

pub use class_weight::ClassWeight;
pub use classifier::{Classifier, FitOptions, FittedClassifier, check_features, check_training};
pub use error::ModelError;
pub use logistic::{LogisticRegression, LogisticRegressionModel, Penalty};
pub use standardize::Standardizer;
