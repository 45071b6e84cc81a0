"""The language server: thin pygls handlers that translate between LSP and the
engine. Nothing here parses or analyses; the AnalysisWorker does, on its own
thread. Everything sent to the client is sent from the event loop."""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from lsprotocol import types as T
from pygls.lsp.server import LanguageServer
from pygls.workspace import PositionCodec, ServerTextPosition

from .. import __version__, catalogue
from ..config import Config
from ..config import load as load_config
from ..engine import manifests
from ..engine.analysis import check_registry
from ..engine.cache import ResultCache
from ..engine.parallel import default_jobs
from ..engine.project import Project
from ..engine.worker import AnalysisWorker, Published
from ..model import Edit, Finding, Severity
from ..source.lines import split_lines
from .documents import count_lines_as_the_protocol_does, path_of, uri_of
from .lenses import AUTH_SECTION, OPEN_REPORT_SECTION, lenses_for
from .transport import GuardedProtocol, serve_stdio, serve_tcp

log = logging.getLogger("backend_lens.lsp")

SOURCE = "backend-lens"
GENERATE_REPORT = "backendLens.generateReport"
INVENTORY = "backendLens.inventory"
LSP_SEVERITY = {
    Severity.CRITICAL: T.DiagnosticSeverity.Error,
    Severity.ERROR: T.DiagnosticSeverity.Error,
    Severity.WARNING: T.DiagnosticSeverity.Warning,
    Severity.INFO: T.DiagnosticSeverity.Information,
}


def to_position(codec: PositionCodec, lines: list[str], pos) -> T.Position:
    """A parso position (1-based line, code point column) in client units. An
    ASCII line has the same column in every encoding; others go through pygls."""
    line, col = pos[0] - 1, pos[1]
    if 0 <= line < len(lines) and lines[line].isascii():
        return T.Position(line=line, character=col)
    return codec.position_to_client_units(lines, ServerTextPosition(line, col))


def to_range(codec: PositionCodec, lines: list[str], start, end) -> T.Range:
    return T.Range(start=to_position(codec, lines, start), end=to_position(codec, lines, end))


@dataclass
class DocState:
    version: int | None = None
    diagnostics: list[T.Diagnostic] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    published: asyncio.Event = field(default_factory=asyncio.Event)


