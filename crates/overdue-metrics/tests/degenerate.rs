//! Degenerate inputs: the documented errors and edge-case results.

use overdue_metrics::{
    ConfusionMatrix, Evaluation, MetricError, accuracy, average_precision, balanced_accuracy, best_f1_threshold,
    brier_score, confusion_matrix, evaluate, f1, log_loss, majority_baseline, pr_auc_trapezoid, pr_curve, precision,
    predict_at, recall, roc_auc,
};

type LabelMetric = fn(&[bool], &[bool]) -> Result<f64, MetricError>;
type ScoreMetric = fn(&[bool], &[f64]) -> Result<f64, MetricError>;

const LABEL_METRICS: [(&str, LabelMetric); 5] = [
    ("accuracy", accuracy),
    ("balanced_accuracy", balanced_accuracy),
    ("precision", precision),
    ("recall", recall),
    ("f1", f1),
];

/// Every metric of scores or probabilities, by the name `OneClass` reports.
fn score_metrics() -> Vec<(&'static str, ScoreMetric)> {
    vec![
        ("roc_auc", roc_auc),
        ("average_precision", average_precision),
        ("pr_curve", |y, s| pr_curve(y, s).map(|c| c.precision[0])),
        ("pr_auc_trapezoid", pr_auc_trapezoid),
        ("best_f1_threshold", best_f1_threshold),
        ("log_loss", log_loss),
        ("brier_score", brier_score),
        ("evaluate", |y, s| evaluate(y, s, 0.5).map(|e| e.accuracy)),
    ]
}

const RANKING: [&str; 5] = ["roc_auc", "average_precision", "pr_curve", "pr_auc_trapezoid", "best_f1_threshold"];

#[test]
fn empty_input_is_an_error_everywhere() {
    for (name, metric) in LABEL_METRICS {
        assert_eq!(metric(&[], &[]), Err(MetricError::Empty), "{name}");
    }
    for (name, metric) in score_metrics() {
        assert_eq!(metric(&[], &[]), Err(MetricError::Empty), "{name}");
    }
    assert_eq!(confusion_matrix(&[], &[]), Err(MetricError::Empty));
    assert_eq!(majority_baseline(&[]), Err(MetricError::Empty));
    assert!(MetricError::Empty.to_string().contains("empty"));
}

#[test]
fn length_mismatch_is_an_error_everywhere() {
    let mismatch = MetricError::LengthMismatch { y_true: 3, other: 2 };
    let y = [true, false, true];
    for (name, metric) in LABEL_METRICS {
        assert_eq!(metric(&y, &[true, false]), Err(mismatch.clone()), "{name}");
    }
    for (name, metric) in score_metrics() {
        assert_eq!(metric(&y, &[0.1, 0.2]), Err(mismatch.clone()), "{name}");
    }
    assert_eq!(confusion_matrix(&y, &[true, false]), Err(mismatch.clone()));
    // Mismatch is reported before emptiness.
    assert_eq!(roc_auc(&[], &[0.5]), Err(MetricError::LengthMismatch { y_true: 0, other: 1 }));
    let message = mismatch.to_string();
    assert!(message.contains('3') && message.contains('2'), "{message}");
}

#[test]
fn non_finite_scores_are_an_error_with_their_index() {
    let y = [true, false, true, false];
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let s = [0.2, 0.4, bad, bad];
        for (name, metric) in score_metrics() {
            match metric(&y, &s) {
                Err(MetricError::NonFinite { index: 2, value }) => {
                    assert!(value.is_nan() == bad.is_nan() && (bad.is_nan() || value == bad));
                }
                other => panic!("{name} with {bad}: {other:?}"),
            }
        }
    }
    let message = MetricError::NonFinite { index: 7, value: f64::NAN }.to_string();
    assert!(message.contains('7') && message.contains("NaN"), "{message}");
}

