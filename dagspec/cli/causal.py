"""`dagspec explain`, `implications`, `adjust` and `export`: a spec's (or a dagitty file's) causal graph → its
paths in words, the independencies it implies, adjustment sets, and dagitty's syntax."""

from __future__ import annotations

import sys
from pathlib import Path

from .common import EXIT_FINDINGS, EXIT_OK, UsageError, load


def register(commands) -> None:
    explain = commands.add_parser("explain", help="the paths between an exposure and an outcome, in words")
    explain.add_argument("file", help="a .dag spec or a dagitty graph")
    explain.add_argument("--effect", required=True, metavar="'X -> Y'")
    explain.add_argument("--given", default="", metavar="Z,W", help="nodes conditioned on")
    explain.set_defaults(run=run_explain)

    implications = commands.add_parser("implications", help="the conditional independencies the DAG implies")
    implications.add_argument("file")
    implications.set_defaults(run=run_implications)

    adjust = commands.add_parser("adjust", help="adjustment sets for an effect (dagitty's semantics)")
    adjust.add_argument("file")
    adjust.add_argument("--effect", required=True, metavar="'X -> Y'")
    adjust.add_argument("--direct", action="store_true", help="the direct effect (default: total)")
    adjust.add_argument("--canonical", action="store_true", help="the canonical set instead of all minimal sets")
    adjust.set_defaults(run=run_adjust)

    export = commands.add_parser("export", help="write the causal graph in dagitty's syntax")
    export.add_argument("file")
    export.add_argument("--to", choices=("dagitty",), default="dagitty")
    export.set_defaults(run=run_export)


def effect(text: str) -> tuple[str, str]:
    parts = [p.strip() for p in text.split("->")]
    if len(parts) != 2 or not all(parts):
        raise UsageError(f"--effect takes 'X -> Y', not {text!r}")
    return parts[0], parts[1]


def causal_graph(path: str):
    """A .dag spec or a .dagitty file → its causal graph (a usage error, with line:col, for a bad dagitty file)."""
    from ..causal.api import as_graph

    if not Path(path).exists():
        raise UsageError(f"no such file: {path}")
    if Path(path).suffix == ".dagitty":
        from ..causal.dagitty import DagittyParseError

        try:
            return as_graph(Path(path))
        except DagittyParseError as exc:
            raise UsageError(f"{path}:{exc.line}:{exc.column}: {exc.message}") from None
    return as_graph(load(path))


def check_nodes(graph, *names) -> None:
    unknown = [n for n in names if n not in graph.nodes]
    if unknown:
        raise UsageError(f"not a node of the graph: {', '.join(unknown)}; nodes: {', '.join(graph.nodes)}")


def run_explain(args) -> int:
    from ..causal.roles import explain

    graph = causal_graph(args.file)
    exposure, outcome = effect(args.effect)
    given = [g.strip() for g in args.given.split(",") if g.strip()]
    check_nodes(graph, exposure, outcome, *given)
    print(explain(graph, exposure, outcome, given))
    return EXIT_OK


def run_implications(args) -> int:
    from ..causal.dsep import implied_independencies

    found = implied_independencies(causal_graph(args.file))
    for u, v, given in found:
        print(f"{u} _||_ {v}" + (f" | {', '.join(sorted(given))}" if given else ""))
    if not found:
        print("the graph implies no conditional independence among observed nodes", file=sys.stderr)
    return EXIT_OK


def run_adjust(args) -> int:
    from ..causal.adjustment import adjustment_sets

    graph = causal_graph(args.file)
    exposure, outcome = effect(args.effect)
    check_nodes(graph, exposure, outcome)
    kind = "direct" if args.direct else "total"
    found = adjustment_sets(graph, exposure, outcome, kind, "canonical" if args.canonical else "minimal")
    for adjustment in found:
        print("{ " + ", ".join(sorted(adjustment)) + " }" if adjustment else "{}")
    if not found:
        print(f"the {kind} effect of {exposure} on {outcome} is not identifiable by adjustment", file=sys.stderr)
        return EXIT_FINDINGS
    return EXIT_OK


def run_export(args) -> int:
    sys.stdout.write(load(args.file).to_dagitty())
    return EXIT_OK
