// The status bar item: the server's state and the number of Backend Lens findings.
import * as vscode from "vscode";

export const DIAGNOSTIC_SOURCE = "backend-lens";

export type ServerState = "starting" | "ready" | "stopped" | "error";

/** Backend Lens diagnostics across every document VS Code knows of. */
export function countFindings(): number {
  let count = 0;
  for (const [, diagnostics] of vscode.languages.getDiagnostics()) {
    for (const d of diagnostics) if (d.source === DIAGNOSTIC_SOURCE) count++;
  }
  return count;
}

export class StatusItem implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private state: ServerState = "starting";
  private detail = "";
  private count = 0;

  constructor() {
    this.item = vscode.window.createStatusBarItem("backendLens.status", vscode.StatusBarAlignment.Left, 50);
    this.item.name = "Backend Lens";
    this.render();
    this.item.show();
  }

  set(state: ServerState, detail = ""): void {
    this.state = state;
    this.detail = detail;
    this.count = countFindings();
    this.render();
  }

  updateCount(): void {
    const count = countFindings();
    if (count === this.count) return;
    this.count = count;
    this.render();
  }

  private render(): void {
    const item = this.item;
    const findings = `${this.count} finding${this.count === 1 ? "" : "s"}`;
    item.backgroundColor = undefined;
    switch (this.state) {
      case "starting":
        item.text = "$(sync~spin) Backend Lens: starting";
        item.tooltip = "Backend Lens: the server is starting";
        item.command = "backendLens.showOutput";
        break;
      case "ready":
        item.text = `$(checklist) Backend Lens: ${findings}`;
        item.tooltip = `Backend Lens is running: ${findings} in open files. Click to open the Problems view.`;
        item.command = "workbench.actions.view.problems";
        break;
      case "stopped":
        item.text = "$(circle-slash) Backend Lens: stopped";
        item.tooltip = "Backend Lens: the server is not running. Click to show its output.";
        item.command = "backendLens.showOutput";
        break;
      case "error":
        item.text = "$(error) Backend Lens: error";
        item.tooltip = `${this.detail || "Backend Lens: the server cannot start"}. Click to show the output.`;
        item.command = "backendLens.showOutput";
        item.backgroundColor = new vscode.ThemeColor("statusBarItem.errorBackground");
        break;
    }
  }

  dispose(): void {
    this.item.dispose();
  }
}