#[test]
fn probabilities_outside_unit_interval_are_an_error() {
    let y = [true, false, true];
    for bad in [-0.1, 1.5, -1e-300] {
        let p = [0.5, bad, 0.5];
        for (name, metric) in [("log_loss", log_loss as ScoreMetric), ("brier_score", brier_score)] {
            assert_eq!(metric(&y, &p), Err(MetricError::ProbabilityOutOfRange { index: 1, value: bad }), "{name}");
        }
        assert!(matches!(evaluate(&y, &p, 0.5), Err(MetricError::ProbabilityOutOfRange { index: 1, .. })));
    }
    // Ranking metrics take any finite score, not only probabilities, and are
    // invariant under increasing transformations.
    let s = [3.0, -2.0, 0.5];
    let logits = [1.0986122886681098, -1.3862943611198906, 0.1];
    assert_eq!(roc_auc(&y, &s), roc_auc(&y, &logits));
    assert_eq!(roc_auc(&y, &s), Ok(1.0));
    let message = MetricError::ProbabilityOutOfRange { index: 4, value: 1.5 }.to_string();
    assert!(message.contains('4') && message.contains("1.5"), "{message}");
}

#[test]
fn ranking_metrics_need_both_classes() {
    let s = [0.1, 0.7, 0.3];
    for present in [false, true] {
        let y = [present; 3];
        for (name, metric) in score_metrics() {
            let got = metric(&y, &s);
            if RANKING.contains(&name) {
                let error = got.expect_err(name);
                assert_eq!(error, MetricError::OneClass { metric: name, present });
                let message = error.to_string();
                assert!(message.contains(name), "{message}");
                assert!(message.contains("only one class"), "{message}");
                let class = if present { "late" } else { "on time" };
                assert!(message.contains(class), "{message}");
            } else {
                assert!(got.is_ok(), "{name} is defined for one class: {got:?}");
            }
        }
    }
}

#[test]
fn evaluate_reports_undefined_ranking_metrics_as_none() {
    let y = [false, false, false, false];
    let p = [0.1, 0.6, 0.2, 0.9];
    let e = evaluate(&y, &p, 0.5).unwrap();
    assert_eq!((e.roc_auc, e.average_precision, e.pr_auc), (None, None, None));
    assert_eq!(e.rows, 4);
    assert_eq!(e.positives, 0);
    assert_eq!(e.accuracy, 0.5);
    assert_eq!(e.balanced_accuracy, 0.5);
    assert_eq!((e.precision, e.recall, e.f1), (0.0, 0.0, 0.0));
    assert_eq!(e.majority_baseline, 1.0);
    assert!(e.log_loss.is_finite() && e.brier.is_finite());
}

#[test]
fn evaluate_threshold_nan_is_an_error_but_infinite_is_fine() {
    let y = [true, false];
    let p = [0.8, 0.3];
    assert_eq!(evaluate(&y, &p, f64::NAN), Err(MetricError::NanThreshold));
    let nobody = evaluate(&y, &p, f64::INFINITY).unwrap();
    assert_eq!(nobody.confusion.true_positives + nobody.confusion.false_positives, 0);
    let everybody = evaluate(&y, &p, f64::NEG_INFINITY).unwrap();
    assert_eq!(everybody.confusion.true_negatives + everybody.confusion.false_negatives, 0);
}

#[test]
fn zero_division_gives_zero() {
    // Nothing predicted late: precision 0/0.
    let y = [true, false, true];
    let none = [false, false, false];
    assert_eq!(precision(&y, &none), Ok(0.0));
    assert_eq!(recall(&y, &none), Ok(0.0));
    assert_eq!(f1(&y, &none), Ok(0.0));
    // Nothing late: recall 0/0; nothing late and nothing predicted: F1 0/0.
    let y = [false, false];
    assert_eq!(recall(&y, &[true, false]), Ok(0.0));
    assert_eq!(precision(&y, &[true, false]), Ok(0.0));
    assert_eq!(f1(&y, &[false, false]), Ok(0.0));
    assert_eq!(precision(&y, &[false, false]), Ok(0.0));
}

