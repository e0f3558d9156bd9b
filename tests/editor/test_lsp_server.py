"""`dagspec lsp` end to end, as an editor speaks to it: the server runs in a subprocess and a pygls client sends
LSP messages over its pipes (initialize, didOpen/didChange → publishDiagnostics, hover, definition, completion,
formatting, documentSymbol, shutdown/exit)."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import sys
from pathlib import Path

import pytest

pytest.importorskip("pygls")
from lsprotocol import types  # noqa: E402
from pygls.lsp.client import LanguageClient  # noqa: E402

from dagspec import cli  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SIMPLE = ROOT / "specs" / "tutorial" / "simple_regression.dag"
BAD = ROOT / "tests" / "bad"
TIMEOUT = 60  # seconds: the machine may be busy


class Editor:
    """A pygls client driving `python -m dagspec lsp`, collecting the diagnostics it publishes per document."""

    def __init__(self) -> None:
        self.client = LanguageClient("dagspec-tests", "1")
        self.diagnostics: dict[str, asyncio.Queue] = {}
        self.versions: dict[str, int] = {}

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def published(params: types.PublishDiagnosticsParams) -> None:
            self.queue(params.uri).put_nowait(params.diagnostics)

    def queue(self, uri: str) -> asyncio.Queue:
        return self.diagnostics.setdefault(uri, asyncio.Queue())

    async def start(self) -> types.InitializeResult:
        await self.client.start_io(sys.executable, "-m", "dagspec", "lsp", "--stdio")
        result = await asyncio.wait_for(
            self.client.initialize_async(
                types.InitializeParams(capabilities=types.ClientCapabilities(), root_uri=ROOT.as_uri())
            ),
            TIMEOUT,
        )
        self.client.initialized(types.InitializedParams())
        return result

    async def open(self, uri: str, text: str) -> list[types.Diagnostic]:
        self.versions[uri] = 1
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=uri, language_id="dag", version=1, text=text)
            )
        )
        return await self.published(uri)

    async def change(self, uri: str, text: str) -> list[types.Diagnostic]:
        """Replace the whole text, as an editor's full-document sync does."""
        self.versions[uri] += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )
        return await self.published(uri)

    async def published(self, uri: str) -> list[types.Diagnostic]:
        return list(await asyncio.wait_for(self.queue(uri).get(), TIMEOUT))

    async def hover(self, uri: str, line: int, character: int) -> str | None:
        found = await self.client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line, character)
            )
        )
        return None if found is None else found.contents.value

    async def stop(self) -> int:
        await asyncio.wait_for(self.client.shutdown_async(None), TIMEOUT)
        self.client.exit(None)
        await asyncio.wait_for(self.client.stop(), TIMEOUT)
        return self.client._server.returncode


def at(text: str, marker: str, shift: int = 0) -> types.Position:
    """The LSP position of `marker`'s first character (plus `shift`) in text."""
    offset = text.index(marker) + shift
    line = text.count("\n", 0, offset)
    return types.Position(line=line, character=offset - (text.rfind("\n", 0, offset) + 1))


def session(scenario):
    """Run one scenario against a fresh server; the server must exit cleanly (0) after shutdown and exit."""

    async def run():
        editor = Editor()
        init = await editor.start()
        try:
            await scenario(editor, init)
        finally:
            assert await editor.stop() == 0

    asyncio.run(run())


