"""A checked spec: the public Spec object (load/parse → IR → check), building PyMC models and serialising the IR."""

from __future__ import annotations

import json
import re
from pathlib import Path

from pydantic import ValidationError

from . import ir
from .allocation import collection_paused
from .check import CheckedModel, check
from .diagnostics import DagspecError, Diagnostic, Diagnostics, error, warn
from .parse import MAX_SPEC_CHARACTERS, parse_text
from .printer import to_text
from .source import Source, without_bom


class Spec:
    """A parsed and checked .dag spec.

    Examples
    --------
    >>> import dagspec
    >>> spec = dagspec.parse("x -> y\\nobserved x, y")
    >>> sorted(spec.parameters)
    ['b_x_y', 'y_intercept', 'y_sigma']
    """

    def __init__(self, spec_ir: ir.SpecIR, source: Source, path: Path | None = None, auto_priors: bool = False):
        self.ir = spec_ir
        self.source = source
        self.path = path
        self.checked: CheckedModel = check(spec_ir, source)
        self.checked.auto_priors |= auto_priors  # `--auto-priors`: as if the spec said `priors auto`
        for finding in self.checked.warnings:  # as `dagspec check` prints them
            warn(finding, stacklevel=5)

    # ---- construction ----
    @classmethod
    def from_text(cls, text: str, name: str = "<string>", path: Path | None = None, auto_priors: bool = False) -> Spec:
        """Parse .dag text, or a dagitty graph (`dag { ... }`) which becomes the equivalent spec."""
        text, name = spec_text(text, name)
        with collection_paused():
            return cls(parse_text(text, name), Source(text, name), path, auto_priors)

    @classmethod
    def from_json(cls, document: str | dict) -> Spec:
        """Rebuild a Spec from the JSON IR written by `to_json`.

        The JSON may come from anyone, so it must hold exactly what the parser could have produced (names,
        strings, numbers, nesting): its canonical text must parse back to the same IR, else DS108.
        """
        try:
            data = json.loads(document) if isinstance(document, str) else document
            version = data.get("version") if isinstance(data, dict) else None
            if version != ir.IR_VERSION:
                raise error("DS108", reason=f"IR version {version!r}, this dagspec reads version {ir.IR_VERSION}")
            spec_ir = ir.SpecIR.model_validate(data)
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(str(part) for part in problem["loc"])
            raise error("DS108", reason=f"{where}: {problem['msg']}") from None
        except (json.JSONDecodeError, AttributeError) as exc:
            raise error("DS108", reason=str(exc).splitlines()[0]) from None
        except RecursionError:
            raise error("DS108", reason="it is nested too deeply") from None
        try:
            text = to_text(spec_ir)
            parsed = parse_text(text, spec_ir.name)
        except RecursionError:  # deeper than MAX_NESTING, which the parser would have said (DS114)
            raise error("DS108", reason="it is nested too deeply") from None
        except DagspecError as exc:
            first = exc.diagnostics[0]
            raise error("DS108", reason=f"it holds what no spec can say: {first.code} {first.message}") from None
        if parsed != spec_ir:
            raise error("DS108", reason="it holds what no spec can say: its text reads back as another spec")
        return cls(spec_ir, Source(text, spec_ir.name))

    # ---- views ----
    @property
    def name(self) -> str:
        return self.source.name

    @property
    def auto_priors(self) -> bool:
        """Whether default priors are scaled to the data (`priors auto` in the spec, or `auto_priors=True`)."""
        return self.checked.auto_priors

    @property
    def warnings(self):
        return list(self.checked.warnings)

    @property
    def parameters(self) -> dict[str, str]:
        """User-facing parameter names → their addresses (`coeff_1` → `x1 -> x2`)."""
        named = {p.name: p.address for p in self.checked.params.values()}
        named.update(
            {n.pymc_name: n.name for n in self.checked.nodes.values() if n.role == "random" and n.observed is None}
        )
        return named

    def to_text(self) -> str:
        """Canonical .dag text of this spec."""
        return to_text(self.ir)

    def to_json(self, indent: int | None = 2) -> str:
        """The versioned IR as JSON (spans included)."""
        return self.ir.model_dump_json(indent=indent)

    def to_dagitty(self) -> str:
        """The causal graph in dagitty's syntax (unobserved nodes marked latent)."""
        from .causal.dagitty import to_dagitty
        from .causal.graph import from_checked

        graph = from_checked(self.checked)
        if self.checked.estimates:
            estimate = self.checked.estimates[0]
            graph = graph.with_marks(
                exposure={estimate.exposure},
                outcome={estimate.outcome},
                adjusted=set(estimate.adjust) if not estimate.chosen else set(),
            )
        return to_dagitty(graph)

    def causal_graph(self):
        """The declared causal DAG as a networkx DiGraph."""
        return self.checked.causal_graph()

    def findings(self, data=None, named_files: bool = False) -> list[Diagnostic]:
        """What `dagspec check` reports for this spec (errors returned, not raised): its warnings, then what
        checking `data` against it finds. With `named_files` and no `data`, the data checked is what the spec
        itself observes: its literal values and the files it names (one that does not exist is a warning, DS526);
        nodes left to data passed at build time are not reported (DS501)."""
        from .data import resolve_columns
        from .plan import make_plan
        from .propriety import check_plan

        found = self.warnings
        if data is None and not named_files:
            return found
        base = self.path.parent if self.path is not None else None
        try:
            columns = resolve_columns(self.checked, data, base, checking=data is None)
            found += columns.warnings
            if all(n.name in columns for n in self.checked.nodes.values() if n.observed is not None):
                plan = make_plan(self.checked, columns)  # what only the shapes tell (DS413)
                found += plan.warnings[len(columns.warnings) :]  # what `priors auto` could not scale
                posterior = Diagnostics(self.source)
                check_plan(plan, self.checked, posterior)  # overflowing data, unidentified flat coefficients
                found += posterior.items
        except DagspecError as exc:
            found += exc.diagnostics
        return found

    # ---- building ----
    def columns(self, data=None):
        from .data import resolve_columns

        base = self.path.parent if self.path is not None else None
        return resolve_columns(self.checked, data, base)

    def plan(self, data=None, optimize=False):
        """The backend-neutral plan for this spec and data (no PyMC needed); see `build` for `optimize`."""
        from .optimize import optimize as run_passes
        from .plan import make_plan
        from .propriety import check_plan

        with collection_paused():
            columns = self.columns(data)
            for finding in columns.warnings:  # what the data show (a constant predictor, ...)
                warn(finding, stacklevel=4)
            literal = make_plan(self.checked, columns)
            for finding in literal.warnings[len(columns.warnings) :]:  # what `priors auto` could not scale
                warn(finding, stacklevel=4)
            found = Diagnostics(self.source)
            check_plan(literal, self.checked, found)  # overflowing data, unidentified flat coefficients
            found.raise_if_errors()
            return run_passes(literal, optimize)

    def build(self, data=None, optimize=True):
        """Compile to a `pymc.Model`.

        `data`: a DataFrame or {column: array}; None reads the files the spec names. `optimize`: True applies
        every exact reparameterisation (same posterior, user names kept as deterministics), False returns the
        literal model, or a dict switches passes one by one, e.g. `{"linear": False}`.
        """
        from .backends.pymc import build_model
        from .optimize import model_passes

        return build_model(self.plan(data, model_passes(optimize)))

    def to_source(self, target: str = "pymc", data=None, optimize=False, output=None) -> str:
        """A standalone, readable Python script building this model for `target` ("pymc" or "pymc3")."""
        from .codegen import generate

        return generate(self, target, data, optimize, output)

    def __repr__(self) -> str:
        return f"<dagspec.Spec {self.name!r}: {len(self.checked.nodes)} nodes, {len(self.checked.params)} parameters>"


