"""Integration & Communication Patterns: INT001 http-call-without-timeout."""

from __future__ import annotations

import pytest
from backend_lens.model import Severity

from tests.helpers import (
    analyze_files,
    apply_suppression,
    assert_parses,
    find_one,
    fix_and_recheck,
    only,
    pos_of,
    reanalyze,
)

RULE_PAGE_EXAMPLE = """
import requests

from payments.models import Payment

GATEWAY_URL = "https://api.gateway.example.com/v2"


def capture_payment(payment: Payment) -> dict:
    response = requests.post(
        f"{GATEWAY_URL}/charges/{payment.charge_id}/capture",
        json={"amount": str(payment.amount)},
    )
    response.raise_for_status()
    return response.json()
"""

USE_INSTEAD = RULE_PAGE_EXAMPLE.replace(
    '        json={"amount": str(payment.amount)},\n',
    '        json={"amount": str(payment.amount)},\n        timeout=(3.05, 15),\n',
)


def client(call: str, imports: str = "import requests") -> str:
    return f"""
{imports}


def fetch(url, payload, **kwargs):
    return {call}
"""


def int001(tmp_path, src: str):
    return only(analyze_files(tmp_path, {"shop/client.py": src}), "INT001")


def test_int001_rule_page_example(tmp_path):
    (f,) = int001(tmp_path, RULE_PAGE_EXAMPLE)
    assert f.start == pos_of(RULE_PAGE_EXAMPLE, "requests.post(")
    assert f.end == (pos_of(RULE_PAGE_EXAMPLE, "    )")[0], 5)  # through the closing parenthesis
    assert "requests.post()" in f.message and "timeout" in f.message
    assert f.severity == Severity.WARNING
    assert f.fix is not None and "timeout=10" in f.fix.title


def test_int001_rule_page_use_instead_is_quiet(tmp_path):
    assert "timeout=(3.05, 15)" in USE_INSTEAD
    assert int001(tmp_path, USE_INSTEAD) == []


def test_int001_fix_on_a_multi_line_call_with_trailing_comma(tmp_path):
    (f,) = int001(tmp_path, RULE_PAGE_EXAMPLE)
    edited, after = fix_and_recheck(tmp_path, f)
    assert (
        '        json={"amount": str(payment.amount)},\n        timeout=10,\n    )'
        in edited["shop/client.py"]
    )
    assert only(after, "INT001") == []


@pytest.mark.parametrize(
    ("call", "fixed"),
    [
        ("requests.get(url)", "requests.get(url, timeout=10)"),
        ("requests.post(url, json=payload)", "requests.post(url, json=payload, timeout=10)"),
        ("requests.put(url,)", "requests.put(url, timeout=10,)"),
        ("requests.options()", "requests.options(timeout=10)"),
        ('requests.request("PATCH", url)', 'requests.request("PATCH", url, timeout=10)'),
        ("requests.get(url).json()", "requests.get(url, timeout=10).json()"),
    ],
)
def test_int001_flags_and_fixes(tmp_path, call, fixed):
    src = client(call)
    (f,) = int001(tmp_path, src)
    assert f.start == pos_of(src, "requests.")
    edited, after = fix_and_recheck(tmp_path, f)
    assert f"    return {fixed}\n" in edited["shop/client.py"]
    assert only(after, "INT001") == []


@pytest.mark.parametrize(
    ("imports", "call", "shown"),
    [
        ("from requests import get", "get(url)", "get()"),
        ("from requests import post as send", "send(url, data=payload)", "send()"),
        ("import requests as rq", "rq.delete(url)", "rq.delete()"),
        ("import requests", "requests.head(url)", "requests.head()"),
    ],
)
def test_int001_import_forms(tmp_path, imports, call, shown):
    src = client(call, imports)
    (f,) = int001(tmp_path, src)
    assert f.start == pos_of(src, call)
    assert f"`{shown}`" in f.message


@pytest.mark.parametrize(
    ("imports", "call"),
    [
        ("import requests", "requests.get(url, timeout=5)"),
        ("import requests", "requests.post(url, **kwargs)"),  # may carry a timeout
        ("import httpx", "httpx.get(url)"),  # httpx has a default timeout
        ("from httpx import get", "get(url)"),
        ("import requests", "requests.Session().mount(url, payload)"),
        ("import requests", "requests.get(url, timeout=settings.TIMEOUT)"),
        ("from myproject import requests", "requests.get(url)"),  # not the library
        ("", "get(url)"),  # an unknown function
    ],
)
def test_int001_quiet_cases(tmp_path, imports, call):
    assert int001(tmp_path, client(call, imports)) == []


def test_int001_column_in_code_points_and_fix_after_non_ascii_text(tmp_path):
    src = """
    import requests


    def ping():
        return requests.get("https://café.example/😀/ping")
    """
    (f,) = int001(tmp_path, src)
    assert f.start == pos_of(src, "requests.get")
    # the call ends after the emoji: columns count code points, not UTF-16 units or bytes
    line = 'return requests.get("https://café.example/😀/ping")'
    assert f.end == (f.start[0], 4 + len(line))
    edited, after = fix_and_recheck(tmp_path, f)
    assert 'requests.get("https://café.example/😀/ping", timeout=10)\n' in edited["shop/client.py"]
    assert only(after, "INT001") == []


def test_int001_suppression_on_second_line_of_multi_line_call(tmp_path):
    src = """
    import requests


    def ping(url):
        return requests.get(
            url)  # backend-lens: ignore[INT001]
    """
    assert int001(tmp_path, src) == []
    f = find_one(
        analyze_files(
            tmp_path, {"shop/client.py": src.replace("  # backend-lens: ignore[INT001]", "")}
        ),
        "INT001",
    )
    assert f.start == pos_of(src, "requests.get")
    assert f.stmt_lines == (f.start[0], f.start[0] + 1)


def test_int001_suppression_by_name(tmp_path):
    src = """
    import requests

    r = requests.get("https://example.com")  # backend-lens: ignore[http-call-without-timeout]
    """
    assert int001(tmp_path, src) == []


def test_int001_suppress_edit_on_multi_line_call(tmp_path):
    (f,) = int001(tmp_path, RULE_PAGE_EXAMPLE)
    text = apply_suppression(tmp_path, f)["shop/client.py"]
    assert_parses(text)
    assert "# backend-lens: ignore[INT001]" in text
    assert only(reanalyze(tmp_path), "INT001") == []
