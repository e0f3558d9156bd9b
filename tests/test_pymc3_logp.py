"""The PyMC3 target for the constructs beyond the tutorial: each generated PyMC3 3.11 script (an ordered outcome,
imputed missing values, lags, random-walk and AR(1) pools, a matrix predictor, measurement error, a multinomial
outcome) builds the model spec.build() builds: equal log density at a point, under Python 3.9. One PyMC3 process
evaluates them all with Theano's Python implementations of its ops (`cxx=`): one evaluation per model does not need
C, and a cold Theano cache costs minutes of C compilation. The deterministics at the point agree as well.
Needs the environment `make pymc3-env` builds."""

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_matrices import NAMED, X3, Y3
from test_missing import DATA as MISSING_DATA
from test_missing import PATH
from test_multinomial import DATA as MULTINOMIAL_DATA
from test_multinomial import TOTALS_SPEC as MULTINOMIAL
from test_observation import WAFFLE_M15_2
from test_ordered import DATA as ORDERED_DATA
from test_ordered import SPEC as ORDERED
from test_timeseries import AR1, AR2, PANEL, WALK

import dagspec

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv-pymc3" / "bin" / "python"
# name → (spec, the data spec.build() takes, the data file the script is run on; None: the spec's own files)
CASES = {
    "ordered": (ORDERED, ORDERED_DATA, ORDERED_DATA),
    "imputed": (PATH, MISSING_DATA, MISSING_DATA),
    "lags": (AR2, PANEL, PANEL),
    "random walk": (WALK, PANEL, PANEL),
    "AR(1) pool": (AR1, PANEL, PANEL),
    "matrix": (NAMED, {"X": X3[:6], "y": Y3[:6]}, pd.DataFrame({"y": Y3[:6]})),
    "measurement error (m15.2)": (WAFFLE_M15_2, None, None),
    "multinomial": (MULTINOMIAL, MULTINOMIAL_DATA, MULTINOMIAL_DATA),
}

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not PYTHON.exists(), reason="run `make pymc3-env` first")]


def pymc3_at_points(jobs, rel=1e-8):
    """Run the driver's `logp` mode on [(script, arguments, model)]: each PyMC3 script and the PyMC 5 model it should
    build have the same free variables and, at a point off the initial one, the same log density and deterministics
    (PyMC3 also counts its transformed variables among the deterministics; PyMC 5 checks them through the density).
    `rel`: the relative tolerance of the log density."""
    requests, expected = [], {}
    for script, arguments, model in jobs:
        point = {k: v + 0.3 for k, v in model.initial_point().items()}
        derived = model.compile_fn(
            model.replace_rvs_by_values(model.deterministics),
            inputs=model.value_vars,
            on_unused_input="ignore",
            point_fn=True,
        )(point)
        expected[str(script)] = (
            sorted(point),
            float(model.compile_logp()(point)),
            dict(zip([d.name for d in model.deterministics], derived)),
        )
        requests.append([str(script), arguments, {k: np.asarray(v).tolist() for k, v in point.items()}])
    # Theano's Python implementations of its ops (cxx=): one evaluation per model needs no C compile
    environment = dict(os.environ, THEANO_FLAGS=f"compiledir={ROOT / '.cache' / 'theano'},cxx=")
    run = subprocess.run(
        [str(PYTHON), str(ROOT / "tests" / "pymc3_driver.py"), "logp", json.dumps(requests)],
        capture_output=True,
        text=True,
        env=environment,
        timeout=1800,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    results = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    assert len(results) == len(jobs)
    for result in results:
        names, logp, derived = expected[result["script"]]
        assert result["names"] == names, result["script"]
        assert result["logp"] == pytest.approx(logp, rel=rel), result["script"]
        assert set(derived) <= set(result["derived"]), result["script"]
        for name, value in derived.items():
            np.testing.assert_allclose(result["derived"][name], value, rtol=1e-6, err_msg=f"{result['script']} {name}")


def test_generated_pymc3_scripts_build_the_same_models(tmp_path):
    jobs = []
    for number, (text, data, data_file) in enumerate(CASES.values()):
        spec = dagspec.parse(text)
        script = tmp_path / f"case_{number}.py"
        script.write_text(spec.to_source("pymc3", data=data, output=script))
        arguments = []
        if data_file is not None:
            data_file.to_csv(tmp_path / f"case_{number}.csv", index=False)
            arguments.append(str(tmp_path / f"case_{number}.csv"))
        jobs.append((script, arguments, spec.build(data, optimize=False)))
    pymc3_at_points(jobs)