def test_a_good_spec_hover_definition_completion_symbols():
    text = SIMPLE.read_text()
    uri = SIMPLE.as_uri()

    async def scenario(editor: Editor, init: types.InitializeResult) -> None:
        capabilities = init.capabilities
        assert init.server_info.name == "dagspec"
        assert capabilities.hover_provider and capabilities.definition_provider
        assert capabilities.document_formatting_provider and capabilities.document_symbol_provider
        assert "~" in capabilities.completion_provider.trigger_characters

        assert await editor.open(uri, text) == []  # clean, data checks included (its CSV exists)

        position = at(text, "y1 ~ Normal")
        outcome = await editor.hover(uri, position.line, position.character + 1)
        assert "**y1**: an outcome, `y_hat` in the model" in outcome
        assert "`y_hat ~ Normal(mu = intercept + coeff * x1, sigma = error)`" in outcome
        assert "causal graph: parents x1; children none" in outcome
        assert "`y1.sigma` **error** ~ `Exponential(lam = 1)`, scalar" in outcome
        position = at(text, "y1.sigma")
        sigma = await editor.hover(uri, position.line, position.character + 4)
        assert sigma.startswith("**error**: parameter `y1.sigma`, the sigma of y1's Normal likelihood")
        assert await editor.hover(uri, 0, 3) is None  # a comment

        position = at(text, "x1 -> y1\n")
        location = await editor.client.text_document_definition_async(
            types.DefinitionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position)
        )
        assert location.uri == uri
        assert location.range == types.Range(start=at(text, "x1\n"), end=at(text, "x1\n", 2))

        position = at(text, "Exponential")
        completion = await editor.client.text_document_completion_async(
            types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position)
        )
        labels = [item.label for item in completion.items]
        assert {"Normal", "Exponential", "HalfCauchy", "LKJCholeskyCov"} <= set(labels)
        assert all(item.kind == types.CompletionItemKind.Class for item in completion.items)
        position = at(text, "lam", 3)  # `Exponential(lam|`: the distribution's argument names come first
        completion = await editor.client.text_document_completion_async(
            types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position)
        )
        assert completion.items[0].label == "lam"

        found = await editor.client.text_document_document_symbol_async(
            types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        names = [(s.name, s.kind) for s in found]
        assert names == [
            ("x1", types.SymbolKind.Variable),
            ("y1", types.SymbolKind.Variable),
            ("y1.intercept as intercept", types.SymbolKind.Property),
            ("x1 -> y1 as coeff", types.SymbolKind.Property),
            ("y1.sigma as error", types.SymbolKind.Property),
        ]
        assert found[3].selection_range == types.Range(start=at(text, "y1     ~"), end=at(text, "y1     ~", 2))

    session(scenario)


def test_diagnostics_as_the_user_types_and_formatting(tmp_path):
    (tmp_path / "data").mkdir()
    shutil.copy(BAD / "data" / "xy.csv", tmp_path / "data" / "xy.csv")

    async def scenario(editor: Editor, init: types.InitializeResult) -> None:
        uri = (tmp_path / "model.dag").as_uri()
        [found] = await editor.open(uri, "a ~ Normal(0, -1)\n")
        assert (found.code, found.severity, found.source) == ("DS403", types.DiagnosticSeverity.Error, "dagspec")
        assert found.range == types.Range(start=types.Position(0, 14), end=types.Position(0, 16))
        assert found.message == (
            "Normal(sigma = -1) is outside its support: sigma must be positive\nhint: use a value that is positive"
        )
        editor.versions[uri] += 1  # an incremental change, as editors send them: -1 becomes 1
        editor.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=editor.versions[uri]),
                content_changes=[
                    types.TextDocumentContentChangePartial(
                        range=types.Range(start=types.Position(0, 14), end=types.Position(0, 16)), text="1"
                    )
                ],
            )
        )
        assert await editor.published(uri) == []

        # half-typed: the syntax error is reported, and the rest of the spec still answers hovers
        typing = 'node x\nnode y ~ Normal\nx -> y\nobserved x, y from "data/xy.csv"\nprior y.sigma ~ Exponential(\n'
        [found] = await editor.change(uri, typing)
        assert found.code == "DS101" and found.range.start.line == 4
        assert "**y**: an outcome" in await editor.hover(uri, 1, 5)

        # the data the spec names is checked when it is there ...
        uri = (tmp_path / "bernoulli.dag").as_uri()
        text = 'node x\nnode y ~ Bernoulli\nx -> y\nobserved x, y from "data/xy.csv"\n'
        [found] = await editor.open(uri, text)
        assert found.code == "DS508" and found.range.start == types.Position(3, 12)
        # ... and a warning says when it is not (yet), as `dagspec check` does
        [found] = await editor.change(uri, text.replace("data/xy.csv", "data/elsewhere.csv"))
        assert (found.code, found.severity) == ("DS526", types.DiagnosticSeverity.Warning)

        uri = (tmp_path / "messy.dag").as_uri()
        await editor.open(uri, "node x1   # cause\nx1->y1 ; observed x1,y1\n")
        edits = await editor.client.text_document_formatting_async(
            types.DocumentFormattingParams(
                text_document=types.TextDocumentIdentifier(uri=uri), options=types.FormattingOptions(4, True)
            )
        )
        assert [e.new_text for e in edits] == ["node x1  # cause\nx1 -> y1\nobserved x1, y1\n"]
        assert edits[0].range == types.Range(start=types.Position(0, 0), end=types.Position(2, 0))
        await editor.change(uri, "node x1 ~\n")
        assert (
            await editor.client.text_document_formatting_async(
                types.DocumentFormattingParams(
                    text_document=types.TextDocumentIdentifier(uri=uri), options=types.FormattingOptions(4, True)
                )
            )
            is None
        )

    session(scenario)