class BackendLensServer(LanguageServer):
    def __init__(self):
        super().__init__(
            "backend-lens",
            __version__,
            text_document_sync_kind=T.TextDocumentSyncKind.Incremental,
            protocol_cls=GuardedProtocol,  # answers every request; see transport.py
        )
        self.protocol: GuardedProtocol
        self.project: Project | None = None
        self.worker: AnalysisWorker | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.docs: dict[str, DocState] = {}
        self.init_options: dict = {}
        self.diagnostic_mode = "push"
        self.scan_done: asyncio.Future | None = None
        self.created_reports: set[str] = set()
        self.told: set[tuple[str, str]] = set()  # (uri, check) failures already logged
        # code lenses (lenses.py): on unless the editor setting `codeLens` is false;
        # what was last answered per URI (version, (line, title) of each lens), to
        # ask the client to refresh only when an analysis changed them
        self.code_lens_on = True
        self.lens_served: dict[str, tuple] = {}
        self.lens_after_scan = False  # a request was answered empty during the scan
        self.lens_check: asyncio.TimerHandle | None = None
        self.lens_generations: tuple = ()  # ENDPOINT_READS generations last seen (analysis thread)

    # -- helpers ------------------------------------------------------------
    def log(self, message: str, kind: T.MessageType = T.MessageType.Info) -> None:
        log.info(message)
        try:
            self.window_log_message(T.LogMessageParams(type=kind, message=message))
        except Exception:  # not connected yet
            pass

    def notify_user(self, message: str, kind: T.MessageType = T.MessageType.Warning) -> None:
        self.log(message, kind)
        self.window_show_message(T.ShowMessageParams(type=kind, message=f"Backend Lens: {message}"))

    def state(self, uri: str) -> DocState:
        if uri not in self.docs:
            self.docs[uri] = DocState()
        return self.docs[uri]

    def path_of(self, uri: str) -> str:
        return path_of(uri)

    def current_version(self, uri: str) -> int | None:
        # pygls files documents under the unquoted URI (file:///a%20b.py as file:///a b.py)
        doc = self.workspace.text_documents.get(unquote(uri))
        return doc.version if doc is not None else None

    def supports(self, *path: str) -> bool:
        cur = self.client_capabilities
        for name in path:
            cur = getattr(cur, name, None)
            if cur is None:
                return False
        return bool(cur)

    # -- results from the analysis thread ----------------------------------
    def on_result(self, pub: Published) -> None:
        """Called on the analysis thread: convert positions there, publish on the loop."""
        codec = self.workspace.position_codec
        cat = catalogue.load()
        self._lines_cache: dict[str, list[str]] = {}
        diagnostics = [self.to_diagnostic(codec, pub, f, cat) for f in pub.findings]
        assert self.loop is not None
        self.loop.call_soon_threadsafe(self.publish, pub, diagnostics)
        if self.lens_served and self.endpoints_may_differ():
            self.loop.call_soon_threadsafe(self.check_lenses_soon)

    def endpoints_may_differ(self) -> bool:
        """On the analysis thread: did what the endpoints are read from change since
        the last look? (A cheap test; whether the lenses changed is checked later.)"""
        if self.project is None:
            return False
        from ..facts.index import ENDPOINT_READS

        gen = self.project.index.generation
        key = tuple(gen.get(k, 0) for k in ENDPOINT_READS)
        if key == self.lens_generations:
            return False
        self.lens_generations = key
        return True

    # -- code lenses ----------------------------------------------------------
    def lens_rows(self, uri: str):
        """On the analysis thread: (analysed version, lenses) of an open document, the
        lenses' ranges in client units; (None, []) when it is not analysed."""
        worker, project = self.worker, self.project
        assert worker is not None and project is not None
        path = worker._open.get(uri)
        result = project.results.get(path) if path is not None else None
        facts = getattr(result, "facts", None)
        if facts is None or path is None:
            return None, []
        lines = split_lines(project.overlay.get(path, ""))
        codec = self.workspace.position_codec
        rows = []
        for lens in lenses_for(project.index.endpoints_in(facts), lines):
            rng = to_range(codec, lines, (lens.line + 1, lens.start), (lens.line + 1, lens.end))
            rows.append((lens, rng))
        return worker._versions.get(uri), rows

    def check_lenses_soon(self, delay: float = 0.4) -> None:
        """After analyses that changed what the endpoints are read from: once the editor
        pauses, ask the client to refresh the lenses if those of a document it showed
        lenses for changed. A document edited since its lenses were answered is left
        out: the client asks for its lenses again anyway."""
        if self.lens_check is not None:
            self.lens_check.cancel()
        assert self.loop is not None
        self.lens_check = self.loop.call_later(delay, self._check_lenses)

    def _check_lenses(self) -> None:
        self.lens_check = None
        if not self.lens_served or self.worker is None or not self.code_lens_on:
            return
        served = {
            uri: sig for uri, sig in self.lens_served.items() if sig[0] == self.current_version(uri)
        }
        if not served:
            return

        def run():
            changed = []
            for uri, before in served.items():
                version, rows = self.lens_rows(uri)
                if lens_signature(version, rows)[1] != before[1]:
                    changed.append(uri)
            return changed

        fut = asyncio.wrap_future(self.worker.call(run))

        def done(f: asyncio.Future) -> None:
            if not f.cancelled() and f.exception() is None and f.result():
                for uri in f.result():
                    self.lens_served.pop(uri, None)
                self.refresh_lenses()

        fut.add_done_callback(done)

    def refresh_lenses(self) -> None:
        """workspace/codeLens/refresh, if the client can take it."""
        if not self.supports("workspace", "code_lens", "refresh_support"):
            return

        async def send():
            try:
                await self.workspace_code_lens_refresh_async(None)
            except Exception:
                log.debug("workspace/codeLens/refresh failed", exc_info=True)

        asyncio.ensure_future(send())

    def to_diagnostic(self, codec, pub: Published, f: Finding, cat) -> T.Diagnostic:
        rule = cat.rules[f.code]
        data: dict = {"version": pub.version, "code": f.code}
        if f.fix is not None:
            data["fix"] = {
                "title": f.fix.title,
                "edits": [self.edit_data(codec, pub, e) for e in f.fix.edits],
            }
        if f.suppress is not None:
            data["suppress"] = self.edit_data(codec, pub, f.suppress)
        related = []
        for r in f.related:
            lines = pub.lines if r.path == pub.path else self.lines_of(r.path)
            related.append(
                T.DiagnosticRelatedInformation(
                    location=T.Location(
                        uri=uri_of(r.path),
                        range=to_range(codec, lines, r.start, r.end),
                    ),
                    message=r.message,
                )
            )
        return T.Diagnostic(
            range=to_range(codec, pub.lines, f.start, f.end),
            message=f.message,
            severity=LSP_SEVERITY[f.severity or rule.severity],
            code=f.code,
            code_description=T.CodeDescription(href=rule.uri),
            source=SOURCE,
            related_information=related or None,
            data=data,
        )

    def lines_of(self, path: str) -> list[str]:
        """Lines of another file, read once per published result."""
        cache = getattr(self, "_lines_cache", {})
        if path not in cache:
            assert self.project is not None
            cache[path] = split_lines(self.project.source_for(path) or "")
        return cache[path]

    def edit_data(self, codec, pub: Published, e: Edit) -> dict:
        lines = pub.lines if e.path == pub.path else self.lines_of(e.path)
        rng = to_range(codec, lines, e.start, e.end)
        uri = pub.uri if e.path == pub.path else uri_of(e.path)
        other_version = None
        if e.path != pub.path and self.worker is not None:
            other_version = self.worker._versions.get(uri)
        return {
            "uri": uri,
            "version": pub.version if e.path == pub.path else other_version,
            "range": {
                "start": {"line": rng.start.line, "character": rng.start.character},
                "end": {"line": rng.end.line, "character": rng.end.character},
            },
            "newText": e.text,
        }

    def publish(self, pub: Published, diagnostics: list[T.Diagnostic]) -> None:
        current = self.current_version(pub.uri)
        if current is None:
            return  # closed meanwhile
        if pub.version is not None and current is not None and pub.version < current:
            return  # stale: a newer version is being analysed
        if pub.skipped:
            self.log(f"{pub.path}: {pub.skipped}", T.MessageType.Warning)
        for note in pub.notes:
            # said once per file and check: half-typed code fails the same check
            # on every keystroke, and its line numbers move as the user types
            key = (pub.uri, note.split(" not checked", 1)[0])
            if key not in self.told:
                self.told.add(key)
                self.log(f"{pub.path}: {note}", T.MessageType.Warning)
        st = self.state(pub.uri)
        st.version, st.diagnostics, st.findings = pub.version, diagnostics, pub.findings
        st.published.set()
        st.published = asyncio.Event()
        if self.diagnostic_mode in ("push", "both"):
            self.text_document_publish_diagnostics(
                T.PublishDiagnosticsParams(
                    uri=pub.uri, version=pub.version, diagnostics=diagnostics
                )
            )

    def submit(self, uri: str) -> None:
        doc = self.workspace.get_text_document(uri)
        if self.worker is None:
            return
        self.worker.submit(uri, self.path_of(uri), doc.version, doc.source)


