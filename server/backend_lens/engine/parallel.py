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
START_METHOD_ENV = "BACKEND_LENS_START_METHOD"  # fork / spawn / forkserver (tests)

# (path, rel, import root, import module) -> what a worker sends back
Task = tuple[str, str, str, str]
# (path, "ok", (key, bytes)) | (path, "skip", reason) | (path, "again", why)
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
    _WORKER["project"] = Project(Path(root), config, use_jedi=False)
    _WORKER["settings"] = settings


def _analyse(tasks: list[Task]) -> list[Outcome]:
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
    return out


def _chunks(tasks: list[Task], jobs: int) -> list[list[Task]]:
    """Batches of tasks: large ones first, smaller towards the end so that the
    workers finish together."""
    chunks: list[list[Task]] = []
    i, n = 0, len(tasks)
    while i < n:
        size = max(1, min(16, (n - i) // (jobs * 4)))
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
) -> Iterator[Outcome]:
    """Outcomes of ``tasks`` in their order, from ``jobs`` worker processes.

    ``between`` is called while waiting (at least every 50 ms) and after each
    batch. If the pool cannot start or breaks, the tasks it did not finish come
    back as "again" outcomes, for the parent to analyse."""
    chunks = _chunks(tasks, jobs)
    try:
        pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=min(jobs, len(chunks)),
            mp_context=_context(),
            initializer=_init,
            initargs=(str(root), config, settings),
        )
        futures = [pool.submit(_analyse, chunk) for chunk in chunks]
    except (OSError, RuntimeError, ImportError) as exc:
        log.warning("cannot start worker processes (%s); analysing in this process", exc)
        for task in tasks:
            yield (task[0], "again", "no worker processes")
        return
    broken = False
    try:
        for chunk, fut in zip(chunks, futures, strict=True):
            if not broken:
                while True:
                    try:
                        outcomes = fut.result(timeout=0.05 if between is not None else None)
                        break
                    except concurrent.futures.TimeoutError:
                        assert between is not None
                        between()
                    except Exception as exc:  # BrokenProcessPool: a worker died
                        log.warning(
                            "a worker process failed (%s); analysing the rest in this process",
                            exc,
                        )
                        broken = True
                        break
            if broken:
                outcomes = [(t[0], "again", "worker failed") for t in chunk]
            yield from outcomes
            if between is not None:
                between()
    finally:
        for fut in futures:
            fut.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
