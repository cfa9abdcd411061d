#!/usr/bin/env python3
"""Times scikit-learn's L1 LinearSVC on the study-scale matrix, for comparison
with the Rust benchmark group `models/linear_svm` (benches/benches/models.rs).

Both sides use the same rows and the same settings: features standardised with
the training rows' mean and population standard deviation (StandardScaler; the
Rust `standardize = true`), then
``LinearSVC(penalty="l1", loss="squared_hinge", dual=False, C=0.1,
class_weight={1: 4, 0: 1}, tol=1e-4, max_iter=1000)`` (after study 2's
liblinear `-c 0.1 -w-1 4 -w1 1`, reading late as the class weighted 4; the Rust
`LinearSvm { c: 0.1, class_weight: {late: 4, on_time: 1} }`). liblinear is
single-threaded.

"fit" times StandardScaler().fit + transform + LinearSVC.fit on the training
rows; "predict" times transform + decision_function on the test rows. (The
Rust fit also fits Platt scaling on the training decision values, and its
predict applies the sigmoid; both are single passes over the rows.)

Usage (after `cargo run --release -p overdue-benches --bin export-study-matrix -- DIR`):

    python3 scripts/bench_reference_linear_svm.py DIR [--repeats 7]

Prints the median and all timings in seconds, the number of liblinear
iterations, the non-zero coefficients and the test average precision of the
decision values.
"""

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import sklearn
from sklearn.metrics import average_precision_score
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from study_matrix import load


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    x_train, y_train = load(args.directory, "train", np.float64)
    x_test, y_test = load(args.directory, "test", np.float64)
    print(f"scikit-learn {sklearn.__version__}; train {x_train.shape}, test {x_test.shape}, late share {y_train.mean():.3f}")

    def fit():
        scaler = StandardScaler().fit(x_train)
        model = LinearSVC(
            penalty="l1",
            loss="squared_hinge",
            dual=False,
            C=0.1,
            class_weight={1: 4.0, 0: 1.0},
            tol=1e-4,
            max_iter=1000,
            random_state=0,
        )
        model.fit(scaler.transform(x_train), y_train)
        return scaler, model

    fit_times, predict_times = [], []
    for _ in range(args.repeats):
        start = time.perf_counter()
        scaler, model = fit()
        fit_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        decision = model.decision_function(scaler.transform(x_test))
        predict_times.append(time.perf_counter() - start)

    nonzero = int(np.count_nonzero(model.coef_))
    print(f"fit:     median {statistics.median(fit_times):.4f} s  all {[round(t, 4) for t in fit_times]}")
    print(f"predict: median {statistics.median(predict_times):.5f} s  all {[round(t, 5) for t in predict_times]}")
    print(f"n_iter {model.n_iter_}, non-zero coefficients {nonzero}/{model.coef_.shape[1]}, intercept {model.intercept_[0]:.6f}")
    print(f"test average precision of the decision values: {average_precision_score(y_test, decision):.6f}")


if __name__ == "__main__":
    main()
