// Backend Lens for VS Code: starts the `backend-lens` language server with the
// user's Python, shows its findings, and runs its report command.
import * as path from "node:path";
import * as readline from "node:readline";
import type { Readable } from "node:stream";
import * as vscode from "vscode";
import {
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  RevealOutputChannelOn,
  State,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from "vscode-languageclient/node";
import {
  MIN_SERVER_VERSION,
  PYTHON_EXTENSION_ID,
  checkServer,
  config,
  serverEnv,
  onPythonInterpreterChanged,
  resolveLaunch,
  ruleSettings,
  type CheckResult,
  type ServerLaunch,
} from "./server";
import { StatusItem } from "./status";

const SERVER_REPORT_COMMAND = "backendLens.generateReport";
const SERVER_INVENTORY_COMMAND = "backendLens.inventory";
/** scheme of the read-only documents that show the inventory */
const INVENTORY_SCHEME = "backend-lens-inventory";
/** settings that need a new server process */
const RESTART_SETTINGS = ["backendLens.interpreter", "backendLens.serverPath", "backendLens.trace.server"];
/** settings the running server takes through workspace/didChangeConfiguration */
const RULE_SETTINGS = [
  "backendLens.select",
  "backendLens.ignore",
  "backendLens.severity",
  "backendLens.exclude",
  "backendLens.codeLens",
];

let client: LanguageClient | undefined;
let output: vscode.LogOutputChannel;
let status: StatusItem;
/** start/stop/restart run one after another */
let queue: Promise<unknown> = Promise.resolve();

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel("Backend Lens", { log: true });
  status = new StatusItem();
  context.subscriptions.push(output, status);

  context.subscriptions.push(
    vscode.commands.registerCommand("backendLens.restart", () => enqueue(restart)),
    vscode.commands.registerCommand("backendLens.showOutput", () => {
      output.show(true);
    }),
    vscode.commands.registerCommand("backendLens.report", (arg?: { format?: string }) => generateReport(arg)),
    vscode.commands.registerCommand("backendLens.showInventory", () => showInventory()),
    vscode.workspace.registerTextDocumentContentProvider(INVENTORY_SCHEME, inventoryDocuments),
    inventoryDocuments,
    vscode.languages.onDidChangeDiagnostics(() => {
      status.updateCount();
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (RESTART_SETTINGS.some((s) => event.affectsConfiguration(s))) {
        output.info("settings changed: restarting the server");
        void enqueue(restart);
      } else if (RULE_SETTINGS.some((s) => event.affectsConfiguration(s))) {
        void sendRuleSettings();
      }
    }),
    { dispose: () => void stopClient() },
  );
  const pythonListener = await onPythonInterpreterChanged(() => {
    if (config().get<string>("serverPath", "") || config().get<string>("interpreter", "")) return;
    output.info("the Python extension's interpreter changed: restarting the server");
    void enqueue(restart);
  });
  if (pythonListener) context.subscriptions.push(pythonListener);

  // not awaited: activation does not wait for the version check and the server
  void enqueue(start);
}

export async function deactivate(): Promise<void> {
  await stopClient();
}

function enqueue(task: () => Promise<void>): Promise<void> {
  const next = queue.then(task).catch((err: unknown) => {
    output.error(`Backend Lens: ${String(err)}`);
    status.set("error", String(err));
  });
  queue = next;
  return next;
}

async function restart(): Promise<void> {
  await stopClient();
  await start();
}

async function stopClient(): Promise<void> {
  const current = client;
  client = undefined;
  if (current === undefined) return;
  try {
    if (current.isRunning()) await current.stop(5000);
    await current.dispose(2000);
  } catch (err) {
    output.warn(`stopping the server: ${String(err)}`);
  }
  status.set("stopped");
}

async function start(): Promise<void> {
  status.set("starting");
  const resource = vscode.window.activeTextEditor?.document.uri;
  const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const launch = await resolveLaunch(resource);
  output.info(`server: ${launch.command} ${launch.args.join(" ")} (from ${launch.origin})`);

  const check = await checkServer(launch, cwd);
  if (!check.ok) {
    status.set("error", describeFailure(launch, check).split("\n")[0]);
    output.error(describeFailure(launch, check));
    void reportFailure(launch, check);
    return;
  }
  output.info(`backend-lens ${check.version}`);

  const serverOptions: ServerOptions = {
    command: launch.command,
    args: launch.args,
    // appends --stdio, which `backend-lens serve` accepts
    transport: TransportKind.stdio,
    // serverEnv: no PYTHONPATH entry that means the workspace (the arguments have -P)
    options: { cwd, env: serverEnv() },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "python" },
      // dependency manifests: the server reads them as text (EXT003, EXT004)
      { scheme: "file", pattern: "**/requirements*.txt" },
      { scheme: "file", pattern: "**/requirements/*.txt" },
      { scheme: "file", pattern: "**/pyproject.toml" },
      { scheme: "file", pattern: "**/Pipfile" },
    ],
    outputChannel: output,
    stdioOptions: { stdout: pipeLines(() => "info"), stderr: pipeLines(stderrLevel) },
    initializationOptions: { backendLens: ruleSettings(resource) },
    // the server's own errors are shown by it (window/showMessage); do not pop the output too
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    initializationFailedHandler: (error) => {
      output.error(`the server failed to initialize: ${String(error)}`);
      status.set("error", "the server failed to initialize");
      return false;
    },
  };
  const lc = new LanguageClient("backendLens", "Backend Lens", serverOptions, clientOptions);
  lc.onDidChangeState((event) => {
    if (client !== lc) return;
    if (event.newState === State.Running) status.set("ready");
    else if (event.newState === State.Starting) status.set("starting");
    else status.set("stopped");
  });
  client = lc;
  try {
    await lc.start();
    status.set("ready");
  } catch (err) {
    output.error(`the server did not start: ${String(err)}`);
    status.set("error", "the server did not start");
    void vscode.window
      .showErrorMessage(`Backend Lens: the server did not start (${launch.command}).`, "Show Output")
      .then((choice) => {
        if (choice) output.show(true);
      });
  }
}

