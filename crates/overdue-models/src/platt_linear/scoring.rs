//! What every linear scorer (the L1 SVM, CSFSOL, logistic regression) shares:
//! standardised rows, decision values, calibration on validation or train
//! rows, and the consistency checks of a deserialised model.

use overdue_features::{MatrixView, Samples};
use rayon::prelude::*;

use crate::{CalibratedOn, ModelError, PlattScaling, Standardizer};

/// Rows per parallel work item when scoring. Each row's value is computed
/// alone, so the result does not depend on the chunking; the constant only
/// bounds the scheduling overhead.
const CHUNK_ROWS: usize = 8192;

/// One row as the model sees it: standardised if there is a standardiser. Used
/// both when fitting and when predicting, so both compute bit-identical values.
pub(crate) fn design_row(standardizer: Option<&Standardizer>, row: &[f32], out: &mut [f64]) {
    match standardizer {
        Some(s) => s.transform_row(row, out),
        None => out.iter_mut().zip(row).for_each(|(o, &v)| *o = f64::from(v)),
    }
}

/// `x . w + intercept` for one design row, summed left to right.
pub(crate) fn decision_value(x: &[f64], coefficients: &[f64], intercept: f64) -> f64 {
    let mut z = 0.0;
    for (xi, wi) in x.iter().zip(coefficients) {
        z += xi * wi;
    }
    z + intercept
}

/// A linear scorer borrowed from a fitted model.
#[derive(Clone, Copy)]
pub(crate) struct LinearScorer<'a> {
    pub standardizer: Option<&'a Standardizer>,
    pub coefficients: &'a [f64],
    pub intercept: f64,
}

impl LinearScorer<'_> {
    /// Decision values of every row (the width must already be checked),
    /// computed in parallel over fixed chunks of rows.
    pub fn decision_values(&self, features: MatrixView<'_>) -> Vec<f64> {
        let n_cols = features.n_cols();
        if features.n_rows() == 0 {
            return Vec::new();
        }
        let chunks: Vec<Vec<f64>> = features
            .as_slice()
            .par_chunks(CHUNK_ROWS * n_cols)
            .map(|chunk| {
                let mut buffer = vec![0.0; n_cols];
                chunk
                    .chunks_exact(n_cols)
                    .map(|row| {
                        design_row(self.standardizer, row, &mut buffer);
                        decision_value(&buffer, self.coefficients, self.intercept)
                    })
                    .collect()
            })
            .collect();
        chunks.concat()
    }

    /// Fits Platt scaling on the validation rows when there are any, otherwise
    /// on the training rows, and says which. Both come from a fit's
    /// [`crate::CheckedData`]: the contract checked their width and values.
    pub fn calibrate(
        &self,
        train: Samples<'_>,
        validation: Option<Samples<'_>>,
    ) -> Result<(PlattScaling, CalibratedOn), ModelError> {
        match validation.filter(|v| v.n_rows() > 0) {
            Some(v) => {
                let scores = self.decision_values(v.features());
                Ok((PlattScaling::fit(&scores, v.labels())?, CalibratedOn::Validation))
            }
            None => {
                let scores = self.decision_values(train.features());
                Ok((PlattScaling::fit(&scores, train.labels())?, CalibratedOn::Train))
            }
        }
    }

    /// Coefficients and intercept on the raw, unstandardised features:
    /// `w_j / scale_j` and `b - sum_j w_j * mean_j / scale_j`.
    pub fn original_scale(&self) -> (Vec<f64>, f64) {
        match self.standardizer {
            None => (self.coefficients.to_vec(), self.intercept),
            Some(s) => {
                let coefficients: Vec<f64> = self.coefficients.iter().zip(&s.scales).map(|(w, sc)| w / sc).collect();
                let shift: f64 = coefficients.iter().zip(&s.means).map(|(w, m)| w * m).sum();
                (coefficients, self.intercept - shift)
            }
        }
    }

    /// Checks a deserialised scorer: finite parameters, a standardiser of the
    /// right width with finite means and positive finite scales.
    pub fn check(&self, family: &str) -> Result<(), String> {
        if !self.coefficients.iter().chain([&self.intercept]).all(|v| v.is_finite()) {
            return Err(format!("{family} coefficients and intercept must be finite"));
        }
        if let Some(s) = self.standardizer {
            s.check(self.coefficients.len())?;
        }
        Ok(())
    }
}
