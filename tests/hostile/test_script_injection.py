"""Issue 13: a generated script never executes anything but model code, whatever the names in the spec.

The spec's file name went raw into the script's docstring (a spec file named with three double quotes, a Python
statement and three double quotes ran that statement: HOSTILE[0]), and `Spec.from_json` accepted any string as a name, which codegen emitted as an identifier. Here
hostile text goes everywhere a user string reaches a script (spec file name, data file name, column name, level
name, a JSON IR's name) and every adversarial identifier of generated_scripts.py is used; the scripts run in a
subprocess (one as __main__, sampling), and the test checks that no file appeared where they ran.
"""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from generated_scripts import CHUNKS, adversarial_data, adversarial_spec

import dagspec

DRIVER = Path(__file__).with_name("script_driver.py")

# Each tries to create a file named PWNED<digit> where it runs, if it ever runs.
HOSTILE = [
    'evil""";__import__("os").system("touch PWNED1");"""x',  # the file name
    "evil''';__import__('os').system('touch PWNED2');'''x",
    'back\\"""; open("PWNED3", "w") #',
    "x'); open('PWNED4', 'w'); ('",
    'x"); open("PWNED5", "w"); ("',
    '{__import__("os").system("touch PWNED6")}',
    "\\N{BULLET}\\x41\\u0041\\",
    "ü — 𝔘nicode ✓ \x1b[31m\ttab\x0b\x0c",
]
# File names may also hold line breaks (strings in a spec may not).
HOSTILE_FILE_NAMES = HOSTILE + ['line\n"""\nimport os; os.system("touch PWNED7")\n"""']


def quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def spec_text(data_file: str | None, column: str, level: str) -> str:
    source = f" from {quoted(data_file)}" if data_file else ""
    return (
        f'node g : categorical(levels = [{quoted(level)}, "plain"])\nnode y ~ Normal\ng, x -> y\n'
        f"observed g, x = {quoted(column)}, y{source}\n"
    )


def frame(column: str, level: str) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"g": [level, "plain"] * 10, column: rng.normal(size=20), "y": rng.normal(size=20)})


def hostile_jobs(root: Path) -> tuple[list[dict], dict]:
    """Scripts whose spec file name, data file name, column and level are each hostile text."""
    jobs, expected = [], {}
    for number, spec_name in enumerate(HOSTILE_FILE_NAMES):
        text = HOSTILE[number % len(HOSTILE)]
        folder = root / f"case{number}"
        folder.mkdir()
        data_file = f"{text}.csv"
        frame(text, text).to_csv(folder / data_file, index=False)
        (folder / f"{spec_name}.dag").write_text(spec_text(data_file, text, text), encoding="utf-8")
        spec = dagspec.load(folder / f"{spec_name}.dag")
        jobs.append(_job(spec, folder, main=number == 0))
        expected[jobs[-1]["script"]] = sorted(v.name for v in spec.build(optimize=False).free_RVs)
    return jobs, expected


def _job(spec, folder: Path, argv=(), main=False, data=None) -> dict:
    script = folder / "model.py"
    script.write_text(spec.to_source(data=data, output=script), encoding="utf-8")
    run = folder / "run"
    run.mkdir()
    return {"script": str(script), "cwd": str(run), "argv": list(argv), "main": main}


def run_jobs(jobs: list[dict], root: Path) -> dict:
    (root / "jobs.json").write_text(json.dumps(jobs))
    result = subprocess.run(
        [sys.executable, str(DRIVER), str(root / "jobs.json")], capture_output=True, text=True, timeout=1800
    )
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("BUILT "))
    return json.loads(line[len("BUILT ") :])


def assert_nothing_ran(root: Path, jobs: list[dict]) -> None:
    assert not [p for p in root.rglob("PWNED*") if p.name[len("PWNED") :].isdigit()]
    for job in jobs:
        assert not list(Path(job["cwd"]).iterdir()), f"{job['script']} left files where it ran"


def test_hostile_names_and_text_run_nothing_but_the_model(tmp_path):
    jobs, expected = hostile_jobs(tmp_path)
    # a JSON IR may name its spec anything (no file has this name), and then reads the data given on the command line
    document = json.loads(dagspec.parse(spec_text(None, HOSTILE[0], HOSTILE[1])).to_json())
    document["name"] = 'x\x00"""\nopen("PWNED8", "w")\n"""'
    spec = dagspec.Spec.from_json(document)
    folder = tmp_path / "from_json"
    folder.mkdir()
    data = frame(HOSTILE[0], HOSTILE[1])
    data.to_csv(folder / "data.csv", index=False)
    jobs.append(_job(spec, folder, argv=[str(folder / "data.csv")], data=data))
    expected[jobs[-1]["script"]] = sorted(v.name for v in spec.build(data, optimize=False).free_RVs)

    assert run_jobs(jobs, tmp_path) == expected
    assert_nothing_ran(tmp_path, jobs)


def test_scripts_of_every_adversarial_identifier_run_nothing_but_the_model(tmp_path):
    jobs = []
    for number, names in enumerate(CHUNKS):
        folder = tmp_path / f"chunk{number}"
        folder.mkdir()
        adversarial_data().to_csv(folder / "data.csv", index=False)
        (folder / "spec.dag").write_text(adversarial_spec(names))
        jobs.append(_job(dagspec.load(folder / "spec.dag"), folder))
    built = run_jobs(jobs, tmp_path)
    for job, names in zip(jobs, CHUNKS):
        assert set(names) <= set(built[job["script"]])
    assert_nothing_ran(tmp_path, jobs)


EVIL_NAMES = [
    'x; __import__("os").system("touch PWNED")',
    "a=open('PWNED','w')",
    "x\n",
    "exec()",
    "1x",
    "a b",
    "__import__",
    "b__z",
    "",
    "ü",
    "x#",
    "x)",
]


@pytest.mark.parametrize("name", EVIL_NAMES)
@pytest.mark.parametrize("place", ["node", "alias", "reference", "function", "keyword"])
def test_json_ir_with_a_name_the_parser_would_refuse_is_rejected(name, place):
    document = json.loads(dagspec.parse("a ~ Normal(0, 1)\nb ~ Normal(a, sigma = 1) as c").to_json())
    _, random_variable = document["statements"]
    if place == "node":
        random_variable["name"]["id"] = name
    elif place == "alias":
        random_variable["alias"]["id"] = name
    elif place == "reference":
        random_variable["dist"]["args"][0]["name"] = name
    elif place == "function":
        random_variable["dist"]["func"] = name
    else:
        random_variable["dist"]["kwargs"][0]["name"] = name
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.Spec.from_json(document)
    assert info.value.codes == ["DS108"]


@pytest.mark.parametrize("field, value", [("value", "a\nb"), ("value", "a\rb")])
def test_json_ir_with_a_string_no_spec_can_hold_is_rejected(field, value):
    document = json.loads(dagspec.parse('x -> y\nobserved x, y from "data.csv"').to_json())
    document["statements"][1]["source"][field] = value
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.Spec.from_json(document)
    assert info.value.codes == ["DS108"]


def test_json_ir_whose_number_text_and_value_differ_is_rejected():
    document = json.loads(dagspec.parse("a ~ Normal(0, 1)").to_json())
    document["statements"][0]["dist"]["args"][1]["value"] = 1e6
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.Spec.from_json(document)
    assert info.value.codes == ["DS108"]
