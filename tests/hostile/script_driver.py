"""Runs generated scripts in this (sub)process: `python script_driver.py JOBS.json`.

Each job is {"script", "cwd", "argv", "main"}: the script runs with that working directory and sys.argv, as
__main__ (sampling, made tiny) or as a module (building its model only). Prints one JSON line: each script's free
variable names.
"""

import json
import os
import runpy
import sys

import pymc as pm

_sample = pm.sample


def _tiny_sample(*args, **kwargs):
    return _sample(
        draws=5, tune=5, chains=1, cores=1, progressbar=False, compute_convergence_checks=False, random_seed=1
    )


pm.sample = _tiny_sample
jobs = json.loads(open(sys.argv[1], encoding="utf-8").read())
built = {}
for job in jobs:
    os.chdir(job["cwd"])
    sys.argv = [job["script"], *job["argv"]]
    namespace = runpy.run_path(job["script"], run_name="__main__" if job["main"] else "generated")
    built[job["script"]] = sorted(v.name for v in namespace["model"].free_RVs)
print("BUILT " + json.dumps(built))
