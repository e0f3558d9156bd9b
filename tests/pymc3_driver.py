"""Run in the PyMC3 3.11 environment: generated scripts → posterior means and MCSEs as JSON lines on stdout.

Usage: python pymc3_driver.py DRAWS SCRIPT... (each SCRIPT defines `model`; its data path is relative to it)
"""

import json
import runpy
import sys
import warnings

warnings.filterwarnings("ignore")

import arviz as az  # noqa: E402
import pymc3 as pm  # noqa: E402


def main():
    draws = int(sys.argv[1])
    for script in sys.argv[2:]:
        sys.argv = [script]
        model = runpy.run_path(script, run_name="generated")["model"]
        with model:
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


if __name__ == "__main__":
    main()
