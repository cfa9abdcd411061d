//! overdue-models' integration tests: each family against its reference (scikit-learn, imbalanced-learn, LightGBM fixtures), the tree core, and feature importance.
//!
//! One test binary per crate (ripgrep's layout): each file beside this one is
//! a module, so the suite links the crate's dependencies once, not once per
//! file. Add a module here when adding a file.

mod adaboost;
mod bagging;
mod csfsol;
mod decision_tree;
mod forest;
mod gbdt;
mod importance;
mod knn;
mod linear_svm;
mod logistic_regression;
mod naive_bayes;
mod support;
mod tree_core;
