"""INT001 beyond the module functions of requests: sessions, httpx, urllib,
urllib3, http.client, aiohttp, and an explicit ``timeout=None``."""

from __future__ import annotations

import pytest

from tests.helpers import analyze_files, fix_and_recheck, only, pos_of


def int001(tmp_path, src: str):
    return only(analyze_files(tmp_path, {"shop/client.py": src}), "INT001")


def in_function(body: str, imports: str) -> str:
    lines = "\n".join(f"    {line}" for line in body.strip().splitlines())
    return f"{imports}\n\n\ndef fetch(url, payload, **kwargs):\n{lines}\n"


# (imports, body, the flagged call as written, the fixed call)
FLAGGED = [
    # a requests session bound in the function, by a with statement, or built in place
    (
        "import requests",
        "s = requests.Session()\nreturn s.get(url)",
        "s.get(url)",
        "s.get(url, timeout=10)",
    ),
    (
        "from requests import Session",
        "session = Session()\nsession.headers['X'] = '1'\nreturn session.post(url, json=payload)",
        "session.post(url, json=payload)",
        "session.post(url, json=payload, timeout=10)",
    ),
    (
        "import requests",
        "with requests.Session() as s:\n    return s.send(payload)",
        "s.send(payload)",
        "s.send(payload, timeout=10)",
    ),
    (
        "import requests",
        "return requests.session().request('GET', url)",
        "requests.session().request('GET', url)",
        "requests.session().request('GET', url, timeout=10)",
    ),
    # an explicit timeout=None waits forever, whatever the client
    (
        "import requests",
        "return requests.get(url, timeout=None)",
        "requests.get(url, timeout=None)",
        "requests.get(url, timeout=10)",
    ),
    (
        "import httpx",
        "return httpx.post(url, json=payload, timeout=None)",
        "httpx.post(url, json=payload, timeout=None)",
        "httpx.post(url, json=payload, timeout=10)",
    ),
    (
        "import httpx",
        "with httpx.Client(timeout=(None)) as client:\n    return client.get(url)",
        "httpx.Client(timeout=(None))",
        "httpx.Client(timeout=(10))",
    ),
    (
        "from httpx import AsyncClient",
        "return AsyncClient(base_url=url, timeout=None)",
        "AsyncClient(base_url=url, timeout=None)",
        "AsyncClient(base_url=url, timeout=10)",
    ),
    # urllib.request.urlopen(url, data=None, timeout=<socket default>)
    (
        "import urllib.request",
        "return urllib.request.urlopen(url)",
        "urllib.request.urlopen(url)",
        "urllib.request.urlopen(url, timeout=10)",
    ),
    (
        "from urllib.request import urlopen",
        "return urlopen(url, payload)",
        "urlopen(url, payload)",
        "urlopen(url, payload, timeout=10)",
    ),
    (
        "from urllib import request",
        "return request.urlopen(url, timeout=None)",
        "request.urlopen(url, timeout=None)",
        "request.urlopen(url, timeout=10)",
    ),
    # a urllib3 pool built without a timeout, then a request without one
    (
        "import urllib3",
        "http = urllib3.PoolManager()\nreturn http.request('GET', url)",
        "http.request('GET', url)",
        "http.request('GET', url, timeout=10)",
    ),
    (
        "from urllib3 import HTTPSConnectionPool",
        "pool = HTTPSConnectionPool('api.example.com', maxsize=4)\nreturn pool.urlopen('GET', url)",
        "pool.urlopen('GET', url)",
        "pool.urlopen('GET', url, timeout=10)",
    ),
    (
        "import urllib3",
        "http = urllib3.PoolManager(timeout=3.0)\nreturn http.request('GET', url, timeout=None)",
        "http.request('GET', url, timeout=None)",
        "http.request('GET', url, timeout=10)",
    ),
    # http.client connections: (host, port, timeout)
    (
        "import http.client",
        "conn = http.client.HTTPSConnection('api.example.com')\nconn.request('GET', url)",
        "http.client.HTTPSConnection('api.example.com')",
        "http.client.HTTPSConnection('api.example.com', timeout=10)",
    ),
    (
        "from http.client import HTTPConnection",
        "return HTTPConnection('localhost', 8080)",
        "HTTPConnection('localhost', 8080)",
        "HTTPConnection('localhost', 8080, timeout=10)",
    ),
]


@pytest.mark.parametrize(("imports", "body", "call", "fixed"), FLAGGED)
def test_int001_clients_flagged_and_fixed(tmp_path, imports, body, call, fixed):
    src = in_function(body, imports)
    (f,) = int001(tmp_path, src)
    assert f.start == pos_of(src, call)
    assert f.end == (f.start[0], f.start[1] + len(call))
    assert "timeout" in f.message
    edited, after = fix_and_recheck(tmp_path, f)
    assert fixed in edited["shop/client.py"]
    assert only(after, "INT001") == []


