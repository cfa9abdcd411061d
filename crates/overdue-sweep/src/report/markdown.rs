//! The Markdown report: provenance, split table, metric tables, cost, failures.

use std::fmt::Write as _;

use overdue_data::{CleaningCounts, LoadReport};
use overdue_features::SplitSummary;

use super::summary::{CellSummary, Estimate, Summary, TOP_FEATURES, model_costs};

/// A metric table: title, the baseline column's name and value, the cell value.
struct MetricTable {
    title: &'static str,
    baseline_name: &'static str,
    baseline: fn(&overdue_features::SplitSummary) -> f64,
    value: fn(&CellSummary) -> Option<Estimate>,
}

const TABLES: [MetricTable; 3] = [
    MetricTable {
        title: "Test accuracy (threshold 0.5)",
        baseline_name: "majority baseline",
        baseline: |s| s.majority_baseline,
        value: |c| Some(c.accuracy),
    },
    MetricTable {
        title: "Test AUPRC (average precision)",
        baseline_name: "late share (random ranking)",
        baseline: |s| s.late_share,
        value: |c| c.auprc,
    },
    MetricTable { title: "Test ROC AUC", baseline_name: "random ranking", baseline: |_| 0.5, value: |c| c.roc_auc },
];

/// Formats an estimate as `0.7123` or `0.7123 ± 0.0040`.
pub(super) fn format_estimate(e: Option<Estimate>) -> String {
    match e {
        None => "—".into(),
        Some(Estimate { mean, ci95: None, .. }) => format!("{mean:.4}"),
        Some(Estimate { mean, ci95: Some(h), .. }) => format!("{mean:.4} ± {h:.4}"),
    }
}

/// Renders the whole report; `plots` are the plot files written, or why none were.
pub fn render(summary: &Summary, plots: &Result<Vec<std::path::PathBuf>, String>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Sweep `{}`\n", summary.sweeps.join("`, `"));
    let _ = writeln!(
        out,
        "Produced by `overdue sweep {}` with {}, on {}. {} runs ({} failed); data fingerprint `{}`; \
         last run finished {}. Regenerate this report with `overdue report <results folder>`.\n",
        summary.config_files.join(", "),
        summary.builds.join("; "),
        summary.machines.join("; "),
        summary.runs,
        summary.failures.len(),
        summary.data.join("`, `"),
        summary.last_finished,
    );
    if let Some(cleaning) = &summary.cleaning {
        write_cleaning(&mut out, cleaning);
    }
    if let Some(export) = &summary.export {
        write_export(&mut out, export);
    }
    write_datasets(&mut out, summary);
    write_split(&mut out, summary);
    write_models(&mut out, summary);
    let seeds = summary.cells.iter().map(|c| c.accuracy.n).max().unwrap_or(0);
    for table in &TABLES {
        write_metric_table(&mut out, summary, table);
    }
    if seeds > 1 {
        let _ = writeln!(out, "Cells show the mean over seeds ± the half-width of its 95% confidence interval.\n");
    }
    write_cost(&mut out, summary);
    write_devices(&mut out, summary);
    write_importance(&mut out, summary);
    write_plots(&mut out, plots);
    if !summary.failures.is_empty() {
        let _ = writeln!(out, "## Failed runs\n");
        for (run_id, what, reason) in &summary.failures {
            let _ = writeln!(out, "- `{run_id}` {what}: {reason}");
        }
        out.push('\n');
    }
    out
}

fn write_models(out: &mut String, summary: &Summary) {
    let _ = writeln!(out, "## Models\n");
    let _ = writeln!(out, "| model | hyperparameters |");
    let _ = writeln!(out, "|---|---|");
    for model in &summary.models {
        let _ = writeln!(out, "| {} | `{}` |", model.label, model.hyperparameters);
    }
    out.push('\n');
}

/// Study 2's cleaning: rows dropped per rule, in the order the rules apply.
fn write_cleaning(out: &mut String, c: &CleaningCounts) {
    let _ = writeln!(out, "## Data cleaning (study 2's rules)\n");
    let _ = writeln!(out, "| rule (first failed) | rows dropped |");
    let _ = writeln!(out, "|---|---:|");
    let rules = [
        ("missing vendor", c.missing_vendor),
        ("missing amount", c.missing_amount),
        ("missing company code", c.missing_company_code),
        ("missing due date", c.missing_due_date),
        ("missing posting date", c.missing_posting_date),
        ("negative amount (credit note)", c.negative_amount),
        ("due date before posting date", c.due_before_posting),
        ("no process log", c.no_process_log),
    ];
    for (rule, dropped) in rules {
        let _ = writeln!(out, "| {rule} | {dropped} |");
    }
    let _ = writeln!(out, "| **all rules** | **{}** |\n", c.dropped());
    let _ = writeln!(out, "{} raw rows, {} kept.\n", c.raw, c.kept);
}

