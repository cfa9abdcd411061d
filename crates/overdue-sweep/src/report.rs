//! Publishing a sweep's records: `runs.jsonl` and a Markdown report, from the
//! stored records alone.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use overdue_features::{Split, SplitSummary};

use crate::{RunOutcome, RunRecord, RunStore, SweepConfig, SweepError};

/// Writes `runs.jsonl` (one record per line, grid order) and `report.md` for
/// the runs of `run_ids` found in `store`.
pub fn publish(config: &SweepConfig, store: &RunStore, run_ids: &[String]) -> Result<(), SweepError> {
    let mut by_id: BTreeMap<String, RunRecord> = store.records()?.into_iter().map(|r| (r.run_id.clone(), r)).collect();
    let records: Vec<RunRecord> = run_ids.iter().filter_map(|id| by_id.remove(id)).collect();
    let mut lines = String::new();
    for record in &records {
        lines.push_str(&serde_json::to_string(record).expect("records always serialise"));
        lines.push('\n');
    }
    write_file(&config.output.join("runs.jsonl"), &lines)?;
    write_file(&config.output.join("report.md"), &markdown_report(config, &records))
}

fn write_file(path: &Path, text: &str) -> Result<(), SweepError> {
    fs::write(path, text).map_err(|source| SweepError::Io { path: path.to_path_buf(), source })
}

/// Column label of a model: its family, numbered when the config lists the
/// family more than once.
fn model_labels(records: &[RunRecord]) -> Vec<(String, serde_json::Value)> {
    let mut models: Vec<(String, serde_json::Value)> = Vec::new();
    for r in records {
        let key = (r.cell.family.clone(), r.cell.hyperparameters.clone());
        if !models.contains(&key) {
            models.push(key);
        }
    }
    let mut labelled = Vec::new();
    for (family, hyperparameters) in &models {
        let same: Vec<_> = models.iter().filter(|(f, _)| f == family).collect();
        let label = if same.len() == 1 {
            family.clone()
        } else {
            let k = same.iter().position(|(_, h)| h == hyperparameters).unwrap_or(0) + 1;
            format!("{family} #{k}")
        };
        labelled.push((label, hyperparameters.clone()));
    }
    labelled
}

/// The report: provenance, the split table, then accuracy and AUPRC per
/// window x model on the test part (mean over seeds).
pub fn markdown_report(config: &SweepConfig, records: &[RunRecord]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Sweep `{}`\n", config.name);
    if let Some(first) = records.first() {
        let env = &first.environment;
        let failed = records.iter().filter(|r| matches!(r.outcome, RunOutcome::Failed { .. })).count();
        let _ = writeln!(
            out,
            "Produced by `overdue sweep {}` with overdue {} (commit `{}`, {}) on {} ({} cores, {} threads, {}). \
             {} runs, {failed} failed; data fingerprint `{}`. Last run finished {}.\n",
            config.source.display(),
            env.version,
            env.commit,
            env.rustc,
            env.cpu,
            env.cores,
            env.threads,
            env.os,
            records.len(),
            first.cell.data,
            records.iter().map(|r| r.finished_at.as_str()).max().unwrap_or_default(),
        );
        write_split_table(&mut out, first);
    }
    let windows: Vec<u32> = {
        let mut w: Vec<u32> = records.iter().map(|r| r.cell.window_months).collect();
        w.sort_unstable();
        w.dedup();
        w
    };
    let models = model_labels(records);
    type Metric = fn(&RunOutcome) -> Option<f64>;
    type Baseline = fn(&SplitSummary) -> f64;
    // The baseline of each metric: what a model that knows nothing scores.
    let tables: [(&str, &str, Baseline, Metric); 2] = [
        (
            "Test accuracy (threshold 0.5)",
            "majority baseline",
            |s| s.majority_baseline,
            |o| match o {
                RunOutcome::Finished(results) => Some(results.test.accuracy),
                RunOutcome::Failed { .. } => None,
            },
        ),
        (
            "Test AUPRC (average precision)",
            "late share (random ranking)",
            |s| s.late_share,
            |o| match o {
                RunOutcome::Finished(results) => results.test.average_precision,
                RunOutcome::Failed { .. } => None,
            },
        ),
    ];
    for (title, baseline_name, baseline, metric) in tables {
        let _ = writeln!(out, "## {title}\n");
        let _ = write!(out, "| window (months) | {baseline_name} |");
        for (label, _) in &models {
            let _ = write!(out, " {label} |");
        }
        let _ = write!(out, "\n|---:|---:|");
        out.push_str(&"---:|".repeat(models.len()));
        out.push('\n');
        for &w in &windows {
            let in_window: Vec<&RunRecord> = records.iter().filter(|r| r.cell.window_months == w).collect();
            let test_part = in_window.first().and_then(|r| r.splits.iter().find(|s| s.split == Split::Test));
            let _ = write!(out, "| {w} | {} |", format_value(test_part.map(baseline)));
            for (_, hyperparameters) in &models {
                let values: Vec<f64> = in_window
                    .iter()
                    .filter(|r| &r.cell.hyperparameters == hyperparameters)
                    .filter_map(|r| metric(&r.outcome))
                    .collect();
                let mean = (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64);
                let _ = write!(out, " {} |", format_value(mean));
            }
            out.push('\n');
        }
        out.push('\n');
    }
    let seeds: usize = config.seeds.len();
    if seeds > 1 {
        let _ = writeln!(out, "Each cell is the mean over {seeds} seeds.\n");
    }
    let failures: Vec<&RunRecord> = records.iter().filter(|r| matches!(r.outcome, RunOutcome::Failed { .. })).collect();
    if !failures.is_empty() {
        let _ = writeln!(out, "## Failed runs\n");
        for r in failures {
            if let RunOutcome::Failed { reason } = &r.outcome {
                let _ = writeln!(
                    out,
                    "- `{}` {} w={} seed={}: {reason}",
                    r.run_id, r.cell.family, r.cell.window_months, r.cell.seed
                );
            }
        }
        out.push('\n');
    }
    out
}

fn format_value(value: Option<f64>) -> String {
    value.map_or_else(|| "—".into(), |v| format!("{v:.4}"))
}

fn write_split_table(out: &mut String, record: &RunRecord) {
    let _ = writeln!(out, "## Time split\n");
    let _ = writeln!(out, "| part | invoices | late share | majority baseline | first date | last date |");
    let _ = writeln!(out, "|---|---:|---:|---:|---|---|");
    for s in &record.splits {
        let date = |d: Option<chrono::NaiveDate>| d.map_or_else(|| "—".into(), |d| d.to_string());
        let _ = writeln!(
            out,
            "| {} | {} | {:.4} | {:.4} | {} | {} |",
            s.split.name(),
            s.rows,
            s.late_share,
            s.majority_baseline,
            date(s.first_date),
            date(s.last_date)
        );
    }
    out.push('\n');
}
