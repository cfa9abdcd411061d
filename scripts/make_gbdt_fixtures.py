#!/usr/bin/env python3
"""Reference fixtures for the Rust gradient boosted trees (overdue-models).

What: generates one seeded, invoice-like dataset (2500 training rows, 700
validation rows, 1300 test rows, 12 features: heavy-tailed amounts and credit
limits, a few discrete features, threshold effects and interactions in the
label, and NaN in two columns: a customer's late share and the days since its
last payment are undefined for new customers) and trains LightGBM on it with
hyperparameters matched to the Rust ``GradientBoostedTrees`` for several cases.
It writes

    crates/overdue-models/tests/fixtures/gbdt_data.json
        the features (float32 values as shortest decimals, NaN as null) and
        labels of the three parts, shared by every case;
    crates/overdue-models/tests/fixtures/gbdt_<case>.json
        one file per case: the Rust hyperparameters, the LightGBM parameters
        used, LightGBM's test probabilities, test accuracy (threshold 0.5) and
        AUPRC (average precision), the number of trees it kept, and its first
        tree (split features, thresholds, missing directions, gains, leaf
        values without the starting score, leaf counts; nodes and leaves
        numbered in creation order, as the Rust trees).

LightGBM runs with ``objective="binary"``, bagging off, all features,
``deterministic=True``, ``force_row_wise=True`` and two threads; its
``min_data_in_bin`` (3) and ``boost_from_average`` (true) defaults are what the
Rust side implements. The early stopping case passes the validation part as
``eval_X``/``eval_y`` with ``lightgbm.early_stopping(rounds)`` on the binary
log loss. LightGBM has no depth-wise growth: the ``shallow_depth_wise`` case
uses 8 leaves and ``max_depth=3``, where leaf-wise growth also ends with full
depth-3 trees whenever every node can split.

The Rust tests must reach LightGBM's AUPRC within 0.01 and its accuracy within
one point on every case (binning and tie-breaking details differ, so
probabilities are close, not equal).

How to run (from the repository root; deterministic, rewrites the files):

    pip install lightgbm
    python3 scripts/make_gbdt_fixtures.py

Generated with lightgbm 4.7.0, scikit-learn 1.9.1 and numpy 2.4 (recorded in
every file).
"""

import json
from pathlib import Path

import lightgbm as lgb
import numpy as np
import sklearn
from sklearn.metrics import accuracy_score, average_precision_score

SEED = 20240612
N_TRAIN = 2500
N_VALIDATION = 700
N_TEST = 1300
OUT_DIR = Path(__file__).resolve().parent.parent / "crates" / "overdue-models" / "tests" / "fixtures"

FEATURES = [
    "amount",
    "days_to_due",
    "customer_prior_invoices",
    "customer_late_share",
    "customer_mean_days_late",
    "invoice_month",
    "line_items",
    "credit_limit",
    "discount_rate",
    "days_since_last_payment",
    "open_disputes",
    "is_new_customer",
]

# The Rust defaults, which are LightGBM's.
DEFAULTS = {
    "n_trees": 100,
    "learning_rate": 0.1,
    "num_leaves": 31,
    "max_depth": None,
    "min_child_weight": 1e-3,
    "min_data_in_leaf": 20,
    "lambda_l2": 0.0,
    "min_split_gain": 0.0,
    "max_bins": 255,
    "scale_pos_weight": 1.0,
    "early_stopping_rounds": None,
}

# (file stem, Rust hyperparameters that differ from the defaults)
CASES = [
    ("default", {}),
    ("shallow_depth_wise", {"n_trees": 150, "learning_rate": 0.05, "num_leaves": 8, "max_depth": 3,
                            "growth": "depth_wise", "lambda_l2": 1.0}),
    ("regularized", {"n_trees": 80, "learning_rate": 0.15, "num_leaves": 63, "min_data_in_leaf": 50,
                     "min_child_weight": 1.0, "lambda_l2": 5.0, "min_split_gain": 0.5}),
    ("coarse_bins", {"n_trees": 60, "max_bins": 15}),
    ("scale_pos_weight", {"scale_pos_weight": 3.0}),
    ("early_stopping", {"n_trees": 500, "early_stopping_rounds": 10}),
]


def lightgbm_params(rust):
    """LightGBM parameters matching a Rust hyperparameter set."""
    p = {**DEFAULTS, **rust}
    return {
        "objective": "binary",
        "n_estimators": p["n_trees"],
        "learning_rate": p["learning_rate"],
        "num_leaves": p["num_leaves"],
        "max_depth": -1 if p["max_depth"] is None else p["max_depth"],
        "min_child_weight": p["min_child_weight"],
        "min_child_samples": p["min_data_in_leaf"],
        "reg_lambda": p["lambda_l2"],
        "reg_alpha": 0.0,
        "min_split_gain": p["min_split_gain"],
        "max_bin": p["max_bins"],
        "scale_pos_weight": p["scale_pos_weight"],
        "subsample": 1.0,
        "subsample_freq": 0,
        "colsample_bytree": 1.0,
        "deterministic": True,
        "force_row_wise": True,
        "n_jobs": 2,
        "random_state": 0,
        "verbose": -1,
    }


