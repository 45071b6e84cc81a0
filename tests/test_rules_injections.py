"""Client data in log messages (VAL014), XPath expressions (VAL015), LDAP search
filters (VAL016) and regular expressions (VAL017), and the quick fix of VAL009
for Django redirects. Each test reads what a user sees: the rule, the line and
columns of the argument, the source named in the message."""

from __future__ import annotations

import textwrap

import pytest

from .helpers import analyze_files, only

CODES = ("VAL014", "VAL015", "VAL016", "VAL017")

HEAD = """\
import logging
import re

import ldap
from django.conf import settings
from ldap.filter import escape_filter_chars, filter_format
from lxml import etree

logger = logging.getLogger(__name__)
TREE = etree.parse("catalogue.xml")
"""


def run(tmp_path, files: dict[str, str]):
    files = {k: textwrap.dedent(v) for k, v in files.items()}
    return analyze_files(tmp_path, files)


def view(body: str, head: str = HEAD) -> str:
    return head + textwrap.dedent(f"""

        def view(request):
            conn = ldap.initialize(settings.LDAP_URL)
            value = request.GET.get("q", "")
            return {body}
        """)


def injections(found):
    return [f for f in found if f.code in CODES]


@pytest.mark.parametrize(
    "code, body, argument, words",
    [
        ("VAL014", 'logger.info(f"search for {value}")', 'f"search for {value}"', "log message"),
        ("VAL014", 'logger.warning("search for " + value)', '"search for " + value', "newline"),
        ("VAL014", 'logger.error("search for %s" % value)', '"search for %s" % value', "%r"),
        ("VAL014", "logging.log(logging.INFO, value)", "value", "log message"),
        ("VAL014", 'self.logger.info(msg=f"q={value}")', 'f"q={value}"', "log message"),
        (
            "VAL015",
            "TREE.xpath(f\"//item[@name='{value}']\")",
            "f\"//item[@name='{value}']\"",
            "XPath",
        ),
        (
            "VAL015",
            'etree.XPath("//a[@id=\'" + value + "\']")',
            '"//a[@id=\'" + value + "\']"',
            "$",
        ),
        (
            "VAL016",
            'conn.search_s("dc=x", ldap.SCOPE_SUBTREE, f"(uid={value})")',
            'f"(uid={value})"',
            "escape_filter_chars",
        ),
        (
            "VAL016",
            'conn.search("dc=x", ldap.SCOPE_SUBTREE, filterstr="(cn=" + value + ")")',
            '"(cn=" + value + ")"',
            "LDAP search filter",
        ),
        ("VAL017", 're.search(value, "text")', "value", "re.escape"),
        ("VAL017", 're.compile(f"^{value}$", re.I)', 'f"^{value}$"', "regular expression"),
        ("VAL017", 're.sub(pattern=value, repl="", string="text")', "value", "backtracks"),
    ],
)
def test_client_data_reaching_the_sink(tmp_path, code, body, argument, words):
    src = view(body)
    found = run(tmp_path, {"app/views.py": src})
    hits = injections(found)
    assert [f.code for f in hits] == [code], [(f.code, f.message) for f in found]
    f = hits[0]
    line_no = src.splitlines().index(f"    return {body}") + 1
    line = src.splitlines()[line_no - 1]
    assert f.start[0] == line_no
    assert line[f.start[1] : f.end[1]] == argument
    assert "client data (request.GET, line 15)" in f.message and words in f.message


@pytest.mark.parametrize(
    "body",
    [
        # lazy arguments, repr, !r and %r: the value is not the message
        'logger.info("search for %s", value)',
        'logger.info(f"search for {value!r}")',
        'logger.info("search for %r" % value)',
        'logger.info("search for {!r}".format(value))',
        'logger.info("search for " + repr(value))',
        'logger.info("search for " + json.dumps(value))',
        'logger.info(f"page {int(value)}")',
        'logger.info(f"backend {settings.SEARCH_BACKEND}")',
        'logger.info(f"user {request.user.pk} via {request.method}")',
        'logger.info(f"query {request.GET} body {request.body}")',  # repr() of both
        "math.log(len(value))",  # not a logger
        # XPath variables
        'TREE.xpath("//item[@name=$name]", name=value)',
        'etree.XPath("//item[@name=$name]")(TREE, name=value)',
        'TREE.xpath(f"//item[{int(value)}]")',
        # escaped LDAP filters
        'conn.search_s("dc=x", ldap.SCOPE_SUBTREE, f"(uid={escape_filter_chars(value)})")',
        'conn.search_s("dc=x", ldap.SCOPE_SUBTREE, filter_format("(uid=%s)", [value]))',
        'conn.search_s(f"dc={value}", ldap.SCOPE_SUBTREE, "(objectClass=*)")',  # the base
        # regular expressions: escaped, fixed, the data only searched
        're.search(re.escape(value), "text")',
        're.compile("^" + re.escape(value) + "$")',
        're.search(r"\\d+", value)',
        're.sub(r"\\s+", " ", value)',
        "re.compile(settings.SEARCH_PATTERN)",
    ],
)
def test_sanitised_fixed_or_lazy_values_stay_quiet(tmp_path, body):
    head = HEAD.replace("import logging\n", "import json\nimport logging\nimport math\n")
    found = run(tmp_path, {"app/views.py": view(body, head)})
    assert injections(found) == [], [(f.code, f.message) for f in found]


