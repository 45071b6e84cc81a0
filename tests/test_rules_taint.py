"""Client data followed to dangerous calls (facts/taint/, detectors/input_validation):
VAL001 (SQL) with a source, VAL002-VAL009. Each test reads what a user sees: the
rule, the line and columns of the argument, the source named in the message and
the hops listed as related locations."""

from __future__ import annotations

import textwrap

import pytest

from .helpers import analyze_files, only, rel


def run(tmp_path, files: dict[str, str]):
    files = {k: textwrap.dedent(v) for k, v in files.items()}
    return analyze_files(tmp_path, files)


def codes_at(findings, code: str) -> list[tuple[str, int]]:
    return sorted((f.path.rsplit("/", 1)[-1], f.start[0]) for f in only(findings, code))


DJANGO_HEAD = """\
import os
import subprocess
import pickle
import requests
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.safestring import mark_safe
"""


@pytest.mark.parametrize(
    "code, body",
    [
        ("VAL001", "cursor.execute(\"SELECT * FROM t WHERE a = '%s'\" % value)"),
        ("VAL002", 'os.system("convert " + value)'),
        ("VAL002", 'subprocess.run(f"tar -xf {value}", shell=True)'),
        ("VAL003", "eval(value)"),
        ("VAL004", "mark_safe(value)"),
        ("VAL004", "HttpResponse(value)"),
        ("VAL006", "pickle.loads(value)"),
        ("VAL007", "requests.get(value, timeout=3)"),
        ("VAL008", 'open(os.path.join("/srv", value))'),
        ("VAL009", "redirect(value)"),
    ],
)
def test_request_data_reaching_a_sink_in_the_same_view(tmp_path, code, body):
    src = DJANGO_HEAD + textwrap.dedent(f"""

        def view(request):
            cursor = connection.cursor()
            value = request.GET.get("q", "")
            return {body}
        """)
    found = run(tmp_path, {"app/views.py": src})
    hits = only(found, code)
    assert len(hits) == 1, [(f.code, f.start, f.message) for f in found]
    f = hits[0]
    assert f.start[0] == src.splitlines().index(f"    return {body}") + 1
    assert "request.GET" in f.message and "line 13" in f.message
    assert [(r.start[0], r.message) for r in f.related] == [
        (13, "request.GET: client data enters here")
    ]


@pytest.mark.parametrize(
    "code, body",
    [
        ("VAL001", 'cursor.execute("SELECT * FROM t WHERE a = %s", [value])'),
        ("VAL001", "cursor.execute(\"SELECT * FROM t WHERE a = '%s'\" % int(value))"),
        ("VAL002", 'subprocess.run(["convert", value, "out.png"])'),
        ("VAL002", 'os.system("convert " + shlex.quote(value))'),
        ("VAL003", 'eval("1 + 2")'),
        ("VAL004", "mark_safe(escape(value))"),
        ("VAL004", 'HttpResponse(value, content_type="text/plain")'),
        ("VAL006", "json.loads(value)"),
        ("VAL007", 'requests.get(f"https://api.example.com/items/{value}", timeout=3)'),
        ("VAL008", 'open(os.path.join("/srv", os.path.basename(value)))'),
        ("VAL009", 'redirect(f"/items/{value}/")'),
        ("VAL009", 'redirect("item-detail", pk=value)'),
    ],
)
def test_sanitised_or_fixed_values_stay_quiet(tmp_path, code, body):
    src = (
        DJANGO_HEAD
        + "import json\nimport shlex\nfrom django.utils.html import escape\n"
        + textwrap.dedent(f"""

        def view(request):
            cursor = connection.cursor()
            value = request.GET.get("q", "")
            return {body}
        """)
    )
    found = run(tmp_path, {"app/views.py": src})
    assert only(found, code) == [], [(f.code, f.start, f.message) for f in found]


