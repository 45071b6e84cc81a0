"""One file, one parse: facts, local findings and deferred judgements.

``analyze`` is the only place that parses; the CLI and the language server both
call it. ``findings_for`` turns a FileResult plus the ProjectIndex into the
findings a user sees (deferred checks judged, suppressions and settings applied).
"""

from __future__ import annotations

import logging
import re
import weakref

from .. import catalogue
from ..config import Config
from ..detectors import REGISTRY, Context
from ..facts.extract import extract
from ..facts.model import FileFacts
from ..model import Deferred, Edit, FileResult, Finding, Fix
from ..source import parsing
from ..source import syntax as sx
from ..source.lines import split_lines
from ..source.suppress import Ignore, parse_suppressions, silencing
from . import manifests

log = logging.getLogger(__name__)
_TOLD: set[tuple[str, str]] = set()  # (file, error) of failed deferred checks already logged
# Deferred -> (index, generations of what it reads, its findings): the language server
# keeps most of a document's Deferreds from one edit to the next (engine/incremental.py)
_JUDGED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
judge_failures = 0  # deferred checks that failed in this process (engine/snapshot.py)
# rules the engine itself reports (no detector): suppression comments that silence nothing
UNUSED_SUPPRESSION = "LENS001"
ENGINE_RULES = (UNUSED_SUPPRESSION,)


def check_registry() -> None:
    """The engine refuses to start when detectors and the catalogue disagree."""
    cat = catalogue.load()
    emitted = {code for d in REGISTRY for code in d.codes} | set(ENGINE_RULES)
    missing_docs = sorted(emitted - set(cat.rules))
    missing_detectors = sorted(set(cat.rules) - emitted)
    problems = []
    if missing_docs:
        problems.append(f"detectors emit rules the catalogue lacks: {', '.join(missing_docs)}")
    if missing_detectors:
        problems.append(f"catalogue rules without a detector: {', '.join(missing_detectors)}")
    for d in REGISTRY:
        for code in d.codes:
            rule = cat.rules.get(code)
            if rule is not None and rule.section != d.section:
                problems.append(
                    f"{code}: detector is in section {d.section!r}, catalogue says {rule.section!r}"
                )
    if problems:
        raise catalogue.CatalogueError("; ".join(problems))


def empty_facts(path: str, rel_path: str) -> FileFacts:
    from ..facts.extract import module_name

    return FileFacts(path=path, module=module_name(rel_path))


def analyze(
    text: str,
    path: str,
    rel_path: str,
    version: int | None = None,
    cache_key: str | None = None,
    config: Config | None = None,
) -> FileResult:
    """Parse ``text`` once and run every enabled detector over it. A dependency
    manifest (requirements*.txt, pyproject.toml, Pipfile) is read as text instead
    (engine/manifests.py)."""
    if manifests.kind_of(rel_path) is not None:
        return manifests.analyze(text, path, rel_path, version, config)
    config = config or Config()
    module = parsing.parse(text, cache_key)
    lines = split_lines(text) or [""]
    by_type, errors = sx.index_by_type(module)
    result = FileResult(
        path=path, version=version, facts=None, lines=len(lines), syntax_errors=errors
    )
    calls_of = sx.CallCache()
    try:
        result.facts = extract(module, by_type, path, rel_path, len(lines), calls_of)
    except Exception as exc:  # never let one file stop the run (RecursionError included)
        log.debug("fact extraction failed for %s", path, exc_info=True)
        result.facts = empty_facts(path, rel_path)
        why = (
            "nested too deeply"
            if isinstance(exc, RecursionError)
            else f"internal error {type(exc).__name__}"
        )
        result.errors.append(
            f"what this file defines (models, routes, settings) could not be read ({why}); "
            "other files' checks do not see it"
        )
    result.suppressions = parse_suppressions(lines, module)
    ctx = Context(path, rel_path, text, lines, module, by_type, result.facts, _calls=calls_of)
    cat = catalogue.load()
    for det in REGISTRY:
        if not any(config.rule_enabled(c, cat.rules[c].name) for c in det.codes if c in cat.rules):
            continue
        for item in run_detector(det, ctx, result.errors):
            if isinstance(item, Deferred):
                result.deferred.append(item)
            else:
                result.local.append(item)
    if cache_key is None:  # no diff parser keeps the tree: free it now (see sx.release)
        sx.release(by_type)
    return result


