"""Writes careers.csv, the simulated data of docs/language.md's multinomial example: in each of 60 school classes,
how many pupils chose each of three careers, by the class's mean math score and its region.

The truth, against teacher (the reference): log-odds of engineer 0.3 + 1.0 * math, of doctor -0.2 + 0.5 * math,
and in the south region engineer -0.6 and doctor 0.4 (north: 0). Run: python docs/data/make_careers.py"""

from pathlib import Path

import numpy as np
import pandas as pd

rng = np.random.default_rng(2024)
rows = 60
math = np.round(rng.normal(0, 1, rows), 2)
region = rng.choice(["north", "south"], rows)
south = (region == "south").astype(float)
size = rng.integers(15, 31, rows)
eta = np.column_stack([np.zeros(rows), 0.3 + 1.0 * math - 0.6 * south, -0.2 + 0.5 * math + 0.4 * south])
p = np.exp(eta) / np.exp(eta).sum(axis=1, keepdims=True)
counts = np.array([rng.multinomial(n, q) for n, q in zip(size, p)])
frame = pd.DataFrame({"math": math, "region": region, "teacher": counts[:, 0], "engineer": counts[:, 1]})
frame["doctor"] = counts[:, 2]
frame.to_csv(Path(__file__).with_name("careers.csv"), index=False)
