#!/usr/bin/env python3
"""Reference fixtures for the Rust L1 linear SVM, Platt scaling and CSFSOL
(overdue-models).

What it writes, under crates/overdue-models/tests/fixtures/:

    linear_svm_data.json
        one seeded, invoice-like dataset (2000 train, 500 validation, 500 test
        rows; 12 features, two of them pure noise so that the L1 penalty has
        something to remove; about 35% late), features rounded to float32
        exactly as the Rust side reads them;
    linear_svm_<case>.json
        scikit-learn's ``LinearSVC(penalty="l1", loss="squared_hinge",
        dual=False, tol=1e-8, max_iter=100000)`` on
        ``StandardScaler().fit(X_train)``-transformed features for three cases
        (C=1; C=0.1 with class weights late 4 / on time 1, after study 2's
        liblinear `-c 0.1 -w-1 4 -w1 1`, whose -1 class the paper does not name;
        C=0.01, very sparse): coefficients, intercept (the weight of liblinear's
        bias feature of value 1, which is penalised), the indices of the zero
        coefficients, the objective value, decision values on the validation and
        test rows, test accuracy (decision > 0) and average precision of the test
        decision values, n_iter_ and any warnings;
    linear_svm_platt.json
        Platt scaling fitted on case C=1's validation decision values by an
        independent optimiser: scipy.optimize.minimize (BFGS, analytic gradient,
        gtol=1e-10) of Platt's exact objective with his smoothed targets
        (N+ + 1) / (N+ + 2) and 1 / (N- + 2), P(late) = 1 / (1 + exp(A f + B));
        records A, B, the objective and the gradient norm at the optimum.
        (scikit-learn's CalibratedClassifierCV(method="sigmoid") uses different
        targets in 1.9, so it is not the reference.)
    csfsol_imbalanced_data.json
        a second seeded dataset with about 10% late rows (2500 train, 600
        validation, 900 test; 10 features, two of them noise) for CSFSOL, which
        has no reference implementation: the Rust tests check that it learns
        (average precision well above the late share). For context the file also
        records the average precision of LinearSVC (C=0.1, class weights 9/1) on
        the same standardised data.

How to run (from the repository root; deterministic, rewrites the files):

    python3 scripts/make_linear_svm_fixtures.py

Generated with scikit-learn 1.9.1, numpy 2.4.6 and scipy 1.17.1 (recorded in
every file).
"""

import json
import warnings
from pathlib import Path

import numpy as np
import scipy
import sklearn
from scipy.optimize import minimize
from sklearn.metrics import accuracy_score, average_precision_score
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

SEED = 20240917
N_TRAIN, N_VALIDATION, N_TEST = 2000, 500, 500
IMB_SEED = 20240918
IMB_TRAIN, IMB_VALIDATION, IMB_TEST = 2500, 600, 900
OUT_DIR = Path(__file__).resolve().parent.parent / "crates" / "overdue-models" / "tests" / "fixtures"
VERSIONS = {"scikit_learn": sklearn.__version__, "numpy": np.__version__, "scipy": scipy.__version__}

FEATURES = [
    "amount",
    "days_to_due",
    "customer_prior_invoices",
    "customer_late_share",
    "customer_mean_days_late",
    "month_sin",
    "is_new_customer",
    "line_items",
    "credit_limit",
    "open_disputes",
    "noise_uniform",
    "noise_normal",
]

# (file stem, Rust hyperparameters, sklearn keyword arguments)
CASES = [
    ("c1_standardized", {"c": 1.0, "standardize": True, "tol": 1e-8, "max_iter": 100000}, {"C": 1.0}),
    (
        "c0.1_weighted",
        {"c": 0.1, "class_weight": {"late": 4.0, "on_time": 1.0}, "standardize": True, "tol": 1e-8, "max_iter": 100000},
        {"C": 0.1, "class_weight": {1: 4.0, 0: 1.0}},
    ),
    ("c0.01_sparse", {"c": 0.01, "standardize": True, "tol": 1e-8, "max_iter": 100000}, {"C": 0.01}),
]


