"""SVC001 (import cycles between apps) and the graph of apps it reads."""

from __future__ import annotations

from backend_lens.engine.project import Project

from .helpers import (
    analyze_files,
    assert_suppress_edit_silences,
    find_one,
    only,
    pos_of,
    rel,
    write_files,
)

MODELS = """
from django.db import models


class {name}(models.Model):
    code = models.CharField(max_length=20)
"""

LEDGER_POSTING = """
from invoicing.models import Invoice
from ledger.models import Account


def post(invoice: Invoice) -> Account:
    return Account.objects.get(code=invoice.number)
"""

INVOICING_SERVICES = """
from decimal import Decimal

from invoicing.models import Invoice
from ledger.posting import post


def issue(invoice: Invoice, total: Decimal) -> None:
    invoice.total = total
    post(invoice)
"""


def _apps(**extra: str) -> dict[str, str]:
    files = {
        "ledger/__init__.py": "",
        "ledger/models.py": MODELS.format(name="Account"),
        "ledger/posting.py": LEDGER_POSTING,
        "invoicing/__init__.py": "",
        "invoicing/models.py": MODELS.format(name="Invoice"),
        "invoicing/services.py": INVOICING_SERVICES,
    }
    files.update(extra)
    return files


def _project(tmp_path, files) -> Project:
    write_files(tmp_path, files)
    project = Project(tmp_path, use_jedi=False)
    project.scan()
    return project


def test_cycle_reported_once_at_the_first_apps_import(tmp_path):
    found = only(analyze_files(tmp_path, _apps()), "SVC001")
    assert len(found) == 1
    f = found[0]
    assert rel(tmp_path, f) == "invoicing/services.py"
    assert f.start == pos_of(INVOICING_SERVICES, "from ledger.posting import post")
    assert f.end[0] == f.start[0]
    assert "`invoicing -> ledger -> invoicing`" in f.message
    assert "invoicing/services.py:4 imports `ledger`" in f.message
    assert "ledger/posting.py:1 imports `invoicing`" in f.message
    assert "signal" in f.message


def test_one_direction_is_quiet(tmp_path):
    files = _apps()
    files["invoicing/services.py"] = INVOICING_SERVICES.replace(
        "from ledger.posting import post\n", ""
    ).replace("    post(invoice)\n", "")
    assert not only(analyze_files(tmp_path, files), "SVC001")


def test_type_checking_import_is_no_edge(tmp_path):
    services = INVOICING_SERVICES.replace(
        "from ledger.posting import post\n",
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from ledger.posting import post\n",
    )
    assert not only(analyze_files(tmp_path, _apps(**{"invoicing/services.py": services})), "SVC001")


def test_lazy_import_is_an_edge_but_no_cycle(tmp_path):
    services = INVOICING_SERVICES.replace("from ledger.posting import post\n", "").replace(
        "    post(invoice)\n", "    from ledger.posting import post\n\n    post(invoice)\n"
    )
    project = _project(tmp_path, _apps(**{"invoicing/services.py": services}))
    assert not only(project.all_findings(), "SVC001")
    graph = project.index.apps()
    (lazy,) = graph.edges[("invoicing", "ledger")]
    assert lazy.lazy and lazy.start[0] == 8
    assert not graph.cycles and not graph.in_cycle()


def test_three_apps_reported_once_with_each_step(tmp_path):
    files = _apps(
        **{
            "invoicing/services.py": "from billing.tax import rate\n",
            "billing/__init__.py": "",
            "billing/models.py": MODELS.format(name="Tax"),
            "billing/tax.py": "from ledger.models import Account\n\nrate = 1\n",
            "ledger/posting.py": "from invoicing.models import Invoice\n",
        }
    )
    found = only(analyze_files(tmp_path, files), "SVC001")
    assert len(found) == 1
    f = found[0]
    assert rel(tmp_path, f) == "billing/tax.py"
    assert "`billing -> ledger -> invoicing -> billing`" in f.message
    assert "ledger/posting.py:1 imports `invoicing`" in f.message


def test_tests_settings_and_root_urls_make_no_edge(tmp_path):
    files = _apps()
    files["ledger/posting.py"] = "from ledger.models import Account\n"
    files["ledger/tests.py"] = "from invoicing.models import Invoice\n"
    files["ledger/tests/test_post.py"] = "from invoicing.services import issue\n"
    files["proj/__init__.py"] = ""
    files["proj/settings.py"] = "INSTALLED_APPS = ['ledger', 'invoicing']\n"
    files["proj/urls.py"] = "from invoicing import models\nfrom ledger import models as m\n"
    files["ledger/migrations/0001_initial.py"] = "from invoicing.models import Invoice\n"
    project = _project(tmp_path, files)
    assert not only(project.all_findings(), "SVC001")
    graph = project.index.apps()
    assert set(graph.apps) == {"invoicing", "ledger", "proj"}  # proj/__init__.py only
    assert set(graph.edges) == {("invoicing", "ledger")}