/// How the export was read: the dirty-row policy's drops, per reason and
/// column, with the first offending row, so a reader can check them in the file.
fn write_export(out: &mut String, report: &LoadReport) {
    let _ = writeln!(out, "## Data loading (`{}`)\n", report.path.display());
    let _ = write!(
        out,
        "{} data rows read, {} kept, {} dropped as dirty",
        report.rows_read,
        report.rows_kept,
        report.rows_dropped()
    );
    match report.blank_rows {
        0 => out.push_str(".\n\n"),
        blank => {
            let _ = writeln!(out, "; {blank} blank lines skipped.\n");
        }
    }
    if report.dropped.is_empty() {
        return;
    }
    let _ = writeln!(out, "| reason | column | rows dropped | first (data row: detail) |");
    let _ = writeln!(out, "|---|---|---:|---|");
    for count in &report.dropped {
        let detail = count.first_detail.replace('|', "\\|");
        let _ =
            writeln!(out, "| {} | `{}` | {} | {}: {detail} |", count.reason, count.column, count.rows, count.first_row);
    }
    out.push('\n');
}

/// The header of the rows' column: windows or feature variants.
fn row_header(summary: &Summary) -> &'static str {
    if summary.rows_are_windows() { "window (months)" } else { "features" }
}

/// Each dataset's feature count: the width of what the models see.
fn write_datasets(out: &mut String, summary: &Summary) {
    let _ = writeln!(out, "## Feature sets\n");
    let _ = writeln!(out, "| {} | feature columns | rows |", row_header(summary));
    let _ = writeln!(out, "|---|---:|---:|");
    for dataset in &summary.datasets {
        let rows: usize = dataset.split.iter().map(|s| s.rows).sum();
        let _ = writeln!(out, "| {} | {} | {rows} |", dataset.row.label(), dataset.features);
    }
    out.push('\n');
}

/// The split table; when the datasets' splits differ (the payables moments
/// date and select rows differently), one table per distinct split, headed by
/// the datasets that share it.
fn write_split(out: &mut String, summary: &Summary) {
    let _ = writeln!(out, "## Time split\n");
    let mut groups: Vec<(Vec<String>, &[SplitSummary])> = Vec::new();
    for dataset in &summary.datasets {
        match groups.iter_mut().find(|(_, split)| *split == dataset.split.as_slice()) {
            Some((labels, _)) => labels.push(dataset.row.label()),
            None => groups.push((vec![dataset.row.label()], &dataset.split)),
        }
    }
    if groups.len() <= 1 {
        write_split_table(out, &summary.split);
        return;
    }
    for (labels, split) in groups {
        let _ = writeln!(out, "`{}`:\n", labels.join("`, `"));
        write_split_table(out, split);
    }
}

/// The study's split table; a purged split adds the rows its purge dropped.
fn write_split_table(out: &mut String, split: &[SplitSummary]) {
    let purged = split.iter().any(|s| s.purged > 0);
    let _ = write!(out, "| part | invoices | late share | majority baseline | first date | last date |");
    let _ = writeln!(out, "{}", if purged { " purged (label known too late) |" } else { "" });
    let _ = writeln!(out, "|---|---:|---:|---:|---|---|{}", if purged { "---:|" } else { "" });
    for s in split {
        let date = |d: Option<chrono::NaiveDate>| d.map_or_else(|| "—".into(), |d| d.to_string());
        let _ = write!(
            out,
            "| {} | {} | {:.4} | {:.4} | {} | {} |",
            s.split.name(),
            s.rows,
            s.late_share,
            s.majority_baseline,
            date(s.first_date),
            date(s.last_date)
        );
        let _ = writeln!(out, "{}", if purged { format!(" {} |", s.purged) } else { String::new() });
    }
    out.push('\n');
}

