//! Running a sweep: data once, each feature variant's dataset once, then every cell.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::time::Instant;

use overdue_features::{Dataset, Split};
use overdue_metrics::{Evaluation, best_f1_threshold, evaluate, pr_curve};
use overdue_models::{FitOptions, TrainingReport};

use crate::datasets::{Datasets, load_announced};
use crate::environment::peak_rss_bytes;
use crate::fault::InjectedFault;
use crate::plan::{PlannedRun, Shard, plan_sweep};
use crate::record::{CurvePoints, FeatureImportance};
use crate::{Environment, ModelSpec, RunCost, RunOutcome, RunRecord, RunResults, RunStore, SweepConfig, SweepError};

/// How a sweep runs.
#[derive(Debug, Clone, Default)]
pub struct SweepOptions {
    /// Stop at the first failed run instead of recording it and going on.
    pub fail_fast: bool,
    /// Run only this share of the grid.
    pub shard: Option<Shard>,
    /// A deliberate fault to inject into every run, to prove the regression
    /// gate fails (see [`InjectedFault`]); `None` for real measurements.
    pub fault: Option<InjectedFault>,
}

/// What a sweep did.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepSummary {
    /// Cells in the grid (of this shard).
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

/// Progress of a sweep, for the command line to show.
#[derive(Debug, Clone, PartialEq)]
pub enum SweepEvent {
    /// A stage (data, features) ended; the text says what it did.
    Stage(String),
    /// The grid is known: this many runs, this many already finished.
    Planned {
        /// Runs in the grid (or shard).
        total: usize,
        /// Of which already finished.
        already_finished: usize,
    },
    /// A run ended (or was skipped); the text says how.
    RunEnded {
        /// Runs ended so far, this one included.
        done: usize,
        /// Runs in the grid.
        total: usize,
        /// One line describing the run and its result.
        line: String,
    },
}

/// Runs every cell of `config` (or of one shard of it) that has no finished
/// record yet, storing each record as soon as its run ends, then publishes
/// `runs.jsonl` and the report.
pub fn run_sweep(
    config: &SweepConfig,
    options: &SweepOptions,
    on_event: &mut (dyn FnMut(SweepEvent) + Send),
) -> Result<SweepSummary, SweepError> {
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(threads) = config.threads {
        pool = pool.num_threads(threads);
    }
    let pool = pool.build().map_err(|e| SweepError::Threads(e.to_string()))?;
    pool.install(|| run_in_pool(config, options, on_event))
}

fn run_in_pool(
    config: &SweepConfig,
    options: &SweepOptions,
    on_event: &mut (dyn FnMut(SweepEvent) + Send),
) -> Result<SweepSummary, SweepError> {
    let store = RunStore::open(&config.output)?;
    let plan = plan_sweep(config, options.shard)?;
    let mut pending = Vec::new();
    for run in &plan {
        if !store.is_finished(&run.run_id)? {
            pending.push(run);
        }
    }
    let mut summary = SweepSummary {
        cells: plan.len(),
        skipped: plan.len() - pending.len(),
        finished: 0,
        failed: 0,
        output: config.output.clone(),
    };
    on_event(SweepEvent::Planned { total: plan.len(), already_finished: summary.skipped });

    if !pending.is_empty() {
        let fault = options.fault;
        if let Some(fault) = fault {
            on_event(SweepEvent::Stage(format!("WARNING: injecting fault {}", fault.describe())));
        }
        let loaded = load_announced(config, on_event)?;
        let cleaning = loaded.data.cleaning();
        let export = loaded.export.clone();
        let mut datasets = Datasets::new(config, &loaded.data);
        let environment = Environment::current();
        for run in pending {
            let (dataset, feature_seconds) = datasets.get(run.variant, on_event)?;
            let model = &config.models[run.model];
            let fit_options = FitOptions { seed: run.cell.seed };
            let (outcome, cost) = run_cell(model, dataset, &fit_options, fault, feature_seconds);
            let record = RunRecord {
                run_id: run.run_id.clone(),
                sweep: config.name.clone(),
                config_file: config.source.display().to_string(),
                cell: run.cell.clone(),
                features: dataset.n_features(),
                splits: dataset.split_summaries(),
                cleaning,
                export: export.clone(),
                outcome,
                cost,
                environment: environment.clone(),
                injected_fault: fault.map(|f| f.describe()),
                finished_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            };
            store.write(&record)?;
            let failure = match &record.outcome {
                RunOutcome::Finished(_) => {
                    summary.finished += 1;
                    None
                }
                RunOutcome::Failed { reason } => {
                    summary.failed += 1;
                    Some(reason.clone())
                }
            };
            on_event(SweepEvent::RunEnded {
                done: summary.skipped + summary.finished + summary.failed,
                total: plan.len(),
                line: describe(run, &record.outcome),
            });
            if let (Some(reason), true) = (failure, options.fail_fast) {
                return Err(SweepError::RunFailed { run_id: run.run_id.clone(), reason });
            }
        }
    }

    let run_ids: Vec<String> = plan.iter().map(|p| p.run_id.clone()).collect();
    crate::report::publish_runs(&config.output, &store, &run_ids)?;
    Ok(summary)
}

