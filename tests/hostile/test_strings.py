"""Issue 13: strings are UTF-8 text kept as written, with two escapes (`\\"`, `\\\\`) and DS112 for any other;
file, column and level names round-trip through parse → IR → JSON → printer/fmt → codegen unchanged; a UTF-8
byte order mark at the start of a spec is accepted."""

import ast

import numpy as np
import pandas as pd
import pytest
from generated_scripts import assert_same_log_density, run_script
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import dagspec
from dagspec import ir
from dagspec.format import format_text


def quoted(text: str) -> str:
    """A string literal as docs/language.md defines it (written here independently of dagspec's printer)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def errors(text: str) -> list[tuple[str, int, int]]:
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.parse(text)
    return [(d.code, d.span.line, d.span.column) for d in info.value.diagnostics]


def test_non_ascii_file_name_and_levels_are_read_as_written(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"stadt": rng.choice(["München", "Köln"], 40), "größe": rng.normal(size=40)})
    frame["y"] = frame["größe"] + (frame["stadt"] == "Köln") + rng.normal(size=40)
    frame.to_csv(tmp_path / "daten_ü.csv", index=False)
    (tmp_path / "städte.dag").write_text(
        'node g : categorical(levels = ["München", "Köln"])\nnode y ~ Normal\ng, x -> y\n'
        'observed g = "stadt", x = "größe", y from "daten_ü.csv"\n',
        encoding="utf-8",
    )
    spec = dagspec.load(tmp_path / "städte.dag")
    model = spec.build(optimize=False)
    assert list(model.coords["g"]) == ["München", "Köln"]
    assert np.array_equal(model["g"].get_value(), (frame["stadt"] == "Köln").astype(int))
    script = tmp_path / "model.py"
    script.write_text(spec.to_source(output=script), encoding="utf-8")
    source = script.read_text(encoding="utf-8")
    assert "'daten_ü.csv'" in source and "['München', 'Köln']" in source and "'größe'" in source
    assert_same_log_density(model, run_script(script))


def test_a_backslash_before_another_letter_is_an_error_at_the_escape():
    # "data\new.csv" became data<newline>ew.csv; "C:\Users\me\fork.csv" crashed with UnicodeDecodeError
    assert errors('x -> y\nobserved x, y from "data\\new.csv"') == [("DS112", 2, 25)]
    assert errors('x -> y\nobserved x, y from "C:\\Users\\me\\fork.csv"') == [
        ("DS112", 2, 23),
        ("DS112", 2, 29),
        ("DS112", 2, 32),
    ]


def test_the_message_names_the_escape_and_the_fix():
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.parse('x -> y\nobserved x, y from "data\\new.csv"')
    text = info.value.render()
    assert "unknown escape `\\n`" in text
    assert '   2 | observed x, y from "data\\new.csv"\n     |                         ^~' in text
    assert "forward slashes" in text


def test_the_two_escapes_give_a_quote_and_a_backslash():
    spec = dagspec.parse('x -> y\nobserved x = "say \\"hi\\"", y = "C:\\\\data\\\\y"')
    observed = next(s for s in spec.ir.statements if isinstance(s, ir.ObservedStmt))
    assert [item.column for item in observed.items] == ['say "hi"', "C:\\data\\y"]
    model = spec.build(pd.DataFrame({'say "hi"': [1.0, 2.0, 3.0], "C:\\data\\y": [1.0, 2.5, 2.9]}), optimize=False)
    assert np.array_equal(model["x"].get_value(), [1.0, 2.0, 3.0])


def test_fmt_keeps_a_comment_after_a_string_ending_in_an_escaped_backslash():
    text = 'x -> y\nobserved x, y from "C:\\\\data\\\\"  # Windows\n'
    assert format_text(text) == text


def test_a_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.dag"
    path.write_bytes("\ufeff# from Notepad\nx -> y\nobserved x, y\n".encode("utf-8"))
    assert dagspec.load(path).to_text() == "x -> y\nobserved x, y\n"
    assert format_text(path.read_text(encoding="utf-8")) == "# from Notepad\nx -> y\nobserved x, y\n"


def test_columns_after_a_byte_order_mark_count_from_the_first_character():
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.parse("\ufeffa ~ Normal(0, -1)")
    (found,) = info.value.diagnostics
    assert (found.code, found.span.line, found.span.column) == ("DS403", 1, 15)


# Any text without a line break (a spec's line ends there), including quotes, backslashes, `#`, non-ASCII
# letters, control characters and emoji.
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), min_size=1, max_size=12)
FILE = TEXT.filter(lambda f: "/" not in f and f not in (".", ".."))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(column=TEXT, levels=st.lists(TEXT, min_size=2, max_size=3, unique=True), file=FILE)
def test_strings_round_trip_unchanged(column, levels, file):
    assume(column != "y")  # the outcome's own column
    text = (
        f"node g : categorical(levels = [{', '.join(quoted(level) for level in levels)}])\n"
        f"node y ~ Normal\ng -> y\nobserved g = {quoted(column)}, y from {quoted(file)}\n"
    )
    spec = dagspec.parse(text)

    def strings(spec_ir):
        node, _, _, observed = spec_ir.statements
        return (
            [item.value for item in node.type.kwarg("levels").value.items],
            observed.items[0].value.value,
            observed.source.value,
        )

    assert strings(spec.ir) == (levels, column, file)
    assert dagspec.Spec.from_json(spec.to_json()).ir == spec.ir  # JSON
    assert dagspec.parse(spec.to_text()).ir == spec.ir  # printer
    assert dagspec.parse(format_text(text)).ir == spec.ir  # fmt

    data = pd.DataFrame({column: (levels * 3)[:6], "y": np.arange(6.0)})
    script = ast.parse(spec.to_source(data=data))
    constants = [node.value for node in ast.walk(script) if isinstance(node, ast.Constant)]
    lists = [
        ast.literal_eval(node)
        for node in ast.walk(script)
        if isinstance(node, ast.List) and node.elts and all(isinstance(e, ast.Constant) for e in node.elts)
    ]
    assert column in constants
    assert levels in lists
    assert file in constants  # (relative to the working directory, where the script would be written)
