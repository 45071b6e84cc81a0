"""Plain data shared by every layer: positions, edits, fixes and findings.

Positions are 1-based lines and 0-based *code point* columns, as parso gives them.
The LSP layer converts them to the client's units (UTF-16 by default) through
pygls's document helpers; nothing else converts positions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .source.suppress import Ignore

Pos = tuple[int, int]  # (line 1-based, column 0-based in code points)


class Severity(StrEnum):
    CRITICAL = "critical"
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"critical": 0, "error": 1, "warning": 2, "info": 3}[self.value]


@dataclass(frozen=True)
class Edit:
    """Replace the text between ``start`` and ``end`` of ``path`` with ``text``."""

    path: str
    start: Pos
    end: Pos
    text: str


@dataclass(frozen=True)
class Fix:
    title: str
    edits: tuple[Edit, ...]


@dataclass(frozen=True)
class Related:
    path: str
    start: Pos
    end: Pos
    message: str


@dataclass
class Finding:
    code: str
    message: str
    path: str
    start: Pos
    end: Pos
    # lines of the statement that holds the finding: a suppression comment on any
    # of them silences it
    stmt_lines: tuple[int, int] = (0, 0)
    fix: Fix | None = None
    suppress: Edit | None = None
    related: tuple[Related, ...] = ()
    severity: Severity | None = None  # filled from the catalogue / settings

    def sort_key(self) -> tuple:
        return (self.path, self.start, self.code, self.message)


@dataclass(frozen=True)
class Deferred:
    """A judgement a detector cannot make from one file alone.

    ``judge`` receives the ProjectIndex and returns findings. It must close over
    plain data only (strings, positions), never over parse-tree nodes: the diff
    parser re-uses trees in place. ``reads`` names the fact kinds it consults, so
    the engine can re-judge a file when those facts change elsewhere.
    """

    reads: frozenset[str]
    judge: Callable[[object], Iterable[Finding]]
    # the lines its findings can point at (ranges, fixes, suppression comments),
    # declared by a detector whose judgement reads nothing of its own file's facts
    # but what the detector read while it ran: the editor then keeps the detector's
    # result for an edit elsewhere in the file (engine/incremental.py). None: the
    # judgement may read any of the facts it closes over and point anywhere.
    lines: frozenset[int] | None = None


@dataclass
class FileResult:
    """Everything one analysis of one file produced."""

    path: str
    version: int | None
    facts: object  # facts.model.FileFacts
    local: list[Finding] = field(default_factory=list)
    deferred: list[Deferred] = field(default_factory=list)
    # line -> the suppression comment on it (source/suppress.Ignore)
    suppressions: dict[int, Ignore] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    syntax_errors: int = 0
    lines: int = 0
    skipped: str | None = None  # reason the file was not analysed (binary, too large ...)
    # a deferred check failed at the last judging: its findings are missing
    unjudged: bool = False
