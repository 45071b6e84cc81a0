"""Property tests through the engine (``analyze`` + ``findings_for``, as a
Project runs them) and through the fix and suppress edit paths.

For every generated project: no exception escapes, no detector error is
recorded, every position of a finding, a related location and an edit lies
inside its text, every fix applied to a file that compiled leaves it compiling
(and, re-analysed, reports fewer findings of that rule), and every Suppress edit
leaves the file compiling and silences its finding."""

from __future__ import annotations

import random

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from .budget import count, drive_property, property_settings, spent
from .mutate import TYPOS, mutate
from .strategies import projects
from .support import check_all, describe


def _assert_holds(name: str, files: dict[str, str]) -> None:
    if spent(name):
        return
    count(name)
    problems = check_all(files)
    assert not problems, "\n".join(problems) + "\n\ninput:\n" + describe(files)


@property_settings(quick_examples=80)
@given(projects())
def _engine(files):
    _assert_holds("engine", files)


def test_engine_promises_hold_on_generated_projects():
    drive_property("engine", _engine)


# each defect's smallest known trigger runs first, whatever hypothesis draws
ITEM5_EXAMPLE = {
    "shop/views.py": "import requests\n\n\ndef f():\n    x = 1  # a\u2028b\n"
    '    requests.get("https://e.example/")\n    return x\n'
}
ITEM6_EXAMPLE = {
    "shop/services.py": "from django.db import models\n\n\nclass Voucher(models.Model):\n"
    "    code = models.CharField(max_length=10)\n\n\ndef f():\n"
    "    return Voucher.objects.filter(code=1)\n"
}


@property_settings(quick_examples=15, shrink=False)
@given(projects(item5=True))
@example(ITEM5_EXAMPLE)
def _engine_item5(files):
    _assert_holds("engine_item5", files)


def test_engine_promises_hold_with_splitlines_only_line_breaks():
    drive_property("engine_item5", _engine_item5)


@property_settings(quick_examples=10, shrink=False)
@given(projects(), st.randoms(use_true_random=False))
@example(ITEM6_EXAMPLE, random.Random(1))  # inserts a.b="x" into filter()
def _engine_typos(files, rnd):
    files = dict(files)
    victim = "shop/views.py" if "shop/views.py" in files else sorted(files)[0]
    files[victim], _ = mutate(rnd, files[victim], TYPOS, rounds=rnd.choice([1, 2]))
    _assert_holds("engine_typos", files)


def test_engine_promises_hold_with_typos_met_while_typing():
    drive_property("engine_typos", _engine_typos)


# -------------------------------------------------------------- hypothesmith

try:
    import hypothesmith
except ImportError:  # pragma: no cover - it installs from PyPI with the dev extra
    hypothesmith = None


@property_settings(quick_examples=3)
@given(hypothesmith.from_grammar() if hypothesmith else st.just(""))
def _hypothesmith(source):
    # arbitrary Python beside a models file, so that cross-file checks run too
    files = {
        "shop/models.py": "from django.db import models\n\n\nclass Order(models.Model):\n"
        "    status = models.CharField(max_length=20)\n",
        "shop/views.py": source,
    }
    _assert_holds("hypothesmith", files)


@pytest.mark.skipif(hypothesmith is None, reason="hypothesmith is not installed")
def test_engine_promises_hold_on_arbitrary_python():
    drive_property("hypothesmith", _hypothesmith)