def run_detector(det, ctx: Context, errors: list[str]) -> list:
    """Run one detector over a file. When it fails (half-typed code it did not
    expect), it is run again on each top-level statement (each method of a
    class) on its own, so that the failure costs only the statements where it
    happens; ``errors`` gets one line per failing statement for the user."""
    try:
        return list(det.func(ctx))
    except Exception as exc:  # RecursionError included
        log.debug("detector %s failed on %s", det.name, ctx.path, exc_info=True)
        first_error = exc
    items: list = []
    seen: set = set()
    failed: list[tuple[int, int, BaseException]] = []
    for start, end in units_of(ctx.module):
        try:
            found = list(det.func(ctx.within(start, end)))
        except Exception as exc:
            log.debug("detector %s failed on %s:%d", det.name, ctx.path, start[0], exc_info=True)
            failed.append((start[0], max(start[0], end[0] - (end[1] == 0)), exc))
            continue
        for item in found:
            key = (
                (item.code, item.start, item.end, item.message)
                if isinstance(item, Finding)
                else id(item)
            )
            if key not in seen:
                seen.add(key)
                items.append(item)
    if not failed:  # it failed only on the whole file: the cause is not in one statement
        failed.append((1, len(ctx.lines), first_error))
    codes = ", ".join(det.codes)
    for first, last, exc in failed:
        where = f"line {first}" if first == last else f"lines {first}-{last}"
        why = (
            "nested too deeply"
            if isinstance(exc, RecursionError)
            else f"internal error {type(exc).__name__}"
        )
        errors.append(f"{codes} not checked on {where} ({why}); the rest of the file was checked")
    return items


def units_of(module) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """(start, end) of each top-level statement, a class's statements one by one."""
    units = []
    for child in module.children:
        if child.type == "endmarker":
            continue
        node = child.children[-1] if child.type == "decorated" else child
        suite = node.children[-1] if node.type == "classdef" else None
        if suite is not None and suite.type == "suite":
            units.append((child.start_pos, suite.children[0].end_pos))  # the class line
            units.extend((stmt.start_pos, stmt.end_pos) for stmt in suite.children[1:])
        else:
            units.append((child.start_pos, child.end_pos))
    return units


def findings_for(result: FileResult, index, config: Config | None = None) -> list[Finding]:
    """The findings a user sees for one analysed file, judged against ``index``."""
    return finish(result, [*result.local, *judge(result, index)], config)


def judge(result: FileResult, index) -> list[Finding]:
    """The findings of ``result``'s deferred checks, judged against ``index``."""
    global judge_failures
    found: list[Finding] = []
    generation = getattr(index, "generation", None)
    result.unjudged = False
    for d in result.deferred:
        key = None
        if generation is not None:
            key = tuple(generation.get(k, 0) for k in sorted(d.reads))
            known = _JUDGED.get(d)
            if known is not None and known[0] is index and known[1] == key:
                found.extend(known[2])
                continue
        try:
            judged = list(d.judge(index))
            found.extend(judged)
            if key is not None:
                _JUDGED[d] = (index, key, judged)
        except Exception as exc:
            judge_failures += 1
            result.unjudged = True
            log.debug("a deferred check failed on %s", result.path, exc_info=True)
            key = (result.path, type(exc).__name__)
            if key not in _TOLD:  # once, not on every re-judgement
                _TOLD.add(key)
                log.warning(
                    "%s: a cross-file check failed (internal error %s); other findings are kept",
                    result.path,
                    type(exc).__name__,
                )
    return found


def finish(result: FileResult, found: list[Finding], config: Config | None = None) -> list[Finding]:
    """``found`` (a file's local and judged findings) as the user sees them: rules
    turned off and suppressed findings left out, duplicates once, severities from
    the settings, in order; and the suppression comments that silenced none of
    them (LENS001), since ``found`` is all the file's findings."""
    config = config or Config()
    cat = catalogue.load()
    out = []
    seen = set()
    used: set[tuple[int, str | None]] = set()  # (line, key) of suppressions that silenced
    for f in found:
        rule = cat.rules.get(f.code)
        if rule is None or not config.rule_enabled(f.code, rule.name):
            continue
        silenced = silencing(result.suppressions, f.stmt_lines, f.code, rule.name)
        if silenced:
            used.update(silenced)
            continue
        key = (f.code, f.start, f.end, f.message)
        if key in seen:
            continue
        seen.add(key)
        f.severity = config.severity.get(f.code, rule.severity)
        out.append(f)
    if result.suppressions:
        out.extend(unused_suppressions(result, used, config))
    out.sort(key=Finding.sort_key)
    return out


