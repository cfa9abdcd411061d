#!/usr/bin/env python3
"""Reference fixtures for the Rust Gaussian naive Bayes and k-nearest neighbours
(overdue-models).

What: one seeded, invoice-like dataset (2400 training rows, 600 test rows, 10
features: heavy-tailed amounts and credit limits, counts, a share, a 1e-3-scale
rate, about 40% late) shared by the main cases, plus three small hand-made
datasets for the edge rules. It writes, under
crates/overdue-models/tests/fixtures/:

    naive_bayes_knn_data.json        the shared dataset (features rounded to
                                     float32, exactly as the Rust side reads them)
    naive_bayes_<case>.json          GaussianNB(var_smoothing, priors) fitted on
                                     the float64 features: sklearn's per-class
                                     means (theta_), variances (var_), log class
                                     priors, epsilon_, and on the test rows
                                     predict_proba[:, 1] and the joint
                                     log-likelihoods (predict_joint_log_proba),
                                     with accuracy and average precision
    knn_<case>.json                  KNeighborsClassifier(n_neighbors, weights,
                                     algorithm="kd_tree") predict_proba[:, 1]
    naive_bayes_degenerate_data.json, knn_zero_distance_data.json,
    knn_tie_data.json                the small edge-case datasets

kNN specifics. The Rust model standardises with its own ``Standardizer``
(column means and population standard deviations summed row by row in f64);
this script reproduces it exactly with ``np.cumsum`` (a sequential sum) and
checks that it agrees with sklearn's ``StandardScaler`` to 1e-12, then gives
sklearn the standardised float64 rows, so both sides see bit-identical inputs.
sklearn is run with ``algorithm="kd_tree"`` because the KD-tree computes each
distance as the plain sum of squared differences in feature order, the exact
value the Rust model uses; brute force in sklearn computes
``||a||^2 + ||b||^2 - 2 a.b`` through BLAS, whose last bits differ (recorded as
``brute_force_max_abs_difference`` for information). For every tie-free case
the script checks that no test row has two training rows at exactly the k-th
distance (so the neighbour sets are unambiguous) and that sklearn's neighbour
distances equal the exact ones bit for bit; the Rust test then asserts equal
probabilities. The one case with deliberate ties (``knn_tie_break``) records
the probabilities under the Rust rule (ties at the k-th distance go to the
lower training row index) as ``test_proba`` and sklearn's as
``sklearn_test_proba``, for information.

How to run (from the repository root; deterministic, rewrites the files):

    python3 scripts/make_nb_knn_fixtures.py

Generated with scikit-learn 1.9.1 and numpy 2.4.6 (recorded in every file).
"""

import json
import warnings
from pathlib import Path

import numpy as np
import sklearn
from sklearn.metrics import accuracy_score, average_precision_score
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler

SEED = 20240612
N_TRAIN = 2400
N_TEST = 600
OUT_DIR = Path(__file__).resolve().parent.parent / "crates" / "overdue-models" / "tests" / "fixtures"
GENERATED_BY = "scripts/make_nb_knn_fixtures.py"
SHARED_DATA = "naive_bayes_knn_data.json"

FEATURES = [
    "amount",
    "days_to_due",
    "customer_prior_invoices",
    "customer_late_share",
    "customer_mean_days_late",
    "line_items",
    "credit_limit",
    "discount_rate",
    "days_since_last_payment",
    "open_disputes",
]

# (file stem, Rust hyperparameters, sklearn GaussianNB keyword arguments)
NB_CASES = [
    ("default", {}, {}),
    ("priors", {"priors": {"late": 0.25, "on_time": 0.75}}, {"priors": [0.75, 0.25]}),
    ("smoothing_0.01", {"var_smoothing": 0.01}, {"var_smoothing": 0.01}),
]

# (file stem, Rust hyperparameters)
KNN_CASES = [
    ("k5_uniform", {"k": 5, "weights": "uniform", "standardize": True}),
    ("k15_distance", {"k": 15, "weights": "distance", "standardize": True}),
    ("k7_distance_unscaled", {"k": 7, "weights": "distance", "standardize": False}),
    ("k1_uniform", {"k": 1, "weights": "uniform", "standardize": True}),
]


