"""Syntax highlighting: the Pygments lexer (dagspec/editor/lexer.py) and the TextMate grammar of VS Code-family
editors (editors/vscode/), on every spec in specs/ and every ```dag block of the README and docs: no error
tokens, and keywords, distributions, strings, numbers and comments get the token types the grammar's own lexer
(Lark, grammars/dagspec.lark) says they are. Their word lists are read from the grammar and dists.py here, so
they cannot drift."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.token import Comment, Error, Keyword, Name, Number, String

from dagspec.causal.dagitty import ATTRIBUTES, BLOCK_START
from dagspec.check.declarations import NODE_TYPES, RESERVED
from dagspec.dists import DISTRIBUTIONS
from dagspec.dists import FUNCTIONS as EXPRESSION_FUNCTIONS
from dagspec.editor.lexer import CLAUSE_KEYWORDS, CONSTANTS, STATEMENT_KEYWORDS, DagLexer
from dagspec.editor.lexer import FUNCTIONS as LEXER_FUNCTIONS
from dagspec.editor.lexer import NODE_TYPES as LEXER_NODE_TYPES
from dagspec.parse import _parser
from dagspec.transforms import FUNCTIONS as COLUMN_FUNCTIONS

ROOT = Path(__file__).resolve().parents[2]
VSCODE = ROOT / "editors" / "vscode"
TEXTMATE = json.loads((VSCODE / "syntaxes" / "dag.tmLanguage.json").read_text())
GRAMMAR = re.sub(r"//[^\n]*", "", (ROOT / "grammars" / "dagspec.lark").read_text())  # without its comments
GRAMMAR_WORDS = set(re.findall(r'"([a-z]+)"', GRAMMAR))


def corpus() -> list:
    specs = sorted((ROOT / "specs").rglob("*.dag"))
    examples = [pytest.param(p.read_text(), id=str(p.relative_to(ROOT))) for p in specs]
    for doc in [ROOT / "README.md"] + sorted((ROOT / "docs").rglob("*.md")):
        for number, block in enumerate(re.findall(r"```dag\n(.*?)```", doc.read_text(), re.S)):
            examples.append(pytest.param(block, id=f"{doc.relative_to(ROOT)}-{number}"))
    return examples


CORPUS = corpus()


# ---- the word lists -----------------------------------------------------------------------------------------


def _alternatives(scope: str) -> set[str]:
    """The words of the TextMate rules whose scope starts with `scope` (`\\b(?:a|b|c)\\b` → {a, b, c})."""
    found: set[str] = set()

    def visit(rule):
        if isinstance(rule, dict):
            if rule.get("name", "").startswith(scope) and "match" in rule:
                found.update(re.search(r"\(\?:([^)]*)\)", rule["match"]).group(1).split("|"))
            for value in rule.values():
                visit(value)
        elif isinstance(rule, list):
            for value in rule:
                visit(value)

    visit(TEXTMATE)
    return found


def test_keywords_are_the_grammars():
    assert {"node", "prior", "estimate", "centered", "none", "and"} <= GRAMMAR_WORDS  # the extraction works
    keywords = GRAMMAR_WORDS | RESERVED
    assert set(STATEMENT_KEYWORDS) | set(CLAUSE_KEYWORDS) | set(CONSTANTS) == keywords
    assert (
        _alternatives("keyword.other.statement")
        | _alternatives("keyword.other.clause")
        | _alternatives("constant.language")
        == keywords
    )
    assert set(LEXER_NODE_TYPES) == set(NODE_TYPES) == _alternatives("storage.type.node-type")


def test_distributions_and_functions_are_the_catalogues():
    assert _alternatives("support.type.distribution") == set(DISTRIBUTIONS)
    functions = set(EXPRESSION_FUNCTIONS) | set(COLUMN_FUNCTIONS)
    assert _alternatives("support.function") == set(LEXER_FUNCTIONS) == functions
    assert _alternatives("entity.other.attribute-name") == ATTRIBUTES


def test_the_lexer_is_registered_with_pygments():
    assert isinstance(get_lexer_by_name("dag"), DagLexer)
    assert isinstance(get_lexer_for_filename("model.dag"), DagLexer)


def test_the_vscode_extension_declares_the_grammar():
    package = json.loads((VSCODE / "package.json").read_text())
    [language] = package["contributes"]["languages"]
    [grammar] = package["contributes"]["grammars"]
    assert language["extensions"] == [".dag"] and grammar["language"] == language["id"]
    assert grammar["scopeName"] == TEXTMATE["scopeName"] and (VSCODE / grammar["path"]).is_file()
    assert (VSCODE / language["configuration"]).is_file()
    json.loads((VSCODE / language["configuration"]).read_text())


# ---- what each token is, by the grammar's own lexer ---------------------------------------------------------


def grammar_kinds(text: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of each comment, string, number, keyword and distribution, as Lark lexes the text."""
    found = []
    for token in _parser().lex(text, dont_ignore=True):
        if token.type == "COMMENT":
            kind = "comment"
        elif token.type == "STRING":
            kind = "string"
        elif token.type == "NUMBER":
            kind = "number"
        elif token.value in GRAMMAR_WORDS:
            kind = "keyword"
        elif token.type == "NAME" and token.value in DISTRIBUTIONS:
            kind = "distribution"
        else:
            continue
        found.append((token.start_pos, token.end_pos, kind))
    return found


