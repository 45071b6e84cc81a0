"""The findings of a whole ``check``, kept so that a warm run need not judge again.

A ``check`` of a folder with the result cache on keeps, after judging, one
snapshot in the cache (engine/cache.py): for every file, its ``os.stat``
(size, mtime, ctime, inode, device), the key of the content that was analysed,
its findings and, apart, the findings its cross-file checks gave. The next
``check`` of the same folder uses it when:

* the settings digest is the same (analysis code, rule selection, ...);
* the walk finds the same files, the same import roots and packages, and the
  same files skipped;
* every file jedi read for an answer the judging used is unchanged (its stat);
* every file is unchanged: its stat is the one kept (a stat taken less than
  ``RACY_NS`` before the run that kept it is never trusted: a change within the
  same clock tick could keep it), or, when it is not, its content has the key
  kept;
* a file whose content changed (a few at most) defines exactly what it did
  (its facts, the line count aside) and its cross-file checks are the same
  (same code, same data): its cross-file findings are then the ones kept, its
  own findings are new.

Anything else, and the run analyses and judges as before (from the per-file
results in the cache) and keeps a new snapshot. The output is the same either
way; tests/test_cache.py compares each case with a ``--no-cache`` run.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import types
from collections.abc import Callable
from dataclasses import dataclass, field

from ..model import FileResult, Finding
from ..source import parsing
from .jedimemo import stat_of

log = logging.getLogger(__name__)

NAME = "check"
FORMAT = 1
RACY_NS = 2_000_000_000  # a stat this close to the run that kept it is checked by content
MAX_CHANGED = 16  # more changed files than this: the full run (worker processes)


@dataclass
class Entry:
    """What the snapshot keeps of one file."""

    stat: tuple[int, ...] | None  # None: check the content
    key: bytes | None  # of the content analysed; None for a skipped file
    skip: str | None = None  # why the file is skipped (binary, too large ...)
    findings: list[Finding] = field(default_factory=list)  # as check prints them
    judged: list[Finding] = field(default_factory=list)  # its cross-file checks' findings
    errors: list[str] = field(default_factory=list)  # what could not be checked


@dataclass
class Outcome:
    """A warm check's answer: the findings, and what to say on stderr."""

    findings: list[Finding]
    errors: dict[str, list[str]]  # path -> the result's errors


def trusted(stat: tuple[int, ...] | None, since: int) -> tuple[int, ...] | None:
    """``stat`` if it may stand for the content (see RACY_NS), else None."""
    if not stat or len(stat) < 5 or max(stat[1], stat[2]) >= since - RACY_NS:
        return None
    return stat


def layout(project, paths: list[str]) -> bytes:
    """A digest of what the walk found: the files, the import roots, the folders
    that are not packages, the files and folders skipped, and what the
    dependency manifests are judged with (a lock file beside one...)."""
    parts = (
        str(project.root),
        paths,
        sorted(project._declared_roots().items()),
        sorted(k for k, v in project._packages.items() if v is False),
        sorted(project.skipped.items()),
        project.manifest_contexts(paths),
    )
    return hashlib.blake2b(repr(parts).encode("utf-8", "surrogatepass"), digest_size=20).digest()


def _load(cache) -> dict | None:
    blob = cache.snapshot(NAME)
    if blob is None:
        return None
    try:
        snap = pickle.loads(blob)
    except Exception:
        log.debug("the snapshot is unreadable", exc_info=True)
        return None
    if not isinstance(snap, dict) or snap.get("format") != FORMAT:
        return None
    return snap


def _save(cache, snap: dict) -> None:
    try:
        cache.put_snapshot(NAME, pickle.dumps(snap, protocol=pickle.HIGHEST_PROTOCOL))
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
        log.debug("the snapshot cannot be saved", exc_info=True)
        cache.put_snapshot(NAME, None)


