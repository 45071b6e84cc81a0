"""The catalogue and the detectors agree, and every page's examples are honest."""

from __future__ import annotations

import pytest
from backend_lens import catalogue
from backend_lens.catalogue import SECTION_NAMES, TOOL_SECTIONS
from backend_lens.detectors import REGISTRY
from backend_lens.engine.analysis import ENGINE_RULES, check_registry

from .helpers import analyze_files, example_files

RULES = list(catalogue.load())


def test_every_rule_has_exactly_one_page_and_a_detector():
    check_registry()  # raises on any disagreement
    emitted = [c for d in REGISTRY for c in d.codes] + list(ENGINE_RULES)
    assert sorted(emitted) == sorted(r.code for r in RULES)
    assert len(set(emitted)) == len(emitted)


def test_first_rules_cover_enough_of_the_report():
    assert len(RULES) >= 10
    assert len({r.section for r in RULES}) >= 6
    assert {r.score for r in RULES if r.section in SECTION_NAMES} == {"api", "database", "service"}
    assert sum(1 for r in RULES if r.fix != "none") >= 3


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_page_metadata(rule):
    # a report section, or one about Backend Lens's own comments, which weighs on no score
    assert rule.section in SECTION_NAMES or rule.section in TOOL_SECTIONS
    assert (rule.score == catalogue.NO_SCORE) == (rule.section in TOOL_SECTIONS), rule.score
    assert rule.code[:-3].isalpha() and rule.code[-3:].isdigit()
    assert rule.name == rule.name.lower() and " " not in rule.name
    assert rule.path.stem == f"{rule.code}-{rule.name}"
    # the values rules/README.md documents (the rule tables show `fix` as written)
    assert rule.fix in ("always", "sometimes", "none"), rule.fix
    assert rule.confidence in ("high", "medium"), rule.confidence
    assert rule.score in (*catalogue.SCORES, catalogue.NO_SCORE), rule.score
    for cwe in rule.cwe:
        assert cwe.startswith("CWE-") and cwe[4:].isdigit()
    for heading in catalogue.REQUIRED_HEADINGS:
        assert rule.sections[heading].strip(), f"{rule.code}: empty section {heading}"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_example_triggers_and_use_instead_does_not(rule, tmp_path):
    bad, good = rule.code_block("Example"), rule.code_block("Use instead")
    assert bad and good
    found = analyze_files(tmp_path / "bad", example_files(bad, rule.example_path))
    assert rule.code in [f.code for f in found], f"{rule.code}: its Example does not trigger it"
    found = analyze_files(tmp_path / "good", example_files(good, rule.example_path))
    assert rule.code not in [f.code for f in found], f"{rule.code}: its Use instead triggers it"


def test_lookup_by_code_and_name():
    cat = catalogue.load()
    assert cat.get("orm001").code == "ORM001"
    assert cat.get("n-plus-one-relation-in-loop").code == "ORM001"
    assert cat.get("nope") is None


def test_broken_page_is_a_clear_error(tmp_path):
    page = tmp_path / "X001-broken.md"
    page.write_text("---\ncode: X001\n---\n# nothing\n")
    with pytest.raises(catalogue.CatalogueError, match="front matter lacks"):
        catalogue.parse_page(page)


def test_the_readmes_list_every_rule():
    root = catalogue.rules_dir().parent
    for readme in (root / "README.md", root / "rules" / "README.md"):
        text = readme.read_text(encoding="utf-8")
        missing = [r.code for r in RULES if f"[{r.code}]" not in text]
        assert not missing, f"{readme.name} does not list {missing}"


# the report part each score sums up (the Security Implementation part is shared)
PART_SCORE = {
    "API Development Analysis": "api",
    "Database Design & Optimization": "database",
    "Service Architecture & Performance": "service",
}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_a_rule_weighs_on_the_score_of_its_part_of_the_report(rule):
    if rule.section in catalogue.TOOL_SECTIONS:  # about Backend Lens's own comments
        assert rule.score == catalogue.NO_SCORE
        return
    part = dict(catalogue.SECTIONS)[rule.section]
    if part in PART_SCORE:
        assert rule.score == PART_SCORE[part], (
            f"{rule.code} is in {part} but weighs on {rule.score}"
        )


# every framework's rules weigh on the scores its code is judged on, like Django's
FRAMEWORK_SCORES = {
    "django": {"api", "database", "service"},
    "drf": {"api", "database"},
    "flask": {"api", "database", "service"},
    "fastapi": {"api", "database", "service"},
    "sqlalchemy": {"database", "service"},
    "celery": {"service"},
    "rq": {"service"},
}


@pytest.mark.parametrize("framework", sorted(FRAMEWORK_SCORES))
def test_every_framework_has_rules_weighing_on_each_of_its_scores(framework):
    weighs = {r.score for r in RULES if framework in r.frameworks}
    assert FRAMEWORK_SCORES[framework] <= weighs, (
        f"no {framework} rule weighs on {FRAMEWORK_SCORES[framework] - weighs}"
    )


def test_frameworks_are_spelled_one_way():
    # `djangorestframework` beside `drf` would hide a rule from the check above
    names = {f for r in RULES for f in r.frameworks}
    assert not names & {"djangorestframework", "rest_framework"}
    assert names >= set(FRAMEWORK_SCORES)
