"""What every fuzz test shares: the line rule, applying edits, the oracle that
decides whether a text is valid Python, running the engine on in-memory files,
and the checks each analysis must pass.

Positions are the engine's: 1-based lines and 0-based code-point columns, lines
split the way parso and the LSP split them (``\\r\\n``, ``\\r`` and ``\\n`` only;
form feed, U+2028 and friends are *not* line breaks there, unlike
``str.splitlines``)."""

from __future__ import annotations

import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from backend_lens.engine.analysis import findings_for
from backend_lens.engine.project import Project
from backend_lens.model import Edit, Finding
from backend_lens.source.suppress import PATTERN as SUPPRESSION
from parso.utils import split_lines

# a root that is never written: the engine reads nothing from disk when it is
# given the text, so the files exist only in memory
ROOT = Path("/nonexistent/backend-lens-fuzz")

# what the generated inputs exercised, for the summary
SEEN: Counter[str] = Counter()  # "findings CODE", "fixes applied", "suppress edits applied"


def lines_of(text: str) -> list[str]:
    """Lines with their ends, split by the LSP/parser rule (the last one may be '')."""
    return split_lines(text, keepends=True)


def line_body(line: str) -> str:
    if line.endswith("\r\n"):
        return line[:-2]
    if line.endswith(("\n", "\r")):
        return line[:-1]
    return line


def position_ok(text_lines: list[str], pos: tuple[int, int]) -> bool:
    line, col = pos
    if not (1 <= line <= len(text_lines)):
        return False
    return 0 <= col <= len(line_body(text_lines[line - 1]))


def offset(text_lines: list[str], pos: tuple[int, int]) -> int:
    line, col = pos
    return sum(len(x) for x in text_lines[: line - 1]) + col


def apply_edits(text: str, edits: list[Edit]) -> str:
    """Apply edits to one text, last first. Positions must be inside the text and
    the edits must not overlap (an editor refuses overlapping edits)."""
    text_lines = lines_of(text)
    spans = []
    for e in edits:
        assert position_ok(text_lines, e.start), f"edit starts outside the text: {e}"
        assert position_ok(text_lines, e.end), f"edit ends outside the text: {e}"
        a, b = offset(text_lines, e.start), offset(text_lines, e.end)
        assert a <= b, f"edit ends before it starts: {e}"
        spans.append((a, b, e.text))
    spans.sort(reverse=True)
    for (a, b, _), (a2, b2, _) in zip(spans, spans[1:], strict=False):
        assert b2 <= a or (a2 == b2 == a == b), f"overlapping edits: {edits}"
    for a, b, new in spans:
        text = text[:a] + new + text[b:]
    return text


def compiles(text: str) -> bool:
    """The oracle for "valid Python": CPython's own compiler."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(text, "<fuzz>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
            return False
    return True


@dataclass
class Analysis:
    project: Project
    files: dict[str, str]  # absolute path -> text
    findings: dict[str, list[Finding]] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)


def analyse(files: dict[str, str], config=None) -> Analysis:
    """Run the engine on in-memory files (relative path -> text) the way the
    server does for open documents: each analysed from its text, facts merged
    into one index, then every file's deferred checks judged."""
    kwargs = {"config": config} if config is not None else {}
    project = Project(ROOT, use_jedi=False, **kwargs)
    by_path = {str(ROOT / rel): text for rel, text in files.items()}
    out = Analysis(project, by_path)
    for path, text in by_path.items():
        project.overlay[path] = text
        result, _ = project.analyze_file(path, text)
        if result is not None:
            out.errors[path] = list(result.errors)
    for path in by_path:
        result = project.results.get(path)
        if result is not None:
            out.findings[path] = findings_for(result, project.index, project.config)
    return out


def problems_of(analysis: Analysis) -> list[str]:
    """Every broken promise of one analysis: detector errors, positions outside
    the text, fixes that break a file that compiled."""
    found: list[str] = []
    texts = analysis.files
    lines = {p: lines_of(t) for p, t in texts.items()}
    for path, errors in analysis.errors.items():
        for err in errors:
            found.append(f"{_rel(path)}: detector error recorded: {err}")
    for path, findings in analysis.findings.items():
        for f in findings:
            where = f"{_rel(path)}: {f.code} at {f.start}"
            if f.path != path:
                found.append(f"{where}: finding's path is {f.path!r}")
                continue
            for name, pos in (("start", f.start), ("end", f.end)):
                if not position_ok(lines[path], pos):
                    found.append(f"{where}: {name} {pos} is outside the text")
            if f.start > f.end:
                found.append(f"{where}: ends at {f.end}, before it starts")
            first, last = f.stmt_lines
            if (first, last) != (0, 0) and not (1 <= first <= last <= len(lines[path])):
                found.append(f"{where}: statement lines {f.stmt_lines} outside the text")
            for r in f.related:
                if r.path in lines:
                    for pos in (r.start, r.end):
                        if not position_ok(lines[r.path], pos):
                            found.append(f"{where}: related {_rel(r.path)} {pos} outside the text")
            edits = list(f.fix.edits) if f.fix else []
            if f.suppress is not None:
                edits.append(f.suppress)
            for e in edits:
                if e.path not in lines:
                    found.append(f"{where}: edit of a file that was not analysed: {e.path!r}")
                    continue
                for pos in (e.start, e.end):
                    if not position_ok(lines[e.path], pos):
                        found.append(f"{where}: edit position {pos} outside {_rel(e.path)}")
    return found


