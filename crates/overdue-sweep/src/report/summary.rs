//! Aggregating run records into the cells of a results table.

use std::collections::BTreeSet;

use overdue_data::{CleaningCounts, LoadReport};
use overdue_features::SplitSummary;

use super::devices::{DeviceCost, device_costs};
use crate::{RunCell, RunOutcome, RunRecord};

/// A metric over the seeds of one cell: mean and 95% confidence half-width.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Mean over seeds.
    pub mean: f64,
    /// Half-width of the 95% confidence interval of the mean (Student's t);
    /// `None` with a single seed.
    pub ci95: Option<f64>,
    /// Number of seeds.
    pub n: usize,
}

impl Estimate {
    /// The estimate of `values`, or `None` when there are none.
    pub fn of(values: &[f64]) -> Option<Self> {
        let n = values.len();
        if n == 0 {
            return None;
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let ci95 = (n > 1).then(|| {
            let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            student_t_975(n - 1) * (variance / n as f64).sqrt()
        });
        Some(Self { mean, ci95, n })
    }
}

/// The 97.5% quantile of Student's t with `df` degrees of freedom.
fn student_t_975(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ];
    TABLE.get(df.wrapping_sub(1)).copied().unwrap_or(1.960)
}

/// A model column of the tables: a family with one set of hyperparameters.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelColumn {
    /// The family name, numbered when a family appears with several settings.
    pub label: String,
    /// The family.
    pub family: String,
    /// The hyperparameters.
    pub hyperparameters: serde_json::Value,
}

/// A row of the results tables: one dataset of the sweep, a history window
/// (receivables) or a feature variant (payables). Rows order by window, then
/// by variant name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FeatureRow {
    /// History window in months (0 for feature sets without windows).
    pub window_months: u32,
    /// The feature variant of sets without windows (`before_due_3/historical`).
    pub variant: Option<String>,
}

impl FeatureRow {
    /// The row of a run.
    pub fn of(cell: &RunCell) -> Self {
        Self { window_months: cell.window_months, variant: cell.variant.clone() }
    }

    /// The row's label in tables: the window in months, or the variant's name.
    pub fn label(&self) -> String {
        self.variant.clone().unwrap_or_else(|| self.window_months.to_string())
    }
}

/// One row's dataset, as its first record describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetSummary {
    /// The row.
    pub row: FeatureRow,
    /// Number of feature columns.
    pub features: usize,
    /// Its time split.
    pub split: Vec<SplitSummary>,
}

/// The finished runs of one row x model cell.
#[derive(Debug, Clone, PartialEq)]
pub struct CellSummary {
    /// The row: window or feature variant.
    pub row: FeatureRow,
    /// Index into [`Summary::models`].
    pub model: usize,
    /// Test accuracy at 0.5.
    pub accuracy: Estimate,
    /// Test average precision (AUPRC); absent when undefined.
    pub auprc: Option<Estimate>,
    /// Test ROC AUC; absent when undefined.
    pub roc_auc: Option<Estimate>,
    /// Median fit seconds.
    pub fit_seconds: f64,
    /// Median training rows per second.
    pub train_rows_per_second: f64,
    /// Median predicted rows per second.
    pub predict_rows_per_second: f64,
}

/// Everything the report shows, computed from records alone.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Sweep names found in the records.
    pub sweeps: Vec<String>,
    /// Config files found in the records.
    pub config_files: Vec<String>,
    /// Distinct (version, commit, rustc) found.
    pub builds: Vec<String>,
    /// Distinct machines (cpu, cores, threads, os) found.
    pub machines: Vec<String>,
    /// Data fingerprints found.
    pub data: Vec<String>,
    /// Latest finish time.
    pub last_finished: String,
    /// Number of records.
    pub runs: usize,
    /// The split of the first record (every window has the same rows; the
    /// payables moments may not: see [`Summary::datasets`]).
    pub split: Vec<SplitSummary>,
    /// Study 2's cleaning counts of the first record that has them (payables data).
    pub cleaning: Option<CleaningCounts>,
    /// How the export was read, from the first record that has it (file data).
    pub export: Option<LoadReport>,
    /// Rows of the tables (windows or feature variants), in order.
    pub rows: Vec<FeatureRow>,
    /// One per row: its feature count and split.
    pub datasets: Vec<DatasetSummary>,
    /// Model columns, in order of first appearance.
    pub models: Vec<ModelColumn>,
    /// One entry per row x model with at least one finished run.
    pub cells: Vec<CellSummary>,
    /// Failed runs: (run id, description, reason).
    pub failures: Vec<(String, String, String)>,
    /// The most important features of each model whose runs recorded
    /// feature importance, in model order.
    pub importance: Vec<ModelImportance>,
    /// The training device and its costs, for models that report one (the
    /// MLP's backends), in model order.
    pub devices: Vec<DeviceCost>,
}

