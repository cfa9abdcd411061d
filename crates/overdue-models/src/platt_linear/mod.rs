//! The fitted form shared by the Platt-calibrated linear families (the L1
//! SVM, CSFSOL): an optional standardiser, coefficients, an intercept and a
//! [`PlattScaling`] of the decision values, plus what each family records
//! about its own fit. The families differ only in how they find the weights,
//! so scoring, calibration, accessors and serde live here once.

mod scoring;

use std::fmt::Debug;

use overdue_features::{MatrixView, Samples};
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize};

pub(crate) use scoring::{LinearScorer, decision_value, design_row};

use crate::{CalibratedOn, FittedClassifier, MissingValues, ModelError, PlattScaling, Standardizer, check_features};

/// What a family records about its fit beyond the linear model (solver
/// iterations, online updates). Its fields are serialised next to the shared
/// ones, so they must not reuse their names, and it should deny unknown fields:
/// it receives every key of a serialised model that the shared part does not
/// know.
pub trait FitRecord: Debug + Clone + PartialEq + Serialize + DeserializeOwned + Send + Sync {
    /// The family as named in error messages.
    const FAMILY: &'static str;
}

/// A fitted linear model with Platt-scaled probabilities; `R` is the family's
/// [`FitRecord`] ([`LinearSvmModel`](crate::LinearSvmModel) and
/// [`CsfsolModel`](crate::CsfsolModel) are instances).
///
/// The coefficients live on the scale the model was fitted on (after the stored
/// [`Standardizer`], if any); [`PlattLinearModel::original_scale`] converts them.
///
/// Serialised as one flat object, `{"standardizer": {...} | null,
/// "coefficients": [...], "intercept": ..., "platt": {"a": ..., "b": ...},
/// "calibrated_on": "validation" | "train"}` followed by the fields of `R`;
/// deserialisation checks that the parts are finite and consistent and rejects
/// unknown fields.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlattLinearModel<R> {
    standardizer: Option<Standardizer>,
    coefficients: Vec<f64>,
    intercept: f64,
    platt: PlattScaling,
    calibrated_on: CalibratedOn,
    #[serde(flatten)]
    record: R,
}

impl<R> PlattLinearModel<R> {
    /// Fits Platt scaling to the decision values of the given weights, on the
    /// validation rows when there are any, otherwise on the training rows.
    pub(crate) fn calibrate(
        standardizer: Option<Standardizer>,
        coefficients: Vec<f64>,
        intercept: f64,
        record: R,
        train: Samples<'_>,
        validation: Option<Samples<'_>>,
    ) -> Result<Self, ModelError> {
        let scorer = LinearScorer { standardizer: standardizer.as_ref(), coefficients: &coefficients, intercept };
        let (platt, calibrated_on) = scorer.calibrate(train, validation)?;
        Ok(Self { standardizer, coefficients, intercept, platt, calibrated_on, record })
    }

    fn scorer(&self) -> LinearScorer<'_> {
        LinearScorer {
            standardizer: self.standardizer.as_ref(),
            coefficients: &self.coefficients,
            intercept: self.intercept,
        }
    }

    /// The family's record of its fit; its parts also have accessors on each
    /// family's model type.
    pub(crate) fn record(&self) -> &R {
        &self.record
    }

    /// The standardiser applied before the coefficients, if any.
    pub fn standardizer(&self) -> Option<&Standardizer> {
        self.standardizer.as_ref()
    }

    /// One coefficient per feature on the fitted scale; exactly 0 for the
    /// features the L1 penalty or truncation removed.
    pub fn coefficients(&self) -> &[f64] {
        &self.coefficients
    }

    /// The bias (for the SVM, the weight of a constant feature of value 1); 0
    /// without one.
    pub fn intercept(&self) -> f64 {
        self.intercept
    }

    /// The sigmoid that maps decision values to probabilities.
    pub fn platt(&self) -> PlattScaling {
        self.platt
    }

    /// Which rows the sigmoid was fitted on.
    pub fn calibrated_on(&self) -> CalibratedOn {
        self.calibrated_on
    }

    /// Number of features the model expects.
    pub fn n_features(&self) -> usize {
        self.coefficients.len()
    }

    /// Coefficients and intercept on the raw, unstandardised features.
    pub fn original_scale(&self) -> (Vec<f64>, f64) {
        self.scorer().original_scale()
    }

    /// The decision values `w . x + b` (positive = late side), before
    /// calibration.
    pub fn decision_function(&self, features: MatrixView<'_>) -> Result<Vec<f64>, ModelError> {
        check_features(&features, self.n_features(), MissingValues::Rejected)?;
        Ok(self.scorer().decision_values(features))
    }
}

