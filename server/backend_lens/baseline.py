"""Baselines: ``check --write-baseline FILE`` records the findings of a code base
as it is; ``check --baseline FILE`` then reports only the findings not in it.

A finding is known when its rule, its file (from the project root) and its
fingerprint (``sarif.fingerprint_of``: the flagged line's text and which repeat
of that text it is, never a line number) are in the file. Lines inserted above
a finding, or edits elsewhere, leave it known; a second identical finding added
later has a new fingerprint and is reported.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from .model import Finding

VERSION = 1
TOOL = "backend-lens"
MAX_BYTES = 512_000_000


class BaselineError(Exception):
    """A baseline that cannot be read or written: one line for the user, exit 2."""


@dataclass(frozen=True)
class Entry:
    code: str
    path: str
    fingerprint: str


@dataclass
class Outcome:
    """What ``--baseline`` left out: the reported findings, how many were known,
    and the entries of the file that matched nothing."""

    findings: list[Finding]
    known: int
    stale: int


def check_options(baseline: str | None, write_baseline: str | None, output: str | None) -> None:
    """Refuse the options before any analysis: both at once, a recording with an
    ``--output`` it would not write, or a file ``--write-baseline`` cannot write."""
    if baseline is not None and write_baseline is not None:
        raise BaselineError(
            "--baseline and --write-baseline cannot be used together: record with "
            "--write-baseline FILE, then check with --baseline FILE"
        )
    if write_baseline is not None and output is not None:
        raise BaselineError(
            "--write-baseline only records the findings; --output has nothing to write"
        )
    for option, name in (("--baseline", baseline), ("--write-baseline", write_baseline)):
        if name == "":
            raise BaselineError(f"{option} needs a file name")
    if write_baseline is None:
        return
    out = Path(write_baseline)
    if out.is_dir():
        raise BaselineError(f"cannot write {write_baseline}: it is a folder; give a file name")
    folder = out.parent
    if not folder.is_dir():
        raise BaselineError(f"cannot write {write_baseline}: the folder {folder} does not exist")
    if not os.access(out if out.exists() else folder, os.W_OK):
        raise BaselineError(f"cannot write {write_baseline}: permission denied")


def entries(findings: list[Finding], root: Path) -> list[Entry]:
    """The baseline entry of each finding, in order."""
    from .sarif import fingerprints

    rels: dict[str, str] = {}
    out = []
    for f, fp in zip(findings, fingerprints(findings), strict=True):
        if f.path not in rels:
            rels[f.path] = relative_path(f.path, root)
        out.append(Entry(f.code, rels[f.path], fp))
    return out


def relative_path(path: str, root: Path) -> str:
    """``path`` from ``root`` with forward slashes (absolute when it is outside)."""
    real = Path(os.path.realpath(path))
    try:
        return real.relative_to(root).as_posix()
    except ValueError:
        return real.as_posix()


def render(findings: list[Finding], root: Path) -> tuple[str, int]:
    """The baseline file's text: sorted by path, rule and fingerprint, one field
    a line, so that a re-recorded file differs from the old one only where the
    findings do. Returns the text and how many entries it holds."""
    rows = {}
    for f, e in zip(findings, entries(findings, root), strict=True):
        rows.setdefault(e, f.message)
    items = [
        {"code": e.code, "path": e.path, "fingerprint": e.fingerprint, "message": message}
        for e, message in sorted(
            rows.items(), key=lambda kv: (kv[0].path, kv[0].code, kv[0].fingerprint)
        )
    ]
    doc = {"version": VERSION, "tool": TOOL, "findings": items}
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a file name that is not valid UTF-8: escaped
        text = json.dumps(doc, indent=2) + "\n"
    return text, len(items)


def write(name: str, findings: list[Finding], root: Path) -> int:
    """Write the baseline of ``findings`` to the file ``name`` (atomically: a
    temporary file in the same folder, then a rename). Returns how many entries."""
    from .report.output import write_atomic

    text, count = render(findings, root)
    try:
        write_atomic(Path(name), text)
    except OSError as exc:
        raise BaselineError(f"cannot write {name}: {exc.strerror or exc}") from None
    return count


def load(name: str) -> set[Entry]:
    """The entries of the baseline file ``name``; BaselineError says what is wrong."""
    from .source.parsing import SkipFile, read_bytes

    try:
        data = read_bytes(name, MAX_BYTES)
    except SkipFile as exc:
        raise BaselineError(f"baseline {name}: {exc}") from None
    try:
        doc = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise BaselineError(f"baseline {name} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise BaselineError(
            f"baseline {name} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    if not isinstance(doc, dict) or doc.get("tool") != TOOL:
        raise BaselineError(f'baseline {name} is not a backend-lens baseline (no "tool": "{TOOL}")')
    version = doc.get("version")
    if version != VERSION or isinstance(version, bool):
        raise BaselineError(
            f"baseline {name} has version {json.dumps(version)}; this backend-lens reads "
            f"version {VERSION} (re-record it with --write-baseline)"
        )
    items = doc.get("findings")
    if not isinstance(items, list):
        raise BaselineError(f'baseline {name}: "findings" must be a list')
    known = set()
    for i, item in enumerate(items, 1):
        fields = [
            item.get(k) if isinstance(item, dict) else None for k in ("code", "path", "fingerprint")
        ]
        if not all(isinstance(v, str) and v for v in fields):
            raise BaselineError(
                f'baseline {name}: finding {i} needs the strings "code", "path" and "fingerprint"'
            )
        known.add(Entry(*fields))
    return known


def leave_out(
    findings: list[Finding], root: Path, known: set[Entry], paths: list[str] | None = None
) -> Outcome:
    """``findings`` without those in ``known``, and the counts for the summary.
    An entry is stale when it matches no finding and its file is under one of the
    ``paths`` checked (all of them when None): a check of some files says nothing
    of the entries of the others."""
    kept, matched = [], set()
    for f, e in zip(findings, entries(findings, root), strict=True):
        if e in known:
            matched.add(e)
        else:
            kept.append(f)
    scope = None if paths is None else [relative_path(p, root) for p in paths]
    if scope is not None and "." in scope:
        scope = None

    def checked(path: str) -> bool:
        return scope is None or any(path == s or path.startswith(s + "/") for s in scope)

    stale = sum(1 for e in known - matched if checked(e.path))
    return Outcome(kept, len(findings) - len(kept), stale)


def summary(name: str, outcome: Outcome) -> str:
    """The line on stderr after a check with ``--baseline``."""
    known = f"{outcome.known} known finding{'' if outcome.known == 1 else 's'} left out"
    if not outcome.stale:
        return f"baseline {name}: {known}; no stale entries"
    entries = "entry" if outcome.stale == 1 else "entries"
    return (
        f"baseline {name}: {known}; {outcome.stale} stale {entries}: "
        "re-run with --write-baseline to drop them"
    )