def test_search_is_an_ldap_search_only_where_ldap_is_imported(tmp_path):
    src = """\
        from elasticsearch import Elasticsearch
        from ldap3 import Connection

        es = Elasticsearch()


        def people(request):
            q = request.GET["q"]
            conn = Connection("ldap://x", auto_bind=True)
            conn.search("dc=x", f"(cn={q})")
            conn.search("dc=x", "(objectClass=*)", attributes=[q])
            return conn.entries
        """
    other = """\
        from elasticsearch import Elasticsearch

        es = Elasticsearch()


        def products(request):
            return es.search("products", f"name:{request.GET['q']}")
        """
    found = run(tmp_path, {"app/people.py": src, "app/products.py": other})
    hits = only(found, "VAL016")
    assert [(f.path.rsplit("/", 1)[-1], f.start[0]) for f in hits] == [("people.py", 10)]


def test_a_helper_in_another_file_is_followed(tmp_path):
    found = run(
        tmp_path,
        {
            "app/audit.py": """\
                import logging
                import re

                log = logging.getLogger("audit")


                def note(term):
                    log.info("searched: " + term)


                def finder(term):
                    return re.compile(term)
                """,
            "app/views.py": """\
                from .audit import finder, note


                def search(request):
                    note(request.POST["q"])
                    note("constant")
                    return finder(request.POST["q"]).pattern
                """,
        },
    )
    hits = sorted((f.code, f.path.rsplit("/", 1)[-1], f.start[0]) for f in injections(found))
    assert hits == [("VAL014", "audit.py", 8), ("VAL017", "audit.py", 12)]
    f = only(found, "VAL014")[0]
    assert "views.py:5" in f.message and "through 1 call" in f.message
    assert [r.path.rsplit("/", 1)[-1] for r in f.related] == ["views.py", "views.py"]


def test_structlog_and_test_files_stay_quiet(tmp_path):
    found = run(
        tmp_path,
        {
            "app/views.py": """\
                import structlog

                logger = structlog.get_logger()


                def view(request):
                    logger.info(f"search {request.GET['q']}")
                """,
            "app/tests/test_views.py": """\
                import logging
                import re

                logger = logging.getLogger(__name__)


                def view(request):
                    logger.info(f"search {request.GET['q']}")
                    return re.compile(request.GET["q"])
                """,
        },
    )
    assert injections(found) == []


def test_re_sub_still_passes_the_text_on(tmp_path):
    found = run(
        tmp_path,
        {
            "app/views.py": """\
                import os
                import re


                def view(request):
                    name = re.sub(r"\\s", "", request.GET["name"])
                    os.system("touch " + name)
                """
        },
    )
    assert [f.start[0] for f in only(found, "VAL002")] == [7]


# --- VAL009: the redirect quick fix ----------------------------------------------


def apply(path, fix) -> str:
    text = path.read_text()
    lines = text.splitlines(keepends=True)

    def offset(p):
        return sum(len(x) for x in lines[: p[0] - 1]) + p[1]

    for e in sorted(fix.edits, key=lambda e: e.start, reverse=True):
        text = text[: offset(e.start)] + e.text + text[offset(e.end) :]
    return text


REDIRECT_HEAD = """\
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
"""


@pytest.mark.parametrize(
    "body, after",
    [
        (
            'return redirect(request.GET.get("next", "/"))',
            'return redirect(request.GET.get("next", "/") if url_has_allowed_host_and_scheme('
            'request.GET.get("next", "/"), allowed_hosts={request.get_host()}, '
            'require_https=request.is_secure()) else "/")',
        ),
        (
            "return HttpResponseRedirect(target)",
            "return HttpResponseRedirect(target if url_has_allowed_host_and_scheme(target, "
            "allowed_hosts={request.get_host()}, require_https=request.is_secure()) "
            'else "/")',
        ),
    ],
)
def test_the_redirect_fix_checks_the_target(tmp_path, body, after):
    src = (
        REDIRECT_HEAD
        + f"""

def sign_in(request):
    target = request.POST["next"]
    {body}
"""
    )
    (f,) = only(run(tmp_path, {"app/views.py": src}), "VAL009")
    assert f.fix is not None
    assert f.fix.title == "Redirect only within this site (url_has_allowed_host_and_scheme)"
    text = apply(tmp_path / "app/views.py", f.fix)
    assert after in text
    lines = text.splitlines()
    assert lines[2] == "from django.utils.http import url_has_allowed_host_and_scheme"
    compile(text, "views.py", "exec")
    again = run(tmp_path, {"app/views.py": text})
    assert only(again, "VAL009") == []


