"""The gallery's non-Gaussian hierarchical models three ways: hand-written PyMC in the book's parameterisation,
the dagspec spec (specs/gallery), and Bambi with the same priors where Bambi can express the model.

Each model maps the names all sides give its parameters, so the benchmark compares like with like: a name maps
to (hand-written name, dagspec name, Bambi name or None), and values are compared element by element in the
book's order (dagspec's levels sort the same way: actor 1..7, block 1..6, treatment 1..4, tank 1..48, dept A..F,
gender male/female and contact low/high as declared).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pymc as pm

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "specs" / "gallery" / "data"


@dataclass
class GLM:
    name: str  # the spec's stem in specs/gallery
    title: str
    hand_written: callable  # () -> pm.Model
    names: dict[str, tuple[str, str, str | None]]  # shared name -> (hand-written, dagspec, Bambi)
    bambi: callable | None = None  # () -> (bmb.Model, {bambi name: what it is}) or None when Bambi cannot express it
    why_not_bambi: str = ""
    hand_options: dict = field(default_factory=dict)


def _chimpanzees():
    d = pd.read_csv(DATA / "chimpanzees.csv")
    d["treatment"] = 1 + d.prosoc_left + 2 * d.condition
    return d


def _indicators(d: pd.DataFrame, column: str, prefix: str, levels) -> list[str]:
    names = []
    for level in levels:
        d[f"{prefix}{level}"] = (d[column] == level).astype(float)
        names.append(f"{prefix}{level}")
    return names


# ---------------------------------------------------------------- hand-written PyMC, as in the book


def m11_4():
    d = _chimpanzees()
    with pm.Model() as model:
        a = pm.Normal("a", 0, 1.5, shape=7)
        b = pm.Normal("b", 0, 0.5, shape=4)
        pm.Bernoulli(
            "pulled_left", logit_p=a[d.actor.values - 1] + b[d.treatment.values - 1], observed=d.pulled_left.values
        )
    return model


def m13_4():
    d = _chimpanzees()
    with pm.Model() as model:
        b = pm.Normal("b", 0, 0.5, shape=4)
        a_bar = pm.Normal("a_bar", 0, 1.5)
        sigma_a = pm.Exponential("sigma_a", 1)
        sigma_g = pm.Exponential("sigma_g", 1)
        a = pm.Normal("a", a_bar, sigma_a, shape=7)
        g = pm.Normal("g", 0, sigma_g, shape=6)
        logit_p = a[d.actor.values - 1] + g[d.block.values - 1] + b[d.treatment.values - 1]
        pm.Bernoulli("pulled_left", logit_p=logit_p, observed=d.pulled_left.values)
    return model


def m14_3():
    """Non-centred as the book writes it (compose_noncentered); LKJCholeskyCov with Exponential(1) sds is the
    book's sigma ~ dexp(1) and L_Rho ~ lkj_corr_cholesky(2)."""
    d = _chimpanzees()
    with pm.Model() as model:
        g = pm.Normal("g", 0, 1, shape=4)
        chol_actor, _, _ = pm.LKJCholeskyCov("chol_actor", n=4, eta=2, sd_dist=pm.Exponential.dist(1, shape=4))
        chol_block, _, _ = pm.LKJCholeskyCov("chol_block", n=4, eta=2, sd_dist=pm.Exponential.dist(1, shape=4))
        z_actor = pm.Normal("z_actor", 0, 1, shape=(4, 7))
        z_block = pm.Normal("z_block", 0, 1, shape=(4, 6))
        alpha = pm.Deterministic("alpha", (chol_actor @ z_actor).T)
        beta = pm.Deterministic("beta", (chol_block @ z_block).T)
        tid = d.treatment.values - 1
        logit_p = g[tid] + alpha[d.actor.values - 1, tid] + beta[d.block.values - 1, tid]
        pm.Bernoulli("pulled_left", logit_p=logit_p, observed=d.pulled_left.values)
    return model


def m13_2():
    d = pd.read_csv(DATA / "reedfrogs.csv")
    with pm.Model() as model:
        a_bar = pm.Normal("a_bar", 0, 1.5)
        sigma = pm.Exponential("sigma", 1)
        a = pm.Normal("a", a_bar, sigma, shape=len(d))
        pm.Binomial("surv", n=d.density.values, logit_p=a, observed=d.surv.values)
    return model


