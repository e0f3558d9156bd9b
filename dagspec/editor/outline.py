"""A document's names → where they are defined (go to definition) and its outline (document symbols): nodes,
priors and estimates."""

from __future__ import annotations

from dataclasses import dataclass

from .. import ir
from ..printer import call_text, statement_text
from .document import Analysis, Range, cursor_at, defined_name


@dataclass(frozen=True)
class Symbol:
    name: str
    kind: str  # node, random, derived, prior, estimate
    detail: str
    range: Range  # the whole statement
    selection: Range  # the name


def definition(analysis: Analysis, offset: int) -> Range | None:
    """Where the name at `offset` (a node, a random variable, a `let`, or a name given with `as`) is defined."""
    cursor = cursor_at(analysis.text, offset)
    if cursor is None or not cursor.word:
        return None
    name = analysis.definitions().get(cursor.word)
    return analysis.name_range(name) if name is not None else None


def symbols(analysis: Analysis) -> list[Symbol]:
    """One symbol per node declaration, random variable, `let`, prior and estimate, in the order written, and one
    for each node that is only used (in an edge or `observed`), where it is first used."""
    if analysis.spec_ir is None:
        return []
    found: list[Symbol] = []

    def add(label: str, name: ir.Name, kind: str, detail: str, statement) -> None:
        selection = analysis.name_range(name)
        whole = analysis.range_of(statement.span)
        if not (whole.start <= selection.start and selection.end <= whole.end):
            whole = selection  # a statement made from a dagitty block: its span is not in the document
        found.append(Symbol(label, kind, detail, whole, selection))

    for statement in analysis.spec_ir.statements:
        if isinstance(statement, ir.NodeDecl):
            add(statement.name.id, statement.name, "node", statement_text(statement), statement)
        elif isinstance(statement, ir.RandomVar):
            add(statement.name.id, statement.name, "random", call_text(statement.dist), statement)
        elif isinstance(statement, ir.LetStmt):
            add(statement.name.id, statement.name, "derived", statement_text(statement), statement)
        elif isinstance(statement, ir.PriorStmt):
            address = statement.address
            name = address.name or address.param or address.target
            assert name is not None
            label = address.text() + (f" as {statement.alias.id}" if statement.alias else "")
            add(
                label,
                name,
                "prior",
                call_text(statement.dist) if statement.dist is not None else "default prior",
                statement,
            )
        elif isinstance(statement, ir.EstimateStmt):
            detail = (
                ("direct" if statement.direct else "total")
                + " effect"
                + (
                    ""
                    if statement.adjust is None
                    else ", adjusting for " + (", ".join(n.id for n in statement.adjust) or "nothing")
                )
            )
            add(f"{statement.exposure.id} -> {statement.outcome.id}", statement.exposure, "estimate", detail, statement)
    declared = {name.id for name in map(defined_name, analysis.spec_ir.statements) if name is not None}
    definitions = analysis.definitions()
    for node in analysis.node_names():
        if node not in declared and node in definitions:
            used = analysis.name_range(definitions[node])
            found.append(Symbol(node, "node", "used in an edge or `observed`", used, used))
    return sorted(found, key=lambda s: s.range.start)