def pygments_kind(token_type) -> str | None:
    for kind, parent in (
        ("comment", Comment),
        ("string", String),
        ("number", Number),
        ("keyword", Keyword),
        ("distribution", Name.Builtin),
    ):
        if token_type in parent:
            return kind
    return None


def textmate_kind(scopes: tuple[str, ...]) -> str | None:
    """The kind of the innermost scope that has one (a string's escapes are inside the string)."""
    for scope in reversed(scopes):
        for kind, prefixes in (
            ("comment", ("comment",)),
            ("string", ("string",)),
            ("number", ("constant.numeric",)),
            ("keyword", ("keyword.other", "constant.language")),
            ("distribution", ("support.type.distribution",)),
        ):
            if scope.startswith(prefixes):
                return kind
    return None


def assert_kinds(text: str, tokens, kind_of) -> None:
    """Every character of each comment, string, number, keyword and distribution has that kind."""
    kinds = [None] * len(text)
    for start, end, token in tokens:
        kinds[start:end] = [kind_of(token)] * (end - start)
    for start, end, kind in grammar_kinds(text):
        assert set(kinds[start:end]) == {kind}, (text[start:end], kind)


def pygments_tokens(text: str) -> list[tuple[int, int, object]]:
    tokens = [(index, index + len(value), kind) for index, kind, value in DagLexer().get_tokens_unprocessed(text)]
    assert "".join(text[a:b] for a, b, _ in tokens) == text
    return tokens


@pytest.mark.parametrize("text", CORPUS)
def test_pygments_colours_every_example(text):
    tokens = pygments_tokens(text)
    assert [text[a:b] for a, b, kind in tokens if kind in Error] == []
    if BLOCK_START.search(text):
        return  # Lark does not lex dagitty blocks: the spec expands them first
    assert_kinds(text, tokens, pygments_kind)


@pytest.mark.parametrize("text", CORPUS)
def test_textmate_colours_every_example(text):
    tokens = TextMateTokenizer(TEXTMATE).tokenize(text)
    unscoped = [text[a:b] for a, b, scopes in tokens if len(scopes) == 1 and text[a:b].strip()]
    invalid = [text[a:b] for a, b, scopes in tokens if any(s.startswith("invalid") for s in scopes)]
    assert (unscoped, invalid) == ([], [])
    if BLOCK_START.search(text):
        return
    assert_kinds(text, tokens, textmate_kind)


def test_both_colour_the_parts_of_a_spec():
    text = (
        'node g : categorical(levels = ["a", "b"])  # groups\n'
        "prior x -> y by g ~ Normal(0, 2.5e-1) as b noncentered\n"
        "dag {\n  U [latent]; U -> x; U -> y  // hidden\n}\n"
        "observed x = standardize(raw) where complete and raw >= 0\n"
    )
    pygments = {text[a:b]: kind for a, b, kind in pygments_tokens(text)}
    assert (pygments["node"], pygments["categorical"], pygments["Normal"], pygments["2.5e-1"]) == (
        Keyword.Declaration,
        Keyword.Type,
        Name.Builtin,
        Number,
    )
    assert (pygments["noncentered"], pygments["latent"], pygments["standardize"], pygments["raw"]) == (
        Keyword,
        Name.Attribute,
        Name.Function,
        Name,
    )
    assert (pygments['"a"'], pygments["# groups"], pygments["// hidden"]) == (
        String.Double,
        Comment.Single,
        Comment.Single,
    )
    textmate = {text[a:b]: scopes[-1] for a, b, scopes in TextMateTokenizer(TEXTMATE).tokenize(text)}
    assert (textmate["node"], textmate["categorical"], textmate["Normal"], textmate["2.5e-1"]) == (
        "keyword.other.statement.dag",
        "storage.type.node-type.dag",
        "support.type.distribution.dag",
        "constant.numeric.dag",
    )
    assert (textmate["latent"], textmate["U"], textmate["standardize"], textmate["// hidden"]) == (
        "entity.other.attribute-name.dag",
        "variable.other.dag",
        "support.function.dag",
        "comment.line.double-slash.dag",
    )


