"""Hypothesis strategies: random valid specs with matching data, and mutations of spec text."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import strategies as st

FAMILIES = {"Normal": "normal", "Bernoulli": "binary", "Poisson": "count", "StudentT": "normal"}
PRIORS = ["Normal(0, 1)", "Normal(0, 2.5)", "StudentT(nu = 3, mu = 0, sigma = 1)", "Laplace(0, 1)", "Cauchy(0, 1)"]
SCALE_PRIORS = ["Exponential(1)", "HalfNormal(1)", "HalfCauchy(2)", "Gamma(2, 2)", "LogNormal(0, 1)"]


@st.composite
def valid_specs(draw):
    """(spec text, data frame) for a random DAG: data nodes, categorical nodes, outcomes of several families."""
    n_nodes = draw(st.integers(2, 6))
    names = [f"v{i}" for i in range(n_nodes)]
    categorical = {name for name in names[:-1] if draw(st.booleans()) and draw(st.booleans())}
    edges = [(a, b) for i, a in enumerate(names) for b in names[i + 1 :] if draw(st.integers(0, 2)) == 0]
    if not any(b == names[-1] for _, b in edges):
        edges.append((names[0], names[-1]))
    parents = {b: [a for a, t in edges if t == b] for b in names}
    outcomes = [b for b in names if parents[b] and b not in categorical and (b == names[-1] or draw(st.booleans()))]
    family = {b: draw(st.sampled_from(sorted(FAMILIES))) for b in outcomes}
    rows = draw(st.integers(5, 40))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    data = {}
    for name in names:
        if name in categorical:
            data[name] = rng.choice(["a", "b", "c"][: draw(st.integers(1, 3))], rows)
        elif name in family and FAMILIES[family[name]] == "binary":
            data[name] = rng.integers(0, 2, rows)
        elif name in family and FAMILIES[family[name]] == "count":
            data[name] = rng.poisson(3, rows)
        else:
            data[name] = rng.normal(0, 1, rows)
    lines = []
    for name in names:
        declaration = f"node {name}" + (" : categorical" if name in categorical else "")
        if name in family:
            intercept = ", intercept = none" if draw(st.booleans()) and parents[name] else ""
            declaration += f" ~ {family[name]}(link = {'logit' if family[name] == 'Bernoulli' else 'identity' if family[name] != 'Poisson' else 'log'}{intercept})"
        lines.append(declaration)
    lines += [f"{a} -> {b}" for a, b in edges]
    lines.append("observed " + ", ".join(names))
    for a, b in edges:
        if b in family and draw(st.booleans()):
            lines.append(
                f"prior {a} -> {b} ~ {draw(st.sampled_from(PRIORS))}"
                + (f" as w_{a}_{b}" if draw(st.booleans()) else "")
            )
    for b in outcomes:
        if family[b] in ("Normal", "StudentT") and draw(st.booleans()):
            lines.append(f"prior {b}.sigma ~ {draw(st.sampled_from(SCALE_PRIORS))}")
    separator = draw(st.sampled_from(["\n", "\n", "; "]))
    return separator.join(lines) + "\n", pd.DataFrame(data)


def mutations(text: str):
    """A strategy of damaged copies of `text`: tokens deleted, duplicated or swapped, random bytes inserted."""
    tokens = text.replace("(", " ( ").replace(")", " ) ").replace(",", " , ").split(" ")

    def delete(i):
        return " ".join(tokens[:i] + tokens[i + 1 :])

    def duplicate(i):
        return " ".join(tokens[:i] + [tokens[i]] + tokens[i:])

    def swap(i, j):
        copy = list(tokens)
        copy[i], copy[j] = copy[j], copy[i]
        return " ".join(copy)

    index = st.integers(0, max(0, len(tokens) - 1))
    junk = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=8)
    insert = st.tuples(st.integers(0, len(text)), junk).map(lambda p: text[: p[0]] + p[1] + text[p[0] :])
    cut = st.integers(0, len(text)).map(lambda i: text[:i])
    return st.one_of(
        index.map(delete), index.map(duplicate), st.tuples(index, index).map(lambda p: swap(*p)), insert, cut
    )
