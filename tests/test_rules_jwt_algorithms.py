"""Data Protection & Encryption: SEC011 jwt-algorithm-not-pinned."""

from __future__ import annotations

import pytest
from backend_lens.model import Severity

from tests.helpers import analyze_files, assert_suppress_edit_silences, only, pos_of


def run(tmp_path, src: str, path: str = "api/auth.py", code: str = "SEC011"):
    return only(analyze_files(tmp_path, {path: src}), code)


POSITIVES = """
import jwt
from authlib.jose import JsonWebToken
from jose import jws
from jose import jwt as jose_jwt
from jose.constants import ALGORITHMS

MIXED = ["HS256", "RS256"]


def a(token, key):
    return jose_jwt.decode(token, key)


def b(token, key):
    return jose_jwt.decode(token, key, algorithms=None, audience="api")


def c(token, key):
    header = jwt.get_unverified_header(token)
    return jwt.decode(token, key, algorithms=[header["alg"]])


def d(token, key):
    alg = jwt.get_unverified_header(token).get("alg")
    if alg == "none":
        raise ValueError(alg)
    return jwt.decode(token, key, algorithms=[alg])


def e(token, key):
    return jwt.decode(token, key, algorithms=MIXED)


def f(token, key):
    return jose_jwt.decode(token, key, algorithms=[ALGORITHMS.HS256, ALGORITHMS.ES256])


def g(token, key):
    return jwt.decode(token, key, algorithms=jwt.algorithms.get_default_algorithms())


def h(token, key):
    return jws.verify(token, key, None)


authlib_jwt = JsonWebToken(["HS256", "RS256"])
"""


def test_sec011_flags_algorithms_left_to_the_token(tmp_path):
    found = run(tmp_path, POSITIVES)
    starts = [f.start for f in found]
    assert starts == [
        pos_of(POSITIVES, "jose_jwt.decode(token, key)"),
        pos_of(POSITIVES, "jose_jwt.decode(token, key, algorithms=None"),
        pos_of(POSITIVES, 'jwt.decode(token, key, algorithms=[header["alg"]])'),
        pos_of(POSITIVES, "jwt.decode(token, key, algorithms=[alg])"),
        pos_of(POSITIVES, "jwt.decode(token, key, algorithms=MIXED)"),
        pos_of(POSITIVES, "jose_jwt.decode(token, key, algorithms=[ALGORITHMS"),
        pos_of(POSITIVES, "jwt.decode(token, key, algorithms=jwt.algorithms"),
        pos_of(POSITIVES, "jws.verify("),
        pos_of(POSITIVES, "JsonWebToken(["),
    ]
    first = found[0]
    assert first.end == (first.start[0], first.start[1] + len("jose_jwt.decode(token, key)"))
    assert "python-jose" in first.message and 'algorithms=["HS256"]' in first.message
    assert "get_unverified_header" in found[2].message
    assert "HS256" in found[4].message and "RS256" in found[4].message
    assert "key confusion" in found[4].message
    assert "HS256" in found[5].message and "ES256" in found[5].message
    assert "every algorithm" in found[6].message
    assert all(f.severity == Severity.ERROR for f in found)
    assert all(f.fix is None for f in found)


QUIET = """
import jwt
from authlib.jose import JsonWebToken, jwt as authlib_jwt
from django.conf import settings
from jose import jwt as jose_jwt

SIGNED_WITH = ("RS256",)


def pyjwt_without_algorithms(token, key):
    return jwt.decode(token, key)  # PyJWT 2 refuses this itself


def pinned(token, key):
    a = jwt.decode(token, key, algorithms=["HS256"])
    b = jose_jwt.decode(token, key, algorithms=["RS256", "ES256"])
    c = jose_jwt.decode(token, key, "HS256")
    d = jose_jwt.decode(token, key, algorithms=settings.JWT_ALGORITHM)
    return a, b, c, d


def key_from_the_header_algorithm_fixed(token, keys):
    header = jwt.get_unverified_header(token)
    return jwt.decode(token, keys[header["kid"]], algorithms=SIGNED_WITH)


def header_algorithm_checked(token, key):
    alg = jwt.get_unverified_header(token)["alg"]
    if alg not in SIGNED_WITH:
        raise jwt.InvalidAlgorithmError(alg)
    return jwt.decode(token, key, algorithms=[alg])


def algorithm_of_the_servers_key(token, jwks_client):
    signing_key = jwks_client.get_signing_key_from_jwt(token)
    return jwt.decode(token, signing_key.key, algorithms=[signing_key.algorithm_name])


def options_passed_on(token, key, **options):
    return jose_jwt.decode(token, key, **options)


def authlib_decode(token, keys):
    return authlib_jwt.decode(token, keys)


rs_only = JsonWebToken(["RS256", "ES256"])


def display_claims(token):
    return jose_jwt.decode(token, None, options={"verify_signature": False})


def the_none_algorithm(token, key):
    return jwt.decode(token, key, algorithms=["none", "HS256"])


def not_a_token(data):
    return data.decode("utf-8")
"""


def test_sec011_quiet_on_pinned_algorithms(tmp_path):
    assert run(tmp_path, QUIET) == []


def test_sec011_leaves_unverified_decodes_to_sec005(tmp_path):
    found = analyze_files(tmp_path, {"api/auth.py": QUIET})
    assert [f.start[0] for f in only(found, "SEC005")] == [
        pos_of(QUIET, '"verify_signature": False')[0],
        pos_of(QUIET, 'algorithms=["none"')[0],
    ]
    assert only(found, "SEC011") == []


@pytest.mark.parametrize("path", ["tests/test_auth.py", "api/tests/conftest.py", "docs/jwt.py"])
def test_sec011_quiet_in_tests_and_docs(tmp_path, path):
    assert run(tmp_path, POSITIVES, path) == []


def test_sec011_suppression(tmp_path):
    src = "from jose import jwt\n\n\ndef claims(token, key):\n    return jwt.decode(token, key)\n"
    (f,) = run(tmp_path, src)
    assert_suppress_edit_silences(tmp_path, f)
