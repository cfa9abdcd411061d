#!/usr/bin/env python3
"""Reference fixtures for the Rust logistic regression (overdue-models).

What: generates one seeded, invoice-like dataset (2000 training rows, 500 test
rows, 13 features: heavy-tailed amounts, a nearly collinear amount / amount
including tax pair, a credit limit on a 1e6 scale next to a discount rate on a
1e-3 scale, about 40% late) and fits scikit-learn's
``LogisticRegression(solver="newton-cholesky", tol=1e-10, max_iter=1000)`` on it
for five L2 / no-penalty cases, and ``solver="saga", tol=1e-12, max_iter=200000``
with ``l1_ratio=1`` (the L1 penalty; newton-cholesky has none) for two L1 cases
(C = 0.01: saga needs about 50,000 epochs there, and does not converge within
200,000 at larger C, where the nearly collinear pair both stay non-zero). It writes

    crates/overdue-models/tests/fixtures/logistic_data.json
        the features (rounded to float32, exactly as the Rust side reads them)
        and labels of the train and test rows, shared by every case;
    crates/overdue-models/tests/fixtures/logistic_<case>.json
        one file per case: the Rust hyperparameters, sklearn's coefficients and
        intercept (on the scale sklearn was fitted on), predict_proba[:, 1] on
        the test rows, test accuracy and average precision, sklearn's n_iter_
        and any warnings it raised.

For cases with ``standardize = true`` sklearn is fitted on
``StandardScaler().fit(X_train)``-transformed data (population standard
deviation, like the Rust ``Standardizer``); otherwise on the raw features.
No penalty is requested as ``C=np.inf`` (sklearn >= 1.8 deprecates
``penalty=None``); the L2 cases leave ``l1_ratio`` at its default of 0.

How to run (from the repository root; deterministic, rewrites the files):

    python3 scripts/make_logistic_fixtures.py

Generated with scikit-learn 1.9.1 and numpy 2.4.6 (recorded in every file).
"""

import json
import warnings
from pathlib import Path

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, average_precision_score
from sklearn.preprocessing import StandardScaler

SEED = 20240611
N_TRAIN = 2000
N_TEST = 500
OUT_DIR = Path(__file__).resolve().parent.parent / "crates" / "overdue-models" / "tests" / "fixtures"

FEATURES = [
    "amount",
    "amount_incl_tax",
    "days_to_due",
    "customer_prior_invoices",
    "customer_late_share",
    "customer_mean_days_late",
    "month_sin",
    "is_new_customer",
    "line_items",
    "credit_limit",
    "discount_rate",
    "days_since_last_payment",
    "open_disputes",
]

# (file stem, Rust hyperparameters, sklearn keyword arguments, standardize)
CASES = [
    (
        "l2_c1_standardized",
        {"penalty": "l2", "c": 1.0, "standardize": True},
        {"C": 1.0},
    ),
    (
        "l2_c0.01_balanced",
        {"penalty": "l2", "c": 0.01, "class_weight": "balanced", "standardize": True},
        {"C": 0.01, "class_weight": "balanced"},
    ),
    (
        "no_penalty",
        {"penalty": "none", "standardize": True},
        {"C": np.inf},
    ),
    (
        "l2_c1_unscaled",
        {"penalty": "l2", "c": 1.0, "standardize": False},
        {"C": 1.0},
    ),
    (
        "custom_weights_c0.1",
        {"penalty": "l2", "c": 0.1, "class_weight": {"late": 4.0, "on_time": 1.0}, "standardize": True},
        {"C": 0.1, "class_weight": {1: 4.0, 0: 1.0}},
    ),
    (
        "l1_c0.01_standardized",
        {"penalty": "l1", "c": 0.01, "standardize": True},
        {"C": 0.01, "l1_ratio": 1.0},
    ),
    (
        "l1_c0.01_balanced",
        {"penalty": "l1", "c": 0.01, "class_weight": "balanced", "standardize": True},
        {"C": 0.01, "l1_ratio": 1.0, "class_weight": "balanced"},
    ),
]


