"""The PyMC3 target for the constructs beyond the tutorial: each generated PyMC3 3.11 script (an ordered outcome,
imputed missing values, lags, random-walk and AR(1) pools, a matrix predictor, measurement error, a multinomial
outcome) builds the model spec.build() builds: equal log density at a point, under Python 3.9. One PyMC3 process
evaluates them all with Theano's Python implementations of its ops (`cxx=`): one evaluation per model does not need
C, and a cold Theano cache costs minutes of C compilation.
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

DRIVER = """
import json, runpy, sys, warnings
import numpy as np
warnings.filterwarnings("ignore")
for script, arguments, point in json.loads(sys.argv[1]):
    sys.argv = [script, *arguments]
    model = runpy.run_path(script, run_name="generated")["model"]
    point = {k: np.asarray(v) for k, v in point.items()}
    print(json.dumps({"script": script, "names": sorted(model.test_point), "logp": float(model.logp(point))}))
"""


def test_generated_pymc3_scripts_build_the_same_models(tmp_path):
    jobs, expected = [], {}
    for number, (text, data, data_file) in enumerate(CASES.values()):
        spec = dagspec.parse(text)
        script = tmp_path / f"case_{number}.py"
        script.write_text(spec.to_source("pymc3", data=data, output=script))
        arguments = []
        if data_file is not None:
            data_file.to_csv(tmp_path / f"case_{number}.csv", index=False)
            arguments.append(str(tmp_path / f"case_{number}.csv"))
        model = spec.build(data, optimize=False)
        point = {k: v + 0.3 for k, v in model.initial_point().items()}
        expected[str(script)] = (sorted(point), float(model.compile_logp()(point)))
        jobs.append([str(script), arguments, {k: np.asarray(v).tolist() for k, v in point.items()}])
    environment = dict(os.environ, THEANO_FLAGS=f"compiledir={ROOT / '.cache' / 'theano'},cxx=")
    run = subprocess.run(
        [str(PYTHON), "-c", DRIVER, json.dumps(jobs)], capture_output=True, text=True, env=environment, timeout=1800
    )
    assert run.returncode == 0, run.stderr[-3000:]
    results = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    assert len(results) == len(CASES)
    for result in results:
        names, logp = expected[result["script"]]
        assert result["names"] == names, result["script"]
        assert result["logp"] == pytest.approx(logp, rel=1e-8), result["script"]
