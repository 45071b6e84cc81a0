"""What the project does well, for the Executive Summary: each strength is drawn
from facts the report already computes (the inventory's endpoints and tasks, the
settings, the facts' call counts, the models' indexes) and claimed only with at
least one positive fact and no scored finding against it (the rule codes beside
each check). Every line gives its evidence: counts and a file:line."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from ..detectors._endpoints import WRITE_METHODS, guessable, open_by_nature
from ..source.lines import split_lines
from .evidence import Evidence, show
from .mdtext import code as md_code
from .mdtext import text as md_text

# the rules whose findings contradict each strength
# what the Executive Summary says when no strength is shown (Markdown)
NONE = (
    "none that the facts show (every list endpoint paginated, sign-in endpoints rate limited, "
    "writes behind authentication, related rows loaded with the query, query-count tests, "
    "indexes declared, transactions, task retries, `SECRET_KEY` read at run time), or each has "
    "a finding against it."
)
LEAD = "(each shown by the code, with no finding against it)"

AGAINST = {
    "pagination": {"API001", "API004", "ORM006"},
    "rate-limits": {"RATE001", "RATE002", "RATE003"},
    "auth-on-writes": {"AUTH001", "AUTH002"},
    "task-retries": {"TASK004"},
    "secret-from-environment": {"SEC001"},
    "related-rows-loaded": {"ORM001", "ORM006", "GQL004"},
    "transactions": {"TXN001", "TXN002", "TASK001"},
    "indexes": {"DBP001", "SCH003"},
    "query-count-tests": set(),  # tests that exist: no rule says otherwise
}
QUERY_COUNT_CALLS = (
    "assertNumQueries",
    "django_assert_num_queries",
    "django_assert_max_num_queries",
)
LOADERS = ("select_related", "prefetch_related", "joinedload", "selectinload", "subqueryload")


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else plural or word + 's'}"


def _at(path: str, line: int) -> str:
    return md_code(f"{path}:{line}")


def _by(things, attr: str) -> str:
    counts = Counter(getattr(t, attr) or "?" for t in things)
    return ", ".join(f"{md_text(k)} ×{n}" for k, n in counts.most_common(3))


def _line_of(ev: Evidence, path: str, pattern: str) -> int | None:
    """The first line of ``path`` that matches ``pattern``, counted as the parser
    counts lines; import lines and comments are skipped."""
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    in_import = False  # inside `from x import (\n a,\n b,\n)`
    for n, line in enumerate(split_lines(text, keepends=False), 1):
        head = line.lstrip()
        if in_import:
            in_import = ")" not in line
            continue
        if head.startswith(("import ", "from ")):
            in_import = "(" in line and ")" not in line
            continue
        if not head.startswith("#") and re.search(pattern, line):
            return n
    return None


def _source_files(ev: Evidence):
    """The analysed files that are neither tests nor migrations, in path order."""
    return [
        f
        for f in sorted(ev.project.index.files.values(), key=lambda f: f.path)
        if not f.is_test and not f.is_migration
    ]


def _pagination(ev: Evidence) -> str | None:
    lists = [e for e in ev.inv.endpoints if e.paginated is not None]
    if not lists or not all(e.paginated for e in lists):
        return None
    first = lists[0]
    return (
        f"Every list endpoint paginates: {len(lists)} of {len(lists)} "
        f"(e.g. {md_code(first.route or first.handler)} at {_at(first.path, first.line)})."
    )


def _rate_limits(ev: Evidence) -> str | None:
    eps = ev.inv.endpoints
    creds = [e for e in eps if guessable(e)]
    if creds and all(e.throttled for e in creds):
        first = creds[0]
        return (
            f"Every sign-in, sign-up, reset or one-time-code endpoint is rate limited: "
            f"{len(creds)} of {len(creds)} ({_by(creds, 'throttled_by')}; e.g. "
            f"{md_code(first.route or first.handler)} at {_at(first.path, first.line)})."
        )
    if eps and all(e.throttled for e in eps):
        first = eps[0]
        return (
            f"Every endpoint is rate limited: {len(eps)} of {len(eps)} "
            f"({_by(eps, 'throttled_by')}; e.g. {_at(first.path, first.line)})."
        )
    return None


def _auth_on_writes(ev: Evidence) -> str | None:
    writes = [e for e in ev.inv.endpoints if WRITE_METHODS.intersection(e.methods)]
    guarded = [e for e in writes if e.auth == "required"]
    by_nature = [e for e in writes if e.auth == "none" and open_by_nature(e)]
    if not guarded or len(guarded) + len(by_nature) != len(writes):
        return None
    first = guarded[0]
    return (
        f"Every endpoint that changes data requires authentication: {len(guarded)} of "
        f"{_plural(len(writes), 'POST, PUT, PATCH or DELETE endpoint')}"
        + (
            f" ({len(by_nature)} open by nature: sign-in, sign-up, reset, webhooks)"
            if by_nature
            else ""
        )
        + f", by {_by(guarded, 'auth_by')} (e.g. {_at(first.path, first.line)})."
    )


def _task_retries(ev: Evidence) -> str | None:
    tasks = ev.inv.tasks
    retry = [t for t in tasks if any("retr" in o.lower() for o in t.options)]
    if not tasks or len(retry) != len(tasks):
        return None
    backoff = [
        t for t in retry if any(w in o.lower() for o in t.options for w in ("backoff", "countdown"))
    ]
    first = retry[0]
    return (
        f"Every background task declares a retry policy: {len(retry)} of {len(tasks)}"
        + (f", {len(backoff)} with back-off" if backoff else "")
        + f" (e.g. {md_code(first.name)} at {_at(first.path, first.line)})."
    )


def _secret_from_environment(ev: Evidence) -> str | None:
    for f in _source_files(ev):
        value = f.settings.get("SECRET_KEY")
        if value is None or isinstance(value, str) or not f.is_settings:
            continue
        shown = show(value)
        # from the environment, a config or secrets reader; not a key made at start-up
        if not re.search(r"env|config|vault|read|open\(", shown, re.I) or re.search(
            r"random", shown, re.I
        ):
            continue
        line = _line_of(ev, f.path, r"^\s*SECRET_KEY\b")
        where = _at(ev.project.rel(f.path), line) if line else md_code(ev.project.rel(f.path))
        return f"`SECRET_KEY` is read at run time, not written in the code: {md_code(shown)} ({where})."
    return None


def _related_rows_loaded(ev: Evidence) -> str | None:
    used = [(k, ev.calls.get(k, 0)) for k in LOADERS if ev.calls.get(k, 0)]
    if not used:
        return None
    first = next(f for f in _source_files(ev) if any(f.calls.get(k) for k, _ in used))
    name = next(k for k, _ in used if first.calls.get(k))
    line = _line_of(ev, first.path, rf"\b{name}\b")
    rel = ev.project.rel(first.path)
    where = _at(rel, line) if line else md_code(rel)
    return (
        "Related rows are loaded with the query, and no relation read in a loop was found: "
        + ", ".join(f"`{k}` ×{n}" for k, n in used)
        + f" (first at {where})."
    )


def _transactions(ev: Evidence) -> str | None:
    n = ev.calls.get("atomic", 0)
    if not n:
        return None
    first = next((f for f in _source_files(ev) if f.calls.get("atomic")), None)
    if first is None:
        return None
    line = _line_of(ev, first.path, r"\batomic\b")
    rel = ev.project.rel(first.path)
    where = _at(rel, line) if line else md_code(rel)
    return (
        f"Transactions are used (`atomic` ×{n}, first at {where}), with no `select_for_update()` "
        "outside one, no HTTP call, e-mail or payment held inside one, and no task queued before "
        "commit."
    )


def _indexes(ev: Evidence) -> str | None:
    declared = []  # (model ref, count)
    for m in (*ev.models, *ev.sa_models):
        n = len(m.cls.meta_indexed) + sum(
            1
            for f in m.cls.fields
            if {"db_index", "index"} & set(f.flags) and "primary_key" not in f.flags
        )
        if n:
            declared.append((m, n))
    if not declared:
        return None
    total = sum(n for _, n in declared)
    first = max(declared, key=lambda d: d[1])[0]
    return (
        f"Indexes are declared: {_plural(total, 'explicit index', 'explicit indexes')} "
        f"on {_plural(len(declared), 'model')} (e.g. {md_code(first.cls.name)} at "
        f"{_at(ev.project.rel(first.facts.path), first.cls.start[0])})"
        + (
            # DBP001 and SCH003 judge Django models only
            "; no Django query was found that filters or sorts on a field without an index, "
            "nor a row-identifying field without a unique constraint."
            if ev.models
            else "."
        )
    )


def _query_count_tests(ev: Evidence) -> str | None:
    files = [
        f
        for f in sorted(ev.project.index.files.values(), key=lambda f: f.path)
        if f.is_test and any(f.calls.get(k) for k in QUERY_COUNT_CALLS)
    ]
    if not files:
        return None
    n = sum(f.calls.get(k, 0) for f in files for k in QUERY_COUNT_CALLS)
    rel = ev.project.rel(files[0].path)
    line = _line_of(ev, files[0].path, "|".join(rf"\b{k}\(" for k in QUERY_COUNT_CALLS))
    return (
        f"Tests pin the number of queries: {_plural(n, 'query-count assertion')} in "
        f"{_plural(len(files), 'test file')} (first at {_at(rel, line) if line else md_code(rel)})."
    )


CHECKS = (
    ("pagination", _pagination),
    ("rate-limits", _rate_limits),
    ("auth-on-writes", _auth_on_writes),
    ("related-rows-loaded", _related_rows_loaded),
    ("query-count-tests", _query_count_tests),
    ("indexes", _indexes),
    ("transactions", _transactions),
    ("task-retries", _task_retries),
    ("secret-from-environment", _secret_from_environment),
)


def strengths(ev: Evidence, codes: set[str]) -> list[str]:
    """The strengths the facts show; ``codes``: the rule codes of the scored findings."""
    out = []
    for key, check in CHECKS:
        if AGAINST[key] & codes:
            continue
        line = check(ev)
        if line:
            out.append(line)
    return out