def _ucb():
    d = pd.read_csv(DATA / "UCBadmit.csv")
    d["gid"] = np.where(d["applicant.gender"] == "male", 0, 1)
    d["dept_id"] = d.dept.map({k: i for i, k in enumerate(sorted(d.dept.unique()))})
    return d


def m11_7():
    d = _ucb()
    with pm.Model() as model:
        a = pm.Normal("a", 0, 1.5, shape=2)
        pm.Binomial("admit", n=d.applications.values, logit_p=a[d.gid.values], observed=d.admit.values)
    return model


def m11_8():
    d = _ucb()
    with pm.Model() as model:
        a = pm.Normal("a", 0, 1.5, shape=2)
        delta = pm.Normal("delta", 0, 1.5, shape=6)
        pm.Binomial(
            "admit", n=d.applications.values, logit_p=a[d.gid.values] + delta[d.dept_id.values], observed=d.admit.values
        )
    return model


def _kline():
    d = pd.read_csv(DATA / "Kline.csv")
    log_pop = np.log(d.population.values)
    d["P"] = (log_pop - log_pop.mean()) / log_pop.std(ddof=1)
    d["cid"] = np.where(d.contact == "high", 1, 0)
    return d


def m11_10():
    d = _kline()
    with pm.Model() as model:
        a = pm.Normal("a", 3, 0.5, shape=2)
        b = pm.Normal("b", 0, 0.2, shape=2)
        cid = d.cid.values
        pm.Poisson("total_tools", mu=pm.math.exp(a[cid] + b[cid] * d.P.values), observed=d.total_tools.values)
    return model


# ---------------------------------------------------------------- Bambi, the same priors


def _bambi_m11_4():
    import bambi as bmb

    d = _chimpanzees()
    actors = _indicators(d, "actor", "a", range(1, 8))
    treatments = _indicators(d, "treatment", "t", range(1, 5))
    priors = {
        **{n: bmb.Prior("Normal", mu=0, sigma=1.5) for n in actors},
        **{n: bmb.Prior("Normal", mu=0, sigma=0.5) for n in treatments},
    }
    return bmb.Model(
        "pulled_left ~ 0 + " + " + ".join(actors + treatments),
        d,
        family="bernoulli",
        priors=priors,
        center_predictors=False,
    )


def _bambi_m13_4():
    import bambi as bmb

    d = _chimpanzees()
    treatments = _indicators(d, "treatment", "t", range(1, 5))
    d["actor"], d["block"] = d.actor.astype(str), d.block.astype(str)
    group = bmb.Prior("Normal", mu=0, sigma=bmb.Prior("Exponential", lam=1))
    priors = {
        "Intercept": bmb.Prior("Normal", mu=0, sigma=1.5),
        "1|actor": group,
        "1|block": group,
        **{n: bmb.Prior("Normal", mu=0, sigma=0.5) for n in treatments},
    }
    return bmb.Model(
        "pulled_left ~ 1 + " + " + ".join(treatments) + " + (1|actor) + (1|block)",
        d,
        family="bernoulli",
        priors=priors,
        center_predictors=False,
    )


def _bambi_m13_2():
    import bambi as bmb

    d = pd.read_csv(DATA / "reedfrogs.csv")
    d["tank"] = [str(i) for i in range(1, len(d) + 1)]
    priors = {
        "Intercept": bmb.Prior("Normal", mu=0, sigma=1.5),
        "1|tank": bmb.Prior("Normal", mu=0, sigma=bmb.Prior("Exponential", lam=1)),
    }
    return bmb.Model("p(surv, density) ~ 1 + (1|tank)", d, family="binomial", priors=priors)


def _bambi_ucb(with_department: bool):
    import bambi as bmb

    d = _ucb()
    genders = _indicators(d, "applicant.gender", "g_", ["male", "female"])
    departments = _indicators(d, "dept", "d_", sorted(d.dept.unique())) if with_department else []
    priors = {n: bmb.Prior("Normal", mu=0, sigma=1.5) for n in genders + departments}
    return bmb.Model(
        "p(admit, applications) ~ 0 + " + " + ".join(genders + departments),
        d,
        family="binomial",
        priors=priors,
        center_predictors=False,
    )


