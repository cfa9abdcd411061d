//! The regression gate: compare two sets of run records cell by cell.
//!
//! Quality metrics are deterministic on CPU for a fixed config and seed, so any
//! drop beyond a small tolerance is a regression. Timings are noisy on shared
//! machines, so they are compared as ratios of medians over the repeated runs of
//! each model (all its windows and seeds), and only a slowdown beyond a
//! threshold fails; models whose baseline median is too short to time reliably
//! are reported but not gated.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::report::median;
use crate::{ModelColumn, RunOutcome, RunRecord, RunStore, SweepError, model_columns};

/// Thresholds of the gate.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareOptions {
    /// Largest allowed drop of a quality metric (absolute).
    pub metric_tolerance: f64,
    /// Largest allowed ratio current / baseline of a median time.
    pub max_slowdown: f64,
    /// Baseline medians below this many seconds are not gated (too noisy).
    pub min_gated_seconds: f64,
}

impl Default for CompareOptions {
    fn default() -> Self {
        Self { metric_tolerance: 1e-4, max_slowdown: 1.5, min_gated_seconds: 0.02 }
    }
}

/// The gate's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every cell matched and nothing got worse beyond the thresholds.
    NoRegression,
    /// Some metric dropped or some model slowed down beyond the thresholds.
    Regression,
    /// The two sides do not hold the same cells (different configs, missing or
    /// failed runs): nothing can be concluded.
    CannotCompare(String),
}

/// One quality metric of one cell on both sides.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricChange {
    /// The cell: family, window (or feature variant) and seed.
    pub cell: String,
    /// The metric's name.
    pub metric: &'static str,
    /// Baseline value.
    pub baseline: f64,
    /// Current value.
    pub current: f64,
    /// Whether the drop exceeds the tolerance.
    pub regressed: bool,
}

/// A model's median time on both sides.
#[derive(Debug, Clone, PartialEq)]
pub struct TimingChange {
    /// The model's label, as in reports (see [`Comparison::models`]).
    pub model: String,
    /// "fit" or "predict".
    pub phase: &'static str,
    /// Baseline median seconds.
    pub baseline: f64,
    /// Current median seconds.
    pub current: f64,
    /// Whether the baseline is long enough to be gated.
    pub gated: bool,
    /// Whether the slowdown exceeds the threshold.
    pub regressed: bool,
}

/// The outcome of a comparison, with everything needed to explain it.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Quality metrics that changed at all (or regressed).
    pub metrics: Vec<MetricChange>,
    /// Median times of every model.
    pub timings: Vec<TimingChange>,
    /// Cells compared.
    pub cells: usize,
    /// Warnings that do not change the verdict (e.g. different machines).
    pub warnings: Vec<String>,
    /// The models' labels (as in reports) and their hyperparameters.
    pub models: Vec<ModelColumn>,
    /// The answer.
    pub verdict: Verdict,
}

type Metric = (&'static str, fn(&crate::RunResults) -> Option<f64>);

/// The quality metrics the gate watches (higher is better for each).
const METRICS: [Metric; 4] = [
    ("accuracy", |r| Some(r.test.accuracy)),
    ("average_precision", |r| r.test.average_precision),
    ("roc_auc", |r| r.test.roc_auc),
    ("balanced_accuracy", |r| Some(r.test.balanced_accuracy)),
];

/// Reads records from a results folder (its `runs/`) or a `runs.jsonl` file.
pub fn load_records(path: &Path) -> Result<Vec<RunRecord>, SweepError> {
    if path.is_dir() {
        return RunStore::open_existing(path)?.records();
    }
    let text = std::fs::read_to_string(path).map_err(|source| SweepError::Io { path: path.to_path_buf(), source })?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line).map_err(|e| SweepError::CorruptRecord {
                path: path.to_path_buf(),
                message: format!("line {}: {e}", i + 1),
            })
        })
        .collect()
}

fn describe_cell(r: &RunRecord) -> String {
    format!("{} {} seed={}", r.cell.family, r.cell.feature_label(), r.cell.seed)
}

