""".dag text → Pygments tokens, so Sphinx, MkDocs, Jupyter and anything else using Pygments colour ```dag blocks
(registered under the `pygments.lexers` entry point as `dag` and `dagspec`).

The keywords are the grammar's (grammars/dagspec.lark), the distributions dists.py's catalogue and the
functions those of expressions and data transforms; tests/editor/test_highlighting.py keeps them in step.
"""

from __future__ import annotations

from pygments.lexer import RegexLexer, bygroups, words
from pygments.token import Comment, Keyword, Name, Number, Operator, Punctuation, String, Whitespace

from ..dists import DISTRIBUTIONS
from ..dists import FUNCTIONS as EXPRESSION_FUNCTIONS
from ..transforms import FUNCTIONS as COLUMN_FUNCTIONS

STATEMENT_KEYWORDS = ("node", "prior", "let", "observed", "estimate", "priors")
CLAUSE_KEYWORDS = ("as", "by", "from", "where", "adjust", "direct", "centered", "noncentered", "and", "or")
CONSTANTS = ("none", "true", "false")
NODE_TYPES = ("numeric", "categorical", "matrix")
FUNCTIONS = tuple(sorted(set(EXPRESSION_FUNCTIONS) | set(COLUMN_FUNCTIONS)))
DAGITTY_ATTRIBUTES = ("exposure", "outcome", "latent", "adjusted", "selected", "pos", "unobserved", "e", "o", "l", "a")

NUMBER = r"(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?"
STRING = r'"(?:[^"\\\n]|\\.)*"'


class DagLexer(RegexLexer):
    """dagspec's model specs: a causal DAG, its priors and the data that observes it."""

    name = "dagspec"
    aliases = ["dag", "dagspec"]
    filenames = ["*.dag"]
    mimetypes = ["text/x-dagspec"]

    tokens = {
        "root": [
            (
                r"^([ \t]*)(dag)\b([^{\n]*)(\{)",
                bygroups(Whitespace, Keyword.Declaration, Name.Label, Punctuation),
                "dagitty",
            ),
            (r"[ \t\f]+", Whitespace),
            (r"\r?\n", Whitespace),
            (r"#.*?$", Comment.Single),
            (STRING, String.Double),
            (words(STATEMENT_KEYWORDS, suffix=r"\b"), Keyword.Declaration),
            (words(CLAUSE_KEYWORDS, suffix=r"\b"), Keyword),
            (words(CONSTANTS, suffix=r"\b"), Keyword.Constant),
            (words(NODE_TYPES, suffix=r"\b"), Keyword.Type),
            (words(tuple(DISTRIBUTIONS), suffix=r"\b"), Name.Builtin),
            (words(FUNCTIONS, suffix=r"\b(?=\s*\()"), Name.Function),
            (r"[A-Za-z_][A-Za-z0-9_]*", Name),
            (NUMBER, Number),
            (r"->|\*\*|==|!=|<=|>=|[-+*/<>=~:]", Operator),
            (r"[()\[\],;.]", Punctuation),
        ],
        # dagitty's graph syntax inside `dag { ... }`: names may hold dots and dashes, `//` starts a comment
        "dagitty": [
            (r"\}", Punctuation, "#pop"),
            (r"\s+", Whitespace),
            (r"(//|#).*?$", Comment.Single),
            (r"<->|->|<-|--", Operator),
            (r"\[", Punctuation, "attributes"),
            (r"[;,=]", Punctuation),
            (STRING, String.Double),
            (r'[^\s{}\[\];,="<>\-]+(?:-(?!>|-)[^\s{}\[\];,="<>\-]*)*', Name),
        ],
        "attributes": [
            (r"\]", Punctuation, "#pop"),
            (r"\s+", Whitespace),
            (words(DAGITTY_ATTRIBUTES, suffix=r"\b"), Name.Attribute),
            (STRING, String.Double),
            (NUMBER, Number),
            (r"[,=]", Punctuation),
        ],
    }