def _bambi_m11_10():
    import bambi as bmb

    d = _kline()
    d["low"], d["high"] = (d.cid == 0).astype(float), (d.cid == 1).astype(float)
    d["P_low"], d["P_high"] = d.low * d.P, d.high * d.P
    priors = {
        "low": bmb.Prior("Normal", mu=3, sigma=0.5),
        "high": bmb.Prior("Normal", mu=3, sigma=0.5),
        "P_low": bmb.Prior("Normal", mu=0, sigma=0.2),
        "P_high": bmb.Prior("Normal", mu=0, sigma=0.2),
    }
    return bmb.Model(
        "total_tools ~ 0 + low + high + P_low + P_high", d, family="poisson", priors=priors, center_predictors=False
    )


def _stack(*names):
    """A Bambi quantity assembled from several of its variables (one indicator coefficient each)."""
    return ("stack",) + names


MODELS = [  # the quick ones first
    GLM(
        "reedfrogs_m13_2",
        "m13.2 reedfrogs, varying intercepts (Binomial)",
        m13_2,
        {"a_bar": ("a_bar", "a_bar", "Intercept"), "sigma": ("sigma", "sigma", "1|tank_sigma")},
        _bambi_m13_2,
    ),
    GLM(
        "chimpanzees_m11_4",
        "m11.4 chimpanzees, actor + treatment (Bernoulli)",
        m11_4,
        {
            "a": ("a", "a", _stack(*(f"a{i}" for i in range(1, 8)))),
            "b": ("b", "b", _stack(*(f"t{i}" for i in range(1, 5)))),
        },
        _bambi_m11_4,
    ),
    GLM(
        "ucbadmit_m11_7",
        "m11.7 UCBadmit, gender (Binomial)",
        m11_7,
        {"a": ("a", "a", _stack("g_male", "g_female"))},
        lambda: _bambi_ucb(False),
    ),
    GLM(
        "ucbadmit_m11_8",
        "m11.8 UCBadmit, gender + department (Binomial)",
        m11_8,
        {
            "a": ("a", "a", _stack("g_male", "g_female")),
            "delta": ("delta", "delta", _stack(*(f"d_{k}" for k in "ABCDEF"))),
        },
        lambda: _bambi_ucb(True),
    ),
    GLM(
        "kline_m11_10",
        "m11.10 Kline, Poisson, contact x log population",
        m11_10,
        {"a": ("a", "a", _stack("low", "high")), "b": ("b", "b", _stack("P_low", "P_high"))},
        _bambi_m11_10,
    ),
    GLM(
        "chimpanzees_m13_4",
        "m13.4 chimpanzees, actor and block pools (Bernoulli)",
        m13_4,
        {
            "b": ("b", "b", _stack(*(f"t{i}" for i in range(1, 5)))),
            "a_bar": ("a_bar", "a_bar", "Intercept"),
            "sigma_a": ("sigma_a", "sigma_a", "1|actor_sigma"),
            "sigma_g": ("sigma_g", "sigma_g", "1|block_sigma"),
        },
        _bambi_m13_4,
    ),
    GLM(
        "chimpanzees_m14_3",
        "m14.3 chimpanzees, LKJ-correlated treatment effects by actor and block",
        m14_3,
        {
            "g": ("g", "g", None),
            "alpha": ("alpha", "alpha", None),
            "beta": ("beta", "beta", None),
            "sd_actor": ("chol_actor_stds", "chol_actor_stds", None),
            "sd_block": ("chol_block_stds", "chol_block_stds", None),
        },
        why_not_bambi="Bambi fits no correlation between group effects",
    ),
]
BY_NAME = {m.name: m for m in MODELS}


def draws_of(idata, name) -> np.ndarray:
    """(chain, draw, k) draws of a parameter, or of a Bambi quantity stacked from several variables."""
    if isinstance(name, tuple) and name[0] == "stack":
        return np.stack([draws_of(idata, n)[..., 0] for n in name[1:]], axis=-1)
    values = idata.posterior[name].values
    return values.reshape(values.shape[:2] + (-1,))
