//! Running a sweep: data once, features once per window, then every cell.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::time::Instant;

use overdue_data::InvoiceTable;
use overdue_features::{Dataset, HistoryWindow, ReceivablesFeatures, Split};
use overdue_metrics::{Evaluation, best_f1_threshold, evaluate};
use overdue_models::FitOptions;

use crate::cell::fingerprint;
use crate::{
    DataConfig, Environment, ModelSpec, RunCell, RunCost, RunOutcome, RunRecord, RunResults, RunStore, SweepConfig,
    SweepError,
};

/// Name of the study-1 feature set in run cells.
const RECEIVABLES_FEATURE_SET: &str = "receivables_history";

/// How a sweep behaves when runs fail.
#[derive(Debug, Clone, Default)]
pub struct SweepOptions {
    /// Stop at the first failed run instead of recording it and going on.
    pub fail_fast: bool,
}

/// What a sweep did.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepSummary {
    /// Cells in the grid.
    pub cells: usize,
    /// Cells skipped because a finished record was already stored.
    pub skipped: usize,
    /// Cells run to completion now.
    pub finished: usize,
    /// Cells that failed now (recorded with their reason).
    pub failed: usize,
    /// The folder holding the records and reports.
    pub output: PathBuf,
}

/// A cell of the grid, before it runs.
struct PlannedRun<'a> {
    cell: RunCell,
    model: &'a ModelSpec,
    window: usize,
}

/// Runs every cell of `config` that has no finished record yet, storing each
/// record as soon as its run ends, then writes `runs.jsonl` and `report.md`.
///
/// `log` receives one line per stage and per run.
pub fn run_sweep(
    config: &SweepConfig,
    options: &SweepOptions,
    log: &mut dyn FnMut(&str),
) -> Result<SweepSummary, SweepError> {
    let store = RunStore::open(&config.output)?;
    let environment = Environment::current();

    let started = Instant::now();
    let table = load_data(&config.data)?;
    log(&format!("data: {} invoices in {:.2}s", table.len(), started.elapsed().as_secs_f64()));

    let started = Instant::now();
    let features = ReceivablesFeatures::new(&config.features.windows)?;
    let datasets = features.build(&table, &config.split)?;
    let feature_seconds = started.elapsed().as_secs_f64();
    log(&format!(
        "features: {} windows x {} rows x {} columns in {feature_seconds:.2}s",
        datasets.len(),
        datasets[0].1.n_rows(),
        datasets[0].1.n_features()
    ));

    let plan = plan_runs(config, &datasets);
    let mut summary =
        SweepSummary { cells: plan.len(), skipped: 0, finished: 0, failed: 0, output: config.output.clone() };
    for (k, planned) in plan.iter().enumerate() {
        let run_id = planned.cell.run_id();
        let label = format!(
            "[{}/{}] {} w={} seed={} ({run_id})",
            k + 1,
            plan.len(),
            planned.cell.family,
            planned.cell.window_months,
            planned.cell.seed
        );
        if store.is_finished(&run_id)? {
            summary.skipped += 1;
            log(&format!("{label}: already finished, skipped"));
            continue;
        }
        let dataset = &datasets[planned.window].1;
        let fit_options = FitOptions { seed: planned.cell.seed };
        let (outcome, cost) = run_cell(planned.model, dataset, &fit_options, feature_seconds);
        let record = RunRecord {
            run_id: run_id.clone(),
            sweep: config.name.clone(),
            cell: planned.cell.clone(),
            features: dataset.n_features(),
            splits: dataset.split_summaries(),
            outcome,
            cost,
            environment: environment.clone(),
            finished_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        };
        store.write(&record)?;
        match &record.outcome {
            RunOutcome::Finished(results) => {
                summary.finished += 1;
                let test = &results.test;
                let ap = test.average_precision.map_or("n/a".into(), |ap| format!("{ap:.4}"));
                log(&format!("{label}: test accuracy {:.4}, AUPRC {ap}", test.accuracy));
            }
            RunOutcome::Failed { reason } => {
                summary.failed += 1;
                log(&format!("{label}: FAILED: {reason}"));
                if options.fail_fast {
                    return Err(SweepError::RunFailed { run_id, reason: reason.clone() });
                }
            }
        }
    }

    let run_ids: Vec<String> = plan.iter().map(|p| p.cell.run_id()).collect();
    crate::report::publish(config, &store, &run_ids)?;
    Ok(summary)
}

fn load_data(data: &DataConfig) -> Result<InvoiceTable, SweepError> {
    match data {
        DataConfig::Receivables(world) => Ok(world.generate()?),
    }
}