def make_dataset(rng):
    """Invoice-like features (float32) and labels for N_TRAIN + N_TEST rows."""
    n = N_TRAIN + N_TEST
    amount = np.round(np.exp(rng.normal(7.0, 1.3, n)), 2)
    days_to_due = rng.choice([14.0, 30.0, 45.0, 60.0, 90.0], n, p=[0.15, 0.45, 0.15, 0.15, 0.10])
    prior = rng.negative_binomial(1, 0.05, n).astype(float)
    late_share = np.round(rng.beta(2.0, 5.0, n), 3)
    late_share[prior == 0] = 0.0
    mean_days_late = np.round(rng.pareto(2.5, n) * 6.0, 1)
    line_items = rng.geometric(0.3, n).astype(float)
    credit_limit = np.round(np.exp(rng.normal(np.log(2e6), 0.6, n)), -2)
    discount_rate = np.round(rng.uniform(0.0, 0.004, n), 6)
    since_payment = np.round(rng.exponential(25.0, n))
    disputes = rng.poisson(0.3, n).astype(float)
    X = np.column_stack(
        [
            amount,
            days_to_due,
            prior,
            late_share,
            mean_days_late,
            line_items,
            credit_limit,
            discount_rate,
            since_payment,
            disputes,
        ]
    ).astype(np.float32)
    logit = (
        -0.9
        + 0.35 * (np.log(amount) - 7.0)
        + 0.012 * (days_to_due - 40.0)
        - 0.15 * np.log1p(prior)
        + 3.0 * late_share
        + 0.05 * np.minimum(mean_days_late, 30.0)
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


def data_file(name, feature_names, X_train, y_train, X_test, y_test, versions, **extra):
    X_train = np.asarray(X_train, dtype=np.float32)
    X_test = np.asarray(X_test, dtype=np.float32)
    write(
        name,
        {
            "generated_by": GENERATED_BY,
            "versions": versions,
            **extra,
            "feature_names": feature_names,
            "x_train": rows(X_train),
            "y_train": [bool(v) for v in y_train],
            "x_test": rows(X_test),
            "y_test": [bool(v) for v in y_test],
        },
    )
    return X_train.astype(np.float64), np.asarray(y_train, dtype=bool), X_test.astype(np.float64), np.asarray(y_test, dtype=bool)


def rust_standardize(X_train, X_test):
    """The Rust Standardizer, bit for bit: sequential f64 sums, population std,
    scale 1 for constant columns, then (x - mean) / scale."""
    n = X_train.shape[0]
    means = np.cumsum(X_train, axis=0)[-1] / n
    scales = np.sqrt(np.cumsum((X_train - means) ** 2, axis=0)[-1] / n)
    scales = np.where((scales > 0) & np.isfinite(scales), scales, 1.0)
    reference = StandardScaler().fit(X_train)
    assert np.allclose(means, reference.mean_, rtol=1e-12, atol=0)
    assert np.allclose(scales, reference.scale_, rtol=1e-12, atol=0)
    return (X_train - means) / scales, (X_test - means) / scales


def exact_squared_distances(A, B):
    """Squared distances of every row of B to every row of A, summed over the
    features in order, as the Rust model and sklearn's KD-tree compute them."""
    D = np.zeros((B.shape[0], A.shape[0]))
    for j in range(A.shape[1]):
        diff = B[:, j : j + 1] - A[None, :, j]
        D += diff * diff
    return D


def rust_rule_proba(D, y_train, k, weights):
    """Probability of late under the Rust rule: neighbours ordered by (squared
    distance, training index), sklearn's weighting and arithmetic."""
    out = []
    for row in D:
        order = np.lexsort((np.arange(len(row)), row))[:k]
        if weights == "uniform":
            out.append(float(np.count_nonzero(y_train[order])) / k)
            continue
        with np.errstate(divide="ignore"):
            w = 1.0 / np.sqrt(row[order])
        inf = np.isinf(w)
        if inf.any():
            w = inf.astype(float)
        late = 0.0
        on_time = 0.0
        for wi, label in zip(w, y_train[order]):
            if label:
                late += wi
            else:
                on_time += wi
        total = on_time + late
        out.append(late / total if total != 0.0 else 0.0)
    return out


def kth_gap(D, k):
    """Smallest relative gap between the k-th and (k+1)-th exact distance over
    the test rows (0 means a tie at the k-th place); None when k = n_train."""
    if k >= D.shape[1]:
        return None
    part = np.sort(D, axis=1)
    return float(np.min((part[:, k] - part[:, k - 1]) / np.maximum(part[:, k], 1e-300)))


def fit_knn(params, X_train, y_train, X_test, y_test, tie_free=True):
    k, weights = params["k"], params["weights"]
    if params["standardize"]:
        A, B = rust_standardize(X_train, X_test)
    else:
        A, B = X_train, X_test
    model = KNeighborsClassifier(n_neighbors=k, weights=weights, algorithm="kd_tree")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(A, y_train)
        proba = model.predict_proba(B)[:, 1]
        distances, indices = model.kneighbors(B)
    D = exact_squared_distances(A, B)
    gap = kth_gap(D, k)
    rust = rust_rule_proba(D, y_train, k, weights)
    if tie_free:
        assert gap is None or gap > 0.0, f"{params}: tie at the k-th distance"
        exact = np.sort(D, axis=1)[:, :k]
        assert np.array_equal(distances, np.sqrt(exact)), f"{params}: sklearn's distances are not the exact ones"
        assert proba.tolist() == rust, f"{params}: the Rust rule and sklearn disagree on tie-free data"
    brute = KNeighborsClassifier(n_neighbors=k, weights=weights, algorithm="brute").fit(A, y_train)
    brute_diff = float(np.max(np.abs(brute.predict_proba(B)[:, 1] - proba)))
    result = {
        "sklearn": f'KNeighborsClassifier(n_neighbors={k}, weights="{weights}", algorithm="kd_tree")'
        + (" on the Rust-standardised X" if params["standardize"] else " on raw X"),
        "test_proba": rust if not tie_free else proba.tolist(),
        "test_accuracy": float(accuracy_score(y_test, np.asarray(rust) >= 0.5)),
        "test_average_precision": float(average_precision_score(y_test, rust)),
        "kth_distance_min_relative_gap": gap,
        "brute_force_max_abs_difference": brute_diff,
        "warnings": [f"{w.category.__name__}: {w.message}" for w in caught],
    }
    if not tie_free:
        result["sklearn_test_proba"] = proba.tolist()
        result["sklearn_neighbors"] = indices.tolist()
    return result


def fit_nb(sk_kwargs, X_train, y_train, X_test, y_test):
    model = GaussianNB(**sk_kwargs)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X_train, y_train)
        proba = model.predict_proba(X_test)[:, 1]
        jll = model.predict_joint_log_proba(X_test)
    assert list(model.classes_) == [False, True]
    return {
        "sklearn": f"GaussianNB({', '.join(f'{k}={v!r}' for k, v in sk_kwargs.items())}) on float64 X",
        "epsilon": float(model.epsilon_),
        "on_time": {
            "log_prior": float(np.log(model.class_prior_[0])),
            "means": model.theta_[0].tolist(),
            "variances": model.var_[0].tolist(),
        },
        "late": {
            "log_prior": float(np.log(model.class_prior_[1])),
            "means": model.theta_[1].tolist(),
            "variances": model.var_[1].tolist(),
        },
        "test_proba": proba.tolist(),
        "test_joint_log_likelihood": jll.tolist(),
        "test_accuracy": float(accuracy_score(y_test, proba >= 0.5)),
        "test_average_precision": float(average_precision_score(y_test, proba)),
        "warnings": [f"{w.category.__name__}: {w.message}" for w in caught],
    }


