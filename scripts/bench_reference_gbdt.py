#!/usr/bin/env python3
"""Times LightGBM on an exported feature matrix, side by side with the Rust
gradient boosted trees (criterion groups ``models/gradient_boosted_trees/*``).

What: loads ``{train,test}_{x,y}.npy`` written by

    cargo run --release -p overdue-benches --bin export-study-matrix -- DIR [--invoices N]

fits ``lightgbm.LGBMClassifier`` with the hyperparameters of the Rust benchmark
(the ``GradientBoostedTrees`` defaults: 100 trees, 31 leaves, learning rate 0.1,
255 bins, min_data_in_leaf 20, min_sum_hessian 1e-3, lambda_l2 0, no bagging,
all features, 2 threads), predicts the test rows and prints, for each of
``--repeats`` runs, the fit seconds (dataset construction, i.e. binning,
included, as in the Rust fit), predict seconds and test AUPRC (average
precision), then the medians.

How to run (from the repository root):

    python3 scripts/bench_reference_gbdt.py DIR [--repeats 5] [--threads 2]

Measured with lightgbm 4.7.0 and numpy 2.4.
"""

import argparse
import statistics
import time
from pathlib import Path

import lightgbm as lgb
import numpy as np
from sklearn.metrics import average_precision_score

from study_matrix import load


def params(threads):
    return dict(
        objective="binary",
        n_estimators=100,
        num_leaves=31,
        max_depth=-1,
        learning_rate=0.1,
        max_bin=255,
        min_child_samples=20,
        min_child_weight=1e-3,
        reg_lambda=0.0,
        min_split_gain=0.0,
        subsample=1.0,
        subsample_freq=0,
        colsample_bytree=1.0,
        n_jobs=threads,
        deterministic=True,
        force_row_wise=True,
        verbose=-1,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    x_train, y_train = load(args.dir, "train")
    x_test, y_test = load(args.dir, "test")
    y_train, y_test = y_train.astype(np.int32), y_test.astype(np.int32)
    print(f"lightgbm {lgb.__version__}: {x_train.shape[0]} train rows, {x_test.shape[0]} test rows, "
          f"{x_train.shape[1]} features, {args.threads} threads")
    fits, predicts, auprcs = [], [], []
    for run in range(args.repeats):
        model = lgb.LGBMClassifier(**params(args.threads))
        start = time.perf_counter()
        model.fit(x_train, y_train)
        fit_s = time.perf_counter() - start
        start = time.perf_counter()
        proba = model.predict_proba(x_test)[:, 1]
        predict_s = time.perf_counter() - start
        auprc = average_precision_score(y_test, proba)
        fits.append(fit_s)
        predicts.append(predict_s)
        auprcs.append(auprc)
        print(f"run {run}: fit {fit_s:.4f} s, predict {predict_s:.4f} s, AUPRC {auprc:.6f}")
    print(f"median: fit {statistics.median(fits):.4f} s, predict {statistics.median(predicts):.4f} s, "
          f"AUPRC {statistics.median(auprcs):.6f}")


if __name__ == "__main__":
    main()