/// Compares `current` against `baseline`, matching runs by their id.
pub fn compare(baseline: &[RunRecord], current: &[RunRecord], options: &CompareOptions) -> Comparison {
    let index = |records: &[RunRecord]| -> BTreeMap<String, RunRecord> {
        records.iter().map(|r| (r.run_id.clone(), r.clone())).collect()
    };
    let (base, cur) = (index(baseline), index(current));
    let models = model_columns(baseline);
    let label_of = |r: &RunRecord| {
        models
            .iter()
            .find(|m| m.family == r.cell.family && m.hyperparameters == r.cell.hyperparameters)
            .map_or_else(|| r.cell.family.clone(), |m| m.label.clone())
    };
    let mut comparison = Comparison {
        metrics: Vec::new(),
        timings: Vec::new(),
        cells: 0,
        warnings: Vec::new(),
        models: models.clone(),
        verdict: Verdict::NoRegression,
    };

    let only_base: Vec<String> = base.values().filter(|r| !cur.contains_key(&r.run_id)).map(describe_cell).collect();
    let only_cur: Vec<String> = cur.values().filter(|r| !base.contains_key(&r.run_id)).map(describe_cell).collect();
    if base.is_empty() || !only_base.is_empty() || !only_cur.is_empty() {
        comparison.verdict = Verdict::CannotCompare(format!(
            "the two sides hold different cells ({} only in the baseline, {} only in the current run{}); \
             were they produced by the same config and overdue version?",
            only_base.len(),
            only_cur.len(),
            only_base.first().or(only_cur.first()).map_or(String::new(), |c| format!(", e.g. {c}"))
        ));
        return comparison;
    }

    let mut times: BTreeMap<String, [Vec<f64>; 4]> = BTreeMap::new();
    for (id, b) in &base {
        let c = &cur[id];
        let (RunOutcome::Finished(b_results), RunOutcome::Finished(c_results)) = (&b.outcome, &c.outcome) else {
            comparison.verdict =
                Verdict::CannotCompare(format!("run {} ({}) did not finish on both sides", id, describe_cell(b)));
            return comparison;
        };
        comparison.cells += 1;
        for (metric, value) in METRICS {
            let (Some(before), Some(after)) = (value(b_results), value(c_results)) else { continue };
            let regressed = after < before - options.metric_tolerance;
            if regressed || after != before {
                comparison.metrics.push(MetricChange {
                    cell: describe_cell(b),
                    metric,
                    baseline: before,
                    current: after,
                    regressed,
                });
            }
        }
        if let (Some(bc), Some(cc)) = (&b.cost, &c.cost) {
            let entry = times.entry(label_of(b)).or_default();
            entry[0].push(bc.fit_seconds);
            entry[1].push(cc.fit_seconds);
            entry[2].push(bc.predict_seconds);
            entry[3].push(cc.predict_seconds);
        }
    }
    for (model, [base_fit, cur_fit, base_predict, cur_predict]) in times {
        for (phase, mut before, mut after) in [("fit", base_fit, cur_fit), ("predict", base_predict, cur_predict)] {
            let (before, after) = (median(&mut before), median(&mut after));
            let gated = before >= options.min_gated_seconds;
            let regressed = gated && after > before * options.max_slowdown;
            comparison.timings.push(TimingChange {
                model: model.clone(),
                phase,
                baseline: before,
                current: after,
                gated,
                regressed,
            });
        }
    }

    let machine = |records: &BTreeMap<String, RunRecord>| {
        records.values().next().map(|r| (r.environment.cpu.clone(), r.environment.cores, r.environment.threads))
    };
    if machine(&base) != machine(&cur) {
        comparison.warnings.push(format!(
            "baseline and current ran on different machines ({:?} vs {:?}): timing ratios are indicative only",
            machine(&base),
            machine(&cur)
        ));
    }
    let regressed = comparison.metrics.iter().any(|m| m.regressed) || comparison.timings.iter().any(|t| t.regressed);
    if regressed {
        comparison.verdict = Verdict::Regression;
    }
    comparison
}

