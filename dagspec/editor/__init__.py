"""What an editor shows for a .dag document, without any editor protocol: document.py analyses the text
(diagnostics as `dagspec check` reports them, and a model salvaged while the text has errors), hover.py,
completion.py and outline.py answer questions about positions in it, and lexer.py colours it (Pygments).
server.py, the only module importing pygls, speaks the Language Server Protocol (`dagspec lsp`)."""