# ---- a TextMate tokenizer: the rules of a .tmLanguage.json run with Python's `re` -------------------------


class TextMateTokenizer:
    """What a TextMate engine does with a grammar: line by line, the rule matching earliest wins (the first
    listed on a tie, the enclosing rule's `end` before them); `begin`/`end` rules nest. Python's `re` agrees with
    Oniguruma on the patterns the grammar keeps to (classes, alternation, fixed-width look-behind, \\b, $)."""

    def __init__(self, grammar: dict):
        self.grammar = grammar
        self.repository = grammar.get("repository", {})

    def rules(self, patterns: list[dict]) -> list[dict]:
        found = []
        for rule in patterns:
            if "include" in rule:
                included = self.repository[rule["include"].lstrip("#")]
                found += (
                    self.rules(included["patterns"])
                    if "match" not in included and "begin" not in included
                    else [included]
                )
            else:
                found.append(rule)
        return found

    def tokenize(self, text: str) -> list[tuple[int, int, tuple[str, ...]]]:
        root = self.grammar["scopeName"]
        stack: list[tuple[re.Pattern | None, list[dict], tuple[str, ...], dict]] = [
            (None, self.rules(self.grammar["patterns"]), (root,), {})
        ]
        tokens: list[tuple[int, int, tuple[str, ...]]] = []
        offset = 0
        for line in text.split("\n"):
            position = 0
            while position <= len(line):
                end, rules, scopes, rule_of_end = stack[-1]
                best = None
                if end is not None:
                    match = end.search(line, position)
                    if match is not None:
                        best = (match, None)
                for rule in rules:
                    match = re.compile(rule.get("match") or rule["begin"]).search(line, position)
                    if match is None or match.end() == match.start():
                        continue
                    if best is None or match.start() < best[0].start():
                        best = (match, rule)
                if best is None:
                    break
                match, rule = best
                if match.start() > position:
                    tokens.append((offset + position, offset + match.start(), scopes))
                if rule is None:  # the enclosing rule ends
                    self.emit(tokens, offset, match, scopes, rule_of_end.get("endCaptures", {}))
                    stack.pop()
                elif "match" in rule:
                    inner = scopes + ((rule["name"],) if "name" in rule else ())
                    self.emit(tokens, offset, match, inner, rule.get("captures", {}))
                else:
                    inner = scopes + ((rule["name"],) if "name" in rule else ())
                    self.emit(tokens, offset, match, inner, rule.get("beginCaptures", {}))
                    stack.append((re.compile(rule["end"]), self.rules(rule.get("patterns", [])), inner, rule))
                if match.end() == match.start() and rule is None and match.end() == len(line):
                    break
                position = match.end()
            if position < len(line):
                tokens.append((offset + position, offset + len(line), stack[-1][2]))
            offset += len(line) + 1
        return [t for t in tokens if t[1] > t[0]]

    @staticmethod
    def emit(tokens, offset: int, match: re.Match, scopes: tuple[str, ...], captures: dict) -> None:
        """The match's groups with their capture scopes, and the rest of the match with `scopes`."""
        position = match.start()
        for group in sorted(
            (int(g) for g in captures if int(g) > 0 and match.start(int(g)) >= 0), key=lambda g: match.start(g)
        ):
            if match.start(group) > position:
                tokens.append((offset + position, offset + match.start(group), scopes))
            scope = captures[str(group)]["name"]
            tokens.append((offset + match.start(group), offset + match.end(group), scopes + (scope,)))
            position = match.end(group)
        whole = captures.get("0")
        if match.end() > position:
            tokens.append((offset + position, offset + match.end(), scopes + ((whole["name"],) if whole else ())))
