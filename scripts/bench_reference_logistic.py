#!/usr/bin/env python3
"""Times scikit-learn's LogisticRegression on the study-scale matrix, for
comparison with the Rust benchmark group `models/logistic_regression`
(benches/benches/models.rs).

Both sides standardise the features with the training rows' mean and
population standard deviation (StandardScaler; the Rust `standardize = true`)
and fit an unpenalised intercept. Cases, each timed as
StandardScaler().fit + transform + LogisticRegression.fit on the training rows
("fit") and transform + predict_proba on the test rows ("predict"):

- ``l2``: C = 1 (the Rust default, `fit`), with scikit-learn's default solver
  (lbfgs, tol 1e-4) and with newton-cholesky at tol 1e-8 (the Rust default
  tolerance is 1e-8 on the Newton decrement);
- ``l1``: C = 0.1, ``l1_ratio=1`` (the Rust `Penalty::L1`, `fit_l1`), with saga
  at scikit-learn's default tol 1e-4, and with liblinear (which penalises
  the intercept too, so it solves a slightly different problem; listed as the
  fastest L1 solver scikit-learn offers).

scikit-learn's solvers here are single-threaded; the Rust fit uses the rayon
pool (2 threads on the CI machine). Run both on the same machine and report
the ratio.

Usage (after `cargo run --release -p overdue-benches --bin export-study-matrix -- DIR`):

    python3 scripts/bench_reference_logistic.py DIR [--repeats 5]

Prints, per case, the median and all timings in seconds, the iterations, the
non-zero coefficients and the test average precision.
"""

import argparse
import statistics
import time
import warnings
from pathlib import Path

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.preprocessing import StandardScaler

from study_matrix import load

CASES = {
    "l2 lbfgs (sklearn default)": dict(C=1.0),
    "l2 newton-cholesky tol=1e-8": dict(C=1.0, solver="newton-cholesky", tol=1e-8),
    "l1 saga": dict(C=0.1, l1_ratio=1.0, solver="saga", max_iter=1000),
    "l1 liblinear (intercept penalised)": dict(C=0.1, l1_ratio=1.0, solver="liblinear"),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    x_train, y_train = load(args.directory, "train", np.float64)
    x_test, y_test = load(args.directory, "test", np.float64)
    print(f"scikit-learn {sklearn.__version__}; train {x_train.shape}, test {x_test.shape}, late share {y_train.mean():.3f}")

    for name, kwargs in CASES.items():
        fit_times, predict_times = [], []
        for _ in range(args.repeats):
            start = time.perf_counter()
            scaler = StandardScaler().fit(x_train)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                model = LogisticRegression(**kwargs).fit(scaler.transform(x_train), y_train)
            fit_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            proba = model.predict_proba(scaler.transform(x_test))[:, 1]
            predict_times.append(time.perf_counter() - start)
        print(f"{name}:")
        print(f"  fit:     median {statistics.median(fit_times):.4f} s  all {[round(t, 4) for t in fit_times]}")
        print(f"  predict: median {statistics.median(predict_times):.5f} s  all {[round(t, 5) for t in predict_times]}")
        print(
            f"  n_iter {model.n_iter_}, non-zero {int(np.count_nonzero(model.coef_))}/{model.coef_.shape[1]}, "
            f"test AP {average_precision_score(y_test, proba):.6f}, warnings {[str(w.message)[:60] for w in caught]}"
        )


if __name__ == "__main__":
    main()
