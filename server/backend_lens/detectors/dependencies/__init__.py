"""Third-Party Security Integration, the dependencies: EXT003 (unpinned or loosely
pinned requirements of an application) and EXT004 (a pinned version with a known
advisory, from the dated table ``rules/third-party/advisories.toml``).

They read dependency manifests, not Python: ``requirements*.txt`` (and
``requirements/*.txt``), ``pyproject.toml`` and ``Pipfile``. The engine finds
those files and calls :func:`check` (engine/manifests.py); the registered
detector below only declares the rules, since a Python file holds no
requirements.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...model import Edit, Finding, Fix
from ...source.lines import split_lines
from ..base import Site, detector, make_finding
from . import advisories
from .reading import (
    Requirement,
    Unreadable,
    load_toml,
    read_pipfile,
    read_pyproject,
    read_requirements,
)

SECTION = "Third-Party Security Integration"

__all__ = ["Manifest", "Unreadable", "check"]


@detector("EXT003", "EXT004", section=SECTION, scope="file")
def dependency_manifests(ctx):
    """Declares EXT003 and EXT004: they judge manifests (:func:`check`), never Python."""
    return ()


# words of a file name, folder or extra that say it is for development, not production
DEV_WORDS = frozenset(
    "dev devel develop development test tests testing ci docs doc documentation lint linting "
    "local debug typing types mypy style format formatting qa bench benchmark benchmarks tox "
    "coverage precommit pre-commit tools tooling example examples demo sphinx".split()
)


FIXTURE_FOLDERS = frozenset({"tests", "test", "testing", "fixtures", "testdata", "test_data"})


def is_dev_name(text: str) -> bool:
    words = re.split(r"[-_./\s]+", text.lower())
    return any(w in DEV_WORDS for w in words if w)


@dataclass(frozen=True)
class Manifest:
    """One manifest and the facts about its project that the rules need."""

    path: str
    rel: str
    text: str
    kind: str  # "requirements", "pyproject" or "pipfile"
    locked_by: str  # a lock or constraints file that pins what it states ("": none)
    library: bool  # it (or the package beside it) is a library: ranges are right there


def check(m: Manifest, codes: set[str] | None = None) -> list[Finding]:
    """The findings of one manifest; :class:`Unreadable` when it cannot be read."""
    lines = split_lines(m.text) or [""]
    if m.kind == "requirements":
        reqs, constraints = read_requirements(m.text)
        locked_by = m.locked_by or (constraints[0] if constraints else "")
    elif m.kind == "pyproject":
        data = load_toml(m.text)
        reqs, locked_by = read_pyproject(m.text, data), m.locked_by
    else:
        data = load_toml(m.text)
        reqs, locked_by = read_pipfile(m.text, data), m.locked_by
    dev_file = is_dev_name(m.rel.rsplit(".", 1)[0] if m.kind == "requirements" else "") or any(
        is_dev_name(p) for p in m.rel.split("/")[:-1]
    )
    quiet_ranges = m.library or bool(locked_by) or dev_file
    # a manifest among a test suite's files is a fixture, not what the project installs
    fixture = any(p.lower() in FIXTURE_FOLDERS for p in m.rel.split("/")[:-1])
    out: list[Finding] = []
    for req in reqs:
        site = _site(m, lines, req)
        if fixture:
            continue
        if (codes is None or "EXT004" in codes) and (found := _advisory(m, req, site)):
            out.append(found)
        if (codes is None or "EXT003" in codes) and not quiet_ranges and not is_dev_name(req.group):
            found = _loose(req, site)
            if found is not None:
                out.append(found)
    return out


def _site(m: Manifest, lines: list[str], req: Requirement) -> Site:
    comment = req.comment_line
    text = lines[comment - 1] if comment and comment <= len(lines) else ""
    if not text.strip() or text.rstrip("\r\n").endswith("\\"):
        comment, text = None, ""
    return Site(
        m.path,
        (req.line, req.start),
        (req.line, req.end),
        (req.line, max(req.line, comment or req.line)),
        comment,
        text,
    )


# -- EXT003 ---------------------------------------------------------------------------------
BRANCHES = frozenset({"main", "master", "develop", "dev", "trunk", "head", "default", "stable"})
_CLAUSES = re.compile(r"(===|~=|==|!=|<=|>=|<|>|\^|~|\*)?\s*([^\s,|]*)")


def looseness(spec: str, style: str) -> str | None:
    """ "unpinned" (no constraint), "open" (a lower bound only), or None (pinned
    or bounded above: ``==``, ``~=``, ``<``, Poetry's ``^`` and ``~``)."""
    spec = spec.strip()
    if not spec or spec == "*":
        return "unpinned"
    alternatives = spec.split("||") if style == "poetry" else [spec]
    worst = None
    for alt in alternatives:
        ops = []
        alt = re.sub(r"(===|~=|==|!=|<=|>=|<|>|\^|~)\s+", r"\1", alt.strip())
        for clause in re.split(r"[,\s]+", alt):
            if not clause:
                continue
            m = _CLAUSES.fullmatch(clause.strip())
            if m is None:
                return None  # not understood: say nothing
            op, version = m.group(1) or "", m.group(2)
            if not op and style == "poetry" and version:
                op = "=="  # Poetry: a bare version is exact
            ops.append((op, version))
        if any(op in ("==", "===") and "*" not in v for op, v in ops):
            continue
        if any(op in ("<", "<=", "~=", "^", "~") or (op == "==" and "*" in v) for op, v in ops):
            continue
        if all(op == "*" or (op == "" and v == "*") for op, v in ops):
            worst = "unpinned"
        elif worst is None:
            worst = "open" if any(op in (">", ">=") for op, _ in ops) else "unpinned"
    return worst


def _loose(req: Requirement, site: Site) -> Finding | None:
    if req.source == "vcs":
        if req.ref and req.ref.lower() not in BRANCHES:
            return None
        what = f"the `{req.ref}` branch" if req.ref else "its default branch"
        return make_finding(
            "EXT003",
            site,
            f"`{req.written}` is installed from {what} of a repository: each install takes "
            "whatever was pushed last; pin a commit or a tag (`@<sha>`)",
        )
    if req.source != "index":
        return None
    kind = looseness(req.spec, req.style)
    if kind is None:
        return None
    if kind == "unpinned":
        message = (
            f"`{req.written}` has no version constraint: each install takes the newest release; "
            "pin it (`==`) or install from a lock file"
        )
    else:
        message = (
            f"`{req.written}{''.join(req.spec.split())}` has no upper bound: each install "
            "takes the newest release, a new major version included; pin it (`==`) or install "
            "from a lock file"
        )
    return make_finding("EXT003", site, message)


# -- EXT004 ---------------------------------------------------------------------------------
def exact_version(spec: str, style: str) -> tuple[str, str] | None:
    """(operator as written, version) of an exact pin (``==1.2.3``, ``===1.2.3``,
    Poetry's bare ``1.2.3``), else None."""
    spec = spec.strip()
    m = re.fullmatch(r"(===|==)?\s*([0-9][^\s,;*|]*)", spec)
    if m is None or (not m.group(1) and style != "poetry"):
        return None
    return m.group(1) or "", m.group(2)


def _advisory(m: Manifest, req: Requirement, site: Site) -> Finding | None:
    if req.source != "index":
        return None
    pin = exact_version(req.spec, req.style)
    if pin is None:
        return None
    op, version = pin
    hits, fixed = advisories.affecting(req.name, version)
    if not hits:
        return None
    table = advisories.load()
    ids = "; ".join(f"{a.id} ({a.summary})" for a in hits[:3])
    more = f"; and {len(hits) - 3} more" if len(hits) > 3 else ""
    fixed_text = f"Fixed in {fixed}" if fixed else "No fixed version known"
    known = "a known advisory" if len(hits) == 1 else f"{len(hits)} known advisories"
    message = (
        f"`{req.written} {version}` has {known}: {ids}{more}. {fixed_text} "
        f"(advisory table of {table.date})"
    )
    fix = None
    old, new = advisories.version_key(version), advisories.version_key(fixed or "")
    if fixed and req.spec_span is not None and old and new and old[1][0] == new[1][0]:
        start, end = req.spec_span
        fix = Fix(
            f"Upgrade {req.written} to {fixed}",
            (Edit(m.path, (req.line, start), (req.line, end), f"{op}{fixed}"),),
        )
    return make_finding("EXT004", site, message, fix)
