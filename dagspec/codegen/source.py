"""A Spec and its Plan → the text of a standalone Python script that builds and samples the same model.

User text reaches the script only as string literals (`repr`) or as identifiers the parser has validated, and
every Python name the script defines comes from one _Namespace, so none shadows another, an import or a builtin.
"""

from __future__ import annotations

import builtins
import keyword
import os
import re
from pathlib import Path

import numpy as np

from ..diagnostics import error
from ..dists import DISTRIBUTIONS, TIME_PRIORS
from ..families import CENSORED_PARAMS, CENSORING_CODES, FAMILIES, level_dim
from ..optimize import for_scripts
from ..plan import (
    OBS_DIM,
    Const,
    DataVar,
    DerivedVar,
    Func,
    Imputation,
    LikelihoodVar,
    LogDensity,
    Plan,
    PriorPotential,
    RandomVariable,
    VarRef,
)
from .bases import HELPERS, helper_source, used_helpers
from .expressions import ExpressionPrinter, number

# The script's imports and fixed names (callers read `model` from it), every builtin and every keyword.
_TAKEN = {
    *HELPERS.values(),
    "pm",
    "np",
    "pd",
    "az",
    "pt",
    "tt",
    "sys",
    "json",
    "Path",
    "HERE",
    "model",
    "coords",
    "idata",
    "read_json_columns",
    *dir(builtins),
    *keyword.kwlist,
    *keyword.softkwlist,
}

_INVERSE_LINK = {
    "identity": "{eta}",
    "logit": "pm.math.invlogit({eta})",
    "probit": "pm.math.invprobit({eta})",
    "cloglog": "1 - pm.math.exp(-pm.math.exp({eta}))",
    "log": "pm.math.exp({eta})",
    "inverse": "1 / ({eta})",
    "sqrt": "pm.math.sqr({eta})",
}


_JSON_READER = [  # dagspec.data.read_table's rule for a JSON object of named arrays (posteriordb's data.json)
    "",
    "",
    "def read_json_columns(path):",
    '    """The arrays of the most common length (the longer on a tie) of a JSON object, as columns."""',
    "    arrays = {k: v for k, v in json.loads(Path(path).read_text()).items() if isinstance(v, list)}",
    "    lengths = [len(v) for v in arrays.values()]",
    "    rows = max(lengths, key=lambda n: (lengths.count(n), n))",
    "    return pd.DataFrame({k: v for k, v in arrays.items() if len(v) == rows})",
    "",
    "",
]


class _Namespace:
    """The Python names a script defines: each is claimed once, and never shadows an import, builtin or keyword."""

    def __init__(self) -> None:
        self.used = set(_TAKEN)
        self.helpers: dict[tuple[str, str], str] = {}

    def claim(self, wanted: str) -> str:
        """`wanted`, or `wanted` with underscores appended until it is free."""
        identifier = wanted
        while identifier in self.used:
            identifier += "_"
        assert identifier.isidentifier(), identifier  # names come from the parser's NAME (or JSON checked as it)
        self.used.add(identifier)
        return identifier

    def helper(self, pattern: str, stem: str) -> str:
        """The script's own name `pattern.format(stem)` (e.g. `mu_{}` of an outcome), the same at every call."""
        key = (pattern, stem)
        if key not in self.helpers:
            self.helpers[key] = self.claim(pattern.format(stem))
        return self.helpers[key]


