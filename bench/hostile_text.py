"""Hostile spec text → peak memory of parse + check → bench/hostile_text.md (issue 13).

Cases: the one-line chain `n0 -> n1 -> ... -> nN` of undeclared nodes (through the Python API and `dagspec
check`), a 600-term sum, and 3000 nested `**`, `exp(` and `[`. Each case runs in a fresh Python process that
reports its own peak resident memory (ru_maxrss), next to a process that only imports dagspec.

Usage: python bench/hostile_text.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
import dagspec
text = Path(sys.argv[1]).read_text() if len(sys.argv) > 1 else None
started = time.perf_counter()
codes, rendered = [], 0
if text is not None and sys.argv[2] == "api":
    try:
        dagspec.parse(text, "case.dag")
    except dagspec.DagspecError as exc:
        codes, rendered = exc.codes, len(exc.render())
elif text is not None:
    import contextlib, io
    from dagspec.cli import main
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        status = main(["check", sys.argv[1]])
    codes, rendered = [f"exit {status}"], len(out.getvalue())
print(json.dumps({"peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "seconds": time.perf_counter() - started, "codes": codes, "rendered": rendered}))
"""


def chain(nodes: int) -> str:
    return " -> ".join(f"n{i}" for i in range(nodes))


def let(expression: str) -> str:
    return f"a ~ Normal(0, 1)\nlet s = {expression}\n"


CASES = [  # name, text, how, before (main at fbec902)
    ("chain of 10,000 undeclared nodes", chain(10_000), "api", "3.1 GB, 31 s, a 1.3 GB message"),
    ("chain of 30,000 undeclared nodes (288 KB)", chain(30_000), "api", "8 GB (issue 13)"),
    ("the same, `dagspec check`", chain(30_000), "cli", "8 GB (issue 13)"),
    ("600-term sum", let(" + ".join(["a"] * 600)), "api", "RecursionError"),
    ("3000 nested `**`", let("a ** " * 3000 + "a"), "api", "RecursionError"),
    ("3000 nested `exp(`", let("exp(" * 3000 + "a" + ")" * 3000), "api", "RecursionError"),
    ("3000 nested `[`", let("[" * 3000 + "a" + "]" * 3000), "api", "RecursionError"),
]


def measure(text: str | None, how: str = "api") -> dict:
    with tempfile.TemporaryDirectory() as folder:
        args = []
        if text is not None:
            path = Path(folder) / "case.dag"
            path.write_text(text)
            args = [str(path), how]
        done = subprocess.run(
            [sys.executable, "-c", CHILD, *args], capture_output=True, text=True, cwd=ROOT, timeout=1800
        )
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def summary(codes: list[str]) -> str:
    counted = {code: codes.count(code) for code in dict.fromkeys(codes)}
    return ", ".join(f"{code} ×{count}" if count > 1 else code for code, count in counted.items())


def main() -> None:
    baseline = measure(None)
    rows = [
        "| case | size | peak memory | above `import dagspec` | findings | message | before |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, text, how, before in CASES:
        result = measure(text, how)
        print(name, result, file=sys.stderr)
        rows.append(
            f"| {name} | {len(text.encode()):,} B | {result['peak_mb']:.0f} MB "
            f"| {result['peak_mb'] - baseline['peak_mb']:.0f} MB | {summary(result['codes'])} "
            f"| {result['rendered']:,} chars | {before} |"
        )
    report = "\n".join(
        [
            "# Hostile spec text: peak memory",
            "",
            "Written by `python bench/hostile_text.py` (issue 13). Each case is parsed and checked in a fresh Python",
            "process; its peak resident memory is compared with a process that only imports dagspec",
            f"({baseline['peak_mb']:.0f} MB). `message` is the length of the rendered diagnostics (`dagspec check`'s",
            "whole output for the CLI case). A code keeps its first 20 findings and counts the rest in one DS119;",
            "expressions nest at most 100 levels (DS114). `before`: main at fbec902.",
            "",
            *rows,
            "",
        ]
    )
    (ROOT / "bench" / "hostile_text.md").write_text(report)
    print(report)


if __name__ == "__main__":
    main()