def degenerate_nb_data():
    """Gaussian NB edge rules: a column constant everywhere (variance 0: only
    epsilon keeps it finite), a column constant within the late class, a column on
    a 1e-4 scale, and test rows far outside the training range, whose densities
    underflow to 0 in linear space (log-space arithmetic still gives a
    probability)."""
    rng = np.random.default_rng(7)
    n = 60
    y = np.arange(n) % 3 == 0
    X = np.column_stack(
        [
            np.full(n, 3.0),
            np.where(y, 1.0, rng.integers(0, 5, n).astype(float)),
            np.round(rng.uniform(0.0, 4e-4, n), 7),
            rng.integers(0, 5, n).astype(float),
        ]
    )
    X_test = np.array(
        [
            [3.0, 1.0, 2e-4, 2.0],
            [3.0, 2.0, 2e-4, 2.0],
            [3.0, 1.0, 3.9e-4, 0.0],
            [4.0, 1.0, 2e-4, 2.0],
            [3.0, 1.0, 0.05, 4.0],
            [3.0, 0.0, 2e-4, 1e4],
        ]
    )
    y_test = np.array([True, False, True, False, True, False])
    return ["constant", "late_constant", "tiny_scale", "count"], X, y, X_test, y_test


def zero_distance_knn_data():
    """Test rows that coincide with training rows. Rows 0-2 are one point
    (late, on-time, late) and rows 3-4 another (both late), both far from the
    rest; with k = 3 and distance weights a query on the first point gets 2/3 and
    one on the second 1.0 (its on-time third neighbour, at a positive distance,
    does not count), and a query on a single row takes that row's label. Every
    duplicate group lies wholly inside or outside each query's k nearest, so no
    tie at the k-th distance (checked)."""
    rng = np.random.default_rng(11)
    X = np.vstack([np.full((3, 2), -5.0), np.full((2, 2), 8.0), np.round(rng.uniform(0.0, 4.0, (9, 2)), 3)])
    y = np.array([True, False, True, True, True] + [False, True, False, True, False, False, True, False, True])
    X_test = np.vstack([X[0], X[3], X[6], X[9], np.round(rng.uniform(0.0, 4.0, (2, 2)), 3)])
    y_test = np.array([True, True, False, True, False, True])
    return ["x", "y"], X, y, X_test, y_test