def invoice_like(rng, n, base_logit, signal):
    """Invoice-like float32 features (the 12 columns of FEATURES) and labels."""
    amount = np.round(np.exp(rng.normal(7.0, 1.3, n)), 2)
    days_to_due = rng.choice([14.0, 30.0, 45.0, 60.0, 90.0], n, p=[0.15, 0.45, 0.15, 0.15, 0.10])
    prior = rng.negative_binomial(1, 0.05, n).astype(float)
    late_share = np.round(rng.beta(2.0, 5.0, n), 3)
    mean_days_late = np.round(rng.pareto(2.5, n) * 6.0, 1)
    month_sin = np.round(np.sin(2 * np.pi * rng.integers(1, 13, n) / 12.0), 4)
    is_new = (prior == 0).astype(float)
    late_share[is_new == 1] = 0.0
    line_items = rng.geometric(0.3, n).astype(float)
    credit_limit = np.round(np.exp(rng.normal(np.log(2e6), 0.6, n)), -2)
    disputes = rng.poisson(0.3, n).astype(float)
    noise_uniform = np.round(rng.uniform(0.0, 10.0, n), 3)
    noise_normal = np.round(rng.normal(50.0, 15.0, n), 2)
    X = np.column_stack(
        [
            amount,
            days_to_due,
            prior,
            late_share,
            mean_days_late,
            month_sin,
            is_new,
            line_items,
            credit_limit,
            disputes,
            noise_uniform,
            noise_normal,
        ]
    ).astype(np.float32)
    logit = base_logit + signal * (
        0.35 * (np.log(amount) - 7.0)
        + 0.012 * (days_to_due - 40.0)
        - 0.15 * np.log1p(prior)
        + 3.0 * (late_share - 0.2)
        + 0.05 * np.minimum(mean_days_late, 30.0)
        + 0.2 * month_sin
        + 0.3 * is_new
        + 0.05 * line_items
        - 0.5 * (credit_limit / 1e6 - 2.0)
        + 0.6 * disputes
    ) + rng.normal(0.0, 0.5, n)
    y = rng.random(n) < 1.0 / (1.0 + np.exp(-logit))
    return X, y


def float32_literal(value):
    """Shortest decimal that reads back (via f64, as serde_json does) to this f32."""
    text = np.format_float_positional(np.float32(value), unique=True, trim="-")
    assert np.float32(float(text)) == np.float32(value), (value, text)
    return float(text)


def rows(X):
    return [[float32_literal(v) for v in row] for row in X]


def write(path, obj):
    path.write_text(json.dumps(obj, separators=(",", ":")) + "\n")


def split_data(X, y, n_train, n_validation):
    a, b = n_train, n_train + n_validation
    return (X[:a], y[:a]), (X[a:b], y[a:b]), (X[b:], y[b:])


def data_file(feature_names, seed, parts):
    (X_tr, y_tr), (X_va, y_va), (X_te, y_te) = parts
    return {
        "generated_by": "scripts/make_linear_svm_fixtures.py",
        "versions": VERSIONS,
        "seed": seed,
        "feature_names": feature_names,
        "x_train": rows(X_tr),
        "y_train": [bool(v) for v in y_tr],
        "x_validation": rows(X_va),
        "y_validation": [bool(v) for v in y_va],
        "x_test": rows(X_te),
        "y_test": [bool(v) for v in y_te],
    }


def svm_objective(coef, intercept, X, y, C, weights):
    """||w||_1 (bias included) + C * sum_i c_i max(0, 1 - y_i f_i)^2."""
    signs = np.where(y, 1.0, -1.0)
    margins = np.maximum(0.0, 1.0 - signs * (X @ coef + intercept))
    costs = C * np.where(y, weights.get(1, 1.0), weights.get(0, 1.0))
    return float(np.abs(coef).sum() + abs(intercept) + (costs * margins**2).sum())


def fit_svm(sk_kwargs, parts):
    (X_tr, y_tr), (X_va, y_va), (X_te, y_te) = parts
    scaler = StandardScaler().fit(X_tr.astype(np.float64))
    Xtr, Xva, Xte = (scaler.transform(X.astype(np.float64)) for X in (X_tr, X_va, X_te))
    model = LinearSVC(
        penalty="l1", loss="squared_hinge", dual=False, tol=1e-8, max_iter=100000, random_state=0, **sk_kwargs
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(Xtr, y_tr)
    coef = model.coef_[0]
    intercept = float(model.intercept_[0])
    test_decision = model.decision_function(Xte)
    return {
        "coefficients": coef.tolist(),
        "intercept": intercept,
        "zero_coefficients": [int(j) for j in np.flatnonzero(coef == 0.0)],
        "objective": svm_objective(coef, intercept, Xtr, y_tr, sk_kwargs["C"], sk_kwargs.get("class_weight", {})),
        "validation_decision": model.decision_function(Xva).tolist(),
        "test_decision": test_decision.tolist(),
        "test_accuracy": float(accuracy_score(y_te, test_decision > 0)),
        "test_average_precision": float(average_precision_score(y_te, test_decision)),
        "n_iter": int(model.n_iter_),
        "warnings": [f"{w.category.__name__}: {w.message}" for w in caught],
    }


def platt_reference(scores, labels):
    """Platt's objective minimised by scipy (BFGS with the analytic gradient)."""
    f = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=bool)
    n_pos, n_neg = y.sum(), (~y).sum()
    t = np.where(y, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0))

    def objective(theta):
        z = theta[0] * f + theta[1]
        # log(1 + e^z) - (1 - t) z, stable
        return float(np.sum(np.logaddexp(0.0, z) - (1.0 - t) * z))

    def gradient(theta):
        z = theta[0] * f + theta[1]
        p = 1.0 / (1.0 + np.exp(z))  # P(late)
        d = t - p
        return np.array([np.sum(f * d), np.sum(d)])

    start = np.array([0.0, np.log((n_neg + 1.0) / (n_pos + 1.0))])
    result = minimize(objective, start, jac=gradient, method="BFGS", options={"gtol": 1e-10, "maxiter": 10000})
    return {
        "a": float(result.x[0]),
        "b": float(result.x[1]),
        "objective": float(result.fun),
        "gradient_norm": float(np.linalg.norm(gradient(result.x))),
        "scipy_message": str(result.message),
    }


