"""Worker processes for a scan: files are read, parsed and analysed in the
workers; only each file's result, as bytes (engine/store.py), comes back.

The parent merges the results in the order it asked for them, so a scan with
workers builds the same ``Project.results`` and index as one without. Workers
are forked where the platform can (Linux), else spawned; a pool that cannot be
started, or that breaks (a worker killed), leaves the remaining files to the
parent, analysed in process.
"""

from __future__ import annotations

import concurrent.futures
import logging
import multiprocessing
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from ..config import Config
from ..source import parsing
from . import store

log = logging.getLogger(__name__)

MIN_FILES = 40  # fewer files than this: in process (a pool costs more than it saves)
BIG_TREE = 32_000  # a worker frees the parse tree of a file this long at once
HERE_MAX_BYTES = 64_000  # this process analyses only files up to this size (see run)
START_METHOD_ENV = "BACKEND_LENS_START_METHOD"  # fork / spawn / forkserver (tests)

# (path, rel, import root, import module) -> what a worker sends back
Task = tuple[str, str, str, str]
# (path, "ok", (key, bytes)) | (path, "skip", reason) | (path, "again", why), and from
# this process's own share: (path, "result", (key or None, FileResult))
Outcome = tuple[str, str, object]

_WORKER: dict = {}  # the worker process's project and settings digest


def default_jobs() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _context():
    methods = multiprocessing.get_all_start_methods()
    wanted = os.environ.get(START_METHOD_ENV)
    if wanted in methods:
        return multiprocessing.get_context(wanted)
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _init(root: str, config: Config, settings: bytes) -> None:
    import gc

    from .project import Project

    gc.set_threshold(50_000, 20, 100)  # parse trees: large, short-lived object graphs
    gc.freeze()  # what the fork inherited: never garbage, never traversed again
    _WORKER["project"] = Project(Path(root), config, use_jedi=False)
    _WORKER["settings"] = settings


def _analyse(tasks: list[Task]) -> list[Outcome]:
    import gc

    from .analysis import analyze
    from .cache import file_key

    project = _WORKER["project"]
    out: list[Outcome] = []
    for path, rel, root, module in tasks:
        try:
            data = project.read_bytes(path)
            text = parsing.decode(data, project.config.max_file_size)
        except parsing.SkipFile as exc:
            out.append((path, "skip", str(exc)))
            continue
        try:
            result = analyze(text, path, rel, None, None, project.config)
            result.facts.import_root = root
            result.facts.import_module = module
            blob = store.dumps(result)
        except Exception as exc:  # the parent analyses it again, as it would alone
            out.append((path, "again", f"{type(exc).__name__}: {exc}"))
            continue
        out.append(
            (path, "ok", (file_key(_WORKER["settings"], path, rel, root, module, data), blob))
        )
        if len(text) > BIG_TREE:
            # its parse tree (cycles of parents and children) is garbage now: freed
            # at once, not when the collector's thresholds say, and the C heap given
            # back (a worker's peak on Django's tree: 45 MB before, 41 MB after)
            del result
            gc.collect()
            _trim()
    return out


def _trim() -> None:
    """Give the C heap's free memory back to the system (glibc), where it can."""
    trim = _WORKER.get("trim")
    if trim is None:
        try:
            import ctypes

            trim = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):
            trim = False
        _WORKER["trim"] = trim
    if trim:
        trim(0)


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0  # reading it will say what is wrong


