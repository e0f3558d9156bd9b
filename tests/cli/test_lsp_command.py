"""`dagspec lsp` without pygls installed: a usage error naming the extra to install, not a traceback.
(The server itself is tested over its pipes in tests/editor/test_lsp_server.py.)"""

import sys

from cli_support import run

from dagspec.cli import EXIT_USAGE


def test_lsp_without_pygls_says_what_to_install(capsys, monkeypatch):
    for name in [n for n in sys.modules if n.split(".")[0] == "pygls"] + ["pygls"]:
        monkeypatch.setitem(sys.modules, name, None)  # importing pygls now fails as if it were not installed
    monkeypatch.delitem(sys.modules, "dagspec.editor.server", raising=False)
    code, out, err = run(capsys, "lsp")
    assert code == EXIT_USAGE and out == ""
    assert "the language server needs pygls" in err and "pip install 'dagspec[lsp]'" in err


def test_lsp_is_listed_among_the_commands(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "lsp" in out and "language server" in out
