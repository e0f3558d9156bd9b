"""Column transforms and row filters in `observed`: values as R computes them, statistics frozen for prediction."""

import json

import numpy as np
import pandas as pd
import pytest

import dagspec
from dagspec.data import resolve_columns
from dagspec.transforms import Statistics

WAFFLE = pd.DataFrame(
    {
        "Loc": ["AL", "AK", "DC", "AZ", "AR"],
        "Age": [25.3, 25.2, 29.7, 25.8, 24.3],
        "Divorce": [12.7, 12.5, 1.6, 10.8, 13.5],
        "Pop": [4.78, 0.71, 0.6, 6.33, 2.92],
    }
)


def columns(text, data=WAFFLE):
    return dagspec.parse(text).columns(data)


def test_standardize_uses_the_sample_sd_with_n_minus_1():
    got = columns("A -> D\nobserved A = standardize(Age), D = Divorce")
    expected = (WAFFLE.Age - WAFFLE.Age.mean()) / WAFFLE.Age.std(ddof=1)
    np.testing.assert_allclose(got["A"].values, expected)
    assert got.statistics == {
        "A: mean(Age)": pytest.approx(WAFFLE.Age.mean()),
        "A: sd(Age)": pytest.approx(WAFFLE.Age.std(ddof=1)),
    }


def test_center_log_arithmetic_and_aggregates():
    got = columns("A, P -> D\nobserved A = center(Age), P = log(Pop) / max(log(Pop)), D = Divorce / 10")
    np.testing.assert_allclose(got["A"].values, WAFFLE.Age - WAFFLE.Age.mean())
    np.testing.assert_allclose(got["P"].values, np.log(WAFFLE.Pop) / np.log(WAFFLE.Pop).max())
    np.testing.assert_allclose(got["D"].values, WAFFLE.Divorce / 10)


def test_where_filters_rows_before_the_statistics_are_computed():
    got = columns('A -> D\nobserved A = standardize(Age), D = Divorce where Loc != "DC" and Age < 29')
    kept = WAFFLE[WAFFLE.Loc != "DC"]
    np.testing.assert_allclose(got["D"].values, kept.Divorce)
    np.testing.assert_allclose(got["A"].values, (kept.Age - kept.Age.mean()) / kept.Age.std(ddof=1))


def test_where_complete_drops_rows_missing_a_column_the_statement_reads():
    data = WAFFLE.assign(N=[1.0, np.nan, 3.0, 4.0, np.nan], Unused=np.nan)
    got = columns("N -> D\nobserved N, D = Divorce where complete", data)
    np.testing.assert_allclose(got["N"].values, [1.0, 3.0, 4.0])  # the all-missing Unused column is not read


def test_missing_values_without_where_complete_say_how_to_drop_them():
    data = WAFFLE.assign(N=[1.0, np.nan, 3.0, 4.0, 5.0])
    with pytest.raises(dagspec.DagspecError) as info:
        columns("N -> D\nobserved N, D = Divorce", data)
    assert info.value.codes == ["DS504"]
    assert "where complete" in info.value.diagnostics[0].hint


def test_indicator_row_and_col():
    data = pd.DataFrame({"sex": ["f", "m", "f"], "kcal.per.g": [0.5, 0.6, 0.7], "y": [1.0, 2.0, 3.0]})
    got = columns('F, K, R -> y\nobserved F = indicator(sex, "f"), K = col("kcal.per.g"), R = row(), y', data)
    np.testing.assert_array_equal(got["F"].values, [1.0, 0.0, 1.0])
    np.testing.assert_array_equal(got["K"].values, [0.5, 0.6, 0.7])
    np.testing.assert_array_equal(got["R"].values, [1.0, 2.0, 3.0])
    same = columns('K -> y\nobserved K = standardize("kcal.per.g"), y', data)  # a string names the column
    np.testing.assert_allclose(same["K"].values, [-1.0, 0.0, 1.0])


