"""Diagnostic codes → their severity, message template and hint: the one place for every message's wording."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Code:
    severity: Severity
    title: str
    message: str
    hint: str = ""


def _e(title: str, message: str, hint: str = "") -> Code:
    return Code("error", title, message, hint)


def _w(title: str, message: str, hint: str = "") -> Code:
    return Code("warning", title, message, hint)


CODES: dict[str, Code] = {
    # ---- syntax (DS1xx) ----
    "DS101": _e(
        "syntax error",
        "unexpected {found}; expected {expected}",
        "check the statement against the language reference (docs/language.md)",
    ),
    "DS102": _e(
        "unexpected character",
        "unexpected character {char!r}",
        "names are ASCII letters, digits and '_'; strings use double quotes",
    ),
    "DS103": _e("unterminated string", "unterminated string", "close the string with a double quote on the same line"),
    "DS104": _e(
        "unexpected end", "the spec ends in the middle of a statement; expected {expected}", "finish the last statement"
    ),
    "DS105": _e("keyword case", "unknown word {found!r}; keywords are lowercase", "write {keyword!r}"),
    "DS106": _e(
        "empty spec",
        "the spec declares nothing",
        "add nodes, edges and `observed` statements, e.g. `x -> y` and `observed x, y`",
    ),
    "DS107": _e("unreadable spec", "cannot read the spec file: {reason}", "check the path; specs are UTF-8 text files"),
    "DS108": _e(
        "bad IR",
        "not a dagspec IR document: {reason}",
        "pass the JSON written by Spec.to_json() or `dagspec compile --emit ir`",
    ),
    "DS109": _e(
        "spec too large",
        "the spec is {size} characters long; dagspec reads specs of up to {limit}",
        "a spec this large is likely the wrong file (a data file?); specs declare a graph, data stays in CSV files",
    ),
    "DS110": _e("dagitty syntax", "dagitty graph: {what}", "{suggestion}"),
    "DS111": _e(
        "reserved name",
        "{name!r} has a double underscore: such names are reserved for dagspec's own variables",
        "write it without `__`, e.g. {suggestion}",
    ),
    "DS112": _e(
        "unknown escape",
        'unknown escape `{escape}` in a string; the only escapes are `\\"` (a quote) and `\\\\` (a backslash)',
        'write a backslash as `\\\\`, or use forward slashes in paths: "data/new.csv"',
    ),
    "DS113": _e(
        "number out of range",
        "the number {text} cannot be represented: {why}",
        "numbers are double precision floats: nonzero sizes from about 5e-324 to 1.8e308",
    ),
    "DS114": _e(
        "nested too deeply",
        "this expression nests more than {limit} levels deep (operators, calls, lists and subscripts each add one)",
        "split it into parts with `let`, e.g. `let part = ...`; a sum of many terms nests one level per `+`",
    ),
    "DS119": _w(
        "more findings",
        "{count} more {code} finding(s) ({title}) not shown, the first of them here",
        "fix the {shown} shown first: the others are likely the same mistake",
    ),
    # ---- ordered categorical outcomes (DS13x) ----
    "DS130": _e(
        "cutpoints prior",
        "{address} must have a prior on the whole real line to be ordered, but {dist} {why}",
        "use e.g. `prior {address} ~ Normal(0, 1.5)`: each cutpoint gets that prior and the ordering is a "
        "change of variables (Stan's `ordered`); priors: {priors}",
    ),
    "DS131": _e(
        "cutpoints prior per level",
        "{address} takes one prior for every cutpoint, but {what} is a list",
        "give scalar parameters, e.g. `prior {address} ~ Normal(0, 1.5)`: an ordered vector of "
        "exchangeable cutpoints is what dagspec can draw from and sample exactly",
    ),
    "DS132": _e(
        "ordered predictor",
        "{name!r} is an ordered outcome, and dagspec cannot use it as a predictor of {target!r} yet",
        'fit {target} on another node, or observe the levels again as a data node: `observed {name}_code = "{column}"`',
    ),
    "DS133": _w(
        "level never observed",
        "{name!r} declares level(s) {levels} that no row of {column!r} has",
        "the cutpoints around them are then set by their prior alone; drop them from `levels = [...]` if they cannot occur",
    ),
    "DS134": _e(
        "too few levels",
        "ordered outcome {name!r} has {count} level(s) in {column!r}; it needs at least two",
        "declare the possible levels with `levels = [...]`, or check the column",
    ),
    # ---- distributional models, zero models and categorical outcomes (DS15x) ----
    "DS150": _e(
        "not a distributional parameter",
        "{address} points into {outcome}.{dpar}, but {why}",
        "{suggestion}",
    ),
    "DS151": _e(
        "parameter address in an edge",
        "{what} cannot be {where} of an edge: {why}",
        "{suggestion}",
    ),
    "DS152": _e(
        "no such zero model",
        "{name!r} is not a family: {why}",
        "{suggestion}",
    ),
    "DS153": _e(
        "option not for this outcome",
        "{what} cannot be used with the {family} family: {why}",
        "{suggestion}",
    ),
    "DS154": _e(
        "too few categories",
        "categorical outcome {name!r} has {count} level(s) in {column!r}; it needs at least two",
        "a categorical outcome compares levels with its reference: declare the possible levels with `levels = [...]`, "
        "or check the column",
    ),
    # ---- smooth terms: splines and Gaussian processes (DS15x) ----
    "DS155": _e(
        "bad smooth term",
        "{what}: {why}",
        "{suggestion}",
    ),
    "DS156": _e(
        "misplaced smooth term",
        "{what} cannot be written here: {why}",
        "a smooth term is one term of an outcome's regression: `spline(x, knots = 10) -> y`, `gp(x) -> y`",
    ),
    # ---- default priors scaled to the data: `priors auto` (DS170-DS174) ----
    "DS170": _e("priors statement", "{what}", "{suggestion}"),
    "DS171": _w(
        "not data-scaled",
        "`priors auto` has no data-scaled rule for {what}, so {kept} keeps its fixed default prior",
        "give it a `prior` statement; docs/language.md lists what the rule scales",
    ),
    "DS172": _w(
        "nothing to scale by",
        "{column} has no spread in the data (a single value), so `priors auto` leaves {what} at its fixed default",
        "check the column (a constant predictor informs nothing), or give it a `prior` statement",
    ),
    # ---- matrix predictors and vector parameters (DS16x) ----
    "DS160": _e(
        "matrix node misused",
        "{name!r} is a matrix node (one row of {columns} per observation); {why}",
        "{suggestion}",
    ),
    "DS161": _e(
        "vector size",
        "{what}",
        "{suggestion}",
    ),
    # ---- names (DS2xx) ----
    "DS201": _e("unknown name", "unknown name {name!r}{where}", "{suggestion}"),
    "DS202": _e("duplicate name", "{name!r} is already defined (line {line})", "give one of them another name"),
    "DS203": _e(
        "reserved word",
        "{name!r} is a reserved word and cannot name a node or parameter",
        "choose another name, e.g. {name}_",
    ),
    "DS204": _e("unknown address", "no parameter at address {address!r}{why}", "{suggestion}"),
    "DS205": _e(
        "duplicate prior", "a prior for {address!r} is already given (line {line})", "keep one prior per parameter"
    ),
    "DS206": _e("name clash", "parameter name {name!r} is already used by {other}", "choose another name after `as`"),
    # ---- graph (DS3xx) ----
    "DS301": _e(
        "cycle", "the graph has a cycle: {cycle}", "a causal graph is acyclic: remove or reverse one of these edges"
    ),
    "DS302": _e(
        "misplaced by",
        "`by` applies to a single edge, but this statement has {count} edges",
        "write the varying edge on its own line: `x -> y by g`",
    ),
    "DS303": _e(
        "outcome without data",
        "{name!r} has a likelihood ({family}) but is not observed",
        'add `observed {name}` (with `from "file.csv"` or data passed to build), or declare `node {name}` without `~` to keep it in the graph only',
    ),
    "DS304": _w(
        "unfitted edge",
        "{source} -> {target} is not fitted: {source} is not observed",
        "observe {source} to fit this edge; as it is, {source} acts as an unobserved cause in the causal analysis",
    ),
    "DS305": _e(
        "by needs categories",
        "`by {group}` needs a categorical node, but {group!r} is {kind}",
        "declare `node {group} : categorical`",
    ),
    "DS306": _e(
        "edge into a parameter",
        "{target!r} is {kind}; edges can only point at data nodes and outcomes",
        "write the dependence in the distribution's arguments instead, e.g. `{target} ~ Normal(mu = {source}, sigma = 1)`",
    ),
    "DS307": _e(
        "undeclared node",
        "{name!r} is used in the graph but never declared or observed",
        "declare it: `node {name}` (a graph-only, unobserved node), or observe it",
    ),
    "DS308": _e("declared twice", "node {name!r} is declared twice (line {line})", "merge the two declarations"),
    "DS309": _w("unused node", "node {name!r} has no edges and is not used", "connect it with `->`, or remove it"),
    "DS310": _e(
        "estimate needs data",
        "cannot estimate {exposure} -> {outcome}: {name!r} is not observed",
        "observe {name}; an effect is estimated from data on the exposure and the outcome",
    ),
    "DS311": _e(
        "not identifiable",
        "the {effect} effect of {exposure} on {outcome} is not identifiable by adjustment: {why}",
        "observe more of the graph (e.g. {suggestion}), or name covariates with `adjust` and accept the bias",
    ),
    "DS312": _e(
        "two estimates",
        "{outcome!r} is already the outcome of an estimate (line {line})",
        "fit one regression per outcome; write a second spec for another adjustment set",
    ),
    # time series: lagged nodes
    "DS375": _e(
        "present into its past",
        "{path}: {lagged} is {present} {steps} time step(s) earlier (`{lag}`), and the present cannot cause the past",
        "write the edge the other way, `{lagged} -> {present}`: the past value is a cause of the present one",
    ),
    # ---- causal warnings about an estimate's adjustment set ----
    "DS313": _w(
        "collider adjusted",
        "adjusting for {node} opens the non-causal path {path}: {node} is {why}",
        "remove {node} from `adjust`{alternative}",
    ),
    "DS314": _w(
        "descendant of outcome",
        "adjusting for {node}, a descendant of the outcome {outcome}, biases the estimate",
        "remove {node} from `adjust`{alternative}",
    ),
    "DS315": _w(
        "mediator adjusted",
        "adjusting for the mediator {node} blocks part of the total effect ({path})",
        "remove {node} from `adjust` for the total effect, or write `estimate direct {exposure} -> {outcome}`{alternative}",
    ),
    "DS316": _w(
        "open back-door",
        "the back-door path {path} is open: {exposure} -> {outcome} is confounded",
        "adjust for {suggestion}",
    ),
    "DS357": _e(
        "circular estimate",
        "estimate {exposure} -> {outcome} names a node twice among its exposure, outcome and adjustment set",
        "estimate the effect of one node on another, adjusting for neither",
    ),
    # interactions (`x * z -> y`)
    "DS355": _e(
        "bad interaction",
        "{what} cannot be written here: {why}",
        "an interaction is the product of two different parents of an outcome: `x * z -> y`",
    ),
    "DS356": _e(
        "interaction factor without values",
        "{name!r} in {what} is {kind}; the factors of an interaction are observed data nodes",
        "observe {name} as data (a column), or write the interaction of other nodes",
    ),
    "DS385": _e(
        "smooth of the wrong node",
        "{what} needs {needs}, but {name!r} is {kind}",
        "{suggestion}",
    ),
    # observation weights and measurement error: options of an outcome's family
    "DS395": _e(
        "not an outcome",
        "`{option} = ...` is an option of an outcome's family, but {name!r} {why}",
        "give the node a family and the option there: `node {name} ~ Normal({option} = column)`",
    ),
    # ---- priors, families, distributions (DS4xx) ----
    # ---- the DAG against the data: test-dag (DS33x) ----
    "DS330": _w(
        "implication rejected",
        "the data contradict {statement} (p = {p}): {implicates}",
        "add the edge (or a common cause) the data ask for if it is plausible, or look for what else differs: "
        "a variable's type or a nonlinear relation",
    ),
    "DS331": _w(
        "nothing to test",
        "the graph implies no conditional independence among its observed nodes",
        "a graph with every pair of observed nodes joined implies nothing testable; leaving out an edge says two nodes are independent given others",
    ),
    "DS332": _e("untestable", "cannot test {statement}: {why}", "{suggestion}"),
    "DS401": _e("unknown distribution", "unknown distribution {name!r}", "{suggestion}"),
    "DS402": _e("unknown parameter", "{dist} has no parameter {param!r}", "{dist} takes {params}"),
    "DS403": _e(
        "bad parameter value",
        "{dist}({param} = {value}) is outside its support: {param} must be {support}",
        "use a value that is {support}",
    ),
    "DS404": _e("missing parameter", "{dist} needs a value for {param!r}", "write it, e.g. {example}"),
    "DS405": _e(
        "too many arguments",
        "{dist} takes at most {count} positional arguments ({params})",
        "name the arguments, e.g. {example}",
    ),
    "DS406": _e("duplicate argument", "{dist} is given {param!r} twice", "give each parameter once"),
    "DS407": _e("unknown family", "unknown likelihood family {name!r}", "families: {families}"),
    "DS408": _e(
        "impossible link", "the {link} link cannot work with the {family} family", "{family} takes the links {links}"
    ),
    "DS409": _e("bad option", "{option!r} is not an option of {what}{why}", "{what} takes {options}"),
    "DS410": _e(
        "prior support",
        "{address} must be {support}, but {dist} can take values that are not",
        "use a prior on {support} values, e.g. {example}",
    ),
    "DS411": _e("bad expression", "{what}", "{suggestion}"),
    "DS412": _e("unknown type", "unknown node type {name!r}", "node types: numeric, categorical"),
    "DS413": _e("shape mismatch", "{what}", "{suggestion}"),
    "DS425": _e(
        "improper posterior",
        "the data do not identify {names}, which {have} an improper prior ({dists}): {why}",
        "{suggestion}",
    ),
    "DS426": _e(
        "discrete parameter",
        "{address} has a discrete prior ({dist}), but dagspec samples only continuous parameters that data inform",
        "give it a continuous prior, e.g. Normal(1, 0.1) to keep it near 1 (NUTS follows gradients, which a discrete parameter does not have)",
    ),
    "DS427": _e(
        "number out of range",
        "{dist}({param} = {value}) is too {extreme} to compute with: {why}",
        "rescale: give priors and data in units where the numbers lie between about 1e-100 and 1e100 (e.g. `observed x = standardize(x)`)",
    ),
    "DS440": _e("not an LKJ prior", "{func}() takes the name of an LKJCholeskyCov prior, but {what}", "{suggestion}"),
    "DS441": _e("index out of range", "{what}", "{suggestion}"),
    "DS442": _e(
        "LKJ part name taken",
        "PyMC stores the {words} of {prior} as {name!r}, which is already {other}",
        "store them under a name of yours, e.g. `let {prior}_{func}_ = {func}({prior})`, or rename the other",
    ),
    "DS445": _e(
        "cannot impute",
        "the missing values of {name!r} cannot be imputed: {family} takes whole numbers or levels, and "
        "NUTS samples only continuous parameters",
        "leave the rows out with `where complete`, or impute a continuous node (Normal, StudentT, LogNormal, "
        "Gamma, Beta)",
    ),
    "DS446": _e(
        "cannot censor",
        "{family} outcomes cannot be censored here: it {why}",
        "censor an Exponential, Weibull, Gamma or LogNormal outcome with `censored = column`, a data node of codes "
        "none/right/left/interval (0/1/-1/2)",
    ),
    "DS447": _e(
        "censoring column",
        "the censoring column {name!r} of {outcome!r} {why}",
        "observe a data node of codes none/right/left/interval (or 0/1/-1/2) and name it: "
        "`node {outcome} ~ Exponential(censored = {name})`",
    ),
    "DS448": _e(
        "not in PyMC3",
        "the PyMC3 target cannot write {what}: PyMC3 3.11 has no {missing}",
        "generate a PyMC 5 script (`--target pymc`)",
    ),
    # interval censoring and truncation (`upper = column`, `truncated = [lower, upper]`)
    "DS470": _e(
        "upper without censoring",
        "{outcome!r} has `upper = {name}` but no `censored = column`: `upper` holds the upper end of the "
        "interval-censored rows' intervals",
        "name the censoring codes too: `node {outcome} ~ Weibull(censored = status, upper = {name})`, with code "
        "interval (2) on the rows whose event came between {outcome} and {name}",
    ),
    "DS471": _e(
        "cannot truncate",
        "{family} outcomes cannot be truncated here: it {why}",
        "truncate a Normal, StudentT, LogNormal, Gamma, Beta, Exponential, Weibull, Poisson, NegativeBinomial or "
        "Binomial outcome with `truncated = [lower, upper]`",
    ),
    "DS472": _e(
        "truncation bounds",
        "`truncated = {given}`: {why}",
        "write `truncated = [lower, upper]` with numbers, lower below upper, and `none` for an open side: "
        "`truncated = [0, none]`",
    ),
    "DS473": _e(
        "interval upper column",
        "the interval upper-bound column {name!r} of {outcome!r} {why}",
        "observe a numeric data node holding each interval-censored row's upper end (empty on the other rows) and "
        "name it: `node {outcome} ~ Weibull(censored = status, upper = {name})`",
    ),
    # time series (`lag(...)`, random-walk and AR(1) pools)
    "DS475": _e("bad lag", "{what}", "{suggestion}"),
    "DS476": _e(
        "time-series prior",
        "{dist} is a prior over the levels of a time node, but {what}",
        "write it as the prior of a categorical edge: `prior year -> y ~ {dist}(sigma = tau)`",
    ),
    "DS477": _e(
        "unordered time levels",
        "{address} ~ {dist} links each level of {name!r} to the one before, but {why}",
        "{suggestion}",
    ),
    # fixed coefficients (`prior x -> y = 1`)
    "DS460": _e(
        "fixed value not a number",
        "{address} is fixed to {value}, which is not a number",
        "fix a parameter to a number, e.g. `prior {address} = 1`; a prior with a distribution is written with `~`",
    ),
    "DS461": _e("cannot fix", "{address} cannot be fixed to a value: {why}", "{suggestion}"),
    # reference (treatment) coding of a categorical node
    "DS462": _e(
        "unknown reference level",
        "the reference level {level} of {name!r} is not one of its levels ({levels})",
        "name one of the levels: `reference = ...`",
    ),
    "DS463": _e(
        "reference coding with by",
        "{address} cannot use the reference coding of {name!r}: {why}",
        "reference coding applies to a plain edge `{name} -> outcome`; drop `reference` or the `by`",
    ),
    "DS485": _e(
        "prior of a GP's function values",
        "{address} cannot take a prior distribution: {why}",
        "{suggestion}",
    ),
    # observation weights (`weights = w`) and measurement error (`se = s`)
    "DS495": _e(
        "observation column",
        "the {what} column {name!r} of {outcome!r} {why}",
        "observe a numeric data node and name it: `node {outcome} ~ {family}({option} = {name})`",
    ),
    "DS496": _e(
        "cannot measure with error",
        "{name!r} cannot be measured with error (`se = ...`): {why}",
        "a standard error belongs to a continuous node (Normal, StudentT, LogNormal, Gamma, Beta) without "
        "`missing = impute`, `censored` or `weights`",
    ),
    "DS497": _e(
        "cannot weight",
        "the rows of {name!r} cannot be weighted (`weights = ...`): {why}",
        "weight an outcome of an unordered family without `missing = impute`, `censored` or `se`",
    ),
    # ---- observed data (DS5xx) ----
    "DS501": _e(
        "no data",
        "{name!r} is observed but no data was given",
        'name a file with `observed {name} from "data.csv"`, or pass data to build()/sample()',
    ),
    "DS502": _e(
        "missing column", "column {column!r} for {name!r} is not in {data}; columns are {columns}", "{suggestion}"
    ),
    "DS503": _e(
        "data file",
        "cannot read data file {path!r}: {reason}",
        "paths are relative to the spec file; CSV, Parquet and JSON (named arrays) are read",
    ),
    "DS504": _e(
        "missing values",
        "column {column!r} of {data} has {count} missing or infinite value(s), first at row(s) {rows}",
        "drop those rows with `where complete` at the end of the `observed` statement, or model them: declare the node "
        "an outcome with `missing = impute`, e.g. `node x ~ Normal(missing = impute)`",
    ),
    "DS505": _e(
        "non-numeric",
        "column {column!r} of {data} has non-numeric values for numeric node {name!r}, first at row(s) {rows}: {values}",
        "{suggestion}",
    ),
    "DS506": _e(
        "undeclared level",
        "column {column!r} of {data} has value(s) {levels} that {name!r} does not declare "
        "(declared: {declared}), first at row(s) {rows}",
        "a stray code is an error in the data: fix or drop those rows; a real level goes into `levels = [...]`",
    ),
    "DS507": _e(
        "length mismatch",
        "data columns differ in length: {lengths}",
        "every observed column must have one value per row",
    ),
    "DS508": _e(
        "outside support",
        "{family} outcome {name!r} has values outside {support}, first at row(s) {rows}: {values}",
        "{suggestion}",
    ),
    "DS509": _e("observed twice", "{name!r} is observed twice (line {line})", "observe each node once"),
    "DS510": _e(
        "cannot observe",
        "{name!r} is {kind} and cannot be observed",
        "observe data nodes, outcomes and random variables",
    ),
    "DS511": _e(
        "bad data",
        "data must be a pandas DataFrame or a mapping of column names to arrays, not {type}",
        'pass e.g. pandas.read_csv("data.csv")',
    ),
    "DS512": _e("empty data", "the data has no rows", "pass at least one row"),
    "DS513": _w(
        "constant predictor",
        "{name!r} has the same value ({value}) in every row, so its effect on {target} is not identified",
        "remove the edge from the fit, or check the data",
    ),
    "DS514": _e("bad transform", "{what}", "{suggestion}"),
    "DS515": _e(
        "new level",
        "{name!r} has level(s) {levels} that the fit did not see, and {param} has no "
        "hierarchical prior to draw their effects from (fitted levels: {fitted})",
        "predict for fitted levels, or give the effect a pooled prior, e.g. `prior g -> y ~ Normal(mu, sigma)`",
    ),
    "DS530": _e(
        "exact fit",
        "{family} outcome {name!r} is fitted exactly by its linear predictor{why}, so the posterior of {scale} piles up at 0 (it is improper)",
        "check the data (is {name!r} the right column?); an outcome without noise has nothing for a {family} likelihood to explain",
    ),
    "DS531": _e(
        "number out of range",
        "column {column!r} has values as large as {value}: beyond 1e100 their squares and products overflow",
        "express {column!r} in other units, or standardize it: `observed {name} = standardize({column})`",
    ),
    "DS520": _e(
        "not a data file",
        "data file {path!r} is {kind}, not a regular file, so it is not read",
        "name a CSV, Parquet or JSON file; save a stream's data to a file first",
    ),
    "DS521": _e(
        "data file too large",
        "data file {path!r} is {size}, more than the {limit} dagspec reads",
        "raise the limit with the environment variable {variable} (e.g. {variable}=4G), or read the data "
        "yourself and pass a DataFrame",
    ),
    "DS522": _e(
        "empty data file",
        "data file {path!r} is empty",
        "write a header line naming the columns, then one line per row",
    ),
    "DS523": _e(
        "complex values",
        "column {column!r} of {data} holds complex numbers, first at row(s) {rows}: {values}; "
        "numeric node {name!r} would lose their imaginary parts",
        "pass a real column: the real part, the imaginary part or the modulus (abs)",
    ),
    "DS524": _e(
        "dates for a number",
        "column {column!r} of {data} holds {kind}, not numbers, for numeric node {name!r}",
        "make it a number with a unit first (e.g. days since the first date, or the year), or declare "
        "`node {name} : categorical` to make each value a level",
    ),
    "DS525": _w(
        "stray codes?",
        "level(s) {levels} of {name!r} (column {column!r} of {data}, first at row(s) {rows}) "
        "look like stray codes: {why}",
        "if they are mistakes, fix or drop those rows; if they are levels, declare the levels: "
        "`node {name} : categorical(levels = [{declared}])`",
    ),
    "DS526": _w(
        "data file not found",
        "data file {path!r} does not exist, so the data were not checked",
        "create it, check other data with --data FILE, or leave the data out with --no-data",
    ),
    "DS535": _e(
        "nothing to impute from",
        "every value of {name!r} (column {column!r}) is missing",
        "impute a node that is observed in some rows; a node never observed is a graph-only node (drop `observed`)",
    ),
    "DS536": _e(
        "censoring codes",
        "censoring column {column!r} has code(s) {values} (first at row(s) {rows}); codes are "
        "none, right, left and interval (or 0, 1, -1, 2)",
        "right: the time is a lower bound (no event yet); left: an upper bound; interval: the lower end of an "
        "interval whose upper end the `upper = column` option names; none: the event time",
    ),
    # censored and truncated outcomes against their data
    "DS560": _e(
        "interval without upper bound",
        "{count} interval-censored row(s) of {outcome!r} have no upper bound{where} (row(s) {rows})",
        "{suggestion}",
    ),
    "DS561": _e(
        "empty interval",
        "{count} interval-censored row(s) of {outcome!r} have an upper bound ({upper}) not above the lower one "
        "({outcome}) (row(s) {rows}: {values})",
        "an interval-censored event came after {outcome} and before {upper}; a time seen exactly is code none (0)",
    ),
    "DS562": _e(
        "outside truncation bounds",
        "{count} value(s) of {name!r} lie outside its truncation bounds {bounds} (row(s) {rows}: {values})",
        "a truncated outcome is only ever observed within its bounds: check the bounds, or leave those rows out "
        "with `where`",
    ),
    "DS585": _e(
        "bad weights",
        "the weights column {column!r} of {name!r} has {what} (first at row(s) {rows}): {values}",
        "weights are finite numbers of at least 0, one per row (a row of weight 0 adds nothing to the posterior)",
    ),
    "DS586": _e(
        "bad standard errors",
        "the standard-error column {column!r} of {name!r} has {what} (first at row(s) {rows}): {values}",
        "standard errors are finite positive numbers, one per row; a value known exactly is data, not measured "
        "with error",
    ),
    # multinomial outcomes: counts per category in several columns
    "DS587": _e(
        "bad counts",
        "the counts of multinomial outcome {name!r} in {column!r} have {what} (first at row(s) {rows}): {values}",
        "each category's count is a whole number of at least 0 in every row",
    ),
    "DS588": _w(
        "rows without counts",
        "{count} row(s) of multinomial outcome {name!r} have a total of 0 (row(s) {rows}): they add nothing to "
        "the likelihood",
        "they are kept (their draws are all 0); leave them out with `where` if they are mistakes",
    ),
    "DS589": _e(
        "bad count columns",
        "multinomial outcome {name!r} {why}",
        "{suggestion}",
    ),
    "DS590": _e(
        "totals differ from the counts",
        "the totals {column!r} of multinomial outcome {name!r} differ from the sums of its counts (first at row(s) "
        "{rows}: {values})",
        "`n = {column}` is each row's total, the sum of its counts; drop `n` to use the sums",
    ),
    "DS591": _e(
        "no totals to draw counts",
        "{what}",
        "{suggestion}",
    ),
    # data scalars: one value for the whole data set, used in priors and options
    "DS545": _e(
        "data scalar not a number",
        "{name!r} is observed from the data's single value {label}, which is not a finite number: {value}",
        'a data scalar used in a prior or an option must be a number, e.g. `"pmualpha": 9.3` in the JSON file',
    ),
    "DS546": _e(
        "data scalar with rows",
        "{name!r} is observed from the data's single value {label}, but it is {use}, which needs one value per row",
        "give {name} a column of values, or use the single value only in priors, distributions, `let` and family options",
    ),
    "DS575": _e(
        "spline knots and the data",
        "{what}",
        "{suggestion}",
    ),
    "DS576": _e(
        "bad distance matrix",
        "distance matrix {path}: {why}",
        "{suggestion}",
    ),
    "DS577": _e(
        "outside a smooth term's range",
        "{what}",
        "{suggestion}",
    ),
    # matrices: a 2-D array (posteriordb's X, N x K) is one matrix node
    "DS580": _e(
        "matrix data for a column",
        "{name!r} reads {label}, a matrix ({shape}) in {data}, but {name} is not declared a matrix node",
        "declare it: `node {name} : matrix`; its edge then gets one coefficient per column",
    ),
    "DS581": _e(
        "bad matrix",
        "matrix node {name!r} reads {label} in {data}, which {why}",
        "{suggestion}",
    ),
    "DS582": _e(
        "data summary",
        "{what}",
        "{suggestion}",
    ),
    # time series: lags
    "DS565": _w(
        "rows without a lag",
        "{count} of {total} rows have no earlier row for {nodes} (the first time steps of each group, rows {rows}); "
        "they are left out of the fit",
        "this is expected for lags; to keep them, fill their lags in the data instead",
    ),
    "DS566": _e(
        "bad time column",
        "`{lag}` for {node!r}: {why}, at row(s) {rows}",
        "time values are whole numbers (a year, a day number, a step count); drop the rows without one with `where complete`",
    ),
    "DS567": _e(
        "repeated time",
        "`{lag}` for {node!r}: rows {rows} have the same time in the same group, so the earlier row is not one row",
        "give each unit its own group with `by = unit`, or make the time values unique",
    ),
    "DS568": _e(
        "no row has a lag",
        "none of the {count} rows has an earlier row for {nodes}: every row would be left out",
        "check the `time` and `by` columns of lag() and the number of steps",
    ),
    # ---- running: sampling, predictive checks, model comparison (DS6xx) ----
    "DS601": _e("sampler", "the sampler {sampler!r} {why}", ""),
    "DS602": _w(
        "divergences",
        "{divergent} divergent transition(s): the sampler could not follow the posterior's geometry, so the draws may be biased",
        "raise --target-accept (e.g. 0.95), keep optimizations on (non-centred pools), or give tighter priors",
    ),
    "DS603": _w(
        "tree depth",
        "{hits} draw(s) hit the maximum tree depth: sampling was slow and may not have explored the posterior",
        "keep optimizations on (QR for correlated predictors), or rescale predictors",
    ),
    "DS604": _w(
        "r-hat",
        "R-hat above 1.01 for {names} (worst {worst}): the chains disagree, so they have not converged",
        "run more tuning and draws (--tune, --draws), or look for a multimodal or unidentified parameter",
    ),
    "DS605": _w(
        "low ESS",
        "effective sample size below {needed} for {names} (lowest {worst}): estimates are noisy",
        "draw more samples (--draws), or reparameterise",
    ),
    "DS606": _w(
        "unreliable LOO",
        "LOO is unreliable for {where} (Pareto k above {limit}): leaving such a row out changes the posterior too much for importance sampling",
        "look at those rows (outliers? a missing predictor?), try a more robust family (e.g. StudentT), or draw more samples",
    ),
    "DS607": _e(
        "different data",
        "models do not predict the same data: {why}",
        "compare specs fitted to the same rows of the same outcomes (give each the same data, e.g. --data FILE), or compare on one outcome: outcome=NODE (--outcome NODE)",
    ),
    "DS608": _e(
        "posterior of another spec",
        "the posterior was not drawn from this spec: {why}",
        "pass the posterior sampled from this spec (`dagspec sample FILE --out FILE.nc`, or dagspec.sample)",
    ),
    "DS609": _e(
        "nothing observed",
        "the spec observes no data, so it has nothing to predict",
        "add an outcome and `observed` data; prior draws (`dagspec sample --prior`) need none",
    ),
    "DS610": _e(
        "improper prior",
        "cannot draw from the prior: {names} {have} an improper prior ({dists})",
        "give {them} a proper prior to draw from, e.g. Normal(0, 10) or Exponential(1)",
    ),
    "DS611": _e(
        "outcomes not summable",
        "the observed variables {names} differ in shape ({shapes}), so their log-likelihoods cannot be added up row by row",
        "cross-validate one of them: outcome=NAME in Python, --outcome NODE on the command line",
    ),
    "DS612": _e(
        "too few draws",
        "PSIS-LOO needs at least {needed} posterior draws, and this posterior has {count}",
        "draw more (--draws, --chains): a few hundred make LOO's estimate and its Pareto k stable",
    ),
    "DS630": _w(
        "cache not private",
        "the step cache {path} is not used: {why}",
        "make it yours and private (chmod 700 {path}), or point DAGSPEC_CACHE_DIR at a folder only you can write",
    ),
    "DS631": _w(
        "no step cache",
        "the step cache {path} cannot be {action} ({reason}); sampling without it",
        "free space or fix the permissions of {path}, or turn the cache off with DAGSPEC_CACHE_DIR=off",
    ),
    "DS632": _w(
        "cache entry not trusted",
        "the step cache entry {path} was not written by your dagspec for this model ({why}); it is left as it is and not used",
        "delete it if you did not put it there on purpose: rm {path}",
    ),
    "DS633": _w(
        "fell back to NUTS",
        "{planned} was planned, but {why}; sampling with NUTS instead",
        'check the priors and data of {names} (extreme values? an improper prior?), or pass --sampler pymc (sampler="pymc") to sample with NUTS from the start',
    ),
    "DS634": _e("bad sampling argument", "{argument} = {value} {why}", "{suggestion}"),
    "DS635": _e(
        "sampler cannot start",
        "the sampler cannot start: the log density is {value} at the initial point for {names}",
        "look for priors or data far from the rest in scale (extreme numbers, a tiny sd), and for values outside a prior's support",
    ),
    "DS620": _e("prediction", "{what}", "{suggestion}"),
    "DS640": _e(
        "pathfinder not installed",
        "the pathfinder fit needs the package pymc-extras, which cannot be imported ({reason})",
        "pip install 'dagspec[pathfinder]' (pymc-extras 0.10 or later), or fit another way: "
        "--method laplace|advi|fullrank_advi, or sample with NUTS",
    ),
    "DS680": _e("matrix intervention", "{what}", "{suggestion}"),
    "DS645": _e(
        "discrete parameters",
        "the {method} fit needs continuous parameters, and {names} are discrete",
        "sample with NUTS (dagspec sample), which gives discrete parameters a step of their own",
    ),
    "DS646": _e(
        "approximation failed",
        "the approximate fit failed: {reason}",
        "check the priors (a proper prior on every parameter), or sample with NUTS (dagspec sample)",
    ),
    # forecasting
    "DS665": _e("forecast", "{what}", "{suggestion}"),
    # ---- validation at scale: sbc, batch (DS65x) ----
    "DS650": _e(
        "nothing to simulate",
        "{spec} observes no outcome, so there is no data to simulate and fit",
        "simulation-based calibration needs an outcome with a likelihood and `observed` data (its predictors)",
    ),
    "DS651": _e(
        "another run",
        "{folder} holds the results of another run (it differs in: {what})",
        "resume with the same settings, choose another output folder (--out), or start again with --overwrite",
    ),
    "DS652": _e(
        "fit does not match",
        "{fit} cannot fit the data {spec} simulates: {why}",
        "fit a spec with the same outcomes and parameter names",
    ),
    "DS653": _w(
        "miscalibrated",
        "{name} is miscalibrated over {sims} simulations: {shape}",
        "compare the fitting spec's priors with the simulator's, look for divergences, and sample longer; "
        "the plot (--plot FILE.png) shows where the ranks leave the band",
    ),
    "DS654": _w(
        "failed fits",
        "{count} of {total} fits failed (simulations {sims}); first: {example}",
        "failed fits are left out of the ranks, which biases them if failures depend on the parameters",
    ),
    "DS655": _e(
        "too few draws",
        "each fit makes {draws} draws, fewer than the {rank_draws} ranks are counted among",
        "draw more (--draws, --chains) or count ranks among fewer draws (--rank-draws)",
    ),
    "DS656": _w(
        "divergent fits",
        "{count} of {total} fits had divergent transitions (simulations {sims})",
        "their draws may be biased: raise --target-accept or reparameterise, and see whether the divergences come with extreme parameter values",
    ),
    "DS657": _e(
        "no data sets",
        "no data sets to fit: {why}",
        "give a folder of CSV/Parquet/JSON files (--data-dir) or one file and a grouping column (--data FILE --by COLUMN)",
    ),
    "DS685": _e(
        "cannot cross-validate weighted rows",
        "PSIS-LOO cannot cross-validate {names}: its rows are weighted (`weights = ...`), and leaving a weighted "
        "row out is not leaving an observation out",
        "cross-validate another outcome (`outcome=`), or compare fits without weights",
    ),
    "DS659": _w(
        "autocorrelated ranks",
        "{count} of {total} fits have an effective sample size below the {rank_draws} draws ranks are counted among (lowest {worst})",
        "the thinned draws are not independent, which makes ranks look miscalibrated: draw more (--draws) or count ranks among fewer draws (--rank-draws)",
    ),
    "DS658": _e(
        "every fit failed",
        "all {count} fits failed; first: {example}",
        "run `dagspec sample` on one of the data sets to see the problem in full",
    ),
}


def code_table() -> str:
    """The catalogue as a Markdown table (for docs/diagnostics.md)."""
    rows = ["| code | severity | what |", "|---|---|---|"]
    rows += [f"| {code} | {c.severity} | {c.title} |" for code, c in CODES.items()]
    return "\n".join(rows)


def reference_page() -> str:
    """docs/diagnostics.md, generated from the catalogue (`python -m dagspec.codes > docs/diagnostics.md`)."""

    def readable(template: str) -> str:
        return template.replace("{", "<").replace("}", ">").replace("!r>", ">")

    lines = [
        "# Diagnostics",
        "",
        "Every problem dagspec finds has a stable code. Errors stop the build; warnings do not (unless",
        "`dagspec check --strict`). DS1xx: syntax; DS2xx: names; DS3xx: the graph and estimates;",
        "DS4xx: priors, families and expressions; DS5xx: data; DS6xx: sampling, predictive checks and",
        "model comparison. `<...>` stands for the names in the message.",
        "",
        code_table(),
        "",
        "## What each one means and how to fix it",
        "",
    ]
    for code, c in CODES.items():
        lines.append(
            f"- **{code}** ({c.severity}, {c.title}): {readable(c.message)}."
            + (f" Fix: {readable(c.hint)}." if c.hint else "")
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(reference_page(), end="")
