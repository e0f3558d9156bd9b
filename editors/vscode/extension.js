// Starts `dagspec lsp` for .dag files (the grammar in syntaxes/ colours them even without it).
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate() {
  const command = vscode.workspace.getConfiguration("dagspec").get("server.command", "dagspec");
  client = new LanguageClient(
    "dagspec",
    "dagspec",
    { command, args: ["lsp"] },
    { documentSelector: [{ scheme: "file", language: "dagspec" }, { scheme: "untitled", language: "dagspec" }] },
  );
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
