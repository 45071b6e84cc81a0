// Which `backend-lens` to start, and whether it is installed and new enough.
import { execFile } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";

/** The oldest server this extension talks to. */
export const MIN_SERVER_VERSION = "0.1.0";

/** How an interpreter runs the server: `-P` (Python 3.11+) keeps the working
 * directory, which is the workspace, off the import path, so that a `tomllib.py`
 * or a `backend_lens/` package in the analysed project is never imported. */
export const MODULE_ARGS = ["-P", "-m", "backend_lens"];

export const PYTHON_EXTENSION_ID = "ms-python.python";

export interface ServerLaunch {
  /** executable: a Python interpreter or a `backend-lens` script */
  command: string;
  /** arguments before the transport flag (`--stdio` is appended by the client) */
  args: string[];
  /** the interpreter, when the server runs as `<python> -m backend_lens` */
  python?: string;
  /** where the choice came from, for messages: a setting, the Python extension, PATH */
  origin: string;
}

/** The part of the Python extension's exported API that is used here
 * (ms-python.python, "environments" API; every member checked before use). */
interface PythonEnvironmentsApi {
  getActiveEnvironmentPath?(resource?: vscode.Uri): { id?: string; path?: string } | undefined;
  resolveEnvironment?(
    env: { id?: string; path?: string } | string,
  ): Promise<{ executable?: { uri?: vscode.Uri } } | undefined>;
  onDidChangeActiveEnvironmentPath?: vscode.Event<unknown>;
}
interface PythonExtensionApi {
  environments?: PythonEnvironmentsApi;
  settings?: {
    getExecutionDetails?(resource?: vscode.Uri): { execCommand?: string[] } | undefined;
  };
}

export function config(resource?: vscode.Uri): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration("backendLens", resource ?? null);
}

function workspaceRoot(resource?: vscode.Uri): string | undefined {
  const folder =
    (resource && vscode.workspace.getWorkspaceFolder(resource)) ??
    vscode.workspace.workspaceFolders?.[0];
  return folder?.uri.fsPath;
}

/** `~`, `${workspaceFolder}`, `${userHome}` and paths relative to the workspace. */
export function expandPath(value: string, resource?: vscode.Uri): string {
  const root = workspaceRoot(resource);
  let out = value.trim();
  out = out.replace(/\$\{userHome\}/g, os.homedir());
  if (root !== undefined) out = out.replace(/\$\{workspaceFolder\}/g, root);
  if (out === "~" || out.startsWith("~/")) out = path.join(os.homedir(), out.slice(1));
  // a bare name ("python3") is looked up on PATH; a relative path is relative to the workspace
  if (root !== undefined && !path.isAbsolute(out) && /[\\/]/.test(out)) out = path.join(root, out);
  return out;
}

async function pythonExtensionApi(): Promise<PythonExtensionApi | undefined> {
  const ext = vscode.extensions.getExtension<unknown>(PYTHON_EXTENSION_ID);
  if (ext === undefined) return undefined;
  try {
    const api = ext.isActive ? ext.exports : await ext.activate();
    return typeof api === "object" && api !== null ? api : undefined;
  } catch {
    return undefined;
  }
}

/** The interpreter selected in the Python extension, if it is installed and has one. */
export async function pythonFromExtension(resource?: vscode.Uri): Promise<string | undefined> {
  const api = await pythonExtensionApi();
  if (api === undefined) return undefined;
  try {
    const envs = api.environments;
    const active = envs?.getActiveEnvironmentPath?.(resource);
    if (active?.path) {
      const resolved = await envs?.resolveEnvironment?.(active);
      const executable = resolved?.executable?.uri?.fsPath;
      return executable ?? active.path;
    }
    const exec = api.settings?.getExecutionDetails?.(resource)?.execCommand;
    if (exec && exec.length === 1 && exec[0]) return exec[0];
  } catch {
    // an API shape we do not know: fall back to the settings
  }
  return undefined;
}

/** Subscribe to interpreter changes in the Python extension (no-op without it). */
export async function onPythonInterpreterChanged(
  listener: () => void,
): Promise<vscode.Disposable | undefined> {
  const api = await pythonExtensionApi();
  const event = api?.environments?.onDidChangeActiveEnvironmentPath;
  if (typeof event !== "function") return undefined;
  try {
    return event(() => {
      listener();
    });
  } catch {
    return undefined;
  }
}