def test_a_helper_in_another_file_is_followed_with_each_hop(tmp_path):
    found = run(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/utils.py": """\
                import subprocess


                def build(name):
                    return "report --name " + name


                def run_report(name):
                    cmd = build(name)
                    subprocess.run(cmd, shell=True)


                def nightly():
                    run_report("all")
                """,
            "app/views.py": """\
                from .utils import run_report


                def report(request):
                    run_report(request.POST["name"])
                """,
        },
    )
    hits = only(found, "VAL002")
    assert len(hits) == 1
    f = hits[0]
    assert rel(tmp_path, f) == "app/utils.py" and f.start == (10, 19)
    assert "request.POST" in f.message and "views.py:5" in f.message
    assert [(rel(tmp_path, r.path), r.start[0], r.message) for r in f.related] == [
        ("app/views.py", 5, "request.POST: client data enters here"),
        ("app/views.py", 5, "passed as `name` to `run_report`"),
        ("app/utils.py", 9, "passed as `name` to `build`"),
        ("app/utils.py", 9, "returned by `build`"),
    ]


def test_a_helper_called_only_with_constants_is_quiet(tmp_path):
    found = run(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/utils.py": """\
                import os


                def purge(folder):
                    os.system("rm -rf /var/cache/" + folder)
                """,
            "app/tasks.py": """\
                from .utils import purge


                def nightly():
                    purge("thumbnails")
                """,
        },
    )
    assert only(found, "VAL002") == []


def test_a_value_returned_by_a_helper_is_followed(tmp_path):
    found = run(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/params.py": """\
                def search_term(request):
                    return request.GET.get("q", "").strip()


                def page(request):
                    return int(request.GET.get("page", 1))
                """,
            "app/views.py": """\
                from django.db import connection

                from .params import page, search_term


                def search(request):
                    term = search_term(request)
                    n = page(request)
                    with connection.cursor() as cursor:
                        cursor.execute(f"SELECT id FROM t WHERE name LIKE '{term}' LIMIT {n}")
                        cursor.execute(f"SELECT id FROM t LIMIT {n}")
                """,
        },
    )
    hits = only(found, "VAL001")
    # line 11 formats what `page()` returns: `int(...)`, not client data
    assert [(rel(tmp_path, f), f.start[0]) for f in hits] == [("app/views.py", 10)]
    assert "request.GET" in hits[0].message and "params.py:2" in hits[0].message
    assert [r.message for r in hits[0].related] == [
        "request.GET: client data enters here",
        "returned by `search_term`",
    ]


def test_celery_task_arguments_that_came_from_a_request(tmp_path):
    found = run(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/tasks.py": """\
                import subprocess

                from celery import shared_task


                @shared_task
                def thumbnail(path):
                    subprocess.run("convert " + path + " thumb.png", shell=True)
                """,
            "app/views.py": """\
                from .tasks import thumbnail


                def upload(request):
                    thumbnail.delay(request.POST["path"])
                """,
        },
    )
    hits = only(found, "VAL002")
    assert [(rel(tmp_path, f), f.start[0]) for f in hits] == [("app/tasks.py", 8)]


def test_flask_request_and_route_arguments(tmp_path):
    found = run(
        tmp_path,
        {
            "app.py": """\
                import os

                from flask import Flask, redirect, render_template_string, request, send_file

                app = Flask(__name__)


                @app.route("/hello")
                def hello():
                    name = request.args.get("name", "")
                    return render_template_string("<p>Hello " + name + "</p>")


                @app.route("/files/<name>")
                def download(name):
                    return send_file(os.path.join("uploads", name))


                @app.route("/items/<int:item_id>")
                def item(item_id):
                    return send_file(f"uploads/{item_id}.pdf")


                @app.route("/go")
                def go():
                    target = request.args["to"]
                    if target not in ALLOWED_TARGETS:
                        return redirect("/")
                    return redirect(target)


                ALLOWED_TARGETS = {"/a", "/b"}
                """,
        },
    )
    assert codes_at(found, "VAL005") == [("app.py", 11)]
    assert codes_at(found, "VAL008") == [("app.py", 16)]
    assert "route parameter `name`" in only(found, "VAL008")[0].message
    assert codes_at(found, "VAL009") == []


def test_fastapi_parameters_typed_as_numbers_are_not_text(tmp_path):
    found = run(
        tmp_path,
        {
            "main.py": """\
                import subprocess

                from fastapi import Depends, FastAPI
                from sqlalchemy import text

                app = FastAPI()


                @app.get("/ping/{host}")
                async def ping(host: str, count: int = 1, db=Depends(get_db)):
                    subprocess.run(f"ping -c {count} {host}", shell=True)
                    db.execute(text(f"SELECT * FROM pings LIMIT {count}"))


                @app.get("/count/{n}")
                async def count(n: int):
                    subprocess.run(f"seq {n}", shell=True)
                """,
        },
    )
    assert codes_at(found, "VAL002") == [("main.py", 11)]
    assert "route parameter `host`" in only(found, "VAL002")[0].message
    assert only(found, "VAL001") == []


def test_settings_and_constants_in_sql_are_not_client_data(tmp_path):
    found = run(
        tmp_path,
        {
            "app/reports.py": """\
                from django.conf import settings
                from django.db import connection

                TABLE = "shop_order"


                def totals(request):
                    with connection.cursor() as cursor:
                        cursor.execute(f"SELECT sum(total) FROM {TABLE}")
                        cursor.execute("SELECT * FROM %s" % settings.REPORT_TABLE)
                        cursor.execute("SELECT 1 FROM t WHERE a = 1" % ())
                        cursor.execute("SELECT * FROM {} LIMIT 5".format("orders"))
                """,
        },
    )
    assert only(found, "VAL001") == []


def test_unsafe_yaml_load_with_and_without_client_data_and_its_fix(tmp_path):
    found = run(
        tmp_path,
        {
            "app/views.py": """\
                import yaml


                def upload(request):
                    return yaml.load(request.body)


                def read_config(path):
                    with open(path) as f:
                        return yaml.load(f)


                def read_safe(path):
                    with open(path) as f:
                        return yaml.load(f, Loader=yaml.SafeLoader)
                """,
        },
    )
    hits = only(found, "VAL006")
    assert [f.start[0] for f in hits] == [5, 10]
    assert "request.body" in hits[0].message
    assert "safe_load" in hits[1].message
    assert all(f.fix is not None and f.fix.edits[0].text == "safe_load" for f in hits)


def test_test_files_are_not_checked_for_client_data(tmp_path):
    found = run(
        tmp_path,
        {
            "app/tests/test_views.py": """\
                import os


                def view(request):
                    os.system("echo " + request.GET["q"])
                """,
        },
    )
    assert only(found, "VAL002") == []


def test_positions_on_lines_with_non_ascii_text(tmp_path):
    found = run(
        tmp_path,
        {
            "app/views.py": """\
                import os


                def view(request):
                    titre = "Élève — ünïcode"; os.system("echo " + request.GET["q"])
                """,
        },
    )
    f = only(found, "VAL002")[0]
    line = 'titre = "Élève — ünïcode"; os.system("echo " + request.GET["q"])'
    assert f.start == (5, 4 + line.index('"echo "'))


def test_class_based_views_and_self_methods(tmp_path):
    found = run(
        tmp_path,
        {
            "app/views.py": """\
                import subprocess

                from django.views import View


                class Export(View):
                    def get(self, request, fmt):
                        return self.convert(request.GET["file"], fmt)

                    def convert(self, path, fmt):
                        subprocess.run(["convert", path, "out." + fmt])
                        return subprocess.check_output("file " + path, shell=True)
                """,
        },
    )
    hits = only(found, "VAL002")
    assert [f.start[0] for f in hits] == [12]
    assert [r.message for r in hits[0].related] == [
        "request.GET: client data enters here",
        "passed as `path` to `Export.convert`",
    ]


def test_editing_the_caller_re_judges_the_helper_in_another_file(tmp_path):
    """The flows are facts: typing in the open view (a constant instead of request
    data) clears the finding in utils.py without a save, and typing it back brings
    it back; moving lines in the view does not re-judge utils.py."""
    from backend_lens.config import load as load_config
    from backend_lens.engine.project import Project
    from backend_lens.source import parsing

    files = {
        "app/__init__.py": "",
        "app/utils.py": "import os\n\n\ndef run(cmd):\n    os.system(cmd)\n",
        "app/views.py": "from .utils import run\n\n\ndef view(request):\n    run(request.GET['c'])\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    p = Project(tmp_path, load_config(tmp_path), use_jedi=False)
    p.scan()
    utils, views = str(tmp_path / "app/utils.py"), str(tmp_path / "app/views.py")
    assert [(f.code, f.start) for f in p.findings(utils)] == [("VAL002", (5, 14))]
    key = "test-taint:views"
    try:
        quiet = files["app/views.py"].replace("request.GET['c']", "'uptime'")
        _, changed = p.analyze_open(views, quiet, 1, key)
        assert "flows" in changed
        assert p.findings(utils) == []
        _, changed = p.analyze_open(views, files["app/views.py"], 2, key)
        assert [(f.code, f.start) for f in p.findings(utils)] == [("VAL002", (5, 14))]
        moved = "\n\n" + files["app/views.py"]
        _, changed = p.analyze_open(views, moved, 3, key)
        assert "flows" not in changed
        related = p.findings(utils)[0].related
        assert [r.path for r in related] == [views, views]
    finally:
        parsing.forget(key)


@pytest.mark.parametrize(
    "source",
    [
        # GraphQL resolver arguments (Graphene)
        "class Query:\n    def resolve_search(root, info, term):\n        return SINK",
        # Channels consumer messages
        "class Chat:\n    def receive(self, text_data=None, bytes_data=None):\n"
        "        term = text_data\n        SINK",
        # DRF view method with a URL parameter
        "class Detail:\n    def get(self, request, slug):\n        term = slug\n        SINK",
        # async SQL drivers
        "async def view(request):\n    term = request.GET['q']\n    SINK",
    ],
)
def test_other_sources_reach_an_async_sql_call(tmp_path, source):
    sink = "await conn.fetch(f\"SELECT * FROM t WHERE a = '{term}'\")"
    body = source.replace("SINK", sink)
    if "async def" not in body:
        body = body.replace("    def ", "    async def ")
    found = run(tmp_path, {"app/api.py": "conn = None\n\n\n" + body + "\n"})
    assert len(only(found, "VAL001")) == 1, [(f.code, f.message) for f in found]
    assert "client data" in only(found, "VAL001")[0].message


def test_a_helper_shaped_like_a_view_is_judged_by_its_callers(tmp_path):
    """`render_page(request, page)` looks like a view, but the project calls it with
    a model object: its parameters come from the callers, not from a URL."""
    found = run(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/views.py": """\
                from django.http import HttpResponse
                from django.utils.safestring import mark_safe

                from .models import Page


                def render_page(request, page):
                    return HttpResponse(mark_safe(page))


                def page_view(request, url):
                    return render_page(request, Page.objects.get(url=url).content)


                def preview(request, html):
                    return HttpResponse(mark_safe(html))
                """,
        },
    )
    assert codes_at(found, "VAL004") == [("views.py", 16)]
    assert "URL parameter `html`" in only(found, "VAL004")[0].message


def test_client_data_only_in_the_query_string_keeps_the_target(tmp_path):
    found = run(
        tmp_path,
        {
            "app/views.py": """\
                import requests
                from django.shortcuts import redirect


                def done(request):
                    url = "/orders/done?ref=" + request.GET["ref"]
                    return redirect(url)


                def lookup(request):
                    api = f"https://api.example.com/search?q={request.GET['q']}"
                    return requests.get(api, timeout=5).json()


                def bounce(request):
                    url = request.GET["to"] + "?from=app"
                    return redirect(url)
                """,
        },
    )
    assert codes_at(found, "VAL009") == [("views.py", 17)]
    assert only(found, "VAL007") == []


@pytest.mark.parametrize(
    "before, after",
    [
        (
            'subprocess.run(f"convert {path} -resize 64x64 out.png", shell=True)',
            'subprocess.run(["convert", path, "-resize", "64x64", "out.png"])',
        ),
        (
            'subprocess.check_output("file " + path, shell=True, text=True)',
            'subprocess.check_output(["file", path], text=True)',
        ),
    ],
)
def test_the_shell_fix_passes_an_argument_list(tmp_path, before, after):
    src = "import subprocess\n\n\ndef view(request):\n    path = request.GET['p']\n    {}\n"
    found = run(tmp_path, {"app/views.py": src.format(before)})
    (f,) = only(found, "VAL002")
    assert f.fix is not None and f.fix.title == "Pass an argument list instead of shell=True"
    text = (tmp_path / "app/views.py").read_text()
    lines = text.splitlines(keepends=True)
    for e in sorted(f.fix.edits, key=lambda e: e.start, reverse=True):
        offset = lambda p: sum(len(x) for x in lines[: p[0] - 1]) + p[1]  # noqa: E731
        text = text[: offset(e.start)] + e.text + text[offset(e.end) :]
    assert after in text
    compile(text, "views.py", "exec")
    assert only(run(tmp_path, {"app/views.py": text}), "VAL002") == []


@pytest.mark.parametrize(
    "body",
    [
        'subprocess.run(f"tar -czf {path}.tgz data", shell=True)',  # glued to text
        'subprocess.run(f"ls {path} | wc -l", shell=True)',  # a pipe needs the shell
        'subprocess.run(f"{path} --version", shell=True)',  # the program is the data
    ],
)
def test_no_shell_fix_when_the_shell_does_work(tmp_path, body):
    src = "import subprocess\n\n\ndef view(request):\n    path = request.GET['p']\n    {}\n"
    (f,) = only(run(tmp_path, {"app/views.py": src.format(body)}), "VAL002")
    assert f.fix is None
