"""The analysis thread of the language server.

Every parse and every jedi call happens here, on one thread: parso's diff
parser and jedi share caches that are not thread-safe. Edits coalesce rather
than wait: when the thread is free the newest version of a document is
analysed at once; while it is busy only the newest pending version of each
document is kept. Results for versions the editor has moved past are dropped
by the caller (the LSP layer), which knows the current version.
"""

from __future__ import annotations

import concurrent.futures
import gc
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from ..config import Config
from ..model import Finding
from ..source import parsing
from ..source.lines import split_lines
from .project import Project

log = logging.getLogger(__name__)
IDLE_GC_AFTER = 0.3  # seconds without work before a collection


@dataclass
class Published:
    """What the worker hands back for one document version."""

    uri: str
    path: str
    version: int | None
    findings: list[Finding]
    lines: list[str]  # the text the findings were computed on
    skipped: str | None = None
    elapsed: float = 0.0
    rejudged: bool = False  # re-judged because another file's facts changed
    notes: tuple[str, ...] = ()  # checks that failed on part of the file (result.errors)


class AnalysisWorker:
    def __init__(self, project: Project, on_result: Callable[[Published], None]):
        self.project = project
        self.on_result = on_result
        self._cond = threading.Condition()
        self._pending: OrderedDict[str, tuple[str, int | None, str]] = (
            OrderedDict()
        )  # uri -> (path, version, text)
        self._tasks: list[tuple[Callable[[], object], concurrent.futures.Future]] = []
        self._open: dict[str, str] = {}  # uri -> path of open documents
        self._versions: dict[str, int | None] = {}  # uri -> analysed version
        # uri -> the close waiting to be carried out on the thread; an open or edit
        # of the uri before it runs (a reopen) takes its place
        self._closing: dict[str, object] = {}
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="backend-lens-analysis", daemon=True)
        self.analyses = 0
        # the server turns automatic collection off and lets this thread collect
        # when the editor pauses (with a safety net, see lsp.server.serve)
        self.idle_gc = False

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()

    # -- called from the event loop ------------------------------------------
    def submit(self, uri: str, path: str, version: int | None, text: str) -> None:
        with self._cond:
            self._closing.pop(uri, None)
            self._pending[uri] = (path, version, text)
            self._pending.move_to_end(uri)
            self._cond.notify_all()

    def call(self, fn: Callable[[], object]) -> concurrent.futures.Future:
        """Run ``fn`` on the analysis thread after pending edits; returns a future."""
        fut: concurrent.futures.Future = concurrent.futures.Future()
        with self._cond:
            self._tasks.append((fn, fut))
            self._cond.notify_all()
        return fut

    def close(self, uri: str) -> concurrent.futures.Future:
        token = object()
        with self._cond:
            self._pending.pop(uri, None)
            self._closing[uri] = token

        def forget():
            with self._cond:
                if self._closing.get(uri) is not token:
                    # opened again before this ran (tasks wait behind edits): forgetting
                    # now would drop the open document and put the disk's text back
                    return
                del self._closing[uri]
            path = self._open.pop(uri, None)
            self._versions.pop(uri, None)
            parsing.forget(uri)
            if path is not None:
                self.project.close_open(path)
                self.project.overlay.pop(path, None)
                # the file on disk is what the project sees now
                changed = (
                    self.project.analyze_file(path)[1]
                    if _exists(path)
                    else self.project.forget(path)
                )
                self.rejudge(changed, exclude=None)

        return self.call(forget)

    # -- the thread ---------------------------------------------------------
    def _run(self) -> None:
        while True:
            with self._cond:
                if self.idle_gc and not self._pending and not self._tasks:
                    # collect garbage in a pause of the editing, not in the middle of
                    # an analysis: parse trees make collections slow
                    self._cond.wait(IDLE_GC_AFTER)
                    if not self._stop and not self._pending and not self._tasks:
                        gc.collect()
                while not self._stop and not self._pending and not self._tasks:
                    self._cond.wait()
                if self._stop:
                    return
                job = None
                if self._pending:
                    uri, (path, version, text) = self._pending.popitem(last=False)
                    job = ("doc", uri, path, version, text)
                else:
                    fn, fut = self._tasks.pop(0)
                    job = ("task", fn, fut)
            if job[0] == "doc":
                self._analyze_doc(*job[1:])
                if self.idle_gc:
                    # the young objects of this analysis, while they are few: cheap now,
                    # expensive later when they have piled up into one big collection
                    # (older generations are collected in pauses, see above)
                    gc.collect(0)
            else:
                _, fn, fut = job
                if fut.set_running_or_notify_cancel():
                    try:
                        fut.set_result(fn())
                    except BaseException as exc:  # delivered to whoever waits
                        log.debug("analysis task failed", exc_info=True)
                        fut.set_exception(exc)

    def process_pending(self) -> None:
        """Analyse waiting edits now (called between files of a long scan)."""
        while True:
            with self._cond:
                if not self._pending:
                    return
                uri, (path, version, text) = self._pending.popitem(last=False)
            self._analyze_doc(uri, path, version, text)

    def _analyze_doc(self, uri: str, path: str, version: int | None, text: str) -> None:
        started = time.perf_counter()
        self._open[uri] = path
        self._versions[uri] = version
        self.project.overlay[path] = text
        lines = split_lines(text)
        try:
            # binary or too large: skipped by the same rule as the CLI's (parsing.check_text)
            result, changed = self.project.analyze_open(path, text, version, cache_key=uri)
            if result is None:
                self.on_result(
                    Published(uri, path, version, [], lines, self.project.skipped.get(path))
                )
            else:
                findings = self.project.findings(path)
                self.analyses += 1
                self.on_result(
                    Published(
                        uri,
                        path,
                        version,
                        findings,
                        lines,
                        None,
                        time.perf_counter() - started,
                        notes=tuple(result.errors),
                    )
                )
            if changed:
                self.rejudge(changed, exclude=uri)
            if self.project.needs_warm(path):
                # the units of a document opened as the scan saw it: analysed when no
                # edit waits (an edit that comes first analyses them itself)
                with self._cond:
                    self._tasks.append((lambda p=path: self.project.warm(p), _done()))
        except Exception:
            log.warning("analysis of %s failed (internal error); see the debug log", uri)
            log.debug("analysis of %s failed", uri, exc_info=True)
            self.on_result(
                Published(
                    uri, path, version, [], lines, "internal error while analysing; see the log"
                )
            )

    def rejudge(self, changed: set[str], exclude: str | None) -> None:
        """Re-judge open documents whose deferred checks read the changed facts:
        editing models.py updates the warnings in an open views.py without a save."""
        if not changed:
            return
        for uri, path in list(self._open.items()):
            if uri == exclude:
                continue
            with self._cond:
                if uri in self._pending:
                    continue  # a newer version is on its way anyway
            result = self.project.results.get(path)
            if result is None or not any(d.reads & changed for d in result.deferred):
                continue
            findings = self.project.findings(path)
            self.on_result(
                Published(
                    uri,
                    path,
                    self._versions.get(uri),
                    findings,
                    split_lines(self.project.overlay.get(path, "")),
                    rejudged=True,
                )
            )

    def reconfigure(self, config: Config) -> concurrent.futures.Future:
        def apply():
            old = self.project.config
            self.project.config = config
            if (old.src, old.declared_src) != (config.src, config.declared_src):
                self.project.refresh_roots()
            for uri, path in list(self._open.items()):
                text = self.project.overlay.get(path)
                if text is not None:
                    with self._cond:
                        if uri not in self._pending:
                            self._pending[uri] = (path, self._versions.get(uri), text)
            return True

        return self.call(apply)


def _done() -> concurrent.futures.Future:
    return concurrent.futures.Future()


def _exists(path: str) -> bool:
    import os

    return os.path.isfile(path)