# -- the warm run -----------------------------------------------------------------------
def warm_check(
    project,
    paths: list[str],
    walk: bytes,
    started: int,
    progress: Callable[[int, int, str], None] | None = None,
) -> Outcome | None:
    """The findings of ``project`` from the snapshot, or None when it cannot tell
    (the caller then scans). ``paths``: what ``project.discover()`` found, ``walk``
    its :func:`layout`, ``started``: ``time.time_ns()`` before that walk."""
    cache = project.cache
    snap = _load(cache) if cache is not None else None
    if snap is None or snap["settings"] != cache.settings(project.config):
        return None
    if walk != snap["layout"]:
        return None
    for dep, stat in snap["deps"].items():
        if stat is None or stat_of(dep) != stat:
            return None
    files: dict[str, Entry] = snap["files"]
    dirty = False
    changed: list[tuple[str, bytes, bytes, Entry]] = []
    # what the files are, for the full run if it comes to that (same settings and
    # layout: the keys are the ones it would compute)
    known = project.known_keys
    for p in paths:
        entry = files.get(p)
        if entry is None:
            return None
        now = project.stats.get(p)
        if now is not None and entry.stat is not None and now == entry.stat:
            if entry.key is not None:
                known[p] = entry.key
            continue
        try:
            data = project.read_bytes(p)
        except parsing.SkipFile as exc:
            if entry.skip != str(exc):
                return None
            entry.stat = trusted(now, started)
            dirty = True
            continue
        if entry.skip is not None or entry.key is None:
            return None
        key = project._cache_key(p, data)
        known[p] = key
        if key == entry.key:
            entry.stat = trusted(now, started)
            dirty = dirty or entry.stat is not None
            continue
        changed.append((p, data, key, entry))
        if len(changed) > MAX_CHANGED:
            return None
    for p, data, key, entry in changed:
        fresh = _again(project, p, data, key, entry)
        if fresh is None:
            return None
        files[p] = fresh
        fresh.stat = trusted(project.stats.get(p), started)
        dirty = True
    if dirty:
        _save(cache, snap)
    for p in paths:
        if files[p].skip is not None:
            project.skipped[p] = files[p].skip
    if progress is not None and paths:
        progress(len(paths) - 1, len(paths), project.rel(paths[-1]))
    from .. import catalogue

    rules = catalogue.load().rules
    severity = project.config.severity
    findings: list[Finding] = []
    errors: dict[str, list[str]] = {}
    for p in sorted(paths):
        entry = files[p]
        if entry.skip is not None:
            continue
        if entry.errors:
            errors[p] = entry.errors
        for f in entry.findings:
            f.severity = severity.get(f.code, rules[f.code].severity)
            findings.append(f)
    return Outcome(findings, errors)


def _again(project, p: str, data: bytes, key: bytes, entry: Entry) -> Entry | None:
    """The entry of a file whose content changed, if its cross-file findings are
    the ones kept: it defines what it did, and its cross-file checks are the same."""
    from . import project as project_mod  # its analyze: the one every analysis goes through
    from .analysis import finish

    cache = project.cache
    if cache.keys.get(p) != entry.key:
        return None  # the row is not the content the snapshot judged (the server wrote it)
    old = cache.stored(p)
    if old is None:
        return None
    try:
        text = parsing.decode(data, project.config.max_file_size)
    except parsing.SkipFile:
        return None
    rel = project.rel(p)
    result = project_mod.analyze(text, p, rel, None, None, project.config)
    result.facts.import_root = project.import_root(rel)
    result.facts.import_module = project.import_module(rel)
    cache.put_result(p, key, result)  # the full run, if it comes to that, takes it from here
    if not same_facts(old.facts, result.facts) or not same(old.deferred, result.deferred):
        return None
    return Entry(
        stat=None,
        key=key,
        findings=finish(result, [*result.local, *entry.judged], project.config),
        judged=entry.judged,
        errors=list(result.errors),
    )


