//! The regression gate: compare two sets of run records cell by cell.
//!
//! Quality metrics are deterministic on CPU for a fixed config and seed, so any
//! drop beyond a small tolerance is a regression, wherever either side ran.
//! Timings are compared only like with like: as ratios of medians over the
//! repeated runs of each model (all its windows and seeds), and gated only when
//! both sides ran on the same machine fingerprint
//! ([`crate::Environment::machine_fingerprint`]: CPU model, cores, threads, build
//! profile). A baseline made on another CPU says nothing about this one's
//! speed (a committed baseline failed seven timings on identical metrics), so
//! across machines the times are shown, marked "other machine", and the gate
//! concludes on quality alone, saying so. Models whose baseline median is too
//! short to time reliably are reported but not gated either.

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
    /// Gate timings even when the two sides ran on different machines
    /// (off by default: such ratios measure the machines, not the code).
    pub gate_timings_across_machines: bool,
}

impl Default for CompareOptions {
    fn default() -> Self {
        Self { metric_tolerance: 1e-4, max_slowdown: 1.5, min_gated_seconds: 0.02, gate_timings_across_machines: false }
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
    /// Whether the time is gated: the baseline is long enough to time and
    /// both sides ran on the same machine fingerprint (or the options say to
    /// gate across machines).
    pub gated: bool,
    /// Why it is not gated, when it is not.
    pub not_gated_because: Option<&'static str>,
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
    let (base_machines, cur_machines) = (machines(&base), machines(&cur));
    let same_machine = base_machines.len() == 1 && base_machines == cur_machines;
    if !same_machine {
        comparison.warnings.push(format!(
            "baseline ran on {}, current on {}: {}",
            base_machines.join(" + "),
            cur_machines.join(" + "),
            if options.gate_timings_across_machines {
                "timings gated all the same (asked for)"
            } else {
                "timings are shown but not gated; the verdict rests on quality alone"
            }
        ));
    }
    for (model, [base_fit, cur_fit, base_predict, cur_predict]) in times {
        for (phase, mut before, mut after) in [("fit", base_fit, cur_fit), ("predict", base_predict, cur_predict)] {
            let (before, after) = (median(&mut before), median(&mut after));
            let not_gated_because = if before < options.min_gated_seconds {
                Some("too short")
            } else if !same_machine && !options.gate_timings_across_machines {
                Some("other machine")
            } else {
                None
            };
            let gated = not_gated_because.is_none();
            let regressed = gated && after > before * options.max_slowdown;
            comparison.timings.push(TimingChange {
                model: model.clone(),
                phase,
                baseline: before,
                current: after,
                gated,
                not_gated_because,
                regressed,
            });
        }
    }
    let regressed = comparison.metrics.iter().any(|m| m.regressed) || comparison.timings.iter().any(|t| t.regressed);
    if regressed {
        comparison.verdict = Verdict::Regression;
    }
    comparison
}

/// The distinct machine fingerprints of a side's records, sorted.
fn machines(records: &BTreeMap<String, RunRecord>) -> Vec<String> {
    let mut machines: Vec<String> = records.values().map(|r| r.environment.machine_fingerprint()).collect();
    machines.sort();
    machines.dedup();
    machines
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
                "median times per model (fail above {}x; not gated: baselines under {}s, or another machine):",
                options.max_slowdown, options.min_gated_seconds
            );
            let _ = writeln!(
                out,
                "  {:<32} {:<8} {:>10} {:>10} {:>7}  verdict",
                "model", "phase", "baseline s", "current s", "ratio"
            );
            for t in &self.timings {
                let verdict = match (t.not_gated_because, t.regressed) {
                    (Some(why), _) => format!("not gated ({why})"),
                    (None, true) => "REGRESSION".to_string(),
                    (None, false) => "ok".to_string(),
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
    fn timings_are_gated_only_on_the_same_machine() {
        let mut base = records();
        for r in &mut base {
            r.cost.as_mut().unwrap().fit_seconds = 1.0;
        }
        let mut current = base.clone();
        for r in &mut current {
            r.cost.as_mut().unwrap().fit_seconds = 3.0;
            r.environment.cpu = "Another CPU".into();
        }
        let comparison = compare(&base, &current, &CompareOptions::default());
        assert_eq!(comparison.verdict, Verdict::NoRegression, "{}", comparison.render(&CompareOptions::default()));
        let fit = comparison.timings.iter().find(|t| t.phase == "fit").unwrap();
        assert_eq!((fit.gated, fit.not_gated_because), (false, Some("other machine")));
        assert!(comparison.warnings.iter().any(|w| w.contains("Another CPU") && w.contains("not gated")));

        // A quality drop still fails across machines...
        results_mut(&mut current[0]).test.accuracy -= 0.01;
        assert_eq!(compare(&base, &current, &CompareOptions::default()).verdict, Verdict::Regression);
        // ...and the slowdown fails when asked to gate across machines anyway.
        results_mut(&mut current[0]).test.accuracy += 0.01;
        let across = CompareOptions { gate_timings_across_machines: true, ..CompareOptions::default() };
        assert_eq!(compare(&base, &current, &across).verdict, Verdict::Regression);
        // The same fingerprint: gated.
        for r in &mut current {
            r.environment.cpu = base[0].environment.cpu.clone();
        }
        assert_eq!(compare(&base, &current, &CompareOptions::default()).verdict, Verdict::Regression);
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
