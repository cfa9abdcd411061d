//! [`Mlp`] as a [`Classifier`], and the fitted [`MlpModel`].

use overdue_features::MatrixView;
use overdue_models::{
    CheckedData, Classifier, FitOptions, FittedClassifier, MissingValues, ModelError, Standardizer, TrainingReport,
    check_features,
};
use serde::{Deserialize, Serialize};

use crate::engine::{TrainingRows, logits};
use crate::train::{TrainingLog, ValidationRows, probabilities, train};
use crate::{Mlp, MlpWeights};

impl Classifier for Mlp {
    fn family(&self) -> &'static str {
        "mlp"
    }

    fn hyperparameters(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("MLP hyperparameters serialise")
    }

    fn validate(&self) -> Result<(), ModelError> {
        self.check()
    }

    fn missing_values(&self) -> MissingValues {
        MissingValues::Rejected
    }

    fn fit_checked(
        &self,
        data: CheckedData<'_>,
        options: &FitOptions,
    ) -> Result<Box<dyn FittedClassifier>, ModelError> {
        let (train_rows, validation) = (data.train(), data.validation());
        let n_features = train_rows.features().n_cols();
        let standardizer = self.standardize.then(|| Standardizer::fit(&train_rows.features()));
        let class_weights = self.class_weight.resolve(train_rows.labels())?;
        let rows = TrainingRows::new(
            standardized(standardizer.as_ref(), &train_rows.features()),
            n_features,
            train_rows.labels(),
            class_weights,
            self.output,
        )?;
        let validation_features = match &validation {
            Some(validation) => standardized(standardizer.as_ref(), &validation.features()),
            None => Vec::new(),
        };
        let validation = validation
            .as_ref()
            .map(|validation| ValidationRows { features: &validation_features, labels: validation.labels() });
        let (weights, training) = train(self, &rows, validation, options.seed)?;
        Ok(Box::new(MlpModel { hyperparameters: self.clone(), standardizer, weights, training }))
    }
}

/// A trained MLP: its weights in the backend-neutral format, the
/// standardisation it learnt, and how training went. Predictions run on the
/// backend it was trained on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MlpModel {
    /// The hyperparameters it was trained with (the backend among them).
    pub hyperparameters: Mlp,
    /// The per-feature standardisation, when enabled.
    pub standardizer: Option<Standardizer>,
    /// The kept weights (the best validation epoch's with early stopping).
    pub weights: MlpWeights,
    /// Losses, epochs and timings of training.
    pub training: TrainingLog,
}

impl FittedClassifier for MlpModel {
    fn predict_proba(&self, features: MatrixView<'_>) -> Result<Vec<f64>, ModelError> {
        check_features(&features, self.weights.n_inputs(), MissingValues::Rejected)?;
        if features.n_rows() == 0 {
            return Ok(Vec::new());
        }
        let x = standardized(self.standardizer.as_ref(), &features);
        let logits = logits(self.hyperparameters.backend, &self.weights, &x, features.n_cols())?;
        Ok(probabilities(self.hyperparameters.output, &logits))
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("an MLP model serialises")
    }

    fn training_report(&self) -> TrainingReport {
        let log = &self.training;
        TrainingReport {
            device: Some(log.device.clone()),
            epochs: Some(log.epochs_run),
            first_step_seconds: Some(log.first_step_seconds),
            steady_rows_per_second: Some(log.steady_rows_per_second),
        }
    }
}

/// The rows of `features`, standardised when a standardiser is given, as f32.
fn standardized(standardizer: Option<&Standardizer>, features: &MatrixView<'_>) -> Vec<f32> {
    let Some(standardizer) = standardizer else { return features.as_slice().to_vec() };
    let mut scratch = vec![0.0; features.n_cols()];
    let mut out = Vec::with_capacity(features.as_slice().len());
    for row in features.rows() {
        standardizer.transform_row(row, &mut scratch);
        out.extend(scratch.iter().map(|&v| v as f32));
    }
    out
}