class _Writer:
    def __init__(self, spec, plan: Plan, target: str, output: Path | None):
        self.spec, self.plan, self.target, self.output = spec, plan, target, output
        self.tensor = "tt" if target == "pymc3" else "pt"
        self.namespace = _Namespace()
        self.helper = self.namespace.helper
        self.parts: dict[tuple[str, str], str] = {}  # (LKJ prior, part) → identifier, set by _identifiers
        self.names = self._identifiers()
        self.print = ExpressionPrinter(self.names, self.tensor, self._dist_args, self.parts)
        self.numpy_of: dict[str, str] = {}  # data container → numpy expression of its values
        self.lines: list[str] = []

    # ---- names ----
    def _identifiers(self) -> dict[str, str]:
        """PyMC name → Python identifier: the user's names first (as written where free), then dagspec's own
        (whose `__` becomes `_`); the script's helpers are claimed after both, as they are written. Also the
        identifiers of the correlations and standard deviations LKJCholeskyCov returns, shared with the
        deterministics that store them under PyMC's names."""
        internal = [e.name for e in self.plan.entries if "__" in e.name]
        user = [e.name for e in self.plan.entries if "__" not in e.name]
        names = {name: self.namespace.claim(name) for name in user}
        names.update({name: self.namespace.claim(re.sub("_{2,}", "_", name).strip("_")) for name in internal})
        derived = {e.name: e.expr for e in self.plan.entries if isinstance(e, DerivedVar)}
        for entry in self.plan.entries:
            if isinstance(entry, RandomVariable) and entry.dist == "LKJCholeskyCov":
                for part in ("corr", "stds"):
                    default = f"{entry.name}_{part}"
                    if derived.get(default) == Func(part, (VarRef(entry.name),)):
                        self.parts[(entry.name, part)] = names[default]
                    else:
                        self.parts[(entry.name, part)] = self.helper("{}_" + part, names[entry.name])
        return names

    def _dist_args(self, dist: str, args: dict) -> str:
        aliases = DISTRIBUTIONS[dist].aliases
        if dist in TIME_PRIORS and self.target == "pymc3":
            aliases = {}  # PyMC3 names a walk's first-level prior `init`, as dagspec does (PyMC 5: init_dist)
        return ", ".join(f"{aliases.get(k, k)}={self.print(v)}" for k, v in args.items())

    # ---- the script ----
    def write(self) -> str:
        library = "PyMC3 3.11 (Theano-PyMC)" if self.target == "pymc3" else "PyMC 5"
        self.lines += [
            f'"""{_in_docstring(Path(self.spec.name).name)} compiled by dagspec into a {library} model.',
            "",
            "Run it to sample the posterior and print a summary"
            + (" (pass a CSV file to use other data)." if self._files() else "."),
            '"""',
        ]
        self.lines += self._imports()
        self._smooth_helpers()
        self._data_section()
        self._model_section()
        self._main_section()
        return "\n".join(self.lines) + "\n"

    def _imports(self) -> list[str]:
        pymc, tensor = ("pymc3", "theano.tensor as tt") if self.target == "pymc3" else ("pymc", "pytensor.tensor as pt")
        return self._json_import() + [
            "import sys",
            "from pathlib import Path",
            "",
            "import arviz as az",
            "import numpy as np",
            "import pandas as pd",
            f"import {pymc} as pm",
            f"import {tensor}",
            "",
        ]

    def _smooth_helpers(self) -> None:
        """The functions that compute smooth terms' bases (codegen/bases.py), defined before the model."""
        used = used_helpers(self.plan.entries)
        if self.target == "pymc3" and "hsgp" in used:
            edge = next(e for e in self.spec.checked.edges if e.smooth is not None and e.smooth.kind == "hsgp")
            raise error("DS448", what=f"the Gaussian process {edge.address} (an HSGP)", missing="pm.gp.HSGP")
        for name in used:
            self.lines += helper_source(name, self.tensor)
        if used:
            self.lines.append("")

    def _json_import(self) -> list[str]:
        return ["import json"] if any(f is not None and f.lower().endswith(".json") for f in self._files()) else []

    def _files(self) -> dict[str | None, str]:
        """Data files (None: data that was passed in) → the Python name of their DataFrame."""
        files = []
        for entry in self.plan.entries:
            read = isinstance(entry, DataVar) and (entry.column is not None or entry.count_columns is not None)
            if read and not self._inline_matrix(entry):
                observation = self.spec.checked.nodes[entry.node].observed
                if observation.file not in files:
                    files.append(observation.file)
        if len(files) == 1:
            return {files[0]: self.helper("data", "")}
        return {f: self.helper("data_{}", str(i + 1)) for i, f in enumerate(files)}

    def _data_section(self) -> None:
        files = self._files()
        if files:
            self.lines += ["HERE = Path(__file__).resolve().parent"]
        if self._json_import():
            self.lines += _JSON_READER
        for file, frame in files.items():
            if file is None:
                self.lines += [f"{frame} = pd.read_csv(sys.argv[1])  # the data the model was compiled with"]
            else:
                path = self._relative(file)
                reader = "read_json_columns" if path.lower().endswith(".json") else "pd.read_csv"
                self.lines += [f"{frame} = {reader}(sys.argv[1] if len(sys.argv) > 1 else HERE / {path!r})"]
        for entry in [e for e in self.plan.entries if isinstance(e, DataVar)]:
            self.numpy_of[entry.name] = self._values(entry, files)
        if files or self.numpy_of:
            self.lines.append("")
        coords = []
        for dim, levels in self.plan.coords.items():
            if dim == OBS_DIM:
                rows = f"len({next(iter(files.values()))})" if files else str(self.plan.n_obs)
                coords.append(f"    {dim!r}: np.arange({rows}),")
            elif any(isinstance(e, DataVar) and e.levels is not None and e.node == dim for e in self.plan.entries):
                container = next(
                    e.name
                    for e in self.plan.entries
                    if isinstance(e, DataVar) and e.levels is not None and e.node == dim
                )
                coords.append(f"    {dim!r}: {self.helper('{}_levels', self.names[container])},")
            else:
                coords.append(f"    {dim!r}: {list(levels)!r},")
        self.lines += ["coords = {"] + coords + ["}", ""]

    def _relative(self, file: str) -> str:
        spec_dir = Path(self.spec.path).resolve().parent if self.spec.path else Path.cwd()
        target_dir = self.output.resolve().parent if self.output else Path.cwd()
        return os.path.relpath(spec_dir / file, target_dir)

    def _values(self, entry: DataVar, files) -> str:
        """Emit what computes a container's values before the model; return the numpy expression."""
        ident = self.names[entry.name]
        if entry.recipe is not None:
            return self._recipe(entry)
        if entry.levels is not None:
            levels = self.helper("{}_levels", ident)
            self.lines.append(f"{levels} = {list(entry.levels)!r}")
        if entry.count_columns is not None:  # a multinomial's counts: a column per category
            frame = files[self.spec.checked.nodes[entry.node].observed.file]
            return f"np.column_stack([{', '.join(f'{frame}[{c!r}]' for c in entry.count_columns)}]).astype(int)"
        if self._inline_matrix(entry):  # a matrix passed in as an array: a CSV file cannot hold it
            return f"np.array({entry.values.tolist()!r})"
        if entry.column is None:
            values = [None if isinstance(v, float) and np.isnan(v) else v for v in entry.values.tolist()]
            return f"np.array({values!r}, dtype=float)" if None in values else f"np.array({values!r})"
        frame = files[self.spec.checked.nodes[entry.node].observed.file]
        column = f"{frame}[{entry.column!r}]"
        if entry.levels is not None:
            codes = self.helper("{}_codes", ident)
            self.lines += [
                f"{codes} = pd.Categorical({column}, categories={levels}).codes.astype(int)",
                f"if ({codes} < 0).any():  # a value outside the levels (or missing) would index the last level",
                f"    raise ValueError({'column ' + repr(entry.column) + ' has values outside its levels '!r}"
                f" + str({levels}) + ': rows ' + str(np.flatnonzero({codes} < 0)[:10].tolist()))",
            ]
            return codes
        if any(n.censored is not None and n.censored.name == entry.node for n in self.spec.checked.outcomes()):
            codes = self.helper("{}_codes", ident)
            known = sorted(set(CENSORING_CODES.values()))
            self.lines += [
                f"{codes} = pd.to_numeric({column}.map(lambda c: {CENSORING_CODES!r}.get(str(c).strip().lower(), c)),"
                " errors='coerce').to_numpy(dtype=float)  # censoring: 0 event, 1 right, -1 left, 2 interval",
                f"if not np.isin({codes}, {known!r}).all():  # another code would be read as an event",
                f"    raise ValueError({'column ' + repr(entry.column) + ' has censoring codes other than '!r}"
                f" + {', '.join([*CENSORING_CODES, *map(str, known)])!r} + ': rows '"
                f" + str(np.flatnonzero(~np.isin({codes}, {known!r}))[:10].tolist()))",
            ]
            return codes
        if np.ndim(entry.values) == 2:  # a matrix node: the file's nested array, one row per observation
            return f"np.array({column}.tolist(), dtype=float)"
        return f"{column}.to_numpy(dtype=float)"

    def _inline_matrix(self, entry: DataVar) -> bool:
        """A matrix node's values that came with the data passed in (not from a file the script can read)."""
        observation = self.spec.checked.nodes[entry.node].observed
        return (
            np.ndim(entry.values) == 2
            and entry.count_columns is None
            and (entry.column is None or observation.file is None)
        )

    def _recipe(self, entry: DataVar) -> str:
        recipe, likelihood = entry.recipe or {}, entry.name.split("__")[0]
        stem = self.names.get(likelihood, likelihood)
        name = lambda pattern: self.helper(pattern, stem)  # noqa: E731 - the likelihood's helper names
        if recipe["kind"] == "qr_q":
            columns = ", ".join(self.numpy_of[c] for c in recipe["columns"])
            x, q, r, r_inv = name("X_{}"), name("Q_{}"), name("R_{}"), name("R_inv_{}")
            self.lines += [
                f"# QR basis of the predictors of {likelihood}: an exact change of variables (same posterior),",
                "# sampled in the orthogonal basis, the slopes recovered as deterministics",
                f"{x} = np.column_stack([{columns}])",
            ]
            if recipe["centre"]:
                self.lines += [f"{x} = {x} - {x}.mean(axis=0)  # centred: the intercept is sampled at the means"]
            self.lines += [
                f"{q}, {r} = np.linalg.qr({x})",
                f"{q} = {q} * np.sqrt(len({x}) - 1)",
                f"{r_inv} = np.linalg.inv({r} / np.sqrt(len({x}) - 1))",
            ]
            return q
        if recipe["kind"] == "qr_r_inverse":
            return name("R_inv_{}")
        cells, row_cell, trials, successes = (
            name("cells_{}"),
            name("row_cell_{}"),
            name("trials_{}"),
            name("successes_{}"),
        )
        if recipe["kind"] == "cell_index":
            if recipe["column"] == 0:
                columns = ", ".join(self.numpy_of[c] for c in recipe["index"])
                given = recipe["trials"]
                weights = (
                    ""
                    if given is None
                    else (
                        f", weights=np.broadcast_to({number(given)}, len({row_cell}))"
                        if not isinstance(given, str)
                        else f", weights={self.numpy_of[given]}"
                    )
                )
                what = "one count" if recipe["counts"] else "one log density term"
                self.lines += [
                    f"# {likelihood}: rows with the same ({', '.join(recipe['index'])}) collapse to {what} per cell",
                    f"{cells}, {row_cell} = np.unique(np.column_stack([{columns}]), axis=0, return_inverse=True)",
                    f"{row_cell} = {row_cell}.ravel()",
                ]
                if recipe["counts"]:
                    self.lines += [
                        f"{trials} = np.bincount({row_cell}{weights}).round().astype(int)",
                        f"{successes} = np.bincount({row_cell}, weights={self.numpy_of[recipe['outcome']]})"
                        ".round().astype(int)",
                    ]
            return f"{cells}[:, {recipe['column']}]"
        if recipe["kind"] == "cell_statistic":
            return self._cell_statistic(recipe, cells, row_cell)
        if recipe["kind"] == "normal_stats":
            return self._normal_stats(recipe, stem)
        if recipe["kind"] == "cell_trials":
            return trials
        if recipe["kind"] == "cell_log_rows":  # a Poisson cell's mean is its rows times the rate: log rows added
            return f"np.log({trials})"
        if recipe["kind"] == "cell_successes":
            return successes
        raise ValueError(f"unknown recipe {recipe['kind']!r}")

    def _cell_statistic(self, recipe: dict, cells: str, row_cell: str) -> str:
        """A per-cell sufficient statistic (optimize/cell_stats.py's `statistic`) as numpy text."""
        y = self.numpy_of[recipe["outcome"]]
        if recipe["positive"]:  # a hurdle's positive rows
            y, row_cell = f"{y}[{y} > 0]", f"{row_cell}[{y} > 0]"
        values = {"y": y, "log": f"np.log({y})", "log1m": f"np.log1p(-{y})", "zero": f"1.0 * ({y} == 0)"}[
            recipe["transform"]
        ]
        size = f"minlength=len({cells})"
        rows, total = f"np.bincount({row_cell}, {size})", f"np.bincount({row_cell}, weights={values}, {size})"
        mean = f"np.divide({total}, {rows}, out=np.zeros(len({cells})), where={rows} > 0)"
        if recipe["aggregate"] == "rows":
            return f"{rows}.astype(float)"
        if recipe["aggregate"] == "sum":
            return total
        if recipe["aggregate"] == "mean":
            return mean
        return f"np.bincount({row_cell}, weights=({values} - ({mean})[{row_cell}]) ** 2, {size})"

    def _normal_stats(self, recipe: dict, stem: str) -> str:
        z, b_hat, rss = (self.helper(pattern, stem) for pattern in ("Z_{}", "b_hat_{}", "rss_{}"))
        if recipe["part"] == "gram":
            data = ExpressionPrinter(self.numpy_of, "np")
            columns = ([f"np.ones(len({self.numpy_of[recipe['outcome']]}))"] if recipe["intercept"] else []) + [
                data(c) for c in recipe["columns"]
            ]
            y = self.numpy_of[recipe["outcome"]]
            self.lines += [
                f"# {stem}'s Normal likelihood from sufficient statistics (exact): with the design Z, a least-squares",
                "# fit b_hat and its residual sum of squares, sum((y - Z b)^2) = RSS + (b - b_hat)' Z'Z (b - b_hat)",
                f"{z} = np.column_stack([{', '.join(columns)}])",
                f"{b_hat} = np.linalg.lstsq({z}, {y}, rcond=None)[0]",
                f"{rss} = np.sum(({y} - {z} @ {b_hat}) ** 2)",
            ]
            return f"{z}.T @ {z}"
        return b_hat if recipe["part"] == "lstsq" else rss

    def _model_section(self) -> None:
        body: list[str] = []
        likelihoods = [e for e in self.plan.entries if isinstance(e, LikelihoodVar)]
        interval_uppers = {e.interval_upper for e in likelihoods if e.interval_upper is not None}
        for entry in self.plan.entries:
            name, ident = entry.name, self.names[entry.name]
            if isinstance(entry, DataVar) and np.isnan(np.asarray(entry.values, dtype=float)).any():
                body.append(
                    f"{ident} = pm.Data({name!r}, np.nan_to_num({self.numpy_of[name]}){self._dims(entry.dims)})"
                    + (
                        "  # empty where a row is not interval-censored (0 here, unused)"
                        if name in interval_uppers
                        else "  # missing rows: 0 here, filled by the imputed values"
                    )
                )
            elif isinstance(entry, DataVar):
                body.append(f"{ident} = pm.Data({name!r}, {self.numpy_of[name]}{self._dims(entry.dims)})")
            elif isinstance(entry, RandomVariable):
                body += self._random(entry, ident)
            elif isinstance(entry, DerivedVar):
                value = self.print(entry.expr)
                if isinstance(entry.expr, Const):  # a fixed coefficient: a number, made a tensor to be stored
                    value = f"{self.tensor}.as_tensor_variable({value})"
                body.append(f"{ident} = pm.Deterministic({name!r}, {value}{self._dims(entry.dims)})")
            elif isinstance(entry, PriorPotential):
                dist = f"pm.{entry.dist}.dist({self._dist_args(entry.dist, entry.args)})"
                logp = (
                    f"{dist}.logp({self.print(entry.value)})"
                    if self.target == "pymc3"
                    else f"pm.logp({dist}, {self.print(entry.value)})"
                )
                body.append(f"pm.Potential({name!r}, {logp})  # {self.print(entry.value)} keeps its prior")
            elif isinstance(entry, LikelihoodVar):
                body += self._likelihood(entry, ident, len(likelihoods) > 1)
            elif isinstance(entry, LogDensity):
                body.append(
                    f"pm.Potential({name!r}, {self.print(entry.expr)})  # {entry.node}'s likelihood (sufficient statistics)"
                )
        self.lines += (
            ["with pm.Model(coords=coords) as model:"] + [f"    {line}" if line else "" for line in body] + [""]
        )

    def _dims(self, dims) -> str:
        if not dims:
            return ""
        return f", dims={dims[0]!r}" if len(dims) == 1 else f", dims={tuple(dims)!r}"

    def _random(self, entry: RandomVariable, ident: str) -> list[str]:
        args = self._dist_args(entry.dist, entry.args)
        if entry.dist == "LKJCholeskyCov":  # its correlations and sds are stored below, under the spec's names
            corr, stds = self.parts[(entry.name, "corr")], self.parts[(entry.name, "stds")]
            return [
                f"{ident}, {corr}, {stds} = pm.LKJCholeskyCov({entry.name!r}, {args}, compute_corr=True, "
                "store_in_trace=False)"
            ]
        if entry.dist == "AR1":  # x[t] = rho x[t-1] + sigma e[t], the first level from init
            order = "" if self.target == "pymc3" else ", ar_order=1"  # PyMC3 takes the order from rho's length
            return [f"{ident} = pm.AR({entry.name!r}, {args}{order}, constant=False{self._dims(entry.dims)})"]
        observed = f", observed={self.print(entry.observed)}" if entry.observed is not None else ""
        if entry.initval is not None:  # PyMC3 calls it testval
            value = np.asarray(entry.initval).tolist()
            observed += f", {'testval' if self.target == 'pymc3' else 'initval'}={value!r}"
        if entry.transform == "ordered":
            observed += ", transform=pm.distributions.transforms.ordered"
        args = f", {args}" if args else ""
        note = "  # default prior" if entry.default_prior else ""
        if entry.scaled:  # the rule names nodes only (identifiers), so it cannot break out of the comment
            note = f"  # default prior scaled to the data: {entry.scaled}"
        if entry.transform == "ordered":
            note = (
                (note or "  #")
                + ("; " if note else " ")
                + "each cutpoint has this prior, the transform keeps them increasing"
            )
        return [f"{ident} = pm.{entry.dist}({entry.name!r}{args}{self._dims(entry.dims)}{observed}){note}"]

    def _likelihood(self, entry: LikelihoodVar, ident: str, several: bool) -> list[str]:
        family = FAMILIES[entry.family]
        if family.zeros == "hurdle" and self.target == "pymc3":
            raise error("DS448", what=f"the {entry.family} outcome {entry.node}", missing=f"pm.{entry.family}")
        parts = [self.names[entry.intercept]] if entry.intercept else []
        for term in entry.terms:
            effect = self.names[term.param]
            if term.index:
                effect += "[" + ", ".join(self.names[i] for i in term.index) + "]"
            if term.value is None:
                parts.append(effect)
            elif term.matmul:
                parts.append(f"pm.math.dot({self.print(term.value)}, {effect})")
            elif family.categorical:  # one column per category: the values broadcast along them
                parts.append(f"{effect} * {self.print(term.value, 9)}[:, None]")
            else:
                parts.append(f"{effect} * {self.print(term.value, 3)}")
        eta_name = self.helper("eta_{}" if several else "eta", ident)
        eta = " + ".join(parts) if parts else "0.0"
        lines = [f"{eta_name} = {eta}"]
        if family.categorical:
            return lines + self._categorical(entry, ident, eta_name)
        aux = {k: self.print(v) for k, v in entry.aux.items()}
        observed = self.names[entry.observed]
        if family.outcome.integer and self.target == "pymc":
            observed = f"pt.cast({observed}, 'int64')"
        if family.ordered:
            sort = f"{self.tensor}.sort({aux['cutpoints']})"
            lines += [
                f"# P({entry.name} <= level k) = F(cutpoint k - {eta_name}); sorting the (already increasing) "
                "cutpoints keeps prior draws valid"
            ]
            kwargs = f"eta={eta_name}, cutpoints={sort}" + (", compute_p=False" if self.target == "pymc" else "")
        elif entry.family in ("Bernoulli", "Binomial"):
            trials = f"n={aux['n']}, " if entry.family == "Binomial" else ""
            p = (
                f"logit_p={eta_name}"
                if entry.link == "logit"
                else f"p={_INVERSE_LINK[entry.link].format(eta=eta_name)}"
            )
            kwargs = f"{trials}{p}"
        else:
            mean_name = self.helper("mu_{}" if several else "mu", ident)
            lines.append(f"{mean_name} = {_INVERSE_LINK[entry.link].format(eta=eta_name)}")
            if entry.link == "identity":  # mu = eta: write it once
                lines = [f"{mean_name} = {eta}"]
            kwargs = self._mean_kwargs(entry, mean_name, aux)
            if entry.imputed is not None and entry.imputed.se is not None:
                return lines + self._measured(entry, entry.imputed, entry.imputed.se, ident, kwargs)
            if entry.imputed is not None:
                return lines + self._imputing(entry, entry.imputed, ident, mean_name, aux)
            if entry.censoring is not None:
                args = self._mean_args(entry, mean_name, aux)
                return lines + self._censored(
                    entry, entry.censoring, ident, [args[p] for p in CENSORED_PARAMS[entry.family]]
                )
        if entry.weights is not None:
            return lines + self._weighted(entry, entry.weights, ident, kwargs, observed)
        if entry.truncation is not None:
            return lines + self._truncated(entry, ident, kwargs, observed)
        lines.append(
            f"{ident} = pm.{entry.family}({entry.name!r}, {kwargs}, observed={observed}{self._dims(entry.dims)})"
        )
        return lines

    def _categorical(self, entry: LikelihoodVar, ident: str, eta: str) -> list[str]:
        """softmax over the levels, the reference level's linear predictor 0 (its column inserted)."""
        t, r = self.tensor, entry.reference or 0
        observed = self.names[entry.observed]
        rows = f"{observed}.shape[0]"
        categories = len(self.plan.coords[level_dim(entry.node)]) - 1
        logits = self.helper("logits_{}", ident)
        lines = [
            f"{eta} = {t}.ones(({rows}, {categories})) * {eta}  # a row per observation, a column per level but "
            f"the reference ({self.plan.coords[level_dim(entry.node)][r]!r})",
            f"{logits} = {t}.concatenate([{eta}[:, :{r}], {t}.zeros(({rows}, 1)), {eta}[:, {r}:]], axis=1)",
        ]
        if FAMILIES[entry.family].counts:  # counts per category: n each row's total (`n = total`, else its sum)
            total = (
                f"{self.tensor}.cast({self.print(entry.aux['n'])}, 'int64')"
                if "n" in entry.aux
                else f"{observed}.sum(axis=1)"
            )
            p = f"pm.math.softmax({logits}, axis=-1)" if self.target == "pymc" else f"tt.nnet.softmax({logits})"
            counts = f"pt.cast({observed}, 'int64')" if self.target == "pymc" else observed
            return lines + [
                f"{ident} = pm.Multinomial({entry.name!r}, n={total}, p={p}, observed={counts}{self._dims(entry.dims)})"
            ]
        if self.target == "pymc":
            return lines + [
                f"{ident} = pm.Categorical({entry.name!r}, logit_p={logits}, observed=pt.cast({observed}, 'int64')"
                f"{self._dims(entry.dims)})"
            ]
        return lines + [
            f"{ident} = pm.Categorical({entry.name!r}, p=tt.nnet.softmax({logits}), observed={observed}"
            f"{self._dims(entry.dims)})"
        ]

    def _mean_args(self, entry: LikelihoodVar, mean: str, aux: dict, family: str | None = None) -> dict[str, str]:
        """The family's PyMC arguments, by name, from its mean parameter and auxiliary parameters."""
        family = family or entry.family
        if FAMILIES[family].zeros:  # PyMC's psi: the probability of the count (or positive) part
            zero = aux["zi"] if "zi" in aux else aux["hu"]
            base = family.removeprefix("ZeroInflated").removeprefix("Hurdle")
            rest = self._mean_args(entry, mean, {k: v for k, v in aux.items() if k not in ("zi", "hu")}, base)
            if self.target == "pymc3" and family == "ZeroInflatedPoisson":  # PyMC3 calls its mean theta
                rest = {("theta" if k == "mu" else k): v for k, v in rest.items()}
            simple = re.fullmatch(r"[\w.]+", zero)
            return {"psi": f"1 - {zero if simple else f'({zero})'}", **rest}
        if family == "BetaBinomial":
            return {"n": aux["n"], "alpha": f"{mean} * {aux['kappa']}", "beta": f"(1 - {mean}) * {aux['kappa']}"}
        if family == "Exponential":
            return {"lam": f"1 / {mean}"}
        if family == "Weibull":
            return {"alpha": aux["alpha"], "beta": f"{mean} / {self.tensor}.gamma(1 + 1 / {aux['alpha']})"}
        if family == "Gamma":
            return {"alpha": aux["alpha"], "beta": f"{aux['alpha']} / {mean}"}
        if family == "Beta":
            return {"alpha": f"{mean} * {aux['kappa']}", "beta": f"(1 - {mean}) * {aux['kappa']}"}
        return {"mu": mean, **aux}

    def _mean_kwargs(self, entry: LikelihoodVar, mean: str, aux: dict) -> str:
        return ", ".join(f"{k}={v}" for k, v in self._mean_args(entry, mean, aux).items())

    def _truncated(self, entry: LikelihoodVar, ident: str, kwargs: str, observed: str) -> list[str]:
        if self.target == "pymc3":
            raise error("DS448", what=f"the truncated outcome {entry.node}", missing="pm.Truncated")
        lower, upper = (repr(None if b is None else float(b)) for b in entry.truncation or (None, None))
        return [
            f"# truncated to [{lower}, {upper}]: the density divided by the probability of the bounds",
            f"{ident} = pm.Truncated({entry.name!r}, pm.{entry.family}.dist({kwargs}), lower={lower}, upper={upper}, "
            f"observed={observed}{self._dims(entry.dims)})",
        ]

    def _censored(self, entry: LikelihoodVar, censoring: str, ident: str, args: list[str]) -> list[str]:
        if self.target == "pymc3":
            raise error("DS448", what=f"the censored outcome {entry.node}", missing="pm.Censored")
        codes, times = self.names[censoring], self.names[entry.observed]
        params = ", ".join(CENSORED_PARAMS[entry.family])
        log_survival = {
            "Exponential": ["log_survival = -lam * value", "return log_survival, pt.log1mexp(log_survival)"],
            "Weibull": ["log_survival = -((value / beta) ** alpha)", "return log_survival, pt.log1mexp(log_survival)"],
            "Gamma": ["return pt.log(pt.gammaincc(alpha, beta * value)), pt.log(pt.gammainc(alpha, beta * value))"],
            "LogNormal": [
                "log_value = pt.log(value)",
                "return (pm.distributions.dist_math.normal_lccdf(mu, sigma, log_value),",
                "        pm.distributions.dist_math.normal_lcdf(mu, sigma, log_value))",
            ],
        }[entry.family]
        draw = {
            "Exponential": "rng.exponential(1 / lam, size=size)",
            "Weibull": "beta * rng.weibull(alpha, size=size)",
            "Gamma": "rng.gamma(alpha, 1 / beta, size=size)",
            "LogNormal": "rng.lognormal(mu, sigma, size=size)",
        }[entry.family]
        node = self.spec.checked.nodes[entry.node]
        upper = self.helper("upper_{}", ident)
        interval = self.names[entry.interval_upper] if entry.interval_upper is not None else None
        survival = self.helper("{}_log_survival", ident)
        logp, random = self.helper("{}_censored_logp", ident), self.helper("{}_censored_random", ident)
        return [
            f"# censored by {node.censored.name}: an event (code 0) adds the log density at t, a right-censored row "
            "(1) log S(t), a left-censored one (-1) log F(t),",
            "# an interval-censored one (2) log(S(t) - S(upper)) "
            + (f"with its upper end from {node.censored_upper.name}" if interval else "")
            + "; other rows' upper ends are t + 1, which keeps the unused term finite",
            f"{upper} = pt.switch(pt.eq({codes}, 2), {interval}, {times} + 1)"
            if interval
            else f"{upper} = {times} + 1",
            "",
            "",
            f"def {survival}(value, {params}):",
            f'    """log S(value) and log F(value) of the {entry.family}, in closed form (PyMC\'s logccdf underflows)."""',
            *(f"    {line}" for line in log_survival),
            "",
            "",
            f"def {logp}(value, times, codes, upper, {params}):",
            f"    log_survival, log_cdf = {survival}(value, {params})",
            f"    upper_survival, _ = {survival}(upper, {params})",
            "    interval = log_survival + pt.log1mexp(upper_survival - log_survival)",
            f"    log_density = pm.logp(pm.{entry.family}.dist({params}), value)",
            "    return pt.switch(pt.eq(codes, 1), log_survival,",
            "                     pt.switch(pt.eq(codes, -1), log_cdf, pt.switch(pt.eq(codes, 2), interval, log_density)))",
            "",
            "",
            f"def {random}(times, codes, upper, {params}, rng=None, size=None):",
            f"    draws = {draw}",
            "    return np.where(codes == 1, np.minimum(draws, times), np.where(codes == -1, np.maximum(draws, times), draws))",
            "",
            "",
            f"{ident} = pm.CustomDist({entry.name!r}, {times}, {codes}, {upper}, {', '.join(args)}, "
            f"logp={logp}, random={random}, observed={times}{self._dims(entry.dims)})",
        ]

    def _weighted(self, entry: LikelihoodVar, weights: str, ident: str, kwargs: str, observed: str) -> list[str]:
        """Each row's log-likelihood times its weight, as a CustomDist whose draws are the family's own."""
        if self.target == "pymc3":
            raise error("DS448", what=f"the weighted outcome {entry.node}", missing="CustomDist with a symbolic dist")
        names = [part.split("=", 1)[0] for part in _top_level(kwargs)]
        values = [part.split("=", 1)[1] for part in _top_level(kwargs)]
        family = ", ".join(f"{name}={name}" for name in names)
        dist, logp = self.helper("{}_weighted_dist", ident), self.helper("{}_weighted_logp", ident)
        column = self.spec.checked.nodes[entry.node].weights.name
        return [
            f"# the rows of {entry.node} are weighted by {column}: each row's log-likelihood times its weight (draws "
            "are the family's own)",
            "",
            f"def {dist}(weights, {', '.join(names)}, size):",
            f"    return pm.{entry.family}.dist({family}, size=size)",
            "",
            f"def {logp}(value, weights, {', '.join(names)}):",
            f"    return weights * pm.logp(pm.{entry.family}.dist({family}), value)",
            "",
            f"{ident} = pm.CustomDist({entry.name!r}, {self.names[weights]}, {', '.join(values)}, "
            f"dist={dist}, logp={logp}, observed={observed}{self._dims(entry.dims)})",
        ]

    def _measured(self, entry: LikelihoodVar, imputed: Imputation, se: str, ident: str, kwargs: str) -> list[str]:
        """Measurement error: the true values are parameters from the node's own likelihood, one per row; the data
        measure them with known standard errors; the node's children read the true values."""
        values, likelihood = self.helper("{}", imputed.name), self.helper("{}_measured", ident)
        column = self.spec.checked.nodes[entry.node].se.name
        return [
            f"# {entry.node} is measured with error: its true values are parameters drawn from its own model, one per",
            f"# row, and the data measure them with the standard errors {column}: {entry.name} ~ Normal(true value, "
            f"{column})",
            f"{values} = pm.{entry.family}({imputed.name!r}, {kwargs}{self._dims((imputed.missing_dim,))})",
            f"{likelihood} = pm.Normal({entry.name!r}, mu={values}, sigma={self.names[se]}, "
            f"observed={self.names[entry.observed]}{self._dims(entry.dims)})",
            f"{ident} = {values}  # what the children of {entry.node} read: its true values",
        ]

    def _imputing(self, entry: LikelihoodVar, imputed: Imputation, ident: str, mean: str, aux: dict) -> list[str]:
        """Missing rows: a parameter from the outcome's own likelihood; observed rows: the likelihood; the node's
        values: the data with the missing rows filled in."""
        t = self.tensor
        container = self.names[entry.observed]
        rows = {
            "missing": f"np.array(coords[{imputed.missing_dim!r}])",
            "present": f"np.array(coords[{imputed.present_dim!r}])",
        }
        vectors = {k for k, v in entry.aux.items() if isinstance(v, VarRef) and v.name in self.numpy_of}
        index = {which: self.helper(f"{which}_rows", ident) for which in ("missing", "present")}
        values, likelihood = self.helper("{}", imputed.name), self.helper("{}_likelihood", ident)

        def picked(which: str) -> str:
            return self._mean_kwargs(
                entry,
                f"{mean}[{index[which]}]",
                {k: f"{v}[{index[which]}]" if k in vectors else v for k, v in aux.items()},
            )

        return [
            f"{mean} = {mean} + {t}.zeros(len(coords[{OBS_DIM!r}]))  # one per row, to pick the missing and observed rows",
            f"{index['missing']}, {index['present']} = {rows['missing']}, {rows['present']}",
            f"# the {len(imputed.missing)} missing values of {entry.node}: parameters drawn from its own likelihood",
            f"{values} = pm.{entry.family}({imputed.name!r}, {picked('missing')}, dims={imputed.missing_dim!r})",
            f"{likelihood} = pm.{entry.family}({entry.name!r}, {picked('present')}, "
            f"observed={container}.get_value()[{index['present']}], dims={imputed.present_dim!r})",
            f"{ident} = {t}.set_subtensor({container}[{index['missing']}], {values})  # {entry.node} with its missing rows filled in",
        ]

    def _main_section(self) -> None:
        names = [n for n in self.spec.parameters]
        names += [e.imputed.name for e in self.plan.entries if isinstance(e, LikelihoodVar) and e.imputed is not None]
        names += [
            e.name
            for e in self.plan.entries
            if isinstance(e, DerivedVar)
            and e.name in {n.pymc_name for n in self.spec.checked.nodes.values() if n.role == "derived"}
        ]
        sample = "pm.sample(return_inferencedata=True)" if self.target == "pymc3" else "pm.sample()"
        self.lines += [
            'if __name__ == "__main__":',
            "    with model:",
            f"        idata = {sample}",
            f"    print(az.summary(idata, var_names={names!r}))",
        ]


def _top_level(arguments: str) -> list[str]:
    """`a=f(x, y), b=z` → [`a=f(x, y)`, `b=z`]: keyword arguments split at the commas outside brackets."""
    parts, depth, start = [], 0, 0
    for position, char in enumerate(arguments):
        depth += char in "([{"
        depth -= char in ")]}"
        if char == "," and depth == 0:
            parts.append(arguments[start:position].strip())
            start = position + 1
    return parts + [arguments[start:].strip()]


def _in_docstring(text: str) -> str:
    """`text` escaped to sit inside a triple-quoted docstring: as `repr` escapes it, and with every `"` escaped,
    so no file name can end the docstring or hold a line break."""
    return repr(text)[1:-1].replace('"', '\\"')


def generate(spec, target: str = "pymc", data=None, optimize=False, output: str | Path | None = None) -> str:
    """The source of a script that builds `spec` (with its optimizations when `optimize`) for `target`."""
    if target not in ("pymc", "pymc3"):
        raise ValueError(f"unknown target {target!r}; targets: pymc, pymc3")
    plan = spec.plan(data, for_scripts(optimize))
    return _Writer(spec, plan, target, Path(output) if output else None).write()


__all__ = ["generate", "VarRef"]