/// How many features [`ModelImportance`] keeps (study 2 reports five).
pub const TOP_FEATURES: usize = 5;

/// A model's most important features over its finished runs.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelImportance {
    /// The model's label.
    pub label: String,
    /// Runs that recorded importance (with some gain).
    pub runs: usize,
    /// At most `TOP_FEATURES` (five) features by decreasing mean share: (name,
    /// mean share of the run's total gain, mean number of splits).
    pub top: Vec<(String, f64, f64)>,
}

impl Summary {
    /// The cell of a row and model, if any run of it finished.
    pub fn cell(&self, row: &FeatureRow, model: usize) -> Option<&CellSummary> {
        self.cells.iter().find(|c| c.row == *row && c.model == model)
    }

    /// The dataset of a row.
    pub fn dataset(&self, row: &FeatureRow) -> Option<&DatasetSummary> {
        self.datasets.iter().find(|d| d.row == *row)
    }

    /// Whether every row is a history window (receivables).
    pub fn rows_are_windows(&self) -> bool {
        self.rows.iter().all(|r| r.variant.is_none())
    }
}

fn distinct(values: impl Iterator<Item = String>) -> Vec<String> {
    values.collect::<BTreeSet<_>>().into_iter().collect()
}

/// The median of `values` (sorted in place); NaN when empty.
pub(crate) fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// The distinct (family, hyperparameters) of `records` in order of first
/// appearance, labelled by family. Where a family appears with several
/// settings, each label adds the hyperparameters that tell them apart
/// (`mlp (backend=candle)`), so that tables read without the legend.
pub fn model_columns(records: &[RunRecord]) -> Vec<ModelColumn> {
    let mut models: Vec<ModelColumn> = Vec::new();
    for r in records {
        if !models.iter().any(|m| m.family == r.cell.family && m.hyperparameters == r.cell.hyperparameters) {
            models.push(ModelColumn {
                label: r.cell.family.clone(),
                family: r.cell.family.clone(),
                hyperparameters: r.cell.hyperparameters.clone(),
            });
        }
    }
    label_settings(&mut models);
    models
}

/// Relabels models of a family that appears with several settings by the
/// hyperparameters in which they differ.
///
/// A nested model (balanced bagging's `base`) is told apart by its family
/// first: its other hyperparameters count only against siblings whose nested
/// model is of the same family (`balanced_bagging (base.family=adaboost)`,
/// not every hyperparameter of AdaBoost).
fn label_settings(models: &mut [ModelColumn]) {
    let settings: Vec<Vec<(String, String)>> = models.iter().map(|m| flatten(&m.hyperparameters)).collect();
    let value_of = |settings: &[(String, String)], key: &str| -> Option<String> {
        settings.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
    };
    for i in 0..models.len() {
        let siblings: Vec<usize> = (0..models.len()).filter(|&j| models[j].family == models[i].family).collect();
        if siblings.len() < 2 {
            continue;
        }
        let differing: Vec<String> = settings[i]
            .iter()
            .filter(|(key, value)| {
                let family_key = nested_family_key(key, &settings[i]);
                siblings
                    .iter()
                    .filter(|&&j| {
                        family_key.as_ref().is_none_or(|f| value_of(&settings[j], f) == value_of(&settings[i], f))
                    })
                    .any(|&j| value_of(&settings[j], key).is_none_or(|v| &v != value))
            })
            .map(|(key, value)| format!("{key}={value}"))
            .collect();
        models[i].label = format!("{} ({})", models[i].family, differing.join(", "));
    }
}

