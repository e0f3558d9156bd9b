"""Plan expressions → Python expression text for a target library (`pm`, `pt`/`tt` names)."""

from __future__ import annotations

import numpy as np

from ..plan import Const, DistOf, Func, Idx, ListOf, Op, Slice, VarRef

_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "neg": 3, "**": 4}

MATH = {
    "exp": "pm.math.exp",
    "log": "pm.math.log",
    "sqrt": "pm.math.sqrt",
    "abs": "pm.math.abs",
    "logit": "pm.math.logit",
    "invlogit": "pm.math.invlogit",
    "sigmoid": "pm.math.sigmoid",
    "probit": "pm.math.probit",
    "invprobit": "pm.math.invprobit",
    "sum": "pm.math.sum",
    "mean": "{t}.mean",
    "min": "{t}.min",
    "max": "{t}.max",
    "tanh": "pm.math.tanh",
    "softmax": "{t}.nnet.softmax",
    "square": "pm.math.sqr",
    "matmul": "pm.math.dot",
    "transpose": "{t}.transpose",
    "reshape": "{t}.reshape",
    "gammaln": "{t}.gammaln",
    "expm1": "{t}.expm1",
    # smooth terms: functions the script defines (codegen/bases.py)
    "bspline": "bspline_basis",
    "hsgp": "hsgp_basis",
    "gp_covariance": "gp_covariance",
    "cholesky": "{t}.slinalg.cholesky",
}


def number(value) -> str:
    if isinstance(value, (int, np.integer)) or (isinstance(value, float) and value.is_integer() and abs(value) < 1e15):
        return str(int(value))
    return repr(float(value))


class ExpressionPrinter:
    def __init__(self, names: dict[str, str], tensor: str = "pt", dist_args=None, parts=None):
        self.names = names  # PyMC name → Python identifier
        self.tensor = tensor
        self.dist_args = dist_args  # (dist, args) → "name=value, ..." (for nested distributions)
        self.parts = parts or {}  # (LKJ prior, "stds" | "corr") → identifier of what LKJCholeskyCov returned

    def __call__(self, expr, parent: int = 0) -> str:
        text, precedence = self._expr(expr)
        return f"({text})" if precedence < parent else text

    def _expr(self, e):
        atom = 9
        if isinstance(e, Const):
            value = e.value
            if isinstance(value, np.ndarray):
                return f"np.array({value.tolist()!r})", atom
            if isinstance(value, str):  # a kernel's name
                return repr(value), atom
            return (number(value), atom) if value >= 0 else (number(value), _PRECEDENCE["neg"])
        if isinstance(e, VarRef):
            return self.names[e.name], atom
        if isinstance(e, ListOf):
            items = ", ".join(self(i) for i in e.items)
            if all(isinstance(i, Const) for i in e.items):  # PyMC3 takes no lists as a distribution's arguments
                return (f"np.array([{items}])" if self.tensor == "tt" else f"[{items}]"), atom
            return f"{self.tensor}.stack([{items}])", atom
        if isinstance(e, Op):
            if e.op == "neg":
                return "-" + self(e.args[0], _PRECEDENCE["neg"]), _PRECEDENCE["neg"]
            p = _PRECEDENCE[e.op]
            if e.op == "**":
                return f"{self(e.args[0], atom)} ** {self(e.args[1], _PRECEDENCE['neg'])}", p
            return f"{self(e.args[0], p)} {e.op} {self(e.args[1], p + 1)}", p
        if isinstance(e, Func) and e.name == "concat":  # scalars and vectors into one vector
            parts = ", ".join(f"{self.tensor}.reshape({self(a)}, (-1,))" for a in e.args)
            return f"{self.tensor}.concatenate([{parts}])", atom
        if isinstance(e, Func) and e.name == "cov":  # of an LKJ prior's Cholesky factor
            chol = self(e.args[0], atom)
            return f"{self.tensor}.dot({chol}, {chol}.T)", atom
        if isinstance(e, Func) and e.name == "sd":  # with n - 1, as R's sd()
            return f"{self.tensor}.std({self(e.args[0])}, ddof=1)", atom
        if isinstance(e, Func) and e.name in ("stds", "corr"):  # as LKJCholeskyCov returned them
            return self.parts[(e.args[0].name, e.name)], atom
        if isinstance(e, Func):
            function = MATH[e.name].format(t=self.tensor)
            return f"{function}({', '.join(self(a) for a in e.args)})", atom
        if isinstance(e, Idx):
            return f"{self(e.target, atom)}[{', '.join(self._sub(s) for s in e.subscripts)}]", atom
        if isinstance(e, DistOf):
            return f"pm.{e.dist}.dist({self.dist_args(e.dist, e.args)})", atom
        raise TypeError(e)

    def _sub(self, s) -> str:
        if isinstance(s, Slice):
            return (self(s.start) if s.start else "") + ":" + (self(s.stop) if s.stop else "")
        return self(s)