type LogLevel = "debug" | "info" | "warn" | "error";

/** Lines of a server stream into the output channel at a level chosen per line. */
function pipeLines(level: (line: string) => LogLevel) {
  return (input: Readable, channel: vscode.LogOutputChannel): void => {
    readline
      .createInterface({ input, crlfDelay: Infinity, terminal: false, historySize: 0 })
      .on("line", (line: string) => {
        channel[level(line)](line);
      });
  };
}

/** The server logs to stderr with Python's logging ("date time logger LEVEL message")
 * and sends the same lines as window/logMessage: its routine lines go to the debug
 * level, warnings and errors stay visible, anything else (a traceback) is an error. */
function stderrLevel(line: string): LogLevel {
  const match = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \S+ (DEBUG|INFO|WARNING|ERROR|CRITICAL) /.exec(line);
  switch (match?.[1]) {
    case "DEBUG":
    case "INFO":
      return "debug";
    case "WARNING":
      return "warn";
    default:
      return "error";
  }
}

async function sendRuleSettings(): Promise<void> {
  const lc = client;
  if (lc === undefined || !lc.isRunning()) return;
  const settings = ruleSettings(vscode.window.activeTextEditor?.document.uri);
  output.info(`rule settings changed: ${JSON.stringify(settings)}`);
  // the server replaces its settings with these: absent keys fall back to pyproject/defaults
  await lc.sendNotification(DidChangeConfigurationNotification.type, { settings: { backendLens: settings } });
}

function installCommand(launch: ServerLaunch, upgrade = false): string {
  const python = launch.python ?? "python3";
  const quoted = /\s/.test(python) ? `"${python}"` : python;
  return `${quoted} -m pip install ${upgrade ? "--upgrade " : ""}backend-lens`;
}

function describeFailure(launch: ServerLaunch, check: Exclude<CheckResult, { ok: true }>): string {
  const usingServerPath = launch.python === undefined;
  switch (check.reason) {
    case "missing-executable":
      return usingServerPath
        ? `Backend Lens: the server ${launch.command} (backendLens.serverPath) was not found or cannot run.`
        : `Backend Lens: the Python interpreter ${launch.command} (${launch.origin}) was not found. ` +
            `Choose an interpreter that has backend-lens installed.`;
    case "not-installed":
      return usingServerPath
        ? `Backend Lens: ${launch.command} --version failed: ${check.detail}`
        : `Backend Lens is not installed in ${launch.command}. Install it with: ${installCommand(launch)}\n${check.detail}`;
    case "python-too-old":
      return (
        `Backend Lens: the Python interpreter ${launch.command} (${launch.origin}) is too old: ` +
        `backend-lens needs Python 3.11 or newer. Choose an interpreter that has backend-lens installed.`
      );
    case "too-old":
      return (
        `Backend Lens ${check.version ?? "?"} in ${launch.command} is older than ${MIN_SERVER_VERSION}, ` +
        `which this extension needs. Upgrade it with: ` +
        (usingServerPath ? "pip install --upgrade backend-lens" : installCommand(launch, true))
      );
    case "unknown-version":
      return `Backend Lens: ${launch.command} did not report a backend-lens version: ${check.detail}`;
  }
}

async function reportFailure(launch: ServerLaunch, check: Exclude<CheckResult, { ok: true }>): Promise<void> {
  const message = describeFailure(launch, check).split("\n")[0] ?? "Backend Lens: the server cannot start.";
  const actions: string[] = [];
  const canInstall = launch.python !== undefined && (check.reason === "not-installed" || check.reason === "too-old");
  if (canInstall) actions.push("Copy install command");
  // with backendLens.serverPath set, the interpreter is not used: choosing one cannot help
  if (launch.python !== undefined) actions.push("Choose interpreter");
  actions.push("Open settings", "Show output");
  const show = check.reason === "too-old" ? vscode.window.showWarningMessage : vscode.window.showErrorMessage;
  const choice = await show(message, ...actions);
  if (choice === "Copy install command") {
    await vscode.env.clipboard.writeText(installCommand(launch, check.reason === "too-old"));
    void vscode.window.showInformationMessage(
      "Backend Lens: the install command is on the clipboard; run it in a terminal, then run Backend Lens: Restart Server.",
    );
  } else if (choice === "Choose interpreter") {
    await chooseInterpreter();
  } else if (choice === "Open settings") {
    await vscode.commands.executeCommand("workbench.action.openSettings", "backendLens");
  } else if (choice === "Show output") {
    output.show(true);
  }
}