def spec_text(text: str, name: str = "<string>") -> tuple[str, str]:
    """The .dag text a spec is parsed from, and its name: a dagitty graph becomes the equivalent spec (and the
    name says so, as diagnostics then point into the converted text), and `dag { ... }` blocks among the
    statements become node and edge statements on the same lines. A leading byte order mark is dropped. Raises
    DagspecError (DS110) on bad dagitty."""
    from .causal.dagitty import BLOCK_START, DAGITTY

    text = without_bom(text)
    if DAGITTY.match(text):
        return _dagitty_to_spec(text, name), f"{name} (as converted from dagitty)"
    if BLOCK_START.search(text):
        return _expand_blocks(text, name), name
    return text, name


def _dagitty_to_spec(text: str, name: str) -> str:
    from .causal.dagitty import DagittyParseError, parse_dagitty, to_spec_text

    try:
        return to_spec_text(parse_dagitty(text))
    except DagittyParseError as exc:
        raise _dagitty_error(exc, text, name) from None


def _expand_blocks(text: str, name: str) -> str:
    from .causal.dagitty import DagittyParseError, expand_graph_blocks

    declared = set(re.findall(r"^[ \t]*node[ \t]+([A-Za-z_][A-Za-z0-9_]*)", text, re.M))
    try:
        return expand_graph_blocks(text, declared)
    except DagittyParseError as exc:
        raise _dagitty_error(exc, text, name) from None


def _dagitty_error(exc, text: str, name: str):
    """DS110 for a dagitty graph that does not parse, at its line and column of `text`."""
    source = Source(text, name)
    return error(
        "DS110",
        span=source.span_of_line(exc.line, exc.column),
        source=source,
        what=exc.message,
        suggestion=exc.hint or "see dagitty's syntax: dag { x [exposure]; y [outcome]; x -> y }",
    )


def load(path: str | Path, auto_priors: bool = False) -> Spec:
    """Read, parse and check a .dag file; raise DagspecError with diagnostics if it is wrong. `auto_priors`: scale
    the default priors to the data, as if the spec said `priors auto` (docs/language.md)."""
    path = Path(path)
    return Spec.from_text(read_spec_text(path), str(path), path, auto_priors)


def read_spec_text(path: Path) -> str:
    """A .dag file's text, read no further than the longest spec dagspec parses (a file that never ends, such as
    /dev/zero, stops there); DagspecError DS107 if it cannot be read as UTF-8 text, DS109 if it is too long."""
    where = Source("", str(path))
    most_bytes = 4 * MAX_SPEC_CHARACTERS  # UTF-8 spends at most 4 bytes on a character
    try:
        with path.open("rb") as file:
            raw = file.read(most_bytes + 1)
        if len(raw) > most_bytes:
            raise error(
                "DS109", source=where, size=f"more than {MAX_SPEC_CHARACTERS:,}", limit=f"{MAX_SPEC_CHARACTERS:,}"
            )
        return raw.decode("utf-8")
    except FileNotFoundError:
        raise error("DS107", source=where, reason="no such file") from None
    except UnicodeDecodeError as exc:
        raise error("DS107", source=where, reason=f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise error("DS107", source=where, reason=exc.strerror or str(exc)) from None


def parse(text: str, name: str = "<string>", auto_priors: bool = False) -> Spec:
    """Parse and check .dag text; raise DagspecError with diagnostics if it is wrong. `auto_priors` as for load."""
    return Spec.from_text(text, name, auto_priors=auto_priors)