impl Comparison {
    /// A readable table of the changes and the verdict.
    pub fn render(&self, options: &CompareOptions) -> String {
        let mut out = String::new();
        if !self.metrics.is_empty() {
            let _ = writeln!(out, "quality metrics that changed (tolerance {}):", options.metric_tolerance);
            let _ = writeln!(
                out,
                "  {:<40} {:<18} {:>10} {:>10} {:>10}  verdict",
                "cell", "metric", "baseline", "current", "change"
            );
            for m in &self.metrics {
                let _ = writeln!(
                    out,
                    "  {:<40} {:<18} {:>10.4} {:>10.4} {:>+10.4}  {}",
                    m.cell,
                    m.metric,
                    m.baseline,
                    m.current,
                    m.current - m.baseline,
                    if m.regressed { "REGRESSION" } else { "ok" }
                );
            }
        }
        if !self.timings.is_empty() {
            let _ = writeln!(
                out,
                "median times per model (fail above {}x; baselines under {}s not gated):",
                options.max_slowdown, options.min_gated_seconds
            );
            let _ = writeln!(
                out,
                "  {:<32} {:<8} {:>10} {:>10} {:>7}  verdict",
                "model", "phase", "baseline s", "current s", "ratio"
            );
            for t in &self.timings {
                let verdict = match (t.gated, t.regressed) {
                    (false, _) => "not gated",
                    (true, true) => "REGRESSION",
                    (true, false) => "ok",
                };
                let _ = writeln!(
                    out,
                    "  {:<32} {:<8} {:>10.4} {:>10.4} {:>6.2}x  {verdict}",
                    t.model,
                    t.phase,
                    t.baseline,
                    t.current,
                    t.current / t.baseline.max(1e-12)
                );
            }
        }
        if self.models.len() > 1 {
            let _ = writeln!(out, "models:");
            for model in &self.models {
                let _ = writeln!(out, "  {:<32} {}", model.label, model.hyperparameters);
            }
        }
        for warning in &self.warnings {
            let _ = writeln!(out, "warning: {warning}");
        }
        let _ = match &self.verdict {
            Verdict::NoRegression => writeln!(out, "no regression ({} cells compared)", self.cells),
            Verdict::Regression => writeln!(out, "REGRESSION ({} cells compared)", self.cells),
            Verdict::CannotCompare(reason) => writeln!(out, "could not compare: {reason}"),
        };
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records of a real tiny sweep, made once per test binary.
    fn records() -> Vec<RunRecord> {
        let dir = tempfile::tempdir().unwrap();
        let text = r#"
            seeds = [0, 1]
            [data]
            kind = "receivables"
            invoices = 1500
            customers = 60
            contracts = 120
            [features]
            windows = [3]
            [[models]]
            family = "logistic_regression"
        "#;
        let mut config = crate::SweepConfig::parse(text).unwrap();
        config.output = dir.path().to_path_buf();
        crate::run_sweep(&config, &crate::SweepOptions::default(), &mut |_| {}).unwrap();
        load_records(&dir.path().join("runs.jsonl")).unwrap()
    }

    fn results_mut(record: &mut RunRecord) -> &mut crate::RunResults {
        match &mut record.outcome {
            RunOutcome::Finished(results) => results,
            RunOutcome::Failed { .. } => panic!("the tiny sweep finishes"),
        }
    }

    #[test]
    fn identical_records_pass() {
        let base = records();
        let comparison = compare(&base, &base, &CompareOptions::default());
        assert_eq!(comparison.verdict, Verdict::NoRegression);
        assert!(comparison.metrics.is_empty());
    }

    #[test]
    fn a_drop_beyond_the_tolerance_fails_and_within_it_passes() {
        let base = records();
        let mut current = base.clone();
        results_mut(&mut current[0]).test.accuracy -= 0.00005;
        assert_eq!(compare(&base, &current, &CompareOptions::default()).verdict, Verdict::NoRegression);
        results_mut(&mut current[0]).test.accuracy -= 0.01;
        let comparison = compare(&base, &current, &CompareOptions::default());
        assert_eq!(comparison.verdict, Verdict::Regression);
        assert!(comparison.metrics.iter().any(|m| m.metric == "accuracy" && m.regressed));
    }

    #[test]
    fn medians_not_single_runs_decide_timing() {
        let mut base = records();
        for r in &mut base {
            r.cost.as_mut().unwrap().fit_seconds = 1.0;
        }
        let mut current = base.clone();
        // One of two runs is 3x slower: the median (2.0) is beyond 1.5x...
        current[0].cost.as_mut().unwrap().fit_seconds = 3.0;
        assert_eq!(compare(&base, &current, &CompareOptions::default()).verdict, Verdict::Regression);
        // ...but with a 2.5x threshold it is within bounds.
        let lenient = CompareOptions { max_slowdown: 2.5, ..CompareOptions::default() };
        assert_eq!(compare(&base, &current, &lenient).verdict, Verdict::NoRegression);
    }

    #[test]
    fn missing_or_failed_cells_cannot_be_compared() {
        let base = records();
        let verdict = compare(&base, &base[..1], &CompareOptions::default()).verdict;
        assert!(
            matches!(verdict, Verdict::CannotCompare(ref why) if why.contains("1 only in the baseline")),
            "{verdict:?}"
        );
        let mut failed = base.clone();
        failed[1].outcome = RunOutcome::Failed { reason: "boom".into() };
        let verdict = compare(&base, &failed, &CompareOptions::default()).verdict;
        assert!(matches!(verdict, Verdict::CannotCompare(ref why) if why.contains("did not finish")), "{verdict:?}");
    }
}
