//! Gaussian naive Bayes, computed exactly as scikit-learn's `GaussianNB`.
//!
//! The model and its numerics are documented on [`GaussianNaiveBayes`].

use std::collections::BTreeMap;

use overdue_features::{MatrixView, Samples};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{CheckedData, Classifier, FitOptions, FittedClassifier, MissingValues, ModelError, check_features};

/// Rows per parallel work item when predicting. Each row is independent, so the
/// chunk size only affects speed, never the result.
const CHUNK_ROWS: usize = 4096;

/// Largest allowed `|late + on_time - 1|` for explicit priors: scikit-learn's
/// `np.isclose(sum, 1.0)` (`atol = 1e-8`, `rtol = 1e-5`).
const PRIOR_SUM_TOLERANCE: f64 = 1e-8 + 1e-5;

/// Explicit class priors, in place of the class shares of the training labels.
///
/// JSON: `{"late": 0.3, "on_time": 0.7}` (TOML: `{ late = 0.3, on_time = 0.7 }`);
/// exactly these two keys, and never a bare list, whose order (scikit-learn's is
/// `[on_time, late]`) would be easy to get wrong. Both must be positive and
/// finite and sum to 1 (within scikit-learn's tolerance, `1e-8 + 1e-5`); they are
/// used as given, not renormalised.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "BTreeMap<String, f64>")]
pub struct ClassPriors {
    /// Prior probability of the late class (label `true`).
    pub late: f64,
    /// Prior probability of the on-time class (label `false`).
    pub on_time: f64,
}

impl TryFrom<BTreeMap<String, f64>> for ClassPriors {
    type Error = String;

    fn try_from(map: BTreeMap<String, f64>) -> Result<Self, String> {
        match (map.get("late"), map.get("on_time"), map.len()) {
            (Some(&late), Some(&on_time), 2) => Ok(Self { late, on_time }),
            _ => {
                Err(format!("priors need exactly the keys late and on_time, got {:?}", map.keys().collect::<Vec<_>>()))
            }
        }
    }
}

/// Hyperparameters of Gaussian naive Bayes.
///
/// # Model
///
/// Each feature is, within each class, an independent normal variable. Fitting
/// computes per class the mean and the population variance (divided by the
/// class's row count) of every feature, in f64, summing rows in order. Exactly as
/// scikit-learn, every variance is then increased by
/// `epsilon = var_smoothing * max_j var_j`, where `var_j` is the population
/// variance of feature `j` over all training rows, so that features that are
/// (nearly) constant within a class do not produce infinite densities.
///
/// The class priors are the class shares of the training labels unless
/// [`GaussianNaiveBayes::priors`] gives them.
///
/// # Prediction
///
/// Per class `c`, the joint log-likelihood of a row `x` is
/// `log prior_c - 0.5 * sum_j ln(2 pi var_cj) - 0.5 * sum_j (x_j - mean_cj)^2 / var_cj`,
/// and the probability of late is `exp(jll_late - logsumexp(jll_on_time, jll_late))`,
/// computed in log space with the larger term factored out, so that rows far
/// from both classes (densities that underflow to 0 in linear space) still get a
/// well-defined probability. This is scikit-learn's `predict_proba`; on the
/// fixtures the two agree to about 1e-13 relative.
///
/// # Failures
///
/// Invalid hyperparameters give [`ModelError::InvalidHyperparameter`]; empty,
/// one-class or non-finite training data the errors of [`check_training`]. A
/// variance that is still zero after smoothing (only possible with
/// `var_smoothing = 0`, or when every feature is constant) gives
/// [`ModelError::FitFailed`] naming the feature and class, where scikit-learn
/// would divide by zero.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GaussianNaiveBayes {
    /// Share of the largest feature variance added to every variance
    /// (scikit-learn's `var_smoothing`). Must be finite and non-negative.
    /// Default: 1e-9.
    pub var_smoothing: f64,
    /// Class priors; `null` (the default) uses the class shares of the training
    /// labels.
    pub priors: Option<ClassPriors>,
}

impl Default for GaussianNaiveBayes {
    fn default() -> Self {
        Self { var_smoothing: 1e-9, priors: None }
    }
}

impl GaussianNaiveBayes {
    /// Checks the hyperparameters, naming the first invalid one.
    pub fn validate(&self) -> Result<(), ModelError> {
        if !(self.var_smoothing.is_finite() && self.var_smoothing >= 0.0) {
            return Err(ModelError::InvalidHyperparameter {
                name: "var_smoothing",
                reason: format!("must be finite and non-negative, got {}", self.var_smoothing),
            });
        }
        if let Some(ClassPriors { late, on_time }) = self.priors {
            for (class, p) in [("late", late), ("on_time", on_time)] {
                if !(p.is_finite() && p > 0.0) {
                    return Err(ModelError::InvalidHyperparameter {
                        name: "priors",
                        reason: format!("the {class} prior must be positive and finite, got {p}"),
                    });
                }
            }
            if ((late + on_time) - 1.0).abs() > PRIOR_SUM_TOLERANCE {
                return Err(ModelError::InvalidHyperparameter {
                    name: "priors",
                    reason: format!("late + on_time must be 1, got {late} + {on_time} = {}", late + on_time),
                });
            }
        }
        Ok(())
    }

