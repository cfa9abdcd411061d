//! # overdue-nn
//!
//! The multilayer perceptron of the benchmark, trained on several backends chosen
//! at run time (burn's CPU ndarray and GPU wgpu devices, and candle on CPU), each
//! implementing `overdue_models::Classifier` like every other family.
//!
//! **Status.** The crate exists so that the heavy dependencies (burn, cubecl,
//! wgpu, candle) have a home of their own and never reach the other crates. It
//! holds no model yet: the MLP and its backends are tracked as their own issue.
//!
//! **What it is not for.** No configs, metrics or features: like the classic
//! families, the MLP sees only `Samples` and returns probabilities.