fn write_metric_table(out: &mut String, summary: &Summary, table: &MetricTable) {
    let _ = writeln!(out, "## {}\n", table.title);
    let _ = write!(out, "| {} | {} |", row_header(summary), table.baseline_name);
    for model in &summary.models {
        let _ = write!(out, " {} |", model.label);
    }
    let _ = writeln!(out, "\n|---:|---:|{}", "---:|".repeat(summary.models.len()));
    for row in &summary.rows {
        // Each row's own test part: the payables moments may select different rows.
        let test = summary.dataset(row).and_then(|d| d.split.iter().find(|s| s.split == overdue_features::Split::Test));
        let baseline = test.map_or_else(|| "—".into(), |s| format!("{:.4}", (table.baseline)(s)));
        let _ = write!(out, "| {} | {baseline} |", row.label());
        for m in 0..summary.models.len() {
            let value = summary.cell(row, m).and_then(table.value);
            let _ = write!(out, " {} |", format_estimate(value));
        }
        out.push('\n');
    }
    out.push('\n');
}

fn write_cost(out: &mut String, summary: &Summary) {
    let over = if summary.rows_are_windows() { "windows" } else { "feature variants" };
    let _ = writeln!(out, "## Cost (medians over {over} and seeds)\n");
    let _ = writeln!(out, "| model | fit seconds | training rows/s | prediction rows/s |");
    let _ = writeln!(out, "|---|---:|---:|---:|");
    for cost in model_costs(summary) {
        let _ = writeln!(
            out,
            "| {} | {:.3} | {:.0} | {:.0} |",
            cost.label, cost.fit_seconds, cost.train_rows_per_second, cost.predict_rows_per_second
        );
    }
    out.push('\n');
}

fn write_devices(out: &mut String, summary: &Summary) {
    if summary.devices.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Training devices (medians over runs)\n");
    let _ = writeln!(
        out,
        "The first optimisation step carries the one-time costs (shader compilation, autotuning, first \
         allocations); the steady rate is the training throughput after it.\n"
    );
    let _ = writeln!(
        out,
        "| model | backend | device | driver | runs | epochs | first step (s) | steady training rows/s | prediction rows/s |"
    );
    let _ = writeln!(out, "|---|---|---|---|---:|---:|---:|---:|---:|");
    let number = |value: Option<f64>, digits: usize| value.map_or_else(|| "—".into(), |v| format!("{v:.digits$}"));
    for d in &summary.devices {
        let driver = if d.driver.is_empty() { "—" } else { d.driver.as_str() };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {driver} | {} | {} | {} | {} | {:.0} |",
            d.label,
            d.backend,
            d.device,
            d.runs,
            number(d.epochs, 0),
            number(d.first_step_seconds, 4),
            number(d.steady_rows_per_second, 0),
            d.predict_rows_per_second
        );
    }
    out.push('\n');
}

fn write_importance(out: &mut String, summary: &Summary) {
    if summary.importance.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Feature importance (top {TOP_FEATURES} by gain)\n");
    let _ = writeln!(
        out,
        "Each feature's share of the model's total split gain, averaged over its runs (windows and seeds), \
         with the mean number of splits on it.\n"
    );
    let _ = write!(out, "| model | runs |");
    for rank in 1..=TOP_FEATURES {
        let _ = write!(out, " {rank} |");
    }
    let _ = writeln!(out, "\n|---|---:|{}", "---|".repeat(TOP_FEATURES));
    for model in &summary.importance {
        let _ = write!(out, "| {} | {} |", model.label, model.runs);
        for rank in 0..TOP_FEATURES {
            match model.top.get(rank) {
                Some((name, share, splits)) => {
                    let _ = write!(out, " `{name}` {:.1}% ({splits:.0} splits) |", 100.0 * share);
                }
                None => out.push_str(" — |"),
            }
        }
        out.push('\n');
    }
    out.push('\n');
}

fn write_plots(out: &mut String, plots: &Result<Vec<std::path::PathBuf>, String>) {
    let _ = writeln!(out, "## Plots\n");
    match plots {
        Ok(files) => {
            for file in files.iter().filter(|f| f.extension().is_some_and(|e| e == "png")) {
                let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                let stem = name.trim_end_matches(".png");
                let _ = writeln!(out, "![{stem}]({name})  (also [{stem}.svg]({stem}.svg))\n");
            }
        }
        Err(reason) => {
            let _ = writeln!(out, "Plots were not drawn: {reason}.\n");
        }
    }
}