def fixed_texts(analysis: Analysis, edits: list[Edit]) -> dict[str, str]:
    """The texts of the files ``edits`` touch, with the edits applied."""
    by_path: dict[str, list[Edit]] = {}
    for e in edits:
        by_path.setdefault(e.path, []).append(e)
    return {p: apply_edits(analysis.files[p], es) for p, es in by_path.items()}


def fix_problems(analysis: Analysis, finding: Finding, recheck: bool = False) -> list[str]:
    """Apply the finding's fix: every edited file that compiled must still compile,
    and (with ``recheck``, when every file compiled) the project analysed again
    reports fewer findings of that rule in the finding's file."""
    if finding.fix is None:
        return []
    try:
        after = fixed_texts(analysis, list(finding.fix.edits))
    except AssertionError as exc:
        return [f"{finding.code} at {finding.start}: fix cannot be applied: {exc}"]
    out = []
    for path, text in after.items():
        if compiles(analysis.files[path]) and not compiles(text):
            out.append(
                f"{finding.code} at {finding.start}: fix {finding.fix.title!r} breaks "
                f"{_rel(path)}: {_first_error(text)}"
            )
    if recheck and not out and all(compiles(t) for t in analysis.files.values()):
        SEEN["fixes re-checked"] += 1
        files = {_rel(p): t for p, t in analysis.files.items()}
        files.update({_rel(p): t for p, t in after.items()})
        again = analyse(files)
        path = finding.path
        before_n = count_of(analysis, path, finding.code)
        after_n = count_of(again, path, finding.code)
        if after_n >= before_n:
            out.append(
                f"{finding.code} at {finding.start}: still reported after its fix "
                f"{finding.fix.title!r} ({before_n} -> {after_n} findings)"
            )
    return out


def suppress_problems(analysis: Analysis, finding: Finding) -> list[str]:
    """Apply the Suppress edit: the file still compiles (if it did) and, analysed
    again with the same other files, reports fewer findings of that rule."""
    if finding.suppress is None:
        return []
    where = f"{finding.code} at {finding.start}"
    try:
        (after,) = fixed_texts(analysis, [finding.suppress]).values()
    except AssertionError as exc:
        return [f"{where}: suppress edit cannot be applied: {exc}"]
    path = finding.path
    out = []
    # it only writes a comment: at the end of a line (replacing trailing blanks),
    # or in place of the suppression comment already there
    e = finding.suppress
    body = line_body(lines_of(analysis.files[e.path])[e.start[0] - 1])
    replaced = body[e.start[1] : e.end[1]]
    at_end = e.start[1] == len(body.rstrip()) and e.end[1] == len(body) and not replaced.strip()
    if e.start[0] != e.end[0] or not (at_end or SUPPRESSION.fullmatch(replaced)):
        out.append(
            f"{where}: the suppress edit replaces {replaced!r} in line {e.start[0]} "
            f"{body[:120]!r} instead of adding a comment at its end"
        )
    if compiles(analysis.files[path]) and not compiles(after):
        out.append(f"{where}: the suppress edit breaks the file: {_first_error(after)}")
    files = {_rel(p): t for p, t in analysis.files.items()}
    files[_rel(path)] = after
    again = analyse(files)
    before_n = count_of(analysis, path, finding.code)
    after_n = count_of(again, path, finding.code)
    if after_n >= before_n:
        out.append(
            f"{where}: still reported after its suppress edit "
            f"({before_n} -> {after_n} {finding.code} findings); edit {finding.suppress}"
        )
    return out


def _first_error(text: str) -> str:
    try:
        compile(text, "<fuzz>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        lineno = getattr(exc, "lineno", None)
        shown = ""
        if lineno:
            src = lines_of(text)
            if 0 < lineno <= len(src):
                shown = f" in {src[lineno - 1][:120]!r}"
        return f"{exc.__class__.__name__}: {exc}{shown}"
    return "compiles"


def _rel(path: str) -> str:
    try:
        return Path(path).relative_to(ROOT).as_posix()
    except ValueError:
        return path


def check_all(
    files: dict[str, str], max_suppress_checks: int = 4, max_fix_rechecks: int = 3
) -> list[str]:
    """Analyse ``files`` and return every problem (empty when all promises hold)."""
    analysis = analyse(files)
    found = problems_of(analysis)
    if found:
        return found  # positions are wrong: applying edits would only repeat it
    codes_checked: set[tuple[str, str]] = set()
    fixes_checked: set[tuple[str, str]] = set()
    for findings in analysis.findings.values():
        for f in findings:
            SEEN[f"finding {f.code}"] += 1
            SEEN["fixes applied"] += f.fix is not None
            key = (f.path, f.code)
            recheck = key not in fixes_checked and len(fixes_checked) < max_fix_rechecks
            if f.fix is not None and recheck:
                fixes_checked.add(key)
            found.extend(fix_problems(analysis, f, recheck=recheck))
            if f.suppress is not None and key not in codes_checked:
                if len(codes_checked) < max_suppress_checks:
                    codes_checked.add(key)
                    SEEN["suppress edits applied and re-checked"] += 1
                    found.extend(suppress_problems(analysis, f))
    return found


def describe(files: dict[str, str]) -> str:
    """A failing input, printable and copy-pasteable as a reproducer."""
    return "\n".join(f"--- {rel}\n{text!r}" for rel, text in files.items())


def count_of(analysis, path: str, code: str) -> int:
    """How many findings of ``code`` an analysis reported in ``path``."""
    return sum(1 for f in analysis.findings.get(path, []) if f.code == code)
