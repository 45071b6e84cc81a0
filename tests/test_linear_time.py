"""Analysis work grows linearly with the input, on the inputs that used to be quadratic.

No wall clock: the work is counted as the number of lines of Backend Lens's own code
executed (a trace function counts them; parso's parse, which is linear, is not
traced). Each input is analysed at a size n and at 4n; linear work grows about 4x
(a fixed part makes it a little less), quadratic work about 16x. The bound is 5x.
The findings are checked too: the faster algorithms must find the same things.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import backend_lens
import pytest
from backend_lens.engine.project import Project

PACKAGE = str(Path(backend_lens.__file__).resolve().parent)
GROWTH_LIMIT = 5.0  # for 4x the input; quadratic work gives ~16x


def traced_lines(fn) -> int:
    """Lines of backend_lens code executed while ``fn()`` runs."""
    count = 0

    def local(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return local

    def calls(frame, event, arg):
        return local if frame.f_code.co_filename.startswith(PACKAGE) else None

    previous = sys.gettrace()
    sys.settrace(calls)
    try:
        fn()
    finally:
        sys.settrace(previous)
    return count


def check(tmp_path: Path, name: str, text: str) -> tuple[int, Counter]:
    """(lines executed, finding codes) for ``backend-lens check`` of one file."""
    root = tmp_path / name
    (root / "shop").mkdir(parents=True)
    (root / "shop" / "models.py").write_text(MODELS, encoding="utf-8")
    (root / "shop" / "views.py").write_text(text, encoding="utf-8")
    found: list = []

    def run():
        project = Project(root, use_jedi=False)
        project.scan()
        found.extend(project.all_findings())

    work = traced_lines(run)
    return work, Counter(f.code for f in found if f.path.endswith("views.py"))


MODELS = """\
from django.db import models


class Customer(models.Model):
    name = models.CharField(max_length=50)


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)
    status = models.CharField(max_length=20)
"""


def chain(n: int) -> str:
    """``x = a.m0().m1()...`` with n calls."""
    return "x = a" + "".join(f".m{i}()" for i in range(n)) + "\n"


def nested_loops(n: int) -> str:
    """n nested loops over querysets, each with a query, a relation read and a save."""
    out = ["from shop.models import Order\n\n\n", "def view(items):\n"]
    for i in range(n):
        pad = " " * (i + 1)
        out.append(f"{pad}for i{i} in Order.objects.all():\n")
        out.append(f"{pad} Order.objects.filter(pk=i{i}.pk).first()\n")
        out.append(f"{pad} i{i}.customer.save()\n")
    out.append(" " * (n + 1) + "pass\n")
    return "".join(out)


def nested_comprehensions(n: int) -> str:
    """n comprehensions nested in each other's element, reading a relation innermost."""
    inner = "o0.customer.name"
    for i in range(n):
        src = "Order.objects.all()" if i == n - 1 else f"o{i + 1}.items.all()"
        inner = f"[{inner} for o{i} in {src} if o{i}.customer]"
    return f"from shop.models import Order\n\n\ndef view(request):\n    return {inner}\n"


BLOCK = """\


class Report{i}(models.Model):
    title = models.CharField(max_length=50, null=True)


def view_{i}(request):
    qs = Order.objects.filter(status="new")
    qs = qs.filter(customer__name="x")
    return qs.count() > 0
"""


def many_functions(n: int) -> str:
    """A file of n classes and n functions that assign and read the same name."""
    head = "from django.db import models\n\nfrom shop.models import Order\n"
    return head + "".join(BLOCK.format(i=i) for i in range(n))


def nested_ifs(n: int) -> str:
    """n nested ``if`` blocks in an async view inside a transaction, with calls that
    rules judge by what encloses them (a transaction, an async function, a loop)."""
    out = [
        "import time\n\nimport requests\nfrom django.db import transaction\n",
        "from shop.models import Order\n\n\nasync def view(request):\n",
        " with transaction.atomic():\n",
    ]
    for i in range(n):
        pad = " " * (i + 2)
        out.append(f"{pad}if request.GET.get('k{i}'):\n")
        out.append(f"{pad} requests.get(request.GET['u'], timeout=5)\n")
        out.append(f"{pad} time.sleep(0)\n")
        out.append(f"{pad} Order.objects.select_for_update().filter(pk={i}).first()\n")
    out.append(" " * (n + 2) + "pass\n")
    return "".join(out)


def nested_transactions(n: int) -> str:
    """n ``with transaction.atomic():`` blocks nested in each other, a call in each."""
    out = ["from django.db import transaction\n\n\ndef view(request):\n"]
    for i in range(n):
        pad = " " * (i + 1)
        out.append(f"{pad}with transaction.atomic():\n{pad} helper_{i}(request)\n")
    out.append(" " * (n + 1) + "pass\n")
    return "".join(out)