/** serverPath, else the interpreter setting, else the Python extension's, else python3. */
export async function resolveLaunch(resource?: vscode.Uri): Promise<ServerLaunch> {
  const cfg = config(resource);
  const serverPath = cfg.get<string>("serverPath", "").trim();
  if (serverPath) {
    return { command: expandPath(serverPath, resource), args: ["serve"], origin: "backendLens.serverPath" };
  }
  const interpreter = cfg.get<string>("interpreter", "").trim();
  if (interpreter) {
    const python = expandPath(interpreter, resource);
    return { command: python, args: [...MODULE_ARGS, "serve"], python, origin: "backendLens.interpreter" };
  }
  const selected = await pythonFromExtension(resource);
  if (selected) {
    return {
      command: selected,
      args: [...MODULE_ARGS, "serve"],
      python: selected,
      origin: "the interpreter selected in the Python extension",
    };
  }
  const python = process.platform === "win32" ? "python" : "python3";
  return { command: python, args: [...MODULE_ARGS, "serve"], python, origin: "PATH" };
}

/** The environment of the server (and of its version check): VS Code's, without
 * the PYTHONPATH entries that would put the workspace on the import path even
 * with `-P` (empty or relative ones, resolved against the working directory; an
 * unset variable extended as `$PYTHONPATH:/x` gives an empty one). */
export function serverEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, PYTHONUNBUFFERED: "1" };
  const pythonPath = base.PYTHONPATH;
  if (pythonPath !== undefined) {
    const kept = pythonPath.split(path.delimiter).filter((entry) => entry !== "" && path.isAbsolute(entry));
    if (kept.length > 0) env.PYTHONPATH = kept.join(path.delimiter);
    else delete env.PYTHONPATH;
  }
  return env;
}

export type CheckResult =
  | { ok: true; version: string }
  | {
      ok: false;
      reason: "missing-executable" | "not-installed" | "python-too-old" | "too-old" | "unknown-version";
      version?: string;
      detail: string;
    };

/** Runs `<python> -P -m backend_lens --version` (or `<serverPath> --version`). */
export function checkServer(launch: ServerLaunch, cwd?: string): Promise<CheckResult> {
  const args = launch.python !== undefined ? [...MODULE_ARGS, "--version"] : ["--version"];
  return new Promise((resolve) => {
    execFile(
      launch.command,
      args,
      { cwd, timeout: 30_000, windowsHide: true, env: serverEnv() },
      (error, stdout, stderr) => {
        const output = `${stdout}\n${stderr}`.trim();
        if (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === "ENOENT" || code === "EACCES") {
            resolve({ ok: false, reason: "missing-executable", detail: `${launch.command}: ${error.message}` });
          } else if (launch.python !== undefined && /unknown option:?\s*-P\b/i.test(output)) {
            // Python before 3.11 does not know -P; backend-lens needs 3.11 anyway
            resolve({ ok: false, reason: "python-too-old", detail: output });
          } else {
            resolve({ ok: false, reason: "not-installed", detail: output || error.message });
          }
          return;
        }
        const match = /backend-lens\s+v?(\d+(?:\.\d+)*)/i.exec(output);
        if (!match?.[1]) {
          resolve({ ok: false, reason: "unknown-version", detail: output });
          return;
        }
        const version = match[1];
        if (compareVersions(version, MIN_SERVER_VERSION) < 0) {
          resolve({ ok: false, reason: "too-old", version, detail: output });
          return;
        }
        resolve({ ok: true, version });
      },
    );
  });
}

/** Compares dotted numeric versions: negative, zero or positive. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map((n) => parseInt(n, 10) || 0);
  const pb = b.split(".").map((n) => parseInt(n, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The settings sent to the server: only the non-empty ones (empty = server defaults). */
export function ruleSettings(resource?: vscode.Uri): Record<string, unknown> {
  const cfg = config(resource);
  const out: Record<string, unknown> = {};
  for (const key of ["select", "ignore", "exclude"] as const) {
    const value = cfg.get<unknown>(key);
    if (Array.isArray(value) && value.length > 0) out[key] = value.filter((v) => typeof v === "string");
  }
  const severity = cfg.get<unknown>("severity");
  if (typeof severity === "object" && severity !== null && !Array.isArray(severity) && Object.keys(severity).length > 0) {
    out.severity = severity;
  }
  // the endpoint code lenses: on unless turned off (the server's default is on)
  if (cfg.get<unknown>("codeLens") === false) out.codeLens = false;
  return out;
}