/// The key naming the family of the nested model that `key` belongs to
/// (`base.family` for `base.max_depth`), if any; `None` for that key itself.
fn nested_family_key(key: &str, settings: &[(String, String)]) -> Option<String> {
    key.rmatch_indices('.')
        .map(|(dot, _)| format!("{}.family", &key[..dot]))
        .find(|family_key| family_key != key && settings.iter().any(|(k, _)| k == family_key))
}

/// `value`'s leaves as (dotted key, JSON text), in key order.
fn flatten(value: &serde_json::Value) -> Vec<(String, String)> {
    fn walk(prefix: &str, value: &serde_json::Value, out: &mut Vec<(String, String)>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, child) in map {
                    let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                    walk(&path, child, out);
                }
            }
            serde_json::Value::String(text) => out.push((prefix.to_string(), text.clone())),
            other => out.push((prefix.to_string(), other.to_string())),
        }
    }
    let mut out = Vec::new();
    walk("", value, &mut out);
    out
}

/// One model's cost across its cells: for each quantity, the middle cell's
/// value (the upper one of the two middle cells when their number is even).
#[derive(Debug, Clone, PartialEq)]
pub struct ModelCost {
    /// The model's label.
    pub label: String,
    /// Fit seconds.
    pub fit_seconds: f64,
    /// Training rows per second.
    pub train_rows_per_second: f64,
    /// Predicted rows per second.
    pub predict_rows_per_second: f64,
}

/// The cost of every model with at least one finished cell, in model order.
pub fn model_costs(summary: &Summary) -> Vec<ModelCost> {
    summary
        .models
        .iter()
        .enumerate()
        .filter_map(|(m, model)| {
            let cells: Vec<&CellSummary> = summary.cells.iter().filter(|c| c.model == m).collect();
            let middle = |f: fn(&CellSummary) -> f64| {
                let mut values: Vec<f64> = cells.iter().map(|c| f(c)).collect();
                values.sort_by(f64::total_cmp);
                values.get(values.len() / 2).copied()
            };
            Some(ModelCost {
                label: model.label.clone(),
                fit_seconds: middle(|c| c.fit_seconds)?,
                train_rows_per_second: middle(|c| c.train_rows_per_second)?,
                predict_rows_per_second: middle(|c| c.predict_rows_per_second)?,
            })
        })
        .collect()
}

/// The top features of one model's runs: each run's gains as shares of its
/// total, averaged over the runs (a feature a run lacks counts 0 there), ties
/// by name.
fn model_importance(label: &str, runs: &[&crate::RunResults]) -> Option<ModelImportance> {
    let mut totals: std::collections::BTreeMap<&str, (f64, f64)> = std::collections::BTreeMap::new();
    let mut counted = 0;
    for importance in runs.iter().filter_map(|r| r.feature_importance.as_ref()) {
        let total: f64 = importance.iter().map(|f| f.gain).sum();
        if !(total > 0.0 && total.is_finite()) {
            continue;
        }
        counted += 1;
        for f in importance {
            let entry = totals.entry(f.feature.as_str()).or_default();
            entry.0 += f.gain / total;
            entry.1 += f.splits as f64;
        }
    }
    if counted == 0 {
        return None;
    }
    let n = counted as f64;
    let mut top: Vec<(String, f64, f64)> =
        totals.into_iter().map(|(name, (share, splits))| (name.to_string(), share / n, splits / n)).collect();
    // Stable: equal shares stay in name order.
    top.sort_by(|a, b| b.1.total_cmp(&a.1));
    top.truncate(TOP_FEATURES);
    Some(ModelImportance { label: label.to_string(), runs: counted, top })
}