def nested_calls(n: int) -> str:
    """``requests.get(requests.get(...))`` n deep, on one line."""
    return "import requests\n\nx = " + "requests.get(" * n + "u" + ")" * n + "\n"


def long_display(n: int) -> str:
    """A list of n HTTP calls over n lines: a finding in every element."""
    calls = "".join(f"    requests.get('https://example.com/{i}'),\n" for i in range(n))
    return f"import requests\n\nRESPONSES = [\n{calls}]\n"


CASES = {
    # name: (generator, n, findings at n: {code: count} as a function of n)
    "chain": (chain, 500, lambda n: {}),
    "nested-loops": (nested_loops, 30, lambda n: {"ORM001": n, "ORM003": n}),
    "nested-comprehensions": (nested_comprehensions, 20, lambda n: {"ORM001": 1}),
    "long-display": (long_display, 200, lambda n: {"INT001": n}),
    "nested-calls": (nested_calls, 100, lambda n: {"INT001": n}),
    "nested-ifs": (nested_ifs, 40, lambda n: {"PERF001": 3 * n, "TXN002": n, "VAL007": n}),
    "nested-transactions": (nested_transactions, 40, lambda n: {}),
    "large-file": (
        many_functions,
        100,
        lambda n: {"ORM002": n, "DBP001": n, "SCH002": n},
    ),
}


@pytest.fixture(scope="module", autouse=True)
def _warm(tmp_path_factory):
    """Load the catalogue and the rules once, outside the counted work."""
    check(tmp_path_factory.mktemp("warm"), "warm", chain(3))


@pytest.mark.parametrize("case", sorted(CASES))
def test_analysis_work_grows_linearly(tmp_path, case):
    generate, n, expected = CASES[case]
    small_work, small_found = check(tmp_path, "small", generate(n))
    large_work, large_found = check(tmp_path, "large", generate(4 * n))
    for size, found in ((n, small_found), (4 * n, large_found)):
        want = {code: k for code, k in expected(size).items() if k}
        assert dict(found) == want, f"{case} at {size}: {dict(found)}"
    growth = large_work / small_work
    assert growth < GROWTH_LIMIT, (
        f"{case}: {small_work:,} lines of analysis at n={n}, {large_work:,} at 4n "
        f"(x{growth:.1f}; linear work grows ~x4, quadratic ~x16)"
    )


class CountingList(list):
    """A list that counts the elements read from it (by index, slice or iteration)."""

    reads = 0

    def __getitem__(self, key):
        got = super().__getitem__(key)
        CountingList.reads += len(got) if isinstance(key, slice) else 1
        return got

    def __iter__(self):
        for x in super().__iter__():
            CountingList.reads += 1
            yield x


def test_a_chain_of_calls_is_read_in_one_pass(monkeypatch):
    """``calls_in`` reads each part of a chain a bounded number of times; it used to
    copy the chain up to each call (20,000 calls took 16 s)."""
    import parso
    from backend_lens.source import syntax as sx

    original = sx.parts
    monkeypatch.setattr(sx, "parts", lambda node: CountingList(original(node)))
    grammar = parso.load_grammar()
    reads = {}
    for n in (1000, 4000):
        expr = grammar.parse(chain(n)).children[0].children[0].children[-1]
        CountingList.reads = 0
        calls = sx.calls_in(expr)
        reads[n] = CountingList.reads
        assert [c.method for c in calls] == [f"m{i}" for i in range(n)]
        assert [c.callee for c in calls[:2]] == ["a.m0", None]  # a call's result: no name
    assert reads[4000] < GROWTH_LIMIT * reads[1000], reads
    assert reads[4000] < 10 * 4000 * 2, reads  # a few reads per part (a call and a name)


def test_a_deeply_nested_value_keeps_the_facts_of_its_file():
    """Reading the source text of a node no longer recurses once per level (parso's
    get_code does): a settings value nested 3,000 deep used to cost the whole file's
    facts ("too deeply nested to extract facts")."""
    from backend_lens.engine.analysis import analyze

    deep = "{'a': " * 3000 + "1" + "}" * 3000
    text = f"SECRET_KEY = 'x' * 50\nCACHES = {deep}\nDEBUG = False\n"
    result = analyze(text, "/project/shop/settings.py", "shop/settings.py")
    assert result.errors == []
    assert set(result.facts.settings) == {"SECRET_KEY", "CACHES", "DEBUG"}
    assert result.facts.settings["DEBUG"] is False
