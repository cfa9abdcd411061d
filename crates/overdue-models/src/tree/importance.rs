//! Feature importance of a tree model, as LightGBM reports it: per feature,
//! the summed gains of its splits and their number.

use serde::{Deserialize, Serialize};

use super::node::FlatTree;

/// How much each feature was used by an ensemble's splits.
///
/// Serialised as `{"gain": [...], "split": [...]}`, one entry per feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureImportance {
    /// Sum of the gains of the splits on each feature (LightGBM's
    /// `importance_type="gain"`).
    pub gain: Vec<f64>,
    /// Number of splits on each feature (LightGBM's `importance_type="split"`).
    pub split: Vec<u64>,
}

impl FeatureImportance {
    /// No gain and no split for each of `n_features` features.
    pub fn zeros(n_features: usize) -> Self {
        Self { gain: vec![0.0; n_features], split: vec![0; n_features] }
    }

    /// Sums over `trees`, for `n_features` features (splits on features beyond
    /// that are ignored).
    pub fn of_trees<'a>(trees: impl IntoIterator<Item = &'a FlatTree>, n_features: usize) -> Self {
        let Self { mut gain, mut split } = Self::zeros(n_features);
        for tree in trees {
            for (&f, &g) in tree.split_features().iter().zip(tree.split_gains()) {
                if let (Some(total), Some(count)) = (gain.get_mut(f as usize), split.get_mut(f as usize)) {
                    *total += g;
                    *count += 1;
                }
            }
        }
        Self { gain, split }
    }

    /// Adds `other`'s gains and split counts to these, feature by feature.
    pub fn add(&mut self, other: &FeatureImportance) {
        self.gain.iter_mut().zip(&other.gain).for_each(|(t, g)| *t += g);
        self.split.iter_mut().zip(&other.split).for_each(|(t, c)| *t += c);
    }

    /// Number of features.
    pub fn n_features(&self) -> usize {
        self.gain.len()
    }
}