def test_a_computed_index_is_a_categorical_node():
    data = pd.DataFrame({"prosoc_left": [0, 1, 0, 1], "condition": [0, 0, 1, 1], "y": [0, 1, 1, 0]})
    got = columns(
        "node treatment : categorical\nnode y ~ Bernoulli\ntreatment -> y\n"
        "observed treatment = 1 + prosoc_left + 2 * condition, y",
        data,
    )
    assert got["treatment"].levels == [1, 2, 3, 4]
    np.testing.assert_array_equal(got["treatment"].values, [0, 1, 2, 3])


def test_frozen_statistics_transform_new_rows_like_the_fitted_ones():
    spec = dagspec.parse("A -> D\nobserved A = standardize(Age), D = Divorce")
    fitted = spec.columns(WAFFLE).statistics
    new = pd.DataFrame({"Age": [26.0, 30.0]})
    got = resolve_columns(spec.checked, new, statistics=Statistics(fitted, frozen=True), for_prediction=True)
    np.testing.assert_allclose(got["A"].values, (new.Age - WAFFLE.Age.mean()) / WAFFLE.Age.std(ddof=1))
    assert got["D"].placeholder  # the outcome is what is predicted


def test_json_data_files_take_the_arrays_of_the_common_length(tmp_path):
    (tmp_path / "schools.json").write_text(json.dumps({"J": 3, "y": [28, 8, -3], "sigma": [15, 10, 16]}))
    (tmp_path / "schools.dag").write_text(
        'node s\nnode y ~ Normal(sigma = s)\nobserved y, s = "sigma" from "schools.json"\n'
    )
    got = dagspec.load(tmp_path / "schools.dag").columns()
    np.testing.assert_array_equal(got["s"].values, [15, 10, 16])


def test_transforms_and_filters_round_trip_and_show_in_compile():
    text = 'A -> D\nobserved A = standardize(Age), D = log(Divorce) from "w.csv" where complete and (Age >= 18 or Loc == "DC")\n'
    spec = dagspec.parse(text)
    assert dagspec.parse(spec.to_text()).ir == spec.ir
    assert spec.to_text() == text
    assert (
        spec.checked.nodes["A"].observed.describe() == 'standardize(Age) where complete and (Age >= 18 or Loc == "DC")'
    )


def test_a_transformed_model_builds_on_the_transformed_values():
    model = dagspec.parse("A -> D\nobserved A = standardize(Age), D = Divorce").build(WAFFLE, optimize=False)
    np.testing.assert_allclose(model["A"].get_value(), (WAFFLE.Age - WAFFLE.Age.mean()) / WAFFLE.Age.std(ddof=1))


def test_statistics_over_all_rows_come_from_before_the_filter():
    data = WAFFLE.assign(N=[1.0, np.nan, 3.0, 4.0, 9.0])
    got = columns(
        "A, N -> D\nobserved A = standardize(Age, over = all), N = center(N, over = all), D = Divorce "
        "where complete and Age < 29",
        data,
    )
    kept = data[data.N.notna() & (data.Age < 29)]
    np.testing.assert_allclose(got["A"].values, (kept.Age - data.Age.mean()) / data.Age.std(ddof=1))
    np.testing.assert_allclose(got["N"].values, kept.N - data.N.mean())  # the mean of the values present, as R
    assert "A: mean(Age) over all" in got.statistics


def test_over_takes_all_or_kept():
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.parse("A -> D\nobserved A = standardize(Age, over = rows), D")
    assert info.value.codes == ["DS411"] and "over" in info.value.diagnostics[0].message


def test_dates_are_categorical_levels_by_their_text():
    data = pd.DataFrame({"day": pd.to_datetime(["2020-01-01", "2020-01-02", "2020-01-01"]), "y": [1.0, 2.0, 3.0]})
    got = columns("node day : categorical\nnode y ~ Normal\nday -> y\nobserved day, y", data)
    assert got["day"].levels == ["2020-01-01", "2020-01-02"]
    np.testing.assert_array_equal(got["day"].values, [0, 1, 0])
