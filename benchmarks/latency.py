"""Edit-to-diagnostics latency of the Backend Lens language server.

Starts ``backend-lens serve`` over stdio on a generated workspace (a 3,000-line
Django views/services module, a small models.py and tasks.py), waits for the
workspace scan to finish ($/progress end), opens the large module and times:

* the first full analysis: didOpen -> publishDiagnostics for version 1;
* each one-character edit (incremental sync, typed into a string or a comment,
  inserted then deleted again, at places spread through the file): didChange ->
  publishDiagnostics for exactly that URI and version. The next edit is sent
  only when the previous version's diagnostics have arrived, so no edit is
  coalesced and no debounce is part of the figure.

The time of arrival is when the message's bytes have been read from the
server's stdout; the client's own JSON decoding is reported separately. Peak
RSS of the server (VmHWM) is read from /proc at the end.

    .venv/bin/python benchmarks/latency.py [--edits 60] [--lines 3000]

Exits 0 whatever the figures (this reports, it does not assert); exits 2 if
the server could not be driven (crash, timeout).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

from lsprotocol import types as T
from pygls.io_ import run_async
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _corpus  # noqa: E402

TARGET_P95_MS = 100.0
INSERTED = ["a", "é", "x", "日", "s", "ß"]


def server_command(which: str = "backend-lens") -> list[str]:
    if which == "floor":  # the bare pygls + ast re-parse server (floor_server.py)
        return [sys.executable, str(HERE / "floor_server.py")]
    script = Path(sys.executable).parent / "backend-lens"
    if script.exists():
        return [str(script), "serve"]
    return [sys.executable, "-m", "backend_lens", "serve"]


class _StampedReader:
    """The server's stdout, remembering when the last message body was read."""

    def __init__(self, reader: asyncio.StreamReader):
        self.reader = reader
        self.stamp = 0.0

    async def readline(self) -> bytes:
        return await self.reader.readline()

    async def readexactly(self, n: int) -> bytes:
        data = await self.reader.readexactly(n)
        self.stamp = time.perf_counter()
        return data


class BenchClient(LanguageClient):
    """A LanguageClient whose start_io timestamps incoming messages and sends
    the server's stderr to a file (an undrained pipe could block the server)."""

    def __init__(self, stderr_path: Path):
        super().__init__("backend-lens-bench", "1")
        self.stderr_path = stderr_path
        self.stdout_reader: _StampedReader | None = None
        self.pid: int | None = None

    async def start_io(self, cmd: str, *args, **kwargs):
        self._stderr_file = open(self.stderr_path, "wb")  # noqa: SIM115 - closed in close_stderr
        server = await asyncio.create_subprocess_exec(
            cmd,
            *args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=self._stderr_file,
            **kwargs,
        )
        assert server.stdout is not None and server.stdin is not None
        self.protocol.set_writer(server.stdin)
        self.stdout_reader = _StampedReader(server.stdout)
        connection = asyncio.create_task(
            run_async(
                stop_event=self._stop_event,
                reader=self.stdout_reader,
                protocol=self.protocol,
                logger=logging.getLogger("bench.client"),
                error_handler=self.report_server_error,
            )
        )
        notify_exit = asyncio.create_task(self._server_exit())
        self._server = server
        self.pid = server.pid
        self._async_tasks.extend([connection, notify_exit])

    def close_stderr(self) -> None:
        f = getattr(self, "_stderr_file", None)
        if f is not None:
            f.close()


def utf16_col(line: str, col: int) -> int:
    return len(line[:col].encode("utf-16-le")) // 2


def proc_status(pid: int) -> dict[str, str]:
    out = {}
    try:
        with open(f"/proc/{pid}/status") as fh:
            for row in fh:
                key, _, value = row.partition(":")
                out[key] = value.strip()
    except OSError:
        pass
    return out


