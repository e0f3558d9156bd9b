"""The PyMC3 target: every tutorial spec's generated PyMC3 script samples under PyMC3 3.11 (Python 3.9) and
agrees with the PyMC 5 posterior within Monte Carlo error. Needs the environment `make pymc3-env` builds."""

import json
import os
import subprocess
from pathlib import Path

import arviz as az
import numpy as np
import pytest

import dagspec
from dagspec.render.summary import user_variables

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv-pymc3" / "bin" / "python"
SPECS = sorted((ROOT / "specs" / "tutorial").glob("*.dag"))
DRAWS = 200

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not PYTHON.exists(), reason="run `make pymc3-env` first")]


def test_generated_pymc3_scripts_match_pymc5(tmp_path):
    scripts = []
    for path in SPECS:
        script = path.parent / f".pymc3_{path.stem}.py"  # beside the spec: its data paths are relative
        # the optimized script (QR, cells, pools written out): the literal fork and pipe models mix too slowly
        # for a short run to estimate their Monte Carlo error well
        script.write_text(dagspec.load(path).to_source("pymc3", optimize=True, output=script))
        scripts.append(script)
    environment = dict(os.environ, THEANO_FLAGS=f"compiledir={ROOT / '.cache' / 'theano'}")
    try:
        pymc3 = subprocess.Popen(
            [str(PYTHON), str(ROOT / "tests" / "pymc3_driver.py"), str(DRAWS)] + [str(s) for s in scripts],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment,
        )
        ours = {}
        for path in SPECS:  # PyMC 5 meanwhile, on the other core
            idata = dagspec.sample(path, draws=DRAWS, tune=DRAWS, chains=2, cores=1, random_seed=7)
            names = user_variables(idata, dagspec.load(path))  # parameters and derived quantities (lets)
            ours[path.stem] = az.summary(idata, var_names=names, round_to="none")
        out, err = pymc3.communicate(timeout=1800)
        assert pymc3.returncode == 0, err[-3000:]
    finally:
        for script in scripts:
            script.unlink(missing_ok=True)
    results = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert len(results) == len(SPECS)
    for result in results:
        name = Path(result["script"]).stem.removeprefix(".pymc3_")
        summary = ours[name]
        for parameter in summary.index:
            if parameter not in result["mean"]:
                continue
            gap = abs(summary.loc[parameter, "mean"] - result["mean"][parameter])
            error = np.hypot(summary.loc[parameter, "mcse_mean"], result["mcse"][parameter])
            # 5 MCSE, and a floor for parameters sampled very precisely (posterior sd under 1e-3)
            assert gap <= 5 * error + 1e-3 * max(1.0, summary.loc[parameter, "sd"]), (name, parameter, gap, error)