def make_dataset(rng):
    """Invoice-like features (float32, NaN for undefined values) and labels."""
    n = N_TRAIN + N_VALIDATION + N_TEST
    amount = np.round(np.exp(rng.normal(7.0, 1.4, n)), 0)
    days_to_due = rng.choice([14.0, 30.0, 45.0, 60.0, 90.0], n, p=[0.15, 0.45, 0.15, 0.15, 0.10])
    prior = rng.negative_binomial(1, 0.05, n).astype(float)
    is_new = (prior == 0).astype(float)
    late_share = np.round(rng.beta(2.0, 4.0, n), 2)
    mean_days_late = np.round(rng.pareto(2.0, n) * 5.0, 0)
    month = rng.integers(1, 13, n).astype(float)
    line_items = rng.geometric(0.3, n).astype(float)
    credit_limit = np.round(np.exp(rng.normal(np.log(2e6), 0.7, n)), -3)
    discount_rate = np.round(rng.uniform(0.0, 0.03, n), 3)
    since_payment = np.round(rng.exponential(30.0, n))
    disputes = rng.poisson(0.3, n).astype(float)

    logit = (
        -0.6
        + 1.2 * (late_share > 0.45)
        + 2.0 * late_share
        + 0.05 * np.minimum(mean_days_late, 40.0)
        + 0.7 * disputes
        + 0.5 * (days_to_due >= 60)
        - 0.5 * np.log(credit_limit / 2e6)
        + 0.3 * np.sin(2 * np.pi * month / 12.0)
        + 0.8 * (amount > 4000) * is_new
        + 0.012 * np.minimum(since_payment, 90.0)
        - 20.0 * discount_rate
        + 0.4 * is_new
        + rng.normal(0.0, 0.6, n)
    )
    y = rng.random(n) < 1.0 / (1.0 + np.exp(-logit))
    # Undefined for customers without history: missing, not zero.
    late_share[is_new == 1] = np.nan
    since_payment[is_new == 1] = np.nan
    mean_days_late[is_new == 1] = 0.0

    X = np.column_stack(
        [amount, days_to_due, prior, late_share, mean_days_late, month, line_items, credit_limit,
         discount_rate, since_payment, disputes, is_new]
    ).astype(np.float32)
    return X, y


def first_tree(model, init_score):
    """LightGBM's first tree in the Rust layout (nodes by split index, leaves by
    leaf index); its leaf values hold the starting score, which is removed."""
    tree = model.booster_.dump_model()["tree_info"][0]["tree_structure"]
    splits, leaves = {}, {}

    def walk(node):
        if "split_index" in node:
            splits[node["split_index"]] = node
            walk(node["left_child"])
            walk(node["right_child"])
        else:
            leaves[node["leaf_index"]] = node

    walk(tree)
    return {
        "split_feature": [splits[i]["split_feature"] for i in range(len(splits))],
        "threshold": [splits[i]["threshold"] for i in range(len(splits))],
        "default_left": [splits[i]["default_left"] for i in range(len(splits))],
        "split_gain": [splits[i]["split_gain"] for i in range(len(splits))],
        "leaf_value": [leaves[i]["leaf_value"] - init_score for i in range(len(leaves))],
        "leaf_count": [leaves[i]["leaf_count"] for i in range(len(leaves))],
    }


def float32_literal(value):
    """Shortest decimal that reads back (via f64) to this f32; None for NaN."""
    if np.isnan(value):
        return None
    text = np.format_float_positional(np.float32(value), unique=True, trim="-")
    assert np.float32(float(text)) == np.float32(value), (value, text)
    number = float(text)
    return int(number) if number.is_integer() else number


def rows(X):
    return [[float32_literal(v) for v in row] for row in X]


def main():
    rng = np.random.default_rng(SEED)
    X, y = make_dataset(rng)
    a, b = N_TRAIN, N_TRAIN + N_VALIDATION
    X_train, X_val, X_test = X[:a], X[a:b], X[b:]
    y_train, y_val, y_test = y[:a], y[a:b], y[b:]
    versions = {"lightgbm": lgb.__version__, "scikit_learn": sklearn.__version__, "numpy": np.__version__}
    OUT_DIR.mkdir(parents=True, exist_ok=True)

    data = {
        "generated_by": "scripts/make_gbdt_fixtures.py",
        "versions": versions,
        "seed": SEED,
        "feature_names": FEATURES,
        "x_train": rows(X_train),
        "y_train": [bool(v) for v in y_train],
        "x_validation": rows(X_val),
        "y_validation": [bool(v) for v in y_val],
        "x_test": rows(X_test),
        "y_test": [bool(v) for v in y_test],
    }
    (OUT_DIR / "gbdt_data.json").write_text(json.dumps(data, separators=(",", ":")) + "\n")

    for stem, rust in CASES:
        params = lightgbm_params(rust)
        model = lgb.LGBMClassifier(**params)
        if rust.get("early_stopping_rounds"):
            model.fit(X_train, y_train, eval_X=(X_val,), eval_y=(y_val,), eval_metric="binary_logloss",
                      callbacks=[lgb.early_stopping(rust["early_stopping_rounds"], verbose=False)])
            trees = int(model.best_iteration_)
        else:
            model.fit(X_train, y_train)
            trees = int(model.booster_.num_trees())
        proba = model.predict_proba(X_test)[:, 1]
        rate = float(np.mean(y_train))
        init_score = float(np.log(rate / (1.0 - rate)))
        case = {
            "generated_by": "scripts/make_gbdt_fixtures.py",
            "versions": versions,
            "data": "gbdt_data.json",
            "hyperparameters": rust,
            "lightgbm_params": params,
            "trees": trees,
            "init_score": init_score,
            "first_tree": first_tree(model, init_score),
            "test_proba": [round(float(p), 8) for p in proba],
            "test_accuracy": float(accuracy_score(y_test, proba >= 0.5)),
            "test_auprc": float(average_precision_score(y_test, proba)),
        }
        (OUT_DIR / f"gbdt_{stem}.json").write_text(json.dumps(case, indent=1) + "\n")
        print(f"{stem}: {trees} trees, accuracy {case['test_accuracy']:.4f}, AUPRC {case['test_auprc']:.4f}")


if __name__ == "__main__":
    main()