def tie_knn_data():
    """One query at the origin and four training rows at exactly distance 1
    (coordinates 0 and +-1, so the squared distances are exactly 1 in f64): with
    k = 3 the row at distance 0.5 (on-time) is taken and two of the four tied
    rows. The tied rows are, by index, late, late, on-time, on-time: the Rust
    rule (lower index first) gives 2/3, the opposite order would give 0."""
    X = np.array([[5.0, 5.0], [0.0, 1.0], [1.0, 0.0], [0.0, -1.0], [-1.0, 0.0], [0.5, 0.0], [6.0, 5.0]])
    y = np.array([False, True, True, False, False, False, True])
    X_test = np.array([[0.0, 0.0]])
    y_test = np.array([True])
    return ["x", "y"], X, y, X_test, y_test


def main():
    versions = {"scikit_learn": sklearn.__version__, "numpy": np.__version__}
    OUT_DIR.mkdir(parents=True, exist_ok=True)

    rng = np.random.default_rng(SEED)
    X, y = make_dataset(rng)
    shared = data_file(
        SHARED_DATA, FEATURES, X[:N_TRAIN], y[:N_TRAIN], X[N_TRAIN:], y[N_TRAIN:], versions, seed=SEED
    )
    print(f"train late share {shared[1].mean():.3f}, test late share {shared[3].mean():.3f}")

    for stem, params, sk_kwargs in NB_CASES:
        result = fit_nb(sk_kwargs, *shared)
        write(
            f"naive_bayes_{stem}.json",
            {"generated_by": GENERATED_BY, "versions": versions, "data": SHARED_DATA, "hyperparameters": params, **result},
        )
        print(f"naive_bayes_{stem}: acc={result['test_accuracy']:.4f} ap={result['test_average_precision']:.4f}")

    names, *degenerate = degenerate_nb_data()
    degenerate = data_file("naive_bayes_degenerate_data.json", names, *degenerate, versions)
    result = fit_nb({}, *degenerate)
    write(
        "naive_bayes_degenerate.json",
        {
            "generated_by": GENERATED_BY,
            "versions": versions,
            "data": "naive_bayes_degenerate_data.json",
            "hyperparameters": {},
            **result,
        },
    )
    print(f"naive_bayes_degenerate: proba={result['test_proba']}")

    for stem, params in KNN_CASES:
        result = fit_knn(params, *shared)
        write(
            f"knn_{stem}.json",
            {"generated_by": GENERATED_BY, "versions": versions, "data": SHARED_DATA, "hyperparameters": params, **result},
        )
        print(
            f"knn_{stem}: acc={result['test_accuracy']:.4f} ap={result['test_average_precision']:.4f} "
            f"gap={result['kth_distance_min_relative_gap']} brute diff={result['brute_force_max_abs_difference']:.1e}"
        )

    for stem, make, params, tie_free in [
        ("zero_distance", zero_distance_knn_data, {"k": 3, "weights": "distance", "standardize": True}, True),
        ("tie_break", tie_knn_data, {"k": 3, "weights": "uniform", "standardize": False}, False),
    ]:
        names, *edge = make()
        edge = data_file(f"knn_{stem}_data.json", names, *edge, versions)
        result = fit_knn(params, *edge, tie_free=tie_free)
        write(
            f"knn_{stem}.json",
            {
                "generated_by": GENERATED_BY,
                "versions": versions,
                "data": f"knn_{stem}_data.json",
                "hyperparameters": params,
                **result,
            },
        )
        print(f"knn_{stem}: proba={result['test_proba']} sklearn={result.get('sklearn_test_proba')}")


def write(name, obj):
    (OUT_DIR / name).write_text(json.dumps(obj, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
