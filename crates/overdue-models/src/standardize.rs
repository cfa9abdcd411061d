//! Per-column standardisation, fitted on training rows only.

use overdue_features::MatrixView;
use serde::{Deserialize, Serialize};

/// Centres and scales each column with the mean and standard deviation seen at
/// fit time. Constant columns get a scale of 1, so they map to 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Standardizer {
    /// Mean of each column in the training rows.
    pub means: Vec<f64>,
    /// Population standard deviation of each column (1 where it was 0).
    pub scales: Vec<f64>,
}

impl Standardizer {
    /// Learns means and scales from `features` (two passes, in f64).
    pub fn fit(features: &MatrixView<'_>) -> Self {
        let n_cols = features.n_cols();
        let n = features.n_rows().max(1) as f64;
        let mut means = vec![0.0; n_cols];
        for row in features.rows() {
            for (m, &v) in means.iter_mut().zip(row) {
                *m += f64::from(v);
            }
        }
        means.iter_mut().for_each(|m| *m /= n);
        let mut scales = vec![0.0; n_cols];
        for row in features.rows() {
            for ((s, &v), m) in scales.iter_mut().zip(row).zip(&means) {
                let d = f64::from(v) - m;
                *s += d * d;
            }
        }
        for s in &mut scales {
            let sd = (*s / n).sqrt();
            *s = if sd > 0.0 && sd.is_finite() { sd } else { 1.0 };
        }
        Self { means, scales }
    }

    /// Writes the standardised `row` into `out` (same length).
    pub fn transform_row(&self, row: &[f32], out: &mut [f64]) {
        for (((o, &v), m), s) in out.iter_mut().zip(row).zip(&self.means).zip(&self.scales) {
            *o = (f64::from(v) - m) / s;
        }
    }

    /// Checks a deserialised standardiser against the `n_features` it must
    /// serve: one finite mean and one positive finite scale per feature.
    pub fn check(&self, n_features: usize) -> Result<(), String> {
        if self.means.len() != n_features || self.scales.len() != n_features {
            return Err(format!(
                "standardizer has {} means and {} scales for {n_features} features",
                self.means.len(),
                self.scales.len()
            ));
        }
        if !self.means.iter().all(|m| m.is_finite()) || !self.scales.iter().all(|v| v.is_finite() && *v > 0.0) {
            return Err("standardizer means must be finite and scales positive and finite".into());
        }
        Ok(())
    }

    /// A standardiser that leaves values unchanged.
    pub fn identity(n_cols: usize) -> Self {
        Self { means: vec![0.0; n_cols], scales: vec![1.0; n_cols] }
    }
}