    /// Fits on `train` and returns the concrete model (what [`Classifier::fit`]
    /// boxes), so that callers can read its parameters.
    pub fn fit_model(&self, train: Samples<'_>) -> Result<GaussianNaiveBayesModel, ModelError> {
        self.fit_checked_model(self.check_data(train, None)?)
    }

    /// The fit itself, on data the contract checked.
    fn fit_checked_model(&self, data: CheckedData<'_>) -> Result<GaussianNaiveBayesModel, ModelError> {
        let train = data.train();
        let n_cols = train.features().n_cols();
        let rows = train.features().as_slice().chunks_exact(n_cols.max(1));
        let (_, all_variances) = moments(rows.clone());
        let max_variance = all_variances.iter().copied().fold(0.0, f64::max);
        let epsilon = self.var_smoothing * max_variance;

        let n = train.n_rows() as f64;
        let n_late = train.n_late() as f64;
        let priors = self.priors.unwrap_or(ClassPriors { late: n_late / n, on_time: (n - n_late) / n });
        let class = |late: bool, prior: f64| {
            let class_rows =
                rows.clone().zip(train.labels()).filter(move |&(_, &label)| label == late).map(|(row, _)| row);
            let (means, mut variances) = moments(class_rows);
            variances.iter_mut().for_each(|v| *v += epsilon);
            if let Some(j) = variances.iter().position(|v| !(v.is_finite() && *v > 0.0)) {
                let name = if late { "late" } else { "on-time" };
                return Err(ModelError::FitFailed(format!(
                    "gaussian naive Bayes: feature {j} has variance {} in the {name} class after smoothing \
                     (epsilon = {epsilon}); use a positive var_smoothing",
                    variances[j]
                )));
            }
            Ok(ClassModel { log_prior: prior.ln(), means, variances })
        };
        let on_time = class(false, priors.on_time)?;
        let late = class(true, priors.late)?;
        GaussianNaiveBayesModel::new(RawModel { epsilon, on_time, late }).map_err(ModelError::FitFailed)
    }
}

impl Classifier for GaussianNaiveBayes {
    fn family(&self) -> &'static str {
        "gaussian_naive_bayes"
    }

    fn hyperparameters(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("hyperparameters serialise to JSON")
    }

    fn validate(&self) -> Result<(), ModelError> {
        GaussianNaiveBayes::validate(self)
    }

    /// Fits on `train`; `validation` and the seed are not used.
    fn missing_values(&self) -> MissingValues {
        MissingValues::Rejected
    }

    fn fit_checked(
        &self,
        data: CheckedData<'_>,
        _options: &FitOptions,
    ) -> Result<Box<dyn FittedClassifier>, ModelError> {
        Ok(Box::new(self.fit_checked_model(data)?))
    }
}

/// Means and population variances of each column, in f64: the mean is the
/// sum of the rows in order divided by their count, the variance the mean of
/// the squared deviations from it (numpy's `mean` and `var` along axis 0).
fn moments<'a>(rows: impl Iterator<Item = &'a [f32]> + Clone) -> (Vec<f64>, Vec<f64>) {
    let mut count = 0usize;
    let mut means: Vec<f64> = Vec::new();
    for row in rows.clone() {
        if means.is_empty() {
            means = vec![0.0; row.len()];
        }
        means.iter_mut().zip(row).for_each(|(m, &v)| *m += f64::from(v));
        count += 1;
    }
    let n = count.max(1) as f64;
    means.iter_mut().for_each(|m| *m /= n);
    let mut variances = vec![0.0; means.len()];
    for row in rows {
        for ((s, &v), m) in variances.iter_mut().zip(row).zip(&means) {
            let d = f64::from(v) - m;
            *s += d * d;
        }
    }
    variances.iter_mut().for_each(|s| *s /= n);
    (means, variances)
}

/// The fitted parameters of one class.
///
/// Serialised as `{"log_prior": ..., "means": [...], "variances": [...]}`; the
/// variances include the smoothing `epsilon` (scikit-learn's `var_`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassModel {
    /// Natural logarithm of the class prior.
    pub log_prior: f64,
    /// Mean of each feature in the class.
    pub means: Vec<f64>,
    /// Variance of each feature in the class, plus the smoothing epsilon.
    pub variances: Vec<f64>,
}

impl ClassModel {
    /// `-0.5 * sum_j ln(2 pi var_j)`: the part of the log-density that does not
    /// depend on the row.
    fn normalisation(&self) -> f64 {
        -0.5 * self.variances.iter().map(|v| (2.0 * std::f64::consts::PI * v).ln()).sum::<f64>()
    }

    /// Joint log-likelihood of `row` given the precomputed normalisation, in
    /// scikit-learn's order of operations.
    fn joint_log_likelihood(&self, row: &[f32], normalisation: f64) -> f64 {
        let mut squares = 0.0;
        for ((&x, m), v) in row.iter().zip(&self.means).zip(&self.variances) {
            let d = f64::from(x) - m;
            squares += d * d / v;
        }
        self.log_prior + (normalisation - 0.5 * squares)
    }
}