@pytest.mark.parametrize(
    ("imports", "body"),
    [
        # httpx waits 5 seconds by default: no timeout argument is fine
        ("import httpx", "return httpx.get(url)"),
        ("import httpx", "with httpx.Client() as client:\n    return client.get(url)"),
        ("import httpx", "return httpx.AsyncClient(base_url=url)"),
        ("import httpx", "return httpx.get(url, timeout=httpx.Timeout(10.0))"),
        # aiohttp bounds a request to 5 minutes by default (total=300 s, connect 30 s)
        (
            "import aiohttp",
            "async with aiohttp.ClientSession() as s:\n    return await s.get(url)",
        ),
        # sessions given a timeout, or an adapter that may add one
        ("import requests", "s = requests.Session()\nreturn s.get(url, timeout=5)"),
        ("import requests", "s = requests.Session()\nreturn s.get(url, **kwargs)"),
        (
            "import requests",
            "s = requests.Session()\ns.mount('https://', TimeoutAdapter(5))\nreturn s.get(url)",
        ),
        ("import requests", "s = requests.Session()\nreturn s.mount('https://', payload)"),
        # not a session: another object, a rebinding, an unknown receiver
        ("import requests", "s = requests.Session()\ns = RetryingClient(s)\nreturn s.get(url)"),
        ("import requests", "return payload.get(url)"),
        ("import requests", "return self.session.get(url)"),
        ("import requests", "return kwargs.get('timeout')"),
        ("from myproject import Session", "s = Session()\nreturn s.get(url)"),
        ("import requests", "with open(url) as s:\n    return s.read()"),
        # urllib: a timeout given by keyword or position; urllib3's top-level
        # request() waits 3 seconds by default
        ("import urllib.request", "return urllib.request.urlopen(url, timeout=5)"),
        ("import urllib.request", "return urllib.request.urlopen(url, None, 5)"),
        ("import urllib3", "return urllib3.request('GET', url)"),
        (
            "import urllib3",
            "http = urllib3.PoolManager(timeout=2.0)\nreturn http.request('GET', url)",
        ),
        (
            "import urllib3",
            "http = urllib3.PoolManager()\nreturn http.request('GET', url, timeout=3)",
        ),
        ("import urllib3", "return http.request('GET', url)"),  # a pool built elsewhere
        # http.client: a timeout by keyword or position; HTTPSConnection's third
        # argument was key_file before Python 3.12
        ("import http.client", "return http.client.HTTPConnection('h', 80, 5)"),
        ("import http.client", "return http.client.HTTPSConnection('h', timeout=5)"),
        ("import http.client", "return http.client.HTTPSConnection('h', 443, None)"),
    ],
)
def test_int001_clients_quiet(tmp_path, imports, body):
    assert int001(tmp_path, in_function(body, imports)) == []


def test_int001_session_parameter_typed_as_a_session(tmp_path):
    src = """
    import requests


    def push(session: requests.Session, url, event):
        response = session.post(url, json=event)
        response.raise_for_status()


    def pull(session: "MySession", url):
        return session.get(url)
    """
    (f,) = int001(tmp_path, src)
    assert f.start == pos_of(src, "session.post(")
    assert "`session.post()`" in f.message and "requests.Session" in f.message


def test_int001_module_level_session_and_pool(tmp_path):
    src = """
    import requests
    import urllib3

    SESSION = requests.Session()
    MOUNTED = requests.Session()
    MOUNTED.mount("https://", object())
    POOL = urllib3.PoolManager(num_pools=4)
    TWICE = requests.Session()
    TWICE = object()


    def a(url):
        return SESSION.get(url)


    def b(url):
        return MOUNTED.get(url)


    def c(url):
        return POOL.request("GET", url)


    def d(url):
        return TWICE.get(url)


    def e(url, SESSION):
        return SESSION.get(url)


    def f(url):
        SESSION = make_session()
        return SESSION.get(url)
    """
    found = int001(tmp_path, src)
    assert [x.start for x in found] == [pos_of(src, "SESSION.get("), pos_of(src, "POOL.request(")]
    assert "`PoolManager` was built without one" in found[1].message


def test_int001_await_and_chained_session(tmp_path):
    src = """
    import httpx
    import requests


    async def fetch(url):
        response = await httpx.AsyncClient(timeout=None).get(url)
        return response, requests.Session().get(url).json()
    """
    first, second = int001(tmp_path, src)
    assert first.start == pos_of(src, "httpx.AsyncClient(")  # after `await`
    assert "`httpx.AsyncClient()` is given `timeout=None`" in first.message
    assert second.start == pos_of(src, "requests.Session()")
    assert second.end == (second.start[0], pos_of(src, ".json()")[1])
    assert "`requests.Session().get()`" in second.message


def test_int001_session_of_the_enclosing_function(tmp_path):
    src = """
    import requests


    def catalogue():
        session = requests.Session()

        def pages():
            yield session.get("https://example.com/1", timeout=3)
            yield session.get("https://example.com/2")

        return list(pages())


    def mounted():
        session = requests.Session()
        session.mount("https://", object())

        def pages():
            yield session.get("https://example.com/1")

        return list(pages())


    def shadowed():
        session = requests.Session()

        def pages(session):
            yield session.get("https://example.com/1")

        return list(pages(object()))
    """
    (f,) = int001(tmp_path, src)
    assert f.start == pos_of(src, 'session.get("https://example.com/2")')
