"""What ``check`` gives a CI service: GitHub Actions annotations, a GitLab Code
Quality report, and the exit code that ``--fail-on`` / ``--exit-zero`` ask for.

GitHub reads workflow commands from a step's output, one per line::

    ::error file=app.py,line=5,col=14,endLine=5,endColumn=32,title=SEC006 hardcoded-credential::...

with ``%``, CR and LF escaped in the message, and ``:`` and ``,`` as well in the
property values (as ``@actions/core`` does). GitLab reads a JSON list of
Code Climate issues (``description``, ``check_name``, ``fingerprint``,
``severity``, ``location``) from ``artifacts: reports: codequality:``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path

from . import catalogue
from .model import Finding, Severity

# most severe first: ``--fail-on warning`` fails on critical, error and warning
SEVERITY_NAMES = tuple(s.value for s in sorted(Severity, key=lambda s: s.rank))
GITHUB_COMMANDS = {"critical": "error", "error": "error", "warning": "warning", "info": "notice"}
# Code Climate / GitLab: info, minor, major, critical, blocker (blocker is not used)
GITLAB_SEVERITIES = {"critical": "critical", "error": "major", "warning": "minor", "info": "info"}

EXIT_CODES_HELP = """\
exit codes:
  0  nothing to report, or only findings below --fail-on, or --exit-zero
  1  findings at or above --fail-on (default: any finding)
  2  an error: a missing path, an --output that cannot be written, ...
"""


def escape_data(text: str) -> str:
    """A workflow command's message: ``%``, CR and LF percent-encoded."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: the message's escapes, and ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _severity(f: Finding, cat) -> str:
    return (f.severity or cat.rules[f.code].severity).value


def format_github(findings: Iterable[Finding], display: Callable[[str], str]) -> str:
    """One ``::error``/``::warning``/``::notice`` line per finding; ``display``
    gives a finding's path as the text format shows it."""
    cat = catalogue.load()
    out = []
    for f in findings:
        rule = cat.rules[f.code]
        props = [("file", display(f.path)), ("line", str(f.start[0]))]
        if f.start[0] == f.end[0]:  # GitHub takes columns only on a one-line range
            props += [
                ("col", str(f.start[1] + 1)),
                ("endLine", str(f.end[0])),
                ("endColumn", str(f.end[1] + 1)),
            ]
        else:
            props.append(("endLine", str(f.end[0])))
        props.append(("title", f"{f.code} {rule.name}"))
        joined = ",".join(f"{k}={escape_property(v)}" for k, v in props)
        command = GITHUB_COMMANDS[_severity(f, cat)]
        out.append(f"::{command} {joined}::{escape_data(f.message)}\n")
    return "".join(out)


def gitlab_issues(
    findings: Iterable[Finding], display: Callable[[str], str], among: list[Finding] | None = None
) -> list[dict]:
    """The Code Quality issues of ``findings``. Each fingerprint is SARIF's
    ``backendLens/v1`` (rule, file name, the flagged line's text), so an issue
    keeps it when lines are added or removed above it; the occurrence number
    counts repeats per rule, file *name* and text, so that two files of the same
    name with the same flagged line still get two fingerprints. ``among``: every
    finding of the check when a baseline left some out."""
    from .sarif import fingerprint_of, line_keys  # reads files: not needed by the other formats

    cat = catalogue.load()
    findings = list(findings)
    issues = []
    keys = line_keys(findings, file_of=lambda f: Path(f.path).name, among=among)
    for f, (text, occurrence) in zip(findings, keys, strict=True):
        issues.append(
            {
                "description": f.message,
                "check_name": f.code,
                "fingerprint": fingerprint_of(f, text, occurrence),
                "severity": GITLAB_SEVERITIES[_severity(f, cat)],
                "location": {
                    "path": display(f.path),
                    "lines": {"begin": f.start[0], "end": max(f.end[0], f.start[0])},
                },
            }
        )
    return issues


def format_gitlab(
    findings: Iterable[Finding], display: Callable[[str], str], among: list[Finding] | None = None
) -> str:
    return json.dumps(gitlab_issues(findings, display, among), indent=2) + "\n"


def fails(findings: Iterable[Finding], fail_on: str | None) -> bool:
    """Whether a finding at or above ``fail_on`` (None: any finding) is reported."""
    cat = catalogue.load()
    limit = Severity(fail_on).rank if fail_on else len(SEVERITY_NAMES)
    return any(Severity(_severity(f, cat)).rank <= limit for f in findings)