def proc_cpu_seconds(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(-(-q * len(s) // 100)) - 1))
    return s[k]


def _spread(items: list, n: int) -> list:
    if len(items) <= n:
        return list(items)
    step = (len(items) - 1) / max(1, n - 1)
    return [items[round(k * step)] for k in range(n)]


SITES = {
    # where the characters are typed (--sites): kinds of _corpus.edit_sites
    "text": ("comment", "string"),  # the end of a comment, before a string's closing quote
    "code": ("name", "space"),  # the end of a name in code, a space after a comma
    "enter": ("line break",),  # a line break at the end of a statement (Enter)
}


def plan_edits(
    text: str, n_edits: int, seed: int, sites: str = "text"
) -> list[tuple[int, int, str, str]]:
    """(line, code-point column, site kind, character) for each insertion; each is
    followed by the deletion of the same character, so the text returns to the
    original after every pair. Sites are spread evenly through the file, in equal
    parts of the kinds of ``sites`` (SITES), visited in a shuffled order."""
    found = _corpus.edit_sites(text)
    n_sites = max(1, (n_edits + 1) // 2)
    kinds = SITES[sites]
    picked: list = []
    for i, kind in enumerate(kinds):
        share = (n_sites - len(picked)) // (len(kinds) - i)
        picked += _spread([s for s in found if s[2] == kind], share)
    random.Random(seed).shuffle(picked)  # jump around the file, as a user does
    typed = {"name": "axs", "space": " ", "line break": "\n"}
    return [
        (line, col, kind, typed.get(kind, INSERTED)[k % len(typed.get(kind, INSERTED))])
        for k, (line, col, kind) in enumerate(picked)
    ]


def prepare(args) -> tuple[Path, Path]:
    """(workspace root, the document to edit): the generated workspace, or the
    given tree and file (never written to: edits stay in the editor's buffer)."""
    if args.workspace:
        ws = Path(args.workspace).resolve()
        views = (ws / args.file).resolve()
        if not views.is_file():
            raise SystemExit(f"latency: {views} is not a file")
        return ws, views
    ws = Path(args.data).resolve() / "latency-workspace"
    shutil.rmtree(ws, ignore_errors=True)
    return ws, _corpus.write_workspace(ws, args.lines)


async def run(args, ws: Path, views: Path, server: str, quiet: bool = False) -> tuple[int, dict]:
    data = Path(args.data).resolve()
    text = views.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    uri = from_fs_path(str(views))
    root_uri = from_fs_path(str(ws))
    stderr_path = data / f"latency-{server}.log"

    client = BenchClient(stderr_path)
    waiting: dict[tuple[str, int], asyncio.Future] = {}
    progress_titles: dict[str, str] = {}
    scan_done: asyncio.Future = asyncio.get_running_loop().create_future()
    scan_message: list[str] = []
    extra_publishes = [0]

    @client.feature(T.WINDOW_WORK_DONE_PROGRESS_CREATE)
    def _create(ls, params):
        return None

    @client.feature(T.PROGRESS)
    def _progress(ls, params: T.ProgressParams):
        value = params.value if isinstance(params.value, dict) else {}
        token = str(params.token)
        if value.get("kind") == "begin":
            progress_titles[token] = value.get("title", "")
        elif value.get("kind") == "end" and "indexing" in progress_titles.get(token, ""):
            scan_message.append(value.get("message", ""))
            if not scan_done.done():
                scan_done.set_result(time.perf_counter())

    @client.feature(T.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def _publish(ls, params: T.PublishDiagnosticsParams):
        handled = time.perf_counter()
        arrived = client.stdout_reader.stamp if client.stdout_reader else handled
        fut = waiting.get((params.uri, params.version))
        if fut is not None and not fut.done():
            fut.set_result((arrived, handled, params.diagnostics))
        elif params.uri == uri:
            extra_publishes[0] += 1

    @client.feature(T.WINDOW_LOG_MESSAGE)
    def _log(ls, params):
        pass

    @client.feature(T.WINDOW_SHOW_MESSAGE)
    def _show(ls, params):
        print(f"server says: {params.message}", file=sys.stderr)

    def expect(version: int) -> asyncio.Future:
        fut = asyncio.get_running_loop().create_future()
        waiting[(uri, version)] = fut
        return fut

    cmd = server_command(server)
    t_spawn = time.perf_counter()
    await client.start_io(cmd[0], *cmd[1:], cwd=str(ws))
    pid = client.pid
    failure = None
    results = {}
    try:
        await asyncio.wait_for(
            client.initialize_async(
                T.InitializeParams(
                    process_id=os.getpid(),
                    root_uri=root_uri,
                    workspace_folders=[T.WorkspaceFolder(uri=root_uri, name=ws.name)],
                    capabilities=T.ClientCapabilities(
                        window=T.WindowClientCapabilities(work_done_progress=True),
                        text_document=T.TextDocumentClientCapabilities(
                            synchronization=T.TextDocumentSyncClientCapabilities(did_save=True),
                            publish_diagnostics=T.PublishDiagnosticsClientCapabilities(
                                version_support=True
                            ),
                        ),
                    ),
                )
            ),
            args.timeout,
        )
        t_init = time.perf_counter()
        client.initialized(T.InitializedParams())
        if server == "floor":  # it indexes nothing and reports no progress
            t_scan_end = time.perf_counter()
        else:
            t_scan_end = await asyncio.wait_for(scan_done, args.timeout)
        results["startup"] = (t_init - t_spawn, t_scan_end - t_init)

        # -- didOpen: the first full analysis of the open document ----------
        version = 1
        fut = expect(version)
        t0 = time.perf_counter()
        client.text_document_did_open(
            T.DidOpenTextDocumentParams(
                text_document=T.TextDocumentItem(
                    uri=uri, language_id="python", version=version, text=text
                )
            )
        )
        arrived, handled, diags = await asyncio.wait_for(fut, args.timeout)
        results["open"] = (arrived - t0, handled - t0, len(diags))
        codes: dict[str, int] = {}
        for d in diags:
            codes[str(d.code)] = codes.get(str(d.code), 0) + 1
        results["codes"] = codes
        await asyncio.sleep(args.settle)
        cpu_before = proc_cpu_seconds(pid)

        # -- edits ------------------------------------------------------------
        edits = []
        for line, col, kind, ch in plan_edits(text, args.edits, args.seed, args.sites):
            edits.append(("insert", line, col, kind, ch))
            edits.append(("delete", line, col, kind, ch))
        edits = edits[: args.edits]
        samples = []
        for op, line, col, kind, ch in edits:
            version += 1
            cur = lines[line]
            start = T.Position(line=line, character=utf16_col(cur, col))
            if op == "insert":
                change = T.TextDocumentContentChangePartial(
                    range=T.Range(start=start, end=start), text=ch
                )
                lines[line] = cur[:col] + ch + cur[col:]
            else:
                assert cur[col : col + len(ch)] == ch
                end = (
                    T.Position(line=line + 1, character=0)
                    if ch == "\n"
                    else T.Position(
                        line=line, character=start.character + len(ch.encode("utf-16-le")) // 2
                    )
                )
                change = T.TextDocumentContentChangePartial(
                    range=T.Range(start=start, end=end), text=""
                )
                lines[line] = cur[:col] + cur[col + len(ch) :]
            fut = expect(version)
            t0 = time.perf_counter()
            client.text_document_did_change(
                T.DidChangeTextDocumentParams(
                    text_document=T.VersionedTextDocumentIdentifier(uri=uri, version=version),
                    content_changes=[change],
                )
            )
            arrived, handled, diags = await asyncio.wait_for(fut, args.timeout)
            samples.append(
                dict(
                    version=version,
                    op=op,
                    kind=kind,
                    line=line + 1,
                    ch=ch,
                    wire=(arrived - t0) * 1000,
                    handler=(handled - t0) * 1000,
                    n=len(diags),
                )
            )
            if args.pause:
                await asyncio.sleep(args.pause)
        results["samples"] = samples
        cpu_after = proc_cpu_seconds(pid)
        if cpu_before is not None and cpu_after is not None:
            results["cpu_per_edit_ms"] = (cpu_after - cpu_before) * 1000 / max(1, len(samples))
        status = proc_status(pid)
        results["rss"] = (status.get("VmHWM", "?"), status.get("VmRSS", "?"))
        results["extra"] = extra_publishes[0]
        results["final_text_ok"] = "".join(lines) == text
    except TimeoutError:
        failure = f"timed out after {args.timeout}s waiting for the server (see {stderr_path})"
    except Exception as exc:  # the server died, or the protocol broke
        failure = f"{type(exc).__name__}: {exc} (see {stderr_path})"
    finally:
        await shutdown(client, pid)

    if not quiet:
        report(args, results, views, stderr_path)
    if failure:
        print(f"\nFAILED ({server}): {failure}", file=sys.stderr)
        return 2, results
    return 0, results


async def shutdown(client: BenchClient, pid: int | None) -> None:
    try:
        await asyncio.wait_for(client.shutdown_async(None), 5)
        client.exit(None)
    except Exception:
        pass
    server = client._server
    if server is not None:
        try:
            await asyncio.wait_for(server.wait(), 5)
        except TimeoutError:
            server.kill()  # our own child, by its handle
            await server.wait()
    try:
        await asyncio.wait_for(client.stop(), 5)
    except Exception:
        pass
    client.close_stderr()


def report(args, results: dict, views: Path, stderr_path: Path) -> None:
    n_lines = len(views.read_text(encoding="utf-8").splitlines())
    print(
        f"Backend Lens latency benchmark  ({time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs, "
        f"Python {sys.version.split()[0]})"
    )
    print(f"document: {views} ({n_lines} lines)")
    if "startup" in results:
        init, scan = results["startup"]
        print(f"server start -> initialize result: {init * 1000:8.0f} ms")
        print(f"initialized -> scan finished:      {scan * 1000:8.0f} ms")
    if "open" in results:
        wire, handled, n = results["open"]
        codes = ", ".join(f"{c} {k}" for c, k in sorted(results["codes"].items()))
        print(
            f"didOpen -> diagnostics (first full analysis): {wire * 1000:.0f} ms"
            f" (handler {handled * 1000:.0f} ms); {n} diagnostics: {codes}"
        )
    samples = results.get("samples") or []
    if samples:
        wire = [s["wire"] for s in samples]
        hand = [s["handler"] for s in samples]
        print()
        print(f"didChange -> publishDiagnostics, {len(samples)} one-character edits (ms):")
        print(f"  {'':26}{'p50':>8}{'p95':>8}{'max':>8}{'mean':>8}{'min':>8}")
        for name, vals in (("bytes read by client", wire), ("client handler ran", hand)):
            print(
                f"  {name:26}{pct(vals, 50):8.1f}{pct(vals, 95):8.1f}{max(vals):8.1f}"
                f"{statistics.fmean(vals):8.1f}{min(vals):8.1f}"
            )
        decode = [h - w for w, h in zip(wire, hand, strict=True)]
        print(f"  client JSON decode (median): {statistics.median(decode):.1f} ms")
        verdict = "meets" if pct(wire, 95) < TARGET_P95_MS else "MISSES"
        print(f"  target p95 < {TARGET_P95_MS:.0f} ms: {verdict} (p95 {pct(wire, 95):.1f} ms)")
        if "cpu_per_edit_ms" in results:
            print(f"  server CPU per edit (user+sys): {results['cpu_per_edit_ms']:.1f} ms")
        first = samples[0]
        print(f"  first edit: {first['wire']:.1f} ms")
        slow = sorted(samples, key=lambda s: -s["wire"])[:5]
        print("  slowest edits:")
        for s in slow:
            print(
                f"    v{s['version']:<4} {s['op']:6} {s['ch']!r:5} in a {s['kind']:7} on line {s['line']:<5}"
                f" {s['wire']:7.1f} ms ({s['n']} diagnostics)"
            )
        if args.verbose:
            print("  all edits:")
            for s in samples:
                print(
                    f"    v{s['version']:<4} {s['op']:6} {s['kind']:7} line {s['line']:<5} {s['wire']:7.1f} ms"
                )
        if not results.get("final_text_ok", True):
            print("  warning: the client's copy of the text drifted (a bug in this benchmark)")
        if results.get("extra"):
            print(
                f"  note: {results['extra']} further publishes for the document (re-judged or repeated versions)"
            )
    if "rss" in results:
        hwm, rss = results["rss"]
        print(f"server peak RSS (VmHWM): {hwm}; RSS at the end: {rss}")
    print(f"server log: {stderr_path}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--edits",
        type=int,
        default=60,
        help="number of timed one-character edits (default 60, min 30)",
    )
    p.add_argument(
        "--lines", type=int, default=3000, help="size of the generated module (default 3000)"
    )
    p.add_argument("--seed", type=int, default=0, help="order of the edit sites")
    p.add_argument(
        "--sites",
        choices=tuple(SITES),
        default="text",
        help="where to type: text = the end of comments and inside strings (default); "
        "code = the end of names and a space after commas; enter = a line break at the "
        "end of statements",
    )
    p.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for any one answer")
    p.add_argument(
        "--settle", type=float, default=0.5, help="pause after didOpen before the first edit (s)"
    )
    p.add_argument(
        "--pause", type=float, default=0.0, help="pause between edits (s); 0 = back to back"
    )
    p.add_argument(
        "--server",
        choices=("backend-lens", "floor"),
        default="backend-lens",
        help="floor: a bare pygls server re-parsing with ast on every edit (floor_server.py)",
    )
    p.add_argument("--data", default=str(HERE / ".data"), help="where to write the workspace")
    p.add_argument(
        "--workspace",
        help="an existing tree to open as the workspace (e.g. the Django source) instead of "
        "the generated one; with --file",
    )
    p.add_argument("--file", help="the document to edit, relative to --workspace")
    p.add_argument(
        "--compare",
        type=int,
        default=0,
        metavar="ROUNDS",
        help="run the floor server and backend-lens alternately ROUNDS times each with the "
        "same edits, and print both figures and their ratios",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="print every edit")
    args = p.parse_args()
    if args.edits < 30:
        p.error("--edits must be at least 30")
    if bool(args.workspace) != bool(args.file):
        p.error("--workspace and --file go together")
    Path(args.data).mkdir(parents=True, exist_ok=True)
    ws, views = prepare(args)
    if args.compare:
        return asyncio.run(compare(args, ws, views))
    code, _ = asyncio.run(run(args, ws, views, args.server))
    return code


async def compare(args, ws: Path, views: Path) -> int:
    """Floor and backend-lens alternately, the same edits each time: the ratios
    are what the targets are about (the machine is shared: absolute figures move)."""
    rows: dict[str, list[tuple[float, float]]] = {"floor": [], "backend-lens": []}
    cpu: dict[str, list[float]] = {"floor": [], "backend-lens": []}
    opened: list[float] = []
    rss: list[str] = []
    for r in range(args.compare):
        for server in ("floor", "backend-lens"):
            code, results = await run(args, ws, views, server, quiet=True)
            if code:
                return code
            wire = [s["wire"] for s in results["samples"]]
            rows[server].append((pct(wire, 50), pct(wire, 95)))
            if "cpu_per_edit_ms" in results:
                cpu[server].append(results["cpu_per_edit_ms"])
            if server == "backend-lens":
                opened.append(results["open"][0] * 1000)
                rss.append(results.get("rss", ("?", "?"))[0])
            print(
                f"round {r + 1} {server:>12}: p50 {rows[server][-1][0]:6.1f} ms  "
                f"p95 {rows[server][-1][1]:6.1f} ms",
                flush=True,
            )
    n_lines = len(views.read_text(encoding="utf-8").splitlines())
    print()
    print(
        f"{views} ({n_lines} lines), workspace {ws}; {len(rows['floor'][0:1]) and args.edits} "
        f"one-character edits per run (sites: {args.sites}), {args.compare} runs each, alternating "
        f"({time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs)"
    )
    for q, i in (("p50", 0), ("p95", 1)):
        f = [x[i] for x in rows["floor"]]
        b = [x[i] for x in rows["backend-lens"]]
        ratios = [bb / ff for bb, ff in zip(b, f, strict=True) if ff]
        print(
            f"{q}: floor {min(f):.1f}-{max(f):.1f} ms, backend-lens {min(b):.1f}-{max(b):.1f} ms; "
            f"ratio per round {', '.join(f'{x:.2f}' for x in ratios)} "
            f"(median {statistics.median(ratios):.2f}; target <= {0.4 if q == 'p50' else 0.6})"
        )
    if cpu["backend-lens"] and cpu["floor"]:
        print(
            f"server CPU per edit: floor {statistics.median(cpu['floor']):.1f} ms, "
            f"backend-lens {statistics.median(cpu['backend-lens']):.1f} ms"
        )
    print(
        f"backend-lens didOpen -> first diagnostics: {', '.join(f'{x:.0f}' for x in opened)} ms; "
        f"peak RSS {', '.join(rss)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
