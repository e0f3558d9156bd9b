"""Run in the PyMC3 3.11 environment: generated scripts → JSON lines on stdout, one a script.

Usage: python pymc3_driver.py sample DRAWS SCRIPT...  (posterior means, MCSEs and sds of 2 chains of NUTS)
       python pymc3_driver.py logp JOBS             (JOBS: JSON [[script, arguments, point], ...]; the names of the
                                                     free variables, the log density and the deterministics at point)
Each SCRIPT defines `model`; its data path is relative to it or given in its arguments.
"""

import json
import runpy
import sys
import warnings

warnings.filterwarnings("ignore")

import arviz as az  # noqa: E402
import numpy as np  # noqa: E402
import pymc3 as pm  # noqa: E402


def load(script, arguments=()):
    sys.argv = [script, *arguments]
    return runpy.run_path(script, run_name="generated")["model"]


def sample(draws, scripts):
    for script in scripts:
        with load(script):
            idata = pm.sample(
                draws, tune=draws, chains=2, cores=1, random_seed=7, progressbar=False, return_inferencedata=True
            )
        names = [n for n in idata.posterior.data_vars if "__" not in n]
        summary = az.summary(idata, var_names=names, round_to="none")
        print(
            json.dumps(
                {
                    "script": script,
                    "mean": summary["mean"].to_dict(),
                    "mcse": summary["mcse_mean"].to_dict(),
                    "sd": summary["sd"].to_dict(),
                }
            ),
            flush=True,
        )


def logp(jobs):
    for script, arguments, point in jobs:
        model = load(script, arguments)
        point = {k: np.asarray(v) for k, v in point.items()}
        derived = model.fastfn(model.deterministics)(point)  # PyMC3 counts transformed variables among them
        print(
            json.dumps(
                {
                    "script": script,
                    "names": sorted(model.test_point),
                    "logp": float(model.logp(point)),
                    "derived": {d.name: np.asarray(v).tolist() for d, v in zip(model.deterministics, derived)},
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    if sys.argv[1] == "sample":
        sample(int(sys.argv[2]), sys.argv[3:])
    else:
        logp(json.loads(sys.argv[2]))