def test_every_bad_spec_gets_the_findings_of_check(capsys):
    """The same codes, messages, hints and ranges as `dagspec check --format json`, which checks the data files
    a spec names as the server does; a spec observing literal values also gets the data checks of those values
    (DS5xx)."""
    paths = sorted(BAD.glob("*.dag"))
    expected, exact = {}, {}
    for path in paths:
        named = set(re.findall(r'from "([^"]*)"', path.read_text(encoding="utf-8", errors="replace")))
        data = [str(path.parent / name) for name in named if (path.parent / name).is_file()]
        exact[path] = len(data) == len(named) == 1
        cli.main(["check", "--format", "json", str(path)])
        expected[path] = json.loads(capsys.readouterr().out)

    async def scenario(editor: Editor, init: types.InitializeResult) -> None:
        for path in paths:
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue  # an editor cannot open it as text either
            found = await editor.open(path.as_uri(), text)
            served = [
                (
                    d.code,
                    d.range.start.line + 1,
                    d.range.start.character + 1,
                    d.range.end.line + 1,
                    d.range.end.character + 1,
                    d.message,
                )
                for d in found
            ]
            wanted = [
                (
                    d["code"],
                    d["line"],
                    d["column"],
                    d["end_line"],
                    d["end_column"],
                    d["message"] + (f"\nhint: {d['hint']}" if d["hint"] else ""),
                )
                for d in expected[path]
            ]
            lines = text.count("\n") + 1
            if not any(d["line"] for d in expected[path]):  # no position (e.g. an empty file): the start
                wanted = [(c, 1, 1, 1, 1, m) for c, *_, m in wanted]
            elif any(d["line"] > lines for d in expected[path]):  # in the spec a dagitty file converts to:
                served = [(c, m) for c, *_, m in served]  # an editor cannot show that text
                wanted = [(c, m) for c, *_, m in wanted]
            if exact[path] or "from" in text:
                assert sorted(served) == sorted(wanted), path.name
            else:
                assert [s for s in served if s in wanted] == wanted, path.name
                assert all(s[0].startswith("DS5") for s in served if s not in wanted), path.name

    session(scenario)


def test_positions_are_counted_in_utf16_code_units():
    from pygls.workspace import TextDocument

    from dagspec.editor.server import lsp_position, offset_of

    document = TextDocument("file:///model.dag", "x ~ Normal(0, 1)  # \U0001f60b ok\ny\n")
    offset = document.source.index("ok")
    assert lsp_position(document, offset) == types.Position(0, offset + 1)  # the emoji is two UTF-16 units
    assert offset_of(document, types.Position(0, offset + 1)) == offset
    assert offset_of(document, types.Position(1, 0)) == document.source.index("y")
    assert offset_of(document, types.Position(9, 0)) == len(document.source)
