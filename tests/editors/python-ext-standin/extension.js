// A stand-in for the Python extension (ms-python.python), for the Backend Lens
// end-to-end tests only. It is NOT the Python extension: the marketplace is not
// reachable on the test machines, so this gives Backend Lens the same shape of
// exported API it reads from the real one (environments.getActiveEnvironmentPath,
// resolveEnvironment, onDidChangeActiveEnvironmentPath) and nothing else. It does
// not discover environments; the selected interpreter is
//   - `python.defaultInterpreterPath` until one is picked, then
//   - whatever `Python: Select Interpreter` (python.setInterpreter, the real
//     extension's command id) was given: a path argument, or typed into an input box.
// Picking one fires onDidChangeActiveEnvironmentPath, as the real extension does.
"use strict";
const vscode = require("vscode");

function activate(context) {
  const changed = new vscode.EventEmitter();
  let selected; // undefined: the setting decides

  const current = () =>
    selected ?? vscode.workspace.getConfiguration("python").get("defaultInterpreterPath", "");
  // the real API's EnvironmentPath: {id, path}; the id here is the path itself
  const environmentPath = () => {
    const path = current();
    return { id: path, path };
  };

  context.subscriptions.push(
    changed,
    vscode.commands.registerCommand("python.setInterpreter", async (path) => {
      if (typeof path !== "string") {
        path = await vscode.window.showInputBox({
          title: "Python: Select Interpreter (stand-in)",
          prompt: "Path of the Python interpreter to select",
          value: current(),
          ignoreFocusOut: true,
        });
      }
      if (!path) return;
      selected = path;
      changed.fire({ ...environmentPath(), resource: undefined });
    }),
  );

  return {
    environments: {
      getActiveEnvironmentPath: () => environmentPath(),
      resolveEnvironment: async (env) => {
        const path = typeof env === "string" ? env : env?.path;
        if (!path) return undefined;
        return {
          id: path,
          path,
          executable: { uri: vscode.Uri.file(path), bitness: "Unknown", sysPrefix: "" },
          environment: undefined,
          version: undefined,
          tools: [],
        };
      },
      onDidChangeActiveEnvironmentPath: changed.event,
    },
  };
}

function deactivate() {}

module.exports = { activate, deactivate };