server = BackendLensServer()


def lens_signature(version, rows) -> tuple:
    return version, tuple(
        (r.start.line, r.start.character, r.end.character, lens.title) for lens, r in rows
    )


EDITOR_ONLY = ("codeLens",)  # settings of the language server, not of the analysis


def _analysis_options(options: dict) -> dict:
    """The editor settings the analysis reads (config.load): without the server's own."""
    return {k: v for k, v in options.items() if k not in EDITOR_ONLY}


def _code_lens_setting(ls: BackendLensServer) -> bool:
    value = ls.init_options.get("codeLens", True)
    if not isinstance(value, bool):
        ls.notify_user(
            f"editor settings: `codeLens` should be true or false, not {value!r}; using true"
        )
        return True
    return value


def _options(params: T.InitializeParams) -> dict:
    opts = params.initialization_options
    if isinstance(opts, dict):
        return opts.get("backendLens", opts) if isinstance(opts.get("backendLens"), dict) else opts
    return {}


@server.feature(T.INITIALIZE)
def initialize(ls: BackendLensServer, params: T.InitializeParams):
    count_lines_as_the_protocol_does(ls.workspace)
    ls.init_options = _options(params)
    mode = ls.init_options.get("diagnosticMode", "push")
    if mode not in ("push", "pull", "both"):
        ls.init_options.pop("diagnosticMode", None)
        mode = "push"
    if mode in ("pull", "both") and not ls.supports("text_document", "diagnostic"):
        mode = "push"  # the client cannot pull
    ls.diagnostic_mode = mode
    if mode in ("pull", "both"):
        # advertised only when asked for: clients that take both show every finding twice
        ls.feature(
            T.TEXT_DOCUMENT_DIAGNOSTIC,
            T.DiagnosticOptions(
                identifier="backend-lens", inter_file_dependencies=True, workspace_diagnostics=False
            ),
        )(pull_diagnostics)


