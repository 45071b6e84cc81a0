"""Integration & Error Handling: INT003 response-used-without-status-check."""

from __future__ import annotations

import pytest
from backend_lens.model import Severity

from tests.helpers import analyze_files, fix_and_recheck, only, pos_of

RULE_PAGE_EXAMPLE = """
import requests

RATES_URL = "https://rates.example.com/v1/latest"


def exchange_rate(currency: str) -> float:
    answer = requests.get(RATES_URL, params={"base": "EUR"}, timeout=5)
    rates = answer.json()["rates"]
    return float(rates[currency])
"""


def int003(tmp_path, src: str, path: str = "shop/rates.py"):
    return only(analyze_files(tmp_path, {path: src}), "INT003")


def in_function(body: str, imports: str = "import requests", head: str = "def fetch(url):") -> str:
    lines = "\n".join(f"    {line}" for line in body.strip("\n").splitlines())
    return f"{imports}\n\n\n{head}\n{lines}\n"


def test_int003_rule_page_example(tmp_path):
    (f,) = int003(tmp_path, RULE_PAGE_EXAMPLE)
    assert f.start == pos_of(RULE_PAGE_EXAMPLE, "answer.json()")
    assert f.end == (f.start[0], f.start[1] + len("answer.json"))
    assert f.severity == Severity.WARNING
    assert "`answer.json()`" in f.message and "`requests.get()` (line 7)" in f.message
    assert "answer.raise_for_status()" in f.message
    edited, after = fix_and_recheck(tmp_path, f)
    assert (
        'timeout=5)\n    answer.raise_for_status()\n    rates = answer.json()["rates"]\n'
        in edited["shop/rates.py"]
    )
    assert only(after, "INT003") == []


@pytest.mark.parametrize(
    ("imports", "body", "read"),
    [
        (
            "import json\nimport requests",
            "r = requests.post(url, timeout=5)\nreturn json.loads(r.text)",
            "r.text",
        ),
        (
            "import httpx\nimport yaml",
            "r = httpx.get(url)\nreturn yaml.safe_load(r.content)",
            "r.content",
        ),
        (
            "import requests",
            "s = requests.Session()\nr = s.get(url, timeout=5)\nreturn r.json()",
            "r.json",
        ),
        (
            "import requests",
            "with requests.Session() as s:\n    r = s.get(url, timeout=5)\n    return r.json()",
            "r.json",
        ),
        # a check on another name does not count
        (
            "import requests",
            "a = requests.get(url, timeout=5)\nb = requests.get(url, timeout=5)\n"
            "a.raise_for_status()\nreturn b.json()",
            "b.json",
        ),
    ],
)
def test_int003_flags_assigned_answers(tmp_path, imports, body, read):
    src = in_function(body, imports)
    (f,) = int003(tmp_path, src)
    assert f.start == pos_of(src, read)
    assert f.end == (f.start[0], f.start[1] + len(read))
    name = read.split(".")[0]
    edited, after = fix_and_recheck(tmp_path, f)
    assert f"{name}.raise_for_status()\n" in edited["shop/rates.py"]
    assert only(after, "INT003") == []


def test_int003_async_httpx_client(tmp_path):
    src = """
    import httpx


    async def fetch(url):
        async with httpx.AsyncClient() as client:
            answer = await client.get(url)
            return answer.json()
    """
    (f,) = int003(tmp_path, src)
    assert f.start == pos_of(src, "answer.json()")
    assert "`client.get()`" in f.message
    edited, after = fix_and_recheck(tmp_path, f)
    assert (
        "answer = await client.get(url)\n        answer.raise_for_status()\n"
        in (edited["shop/rates.py"])
    )
    assert only(after, "INT003") == []


