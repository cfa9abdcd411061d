#!/usr/bin/env python3
"""Times scikit-learn's GaussianNB and KNeighborsClassifier on the study matrix,
for comparison with the criterion groups models/gaussian_naive_bayes/{fit,predict}
and models/k_nearest_neighbors/{fit,predict} (benches/benches/models.rs).

What: reads the .npy files written by

    cargo run --release -p overdue-benches --bin export-study-matrix -- DIR

(train/test _x/_y, w = 4, ~107k training and ~22k test rows, 25 features) and
fits / predicts with the hyperparameters of the Rust benchmarks:

    GaussianNB()                                   (var_smoothing = 1e-9)
    KNeighborsClassifier(n_neighbors=5, weights="uniform", algorithm="auto",
                         n_jobs=-1)                on StandardScaler()-transformed X

(the Rust kNN benchmark standardises; the scaling is done outside the timed
region, as the Rust fit's standardisation is cheap next to its predict). Each
step is repeated and the median wall time printed, with the test AUPRC
(average precision). With 25 features ``algorithm="auto"`` picks brute force;
``--trees`` also times ``kd_tree`` and ``ball_tree`` for the record.

How to run:

    python3 scripts/bench_reference_nb_knn.py DIR [--repeats 5] [--trees]
"""

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import average_precision_score
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler

from study_matrix import load


def timed(function, repeats):
    """Median wall time of `repeats` calls and the last result."""
    times = []
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times, result


def report(name, step, median, times):
    runs = ", ".join(f"{t:.3f}" for t in times)
    print(f"{name:<28} {step:<8} median {median:8.3f} s   runs [{runs}]", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--trees", action="store_true", help="also time KD-tree and ball tree kNN")
    args = parser.parse_args()

    X_train, y_train = load(args.dir, "train", np.float64)
    X_test, y_test = load(args.dir, "test", np.float64)
    print(f"train {X_train.shape}, test {X_test.shape}, train late share {y_train.mean():.4f}")

    nb = GaussianNB()
    median, times, _ = timed(lambda: GaussianNB().fit(X_train, y_train), args.repeats)
    report("gaussian_naive_bayes", "fit", median, times)
    nb.fit(X_train, y_train)
    median, times, proba = timed(lambda: nb.predict_proba(X_test)[:, 1], args.repeats)
    report("gaussian_naive_bayes", "predict", median, times)
    print(f"gaussian_naive_bayes AUPRC {average_precision_score(y_test, proba):.6f}")

    scaler = StandardScaler().fit(X_train)
    Z_train, Z_test = scaler.transform(X_train), scaler.transform(X_test)
    algorithms = ["auto", "kd_tree", "ball_tree"] if args.trees else ["auto"]
    for algorithm in algorithms:
        name = f"k_nearest_neighbors[{algorithm}]"

        def make():
            return KNeighborsClassifier(n_neighbors=5, weights="uniform", algorithm=algorithm, n_jobs=-1)

        median, times, knn = timed(lambda: make().fit(Z_train, y_train), args.repeats)
        report(name, "fit", median, times)
        repeats = args.repeats if algorithm == "auto" else 1
        median, times, proba = timed(lambda: knn.predict_proba(Z_test)[:, 1], repeats)
        report(name, "predict", median, times)
        print(f"{name} method {knn._fit_method}, AUPRC {average_precision_score(y_test, proba):.6f}")


if __name__ == "__main__":
    main()
