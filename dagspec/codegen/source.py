"""A Spec and its Plan → the text of a standalone Python script that builds and samples the same model."""
from __future__ import annotations

import keyword
import os
from pathlib import Path

import numpy as np

from ..diagnostics import error
from ..dists import DISTRIBUTIONS
from ..families import CENSORING_CODES, FAMILIES
from ..plan import (
    OBS_DIM,
    Const,
    DataVar,
    DerivedVar,
    Func,
    LikelihoodVar,
    LogDensity,
    Plan,
    PriorPotential,
    RandomVariable,
    VarRef,
)
from .expressions import ExpressionPrinter, number

_TAKEN = {"pm", "np", "pd", "az", "pt", "tt", "sys", "Path", "HERE", "data", "model", "coords", "idata", "main", "json",
          "read_json_columns"}

_INVERSE_LINK = {
    "identity": "{eta}", "logit": "pm.math.invlogit({eta})", "probit": "pm.math.invprobit({eta})",
    "cloglog": "1 - pm.math.exp(-pm.math.exp({eta}))", "log": "pm.math.exp({eta})", "inverse": "1 / ({eta})",
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


class _Writer:
    def __init__(self, spec, plan: Plan, target: str, output: Path | None):
        self.spec, self.plan, self.target, self.output = spec, plan, target, output
        self.tensor = "tt" if target == "pymc3" else "pt"
        self.parts: dict[tuple[str, str], str] = {}  # (LKJ prior, part) → identifier, set by _identifiers
        self.names = self._identifiers()
        self.print = ExpressionPrinter(self.names, self.tensor, self._dist_args, self.parts)
        self.numpy_of: dict[str, str] = {}  # data container → numpy expression of its values
        self.lines: list[str] = []

    # ---- names ----
    def _identifiers(self) -> dict[str, str]:
        """PyMC names → unique Python identifiers; also those of the correlations and standard deviations that
        LKJCholeskyCov returns, shared with the deterministics that store them under PyMC's names."""
        names = {}
        used = set(_TAKEN)

        def fresh(name: str) -> str:
            identifier = name.strip("_") if name.startswith("__") else name
            while identifier in used or keyword.iskeyword(identifier):
                identifier += "_"
            used.add(identifier)
            return identifier

        derived = {e.name: e.expr for e in self.plan.entries if isinstance(e, DerivedVar)}
        for entry in self.plan.entries:
            if entry.name not in names:
                names[entry.name] = fresh(entry.name)
            if isinstance(entry, RandomVariable) and entry.dist == "LKJCholeskyCov":
                for part in ("corr", "stds"):
                    default = f"{entry.name}_{part}"
                    if derived.get(default) == Func(part, (VarRef(entry.name),)) and default not in names:
                        names[default] = fresh(default)
                        self.parts[(entry.name, part)] = names[default]
                    else:
                        self.parts[(entry.name, part)] = fresh(f"{names[entry.name]}_{part}")
        return names

    def _dist_args(self, dist: str, args: dict) -> str:
        aliases = DISTRIBUTIONS[dist].aliases
        return ", ".join(f"{aliases.get(k, k)}={self.print(v)}" for k, v in args.items())

    # ---- the script ----
    def write(self) -> str:
        library = "PyMC3 3.11 (Theano-PyMC)" if self.target == "pymc3" else "PyMC 5"
        self.lines += [
            f'"""{Path(self.spec.name).name} compiled by dagspec into a {library} model.',
            "",
            "Run it to sample the posterior and print a summary"
            + (" (pass a CSV file to use other data)." if self._files() else "."),
            '"""',
        ]
        self.lines += self._imports()
        self._data_section()
        self._model_section()
        self._main_section()
        return "\n".join(self.lines) + "\n"

    def _imports(self) -> list[str]:
        if self.target == "pymc3":
            return self._json_import() + ["import sys", "from pathlib import Path", "", "import arviz as az", "import numpy as np",
                    "import pandas as pd", "import pymc3 as pm", "import theano.tensor as tt", ""]
        return self._json_import() + ["import sys", "from pathlib import Path", "", "import arviz as az", "import numpy as np",
                "import pandas as pd", "import pymc as pm", "import pytensor.tensor as pt", ""]

    def _json_import(self) -> list[str]:
        return ["import json"] if any(f is not None and f.lower().endswith(".json") for f in self._files()) else []

    def _files(self) -> dict[str | None, str]:
        """Data files (None: data that was passed in) → the Python name of their DataFrame."""
        files = []
        for entry in self.plan.entries:
            if isinstance(entry, DataVar) and entry.column is not None:
                observation = self.spec.checked.nodes[entry.node].observed
                if observation.file not in files:
                    files.append(observation.file)
        if len(files) == 1:
            return {files[0]: "data"}
        return {f: f"data_{i + 1}" for i, f in enumerate(files)}

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
                container = next(e.name for e in self.plan.entries
                                 if isinstance(e, DataVar) and e.levels is not None and e.node == dim)
                coords.append(f"    {dim!r}: {self.names[container]}_levels,")
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
            self.lines.append(f"{ident}_levels = {list(entry.levels)!r}")
        if entry.column is None:
            values = [None if isinstance(v, float) and np.isnan(v) else v for v in entry.values.tolist()]
            return f"np.array({values!r}, dtype=float)" if None in values else f"np.array({values!r})"
        frame = files[self.spec.checked.nodes[entry.node].observed.file]
        column = f"{frame}[{entry.column!r}]"
        if entry.levels is not None:
            self.lines.append(f"{ident}_codes = pd.Categorical({column}, categories={ident}_levels).codes.astype(int)")
            return f"{ident}_codes"
        if any(n.censored is not None and n.censored.name == entry.node for n in self.spec.checked.outcomes()):
            self.lines.append(f"{ident}_codes = {column}.map(lambda c: {CENSORING_CODES!r}.get(str(c).strip().lower(), c))"
                              "  # censoring: 0 event, 1 right, -1 left")
            return f"{ident}_codes.to_numpy(dtype=float)"
        return f"{column}.to_numpy(dtype=float)"

    def _recipe(self, entry: DataVar) -> str:
        recipe, likelihood = entry.recipe, entry.name.split("__")[0]
        stem = self.names.get(likelihood, likelihood)
        if recipe["kind"] == "qr_q":
            columns = ", ".join(self.numpy_of[c] for c in recipe["columns"])
            self.lines += [
                f"# QR basis of the predictors of {likelihood}: an exact change of variables (same posterior),",
                "# sampled in the orthogonal basis, the slopes recovered as deterministics",
                f"X_{stem} = np.column_stack([{columns}])",
            ]
            if recipe["centre"]:
                self.lines += [f"X_{stem} = X_{stem} - X_{stem}.mean(axis=0)  # centred: the intercept is sampled at the means"]
            self.lines += [
                f"Q_{stem}, R_{stem} = np.linalg.qr(X_{stem})",
                f"Q_{stem} = Q_{stem} * np.sqrt(len(X_{stem}) - 1)",
                f"R_inv_{stem} = np.linalg.inv(R_{stem} / np.sqrt(len(X_{stem}) - 1))",
            ]
            return f"Q_{stem}"
        if recipe["kind"] == "qr_r_inverse":
            return f"R_inv_{stem}"
        if recipe["kind"] == "cell_index":
            if recipe["column"] == 0:
                columns = ", ".join(self.numpy_of[c] for c in recipe["index"])
                trials = recipe["trials"]
                weights = "" if trials is None else (f", weights=np.broadcast_to({number(trials)}, len(row_cell_{stem}))"
                                                     if not isinstance(trials, str) else f", weights={self.numpy_of[trials]}")
                self.lines += [
                    f"# {likelihood}: rows with the same ({', '.join(recipe['index'])}) collapse to one Binomial count",
                    f"cells_{stem}, row_cell_{stem} = np.unique(np.column_stack([{columns}]), axis=0, return_inverse=True)",
                    f"row_cell_{stem} = row_cell_{stem}.ravel()",
                    f"trials_{stem} = np.bincount(row_cell_{stem}{weights}).round().astype(int)",
                    f"successes_{stem} = np.bincount(row_cell_{stem}, weights={self.numpy_of[recipe['outcome']]}).round().astype(int)",
                ]
            return f"cells_{stem}[:, {recipe['column']}]"
        if recipe["kind"] == "normal_stats":
            return self._normal_stats(recipe, stem)
        if recipe["kind"] == "cell_trials":
            return f"trials_{stem}"
        if recipe["kind"] == "cell_successes":
            return f"successes_{stem}"
        raise ValueError(f"unknown recipe {recipe['kind']!r}")

    def _normal_stats(self, recipe: dict, stem: str) -> str:
        if recipe["part"] == "gram":
            data = ExpressionPrinter(self.numpy_of, "np")
            columns = ([f"np.ones(len({self.numpy_of[recipe['outcome']]}))"] if recipe["intercept"] else []) + \
                [data(c) for c in recipe["columns"]]
            y = self.numpy_of[recipe["outcome"]]
            self.lines += [
                f"# {stem}'s Normal likelihood from sufficient statistics (exact): with the design Z, a least-squares",
                "# fit b_hat and its residual sum of squares, sum((y - Z b)^2) = RSS + (b - b_hat)' Z'Z (b - b_hat)",
                f"Z_{stem} = np.column_stack([{', '.join(columns)}])",
                f"b_hat_{stem} = np.linalg.lstsq(Z_{stem}, {y}, rcond=None)[0]",
                f"rss_{stem} = np.sum(({y} - Z_{stem} @ b_hat_{stem}) ** 2)",
            ]
            return f"Z_{stem}.T @ Z_{stem}"
        return f"b_hat_{stem}" if recipe["part"] == "lstsq" else f"rss_{stem}"

    def _model_section(self) -> None:
        body: list[str] = []
        likelihoods = [e for e in self.plan.entries if isinstance(e, LikelihoodVar)]
        for entry in self.plan.entries:
            name, ident = entry.name, self.names[entry.name]
            if isinstance(entry, DataVar) and np.isnan(np.asarray(entry.values, dtype=float)).any():
                body.append(f"{ident} = pm.Data({name!r}, np.nan_to_num({self.numpy_of[name]}){self._dims(entry.dims)})"
                            "  # missing rows: 0 here, filled by the imputed values")
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
                logp = f"{dist}.logp({self.print(entry.value)})" if self.target == "pymc3" else \
                    f"pm.logp({dist}, {self.print(entry.value)})"
                body.append(f"pm.Potential({name!r}, {logp})  # {entry.value.name} keeps its prior")
            elif isinstance(entry, LikelihoodVar):
                body += self._likelihood(entry, ident, len(likelihoods) > 1)
            elif isinstance(entry, LogDensity):
                body.append(f"pm.Potential({name!r}, {self.print(entry.expr)})  # {entry.node}'s Normal likelihood")
        self.lines += ["with pm.Model(coords=coords) as model:"] + [f"    {line}" if line else "" for line in body] + [""]

    def _dims(self, dims) -> str:
        if not dims:
            return ""
        return f", dims={dims[0]!r}" if len(dims) == 1 else f", dims={tuple(dims)!r}"

    def _random(self, entry: RandomVariable, ident: str) -> list[str]:
        args = self._dist_args(entry.dist, entry.args)
        if entry.dist == "LKJCholeskyCov":  # its correlations and sds are stored below, under the spec's names
            corr, stds = self.parts[(entry.name, "corr")], self.parts[(entry.name, "stds")]
            return [f"{ident}, {corr}, {stds} = pm.LKJCholeskyCov({entry.name!r}, {args}, compute_corr=True, "
                    "store_in_trace=False)"]
        observed = f", observed={self.print(entry.observed)}" if entry.observed is not None else ""
        if entry.initval is not None:  # PyMC3 calls it testval
            value = np.asarray(entry.initval).tolist()
            observed += f", {'testval' if self.target == 'pymc3' else 'initval'}={value!r}"
        if entry.transform == "ordered":
            observed += ", transform=pm.distributions.transforms.ordered"
        args = f", {args}" if args else ""
        note = "  # default prior" if entry.default_prior else ""
        if entry.transform == "ordered":
            note = (note or "  #") + ("; " if note else " ") + "each cutpoint has this prior, the transform keeps them increasing"
        return [f"{ident} = pm.{entry.dist}({entry.name!r}{args}{self._dims(entry.dims)}{observed}){note}"]

    def _likelihood(self, entry: LikelihoodVar, ident: str, several: bool) -> list[str]:
        parts = [self.names[entry.intercept]] if entry.intercept else []
        for term in entry.terms:
            effect = self.names[term.param]
            if term.index:
                effect += "[" + ", ".join(self.names[i] for i in term.index) + "]"
            if term.value is None:
                parts.append(effect)
            elif term.matmul:
                parts.append(f"pm.math.dot({self.print(term.value)}, {effect})")
            else:
                parts.append(f"{effect} * {self.print(term.value, 3)}")
        eta_name = f"eta_{ident}" if several else "eta"
        mean_name = f"mu_{ident}" if several else "mu"
        eta = " + ".join(parts) if parts else "0.0"
        lines = [f"{eta_name} = {eta}"]
        family = FAMILIES[entry.family]
        aux = {k: self.print(v) for k, v in entry.aux.items()}
        observed = self.names[entry.observed]
        if family.outcome.integer and self.target == "pymc":
            observed = f"pt.cast({observed}, 'int64')"
        if family.ordered:
            sort = f"{self.tensor}.sort({aux['cutpoints']})"
            lines += [f"# P({entry.name} <= level k) = F(cutpoint k - {eta_name}); sorting the (already increasing) "
                      "cutpoints keeps prior draws valid"]
            kwargs = f"eta={eta_name}, cutpoints={sort}" + (", compute_p=False" if self.target == "pymc" else "")
        elif entry.family in ("Bernoulli", "Binomial"):
            trials = f"n={aux['n']}, " if entry.family == "Binomial" else ""
            p = f"logit_p={eta_name}" if entry.link == "logit" else f"p={_INVERSE_LINK[entry.link].format(eta=eta_name)}"
            kwargs = f"{trials}{p}"
        else:
            lines.append(f"{mean_name} = {_INVERSE_LINK[entry.link].format(eta=eta_name)}")
            if entry.link == "identity":  # mu = eta: write it once
                lines = [f"{mean_name} = {eta}"]
            kwargs = self._mean_kwargs(entry, mean_name, aux)
            if entry.imputed is not None:
                return lines + self._imputing(entry, ident, mean_name, aux)
            if entry.censoring is not None:
                return lines + self._censored(entry, ident, kwargs)
        lines.append(f"{ident} = pm.{entry.family}({entry.name!r}, {kwargs}, observed={observed}{self._dims(entry.dims)})")
        return lines

    def _mean_kwargs(self, entry: LikelihoodVar, mean: str, aux: dict) -> str:
        if entry.family == "Exponential":
            return f"lam=1 / {mean}"
        if entry.family == "Weibull":
            return f"alpha={aux['alpha']}, beta={mean} / {self.tensor}.gamma(1 + 1 / {aux['alpha']})"
        if entry.family == "Gamma":
            return f"alpha={aux['alpha']}, beta={aux['alpha']} / {mean}"
        if entry.family == "Beta":
            return f"alpha={mean} * {aux['kappa']}, beta=(1 - {mean}) * {aux['kappa']}"
        return ", ".join([f"mu={mean}"] + [f"{k}={v}" for k, v in aux.items()])

    def _censored(self, entry: LikelihoodVar, ident: str, kwargs: str) -> list[str]:
        if self.target == "pymc3":
            raise error("DS448", what=f"the censored outcome {entry.node}", missing="pm.Censored")
        codes, times = self.names[entry.censoring], self.names[entry.observed]
        if entry.family == "Exponential":
            params, log_survival = "lam", "-lam * value"
            log_density, draw = "pt.log(lam) - lam * value", "rng.exponential(1 / lam, size=size)"
        else:
            params, log_survival = "alpha, beta", "-((value / beta) ** alpha)"
            log_density = "pt.log(alpha) - pt.log(beta) + (alpha - 1) * pt.log(value / beta) + log_survival"
            draw = "beta * rng.weibull(alpha, size=size)"
        arguments = kwargs.replace("lam=", "").replace("alpha=", "").replace("beta=", "")
        return [
            f"# censored by {self.spec.checked.nodes[entry.node].censored.name}: a right-censored time (1) is an upper "
            "bound (the row adds log S(t)), a left-censored one (-1) a lower bound (log F(t)), as pm.Censored but",
            "# with the closed-form log survival function (PyMC's logccdf underflows to -inf in the far tail)",
            f"lower_{ident} = pt.switch(pt.eq({codes}, -1), {times}, -np.inf)",
            f"upper_{ident} = pt.switch(pt.eq({codes}, 1), {times}, np.inf)",
            "",
            f"def {ident}_censored_logp(value, lower, upper, {params}):",
            f"    log_survival = {log_survival}",
            "    return pt.switch(pt.eq(value, upper), log_survival,",
            f"                     pt.switch(pt.eq(value, lower), pt.log1mexp(log_survival), {log_density}))",
            "",
            f"def {ident}_censored_random(lower, upper, {params}, rng=None, size=None):",
            f"    return np.clip({draw}, lower, upper)",
            "",
            f"{ident} = pm.CustomDist({entry.name!r}, lower_{ident}, upper_{ident}, {arguments}, "
            f"logp={ident}_censored_logp, random={ident}_censored_random, observed={times}{self._dims(entry.dims)})",
        ]

    def _imputing(self, entry: LikelihoodVar, ident: str, mean: str, aux: dict) -> list[str]:
        """Missing rows: a parameter from the outcome's own likelihood; observed rows: the likelihood; the node's
        values: the data with the missing rows filled in."""
        imputed, t = entry.imputed, self.tensor
        container = self.names[entry.observed]
        rows = {"missing": f"np.array(coords[{imputed.missing_dim!r}])", "present": f"np.array(coords[{imputed.present_dim!r}])"}
        vectors = {k for k, v in entry.aux.items() if isinstance(v, VarRef) and v.name in self.numpy_of}

        def picked(which: str) -> str:
            return self._mean_kwargs(entry, f"{mean}[{which}_rows]", {k: f"{v}[{which}_rows]" if k in vectors else v
                                                                    for k, v in aux.items()})
        return [
            f"{mean} = {mean} + {t}.zeros(len(coords[{OBS_DIM!r}]))  # one per row, to pick the missing and observed rows",
            f"missing_rows, present_rows = {rows['missing']}, {rows['present']}",
            f"# the {len(imputed.missing)} missing values of {entry.node}: parameters drawn from its own likelihood",
            f"{imputed.name} = pm.{entry.family}({imputed.name!r}, {picked('missing')}, dims={imputed.missing_dim!r})",
            f"{ident}_likelihood = pm.{entry.family}({entry.name!r}, {picked('present')}, "
            f"observed={container}.get_value()[present_rows], dims={imputed.present_dim!r})",
            f"{ident} = {t}.set_subtensor({container}[missing_rows], {imputed.name})  # {entry.node} with its missing rows filled in",
        ]

    def _main_section(self) -> None:
        names = [n for n in self.spec.parameters]
        names += [e.imputed.name for e in self.plan.entries if isinstance(e, LikelihoodVar) and e.imputed is not None]
        names += [e.name for e in self.plan.entries if isinstance(e, DerivedVar) and e.name in
                  {n.pymc_name for n in self.spec.checked.nodes.values() if n.role == "derived"}]
        sample = "pm.sample(return_inferencedata=True)" if self.target == "pymc3" else "pm.sample()"
        self.lines += [
            'if __name__ == "__main__":',
            "    with model:",
            f"        idata = {sample}",
            f"    print(az.summary(idata, var_names={names!r}))",
        ]


def generate(spec, target: str = "pymc", data=None, optimize=False, output: str | Path | None = None) -> str:
    """The source of a script that builds `spec` (with its optimizations when `optimize`) for `target`."""
    if target not in ("pymc", "pymc3"):
        raise ValueError(f"unknown target {target!r}; targets: pymc, pymc3")
    plan = spec.plan(data, optimize)
    return _Writer(spec, plan, target, Path(output) if output else None).write()


__all__ = ["generate", "VarRef"]
