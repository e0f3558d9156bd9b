

PYMC3 = Path(__file__).resolve().parents[1] / ".venv-pymc3" / "bin" / "python"


@pytest.mark.slow
@pytest.mark.skipif(not PYMC3.exists(), reason="run `make pymc3-env` first")
def test_the_pymc3_script_of_m15_2_has_the_same_log_density(tmp_path):
    import json
    import os
    import subprocess

    spec = dagspec.parse(WAFFLE_M15_2)
    model = spec.build(optimize=False)
    point = {k: v + 0.1 for k, v in model.initial_point().items()}
    script = tmp_path / "model.py"
    script.write_text(spec.to_source("pymc3", output=script))
    (tmp_path / "point.json").write_text(json.dumps({k: np.asarray(v).tolist() for k, v in point.items()}))
    check = "import json, runpy, numpy as np; m = runpy.run_path('model.py', run_name='x')['model']; "
    check += "print(m.logp({k: np.asarray(v) for k, v in json.load(open('point.json')).items()}))"
    environment = dict(os.environ, THEANO_FLAGS=f"compiledir={tmp_path / 'theano'}")
    out = subprocess.run(
        [str(PYMC3), "-c", check], cwd=tmp_path, capture_output=True, text=True, env=environment, timeout=900
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert float(out.stdout.strip().splitlines()[-1]) == pytest.approx(model.compile_logp()(point), rel=1e-9)
