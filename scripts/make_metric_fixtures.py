#!/usr/bin/env python3
"""Reference values of every overdue-metrics metric, computed by scikit-learn.

Produces ``crates/overdue-metrics/tests/fixtures/metrics.json``: a list of
cases, each with a ``name``, ``y_true`` (0/1 ints, 1 = late), ``y_score``
(probabilities of late, floats in [0, 1]), a decision ``threshold``
(``score >= threshold`` predicts late) and, under ``expected``, the values
scikit-learn gives for:

* accuracy, balanced_accuracy, precision, recall, f1 (of class 1, default
  ``zero_division``), confusion (tn, fp, fn, tp) at the threshold;
* roc_auc, average_precision, pr_curve (precision_recall_curve with
  drop_intermediate=False), pr_auc_trapezoid (``auc(recall, precision)``),
  best_f1_threshold (highest distinct score maximising F1, from
  ``confusion_matrix_at_thresholds`` and cross-checked with ``f1_score``);
  all ``null`` when ``y_true`` holds one class (the Rust crate errors there);
* log_loss (default clipping; ``labels=[0, 1]`` so one-class cases work),
  brier_score_loss, majority_baseline (DummyClassifier "most_frequent").

Floats are written with ``repr`` (shortest round-trip, i.e. full precision).
The numpy RNG is seeded, so the file regenerates byte-identically.

Run from the repository root:

    python3 scripts/make_metric_fixtures.py

Generated with scikit-learn 1.9.1 and numpy 2.4.6; the script refuses to run
against another scikit-learn minor version.
"""

import json
import pathlib
import warnings

import numpy as np
import sklearn
from sklearn.dummy import DummyClassifier
from sklearn.metrics import (
    accuracy_score,
    auc,
    average_precision_score,
    balanced_accuracy_score,
    brier_score_loss,
    confusion_matrix,
    confusion_matrix_at_thresholds,
    f1_score,
    log_loss,
    precision_recall_curve,
    precision_score,
    recall_score,
    roc_auc_score,
)

SKLEARN_SERIES = "1.9"
OUT = (
    pathlib.Path(__file__).resolve().parent.parent
    / "crates/overdue-metrics/tests/fixtures/metrics.json"
)


def floats(a):
    return [float(x) for x in a]


def best_f1_threshold(y, s):
    """Highest distinct score whose predictions ``s >= t`` maximise F1."""
    _, fps, fns, tps, thresholds = confusion_matrix_at_thresholds(y, s)
    # Exact comparison of 2tp / (2tp + fp + fn) as fractions (integers).
    num = [int(2 * t) for t in tps]
    den = [int(2 * t + f + n) for t, f, n in zip(tps, fps, fns)]
    best = 0  # thresholds are decreasing: keep the first maximum
    for i in range(1, len(num)):
        if num[i] * den[best] > num[best] * den[i]:
            best = i
    t = float(thresholds[best])
    # Cross-check with scikit-learn's own f1_score at that threshold.
    best_f1 = f1_score(y, (s >= t).astype(int))
    assert abs(best_f1 - num[best] / den[best]) < 1e-12
    return t


def case(name, y, s, threshold):
    y = np.asarray(y, dtype=np.int64)
    s = np.asarray(s, dtype=np.float64)
    assert y.shape == s.shape and ((s >= 0) & (s <= 1)).all()
    pred = (s >= threshold).astype(np.int64)
    tn, fp, fn, tp = confusion_matrix(y, pred, labels=[0, 1]).ravel()
    majority = DummyClassifier(strategy="most_frequent").fit(np.zeros((len(y), 1)), y)
    expected = {
        "accuracy": accuracy_score(y, pred),
        "balanced_accuracy": balanced_accuracy_score(y, pred),
        "precision": precision_score(y, pred),
        "recall": recall_score(y, pred),
        "f1": f1_score(y, pred),
        "confusion": {
            "true_negatives": int(tn),
            "false_positives": int(fp),
            "false_negatives": int(fn),
            "true_positives": int(tp),
        },
        "log_loss": log_loss(y, s, labels=[0, 1]),
        "brier_score": brier_score_loss(y, s),
        "majority_baseline": majority.score(np.zeros((len(y), 1)), y),
    }
    if len(np.unique(y)) == 2:
        precision, recall, thresholds = precision_recall_curve(y, s)
        expected |= {
            "roc_auc": roc_auc_score(y, s),
            "average_precision": average_precision_score(y, s),
            "pr_curve": {
                "precision": floats(precision),
                "recall": floats(recall),
                "thresholds": floats(thresholds),
            },
            "pr_auc_trapezoid": auc(recall, precision),
            "best_f1_threshold": best_f1_threshold(y, s),
        }
    else:
        for key in ["roc_auc", "average_precision", "pr_curve", "pr_auc_trapezoid",
                    "best_f1_threshold"]:
            expected[key] = None
    expected = {k: (float(v) if isinstance(v, (float, np.floating)) else v)
                for k, v in expected.items()}
    return {
        "name": name,
        "y_true": [int(v) for v in y],
        "y_score": floats(s),
        "threshold": float(threshold),
        "expected": expected,
    }