@server.feature(T.INITIALIZED)
async def initialized(ls: BackendLensServer, params: T.InitializedParams):
    ls.loop = asyncio.get_running_loop()
    root = None
    folders = ls.workspace.folders
    if folders:
        root = Path(path_of(next(iter(folders.values())).uri))
    elif ls.workspace.root_uri:
        root = Path(path_of(ls.workspace.root_uri))
    elif ls.workspace.root_path:
        root = Path(ls.workspace.root_path)
    try:
        check_registry()
    except catalogue.CatalogueError as exc:
        ls.notify_user(f"the rule catalogue is broken, analysis is off: {exc}", T.MessageType.Error)
        return
    config = load_config(root, _analysis_options(ls.init_options))
    for problem in config.problems:
        ls.notify_user(problem)
    ls.code_lens_on = _code_lens_setting(ls)
    ls.project = Project(root or Path.cwd(), config)
    ls.worker = AnalysisWorker(ls.project, ls.on_result)
    ls.worker.idle_gc = True
    ls.worker.start()
    # open documents that arrived before we were ready
    for doc in list(ls.workspace.text_documents.values()):
        if doc.uri.endswith(".py") or _is_manifest(doc.uri):
            ls.submit(doc.uri)  # the URI as the client wrote it
    if root is not None:
        ls.scan_done = asyncio.ensure_future(scan_workspace(ls))
    else:
        ls.log("no workspace folder: analysing open files only")
    gc.collect()
    gc.freeze()


async def scan_workspace(ls: BackendLensServer) -> None:
    """Index every file of the workspace on the analysis thread, with progress."""
    assert ls.worker is not None and ls.project is not None and ls.loop is not None
    reporter = await Progress.start(ls, "Backend Lens: indexing the workspace")
    worker, project, loop = ls.worker, ls.project, ls.loop
    # files the cache holds are read from it; the others are analysed in worker
    # processes, while this thread goes on analysing the open documents' edits
    project.jobs = default_jobs()
    project.cache = _result_cache(ls, project)

    def run():
        def progress(i, n, rel):
            if i % 20 == 0 or i == n - 1:
                loop.call_soon_threadsafe(
                    reporter.report, f"{i + 1}/{n} {rel}", int(100 * (i + 1) / max(n, 1))
                )

        project.scan(progress, between=worker.process_pending)
        worker.rejudge({"models", "settings", "tasks", "routes"}, exclude=None)
        # the endpoints (judgements, code lenses) computed now, not on the first
        # document opened after the scan
        project.index.endpoints()
        skipped = [f"skipped {project.rel(p)}: {r}" for p, r in sorted(project.skipped.items())]
        return len(project.results), skipped, project.cache.hits if project.cache else 0

    try:
        n, skipped, cached = await asyncio.wrap_future(worker.call(run))
        reporter.end(f"indexed {n} files")
        ls.log(f"indexed {n} files under {project.root} ({cached} from the cache)")
        if ls.lens_after_scan:  # lenses asked for during the scan were answered with none
            ls.lens_after_scan = False
            ls.refresh_lenses()
        for line in skipped:  # the same lines as the command line's
            ls.log(line, T.MessageType.Warning)
    except Exception as exc:
        reporter.end("indexing failed")
        ls.notify_user(f"indexing the workspace failed: {exc}", T.MessageType.Error)


def _result_cache(ls: BackendLensServer, project: Project) -> ResultCache | None:
    """The result cache of the workspace (engine/cache.py), or None when the
    settings turn it off; its problems are one log message."""
    if not project.config.cache:
        return None
    loop = ls.loop
    told: list[str] = []

    def warn(message: str) -> None:  # called on the analysis thread
        if not told and loop is not None:
            told.append(message)
            loop.call_soon_threadsafe(ls.log, message, T.MessageType.Warning)

    return ResultCache.for_project(project.root, project.config, warn=warn)


class Progress:
    """$/progress through a server-created token, or nothing if the client can't show it."""

    def __init__(self, ls: BackendLensServer, token: str | None):
        self.ls, self.token = ls, token

    @classmethod
    async def start(cls, ls: BackendLensServer, title: str, token=None) -> Progress:
        if token is None and ls.supports("window", "work_done_progress"):
            token = str(uuid.uuid4())
            try:
                await ls.work_done_progress.create_async(token)
            except Exception:
                token = None
        if token is not None:
            ls.work_done_progress.begin(
                token, T.WorkDoneProgressBegin(title=title, percentage=0, cancellable=False)
            )
        return cls(ls, token)

    def report(self, message: str, percentage: int | None = None) -> None:
        if self.token is not None:
            self.ls.work_done_progress.report(
                self.token, T.WorkDoneProgressReport(message=message, percentage=percentage)
            )

    def end(self, message: str) -> None:
        if self.token is not None:
            self.ls.work_done_progress.end(self.token, T.WorkDoneProgressEnd(message=message))
            self.token = None


def _is_python(doc) -> bool:
    return doc.uri.endswith((".py", ".pyi")) or getattr(doc, "language_id", None) == "python"


def _is_manifest(uri: str) -> bool:
    """A dependency manifest (requirements*.txt, requirements/*.txt, pyproject.toml,
    Pipfile): analysed as text (engine/manifests.py)."""
    parts = unquote(uri).rsplit("/", 2)
    return manifests.kind_of("/".join(parts[-2:])) is not None