def test_the_redirect_fix_keeps_an_existing_import(tmp_path):
    src = """\
        from django.shortcuts import redirect
        from django.utils.http import url_has_allowed_host_and_scheme


        class Back:
            def get(self, request):
                return redirect(request.GET["next"])


        def check(url):
            return url_has_allowed_host_and_scheme(url, allowed_hosts=None)
        """
    (f,) = only(run(tmp_path, {"app/views.py": src}), "VAL009")
    assert f.fix is not None and len(f.fix.edits) == 1
    text = apply(tmp_path / "app/views.py", f.fix)
    compile(text, "views.py", "exec")
    assert only(run(tmp_path, {"app/views.py": text}), "VAL009") == []


@pytest.mark.parametrize(
    "body",
    [
        'return redirect(request.GET["a"] + request.GET["b"])',  # not a plain read
        "return redirect(pick(request))",  # a call: evaluating it twice may differ
        "response = redirect(target)\n    return response",  # not the returned value
        'return redirect(target).set_cookie("a", "b")',
        "return redirect(target, permanent=True)",
    ],
)
def test_no_redirect_fix_where_the_edit_is_not_mechanical(tmp_path, body):
    src = (
        REDIRECT_HEAD
        + "\n\ndef pick(request):\n    return request.GET['next']\n"
        + f"\n\ndef sign_in(request):\n    target = request.POST['next']\n    {body}\n"
    )
    found = only(run(tmp_path, {"app/views.py": src}), "VAL009")
    assert found and all(f.fix is None for f in found)


def test_no_redirect_fix_outside_a_django_view(tmp_path):
    found = run(
        tmp_path,
        {
            "app/views.py": """\
                from django.shortcuts import redirect
                from flask import redirect as flask_redirect, request as flask_request


                def back(req):
                    return redirect(req.GET["next"])


                def flask_back():
                    return flask_redirect(flask_request.args["next"])
                """
        },
    )
    hits = only(found, "VAL009")
    assert all(f.fix is None for f in hits)


def test_objects_lists_and_far_values_in_log_messages_stay_quiet(tmp_path):
    found = run(
        tmp_path,
        {
            "app/views.py": """\
                import logging

                from .helpers import first_hop

                logger = logging.getLogger(__name__)


                def remove_linebreaks(text):
                    return text.replace("\\n", " ")


                class Bulk:
                    def post(self, request):
                        form = self.form(request.POST)
                        instance = form.save()
                        logger.debug(f"Created {instance} on {instance.parent}")
                        groups = request.META.get("HTTP_X_GROUPS", "").split(",")
                        logger.debug(f"Groups are {groups}")
                        logger.debug(f"Payload {request.data.dict()}")
                        for e in form.errors:
                            logger.debug(e.message)
                        logger.debug(f"Next {remove_linebreaks(request.GET['next'])}")
                        name = request.POST.get("name", "").strip()
                        logger.debug(f"Renamed to {name}")
                        first_hop(request.POST["q"])
                """,
            "app/helpers.py": """\
                import logging

                log = logging.getLogger(__name__)


                def first_hop(term):
                    second_hop(term)


                def second_hop(term):
                    log.info(f"too far from the request: {term}")
                """,
        },
    )
    hits = [(f.path.rsplit("/", 1)[-1], f.start[0]) for f in only(found, "VAL014")]
    assert hits == [("views.py", 24)]


def test_no_redirect_fix_for_a_target_the_code_chose(tmp_path):
    src = """\
        from django.http import HttpResponseRedirect


        class Go:
            def get(self, request):
                url = self.pick_url()
                url = url + request.META.get("QUERY_STRING", "")
                return HttpResponseRedirect(url)
        """
    hits = only(run(tmp_path, {"app/views.py": src}), "VAL009")
    assert all(f.fix is None for f in hits)


def test_a_project_check_named_allow_redirect_guards_the_redirect(tmp_path):
    src = """\
        from django.shortcuts import redirect

        from .checks import allow_redirect


        def back(request):
            target = request.GET.get("next", "/")
            if allow_redirect(target):
                return redirect(target)
            return redirect("/")
        """
    assert (
        only(
            run(
                tmp_path,
                {
                    "app/views.py": src,
                    "app/checks.py": "def allow_redirect(u):\n    return False\n",
                },
            ),
            "VAL009",
        )
        == []
    )


def test_a_module_level_logger_under_another_name(tmp_path):
    src = """\
        import logging

        from rich.console import Console

        audit = logging.getLogger("audit")
        console = Console()


        def view(request):
            audit.info(f"export by {request.GET['who']}")
            console.log(f"export by {request.GET['who']}")
            notes.info(f"export by {request.GET['who']}")
        """
    hits = [f.start[0] for f in only(run(tmp_path, {"app/views.py": src}), "VAL014")]
    assert hits == [10]