#[test]
fn balanced_accuracy_with_one_class_is_that_class_recall() {
    // scikit-learn: balanced_accuracy_score([0,0,0], [0,1,1]) == 1/3.
    assert_eq!(balanced_accuracy(&[false; 3], &[false, true, true]), Ok(1.0 / 3.0));
    // balanced_accuracy_score([1,1,1], [0,0,0]) == 0.0.
    assert_eq!(balanced_accuracy(&[true; 3], &[false; 3]), Ok(0.0));
    // balanced_accuracy_score([1,1], [1,1]) == 1.0.
    assert_eq!(balanced_accuracy(&[true; 2], &[true; 2]), Ok(1.0));
    // Both classes: mean of the two recalls, (1/2 + 1) / 2.
    assert_eq!(balanced_accuracy(&[true, true, false], &[true, false, false]), Ok(0.75));
}

#[test]
fn log_loss_clips_at_machine_epsilon() {
    // -ln(eps) for a confidently wrong 0 or 1.
    let worst = -f64::EPSILON.ln();
    assert!((worst - 36.04365338911715).abs() < 1e-12);
    assert_eq!(log_loss(&[true], &[0.0]), Ok(worst));
    assert_eq!(log_loss(&[false], &[1.0]), Ok(worst));
    // Confidently right: -ln(1 - eps), tiny but not zero.
    let best = -(1.0 - f64::EPSILON).ln();
    assert_eq!(log_loss(&[true, false], &[1.0, 0.0]), Ok(best));
    assert!(best > 0.0);
    assert_eq!(brier_score(&[true, false], &[0.0, 0.0]), Ok(0.5));
}

#[test]
fn predict_at_flags_scores_at_or_above_the_threshold() {
    assert_eq!(predict_at(&[0.2, 0.5, 0.7, f64::NAN], 0.5), [false, true, true, false]);
    assert_eq!(predict_at(&[0.2, 0.5], f64::NAN), [false, false]);
    assert!(predict_at(&[], 0.5).is_empty());
}

#[test]
fn confusion_matrix_and_majority_baseline_count() {
    let y = [true, true, false, false, false];
    let p = [true, false, true, false, false];
    assert_eq!(
        confusion_matrix(&y, &p),
        Ok(ConfusionMatrix { true_negatives: 2, false_positives: 1, false_negatives: 1, true_positives: 1 })
    );
    assert_eq!(majority_baseline(&y), Ok(0.6));
    assert_eq!(majority_baseline(&[true, false]), Ok(0.5));
    assert_eq!(majority_baseline(&[true]), Ok(1.0));
}

#[test]
fn negative_zero_ties_with_zero() {
    // -0.0 == 0.0: one tied group, so AUC 1/2 and a single threshold.
    let y = [true, false];
    assert_eq!(roc_auc(&y, &[0.0, -0.0]), Ok(0.5));
    assert_eq!(roc_auc(&y, &[-0.0, 0.0]), Ok(0.5));
    assert_eq!(pr_curve(&y, &[-0.0, 0.0]).unwrap().thresholds.len(), 1);
}

#[test]
fn all_tied_scores_on_many_rows() {
    // A quadratic tie handling would take far too long here.
    let n = 2_000_000;
    let y: Vec<bool> = (0..n).map(|i| i % 4 == 0).collect();
    let s = vec![0.5; n];
    assert_eq!(roc_auc(&y, &s), Ok(0.5));
    assert_eq!(average_precision(&y, &s), Ok(0.25));
    let curve = pr_curve(&y, &s).unwrap();
    assert_eq!(curve.thresholds, [0.5]);
    assert_eq!(curve.precision, [0.25, 1.0]);
    assert_eq!(curve.recall, [1.0, 0.0]);
    // Trapezoid from (1, 0.25) to (0, 1): (0.25 + 1) / 2.
    assert_eq!(pr_auc_trapezoid(&y, &s), Ok(0.625));
}

#[test]
fn evaluation_round_trips_through_json() {
    let y = [true, false, true, false, false];
    let p = [0.9, 0.4, 0.35, 0.1, 0.0];
    let e = evaluate(&y, &p, 0.5).unwrap();
    let back: Evaluation = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
    assert_eq!(back, e);
    let curve = pr_curve(&y, &p).unwrap();
    let back: overdue_metrics::PrCurve = serde_json::from_str(&serde_json::to_string(&curve).unwrap()).unwrap();
    assert_eq!(back, curve);
}