def same_facts(old, new) -> bool:
    """Whether two analyses of a file define the same things (its line count aside,
    which no cross-file check reads)."""
    if type(old) is not type(new):
        return False
    lines = new.lines
    try:
        new.lines = old.lines
        return old == new
    finally:
        new.lines = lines


_EMPTY = object()


def same(a, b, busy: set | None = None) -> bool:
    """Whether ``a`` and ``b`` (deferred checks, their closures' values) are the
    same data: functions by code and closure, sets element by element with their
    types, everything else by type and ``==``. False when unsure."""
    if type(a) is not type(b):
        return False
    if busy is None:
        busy = set()
    t = type(a)
    if t is types.FunctionType:
        pair = (id(a), id(b))
        if pair in busy:
            return True  # a function that refers to itself: compared once
        busy.add(pair)
        return (
            a.__module__ == b.__module__
            and a.__code__ == b.__code__
            and same(a.__defaults__, b.__defaults__, busy)
            and same(a.__kwdefaults__, b.__kwdefaults__, busy)
            and same(_cells(a), _cells(b), busy)
        )
    if t is tuple or t is list:
        return len(a) == len(b) and all(same(x, y, busy) for x, y in zip(a, b, strict=True))
    if t is dict:
        return a.keys() == b.keys() and all(same(v, b[k], busy) for k, v in a.items())
    if t is set or t is frozenset:
        return len(a) == len(b) and sorted(map(repr, a)) == sorted(map(repr, b))
    if t.__name__ == "Deferred":
        return a.reads == b.reads and same(a.judge, b.judge, busy)
    if t.__name__ == "FileFacts":  # a check that holds its file's facts
        return same_facts(a, b)
    try:
        return bool(a == b)
    except Exception:
        return False


def _cells(fn: types.FunctionType) -> tuple:
    out = []
    for cell in fn.__closure__ or ():
        try:
            out.append(cell.cell_contents)
        except ValueError:
            out.append(_EMPTY)
    return tuple(out)


# -- the full run -------------------------------------------------------------------------
def judge_all(project, paths: list[str], walk: bytes, started: int) -> list[Finding]:
    """Every finding of ``project`` (scanned from ``paths``), as
    ``project.all_findings`` gives them; keeps a snapshot for the next run when
    everything it depends on is known. ``walk`` and ``started``: as for
    :func:`warm_check`."""
    from . import analysis
    from .jedimemo import MemoResolver

    failures = analysis.judge_failures
    findings: list[Finding] = []
    files: dict[str, Entry] = {}
    index, config = project.index, project.config
    for p in sorted(project.results):
        result: FileResult = project.results[p]
        judged = analysis.judge(result, index)
        final = analysis.finish(result, [*result.local, *judged], config)
        findings.extend(final)
        files[p] = Entry(None, None, None, final, judged, list(result.errors))
    cache = project.cache
    if cache is None or cache.broken:
        return findings
    if analysis.judge_failures != failures:  # its warning is said again next time
        cache.put_snapshot(NAME, None)
        return findings
    resolver = index.resolver
    used: dict | None = {}
    if isinstance(resolver, MemoResolver):
        used = resolver.used
    elif resolver is not None:
        used = None
    keep = used is not None and not cache.unstored
    for p in paths:
        entry = files.get(p)
        if entry is None:
            reason = project.skipped.get(p)
            if reason is None:
                keep = False  # neither analysed nor skipped (an open document)
                break
            files[p] = entry = Entry(None, None, reason)
        else:
            entry.key = cache.keys.get(p)
            keep = keep and entry.key is not None
        entry.stat = trusted(project.stats.get(p), started)
    if keep and used is not None:
        snap = {
            "format": FORMAT,
            "settings": cache.settings(config),
            "layout": walk,
            "deps": {dep: trusted(stat, started) for dep, stat in used.items()},
            "files": files,
        }
        _save(cache, snap)
    else:
        cache.put_snapshot(NAME, None)
    return findings
