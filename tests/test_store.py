"""A FileResult survives pickling (engine/store.py): worker processes send
results back as bytes, and the cache keeps them on disk."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from backend_lens import catalogue
from backend_lens.engine import store
from backend_lens.engine.analysis import findings_for
from backend_lens.engine.project import Project
from backend_lens.model import Deferred, FileResult, Finding
from backend_lens.source import parsing

from .helpers import example_files, write_files

ROOT = Path(__file__).resolve().parents[1]
SHOP = ROOT / "examples" / "shop"


def keys(findings: list[Finding]) -> list[tuple]:
    return [
        (f.path, f.start, f.end, f.code, f.message, f.severity, f.fix, f.related) for f in findings
    ]


def round_trip_matches(project: Project) -> int:
    """Pickle every result of ``project``; the copies judge exactly like the originals.
    Returns the number of deferred checks that went through."""
    deferred = 0
    for path, result in sorted(project.results.items()):
        copy = store.loads(store.dumps(result))
        assert copy is not result and copy.facts is not result.facts
        assert keys(findings_for(copy, project.index)) == keys(
            findings_for(result, project.index)
        ), path
        # the copies' deferred checks read the copy's own facts, as the originals do
        assert copy.facts == result.facts
        deferred += len(copy.deferred)
    return deferred


def test_every_result_of_the_example_round_trips():
    project = Project(SHOP, use_jedi=False)
    project.scan()
    assert len(project.results) > 40
    assert round_trip_matches(project) > 20
    assert any(findings_for(r, project.index) for r in project.results.values())


def test_every_detector_round_trips(tmp_path):
    """Each rule page's Example (which triggers its rule) in its own project: every
    detector's local and deferred findings come back the same from the bytes."""
    codes_seen: set[str] = set()
    for rule in catalogue.load():
        folder = tmp_path / rule.code
        write_files(
            folder, example_files(rule.code_block("Example"), rule.example_path or "example.py")
        )
        project = Project(folder, use_jedi=False)
        project.scan()
        round_trip_matches(project)
        for result in project.results.values():
            codes_seen.update(
                f.code for f in findings_for(store.loads(store.dumps(result)), project.index)
            )
    assert codes_seen >= {r.code for r in catalogue.load()}


def test_a_deferred_check_holding_a_parse_tree_node_is_refused():
    module = parsing.parse("x = 1\n")
    node = module.children[0]

    def judge(index, node=node):
        yield from ()

    result = FileResult(path="/p/a.py", version=None, facts=None)
    result.deferred.append(Deferred(frozenset({"models"}), judge))
    with pytest.raises(store.StoreError, match="parse-tree node"):
        store.dumps(result)


def test_closures_round_trip_with_cells_recursion_and_empty_cells():
    base = 10

    def outer():
        def count(n):  # refers to itself through its own cell
            return 0 if n == 0 else base + count(n - 1)

        return count

    count = outer()

    def later(index):
        return [helper(index)]  # noqa: F821 - an empty cell when saved

    result = FileResult(path="/p/a.py", version=None, facts={"k": (1, 2)})
    result.deferred += [Deferred(frozenset(), count), Deferred(frozenset(), later)]
    copy = store.loads(store.dumps(result))
    assert copy.deferred[0].judge(3) == 30
    assert copy.facts == {"k": (1, 2)}
    with pytest.raises(NameError):
        copy.deferred[1].judge(None)


def test_bytes_that_are_not_a_result_are_refused():
    with pytest.raises(pickle.UnpicklingError):
        store.loads(pickle.dumps(["not", "a", "result"]))


def test_facts_of_different_files_share_equal_values():
    project = Project(SHOP, use_jedi=False)
    project.scan()
    a, b = (project.results[str(SHOP / f"{app}/views.py")].facts for app in ("orders", "catalog"))
    before = store.loads(store.dumps(project.results[a.path])).facts
    shared = [
        k
        for k in a.int_arguments
        if k in b.int_arguments and a.int_arguments[k] == b.int_arguments[k]
    ]
    assert shared  # the example's views call the same names the same way
    assert all(a.int_arguments[k] is b.int_arguments[k] for k in shared)
    assert before == a  # equal values: nothing that reads them can tell


def test_deferred_judgements_share_the_set_of_what_they_read():
    """A scan holds every deferred judgement (tens of thousands on Django): the
    fact kinds each reads are one frozenset per distinct set, in the process that
    made them and in the one that loads them from a worker or the cache."""
    project = Project(SHOP, use_jedi=False)
    project.scan()
    made = [d for r in project.results.values() for d in r.deferred]
    loaded = [d for r in project.results.values() for d in store.loads(store.dumps(r)).deferred]
    for judgements in (made, loaded):
        distinct = {d.reads for d in judgements}
        assert 1 < len(distinct) < len(judgements)
        assert len({id(d.reads) for d in judgements}) == len(distinct)
