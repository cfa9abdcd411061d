"""Checks that a file written by `overdue features CONFIG --out FILE.parquet`
loads in pandas with the documented columns, and fits a scikit-learn model on
its training part, as a user would.

    overdue features configs/quickstart.toml --out features.parquet
    python3 scripts/check_features_file.py features.w3.parquet

Needs pandas, pyarrow and scikit-learn. Prints what it found; exits non-zero
when a documented column or type is missing.
"""

import datetime
import sys

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

KEYS = ["invoice_id", "prediction_date", "split", "late"]


def main(path: str) -> int:
    frame = pd.read_parquet(path)
    problems = []
    if list(frame.columns[:4]) != KEYS:
        problems.append(f"key columns {list(frame.columns[:4])}, expected {KEYS}")
    features = list(frame.columns[4:])
    for column, expected in {"invoice_id": "uint64", "late": "bool"}.items():
        if str(frame[column].dtype) != expected:
            problems.append(f"{column}: dtype {frame[column].dtype}, expected {expected}")
    # Parquet DATE columns load as Python dates (pyarrow's default).
    if not all(isinstance(d, datetime.date) for d in frame["prediction_date"].head(100)):
        problems.append(f"prediction_date: not dates ({frame['prediction_date'].dtype})")
    if not set(frame["split"].unique()) <= {"train", "validation", "test"}:
        problems.append(f"split: unexpected values {frame['split'].unique()}")
    bad = [c for c in features if str(frame[c].dtype) != "float32"]
    if bad:
        problems.append(f"non-float32 features: {bad[:5]}")
    if not frame["prediction_date"].is_monotonic_increasing:
        problems.append("rows are not in time order")
    parts = frame["split"].unique().tolist()
    print(f"{path}: {len(frame)} rows, {len(features)} features, parts {parts}")
    for part in ("train", "validation", "test"):
        rows = frame[frame["split"] == part]
        if len(rows):
            print(
                f"  {part:10} {len(rows):7} rows, late share {rows['late'].mean():.4f}, "
                f"{rows['prediction_date'].min()} .. {rows['prediction_date'].max()}"
            )
    train, test = frame[frame["split"] == "train"], frame[frame["split"] == "test"]
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    model.fit(train[features].to_numpy(np.float64), train["late"])
    ap = average_precision_score(test["late"], model.predict_proba(test[features].to_numpy(np.float64))[:, 1])
    print(f"  scikit-learn LogisticRegression on it: test AUPRC {ap:.4f}")
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
