"""`test-dag`: the classical tests against independent formulas, and the DAGs of the gallery on a real cluster."""

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import dagspec
from dagspec.cli import main
from dagspec.validate.localtests import Implication, classical, table

GALLERY = Path(__file__).resolve().parents[2] / "specs" / "gallery"


class Column:
    def __init__(self, values, levels=None):
        self.values, self.levels = np.asarray(values), levels


def test_partial_correlation_and_fisher_z_as_dagitty():
    rng = np.random.default_rng(0)
    z = rng.normal(size=200)
    x, y = z + rng.normal(size=200), 0.3 * z + 0.2 * rng.normal(size=200) + 0.1 * rng.normal(size=200)
    columns = {"x": Column(x), "y": Column(y), "z": Column(z)}
    test, r, low, high, p = classical(columns, Implication("x", "y", ("z",)))
    rxy, rxz, ryz = np.corrcoef([x, y, z])[[0, 0, 1], [1, 2, 2]]
    expected = (rxy - rxz * ryz) / np.sqrt((1 - rxz**2) * (1 - ryz**2))  # the textbook formula
    assert test == "cis" and r == pytest.approx(expected)
    zscore = np.arctanh(expected) * np.sqrt(200 - 1 - 3)
    assert p == pytest.approx(2 * stats.norm.sf(abs(zscore)))
    assert low < r < high and np.tanh(np.arctanh(r) + 1.959964 / np.sqrt(196)) == pytest.approx(high)


def test_pillai_with_a_categorical_node_matches_the_f_test_of_nested_regressions():
    rng = np.random.default_rng(1)
    g = rng.integers(0, 3, size=120)
    z = rng.normal(size=120)
    y = z + 0.4 * (g == 2) + rng.normal(size=120)
    columns = {"g": Column(g, levels=["a", "b", "c"]), "y": Column(y), "z": Column(z)}
    test, trace, _, _, p = classical(columns, Implication("g", "y", ("z",)))
    # with one response column, Pillai's F test is the F test of y ~ z + g against y ~ z
    small = np.column_stack([np.ones(120), z])
    large = np.column_stack([small, g == 1, g == 2])
    rss = [np.sum((y - m @ np.linalg.lstsq(m, y, rcond=None)[0]) ** 2) for m in (small, large)]
    f = (rss[0] - rss[1]) / 2 / (rss[1] / (120 - 4))
    assert test == "cis.pillai" and p == pytest.approx(stats.f.sf(f, 2, 116))
    assert trace == pytest.approx(1 - rss[1] / rss[0])


def test_the_waffle_dags_one_consistent_one_rejected(client):
    consistent = dagspec.local_tests(GALLERY / "waffle_dag_ch6.dag", client=client, draws=300)
    assert [r.implication.statement for r in consistent] == ["A _||_ W | S", "M _||_ W | S", "S _||_ D | A, M, W"]
    assert not any(r.contradicted(0.05) for r in consistent)
    assert all(not r.bayes["excludes_zero"] for r in consistent)
    [pipe] = dagspec.local_tests(GALLERY / "waffle_dag_pipe.dag", client=client, draws=300)
    assert pipe.contradicted(0.05) and pipe.p < 0.001 and pipe.bayes["excludes_zero"] and pipe.bayes["high"] < 0
    assert pipe.implicates == "a missing edge A -> D, or a common cause of A and D"  # D -> A would be a cycle
    assert table([pipe]).loc["A _||_ D | M", "verdict"] == "contradicted"


def test_the_command_line_flags_the_contradiction(client, capsys):
    assert (
        main(
            [
                "test-dag",
                str(GALLERY / "waffle_dag_pipe.dag"),
                "--draws",
                "200",
                "--quiet",
                "--scheduler",
                client.scheduler.address,
            ]
        )
        == 1
    )
    captured = capsys.readouterr()
    assert "contradicted" in captured.out and "DS330" in captured.err and "A -> D" in captured.err
    assert main(["test-dag", str(GALLERY / "waffle_dag_ch5.dag"), "--no-bayes"]) == 0
    assert "D _||_ M | A" in capsys.readouterr().out


def test_a_complete_graph_has_nothing_to_test_and_too_few_rows_are_refused():
    from dagspec.diagnostics import DagspecError
    from dagspec.validate.localtests import findings

    complete = dagspec.parse("a -> b\nb -> c\na -> c\nobserved a, b, c")
    data = {"a": [1.0, 2.0, 3.0, 4.0], "b": [2.0, 1.0, 4.0, 3.0], "c": [0.0, 1.0, 0.0, 2.0]}
    results = dagspec.local_tests(complete, data, bayes=False)
    assert results == [] and [f.code for f in findings(results, 0.05)] == ["DS331"]
    with pytest.raises(DagspecError) as caught:  # a -> b -> c: a _||_ c | b on 4 rows leaves no degree of freedom
        dagspec.local_tests(dagspec.parse("a -> b\nb -> c\nobserved a, b, c"), data, bayes=False)
    assert caught.value.codes == ["DS332"]