fn describe(run: &PlannedRun, outcome: &RunOutcome) -> String {
    let cell = &run.cell;
    let what = format!("{} {} seed={} ({})", cell.family, cell.feature_label(), cell.seed, run.run_id);
    match outcome {
        RunOutcome::Finished(results) => {
            let ap = results.test.average_precision.map_or("n/a".into(), |ap| format!("{ap:.4}"));
            format!("{what}: test accuracy {:.4}, AUPRC {ap}", results.test.accuracy)
        }
        RunOutcome::Failed { reason } => format!("{what}: FAILED: {reason}"),
    }
}

/// Fits and evaluates one cell. Every failure, a panic inside a model included,
/// becomes a `Failed` outcome: one bad cell never stops the others.
fn run_cell(
    model: &ModelSpec,
    dataset: &Dataset,
    options: &FitOptions,
    fault: Option<InjectedFault>,
    feature_seconds: f64,
) -> (RunOutcome, Option<RunCost>) {
    match catch_unwind(AssertUnwindSafe(|| fit_and_evaluate(model, dataset, options, fault, feature_seconds))) {
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
    fault: Option<InjectedFault>,
    feature_seconds: f64,
) -> Result<(RunOutcome, RunCost), String> {
    let train = dataset.part(Split::Train);
    let validation = dataset.part(Split::Validation);
    let test = dataset.part(Split::Test);
    let has_validation = validation.n_rows() > 0;

    let started = Instant::now();
    let fitted =
        model.classifier().fit(train, has_validation.then_some(validation), options).map_err(|e| e.to_string())?;
    if let Some(fault) = fault {
        fault.after_fit(started.elapsed().as_secs_f64());
    }
    let fit_seconds = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let mut validation_scores = fitted.predict_proba(validation.features()).map_err(|e| e.to_string())?;
    let mut test_scores = fitted.predict_proba(test.features()).map_err(|e| e.to_string())?;
    let predict_seconds = started.elapsed().as_secs_f64();
    if let Some(fault) = fault {
        fault.degrade(&mut validation_scores);
        fault.degrade(&mut test_scores);
    }

    let eval = |labels: &[bool], scores: &[f64], threshold: f64| -> Result<Evaluation, String> {
        evaluate(labels, scores, threshold).map_err(|e| format!("evaluating: {e}"))
    };
    let test_eval = eval(test.labels(), &test_scores, 0.5)?;
    let validation_eval = if has_validation { Some(eval(validation.labels(), &validation_scores, 0.5)?) } else { None };
    // Undefined with a one-class validation part: then no threshold is chosen.
    let chosen_threshold =
        if has_validation { best_f1_threshold(validation.labels(), &validation_scores).ok() } else { None };
    let test_at_chosen_threshold = match chosen_threshold {
        Some(threshold) => Some(eval(test.labels(), &test_scores, threshold)?),
        None => None,
    };
    let test_pr_curve = pr_curve(test.labels(), &test_scores)
        .ok()
        .map(|curve| CurvePoints::subsample(&curve.recall, &curve.precision, crate::record::MAX_CURVE_POINTS));
    let predicted_rows = (validation.n_rows() + test.n_rows()) as f64;
    let cost = RunCost {
        feature_seconds,
        fit_seconds,
        predict_seconds,
        train_rows_per_second: train.n_rows() as f64 / fit_seconds.max(1e-9),
        predict_rows_per_second: predicted_rows / predict_seconds.max(1e-9),
        process_peak_rss_bytes: peak_rss_bytes(),
        training: Some(fitted.training_report()).filter(|report| *report != TrainingReport::default()),
    };
    let feature_importance =
        fitted.feature_importance().map(|importance| FeatureImportance::named(dataset.feature_names(), &importance));
    let outcome = RunOutcome::Finished(Box::new(RunResults {
        validation: validation_eval,
        test: test_eval,
        chosen_threshold,
        test_at_chosen_threshold,
        test_pr_curve,
        feature_importance,
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
        let split = TimeSplit::from_starts(3, 4, 6);
        let labels = vec![true, true, true, false, true, false];
        Dataset::new(vec!["x".into()], vec![1.0; 6], labels, (1..=6).collect(), dates, split).unwrap()
    }

    #[test]
    fn a_failing_fit_becomes_a_failed_outcome_with_its_reason() {
        let model = ModelSpec::LogisticRegression(LogisticRegression::default());
        let (outcome, cost) = run_cell(&model, &one_class_training_set(), &FitOptions::default(), None, 0.0);
        match outcome {
            RunOutcome::Failed { reason } => assert!(reason.contains("only the late class"), "{reason}"),
            other => panic!("expected a failure, got {other:?}"),
        }
        assert!(cost.is_none());
    }
}
