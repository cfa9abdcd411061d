//! Publishing results from stored records alone, never re-running anything:
//! `runs.jsonl`, `report.md`, `summary.csv` and `tables.tex`.

mod devices;
mod markdown;
mod plots;
mod summary;
mod tables;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

pub use devices::DeviceCost;
pub(crate) use summary::median;
pub use summary::{
    CellSummary, DatasetSummary, Estimate, FeatureRow, ModelColumn, ModelImportance, Summary, model_columns, summarize,
};

use crate::{RunRecord, RunStore, SweepError};

/// After a sweep: writes `runs.jsonl` with the records of `run_ids` (in that
/// order, the grid's), then the report files from those same records.
pub(crate) fn publish_runs(output: &Path, store: &RunStore, run_ids: &[String]) -> Result<(), SweepError> {
    let mut by_id: BTreeMap<String, RunRecord> = store.records()?.into_iter().map(|r| (r.run_id.clone(), r)).collect();
    let records: Vec<RunRecord> = run_ids.iter().filter_map(|id| by_id.remove(id)).collect();
    write_jsonl(output, &records)?;
    write_report(output, &records).map(|_| ())
}

/// `runs.jsonl`: one record per line, readable by pandas and polars as is.
fn write_jsonl(output: &Path, records: &[RunRecord]) -> Result<(), SweepError> {
    let mut lines = String::new();
    for record in records {
        lines.push_str(&serde_json::to_string(record).expect("records always serialise"));
        lines.push('\n');
    }
    write_file(&output.join("runs.jsonl"), &lines)
}

/// Writes the report files for `records` into `output`: tables always, plots
/// when a font is available (the report says why not otherwise). Returns the
/// paths written.
pub fn write_report(output: &Path, records: &[RunRecord]) -> Result<Vec<PathBuf>, SweepError> {
    let summary = summarize(records);
    let plots = plots::write_plots(output, &summary, &best_curves(&summary, records));
    let mut written = plots.clone().unwrap_or_default();
    let files = [
        ("report.md", markdown::render(&summary, &plots)),
        ("summary.csv", tables::csv(&summary)),
        ("tables.tex", tables::latex(&summary)),
    ];
    for (name, text) in files {
        let path = output.join(name);
        write_file(&path, &text)?;
        written.push(path);
    }
    Ok(written)
}

/// `overdue report DIR`: `runs.jsonl` and the report of every record stored
/// under `output`, ordered by window or feature variant, family,
/// hyperparameters and seed.
pub fn report_folder(output: &Path) -> Result<Vec<PathBuf>, SweepError> {
    let mut records = RunStore::open_existing(output)?.records()?;
    if records.is_empty() {
        return Err(SweepError::NoRecords { path: output.join("runs") });
    }
    records.sort_by(|a, b| {
        let key = |r: &RunRecord| {
            (FeatureRow::of(&r.cell), r.cell.family.clone(), r.cell.hyperparameters.to_string(), r.cell.seed)
        };
        key(a).cmp(&key(b))
    });
    write_jsonl(output, &records)?;
    write_report(output, &records)
}

/// For each model column, the test PR curve of its run with the highest test
/// average precision, labelled with that run's window (or feature variant) and AP.
fn best_curves(summary: &Summary, records: &[RunRecord]) -> Vec<(String, crate::CurvePoints)> {
    summary
        .models
        .iter()
        .filter_map(|model| {
            records
                .iter()
                .filter(|r| r.cell.family == model.family && r.cell.hyperparameters == model.hyperparameters)
                .filter_map(|r| match &r.outcome {
                    crate::RunOutcome::Finished(results) => {
                        Some((r, results.test.average_precision?, results.test_pr_curve.as_ref()?))
                    }
                    crate::RunOutcome::Failed { .. } => None,
                })
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(r, ap, curve)| {
                    (format!("{} ({}, AP {ap:.3})", model.label, r.cell.feature_label()), curve.clone())
                })
        })
        .collect()
}

fn write_file(path: &Path, text: &str) -> Result<(), SweepError> {
    fs::write(path, text).map_err(|source| SweepError::Io { path: path.to_path_buf(), source })
}
