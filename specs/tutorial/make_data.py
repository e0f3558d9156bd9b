"""tutorial numpy generators → CSV data sets in specs/tutorial/data/ (run: python specs/tutorial/make_data.py).

Each generator is the tutorial's own numpy code with its seed, so the numbers are the tutorial's; floats are
written with 17 significant digits so that reading a CSV back gives the same float64 values bit for bit.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(__file__).resolve().parent / "data"


def simple_regression() -> pd.DataFrame:
    np.random.seed(2019)
    x1 = np.random.normal(loc=10, scale=3, size=100)
    noise = np.random.normal(loc=0, scale=0.1, size=100)
    beta1 = 5
    y1 = beta1 * x1 + noise
    return pd.DataFrame({"x1": x1 - x1.mean(), "y1": y1})  # the tutorial's center(x1)


def multivariate_regression() -> pd.DataFrame:
    np.random.seed(2019)
    beta1, beta2 = 2, 5
    x1 = np.random.normal(loc=10, scale=3, size=100)
    x2 = np.random.normal(loc=10, scale=3, size=100)
    y1 = beta1 * x1 + beta2 * x2 + np.random.normal(loc=0, scale=0.1, size=100)
    return pd.DataFrame({"x1": x1, "x2": x2, "y1": y1})


def pipe() -> pd.DataFrame:
    np.random.seed(2019)
    beta1, beta2 = 2, 5
    x1 = np.random.normal(loc=10, scale=3, size=100)
    x2 = x1 * beta1 + np.random.normal(loc=0, scale=0.1, size=100)
    y1 = beta2 * x2 + np.random.normal(loc=0, scale=0.1, size=100)
    return pd.DataFrame({"x1": x1, "x2": x2, "y1": y1})


def fork() -> pd.DataFrame:
    np.random.seed(2025)
    beta1, beta2 = 3, 2
    z = np.random.normal(loc=10, scale=3, size=1000)
    x = z * beta1 + np.random.normal(loc=0, scale=0.1, size=1000)
    y = beta2 * z + np.random.normal(loc=0, scale=0.1, size=1000)
    return pd.DataFrame({"x": x, "z": z, "y": y})


def collider() -> pd.DataFrame:
    np.random.seed(2025)
    beta1, beta2 = 3, 2
    x = np.random.normal(loc=10, scale=3, size=100)
    y = np.random.normal(loc=2, scale=3, size=100)
    z = x * beta1 + y * beta2 + np.random.normal(loc=0, scale=0.1, size=100)
    return pd.DataFrame({"x": x, "z": z, "y": y})


def combined_confounds() -> pd.DataFrame:
    np.random.seed(2025)
    beta1, beta2, beta3, beta4, beta5 = 3, 2, -2, -1, 5
    x1 = np.random.normal(loc=10, scale=3, size=1000)
    x2 = x1 * beta1 + np.random.normal(loc=0, scale=0.1, size=1000)
    y = x1 * beta3 + x2 * beta2 + np.random.normal(loc=0, scale=0.5, size=1000)
    z = x1 * beta4 + y * beta5 + np.random.normal(loc=0, scale=0.1, size=1000)
    return pd.DataFrame({"x1": x1, "x2": x2, "z": z, "y": y})


def categorical() -> pd.DataFrame:
    np.random.seed(2025)
    beta1 = np.random.normal(loc=0, scale=2, size=5)
    beta2 = np.random.normal(loc=1, scale=1, size=4)
    x1 = np.random.choice(5, size=100)
    x2 = np.random.choice(4, p=[0.1, 0.2, 0.3, 0.4], size=100)
    y1 = beta1[x1] + beta2[x2] + np.random.normal(loc=0, scale=0.1, size=100)
    return pd.DataFrame({"x1": x1, "x2": x2, "y1": y1})


HETEROGENOUS_EFFECTS = np.array([[2, 1], [-2.5, 2], [-3, 3]])
BINARY_PROBABILITIES = np.array([[0.1, 0.2], [0.2, 0.1], [0.3, 0.3]])


def heterogenous() -> pd.DataFrame:
    np.random.seed(2025)
    beta3 = HETEROGENOUS_EFFECTS
    x1 = np.random.choice(3, size=100)
    x2 = np.random.choice(2, size=100)
    y1 = beta3[x1, x2] + np.random.normal(loc=0, scale=0.1, size=100)
    return pd.DataFrame({"x1": x1, "x2": x2, "y1": y1})


def binary_heterogenous() -> pd.DataFrame:
    np.random.seed(2020)
    beta3 = BINARY_PROBABILITIES
    x1 = np.random.choice(3, size=10000)
    x2 = np.random.choice(2, size=10000)
    p1 = beta3[x1, x2]
    y1 = np.random.binomial(1, p1, size=10000)
    return pd.DataFrame({"x1": x1, "x2": x2, "y1": y1})


DATASETS = {
    "simple_regression": simple_regression,
    "multivariate_regression": multivariate_regression,
    "pipe": pipe,
    "fork": fork,
    "collider": collider,
    "combined_confounds": combined_confounds,
    "categorical": categorical,
    "heterogenous": heterogenous,
    "binary_heterogenous": binary_heterogenous,
}

# The generating values each model identifies (only those a correct model recovers from these data).
# In the fork, x = 3 z + noise(0.1) with y = 2 z: slope_x = 0, slope_z = 2. The categorical models have no
# intercept and two index effects, so only sums cat_x1[i] + cat_x2[j] are identified: left out.
TRUE_VALUES = {
    "sum_of_normals": {},
    "coin": {},
    "simple_regression": {"coeff": 5},
    "multivariate_regression": {"coeff_1": 2, "coeff_2": 5},
    "pipe_regression": {"coeff_1": 0, "coeff_2": 5},
    "path_analysis": {"coeff_1": 2, "coeff_2": 5},
    "no_fork": {},
    "fork": {"slope_x": 0, "slope_z": 2},
    "include_collider": {},
    "exclude_collider": {"slope_x": 0},
    "combined_confounds": {"slope_1": 3, "slope_2": 2, "slope_3": -2},
    "categorical": {},
    "pooled_categorical": {},
    "no_heterogenous": {},
    "heterogenous": {"ab_did": HETEROGENOUS_EFFECTS.tolist()},
    "binary_heterogenous": {"treatment_effect": BINARY_PROBABILITIES.tolist()},
}

# What the deliberately wrong models estimate instead, in the population:
# no_fork: x = 3z + e1, y = 2z + e2, so cov(x, y) / var(x) = 6 var(z) / (9 var(z) + 0.01) ≈ 2/3.
# include_collider: z = 3x + 2y + e (var y = 9, var e = 0.01); regressing y on x and z gives
# slope_x = -3 * 2 * 9 / (4 * 9 + 0.01) = -54 / 36.01 ≈ -1.4996.
WRONG_MODEL_EXPECTATIONS = {
    "no_fork": {"slope": 6 * 9 / (9 * 9 + 0.01)},
    "include_collider": {"slope_x": -54 / 36.01},
}


def main() -> None:
    DATA.mkdir(exist_ok=True)
    for name, make in DATASETS.items():
        frame = make()
        path = DATA / f"{name}.csv"
        frame.to_csv(path, index=False, float_format="%.17g")
        again = pd.read_csv(path)
        for column in frame:
            assert np.array_equal(again[column].to_numpy(), frame[column].to_numpy()), f"{path}: {column} changed"


if __name__ == "__main__":
    main()