def noisy_scores(rng, y, separation):
    """Probabilities of late that are informative but imperfect."""
    logits = separation * (2 * y - 1) + rng.normal(size=len(y))
    return 1 / (1 + np.exp(-logits))


def main():
    version = ".".join(sklearn.__version__.split(".")[:2])
    if version != SKLEARN_SERIES:
        raise SystemExit(f"need scikit-learn {SKLEARN_SERIES}.x, found {sklearn.__version__}")
    rng = np.random.default_rng(20240611)
    cases = []

    # Hand-checkable (sklearn docs example): AP = 0.8333..., ROC AUC = 0.75.
    cases.append(case("tiny", [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], 0.5))

    y = rng.binomial(1, 0.5, size=200)
    cases.append(case("balanced_random", y, noisy_scores(rng, y, 1.0), 0.5))

    y = (rng.random(1000) < 0.05).astype(int)
    cases.append(case("imbalanced_5pct", y, noisy_scores(rng, y, 1.5), 0.3))

    y = rng.binomial(1, 0.4, size=300)
    s = np.round(noisy_scores(rng, y, 0.8), 1)  # 0.5 occurs: ties at threshold
    cases.append(case("ties_one_decimal", y, s, 0.5))

    y = rng.binomial(1, 0.3, size=50)
    cases.append(case("all_scores_equal", y, np.full(50, 0.5), 0.5))

    # Exact 0 and 1, including confidently wrong ones: log loss clipping.
    y = np.array([0, 1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0])
    s = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.3, 0.7, 0.0, 1.0, 0.6, 0.2])
    cases.append(case("scores_exactly_0_and_1", y, s, 0.5))

    y = rng.binomial(1, 0.3, size=100)
    s = np.clip(noisy_scores(rng, y, 1.0), 0.0, 0.9)
    cases.append(case("no_predicted_positives", y, s, 0.95))

    # Threshold equal to a score (>= must include it) and perfect ranking.
    cases.append(case("perfect_ranking", [0, 0, 0, 1, 1], [0.1, 0.2, 0.3, 0.3001, 0.9], 0.3001))
    cases.append(case("reversed_ranking", [1, 1, 0, 0], [0.1, 0.2, 0.3, 0.4], 0.25))

    # One class in y_true: ranking metrics undefined (null).
    cases.append(case("all_on_time", [0, 0, 0, 0], [0.1, 0.6, 0.2, 0.9], 0.5))
    cases.append(case("all_late", [1, 1, 1], [0.2, 0.7, 0.0], 0.5))

    y = rng.binomial(1, 0.2, size=20_000)
    s = np.round(noisy_scores(rng, y, 1.2), 3)  # ~1000 distinct values
    cases.append(case("large_ties", y, s, 0.5))

    OUT.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(cases, allow_nan=False, separators=(",", ":"))
    OUT.write_text(text + "\n")
    print(f"wrote {len(cases)} cases, {len(text)} bytes to {OUT.name}")


if __name__ == "__main__":
    with warnings.catch_warnings():
        # Zero division and one-class warnings are expected in some cases.
        warnings.simplefilter("ignore")
        main()