def _chunks(tasks: list[Task], jobs: int) -> list[list[Task]]:
    """Batches of tasks: large ones first, smaller towards the end so that the
    workers finish together."""
    chunks: list[list[Task]] = []
    i, n = 0, len(tasks)
    while i < n:
        size = max(1, min(6, (n - i) // (jobs * 4)))
        chunks.append(tasks[i : i + size])
        i += size
    return chunks


def run(
    root: Path,
    config: Config,
    settings: bytes,
    tasks: list[Task],
    jobs: int,
    between: Callable[[], None] | None = None,
    here: Callable[[Task], Outcome] | None = None,
) -> Iterator[Outcome]:
    """Outcomes of ``tasks`` in their order, from ``jobs - 1`` worker processes and
    this one: while the next batch in order is not done, this process takes the
    last batch of small files that no worker has (else the last batch), and
    analyses it itself with ``here`` (so ``jobs`` processes work, and this one
    does not idle waiting).
    Without ``here``, ``jobs`` workers do it all.

    ``between`` is called after each file this process analyses, while waiting
    (at least every 50 ms) and after each batch. If the pool cannot start or
    breaks, the tasks it did not finish come back as "again" outcomes, for the
    caller to analyse."""
    workers = max(1, jobs - 1) if here is not None else jobs
    chunks = _chunks(tasks, jobs)
    try:
        pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=min(workers, len(chunks)),
            mp_context=_context(),
            initializer=_init,
            initargs=(str(root), config, settings),
        )
    except (OSError, RuntimeError, ImportError) as exc:
        log.warning("cannot start worker processes (%s); analysing in this process", exc)
        for task in tasks:
            yield (task[0], "again", "no worker processes")
        return
    # batches go to the workers from the front, a few ahead of what they are doing;
    # this process takes batches of small files from the back (large files make
    # large parse trees: in a worker, they do not add to this process's peak memory)
    futures: dict[int, concurrent.futures.Future] = {}
    done_here: dict[int, list[Outcome]] = {}
    taken = [False] * len(chunks)  # given to a worker, or analysed here
    sizes: dict[int, bool] = {}
    front, back = 0, len(chunks) - 1  # below front / above back: every batch is taken
    ahead = 2 * workers + 1
    broken = False

    def fail(exc: BaseException) -> None:
        nonlocal broken
        if not broken:
            broken = True
            log.warning("a worker process failed (%s); analysing the rest in this process", exc)

    def give(j: int) -> None:
        try:
            futures[j] = pool.submit(_analyse, chunks[j])
        except RuntimeError as exc:  # BrokenProcessPool: a worker died
            fail(exc)
            return
        taken[j] = True

    def feed() -> None:
        nonlocal front
        while not broken and sum(not f.done() for f in futures.values()) < ahead:
            while front < len(chunks) and taken[front]:
                front += 1
            if front >= len(chunks):
                return
            give(front)

    def small(j: int) -> bool:
        found = sizes.get(j)
        if found is None:
            found = sizes[j] = all(_size(t[0]) <= HERE_MAX_BYTES for t in chunks[j])
        return found

    def run_here(j: int) -> None:
        assert here is not None
        taken[j] = True
        out = []
        for task in chunks[j]:
            out.append(here(task))
            if between is not None:
                between()
        done_here[j] = out

    def take_back() -> bool:
        """Analyse here the last batch of small files that no worker has; if every
        batch left has a large file, the last one all the same (this process
        would only wait otherwise)."""
        nonlocal back
        if here is None:
            return False
        while back >= front and taken[back]:
            back -= 1
        for j in range(back, front - 1, -1):
            if not taken[j] and small(j):
                run_here(j)
                return True
        if back >= front:
            run_here(back)
            return True
        return False

    try:
        feed()
        for k, chunk in enumerate(chunks):
            if not broken and not taken[k]:  # the next batch in order, not started
                if here is not None and small(k):
                    run_here(k)
                else:
                    give(k)
            fut = futures.get(k)
            while fut is not None and not broken and not fut.done():
                if take_back():
                    feed()
                    continue
                try:
                    fut.result(timeout=0.05 if between is not None else None)
                except concurrent.futures.TimeoutError:
                    if between is not None:
                        between()
                except Exception as exc:
                    fail(exc)
            if k in done_here:
                outcomes = done_here.pop(k)
            elif fut is None:
                outcomes = [(t[0], "again", "worker failed") for t in chunk]
            else:
                try:
                    outcomes = fut.result()
                except Exception as exc:  # BrokenProcessPool: a worker died
                    fail(exc)
                    outcomes = [(t[0], "again", "worker failed") for t in chunk]
            yield from outcomes
            feed()
            if between is not None:
                between()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