def unused_suppressions(
    result: FileResult, used: set[tuple[int, str | None]], config: Config
) -> list[Finding]:
    """LENS001: each suppression comment of ``result`` that silenced nothing, or
    names a code no rule has. ``used``: the (line, key) that silenced a finding.
    Codes of rules turned off in the settings are not judged (the rule did not
    run); nor is a file whose findings are incomplete (syntax errors, a check
    that failed), where "silences nothing" could be wrong."""
    cat = catalogue.load()
    rule = cat.rules[UNUSED_SUPPRESSION]
    if not config.rule_enabled(rule.code, rule.name):
        return []
    if result.syntax_errors or result.errors or result.unjudged:
        return []
    severity = config.severity.get(rule.code, rule.severity)
    out = []
    for line, ignore in sorted(result.suppressions.items()):
        comment = ignore.text[ignore.start : ignore.end]
        if ignore.written is None:
            if (line, None) not in used:
                message = f"{_span(comment)} silences nothing on this statement: remove it"
                out.append(_lens001(result.path, line, ignore, message, (), severity))
            continue
        unknown, unused, itself = [], [], []
        for written in ignore.written:
            key = written.upper()
            named = cat.get(written)
            if named is None:
                unknown.append(written)
            elif named.code == rule.code:
                itself.append(written)
            elif not config.rule_enabled(named.code, named.name):
                continue  # the rule did not run: nothing to judge
            elif (line, key) not in used:
                unused.append(written)
        bad = [*unknown, *unused, *itself]
        if not bad:
            continue
        keep = tuple(w for w in ignore.written if w not in bad)
        if not keep and not unknown and not itself:
            message = f"{_span(comment)} silences nothing on this statement: remove it"
        else:
            parts = []
            if unknown:
                parts.append(
                    f"{_codes(unknown)} "
                    + (
                        "is not a rule code or name"
                        if len(unknown) == 1
                        else "are not rule codes or names"
                    )
                )
            if unused:
                parts.append(
                    f"{_codes(unused)} "
                    + ("silences" if len(unused) == 1 else "silence")
                    + " nothing on this statement"
                )
            if itself:
                parts.append(
                    f"{_codes(itself)} cannot be silenced with a comment "
                    "(turn it off in the settings instead)"
                )
            what = "it" if len(bad) == 1 else "them"
            message = f"{_span(comment)}: {'; '.join(parts)}: remove {what}" + (
                " from the list" if keep else ""
            )
        out.append(_lens001(result.path, line, ignore, message, keep, severity))
    return out


def _codes(written: list[str]) -> str:
    return ", ".join(_span(w) for w in written)


def _span(text: str) -> str:
    """``text`` as a Markdown code span, whatever backticks it holds."""
    if "`" not in text:
        return f"`{text}`"
    fence = "`" * (max(len(run) for run in re.findall(r"`+", text)) + 1)
    return f"{fence} {text} {fence}"


def _lens001(
    path: str, line: int, ignore: Ignore, message: str, keep: tuple[str, ...], severity
) -> Finding:
    """A LENS001 finding on the comment, with the edit that removes it (or only
    the codes not in ``keep``). Not suppressible: a comment that silences the
    report of an unused comment would itself silence nothing."""
    if keep:
        title = "Remove the codes that silence nothing"
        edit = Edit(
            path,
            (line, ignore.start),
            (line, ignore.end),
            f"# backend-lens: ignore[{', '.join(keep)}]",
        )
    else:
        title = "Remove the suppression comment"
        edit = _removal(path, line, ignore)
    return Finding(
        code=UNUSED_SUPPRESSION,
        message=message,
        path=path,
        start=(line, ignore.start),
        end=(line, ignore.end),
        stmt_lines=(line, line),
        fix=Fix(title, (edit,)),
        severity=severity,
    )


def _removal(path: str, line: int, ignore: Ignore) -> Edit:
    """The edit that takes the comment ``ignore`` off its line: with the blanks
    before it; text after it on the line stays a comment (``# reason``)."""
    text = ignore.text
    if text[ignore.end :].strip():
        return Edit(path, (line, ignore.start), (line, ignore.end), "#")
    before = len(text[: ignore.start].rstrip(" \t"))
    return Edit(path, (line, before), (line, len(text)), "")