impl<R: FitRecord> FittedClassifier for PlattLinearModel<R> {
    fn predict_proba(&self, features: MatrixView<'_>) -> Result<Vec<f64>, ModelError> {
        Ok(self.decision_function(features)?.into_iter().map(|f| self.platt.probability(f)).collect())
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("a fitted model serialises to JSON")
    }
}

/// The serialised form before its checks. The family's fields are gathered in
/// `rest` and handed to `R`, because serde cannot deny unknown fields of a
/// struct with a flattened part.
#[derive(Deserialize)]
struct RawModel {
    standardizer: Option<Standardizer>,
    coefficients: Vec<f64>,
    intercept: f64,
    platt: PlattScaling,
    calibrated_on: CalibratedOn,
    #[serde(flatten)]
    rest: serde_json::Map<String, serde_json::Value>,
}

impl<'de, R: FitRecord> Deserialize<'de> for PlattLinearModel<R> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = RawModel::deserialize(deserializer)?;
        let scorer = LinearScorer {
            standardizer: raw.standardizer.as_ref(),
            coefficients: &raw.coefficients,
            intercept: raw.intercept,
        };
        scorer.check(R::FAMILY).map_err(D::Error::custom)?;
        let record = R::deserialize(serde_json::Value::Object(raw.rest)).map_err(D::Error::custom)?;
        Ok(Self {
            standardizer: raw.standardizer,
            coefficients: raw.coefficients,
            intercept: raw.intercept,
            platt: raw.platt,
            calibrated_on: raw.calibrated_on,
            record,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Steps {
        steps: usize,
    }

    impl FitRecord for Steps {
        const FAMILY: &'static str = "test";
    }

    fn model() -> PlattLinearModel<Steps> {
        PlattLinearModel {
            standardizer: None,
            coefficients: vec![0.5, -1.0],
            intercept: 0.25,
            platt: PlattScaling { a: -2.0, b: 0.1 },
            calibrated_on: CalibratedOn::Train,
            record: Steps { steps: 3 },
        }
    }

    #[test]
    fn serialises_flat_and_round_trips() {
        let json = model().to_json();
        assert_eq!(
            json,
            serde_json::json!({"standardizer": null, "coefficients": [0.5, -1.0], "intercept": 0.25,
                "platt": {"a": -2.0, "b": 0.1}, "calibrated_on": "train", "steps": 3})
        );
        assert_eq!(serde_json::from_value::<PlattLinearModel<Steps>>(json).unwrap(), model());
    }

    #[test]
    fn rejects_unknown_missing_and_inconsistent_fields() {
        let json = model().to_json();
        // A standardiser of the wrong width passes serde but not the shared check.
        let narrow = serde_json::json!({"means": [0.0], "scales": [1.0]});
        for (key, value) in [("extra", serde_json::json!(1)), ("standardizer", narrow)] {
            let mut bad = json.clone();
            bad[key] = value;
            assert!(serde_json::from_value::<PlattLinearModel<Steps>>(bad).is_err(), "{key}");
        }
        let mut missing = json.clone();
        missing.as_object_mut().unwrap().remove("steps");
        assert!(serde_json::from_value::<PlattLinearModel<Steps>>(missing).is_err());
    }
}