def test_apps_inside_a_project_package(tmp_path):
    # saleor's layout: shop/ holds the apps; its own modules belong to none
    files = {
        "shop/__init__.py": "from .celeryconf import app\n",
        "shop/celeryconf.py": "from shop.order.models import Order\n",
        "shop/order/__init__.py": "",
        "shop/order/models.py": MODELS.format(name="Order") + "\nfrom ..graphql.views import api\n",
        "shop/graphql/__init__.py": "",
        "shop/graphql/views.py": "from ..order.models import Order\n\napi = 1\n",
    }
    project = _project(tmp_path, files)
    graph = project.index.apps()
    assert set(graph.apps) == {"shop.order", "shop.graphql"}
    (f,) = only(project.all_findings(), "SVC001")
    assert "`shop.graphql -> shop.order -> shop.graphql`" in f.message
    assert rel(tmp_path, f) == "shop/graphql/views.py"


def test_graph_is_computed_once_per_generation(tmp_path):
    project = _project(tmp_path, _apps())
    first = project.index.apps()
    assert project.index.apps() is first
    project.index.generation["models"] = project.index.generation.get("models", 0) + 1
    assert project.index.apps() is first  # models are not read
    project.index.generation["imports"] += 1
    assert project.index.apps() is not first


def test_import_sites_say_when_they_run(tmp_path):
    text = """
    from typing import TYPE_CHECKING

    import ledger.models
    from . import services

    if TYPE_CHECKING:
        from ledger.posting import post
    else:
        from ledger import posting


    def f():
        from ledger.posting import post as p
        return p
    """
    project = _project(tmp_path, {"invoicing/__init__.py": "", "invoicing/x.py": text})
    (facts,) = [r.facts for p, r in project.results.items() if p.endswith("x.py")]
    got = [(s.start[0], s.base, s.names, s.how) for s in facts.import_sites]
    assert got == [
        (3, "ledger.models", (), ""),
        (4, "invoicing", ("services",), ""),
        (7, "ledger.posting", ("post",), "typing"),
        (9, "ledger", ("posting",), ""),
        (13, "ledger.posting", ("post",), "lazy"),
    ]


def test_suppression_silences(tmp_path):
    f = find_one(analyze_files(tmp_path, _apps()), "SVC001")
    assert_suppress_edit_silences(tmp_path, f)


HOSTILE_APP = 'x"><img src=x onerror=alert(1)><svg onload=alert(2)>'


def test_report_table_and_picture(tmp_path):
    from backend_lens.report.build import build_report, render

    from .test_report_html_safety import assert_inert

    files = _apps()
    files[f"{HOSTILE_APP}/__init__.py"] = ""
    files[f"{HOSTILE_APP}/models.py"] = MODELS.format(name="Hostile") + (
        "\nfrom ledger.models import Account\n\n\ndef close():\n"
        "    Account.objects.filter(code='x').delete()\n"
    )
    project = _project(tmp_path, files)
    report = build_report(project)
    (section,) = [
        s
        for _, sections in report.parts
        for s in sections
        if s.heading == "Service Boundaries & Microservice Design"
    ]
    assert section.table[0] == [
        "App",
        "Imports these apps",
        "Imported by",
        "Import edges",
        "In a cycle",
    ]
    rows = {r[0]: r for r in section.table[1:]}
    assert rows["invoicing"] == ["invoicing", "ledger", "ledger", "2", "yes"]
    assert rows["ledger"][2] == f"invoicing, {HOSTILE_APP}" and rows["ledger"][4] == "yes"
    assert rows[HOSTILE_APP][4] == "no"
    said = " ".join(section.observations)
    assert "`invoicing -> ledger -> invoicing`" in said
    assert "1 of 1 model write" in said and "change another" not in said
    page = render(report, "html")
    parsed = assert_inert(page)
    picture = 'aria-label="Imports between the apps of the project"'
    assert page.count(picture) == 1 and '<figure class="diagram"><svg' in page
    assert HOSTILE_APP in "".join(parsed.text)
    assert 'stroke="#c62828"' in page  # the cycle in red
    md = render(report)
    assert "| invoicing | ledger | ledger | 2 | yes |" in md


def test_no_picture_for_one_app(tmp_path):
    from backend_lens.report.build import build_report, render

    project = _project(
        tmp_path, {"shop/__init__.py": "", "shop/models.py": MODELS.format(name="A")}
    )
    page = render(build_report(project), "html")
    assert "<svg" in page  # the gauges
    assert "Imports between the apps" not in page and 'class="diagram"' not in page


def test_editor_rejudges_when_another_file_breaks_the_cycle(tmp_path):
    from backend_lens.source import parsing

    project = _project(tmp_path, _apps())
    services = str((tmp_path / "invoicing/services.py").resolve())
    posting = str((tmp_path / "ledger/posting.py").resolve())
    project.analyze_open(services, (tmp_path / "invoicing/services.py").read_text(), 1, "svc:s")
    key = "svc:p"
    try:
        assert [f.code for f in project.findings(services) if f.code == "SVC001"] == ["SVC001"]
        lazy = LEDGER_POSTING.replace("from invoicing.models import Invoice\n", "").replace(
            "    return", "    from invoicing.models import Invoice  # noqa\n\n    return"
        )
        _, changed = project.analyze_open(posting, lazy.lstrip("\n"), 1, key)
        assert "imports" in changed
        assert not [f for f in project.findings(services) if f.code == "SVC001"]
        _, changed = project.analyze_open(posting, LEDGER_POSTING.lstrip("\n"), 2, key)
        assert [f.code for f in project.findings(services) if f.code == "SVC001"] == ["SVC001"]
    finally:
        parsing.forget(key)
        parsing.forget("svc:s")
