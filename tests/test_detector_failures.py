"""A detector that fails on half-typed code costs at most that check on the
statement where it failed: the rest of the file keeps its findings, the user is
told once in one line, and no traceback reaches them."""

from __future__ import annotations

import json
import threading

import pytest
from backend_lens import cli
from backend_lens.detectors import base
from backend_lens.engine import analysis
from backend_lens.engine.project import Project
from backend_lens.engine.worker import AnalysisWorker

from .helpers import write_files

MODELS = """
from django.db import models


class Voucher(models.Model):
    code = models.CharField(max_length=20)


class Order(models.Model):
    reference = models.CharField(max_length=32)
"""

TYPOS = """
import requests

from shop.models import Order, Voucher


def half_typed_keyword():
    return Order.objects.filter(a.b="x")


def half_typed_chain():
    x = Voucher..select_for_update().get()
    return x


def later():
    return requests.get("https://partner.example/ping")


def locked():
    return Voucher.objects.select_for_update().get()


def lookup(ref):
    return Order.objects.filter(reference=ref).first()
"""


def run_check(tmp_path, capsys, *args) -> tuple[int, str, str]:
    code = cli.main(["check", str(tmp_path), "-q", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_typos_met_while_typing_keep_every_later_finding(tmp_path, capsys):
    write_files(tmp_path, {"shop/models.py": MODELS, "shop/views.py": TYPOS})
    code, out, err = run_check(tmp_path, capsys, "--format", "json")
    assert code == 1
    found = [(f["start"]["line"], f["code"]) for f in json.loads(out)]
    assert found == [(16, "INT001"), (20, "TXN001"), (24, "DBP001")]
    assert "Traceback" not in err
    assert "not checked" not in err  # these two typos no longer fail any check


@pytest.fixture
def flaky_int001(monkeypatch):
    """INT001's detector, made to fail on any call inside a function named `boom`."""
    index = next(i for i, d in enumerate(base.REGISTRY) if "INT001" in d.codes)
    real = base.REGISTRY[index]

    def flaky(ctx):
        for item in real.func(ctx):
            if any(
                f.children[1].value == "boom" and f.start_pos[0] <= item.start[0] <= f.end_pos[0]
                for f in ctx.nodes("funcdef")
            ):
                raise AttributeError("half-typed code this check did not expect")
            yield item

    patched = list(base.REGISTRY)
    patched[index] = base.Detector(real.name, real.codes, flaky, real.section)
    monkeypatch.setattr(analysis, "REGISTRY", patched)  # what the engine runs


CALLS = """
import requests


def first():
    return requests.get("https://a.example")


def boom():
    return requests.get("https://b.example")


class Client:
    def fine(self):
        return requests.get("https://c.example")

    def boom(self):
        return requests.get("https://d.example")

    def also_fine(self):
        return requests.post("https://e.example")
"""


def test_a_failing_check_costs_only_the_statements_it_fails_on(tmp_path, capsys, flaky_int001):
    write_files(tmp_path, {"calls.py": CALLS})
    code, out, err = run_check(tmp_path, capsys)
    assert code == 1
    lines = sorted(int(line.split(":")[1]) for line in out.splitlines()[:-1])
    assert lines == [5, 14, 20]  # first(), Client.fine and Client.also_fine; not the two booms
    assert "Traceback" not in err
    warnings = [line for line in err.splitlines() if "not checked" in line]
    assert warnings == [
        "backend-lens: warning: calls.py: INT001 not checked on lines 8-9 (internal error "
        "AttributeError); the rest of the file was checked",
        "backend-lens: warning: calls.py: INT001 not checked on lines 16-17 (internal error "
        "AttributeError); the rest of the file was checked",
    ]


def test_the_server_worker_hands_the_failure_on_with_the_findings(tmp_path, flaky_int001):
    project = Project(tmp_path, use_jedi=False)
    published = []
    done = threading.Event()

    def on_result(pub):
        published.append(pub)
        done.set()

    worker = AnalysisWorker(project, on_result)
    worker.start()
    try:
        worker.submit("file:///calls.py", str(tmp_path / "calls.py"), 1, CALLS.lstrip("\n"))
        assert done.wait(10)
    finally:
        worker.stop()
    (pub,) = published
    assert sorted(f.start[0] for f in pub.findings) == [5, 14, 20]
    assert len(pub.notes) == 2 and all(n.startswith("INT001 not checked") for n in pub.notes)