/// A fitted Gaussian naive Bayes model.
///
/// Serialised as `{"epsilon": ..., "on_time": {class}, "late": {class}}` (see
/// [`ClassModel`]); deserialisation checks that the parts are finite, the
/// variances positive and both classes the same width.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawModel", into = "RawModel")]
pub struct GaussianNaiveBayesModel {
    epsilon: f64,
    on_time: ClassModel,
    late: ClassModel,
    /// `[on_time, late]` normalisations, derived from the variances.
    normalisations: [f64; 2],
}

impl GaussianNaiveBayesModel {
    fn new(raw: RawModel) -> Result<Self, String> {
        let RawModel { epsilon, on_time, late } = raw;
        if !(epsilon.is_finite() && epsilon >= 0.0) {
            return Err(format!("epsilon must be finite and non-negative, got {epsilon}"));
        }
        let n = on_time.means.len();
        for (name, class) in [("on_time", &on_time), ("late", &late)] {
            if class.means.len() != n || class.variances.len() != n {
                return Err(format!(
                    "the {name} class has {} means and {} variances for {n} features",
                    class.means.len(),
                    class.variances.len()
                ));
            }
            if !class.log_prior.is_finite() || !class.means.iter().all(|m| m.is_finite()) {
                return Err(format!("the {name} class's log prior and means must be finite"));
            }
            if !class.variances.iter().all(|v| v.is_finite() && *v > 0.0) {
                return Err(format!("the {name} class's variances must be positive and finite"));
            }
        }
        let normalisations = [on_time.normalisation(), late.normalisation()];
        if !normalisations.iter().all(|v| v.is_finite()) {
            return Err("the variances give a non-finite normalisation".into());
        }
        Ok(Self { epsilon, on_time, late, normalisations })
    }

    /// The smoothing added to every variance: `var_smoothing * max variance`.
    pub fn epsilon(&self) -> f64 {
        self.epsilon
    }

    /// Parameters of the on-time class.
    pub fn on_time(&self) -> &ClassModel {
        &self.on_time
    }

    /// Parameters of the late class.
    pub fn late(&self) -> &ClassModel {
        &self.late
    }

    /// Number of features the model expects.
    pub fn n_features(&self) -> usize {
        self.on_time.means.len()
    }

    /// Probability of late for one (checked) row.
    fn probability(&self, row: &[f32]) -> f64 {
        let on_time = self.on_time.joint_log_likelihood(row, self.normalisations[0]);
        let late = self.late.joint_log_likelihood(row, self.normalisations[1]);
        let (high, low) = if late >= on_time { (late, on_time) } else { (on_time, late) };
        if high == f64::NEG_INFINITY || high.is_nan() || low.is_nan() {
            // Both densities beyond f64's range (only with extreme features and
            // tiny variances): nothing separates the classes but the priors.
            return self.late.log_prior.exp();
        }
        // log(exp(on_time) + exp(late)), with the larger term factored out.
        let log_evidence = high + (low - high).exp().ln_1p();
        (late - log_evidence).exp().clamp(0.0, 1.0)
    }
}

impl FittedClassifier for GaussianNaiveBayesModel {
    fn predict_proba(&self, features: MatrixView<'_>) -> Result<Vec<f64>, ModelError> {
        check_features(&features, self.n_features(), MissingValues::Rejected)?;
        let n_cols = features.n_cols();
        if features.n_rows() == 0 {
            return Ok(Vec::new());
        }
        let mut proba = vec![0.0; features.n_rows()];
        proba.par_chunks_mut(CHUNK_ROWS).zip(features.as_slice().par_chunks(CHUNK_ROWS * n_cols)).for_each(
            |(out, rows)| {
                for (p, row) in out.iter_mut().zip(rows.chunks_exact(n_cols)) {
                    *p = self.probability(row);
                }
            },
        );
        Ok(proba)
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("a fitted model serialises to JSON")
    }
}

/// The serialised form, validated into a [`GaussianNaiveBayesModel`].
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModel {
    epsilon: f64,
    on_time: ClassModel,
    late: ClassModel,
}

impl TryFrom<RawModel> for GaussianNaiveBayesModel {
    type Error = String;

    fn try_from(raw: RawModel) -> Result<Self, String> {
        Self::new(raw)
    }
}

impl From<GaussianNaiveBayesModel> for RawModel {
    fn from(model: GaussianNaiveBayesModel) -> Self {
        RawModel { epsilon: model.epsilon, on_time: model.on_time, late: model.late }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_are_population_moments() {
        let rows: [&[f32]; 3] = [&[1.0, 10.0], &[2.0, 10.0], &[6.0, 10.0]];
        let (means, variances) = moments(rows.into_iter());
        assert_eq!(means, vec![3.0, 10.0]);
        assert_eq!(variances, vec![14.0 / 3.0, 0.0]);
    }

    #[test]
    fn default_hyperparameters_are_valid() {
        GaussianNaiveBayes::default().validate().unwrap();
    }
}
