#!/usr/bin/env python3
"""Times the reference implementations of the Rust tree families on the study matrix.

What: fits and predicts, on exactly the rows and features the Rust criterion
benchmarks use, the reference of each family with the same hyperparameters as
the benchmark groups in benches/benches/models.rs:

    models/decision_tree     DecisionTreeClassifier()                       (gini, fully grown)
    models/adaboost          AdaBoostClassifier(DecisionTreeClassifier(max_depth=1),
                                                n_estimators=50, learning_rate=1.0)
    models/balanced_bagging  BalancedBaggingClassifier(DecisionTreeClassifier(),
                                                       n_estimators=10, n_jobs=2)
    models/random_forest     RandomForestClassifier(n_estimators=100, n_jobs=2)
                                                    (sqrt features, fully grown, bootstrap)
    models/random_forest/*_depth12
                             the same with max_depth=12 (family random_forest_depth12)

scikit-learn's trees and AdaBoost are single-threaded (they have no n_jobs);
bagging fits its bags on 2 processes and the forest its trees on 2 threads,
like the 2 cores the Rust side uses (the Rust forest also computes its
out-of-bag score, which scikit-learn skips by default). For
each family it prints the median and all fit and predict (test rows) times in
seconds over REPEATS runs, and the test AUPRC (average precision) and accuracy
of the last fit.

How to run (from the repository root):

    cargo run --release -p overdue-benches --bin export-study-matrix -- DIR
    pip install imbalanced-learn    # once
    python3 scripts/bench_reference_trees.py DIR [--repeats 5] [--only decision_tree,adaboost]

Then run the criterion groups (`cargo bench -p overdue-benches --bench models --
'models/(decision_tree|adaboost|balanced_bagging|random_forest)'`) one after the other, not at
the same time, and compare medians.
"""

import argparse
import statistics
import time
from pathlib import Path

from imblearn.ensemble import BalancedBaggingClassifier
from sklearn.ensemble import AdaBoostClassifier, RandomForestClassifier
from sklearn.metrics import accuracy_score, average_precision_score
from sklearn.tree import DecisionTreeClassifier

from study_matrix import load

FAMILIES = {
    "decision_tree": lambda: DecisionTreeClassifier(random_state=0),
    "adaboost": lambda: AdaBoostClassifier(
        estimator=DecisionTreeClassifier(max_depth=1), n_estimators=50, learning_rate=1.0, random_state=0
    ),
    "balanced_bagging": lambda: BalancedBaggingClassifier(
        estimator=DecisionTreeClassifier(), n_estimators=10, n_jobs=2, random_state=0
    ),
    "random_forest": lambda: RandomForestClassifier(n_estimators=100, n_jobs=2, random_state=0),
    "random_forest_depth12": lambda: RandomForestClassifier(
        n_estimators=100, max_depth=12, n_jobs=2, random_state=0
    ),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir", type=Path, help="output directory of export-study-matrix")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", default=",".join(FAMILIES), help="comma-separated families")
    args = parser.parse_args()

    X_train, y_train = load(args.dir, "train")
    X_test, y_test = load(args.dir, "test")
    print(f"train {X_train.shape}, test {X_test.shape}, train late share {y_train.mean():.3f}")

    for family in args.only.split(","):
        fits, predicts = [], []
        for _ in range(args.repeats):
            model = FAMILIES[family]()
            start = time.perf_counter()
            model.fit(X_train, y_train)
            fits.append(time.perf_counter() - start)
            start = time.perf_counter()
            proba = model.predict_proba(X_test)[:, 1]
            predicts.append(time.perf_counter() - start)
        ap = average_precision_score(y_test, proba)
        acc = accuracy_score(y_test, proba >= 0.5)
        print(
            f"{family}: fit median {statistics.median(fits):.4f} s {[round(t, 4) for t in fits]}, "
            f"predict median {statistics.median(predicts):.5f} s {[round(t, 5) for t in predicts]}, "
            f"test AUPRC {ap:.4f}, accuracy {acc:.4f}"
        )


if __name__ == "__main__":
    main()