def main():
    OUT_DIR.mkdir(parents=True, exist_ok=True)

    rng = np.random.default_rng(SEED)
    X, y = invoice_like(rng, N_TRAIN + N_VALIDATION + N_TEST, base_logit=-0.6, signal=1.0)
    parts = split_data(X, y, N_TRAIN, N_VALIDATION)
    write(OUT_DIR / "linear_svm_data.json", data_file(FEATURES, SEED, parts))
    print(f"svm data: late share train {parts[0][1].mean():.3f}, test {parts[2][1].mean():.3f}")

    c1 = None
    for stem, params, sk_kwargs in CASES:
        result = fit_svm(sk_kwargs, parts)
        call = ", ".join(f"{k}={v!r}" for k, v in sk_kwargs.items())
        case = {
            "generated_by": "scripts/make_linear_svm_fixtures.py",
            "versions": VERSIONS,
            "data": "linear_svm_data.json",
            "hyperparameters": params,
            "sklearn": 'LinearSVC(penalty="l1", loss="squared_hinge", dual=False, tol=1e-8, max_iter=100000, '
            f"random_state=0, {call}) on StandardScaler().fit(X_train)-transformed X",
            **result,
        }
        write(OUT_DIR / f"linear_svm_{stem}.json", case)
        if stem == "c1_standardized":
            c1 = result
        print(
            f"{stem}: n_iter={result['n_iter']} zeros={result['zero_coefficients']} "
            f"acc={result['test_accuracy']:.4f} ap={result['test_average_precision']:.4f} "
            f"obj={result['objective']:.6f} warnings={result['warnings']}"
        )

    platt = platt_reference(c1["validation_decision"], parts[1][1])
    write(
        OUT_DIR / "linear_svm_platt.json",
        {
            "generated_by": "scripts/make_linear_svm_fixtures.py",
            "versions": VERSIONS,
            "what": "Platt scaling of case c1_standardized's validation decision values, by scipy BFGS",
            "scores": c1["validation_decision"],
            "labels": [bool(v) for v in parts[1][1]],
            **platt,
        },
    )
    print(f"platt: {platt}")

    rng = np.random.default_rng(IMB_SEED)
    X, y = invoice_like(rng, IMB_TRAIN + IMB_VALIDATION + IMB_TEST, base_logit=-3.7, signal=1.6)
    keep = [j for j, name in enumerate(FEATURES) if name not in ("month_sin", "line_items")]
    X = X[:, keep]
    parts = split_data(X, y, IMB_TRAIN, IMB_VALIDATION)
    data = data_file([FEATURES[j] for j in keep], IMB_SEED, parts)
    (X_tr, y_tr), _, (X_te, y_te) = parts
    scaler = StandardScaler().fit(X_tr.astype(np.float64))
    svc = LinearSVC(penalty="l1", dual=False, C=0.1, class_weight={1: 9.0, 0: 1.0}, tol=1e-8, max_iter=100000)
    svc.fit(scaler.transform(X_tr.astype(np.float64)), y_tr)
    reference_ap = float(average_precision_score(y_te, svc.decision_function(scaler.transform(X_te.astype(np.float64)))))
    data["test_late_share"] = float(y_te.mean())
    data["linear_svc_test_average_precision"] = reference_ap
    write(OUT_DIR / "csfsol_imbalanced_data.json", data)
    print(f"imbalanced: late share train {y_tr.mean():.3f}, test {y_te.mean():.3f}, LinearSVC AP {reference_ap:.4f}")


if __name__ == "__main__":
    main()