/// Summarises `records` (any order).
pub fn summarize(records: &[RunRecord]) -> Summary {
    let models = model_columns(records);
    let rows: Vec<FeatureRow> =
        records.iter().map(|r| FeatureRow::of(&r.cell)).collect::<BTreeSet<_>>().into_iter().collect();
    let datasets = rows
        .iter()
        .filter_map(|row| {
            let first = records.iter().find(|r| FeatureRow::of(&r.cell) == *row)?;
            Some(DatasetSummary { row: row.clone(), features: first.features, split: first.splits.clone() })
        })
        .collect();

    let mut cells = Vec::new();
    for row in &rows {
        for (m, model) in models.iter().enumerate() {
            let runs: Vec<&RunRecord> = records
                .iter()
                .filter(|r| {
                    FeatureRow::of(&r.cell) == *row
                        && r.cell.family == model.family
                        && r.cell.hyperparameters == model.hyperparameters
                })
                .collect();
            let finished: Vec<(&crate::RunResults, &crate::RunCost)> = runs
                .iter()
                .filter_map(|r| match (&r.outcome, &r.cost) {
                    (RunOutcome::Finished(results), Some(cost)) => Some((results.as_ref(), cost)),
                    _ => None,
                })
                .collect();
            let values = |f: fn(&crate::RunResults) -> Option<f64>| -> Vec<f64> {
                finished.iter().filter_map(|(r, _)| f(r)).collect()
            };
            let costs = |f: fn(&crate::RunCost) -> f64| -> f64 {
                median(&mut finished.iter().map(|(_, c)| f(c)).collect::<Vec<_>>())
            };
            let Some(accuracy) = Estimate::of(&values(|r| Some(r.test.accuracy))) else { continue };
            cells.push(CellSummary {
                row: row.clone(),
                model: m,
                accuracy,
                auprc: Estimate::of(&values(|r| r.test.average_precision)),
                roc_auc: Estimate::of(&values(|r| r.test.roc_auc)),
                fit_seconds: costs(|c| c.fit_seconds),
                train_rows_per_second: costs(|c| c.train_rows_per_second),
                predict_rows_per_second: costs(|c| c.predict_rows_per_second),
            });
        }
    }
    let importance = models
        .iter()
        .filter_map(|model| {
            let runs: Vec<&crate::RunResults> = records
                .iter()
                .filter(|r| r.cell.family == model.family && r.cell.hyperparameters == model.hyperparameters)
                .filter_map(|r| match &r.outcome {
                    RunOutcome::Finished(results) => Some(results.as_ref()),
                    RunOutcome::Failed { .. } => None,
                })
                .collect();
            model_importance(&model.label, &runs)
        })
        .collect();
    let devices = device_costs(records, &models);
    let failures = records
        .iter()
        .filter_map(|r| match &r.outcome {
            RunOutcome::Failed { reason } => Some((
                r.run_id.clone(),
                format!("{} {} seed={}", r.cell.family, r.cell.feature_label(), r.cell.seed),
                reason.clone(),
            )),
            RunOutcome::Finished(_) => None,
        })
        .collect();
    Summary {
        sweeps: distinct(records.iter().map(|r| r.sweep.clone())),
        config_files: distinct(records.iter().map(|r| r.config_file.clone())),
        builds: distinct(records.iter().map(|r| {
            let e = &r.environment;
            let build = if e.build.is_empty() { String::new() } else { format!(", {}", e.build) };
            format!("overdue {} (commit `{}`, {}{build})", e.version, e.commit, e.rustc)
        })),
        machines: distinct(records.iter().map(|r| {
            let e = &r.environment;
            format!("{} ({} cores, {} threads, {})", e.cpu, e.cores, e.threads, e.os)
        })),
        data: distinct(records.iter().map(|r| r.cell.data.clone())),
        last_finished: records.iter().map(|r| r.finished_at.clone()).max().unwrap_or_default(),
        runs: records.len(),
        split: records.first().map(|r| r.splits.clone()).unwrap_or_default(),
        cleaning: records.iter().find_map(|r| r.cleaning),
        export: records.iter().find_map(|r| r.export.clone()),
        rows,
        datasets,
        models,
        cells,
        failures,
        importance,
        devices,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_of_one_family_are_labelled_by_what_differs() {
        let column = |family: &str, hyperparameters: serde_json::Value| ModelColumn {
            label: family.into(),
            family: family.into(),
            hyperparameters,
        };
        let mut models = [
            column("mlp", serde_json::json!({"backend": "candle", "adam": {"learning_rate": 0.001}, "epochs": 20})),
            column("mlp", serde_json::json!({"backend": "burn_wgpu", "adam": {"learning_rate": 0.01}, "epochs": 20})),
            column("decision_tree", serde_json::json!({"max_depth": 6})),
        ];
        label_settings(&mut models);
        let labels: Vec<&str> = models.iter().map(|m| m.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "mlp (adam.learning_rate=0.001, backend=candle)",
                "mlp (adam.learning_rate=0.01, backend=burn_wgpu)",
                "decision_tree"
            ]
        );
    }

    #[test]
    fn nested_models_are_told_apart_by_their_family_first() {
        let bagging = |base: serde_json::Value| ModelColumn {
            label: String::new(),
            family: "balanced_bagging".into(),
            hyperparameters: serde_json::json!({"n_estimators": 10, "base": base}),
        };
        let mut models = [
            bagging(serde_json::json!({"family": "decision_tree", "max_depth": null, "criterion": "gini"})),
            bagging(serde_json::json!({"family": "decision_tree", "max_depth": 5, "criterion": "gini"})),
            bagging(serde_json::json!({"family": "adaboost", "n_estimators": 50, "criterion": "gini"})),
        ];
        label_settings(&mut models);
        let labels: Vec<&str> = models.iter().map(|m| m.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "balanced_bagging (base.family=decision_tree, base.max_depth=null)",
                "balanced_bagging (base.family=decision_tree, base.max_depth=5)",
                "balanced_bagging (base.family=adaboost)",
            ]
        );
    }

    #[test]
    fn one_value_has_no_interval() {
        assert_eq!(Estimate::of(&[0.7]), Some(Estimate { mean: 0.7, ci95: None, n: 1 }));
        assert_eq!(Estimate::of(&[]), None);
    }

    fn results_with(importance: Option<Vec<(&str, f64, u64)>>) -> crate::RunResults {
        let test = overdue_metrics::evaluate(&[true, false], &[0.9, 0.1], 0.5).unwrap();
        crate::RunResults {
            validation: None,
            test,
            chosen_threshold: None,
            test_at_chosen_threshold: None,
            test_pr_curve: None,
            feature_importance: importance.map(|features| {
                features
                    .into_iter()
                    .map(|(feature, gain, splits)| crate::FeatureImportance { feature: feature.into(), gain, splits })
                    .collect()
            }),
        }
    }

    #[test]
    fn importance_is_the_mean_share_of_gain_over_runs_top_five() {
        let runs = [
            results_with(Some(vec![("a", 6.0, 3), ("b", 2.0, 1), ("c", 2.0, 2), ("d", 0.0, 0)])),
            results_with(Some(vec![("a", 1.0, 1), ("b", 3.0, 5), ("c", 0.0, 0), ("d", 0.0, 0)])),
            // Ignored: no importance, or no gain at all.
            results_with(None),
            results_with(Some(vec![("a", 0.0, 0), ("b", 0.0, 0)])),
        ];
        let refs: Vec<&crate::RunResults> = runs.iter().collect();
        let model = model_importance("m", &refs).unwrap();
        assert_eq!(model.runs, 2);
        let names: Vec<&str> = model.top.iter().map(|t| t.0.as_str()).collect();
        assert_eq!(names, ["b", "a", "c", "d"], "shares a 0.425, b 0.475, c 0.1, d 0");
        assert!((model.top[0].1 - 0.475).abs() < 1e-12 && model.top[0].2 == 3.0);
        let many: Vec<(&str, f64, u64)> = ["f1", "f2", "f3", "f4", "f5", "f6", "f7"].map(|f| (f, 1.0, 1)).to_vec();
        let wide = results_with(Some(many));
        assert_eq!(model_importance("m", &[&wide]).unwrap().top.len(), TOP_FEATURES);
        assert_eq!(model_importance("m", &[&runs[2]]), None);
    }

    #[test]
    fn the_interval_uses_students_t() {
        // mean 2, sample sd 1, n = 3: half-width = 4.303 * 1 / sqrt(3).
        let e = Estimate::of(&[1.0, 2.0, 3.0]).unwrap();
        assert_eq!(e.mean, 2.0);
        assert!((e.ci95.unwrap() - 4.303 / 3f64.sqrt()).abs() < 1e-12);
    }
}