async function chooseInterpreter(): Promise<void> {
  if (vscode.extensions.getExtension(PYTHON_EXTENSION_ID) !== undefined && !config().get<string>("interpreter", "")) {
    // the Python extension's picker; its change event restarts the server
    await vscode.commands.executeCommand("python.setInterpreter");
    return;
  }
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false,
    openLabel: "Use this Python",
    title: "Backend Lens: the Python interpreter that has backend-lens installed",
  });
  const file = picked?.[0];
  if (file === undefined) return;
  const target = vscode.workspace.workspaceFolders?.length
    ? vscode.ConfigurationTarget.Workspace
    : vscode.ConfigurationTarget.Global;
  // the configuration listener restarts the server
  await config().update("interpreter", file.fsPath, target);
}

/** The running client, or undefined after telling the user that the server is not
 * running (with buttons to restart it or to see why). */
async function runningClient(what: string): Promise<LanguageClient | undefined> {
  const lc = client;
  if (lc !== undefined && lc.isRunning()) return lc;
  const choice = await vscode.window.showErrorMessage(
    `Backend Lens: the server is not running, so there is no ${what}.`,
    "Restart Server",
    "Show output",
  );
  if (choice === "Restart Server") await vscode.commands.executeCommand("backendLens.restart");
  else if (choice === "Show output") output.show(true);
  return undefined;
}

async function generateReport(arg?: { format?: string }): Promise<string | undefined> {
  const lc = await runningClient("report");
  if (lc === undefined) return undefined;
  const format = arg?.format === "html" ? "html" : "markdown";
  let uri: unknown;
  try {
    uri = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: "Backend Lens: generating the report" },
      () =>
        lc.sendRequest(ExecuteCommandRequest.type, {
          command: SERVER_REPORT_COMMAND,
          arguments: [{ format, show: false }],
        }),
    );
  } catch (err) {
    output.error(`the report failed: ${String(err)}`);
    void vscode.window.showErrorMessage(`Backend Lens: the report could not be generated: ${String(err)}`);
    return undefined;
  }
  if (typeof uri !== "string" || uri === "") return undefined; // cancelled, or the server said why
  const target = vscode.Uri.parse(uri);
  output.info(`report: ${target.fsPath}`);
  if (path.extname(target.fsPath).toLowerCase() === ".md") {
    await vscode.commands.executeCommand("markdown.showPreview", target);
  } else {
    await vscode.window.showTextDocument(target, { preview: false });
  }
  return uri;
}

/** The inventory text of each inventory document (by URI), served read-only;
 * running the command again refreshes the document already open. */
class InventoryDocuments implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? "";
  }

  set(uri: vscode.Uri, text: string): void {
    this.texts.set(uri.toString(), text);
    this.changed.fire(uri);
  }

  dispose(): void {
    this.changed.dispose();
  }
}

const inventoryDocuments = new InventoryDocuments();

/** Asks the server for the project model (source roots, frameworks, models,
 * endpoints, tasks, ...) and shows it, pretty-printed JSON, in a read-only document. */
async function showInventory(): Promise<vscode.TextDocument | undefined> {
  const lc = await runningClient("inventory");
  if (lc === undefined) return undefined;
  let inventory: unknown;
  try {
    inventory = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: "Backend Lens: building the project inventory" },
      () => lc.sendRequest(ExecuteCommandRequest.type, { command: SERVER_INVENTORY_COMMAND, arguments: [] }),
    );
  } catch (err) {
    output.error(`the inventory failed: ${String(err)}`);
    void vscode.window.showErrorMessage(`Backend Lens: the inventory could not be built: ${String(err)}`);
    return undefined;
  }
  // null: the server could not build it, and has said why (window/showMessage)
  if (inventory === null || typeof inventory !== "object") {
    output.warn("the server returned no inventory");
    return undefined;
  }
  const folder = vscode.workspace.workspaceFolders?.[0]?.name ?? "workspace";
  const uri = vscode.Uri.from({ scheme: INVENTORY_SCHEME, path: `/${folder} inventory.json` });
  inventoryDocuments.set(uri, JSON.stringify(inventory, null, 2) + "\n");
  let document = await vscode.workspace.openTextDocument(uri);
  if (document.languageId !== "json") document = await vscode.languages.setTextDocumentLanguage(document, "json");
  await vscode.window.showTextDocument(document, { preview: false });
  return document;
}
