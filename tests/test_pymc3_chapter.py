"""The PyMC3 target for the tutorial's next chapter: generated PyMC3 3.11 scripts of an ordered outcome, of
imputed missing values, of lags, of random-walk and AR(1) pools and of a multinomial outcome build the model spec.build() builds (equal log density at a point, under Python 3.9).
Needs the environment `make pymc3-env` builds."""

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from test_missing import DATA as MISSING_DATA
from test_missing import PATH
from test_multinomial import DATA as MULTINOMIAL_DATA
from test_multinomial import TOTALS_SPEC as MULTINOMIAL
from test_ordered import DATA as ORDERED_DATA
from test_ordered import SPEC as ORDERED
from test_timeseries import AR1, AR2, PANEL, WALK

import dagspec

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv-pymc3" / "bin" / "python"
CASES = {
    "ordered": (ORDERED, ORDERED_DATA),
    "imputed": (PATH, MISSING_DATA),
    "lags": (AR2, PANEL),
    "random walk": (WALK, PANEL),
    "AR(1) pool": (AR1, PANEL),
    "multinomial": (MULTINOMIAL, MULTINOMIAL_DATA),
}

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not PYTHON.exists(), reason="run `make pymc3-env` first")]

DRIVER = """
import json, runpy, sys, warnings
import numpy as np
warnings.filterwarnings("ignore")
for script, data, point in json.loads(sys.argv[1]):
    sys.argv = [script, data]
    model = runpy.run_path(script, run_name="generated")["model"]
    point = {k: np.asarray(v) for k, v in point.items()}
    print(json.dumps({"script": script, "names": sorted(model.test_point), "logp": float(model.logp(point))}))
"""


def test_generated_pymc3_scripts_build_the_same_models(tmp_path):
    jobs, expected = [], {}
    for name, (text, data) in CASES.items():
        spec = dagspec.parse(text)
        script, data_file = tmp_path / f"{name}.py", tmp_path / f"{name}.csv"
        data.to_csv(data_file, index=False)
        script.write_text(spec.to_source("pymc3", data=data, output=script))
        model = spec.build(data, optimize=False)
        point = {k: v + 0.3 for k, v in model.initial_point().items()}
        expected[str(script)] = (sorted(point), float(model.compile_logp()(point)))
        jobs.append([str(script), str(data_file), {k: np.asarray(v).tolist() for k, v in point.items()}])
    environment = dict(os.environ, THEANO_FLAGS=f"compiledir={ROOT / '.cache' / 'theano'}")
    run = subprocess.run(
        [str(PYTHON), "-c", DRIVER, json.dumps(jobs)], capture_output=True, text=True, env=environment, timeout=1800
    )
    assert run.returncode == 0, run.stderr[-3000:]
    results = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    assert len(results) == len(CASES)
    for result in results:
        names, logp = expected[result["script"]]
        assert result["names"] == names
        assert result["logp"] == pytest.approx(logp, rel=1e-8)
