#!/usr/bin/env python3
"""Reference fixtures for the Rust random forest (overdue-models).

What: trains scikit-learn's RandomForestClassifier, with hyperparameters
matched to the Rust ``RandomForest``, on the two committed tree datasets:

    decision_tree_data.json   3000 training and 1000 test rows, 12 finite
                              features (written by scripts/make_tree_fixtures.py);
    gbdt_data.json            2500 training and 1300 test rows (its validation
                              part is not used), 12 features with NaN in two
                              columns (written by scripts/make_gbdt_fixtures.py);
                              scikit-learn routes the NaN as missing values, as
                              the Rust trees do.

For each case it fits ``random_state`` 0..9 and writes
``crates/overdue-models/tests/fixtures/forest_<case>.json``: the Rust
hyperparameters, the scikit-learn call, and per random_state the test
accuracy (threshold 0.5), test AUPRC (average precision) and out-of-bag score
(``oob_score_``, when bootstrapping), with their means.

A forest is random and the Rust generator is not numpy's (and the Rust trees
split on quantile bins), so the Rust tests compare means over seeds: their
mean test AUPRC must be within 0.01 and mean accuracy within 1 point of the
means recorded here, and the mean out-of-bag score close to scikit-learn's.

How to run (from the repository root; deterministic, rewrites the files):

    python3 scripts/make_forest_fixtures.py

Generated with scikit-learn 1.9.1 and numpy 2.4.6 (recorded in every file).
"""

import json
from pathlib import Path

import numpy as np
import sklearn
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score, average_precision_score

FIXTURES = Path(__file__).resolve().parent.parent / "crates" / "overdue-models" / "tests" / "fixtures"
RANDOM_STATES = range(10)

# The Rust defaults, which are scikit-learn's.
DEFAULTS = {
    "n_estimators": 100,
    "max_features": "sqrt",
    "bootstrap": True,
    "max_depth": None,
    "min_samples_split": 2,
    "min_samples_leaf": 1,
    "class_weight": "none",
}

# (file stem, data file, Rust hyperparameters that differ from the defaults)
CASES = [
    ("default", "decision_tree_data.json", {}),
    ("missing_values", "gbdt_data.json", {}),
    (
        "depth6_leaf5_balanced_log2",
        "gbdt_data.json",
        {"max_depth": 6, "min_samples_leaf": 5, "class_weight": "balanced", "max_features": "log2"},
    ),
    (
        "no_bootstrap_fraction_split10",
        "decision_tree_data.json",
        {"n_estimators": 50, "bootstrap": False, "max_features": {"fraction": 0.5}, "min_samples_split": 10},
    ),
    ("all_features_depth8", "gbdt_data.json", {"n_estimators": 60, "max_features": "all", "max_depth": 8}),
    ("count3_depth12", "decision_tree_data.json", {"max_features": {"count": 3}, "max_depth": 12}),
]


def sklearn_params(rust):
    """RandomForestClassifier arguments matching Rust hyperparameters."""
    p = {**DEFAULTS, **rust}
    max_features = p["max_features"]
    if max_features == "all":
        max_features = None
    elif isinstance(max_features, dict):
        max_features = max_features.get("fraction", max_features.get("count"))
    return {
        "n_estimators": p["n_estimators"],
        "criterion": "gini",
        "max_features": max_features,
        "bootstrap": p["bootstrap"],
        "oob_score": p["bootstrap"],
        "max_depth": p["max_depth"],
        "min_samples_split": p["min_samples_split"],
        "min_samples_leaf": p["min_samples_leaf"],
        "class_weight": None if p["class_weight"] == "none" else p["class_weight"],
        "n_jobs": 2,
    }


def load(name):
    """Training and test parts of a committed data file (null = NaN)."""
    data = json.loads((FIXTURES / name).read_text())

    def matrix(rows):
        return np.array([[np.nan if v is None else v for v in row] for row in rows], dtype=np.float32)

    return (
        matrix(data["x_train"]),
        np.array(data["y_train"], dtype=bool),
        matrix(data["x_test"]),
        np.array(data["y_test"], dtype=bool),
    )


def main():
    versions = {"scikit_learn": sklearn.__version__, "numpy": np.__version__}
    for stem, data_file, rust in CASES:
        X_train, y_train, X_test, y_test = load(data_file)
        params = sklearn_params(rust)
        accuracies, auprcs, oobs = [], [], []
        for state in RANDOM_STATES:
            model = RandomForestClassifier(**params, random_state=state).fit(X_train, y_train)
            proba = model.predict_proba(X_test)[:, 1]
            accuracies.append(float(accuracy_score(y_test, proba >= 0.5)))
            auprcs.append(float(average_precision_score(y_test, proba)))
            if params["oob_score"]:
                oobs.append(float(model.oob_score_))
        case = {
            "generated_by": "scripts/make_forest_fixtures.py",
            "versions": versions,
            "data": data_file,
            "hyperparameters": rust,
            "sklearn_params": params,
            "random_states": list(RANDOM_STATES),
            "test_accuracy": accuracies,
            "test_auprc": auprcs,
            "oob_score": oobs,
            "mean_test_accuracy": float(np.mean(accuracies)),
            "mean_test_auprc": float(np.mean(auprcs)),
            "mean_oob_score": float(np.mean(oobs)) if oobs else None,
        }
        (FIXTURES / f"forest_{stem}.json").write_text(json.dumps(case, indent=1) + "\n")
        oob = f", OOB {case['mean_oob_score']:.4f}" if oobs else ""
        print(
            f"{stem}: accuracy {case['mean_test_accuracy']:.4f} +- {np.std(accuracies):.4f}, "
            f"AUPRC {case['mean_test_auprc']:.4f} +- {np.std(auprcs):.4f}{oob}"
        )


if __name__ == "__main__":
    main()