def make_dataset(rng):
    """Invoice-like features (float32) and labels for N_TRAIN + N_TEST rows."""
    n = N_TRAIN + N_TEST
    amount = np.round(np.exp(rng.normal(7.0, 1.3, n)), 2)
    # Nearly collinear with `amount`: tax at 20% plus a little rounding noise.
    amount_incl_tax = np.round(amount * 1.2 + rng.normal(0.0, 0.5, n), 2)
    days_to_due = rng.choice([14.0, 30.0, 45.0, 60.0, 90.0], n, p=[0.15, 0.45, 0.15, 0.15, 0.10])
    prior = rng.negative_binomial(1, 0.05, n).astype(float)
    late_share = np.round(rng.beta(2.0, 5.0, n), 3)
    mean_days_late = np.round(rng.pareto(2.5, n) * 6.0, 1)
    month_sin = np.round(np.sin(2 * np.pi * rng.integers(1, 13, n) / 12.0), 4)
    is_new = (prior == 0).astype(float)
    late_share[is_new == 1] = 0.0
    line_items = rng.geometric(0.3, n).astype(float)
    # 1e6 scale.
    credit_limit = np.round(np.exp(rng.normal(np.log(2e6), 0.6, n)), -2)
    # 1e-3 scale.
    discount_rate = np.round(rng.uniform(0.0, 0.004, n), 6)
    since_payment = np.round(rng.exponential(25.0, n))
    disputes = rng.poisson(0.3, n).astype(float)

    X = np.column_stack(
        [
            amount,
            amount_incl_tax,
            days_to_due,
            prior,
            late_share,
            mean_days_late,
            month_sin,
            is_new,
            line_items,
            credit_limit,
            discount_rate,
            since_payment,
            disputes,
        ]
    ).astype(np.float32)

    logit = (
        -1.0
        + 0.35 * (np.log(amount) - 7.0)
        + 0.012 * (days_to_due - 40.0)
        - 0.15 * np.log1p(prior)
        + 3.0 * late_share
        + 0.05 * np.minimum(mean_days_late, 30.0)
        + 0.2 * month_sin
        + 0.3 * is_new
        + 0.05 * line_items
        - 0.5 * (credit_limit / 1e6 - 2.0)
        - 250.0 * discount_rate
        + 0.01 * since_payment
        + 0.6 * disputes
        + rng.normal(0.0, 0.5, n)
    )
    y = rng.random(n) < 1.0 / (1.0 + np.exp(-logit))
    return X, y


def float32_literal(value):
    """Shortest decimal that reads back (via f64, as serde_json does) to this f32."""
    text = np.format_float_positional(np.float32(value), unique=True, trim="-")
    assert np.float32(float(text)) == np.float32(value), (value, text)
    return float(text)


def rows(X):
    return [[float32_literal(v) for v in row] for row in X]


def solver_kwargs(sk_kwargs):
    """newton-cholesky where it applies; saga, run to a tight tolerance, for L1."""
    if sk_kwargs.get("l1_ratio", 0.0) > 0.0:
        return {"solver": "saga", "tol": 1e-12, "max_iter": 200000}
    return {"solver": "newton-cholesky", "tol": 1e-10, "max_iter": 1000}


def sklearn_call(sk_kwargs, standardize):
    """The sklearn call of a case, as readable text for the fixture."""
    args = ", ".join(
        f'{k}="{v}"' if isinstance(v, str) else f"{k}={v!r}" for k, v in {**solver_kwargs(sk_kwargs), **sk_kwargs}.items()
    )
    call = f"LogisticRegression({args})"
    return f"{call} on StandardScaler().fit(X_train)-transformed X" if standardize else f"{call} on raw X"


def fit_case(sk_kwargs, standardize, X_train, y_train, X_test, y_test):
    Xtr = X_train.astype(np.float64)
    Xte = X_test.astype(np.float64)
    if standardize:
        scaler = StandardScaler().fit(Xtr)
        Xtr, Xte = scaler.transform(Xtr), scaler.transform(Xte)
    model = LogisticRegression(**solver_kwargs(sk_kwargs), **sk_kwargs)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(Xtr, y_train)
    proba = model.predict_proba(Xte)[:, 1]
    return {
        "coefficients": model.coef_[0].tolist(),
        "intercept": float(model.intercept_[0]),
        "test_proba": proba.tolist(),
        "test_accuracy": float(accuracy_score(y_test, proba >= 0.5)),
        "test_average_precision": float(average_precision_score(y_test, proba)),
        "n_iter": int(model.n_iter_[0]),
        "warnings": [f"{w.category.__name__}: {w.message}" for w in caught],
    }


def main():
    rng = np.random.default_rng(SEED)
    X, y = make_dataset(rng)
    X_train, X_test = X[:N_TRAIN], X[N_TRAIN:]
    y_train, y_test = y[:N_TRAIN], y[N_TRAIN:]
    versions = {"scikit_learn": sklearn.__version__, "numpy": np.__version__}
    OUT_DIR.mkdir(parents=True, exist_ok=True)

    data = {
        "generated_by": "scripts/make_logistic_fixtures.py",
        "versions": versions,
        "seed": SEED,
        "feature_names": FEATURES,
        "x_train": rows(X_train),
        "y_train": [bool(v) for v in y_train],
        "x_test": rows(X_test),
        "y_test": [bool(v) for v in y_test],
    }
    write(OUT_DIR / "logistic_data.json", data)
    print(f"train late share {y_train.mean():.3f}, test late share {y_test.mean():.3f}")

    for stem, params, sk_kwargs in CASES:
        result = fit_case(sk_kwargs, params["standardize"], X_train, y_train, X_test, y_test)
        case = {
            "generated_by": "scripts/make_logistic_fixtures.py",
            "versions": versions,
            "data": "logistic_data.json",
            "hyperparameters": params,
            "sklearn": sklearn_call(sk_kwargs, params["standardize"]),
            **result,
        }
        write(OUT_DIR / f"logistic_{stem}.json", case)
        print(
            f"{stem}: n_iter={result['n_iter']} acc={result['test_accuracy']:.4f} "
            f"ap={result['test_average_precision']:.4f} warnings={result['warnings']}"
        )


def write(path, obj):
    path.write_text(json.dumps(obj, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
