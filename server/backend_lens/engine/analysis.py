"""One file, one parse: facts, local findings and deferred judgements.

``analyze`` is the only place that parses; the CLI and the language server both
call it. ``findings_for`` turns a FileResult plus the ProjectIndex into the
findings a user sees (deferred checks judged, suppressions and settings applied).
"""

from __future__ import annotations

import logging

from .. import catalogue
from ..config import Config
from ..detectors import REGISTRY, Context
from ..facts.extract import extract
from ..facts.model import FileFacts
from ..model import Deferred, FileResult, Finding
from ..source import parsing
from ..source import syntax as sx
from ..source.lines import split_lines
from ..source.suppress import is_suppressed, parse_suppressions

log = logging.getLogger(__name__)


def check_registry() -> None:
    """The engine refuses to start when detectors and the catalogue disagree."""
    cat = catalogue.load()
    emitted = {code for d in REGISTRY for code in d.codes}
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
    """Parse ``text`` once and run every enabled detector over it."""
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
    except RecursionError:
        result.facts = empty_facts(path, rel_path)
        result.errors.append("too deeply nested to extract facts")
    except Exception as exc:  # never let one file stop the run
        log.exception("fact extraction failed for %s", path)
        result.facts = empty_facts(path, rel_path)
        result.errors.append(f"fact extraction failed: {exc!r}")
    result.suppressions = parse_suppressions(lines)
    ctx = Context(path, rel_path, text, lines, module, by_type, result.facts, _calls=calls_of)
    cat = catalogue.load()
    for det in REGISTRY:
        if not any(config.rule_enabled(c, cat.rules[c].name) for c in det.codes if c in cat.rules):
            continue
        try:
            for item in det.func(ctx):
                if isinstance(item, Deferred):
                    result.deferred.append(item)
                else:
                    result.local.append(item)
        except RecursionError:
            result.errors.append(f"{det.name}: file too deeply nested; skipped")
        except Exception as exc:
            log.exception("detector %s failed on %s", det.name, path)
            result.errors.append(f"{det.name} failed: {exc!r}")
    return result


def findings_for(result: FileResult, index, config: Config | None = None) -> list[Finding]:
    """The findings a user sees for one analysed file, judged against ``index``."""
    config = config or Config()
    cat = catalogue.load()
    found: list[Finding] = list(result.local)
    for d in result.deferred:
        try:
            found.extend(d.judge(index))
        except Exception:
            log.exception("a deferred check failed on %s", result.path)
    out = []
    seen = set()
    for f in found:
        rule = cat.rules.get(f.code)
        if rule is None or not config.rule_enabled(f.code, rule.name):
            continue
        if is_suppressed(result.suppressions, f.stmt_lines, f.code, rule.name):
            continue
        key = (f.code, f.start, f.end, f.message)
        if key in seen:
            continue
        seen.add(key)
        f.severity = config.severity.get(f.code, rule.severity)
        out.append(f)
    out.sort(key=Finding.sort_key)
    return out
