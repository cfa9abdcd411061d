//! Every metric against scikit-learn 1.9, data-driven over
//! `tests/fixtures/metrics.json` (regenerate with
//! `python3 scripts/make_metric_fixtures.py`).

use overdue_metrics::{
    ConfusionMatrix, MetricError, PrCurve, accuracy, average_precision, balanced_accuracy, best_f1_threshold,
    brier_score, confusion_matrix, evaluate, f1, log_loss, majority_baseline, pr_auc_trapezoid, pr_curve, precision,
    predict_at, recall, roc_auc,
};
use serde::Deserialize;

const TOLERANCE: f64 = 1e-9;

#[derive(Deserialize)]
struct Case {
    name: String,
    y_true: Vec<u8>,
    y_score: Vec<f64>,
    threshold: f64,
    expected: Expected,
}

#[derive(Deserialize)]
struct Expected {
    accuracy: f64,
    balanced_accuracy: f64,
    precision: f64,
    recall: f64,
    f1: f64,
    confusion: ConfusionMatrix,
    /// `None` (JSON null) where `y_true` holds one class.
    roc_auc: Option<f64>,
    average_precision: Option<f64>,
    pr_curve: Option<PrCurve>,
    pr_auc_trapezoid: Option<f64>,
    best_f1_threshold: Option<f64>,
    log_loss: f64,
    brier_score: f64,
    majority_baseline: f64,
}

fn cases() -> Vec<Case> {
    serde_json::from_str(include_str!("fixtures/metrics.json")).expect("fixture file parses")
}

/// Collects mismatches of one case instead of stopping at the first.
struct Checker<'a> {
    case: &'a str,
    failures: Vec<String>,
}

impl Checker<'_> {
    fn close(&mut self, metric: &str, got: f64, want: f64) {
        // Written so that a NaN on either side is a mismatch.
        let agrees = (got - want).abs() <= TOLERANCE;
        if !agrees {
            self.failures.push(format!("{}: {metric} = {got:?}, scikit-learn {want:?}", self.case));
        }
    }

    fn scalar(&mut self, metric: &str, got: Result<f64, MetricError>, want: f64) {
        match got {
            Ok(got) => self.close(metric, got, want),
            Err(e) => self.failures.push(format!("{}: {metric} failed: {e}", self.case)),
        }
    }

    fn curve(&mut self, metric: &str, got: &[f64], want: &[f64]) {
        if got.len() != want.len() {
            self.failures.push(format!(
                "{}: {metric} has {} points, scikit-learn {}",
                self.case,
                got.len(),
                want.len()
            ));
            return;
        }
        for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
            self.close(&format!("{metric}[{i}]"), g, w);
        }
    }

    /// A ranking metric: both values when scikit-learn has one, else checks
    /// that we answered `OneClass` naming `metric` and the present class.
    fn ranking<T>(
        &mut self,
        metric: &'static str,
        got: Result<T, MetricError>,
        want: Option<T>,
        present: bool,
    ) -> Option<(T, T)> {
        match (got, want) {
            (Ok(got), Some(want)) => return Some((got, want)),
            (Err(MetricError::OneClass { metric: m, present: p }), None) if m == metric && p == present => {}
            (Err(e), _) => self.failures.push(format!("{}: {metric} failed: {e}", self.case)),
            (Ok(_), None) => self.failures.push(format!("{}: {metric} should be OneClass", self.case)),
        }
        None
    }

    fn ranking_scalar(
        &mut self,
        metric: &'static str,
        got: Result<f64, MetricError>,
        want: Option<f64>,
        present: bool,
    ) {
        if let Some((got, want)) = self.ranking(metric, got, want, present) {
            self.close(metric, got, want);
        }
    }
}

