"""The Language Server Protocol over stdio (`dagspec lsp`), with pygls: editor requests → the editor package's
answers (document.py, hover.py, completion.py, outline.py) → LSP messages. Only this module imports pygls.

Diagnostics are published when a document opens or is saved, and a moment after the typing stops."""

from __future__ import annotations

import asyncio
import traceback
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument

from .. import __version__
from ..diagnostics import DagspecError
from ..format import format_text
from .completion import complete
from .document import Analysis, Range, analyse
from .hover import hover
from .outline import definition, symbols

DEBOUNCE_SECONDS = 0.3
_COMPLETION_KINDS = {
    "keyword": types.CompletionItemKind.Keyword,
    "node": types.CompletionItemKind.Variable,
    "parameter": types.CompletionItemKind.Field,
    "address": types.CompletionItemKind.Reference,
    "distribution": types.CompletionItemKind.Class,
    "family": types.CompletionItemKind.Class,
    "argument": types.CompletionItemKind.Property,
    "link": types.CompletionItemKind.EnumMember,
    "type": types.CompletionItemKind.TypeParameter,
    "function": types.CompletionItemKind.Function,
}
_SYMBOL_KINDS = {
    "node": types.SymbolKind.Variable,
    "random": types.SymbolKind.Variable,
    "derived": types.SymbolKind.Constant,
    "prior": types.SymbolKind.Property,
    "estimate": types.SymbolKind.Function,
}


class DagServer(LanguageServer):
    """A language server remembering the analysis of each open document's current text."""

    def __init__(self) -> None:
        super().__init__("dagspec", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.analyses: dict[str, Analysis] = {}
        self.pending: dict[str, asyncio.Task] = {}

    def analysis(self, uri: str) -> tuple[TextDocument, Analysis]:
        document = self.workspace.get_text_document(uri)
        known = self.analyses.get(uri)
        if known is None or known.text != document.source:
            path = to_fs_path(uri)
            known = self.analyses[uri] = analyse(document.source, Path(path) if path else None)
        return document, known

    def publish(self, uri: str) -> None:
        document, analysis = self.analysis(uri)
        error, warning = types.DiagnosticSeverity.Error, types.DiagnosticSeverity.Warning
        diagnostics = [
            types.Diagnostic(
                range=lsp_range(document, analysis.range_of(d.span)),
                message=d.message + (f"\nhint: {d.hint}" if d.hint else ""),
                severity=error if d.is_error else warning,
                code=d.code,
                source="dagspec",
            )
            for d in analysis.diagnostics
        ]
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, version=document.version, diagnostics=diagnostics)
        )

    def publish_later(self, uri: str) -> None:
        """Publish once the typing has paused: a new change cancels the publication it supersedes."""
        waiting = self.pending.pop(uri, None)
        if waiting is not None:
            waiting.cancel()

        async def publish_after_pause() -> None:
            await asyncio.sleep(DEBOUNCE_SECONDS)
            self.pending.pop(uri, None)
            try:
                self.publish(uri)
            except Exception:  # noqa: BLE001 - a bug in dagspec: say so in the editor's log, keep serving
                self.window_log_message(
                    types.LogMessageParams(
                        type=types.MessageType.Error,
                        message="this is a bug in dagspec, not in your spec:\n" + traceback.format_exc(),
                    )
                )

        self.pending[uri] = asyncio.get_running_loop().create_task(publish_after_pause())


# ---- offsets ↔ LSP positions (lines split at \n; characters in the client's units, UTF-16 by default) ----


def lsp_position(document: TextDocument, offset: int) -> types.Position:
    text = document.source
    offset = max(0, min(offset, len(text)))
    line_start = text.rfind("\n", 0, offset) + 1
    return types.Position(
        line=text.count("\n", 0, offset), character=document.position_codec.client_num_units(text[line_start:offset])
    )


def lsp_range(document: TextDocument, found: Range) -> types.Range:
    return types.Range(start=lsp_position(document, found.start), end=lsp_position(document, found.end))


def offset_of(document: TextDocument, position: types.Position) -> int:
    text = document.source
    line_start = 0
    for _ in range(position.line):
        next_line = text.find("\n", line_start)
        if next_line < 0:
            return len(text)
        line_start = next_line + 1
    line_end = text.find("\n", line_start)
    line = text[line_start : line_end if line_end >= 0 else len(text)]
    units = 0
    for index, char in enumerate(line):
        if units >= position.character:
            return line_start + index
        units += document.position_codec.client_num_units(char)
    return line_start + len(line)


# ---- the features ---------------------------------------------------------------------------------------

server = DagServer()


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: DagServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.publish(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: DagServer, params: types.DidChangeTextDocumentParams) -> None:
    ls.publish_later(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: DagServer, params: types.DidSaveTextDocumentParams) -> None:
    ls.analyses.pop(params.text_document.uri, None)  # the data files it names may have changed too
    ls.publish(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: DagServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.analyses.pop(uri, None)
    waiting = ls.pending.pop(uri, None)
    if waiting is not None:
        waiting.cancel()
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


@server.feature(types.TEXT_DOCUMENT_HOVER)
def on_hover(ls: DagServer, params: types.HoverParams) -> types.Hover | None:
    document, analysis = ls.analysis(params.text_document.uri)
    found = hover(analysis, offset_of(document, params.position))
    if found is None:
        return None
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=found.markdown),
        range=lsp_range(document, found.range),
    )


@server.feature(types.TEXT_DOCUMENT_DEFINITION)
def on_definition(ls: DagServer, params: types.DefinitionParams) -> types.Location | None:
    document, analysis = ls.analysis(params.text_document.uri)
    found = definition(analysis, offset_of(document, params.position))
    return None if found is None else types.Location(uri=params.text_document.uri, range=lsp_range(document, found))


@server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=["~", ".", "(", ",", "="]))
def on_completion(ls: DagServer, params: types.CompletionParams) -> types.CompletionList:
    document, analysis = ls.analysis(params.text_document.uri)
    typed, items = complete(analysis, offset_of(document, params.position))
    where = lsp_range(document, typed)
    return types.CompletionList(
        is_incomplete=False,
        items=[
            types.CompletionItem(
                label=item.label,
                kind=_COMPLETION_KINDS.get(item.kind),
                detail=item.detail or None,
                text_edit=types.TextEdit(range=where, new_text=item.insert_text or item.label),
                sort_text=f"{index:04d}",
            )
            for index, item in enumerate(items)
        ],
    )


@server.feature(types.TEXT_DOCUMENT_FORMATTING)
def on_formatting(ls: DagServer, params: types.DocumentFormattingParams) -> list[types.TextEdit] | None:
    document = ls.workspace.get_text_document(params.text_document.uri)
    text = document.source
    try:
        formatted = format_text(text, document.filename or "<untitled>")
    except DagspecError:
        return None  # a spec that does not parse is left as it is; its diagnostics say why
    if formatted == text:
        return []
    return [types.TextEdit(range=lsp_range(document, Range(0, len(text))), new_text=formatted)]


@server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
def on_symbols(ls: DagServer, params: types.DocumentSymbolParams) -> list[types.DocumentSymbol]:
    document, analysis = ls.analysis(params.text_document.uri)
    return [
        types.DocumentSymbol(
            name=s.name,
            kind=_SYMBOL_KINDS[s.kind],
            detail=s.detail,
            range=lsp_range(document, s.range),
            selection_range=lsp_range(document, s.selection),
        )
        for s in symbols(analysis)
    ]


def run() -> None:
    """Serve over stdin and stdout until the client says exit."""
    server.start_io()
