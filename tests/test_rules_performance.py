"""Performance & Scalability Evaluation: PERF001 blocking-call-in-async-function."""

from __future__ import annotations

import pytest
from backend_lens.model import Severity

from tests.helpers import (
    analyze_files,
    assert_suppress_edit_silences,
    fix_and_recheck,
    only,
    pos_of,
)

RULE_PAGE_EXAMPLE = """
import requests
from fastapi import FastAPI

app = FastAPI()
RATES_URL = "https://rates.example.com/v1/latest"


@app.get("/prices/{currency}")
async def exchange_rate(currency: str) -> dict:
    response = requests.get(RATES_URL, params={"base": "EUR"}, timeout=5)
    response.raise_for_status()
    return {"currency": currency, "rate": response.json()["rates"][currency]}
"""

USE_INSTEAD = """
import httpx
from fastapi import FastAPI

app = FastAPI()
RATES_URL = "https://rates.example.com/v1/latest"


@app.get("/prices/{currency}")
async def exchange_rate(currency: str) -> dict:
    async with httpx.AsyncClient(timeout=5) as client:
        response = await client.get(RATES_URL, params={"base": "EUR"})
    response.raise_for_status()
    return {"currency": currency, "rate": response.json()["rates"][currency]}
"""


def perf001(tmp_path, src: str):
    return only(analyze_files(tmp_path, {"api/routes.py": src}), "PERF001")


def test_perf001_rule_page_example_decorated_fastapi_route(tmp_path):
    (f,) = perf001(tmp_path, RULE_PAGE_EXAMPLE)
    call = 'requests.get(RATES_URL, params={"base": "EUR"}, timeout=5)'
    assert f.start == pos_of(RULE_PAGE_EXAMPLE, call)
    assert f.end == (f.start[0], f.start[1] + len(call))
    assert "requests.get()" in f.message and "event loop" in f.message
    assert f.severity == Severity.WARNING
    assert f.fix is None  # only time.sleep has a mechanical fix


def test_perf001_rule_page_use_instead_is_quiet(tmp_path):
    assert perf001(tmp_path, USE_INSTEAD) == []


@pytest.mark.parametrize(
    ("imports", "call"),
    [
        ("import time", "time.sleep(1)"),
        ("import requests", 'requests.post("https://x", timeout=3)'),
        ("import subprocess", 'subprocess.run(["ls"])'),
        ("import subprocess", 'subprocess.call(["ls"])'),
        ("import subprocess", 'subprocess.check_call(["ls"])'),
        ("import subprocess", 'subprocess.check_output(["ls"])'),
        ("import urllib.request", 'urllib.request.urlopen("https://x")'),
        ("from time import sleep", "sleep(1)"),
        ("from urllib.request import urlopen", 'urlopen("https://x")'),
    ],
)
def test_perf001_blocking_calls(tmp_path, imports, call):
    src = f"""
{imports}


async def handler():
    x = {call}
    return x
"""
    (f,) = perf001(tmp_path, src)
    assert f.start == pos_of(src, call)


def test_perf001_method_of_a_class_and_nested_block(tmp_path):
    src = """
    import time


    class Worker:
        async def run(self, items):
            for item in items:
                if item:
                    time.sleep(0.1)
    """
    (f,) = perf001(tmp_path, src)
    assert f.start == pos_of(src, "time.sleep")


@pytest.mark.parametrize(
    "body",
    [
        # a nested plain def runs wherever it is called (maybe in a thread)
        "def inner():\n        time.sleep(1)\n    return await loop.run_in_executor(None, inner)",
        "return await loop.run_in_executor(None, lambda: time.sleep(1))",
        "await asyncio.sleep(1)",
        "return time.time()",  # not blocking
    ],
)
def test_perf001_quiet_inside_async(tmp_path, body):
    src = f"""
import asyncio
import time


async def handler(loop):
    {body}
"""
    assert perf001(tmp_path, src) == []


def test_perf001_sync_function_is_quiet(tmp_path):
    src = """
    import time

    import requests


    def job():
        time.sleep(1)
        requests.get("https://x", timeout=1)
    """
    assert perf001(tmp_path, src) == []


def test_perf001_fix_for_time_sleep_when_asyncio_is_imported(tmp_path):
    src = """
    import asyncio
    import time


    async def poll(job):
        while not job.done():
            time.sleep(0.5)
        return job
    """
    (f,) = perf001(tmp_path, src)
    assert f.fix is not None and "asyncio.sleep" in f.fix.title
    edited, after = fix_and_recheck(tmp_path, f)
    assert "        await asyncio.sleep(0.5)\n" in edited["api/routes.py"]
    assert "time.sleep" not in edited["api/routes.py"]
    assert only(after, "PERF001") == []


def test_perf001_fix_on_an_assigned_sleep_keeps_the_assignment(tmp_path):
    src = """
    import asyncio
    import time


    async def nap():
        result = time.sleep(1)
        return result
    """
    (f,) = perf001(tmp_path, src)
    edited, after = fix_and_recheck(tmp_path, f)
    assert "    result = await asyncio.sleep(1)\n" in edited["api/routes.py"]
    assert only(after, "PERF001") == []


def test_perf001_no_fix_without_asyncio_import(tmp_path):
    src = """
    import time


    async def nap():
        time.sleep(1)
    """
    (f,) = perf001(tmp_path, src)
    assert f.fix is None


def test_perf001_no_fix_for_other_blocking_calls(tmp_path):
    src = """
    import asyncio
    import subprocess


    async def run():
        subprocess.run(["ls"])
    """
    (f,) = perf001(tmp_path, src)
    assert f.fix is None


def test_perf001_suppress_edit_silences_and_keeps_the_file_parsing(tmp_path):
    found = only(analyze_files(tmp_path, {"api/routes.py": RULE_PAGE_EXAMPLE}), "PERF001")
    assert found
    text = assert_suppress_edit_silences(tmp_path, found[0])
    assert any(
        ln.rstrip().endswith("# backend-lens: ignore[PERF001]") and "response = requests.get(" in ln
        for ln in text.splitlines()
    )