@pytest.mark.parametrize(
    ("imports", "body", "start", "end"),
    [
        ("import requests", "return requests.get(url, timeout=5).json()", "requests.get", ".json"),
        (
            "from json import loads\nfrom requests import post",
            "return loads(post(url, timeout=5).text, strict=False)",
            "post(",
            ".text",
        ),
        (
            "import requests",
            "s = requests.Session()\nreturn s.get(url, timeout=5).json()['keys']",
            "s.get",
            ".json",
        ),
    ],
)
def test_int003_flags_chained_reads_without_a_fix(tmp_path, imports, body, start, end):
    src = in_function(body, imports)
    (f,) = int003(tmp_path, src)
    assert f.start == pos_of(src, start)
    assert f.end == (f.start[0], pos_of(src, end)[1] + len(end))
    assert f.fix is None


@pytest.mark.parametrize(
    ("imports", "body"),
    [
        # the status is looked at, before or after the read
        (
            "import requests",
            "r = requests.get(url, timeout=5)\nr.raise_for_status()\nreturn r.json()",
        ),
        (
            "import requests",
            "r = requests.get(url, timeout=5)\nif not r.ok:\n    return None\nreturn r.json()",
        ),
        (
            "import requests",
            "r = requests.get(url, timeout=5)\nif r.status_code == 404:\n    return None\nreturn r.json()",
        ),
        (
            "import requests",
            "r = requests.get(url, timeout=5)\ndata = r.json()\nr.raise_for_status()\nreturn data",
        ),
        ("import httpx", "r = httpx.get(url)\nif r.is_error:\n    return None\nreturn r.json()"),
        # handed on: whoever gets it may check
        ("import requests", "r = requests.get(url, timeout=5)\nreturn r"),
        ("import requests", "r = requests.get(url, timeout=5)\nlog(r)\nreturn r.json()"),
        ("import requests", "r = requests.get(url, timeout=5)\nif r:\n    return r.json()"),
        ("import requests", "r = requests.get(url, timeout=5)\nself.last = r\nreturn r.json()"),
        # a body that says itself whether the call worked
        (
            "import requests",
            "data = requests.post(url, timeout=5).json()\nif not data['ok']:\n    raise SlackError(data)",
        ),
        (
            "import requests",
            "r = requests.get(url, timeout=5)\nbody = r.json()\nif body.get('error'):\n    raise ApiError(body)",
        ),
        # no body read as data: raw text or bytes passed on (a preview, a file, a log)
        ("import requests", "r = requests.post(url, timeout=5)\nreturn r.text"),
        (
            "import requests",
            "r = requests.get(url, timeout=5)\nfor chunk in r.iter_content(8192):\n    out.write(chunk)",
        ),
        ("import requests", "return requests.get(url, timeout=5).content"),
        (
            "import json\nimport requests",
            "r = requests.get(url, timeout=5)\nreturn json.dumps(r.text)",
        ),
        (
            "import json\nimport requests",
            "r = requests.get(url, timeout=5)\nreturn json.loads(other, r.text)",
        ),
        ("import requests", "r = requests.get(url, timeout=5)\nreturn r.json"),
        ("import requests", "requests.post(url, json={}, timeout=5)"),
        ("import requests", "r = requests.post(url, timeout=5)\nreturn r.headers['Location']"),
        # not an HTTP answer
        ("import requests", "return cache.get(url).json()"),
        ("import requests", "r = settings.get(url)\nreturn r.text"),
        ("from myproject import requests", "return requests.get(url).json()"),
        ("import requests", "return self.session.get(url).json()"),  # not followed
        # rebound before the read
        ("import requests", "r = requests.get(url, timeout=5)\nr = Cached(url)\nreturn r.json()"),
    ],
)
def test_int003_quiet(tmp_path, imports, body):
    assert int003(tmp_path, in_function(body, imports)) == []


def test_int003_quiet_in_tests(tmp_path):
    src = in_function("return requests.get(url, timeout=5).json()")
    assert int003(tmp_path / "a", src) != []
    assert int003(tmp_path / "b", src, "shop/tests/test_rates.py") == []


def test_int003_no_fix_when_the_assignment_shares_its_line(tmp_path):
    src = in_function("r = requests.get(url, timeout=5); data = r.json()\nreturn data")
    (f,) = int003(tmp_path, src)
    assert f.start == pos_of(src, "r.json()")
    assert f.fix is None
