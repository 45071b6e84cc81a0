"""The report as JSON, for dashboards: the same data the Markdown and HTML show
(scores, sections with their observations, tables and findings, recommendations,
planning), one object per report. Texts are Markdown, as in the report."""

from __future__ import annotations

import json

from .build import Item, Report
from .groups import Group

FORMAT_VERSION = 1


def _item(item: Item) -> dict:
    path, _, line = item.location.rpartition(":")
    return {
        "code": item.code,
        "name": item.name,
        "severity": item.severity,
        "path": path or item.location,
        "line": int(line) if line.isdigit() else None,
        "message": item.message,
        "why": item.why,
        "fix": item.fix,
        "section": item.section,
        "tags": list(item.tags),
        "fixable": item.fixable,
        "column": item.column or None,
        "endpoint": item.endpoint or None,  # the endpoint whose handler holds it
        "task": item.task or None,  # the background task that holds it
    }


def _group(g: Group) -> dict:
    """One rule's findings, as the report lists them (places: `path:line`, the
    most important first)."""
    return {
        "code": g.code,
        "name": g.name,
        "title": g.title,
        "severity": g.severity,
        "count": g.count,
        "files": g.files,
        "endpoints": g.endpoints,
        "tasks": g.tasks,
        "effort": g.effort,
        "effort_reason": g.effort_reason,
        "fixable": g.fixable,
        "why": g.why,
        "fix": g.fix,
        "places": [i.location for i in g.items],
    }


def _table(rows: list[list[str]]) -> list[dict] | None:
    """A section's table as records keyed by its header (None when it has none)."""
    if not rows:
        return None
    header, *body = rows
    return [dict(zip(header, row, strict=False)) for row in body]


def _changes(c) -> dict | None:
    """``report --compare REF``: what changed since REF (report/changes.py)."""
    if c is None:
        return None
    return {
        "ref": c.ref,
        "commit": c.commit,
        "path_at_ref": c.path_at_ref,
        "unreadable": list(c.unreadable),
        "scores": {
            s.key: {"name": s.name, "before": s.before, "after": s.after, "delta": s.delta}
            for s in c.scores
        },
        "new_count": len(c.new),
        "fixed_count": len(c.fixed),
        "unchanged": c.unchanged,
        "unchanged_on_edited_lines": c.edited,
        "not_scored": {"new": c.not_scored_new, "fixed": c.not_scored_fixed},
        "new": [_item(i) for i in c.new],
        "fixed": [_item(i) for i in c.fixed],
    }


def to_json(report: Report) -> str:
    data = {
        "format": "backend-lens-report",
        "version": FORMAT_VERSION,
        "generator": f"backend-lens {report.version}",
        "title": report.title,
        "date": report.date,
        "root": report.root,
        "files_analyzed": report.files_analyzed,
        "lines": report.lines,
        "changes": _changes(report.changes),  # null without --compare
        "application_lines": report.application_lines,
        "scores": {
            key: {
                "name": s.name,
                "value": s.value,  # null: not enough evidence to judge
                "findings": s.findings,
                "penalty": s.penalty,
                "explanation": s.explanation,
                "by_rule": [
                    {"code": code, "findings": n, "points": points} for code, n, points in s.by_rule
                ],
            }
            for key, s in report.scores.items()
        },
        "score_model": report.score_model,
        "strengths": list(report.strengths),
        "critical": [_item(i) for i in report.critical],
        "parts": [
            {
                "title": title,
                "sections": [
                    {
                        "heading": s.heading,
                        "observations": list(s.observations),
                        "table": _table(s.table),
                        "findings": [_item(i) for i in s.items],
                        "rules": [_group(g) for g in s.groups],
                    }
                    for s in sections
                ],
            }
            for title, sections in report.parts
        ],
        "recommendations": report.recommendations,
        # the same recommendations as rule groups, in the same order
        "recommended_rules": {
            key: [_group(g) for g in groups] for key, groups in report.recommendation_groups.items()
        },
        "planning": report.planning,
        "not_scored": list(report.not_scored),
        "not_scored_count": report.not_scored_count,
        "inventory": report.inventory,
        "skipped": list(report.skipped),
        "findings": [_item(i) for i in report.findings],
        # the findings about suppression comments (LENS001), also in "findings"
        "comments": [_item(i) for i in report.comments],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