/// Checks every metric of one fixture case, standalone and through
/// [`evaluate`]; returns the mismatches.
fn check_case(case: &Case) -> Vec<String> {
    let y: Vec<bool> = case.y_true.iter().map(|&v| v == 1).collect();
    let s = &case.y_score;
    let want = &case.expected;
    let pred = predict_at(s, case.threshold);
    let mut c = Checker { case: &case.name, failures: Vec::new() };

    match confusion_matrix(&y, &pred) {
        Ok(cm) if cm == want.confusion => {}
        other => c.failures.push(format!("{}: confusion {other:?}, scikit-learn {:?}", case.name, want.confusion)),
    }
    c.scalar("accuracy", accuracy(&y, &pred), want.accuracy);
    c.scalar("balanced_accuracy", balanced_accuracy(&y, &pred), want.balanced_accuracy);
    c.scalar("precision", precision(&y, &pred), want.precision);
    c.scalar("recall", recall(&y, &pred), want.recall);
    c.scalar("f1", f1(&y, &pred), want.f1);
    c.scalar("log_loss", log_loss(&y, s), want.log_loss);
    c.scalar("brier_score", brier_score(&y, s), want.brier_score);
    c.scalar("majority_baseline", majority_baseline(&y), want.majority_baseline);

    let all_late = y.iter().all(|&v| v);
    c.ranking_scalar("roc_auc", roc_auc(&y, s), want.roc_auc, all_late);
    c.ranking_scalar("average_precision", average_precision(&y, s), want.average_precision, all_late);
    c.ranking_scalar("pr_auc_trapezoid", pr_auc_trapezoid(&y, s), want.pr_auc_trapezoid, all_late);
    c.ranking_scalar("best_f1_threshold", best_f1_threshold(&y, s), want.best_f1_threshold, all_late);
    let curves = c.ranking("pr_curve", pr_curve(&y, s), want.pr_curve.clone(), all_late);
    if let Some((got, want)) = curves {
        c.curve("pr_curve.precision", &got.precision, &want.precision);
        c.curve("pr_curve.recall", &got.recall, &want.recall);
        c.curve("pr_curve.thresholds", &got.thresholds, &want.thresholds);
    }

    match evaluate(&y, s, case.threshold) {
        Err(e) => c.failures.push(format!("{}: evaluate failed: {e}", case.name)),
        Ok(ev) => {
            if ev.rows != y.len() as u64 || ev.positives != y.iter().filter(|&&v| v).count() as u64 {
                c.failures.push(format!("{}: evaluate counts rows/positives wrong", case.name));
            }
            if ev.threshold != case.threshold || ev.confusion != want.confusion {
                c.failures.push(format!("{}: evaluate threshold/confusion wrong", case.name));
            }
            c.close("evaluate.accuracy", ev.accuracy, want.accuracy);
            c.close("evaluate.balanced_accuracy", ev.balanced_accuracy, want.balanced_accuracy);
            c.close("evaluate.precision", ev.precision, want.precision);
            c.close("evaluate.recall", ev.recall, want.recall);
            c.close("evaluate.f1", ev.f1, want.f1);
            c.close("evaluate.log_loss", ev.log_loss, want.log_loss);
            c.close("evaluate.brier", ev.brier, want.brier_score);
            c.close("evaluate.majority_baseline", ev.majority_baseline, want.majority_baseline);
            for (metric, got, want) in [
                ("evaluate.roc_auc", ev.roc_auc, want.roc_auc),
                ("evaluate.average_precision", ev.average_precision, want.average_precision),
                ("evaluate.pr_auc", ev.pr_auc, want.pr_auc_trapezoid),
            ] {
                match (got, want) {
                    (Some(g), Some(w)) => c.close(metric, g, w),
                    (None, None) => {}
                    _ => c.failures.push(format!("{}: {metric} = {got:?}, scikit-learn {want:?}", case.name)),
                }
            }
        }
    }
    c.failures
}

#[test]
fn every_metric_matches_scikit_learn() {
    let cases = cases();
    let failures: Vec<String> = cases.iter().flat_map(check_case).collect();
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn fixture_covers_the_required_cases() {
    let cases = cases();
    let names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    for required in [
        "tiny",
        "balanced_random",
        "imbalanced_5pct",
        "ties_one_decimal",
        "all_scores_equal",
        "scores_exactly_0_and_1",
        "no_predicted_positives",
        "all_on_time",
        "all_late",
        "large_ties",
    ] {
        assert!(names.contains(&required), "fixture lacks case {required}");
    }
    for case in &cases {
        assert_eq!(case.y_true.len(), case.y_score.len(), "{}", case.name);
    }
    let large = cases.iter().find(|c| c.name == "large_ties").unwrap();
    assert!(large.y_true.len() >= 20_000);
    let zero_div = cases.iter().find(|c| c.name == "no_predicted_positives").unwrap();
    let cm = zero_div.expected.confusion;
    assert_eq!(cm.true_positives + cm.false_positives, 0, "nothing predicted late");
}

/// The tiny case by hand, independently of the fixture: ranked by score the
/// labels are 1 (0.8), 0 (0.4), 1 (0.35), 0 (0.1), so
/// AP = 1/2 * 1 + 1/2 * 2/3 = 5/6, and 3 of the 4 (late, on-time) pairs are
/// ordered correctly: ROC AUC = 3/4.
#[test]
fn tiny_case_by_hand() {
    let y = [false, false, true, true];
    let s = [0.1, 0.4, 0.35, 0.8];
    assert!((average_precision(&y, &s).unwrap() - 5.0 / 6.0).abs() < 1e-15);
    assert!((roc_auc(&y, &s).unwrap() - 0.75).abs() < 1e-15);
    let curve = pr_curve(&y, &s).unwrap();
    assert_eq!(curve.thresholds, [0.1, 0.35, 0.4, 0.8]);
    assert_eq!(curve.recall, [1.0, 1.0, 0.5, 0.5, 0.0]);
    assert_eq!(curve.precision, [0.5, 2.0 / 3.0, 0.5, 1.0, 1.0]);
}