/// The grid, in a stable order: window, then model, then seed.
fn plan_runs<'a>(config: &'a SweepConfig, datasets: &[(HistoryWindow, Dataset)]) -> Vec<PlannedRun<'a>> {
    let data = fingerprint(&config.data);
    let split = serde_json::to_value(&config.split).expect("split specs serialise");
    let mut plan = Vec::new();
    for (window, (history, _)) in datasets.iter().enumerate() {
        for model in &config.models {
            let classifier = model.classifier();
            for &seed in &config.seeds {
                let cell = RunCell {
                    data: data.clone(),
                    feature_set: RECEIVABLES_FEATURE_SET.into(),
                    window_months: history.months,
                    split: split.clone(),
                    family: classifier.family().into(),
                    hyperparameters: classifier.hyperparameters(),
                    seed,
                    code_version: env!("CARGO_PKG_VERSION").into(),
                };
                plan.push(PlannedRun { cell, model, window });
            }
        }
    }
    plan
}

/// Fits and evaluates one cell. Every failure, a panic inside a model included,
/// becomes a `Failed` outcome: one bad cell never stops the others.
fn run_cell(
    model: &ModelSpec,
    dataset: &Dataset,
    options: &FitOptions,
    feature_seconds: f64,
) -> (RunOutcome, Option<RunCost>) {
    match catch_unwind(AssertUnwindSafe(|| fit_and_evaluate(model, dataset, options, feature_seconds))) {
        Ok(Ok((outcome, cost))) => (outcome, Some(cost)),
        Ok(Err(reason)) => (RunOutcome::Failed { reason }, None),
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".into());
            (RunOutcome::Failed { reason: format!("panicked: {message}") }, None)
        }
    }
}

fn fit_and_evaluate(
    model: &ModelSpec,
    dataset: &Dataset,
    options: &FitOptions,
    feature_seconds: f64,
) -> Result<(RunOutcome, RunCost), String> {
    let train = dataset.part(Split::Train);
    let validation = dataset.part(Split::Validation);
    let test = dataset.part(Split::Test);
    let has_validation = validation.n_rows() > 0;

    let started = Instant::now();
    let fitted =
        model.classifier().fit(train, has_validation.then_some(validation), options).map_err(|e| e.to_string())?;
    let fit_seconds = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let validation_scores = fitted.predict_proba(validation.features).map_err(|e| e.to_string())?;
    let test_scores = fitted.predict_proba(test.features).map_err(|e| e.to_string())?;
    let predict_seconds = started.elapsed().as_secs_f64();

    let eval = |labels: &[bool], scores: &[f64], threshold: f64| -> Result<Evaluation, String> {
        evaluate(labels, scores, threshold).map_err(|e| format!("evaluating: {e}"))
    };
    let test_eval = eval(test.labels, &test_scores, 0.5)?;
    let validation_eval = if has_validation { Some(eval(validation.labels, &validation_scores, 0.5)?) } else { None };
    // Undefined with a one-class validation part: then no threshold is chosen.
    let chosen_threshold =
        if has_validation { best_f1_threshold(validation.labels, &validation_scores).ok() } else { None };
    let test_at_chosen_threshold = match chosen_threshold {
        Some(threshold) => Some(eval(test.labels, &test_scores, threshold)?),
        None => None,
    };
    let predicted_rows = (validation.n_rows() + test.n_rows()) as f64;
    let cost = RunCost {
        feature_seconds,
        fit_seconds,
        predict_seconds,
        train_rows_per_second: train.n_rows() as f64 / fit_seconds.max(1e-9),
        predict_rows_per_second: predicted_rows / predict_seconds.max(1e-9),
    };
    let outcome = RunOutcome::Finished(Box::new(RunResults {
        validation: validation_eval,
        test: test_eval,
        chosen_threshold,
        test_at_chosen_threshold,
    }));
    Ok((outcome, cost))
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use overdue_features::TimeSplit;
    use overdue_models::LogisticRegression;

    use super::*;

    /// Six rows, one feature; training rows hold one class only.
    fn one_class_training_set() -> Dataset {
        let dates: Vec<NaiveDate> = (1..=6).map(|d| NaiveDate::from_ymd_opt(2018, 1, d).unwrap()).collect();
        let split = TimeSplit { train: 0..3, validation: 3..4, test: 4..6 };
        let labels = vec![true, true, true, false, true, false];
        Dataset::new(vec!["x".into()], vec![1.0; 6], labels, (1..=6).collect(), dates, split).unwrap()
    }

    #[test]
    fn a_failing_fit_becomes_a_failed_outcome_with_its_reason() {
        let model = ModelSpec::LogisticRegression(LogisticRegression::default());
        let (outcome, cost) = run_cell(&model, &one_class_training_set(), &FitOptions::default(), 0.0);
        match outcome {
            RunOutcome::Failed { reason } => assert!(reason.contains("only the late class"), "{reason}"),
            other => panic!("expected a failure, got {other:?}"),
        }
        assert!(cost.is_none());
    }
}
