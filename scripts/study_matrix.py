"""Loading a matrix written by `export-study-matrix` (the benches' w = 4
dataset as .npy files), for the bench_reference_*.py scripts."""

import numpy as np


def load(directory, part, dtype=None):
    """Features and labels (bool) of one split: "train", "validation" or
    "test". The features stay float32 unless `dtype` is given."""
    x = np.load(directory / f"{part}_x.npy")
    if dtype is not None:
        x = x.astype(dtype)
    y = np.load(directory / f"{part}_y.npy").astype(bool)
    return x, y