def _is_analysed(doc) -> bool:
    return _is_python(doc) or _is_manifest(doc.uri)


@server.feature(T.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: BackendLensServer, params: T.DidOpenTextDocumentParams):
    if _is_analysed(params.text_document):
        ls.state(params.text_document.uri)
        ls.submit(params.text_document.uri)


@server.feature(T.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: BackendLensServer, params: T.DidChangeTextDocumentParams):
    if params.text_document.uri in ls.docs:
        ls.submit(params.text_document.uri)


@server.feature(T.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: BackendLensServer, params: T.DidSaveTextDocumentParams):
    if params.text_document.uri.endswith("pyproject.toml"):
        reload_config(ls)


@server.feature(T.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: BackendLensServer, params: T.DidCloseTextDocumentParams):
    uri = params.text_document.uri
    ls.lens_served.pop(uri, None)
    if ls.docs.pop(uri, None) is not None and ls.worker is not None:
        ls.worker.close(uri)
        if ls.diagnostic_mode in ("push", "both"):
            ls.text_document_publish_diagnostics(
                T.PublishDiagnosticsParams(uri=uri, diagnostics=[])
            )


@server.feature(T.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def did_change_watched(ls: BackendLensServer, params: T.DidChangeWatchedFilesParams):
    if ls.worker is None:
        return
    for change in params.changes:
        if change.uri.endswith("pyproject.toml"):
            reload_config(ls)  # and below: it is a dependency manifest too
        if not (change.uri.endswith(".py") or _is_manifest(change.uri)) or change.uri in ls.docs:
            continue
        path = ls.path_of(change.uri)
        worker = ls.worker

        def refresh(path=path, deleted=change.type == T.FileChangeType.Deleted, worker=worker):
            project = worker.project
            changed = project.forget(path) if deleted else project.analyze_file(path)[1]
            worker.rejudge(changed, exclude=None)
            if ls.lens_served and ls.endpoints_may_differ() and ls.loop is not None:
                ls.loop.call_soon_threadsafe(ls.check_lenses_soon)

        worker.call(refresh)


@server.feature(T.WORKSPACE_DID_CHANGE_CONFIGURATION)
def did_change_configuration(ls: BackendLensServer, params: T.DidChangeConfigurationParams):
    settings = params.settings
    if isinstance(settings, dict):
        options = (
            settings.get("backendLens", settings)
            if isinstance(settings.get("backendLens"), dict)
            else ls.init_options
        )
        if options == ls.init_options and ls.project is not None:
            # clients send the settings they started with again (VS Code does):
            # nothing to reload, and no warning to repeat
            return
        analysis_same = _analysis_options(options) == _analysis_options(ls.init_options)
        ls.init_options = options
        lens_was = ls.code_lens_on
        ls.code_lens_on = _code_lens_setting(ls)
        if lens_was != ls.code_lens_on:
            ls.lens_served.clear()
            ls.refresh_lenses()
        if analysis_same and ls.project is not None:
            return  # only the lenses were turned on or off: nothing to analyse again
    reload_config(ls)


def reload_config(ls: BackendLensServer) -> None:
    if ls.worker is None or ls.project is None:
        return
    config: Config = load_config(ls.project.root, _analysis_options(ls.init_options))
    for problem in config.problems:
        ls.notify_user(problem)
    ls.worker.reconfigure(config)


async def pull_diagnostics(ls: BackendLensServer, params: T.DocumentDiagnosticParams):
    uri = params.text_document.uri
    st = ls.state(uri)
    current = ls.current_version(uri)
    deadline = asyncio.get_running_loop().time() + 10
    while (
        current is not None
        and st.version != current
        and asyncio.get_running_loop().time() < deadline
    ):
        try:
            await asyncio.wait_for(
                st.published.wait(), timeout=max(0.01, deadline - asyncio.get_running_loop().time())
            )
        except TimeoutError:
            break
        current = ls.current_version(uri)
    return T.RelatedFullDocumentDiagnosticReport(
        items=list(st.diagnostics), result_id=str(st.version)
    )


@server.feature(
    T.TEXT_DOCUMENT_CODE_ACTION,
    T.CodeActionOptions(code_action_kinds=[T.CodeActionKind.QuickFix], resolve_provider=False),
)
def code_action(ls: BackendLensServer, params: T.CodeActionParams):
    uri = params.text_document.uri
    current = ls.current_version(uri)
    actions: list[T.CodeAction] = []
    for diag in params.context.diagnostics:
        if diag.source != SOURCE or not isinstance(diag.data, dict):
            continue
        data = diag.data
        if data.get("version") != current:
            continue  # the document moved on: this diagnostic's edits would land in the wrong place
        fix = data.get("fix")
        if fix:
            actions.append(
                T.CodeAction(
                    title=f"{fix['title']} ({data['code']})",
                    kind=T.CodeActionKind.QuickFix,
                    diagnostics=[diag],
                    is_preferred=True,
                    edit=workspace_edit(ls, fix["edits"]),
                )
            )
        sup = data.get("suppress")
        if sup:
            actions.append(
                T.CodeAction(
                    title=f"Suppress {data['code']} on this line",
                    kind=T.CodeActionKind.QuickFix,
                    diagnostics=[diag],
                    edit=workspace_edit(ls, [sup]),
                )
            )
    return actions


def workspace_edit(ls: BackendLensServer, edits: list[dict]) -> T.WorkspaceEdit:
    by_uri: dict[str, list[T.TextEdit]] = {}
    versions: dict[str, int | None] = {}
    for e in edits:
        r = e["range"]
        by_uri.setdefault(e["uri"], []).append(
            T.TextEdit(
                range=T.Range(start=T.Position(**r["start"]), end=T.Position(**r["end"])),
                new_text=e["newText"],
            )
        )
        versions[e["uri"]] = e.get("version")
    if ls.supports("workspace", "workspace_edit", "document_changes"):
        return T.WorkspaceEdit(
            document_changes=[
                T.TextDocumentEdit(
                    text_document=T.OptionalVersionedTextDocumentIdentifier(
                        uri=uri, version=versions[uri]
                    ),
                    edits=tedits,
                )
                for uri, tedits in by_uri.items()
            ]
        )
    return T.WorkspaceEdit(changes=by_uri)


@server.feature(T.TEXT_DOCUMENT_HOVER)
def hover(ls: BackendLensServer, params: T.HoverParams):
    st = ls.docs.get(params.text_document.uri)
    if st is None or st.version != ls.current_version(params.text_document.uri):
        return None
    pos = params.position
    cat = catalogue.load()
    parts, rng = [], None
    for d in st.diagnostics:
        start, end = d.range.start, d.range.end
        if (start.line, start.character) <= (pos.line, pos.character) <= (end.line, end.character):
            rule = cat.rules.get(str(d.code))
            if rule is not None:
                parts.append(f"{d.message}\n\n{rule.hover_markdown()}")
                rng = rng or d.range
    if not parts:
        return None
    return T.Hover(
        contents=T.MarkupContent(kind=T.MarkupKind.Markdown, value="\n\n---\n\n".join(parts)),
        range=rng,
    )


@server.feature(T.TEXT_DOCUMENT_CODE_LENS, T.CodeLensOptions(resolve_provider=False))
async def code_lens(ls: BackendLensServer, params: T.CodeLensParams):
    """A lens above each endpoint handler of the document (lenses.py), computed on the
    analysis thread after the document's pending edits. None while the workspace is
    being indexed (the endpoints are not all known yet): a refresh follows its end."""
    uri = params.text_document.uri
    if not ls.code_lens_on or ls.worker is None or ls.project is None or uri not in ls.docs:
        return None
    if ls.scan_done is not None and not ls.scan_done.done():
        ls.lens_after_scan = True
        return None
    try:
        version, rows = await asyncio.wrap_future(ls.worker.call(lambda: ls.lens_rows(uri)))
    except Exception:
        log.warning("code lenses of %s failed (internal error); see the debug log", uri)
        log.debug("code lenses of %s failed", uri, exc_info=True)
        return None
    if uri not in ls.docs or not ls.code_lens_on:
        return None
    ls.lens_served[uri] = lens_signature(version, rows)
    return [
        T.CodeLens(
            range=rng,
            command=T.Command(
                title=lens.title,
                command=OPEN_REPORT_SECTION,
                tooltip=lens.tooltip,
                arguments=[{"section": lens.section, "path": lens.path, "line": lens.handler_line}],
            ),
        )
        for lens, rng in rows
    ]


@server.command(OPEN_REPORT_SECTION)
async def open_report_section(ls: BackendLensServer, *args):
    """The command of an endpoint lens: generate the Markdown report and show it at the
    section that covers the endpoint (on the line that names the handler, when the
    section lists it). Argument: {"section": heading, "path": file, "line": n}.
    Returns the report's URI."""
    opts = args[0] if args and isinstance(args[0], dict) else {}
    wanted = opts.get("section") if isinstance(opts.get("section"), str) else AUTH_SECTION
    written = await write_report(ls, {"format": "markdown"})
    if written is None:
        return None
    uri, text = written
    line = section_line(text, wanted, f"`{opts.get('path')}:{opts.get('line')}`")
    if ls.supports("window", "show_document"):
        pos = T.Position(line=line, character=0)
        try:
            await ls.window_show_document_async(
                T.ShowDocumentParams(
                    uri=uri, take_focus=True, selection=T.Range(start=pos, end=pos)
                )
            )
        except Exception:
            log.debug("showDocument failed", exc_info=True)
    else:
        ls.notify_user(
            f"the report is in {path_of(uri)}; see its section “{wanted}” (line {line + 1})",
            T.MessageType.Info,
        )
    return uri


def section_line(text: str, heading: str, mention: str) -> int:
    """The 0-based line of the report's ``### heading``, or of the line in that section
    that mentions the handler (``mention``, e.g. `shop/views.py:12`)."""
    lines = text.splitlines()
    start = next((i for i, s in enumerate(lines) if s.strip() == f"### {heading}"), None)
    if start is None:
        return 0
    for i in range(start + 1, len(lines)):
        if lines[i].startswith(("## ", "### ")):
            break
        if mention in lines[i]:
            return i
    return start


@server.command(GENERATE_REPORT)
async def generate_report(ls: BackendLensServer, *args):
    """Render the report for the workspace, write it into the workspace, show it,
    and return its URI. Arguments (optional): {"format": "markdown"|"html", "output": "path",
    "show": false} ("show": false leaves opening the report to the client, which gets the URI)."""
    opts = args[0] if args and isinstance(args[0], dict) else {}
    written = await write_report(ls, opts)
    if written is None:
        return None
    uri = written[0]
    if opts.get("show", True) is not False and ls.supports("window", "show_document"):
        try:
            await ls.window_show_document_async(T.ShowDocumentParams(uri=uri, take_focus=True))
        except Exception:
            log.debug("showDocument failed", exc_info=True)
    return uri


async def write_report(ls: BackendLensServer, opts: dict) -> tuple[str, str] | None:
    """Render the report (opts: "format", "output") and write it into the workspace:
    its URI and text, or None when it was not written (the user has been told why)."""
    if ls.worker is None or ls.project is None:
        ls.notify_user(
            "the server is not ready (no workspace or a broken catalogue)", T.MessageType.Error
        )
        return None
    fmt = opts.get("format", "markdown")
    if fmt not in ("markdown", "html"):
        ls.notify_user(f"unknown report format {fmt!r}; use markdown or html", T.MessageType.Error)
        return None
    reporter = await Progress.start(ls, "Backend Lens: generating the report")
    if ls.scan_done is not None and not ls.scan_done.done():
        reporter.report("waiting for the workspace index", 5)
        await ls.scan_done
    project, loop = ls.project, ls.loop
    assert loop is not None
    from ..report import output as report_output

    default = "backend-lens-report.html" if fmt == "html" else "backend-lens-report.md"
    wanted = opts.get("output")
    try:  # the folder the report goes to (a free name is in the same folder)
        links_from = report_output.workspace_target(
            project.root, default if wanted is None else wanted
        ).parent
    except report_output.OutputError:
        links_from = None  # said below, after rendering

    def run():
        from ..report.build import build_report, render

        loop.call_soon_threadsafe(reporter.report, "judging findings", 40)
        report = build_report(project)
        loop.call_soon_threadsafe(reporter.report, "rendering", 80)
        return render(report, fmt, links_from), report

    try:
        text, report = await asyncio.wrap_future(ls.worker.call(run))
    except Exception as exc:
        reporter.end("failed")
        ls.notify_user(f"the report could not be generated: {exc}", T.MessageType.Error)
        return None
    try:
        target = report_output.workspace_target(project.root, default if wanted is None else wanted)
        existing = report_output.target_state(project.root, target)
    except report_output.OutputError as exc:
        reporter.end("not written")
        ls.notify_user(str(exc), T.MessageType.Error)
        return None
    asked_for = target
    target = await choose_target(ls, target, existing)
    if target is None:
        reporter.end("cancelled")
        return None
    # replace only what was there and may go (ours, or the user said Overwrite); a
    # file that appeared at a free name while the user was asked is left alone
    replace = target == asked_for and existing is not report_output.Existing.NOTHING
    try:
        report_output.write_in_workspace(project.root, target, text, replace=replace)
    except (report_output.OutputError, OSError) as exc:
        reporter.end("not written")
        why = exc if isinstance(exc, report_output.OutputError) else exc.strerror or exc
        ls.notify_user(f"the report could not be written to {target}: {why}", T.MessageType.Error)
        return None
    ls.created_reports.add(str(target))
    uri = uri_of(str(target))
    reporter.end(f"{len(report.findings)} findings in {report.files_analyzed} files")
    ls.log(f"report written to {target}")
    return uri, text


@server.command(INVENTORY)
async def inventory(ls: BackendLensServer, *args):
    """The project model (what `backend-lens inventory --format json` prints) of the
    workspace, open documents included: source roots, frameworks, models,
    endpoints, tasks, consumers, GraphQL schemas, settings."""
    if ls.worker is None or ls.project is None:
        ls.notify_user(
            "the server is not ready (no workspace or a broken catalogue)", T.MessageType.Error
        )
        return None
    if ls.scan_done is not None and not ls.scan_done.done():
        await ls.scan_done
    project = ls.project

    def run():
        from ..inventory import build_inventory

        return build_inventory(project).to_json()

    try:
        return await asyncio.wrap_future(ls.worker.call(run))
    except Exception as exc:
        ls.notify_user(f"the inventory could not be built: {exc}", T.MessageType.Error)
        return None


async def choose_target(ls: BackendLensServer, target: Path, existing) -> Path | None:
    """Never replace a file the server did not write without asking. `existing`
    is what is at the target now (report.output.Existing); a symbolic link there
    is never followed: "Overwrite" replaces the link itself."""
    import os

    from ..report import output as report_output

    Existing = report_output.Existing
    if existing in (Existing.NOTHING, Existing.OURS) or (
        existing is Existing.FOREIGN and str(target) in ls.created_reports
    ):
        return target
    alternative = report_output.free_name(target)
    if existing is Existing.LINK:
        try:
            points_to = os.readlink(target)
        except OSError:
            points_to = "?"
        question = (
            f"Backend Lens: {target.name} is a symbolic link to {points_to}, "
            "not a report written by Backend Lens; the report is never written through "
            "a link (Overwrite replaces the link itself)."
        )
    else:
        question = f"Backend Lens: {target.name} exists and was not written by Backend Lens."
    if ls.supports("window", "show_message"):
        try:
            choice = await ls.window_show_message_request_async(
                T.ShowMessageRequestParams(
                    type=T.MessageType.Warning,
                    message=question,
                    actions=[
                        T.MessageActionItem(title="Overwrite"),
                        T.MessageActionItem(title=f"Write {alternative.name}"),
                        T.MessageActionItem(title="Cancel"),
                    ],
                )
            )
        except Exception:
            choice = None
        if choice is not None and choice.title == "Overwrite":
            return target
        if choice is not None and choice.title == "Cancel":
            return None
    return alternative


@server.feature(T.SHUTDOWN)
def shutdown(ls: BackendLensServer, *args):
    if ls.worker is not None:
        ls.worker.stop()


class _OneLineFormatter(logging.Formatter):
    """Log lines for stderr, which the editor shows to the user: an exception is shortened
    to its type and message (the file of --log-file keeps the whole traceback)."""

    def format(self, record: logging.LogRecord) -> str:
        if not record.exc_info or record.exc_info[1] is None:
            return super().format(record)
        exc = record.exc_info[1]
        short = logging.makeLogRecord(
            {**record.__dict__, "exc_info": None, "exc_text": None, "args": None}
        )
        short.msg = f"{record.getMessage()}: {type(exc).__name__}: {exc}"
        return super().format(short)


def serve(tcp: str | None = None, log_file: str | None = None) -> int:
    fmt = "%(asctime)s %(name)s %(levelname)s %(message)s"
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setFormatter(_OneLineFormatter(fmt))
    if not tcp:
        # over stdio the client shows stderr, often as errors; routine lines reach it
        # as window/logMessage already, so stderr carries only warnings and worse
        stderr.setLevel(logging.WARNING)
    handlers: list[logging.Handler] = [stderr]
    if log_file:
        handlers.append(logging.FileHandler(log_file))
        handlers[-1].setFormatter(logging.Formatter(fmt))
    logging.basicConfig(level=logging.INFO, handlers=handlers, force=True)
    logging.getLogger("pygls").setLevel(logging.WARNING)
    # parso trees are large object graphs; a collection in the middle of an edit was
    # the slowest part of it. The analysis thread collects when the editor pauses;
    # the automatic collector stays on as a safety net for long bursts of typing.
    gc.set_threshold(500_000, 50, 100)
    if tcp:
        host, _, port = tcp.rpartition(":")
        if not port.isdigit() or int(port) > 65535:
            log.error("--tcp %s: give HOST:PORT with a port number, e.g. 127.0.0.1:2087", tcp)
            return 2
        try:
            return serve_tcp(server.protocol, host or "127.0.0.1", int(port))
        except OSError as exc:
            log.error("--tcp %s: cannot listen there: %s", tcp, exc.strerror or exc)
            return 2
    return serve_stdio(server.protocol, sys.stdin.buffer, sys.stdout.buffer)
