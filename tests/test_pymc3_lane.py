"""The PyMC3 target: every tutorial spec's generated (optimized) PyMC3 script builds the model PyMC 5 builds under
PyMC3 3.11 (Python 3.9): the same free variables, log density and deterministics at a point. Sampling three of
them under PyMC3 agrees with the PyMC 5 posterior within Monte Carlo error: the C compile of a cold Theano cache
costs about half a minute a script, so the others are checked at a point only. Needs the environment
`make pymc3-env` builds."""

import json
import os
import subprocess
from pathlib import Path

import arviz as az
import numpy as np
import pytest
from test_pymc3_logp import PYTHON, pymc3_at_points

import dagspec
from dagspec.optimize import for_scripts
from dagspec.render.summary import user_variables

ROOT = Path(__file__).resolve().parent.parent
SPECS = sorted((ROOT / "specs" / "tutorial").glob("*.dag"))
# two regressions on one outcome's QR coordinates, a partially pooled categorical, Beta cells with counts
SAMPLED = ["path_analysis", "pooled_categorical", "binary_heterogenous"]
DRAWS = 200

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not PYTHON.exists(), reason="run `make pymc3-env` first")]


@pytest.fixture(scope="module")
def scripts():
    """The optimized script of each tutorial spec (QR, cells, pools written out), beside the spec: its data paths
    are relative."""
    written = {}
    for path in SPECS:
        written[path.stem] = path.parent / f".pymc3_{path.stem}.py"
        written[path.stem].write_text(dagspec.load(path).to_source("pymc3", optimize=True, output=written[path.stem]))
    yield written
    for script in written.values():
        script.unlink(missing_ok=True)


def test_generated_pymc3_scripts_build_the_pymc5_models(scripts):
    # rel 1e-6: Theano takes the log-gamma of small integers (a Binomial's count) in float32
    pymc3_at_points([(scripts[p.stem], [], dagspec.load(p).build(optimize=for_scripts(True))) for p in SPECS], rel=1e-6)


def test_generated_pymc3_scripts_sample_like_pymc5(scripts):
    environment = dict(os.environ, THEANO_FLAGS=f"compiledir={ROOT / '.cache' / 'theano'}")
    pymc3 = subprocess.Popen(
        [str(PYTHON), str(ROOT / "tests" / "pymc3_driver.py"), "sample", str(DRAWS)]
        + [str(scripts[name]) for name in SAMPLED],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )
    ours = {}
    for name in SAMPLED:  # PyMC 5 meanwhile, on the other core
        spec = dagspec.load(ROOT / "specs" / "tutorial" / f"{name}.dag")
        idata = dagspec.sample(spec, draws=DRAWS, tune=DRAWS, chains=2, cores=1, random_seed=7)
        names = user_variables(idata, spec)  # parameters and derived quantities (lets)
        ours[name] = az.summary(idata, var_names=names, round_to="none")
    out, err = pymc3.communicate(timeout=1800)
    assert pymc3.returncode == 0, err[-3000:]
    results = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert len(results) == len(SAMPLED)
    for result in results:
        name = Path(result["script"]).stem.removeprefix(".pymc3_")
        summary = ours[name]
        assert set(summary.index) & set(result["mean"]), name
        for parameter in set(summary.index) & set(result["mean"]):
            gap = abs(summary.loc[parameter, "mean"] - result["mean"][parameter])
            error = np.hypot(summary.loc[parameter, "mcse_mean"], result["mcse"][parameter])
            # 5 MCSE, and a floor for parameters sampled very precisely (posterior sd under 1e-3)
            assert gap <= 5 * error + 1e-3 * max(1.0, summary.loc[parameter, "sd"]), (name, parameter, gap, error)
