"""Data Protection & Encryption beyond settings: SEC002 onwards (weak hashes and
randomness for secrets, TLS and JWT verification off, hard-coded credentials,
world-writable files, secrets in logs)."""

from __future__ import annotations

import pytest
from backend_lens.model import Severity

from tests.helpers import (
    analyze_files,
    apply_fix,
    assert_suppress_edit_silences,
    only,
    parse_errors,
    pos_of,
    reanalyze,
)


def run(tmp_path, code: str, src: str, path: str = "shop/accounts.py"):
    return only(analyze_files(tmp_path, {path: src}), code)


# --- SEC002 weak-hash-for-secret -------------------------------------------------

SEC002_POSITIVES = """
import hashlib
from hashlib import md5, sha1


def store(user, password):
    user.password_hash = hashlib.md5(password.encode()).hexdigest()


def make_token(user):
    return hashlib.sha1(str(user.pk).encode()).hexdigest()


def issue(request, user):
    reset_token = md5(user.email.encode()).hexdigest()
    api_key = hashlib.new("sha1", user.email.encode()).hexdigest()
    check = sha1(request.POST["password"].encode())
    return reset_token, api_key, check
"""


def test_sec002_flags_weak_hashes_of_secrets(tmp_path):
    found = run(tmp_path, "SEC002", SEC002_POSITIVES)
    assert [f.start for f in found] == [
        pos_of(SEC002_POSITIVES, "hashlib.md5(password"),
        pos_of(SEC002_POSITIVES, "hashlib.sha1(str"),
        pos_of(SEC002_POSITIVES, "md5(user.email"),
        pos_of(SEC002_POSITIVES, 'hashlib.new("sha1"'),
        pos_of(SEC002_POSITIVES, "sha1(request"),
    ]
    first = found[0]
    # the call itself, not the .hexdigest() after it
    assert first.end == (first.start[0], first.start[1] + len("hashlib.md5(password.encode())"))
    assert "MD5" in first.message and "password" in first.message
    assert "make_password" in first.message
    assert "SHA-1" in found[1].message and "token" in found[1].message
    assert "API key" in found[3].message
    assert "password" in found[4].message
    assert all(f.severity == Severity.ERROR and f.fix is None for f in found)


SEC002_QUIET = """
import hashlib
from hashlib import md5


def etag(content):
    return hashlib.md5(content).hexdigest()


def file_checksum(path):
    with open(path, "rb") as fh:
        return hashlib.sha1(fh.read()).hexdigest()


def create_cache_key_from_token(token):
    return f"app:{hashlib.md5(token.encode()).hexdigest()}"


def lookup(token, password):
    cache_key = "tok:" + md5(token.encode()).hexdigest()
    legacy = hashlib.md5(password.encode(), usedforsecurity=False)
    strong = hashlib.new("sha256", password.encode())
    stored = hashlib.sha256(token.encode()).hexdigest()
    avatar_url = md5(user_email.lower().encode()).hexdigest()
    digest = hashlib.md5(payload).hexdigest()
    return cache_key, legacy, strong, stored, avatar_url, digest
"""


def test_sec002_quiet_on_checksums_cache_keys_and_strong_hashes(tmp_path):
    assert run(tmp_path, "SEC002", SEC002_QUIET) == []


@pytest.mark.parametrize(
    "path", ["tests/test_accounts.py", "shop/tests/factories.py", "docs/example.py"]
)
def test_sec002_quiet_in_tests_and_docs(tmp_path, path):
    assert run(tmp_path, "SEC002", SEC002_POSITIVES, path) == []


def test_sec002_suppression(tmp_path):
    found = run(tmp_path, "SEC002", SEC002_POSITIVES)
    assert_suppress_edit_silences(tmp_path, found[0])


# --- SEC003 predictable-random-secret ----------------------------------------------

SEC003_POSITIVES = """
import random
import string
from random import randint


def generate_password(length=12):
    chars = string.ascii_letters + string.digits
    return "".join(random.choice(chars) for _ in range(length))


def send_code(user):
    code = randint(100000, 999999)
    user.otp = code
    user.save()


def new_session():
    return {"session_id": random.getrandbits(64)}


def invite(user):
    user.invite(token="".join(random.choices(string.hexdigits, k=32)))
"""


def test_sec003_flags_random_secrets(tmp_path):
    found = run(tmp_path, "SEC003", SEC003_POSITIVES)
    assert [f.start for f in found] == [
        pos_of(SEC003_POSITIVES, "random.choice("),
        pos_of(SEC003_POSITIVES, "randint(1"),
        pos_of(SEC003_POSITIVES, "random.getrandbits"),
        pos_of(SEC003_POSITIVES, "random.choices"),
    ]
    assert found[0].end == (found[0].start[0], found[0].start[1] + len("random.choice(chars)"))
    assert "random.choice()" in found[0].message and "a password" in found[0].message
    assert "secrets" in found[0].message
    assert "an OTP" in found[1].message
    assert "a session ID" in found[2].message
    assert "a token" in found[3].message
    assert [f.fix is not None for f in found] == [True, False, True, False]


def test_sec003_fix_uses_secrets_and_adds_the_import(tmp_path):
    found = run(tmp_path, "SEC003", SEC003_POSITIVES)
    edited = apply_fix(tmp_path, found[0])
    text = next(iter(edited.values()))
    assert "import secrets\n" in text
    assert '"".join(secrets.choice(chars) for _ in range(length))' in text
    assert not parse_errors(text)
    left = only(reanalyze(tmp_path), "SEC003")
    assert len(left) == 3
    # the import is there now: the next fix only swaps the call
    edits = left[1].fix.edits
    assert len(edits) == 1 and edits[0].text == "secrets.randbits"


SEC003_QUIET = """
import random
import secrets


def retry_delay(attempt):
    return min(60, 2**attempt) + random.random()


def pick_featured(products):
    featured = random.sample(products, 3)
    random.shuffle(products)
    return featured


def generate_token():
    return secrets.token_urlsafe(32)


def make_code():
    rng = random.SystemRandom()
    return rng.randint(100000, 999999)


def sample_rows(rows):
    token_count = len(rows)
    n = random.randint(1, token_count)
    return rows[:n]
"""


def test_sec003_quiet_on_non_secret_randomness(tmp_path):
    assert run(tmp_path, "SEC003", SEC003_QUIET) == []


@pytest.mark.parametrize(
    "path", ["tests/factories.py", "shop/fixtures/users.py", "examples/demo.py"]
)
def test_sec003_quiet_in_tests_and_examples(tmp_path, path):
    assert run(tmp_path, "SEC003", SEC003_POSITIVES, path) == []


# --- SEC004 tls-verification-disabled ------------------------------------------------

SEC004_POSITIVES = """
import ssl
import urllib.request

import httpx
import requests


def fetch(url, session):
    requests.get(url, verify=False, timeout=5)
    session.post(url, json={}, verify=False, timeout=5)
    client = httpx.AsyncClient(verify=False)
    session.verify = False
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    urllib.request.urlopen(url, context=ssl._create_unverified_context(), timeout=5)
    return client
"""


def test_sec004_flags_each_way_of_turning_verification_off(tmp_path):
    found = run(tmp_path, "SEC004", SEC004_POSITIVES)
    assert [f.start for f in found] == [
        pos_of(SEC004_POSITIVES, "verify=False, timeout"),
        pos_of(SEC004_POSITIVES, "verify=False, timeout", 2),
        pos_of(SEC004_POSITIVES, "verify=False)"),
        pos_of(SEC004_POSITIVES, "session.verify"),
        pos_of(SEC004_POSITIVES, "context.check_hostname"),
        pos_of(SEC004_POSITIVES, "ssl.CERT_NONE"),
        pos_of(SEC004_POSITIVES, "ssl._create_unverified_context"),
    ]
    kw = found[0]
    assert kw.end == (kw.start[0], kw.start[1] + len("verify=False"))
    assert "requests.get()" in kw.message and "certificate" in kw.message
    assert "session.post()" in found[1].message
    assert "check_hostname" in found[4].message
    assert "CERT_NONE" in found[5].message
    assert "_create_unverified_context" in found[6].message
    assert [f.fix is not None for f in found] == [True, True, True, False, False, False, False]


def test_sec004_fix_turns_verification_on(tmp_path):
    found = run(tmp_path, "SEC004", SEC004_POSITIVES)
    text = next(iter(apply_fix(tmp_path, found[0]).values()))
    assert "requests.get(url, verify=True, timeout=5)" in text
    assert len(only(reanalyze(tmp_path), "SEC004")) == 6


SEC004_QUIET = """
import ssl

import jwt
import requests
from django.conf import settings


def fetch(url, token, context):
    requests.get(url, verify=settings.PAYMENTS_CA_BUNDLE, timeout=5)
    requests.get(url, verify="/etc/ssl/private-ca.pem", timeout=5)
    requests.get(url, verify=True, timeout=5)
    payload = jwt.decode(token, "k", algorithms=["HS256"], verify=False)
    if context.verify_mode == ssl.CERT_NONE:
        raise ValueError("refusing an unverified context")
    context.check_hostname = True
    form_is_ok = validate(data, verify=False)
    return payload, form_is_ok
"""


def test_sec004_quiet_on_ca_bundles_and_other_apis(tmp_path):
    assert run(tmp_path, "SEC004", SEC004_QUIET) == []


@pytest.mark.parametrize(
    "path", ["tests/test_client.py", "shop/tests/conftest.py", "docs/snippets.py"]
)
def test_sec004_quiet_in_tests(tmp_path, path):
    assert run(tmp_path, "SEC004", SEC004_POSITIVES, path) == []


# --- SEC005 jwt-signature-not-verified --------------------------------------------

SEC005_POSITIVES = """
import jwt
from jose import jwt as jose_jwt


def claims(token, key):
    a = jwt.decode(token, options={"verify_signature": False})
    b = jwt.decode(token, key, verify=False)
    c = jwt.decode(token, key, algorithms=["none", "HS256"])
    d = jose_jwt.decode(token, key, options={"verify_signature": False, "verify_exp": True})
    return a, b, c, d


def issue(payload):
    return jwt.encode(payload, None, algorithm="none")
"""


def test_sec005_flags_unverified_decodes_and_unsigned_tokens(tmp_path):
    found = run(tmp_path, "SEC005", SEC005_POSITIVES)
    assert [f.start for f in found] == [
        pos_of(SEC005_POSITIVES, '"verify_signature": False})'),
        pos_of(SEC005_POSITIVES, "verify=False"),
        pos_of(SEC005_POSITIVES, 'algorithms=["none"'),
        pos_of(SEC005_POSITIVES, '"verify_signature": False,'),
        pos_of(SEC005_POSITIVES, 'algorithm="none"'),
    ]
    first = found[0]
    assert first.end == (first.start[0], first.start[1] + len('"verify_signature": False'))
    assert "jwt.decode()" in first.message and "forge" in first.message
    assert "jose_jwt.decode()" in found[3].message
    assert "unsigned" in found[4].message
    assert all(f.severity == Severity.CRITICAL for f in found)


SEC005_QUIET = """
import jwt


def claims(token, key):
    return jwt.decode(token, key, algorithms=["HS256"], options={"verify_exp": False})


def by_issuer(token, keys):
    unverified = jwt.decode(token, options={"verify_signature": False})
    key = keys[unverified["iss"]]
    return jwt.decode(token, key, algorithms=["RS256"])


def header(token):
    return jwt.get_unverified_header(token)


def payload(data):
    return data.decode("utf-8", errors="none")
"""


def test_sec005_quiet_on_verified_decodes_and_peeks(tmp_path):
    assert run(tmp_path, "SEC005", SEC005_QUIET) == []


def test_sec005_quiet_in_tests(tmp_path):
    assert run(tmp_path, "SEC005", SEC005_POSITIVES, "tests/test_tokens.py") == []


# --- SEC006 hardcoded-credential ----------------------------------------------------

SEC006_POSITIVES = """
import psycopg2
import stripe

stripe.api_key = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
WAREHOUSE_PASSWORD = "hunter2!"
GITHUB = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"
BROKER = "amqp://shop:s3cr3tPass@rabbit.internal:5672//"


def connect():
    conn = psycopg2.connect(host="db", user="shop", password="Sup3rS3cret")
    headers = {"client_secret": "a8f5f167f44f4964e6c998dee827110c"}
    return conn, headers
"""


def test_sec006_flags_literal_credentials_and_key_formats(tmp_path):
    found = run(tmp_path, "SEC006", SEC006_POSITIVES)
    assert [f.start for f in found] == [
        pos_of(SEC006_POSITIVES, '"sk_live'),
        pos_of(SEC006_POSITIVES, '"hunter2!"'),
        pos_of(SEC006_POSITIVES, '"ghp_'),
        pos_of(SEC006_POSITIVES, '"amqp://'),
        pos_of(SEC006_POSITIVES, '"Sup3rS3cret"'),
        pos_of(SEC006_POSITIVES, '"a8f5f'),
    ]
    assert found[1].end == (found[1].start[0], found[1].start[1] + len('"hunter2!"'))
    assert "`api_key`" in found[0].message and "environment" in found[0].message
    assert "`WAREHOUSE_PASSWORD`" in found[1].message
    assert "GitHub token" in found[2].message
    assert "connection URL" in found[3].message
    assert "`password`" in found[4].message
    assert "`client_secret`" in found[5].message


SEC006_QUIET = """
import os

import psycopg2

PASSWORD_FIELD = "password"
API_KEY_HEADER = "X-Api-Key"
TOKEN_SETTING = "STRIPE_API_KEY"
token_type = "bearer"
AWS_DOC_KEY = "AKIAIOSFODNN7EXAMPLE"
LOCAL_DB = "postgres://shop:Sup3rS3cret@localhost/shop"
TEMPLATE_URL = "redis://:{password}@cache:6379/0"
reset_password_url = "/accounts/password/reset/"
PEM_MARKER = "-----BEGIN RSA PRIVATE KEY-----"


def connect():
    conn = psycopg2.connect(host="db", user="shop", password=os.environ["DB_PASSWORD"])
    defaults = {"password": "changeme", "token": "<your token>", "secret": "${SECRET}"}
    labels = dict(password="Enter your password", api_key="xxxxxxxx")
    slack = App(token="xoxb-valid", signing_secret="sk_test_dummy_value")
    field = {"token": "access_token"}
    return conn, defaults, labels, field
"""


def test_sec006_quiet_on_placeholders_names_and_env(tmp_path):
    assert run(tmp_path, "SEC006", SEC006_QUIET) == []


@pytest.mark.parametrize(
    "path", ["tests/test_payments.py", "shop/fixtures/data.py", "examples/stripe_demo.py"]
)
def test_sec006_quiet_in_tests_and_examples(tmp_path, path):
    assert run(tmp_path, "SEC006", SEC006_POSITIVES, path) == []


def test_sec006_leaves_settings_secrets_to_sec001(tmp_path):
    src = 'SECRET_KEY = "k3#v9!q2w@x7z^m1p0r8t6y4u5i-shop-prod"\nSTRIPE_KEY_PASSWORD = "Sup3rS3cret"\n'
    found = analyze_files(tmp_path, {"shop/settings.py": src})
    assert [f.code for f in found if f.code.startswith("SEC")] == ["SEC001", "SEC001"]


# --- SEC007 world-writable-permissions ----------------------------------------------

SEC007_POSITIVES = """
import os
import stat
from pathlib import Path


def publish(path):
    os.chmod(path, 0o777)
    os.chmod(path, stat.S_IRWXU | stat.S_IRWXG | stat.S_IRWXO)
    Path(path).chmod(mode=0o666)
    os.umask(0)
"""


def test_sec007_flags_world_writable_modes(tmp_path):
    found = run(tmp_path, "SEC007", SEC007_POSITIVES)
    assert [f.start for f in found] == [
        pos_of(SEC007_POSITIVES, "0o777"),
        pos_of(SEC007_POSITIVES, "stat.S_IRWXU"),
        pos_of(SEC007_POSITIVES, "0o666"),
        pos_of(SEC007_POSITIVES, "0)"),
    ]
    assert found[0].end == (found[0].start[0], found[0].start[1] + len("0o777"))
    assert "`os.chmod()`" in found[0].message and "0o777" in found[0].message
    assert "`.chmod()`" in found[2].message and "0o666" in found[2].message
    assert "os.umask(0)" in found[3].message
    assert all(f.severity == Severity.WARNING for f in found)
    assert [f.fix is not None for f in found] == [True, False, True, False]


def test_sec007_fix_clears_the_others_write_bit(tmp_path):
    found = run(tmp_path, "SEC007", SEC007_POSITIVES)
    text = next(iter(apply_fix(tmp_path, found[0]).values()))
    assert "os.chmod(path, 0o775)" in text
    assert len(only(reanalyze(tmp_path), "SEC007")) == 3


SEC007_QUIET = """
import os
import stat
from pathlib import Path


def publish(path, mode):
    os.chmod(path, 0o755)
    os.chmod(path, 0o640)
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    os.chmod(path, mode)
    Path(path).chmod(0o644)
    os.makedirs(path, mode=0o777, exist_ok=True)
    os.umask(0o022)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o666)
    return fd
"""


def test_sec007_quiet_on_safe_and_unknown_modes(tmp_path):
    assert run(tmp_path, "SEC007", SEC007_QUIET) == []


def test_sec007_quiet_in_tests(tmp_path):
    assert run(tmp_path, "SEC007", SEC007_POSITIVES, "tests/test_publish.py") == []


# --- SEC008 secret-written-to-log -----------------------------------------------------

SEC008_POSITIVES = """
import logging

logger = logging.getLogger(__name__)


def sign_in(request, username, password, user):
    logger.info("sign-in %s %s", username, password)
    logger.debug(f"issued {user.auth_token}")
    logging.warning("payload %s", request.data)
    logger.error("charge failed", extra={"card": card_number})
"""


def test_sec008_flags_secrets_and_request_bodies_in_logs(tmp_path):
    found = run(tmp_path, "SEC008", SEC008_POSITIVES)
    assert [f.start for f in found] == [
        pos_of(SEC008_POSITIVES, "password)"),
        pos_of(SEC008_POSITIVES, "user.auth_token"),
        pos_of(SEC008_POSITIVES, "request.data"),
        pos_of(SEC008_POSITIVES, "card_number"),
    ]
    assert found[1].end == (found[1].start[0], found[1].start[1] + len("user.auth_token"))
    assert "`logger.info()`" in found[0].message and "`password`" in found[0].message
    assert "`auth_token`" in found[1].message
    assert "`request.data`" in found[2].message and "`logging.warning()`" in found[2].message
    assert all(f.severity == Severity.WARNING for f in found)


SEC008_QUIET = """
import logging

logger = logging.getLogger(__name__)


def sign_in(request, username, password, token, card_number):
    logger.info("sign-in for %s", username)
    logger.info("password given: %s", bool(password))
    logger.info("password length %d", len(password))
    logger.info("token prefix %s", token[:6])
    logger.info("token id %s", token.id)
    logger.info("card %s", mask(card_number))
    logger.info("user %s", request.data["username"])
    logger.info("password reset for %s", request.user.email)
    logger.info("done", extra={"password_changed": True})
    print(password)
    messages.info(request, password)
"""


def test_sec008_quiet_on_hidden_values_and_single_fields(tmp_path):
    assert run(tmp_path, "SEC008", SEC008_QUIET) == []


def test_sec008_quiet_in_tests(tmp_path):
    assert run(tmp_path, "SEC008", SEC008_POSITIVES, "tests/test_sign_in.py") == []


# --- SEC009 weak-tls-version -------------------------------------------------------

SEC009_POSITIVES = """
import ssl

from OpenSSL import SSL


def contexts():
    old = ssl.SSLContext(ssl.PROTOCOL_TLSv1)
    old.minimum_version = ssl.TLSVersion.TLSv1_1
    old.set_ciphers("ECDHE+AESGCM:RC4-SHA:!aNULL")
    legacy = SSL.Context(SSL.SSLv3_METHOD)
    return old, legacy
"""


def test_sec009_flags_old_versions_and_broken_ciphers(tmp_path):
    found = run(tmp_path, "SEC009", SEC009_POSITIVES)
    assert [f.start for f in found] == [
        pos_of(SEC009_POSITIVES, "ssl.PROTOCOL_TLSv1"),
        pos_of(SEC009_POSITIVES, "ssl.TLSVersion.TLSv1_1"),
        pos_of(SEC009_POSITIVES, '"ECDHE'),
        pos_of(SEC009_POSITIVES, "SSL.SSLv3_METHOD"),
    ]
    assert found[0].end == (found[0].start[0], found[0].start[1] + len("ssl.PROTOCOL_TLSv1"))
    assert "TLS 1.0" in found[0].message and "TLS 1.2" in found[0].message
    assert "TLS 1.1" in found[1].message
    assert "RC4-SHA" in found[2].message and "aNULL" not in found[2].message
    assert "SSL 3" in found[3].message


SEC009_QUIET = """
import ssl


def contexts(other):
    good = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    good.minimum_version = ssl.TLSVersion.TLSv1_2
    good.set_ciphers("ECDHE+AESGCM:!RC4:!DES:!MD5:!aNULL")
    good.options |= ssl.OP_NO_TLSv1 | ssl.OP_NO_TLSv1_1
    if other.protocol == ssl.PROTOCOL_TLSv1:
        raise ValueError("too old")
    return good
"""


def test_sec009_quiet_on_modern_settings_and_comparisons(tmp_path):
    assert run(tmp_path, "SEC009", SEC009_QUIET) == []


def test_sec009_quiet_in_tests(tmp_path):
    assert run(tmp_path, "SEC009", SEC009_POSITIVES, "tests/test_tls.py") == []


# --- SEC010 cleartext-url-in-settings ---------------------------------------------------

SEC010_SETTINGS = """
import os

PAYMENTS_URL = "http://api.acme-payments.com/v2"
FEEDS = ["https://ok.partner.com/feed", "http://feeds.partner.com/feed"]
CRM_URL = os.environ.get("CRM_URL", "http://crm.partner.com")
AUTH_LDAP_SERVER_URI = "ldap://ldap.acme.com"
SEARCH_URL = "http://elasticsearch:9200"
LOCAL_URL = "http://localhost:8000"
PRIVATE_URL = "http://10.0.0.5/api"
XML_NAMESPACE = "http://www.w3.org/2000/svg"
SECURE_URL = "https://api.acme-payments.com/v2"
"""


def test_sec010_flags_cleartext_urls_in_production_settings(tmp_path):
    found = run(tmp_path, "SEC010", SEC010_SETTINGS, "shop/settings/production.py")
    assert [f.start for f in found] == [
        pos_of(SEC010_SETTINGS, '"http://api.acme'),
        pos_of(SEC010_SETTINGS, '"http://feeds'),
        pos_of(SEC010_SETTINGS, '"http://crm'),
        pos_of(SEC010_SETTINGS, '"ldap://'),
    ]
    first = found[0]
    assert "`PAYMENTS_URL`" in first.message and "api.acme-payments.com" in first.message
    assert "production" in first.message and "https" in first.message
    assert "ldaps" in found[3].message
    assert [f.fix is not None for f in found] == [True, True, True, False]
    text = next(iter(apply_fix(tmp_path, first).values()))
    assert 'PAYMENTS_URL = "https://api.acme-payments.com/v2"' in text
    assert len(only(reanalyze(tmp_path), "SEC010")) == 3


@pytest.mark.parametrize(
    "path",
    ["shop/settings/dev.py", "shop/settings/local.py", "shop/settings/test.py", "shop/views.py"],
)
def test_sec010_quiet_outside_production_settings(tmp_path, path):
    assert run(tmp_path, "SEC010", SEC010_SETTINGS, path) == []


@pytest.mark.parametrize(
    "path", ["netbox/configuration_testing.py", "shop/settings_dev.py", "shop/local_example.py"]
)
def test_sec006_quiet_in_throwaway_configuration(tmp_path, path):
    assert run(tmp_path, "SEC006", SEC006_POSITIVES, path) == []


def test_sec006_quiet_on_single_lowercase_words(tmp_path):
    src = "class Validator:\n    REQUEST_TOKEN = 'request'\n\nDB = {'PASSWORD': 'netbox'}\n"
    assert run(tmp_path, "SEC006", src) == []


def test_sec006_reads_annotated_class_attributes(tmp_path):
    src = (
        "from pydantic_settings import BaseSettings\n\n\n"
        "class Mailer(BaseSettings):\n"
        '    SMTP_PASSWORD: str = "Zq8!mailer-2024"\n'
        '    FIRST_SUPERUSER_PASSWORD: str = "changethis"\n'
    )
    (found,) = run(tmp_path, "SEC006", src, "app/mailer.py")
    assert found.start == (5, 25)
    assert "`SMTP_PASSWORD`" in found.message


def test_sec007_quiet_when_the_umask_is_only_read(tmp_path):
    src = (
        "import os\n\n\n"
        "def apply_umask(path):\n"
        "    current = os.umask(0)\n"
        "    os.umask(current)\n"
        "    os.chmod(path, 0o644 & ~current)\n"
    )
    assert run(tmp_path, "SEC007", src) == []


def test_sec005_quiet_in_functions_that_only_peek(tmp_path):
    src = (
        "import jwt\n\n\n"
        "def is_our_token(token):\n"
        '    payload = jwt.decode(token, options={"verify_signature": False})\n'
        '    return payload.get("owner") == "shop"\n\n\n'
        "def get_unverified_issuer(token):\n"
        '    return jwt.decode(token, options={"verify_signature": False})["iss"]\n'
    )
    assert run(tmp_path, "SEC005", src) == []


def test_sec008_quiet_on_token_attributes_that_are_ids(tmp_path):
    src = (
        "import logging\n\nlogger = logging.getLogger(__name__)\n\n\n"
        "def release(transaction, checkout, token):\n"
        '    logger.info("releasing %s", transaction.token)\n'
        '    logger.info("checkout %s", checkout.token)\n'
        '    logger.info("token %s", token)\n'
        '    logger.info("token %s", checkout.user.auth_token)\n'
    )
    found = run(tmp_path, "SEC008", src)
    assert [f.start[0] for f in found] == [9, 10]


def test_sec006_quiet_on_session_key_names(tmp_path):
    src = 'INTERNAL_RESET_SESSION_TOKEN = "_password_reset_token"\n'
    assert run(tmp_path, "SEC006", src, "shop/views.py") == []


def test_sec006_flags_literal_signing_keys(tmp_path):
    src = (
        "import hmac\n\nimport jwt\n\n\n"
        "def sign(payload, body, settings):\n"
        '    token = jwt.encode(payload, "csrf_vulneribility", algorithm="HS256")\n'
        '    claims = jwt.decode(token, key="k3y-F0r-Sh0p!", algorithms=["HS256"])\n'
        '    digest = hmac.new(b"webhook-s3cret-42", body, "sha256").hexdigest()\n'
        '    ok = jwt.encode(payload, settings.JWT_SECRET, algorithm="HS256")\n'
        '    data = "x".encode("utf-8")\n'
        "    return token, claims, digest, ok, data\n"
    )
    found = run(tmp_path, "SEC006", src)
    assert [f.start for f in found] == [(7, 32), (8, 35), (9, 22)]
    assert "the key of `jwt.encode()`" in found[0].message.lower()
    assert "`hmac.new()`" in found[2].message


def test_sec006_reads_config_items_and_keys_with_spaces(tmp_path):
    src = (
        "from flask import Flask\n\napp = Flask(__name__)\n"
        "app.config['SECRET_KEY_HMAC_2'] = 'am0r3C0mpl3xK3y'\n"
        "app.secret_key = 'F12Zr47j3yX R~X@H!jmM]Lwf/,?KT'\n"
        "app.config['MAIL_PASSWORD'] = 'Enter the mail password'\n"
    )
    found = run(tmp_path, "SEC006", src, "shop/app.py")
    assert [f.start[0] for f in found] == [4, 5]
    assert "`SECRET_KEY_HMAC_2`" in found[0].message


def test_sec006_quiet_on_templates(tmp_path):
    src = (
        "def create_user(cursor):\n"
        "    set_password = 'ALTER USER %(user)s IDENTIFIED BY \"%(password)s\"'\n"
        "    db_password = 'pw-{env}-{region}'\n"
        "    cursor.execute(set_password)\n"
    )
    assert run(tmp_path, "SEC006", src) == []


def test_sec006_an_auth_pair_and_throwaway_config_classes(tmp_path):
    src = (
        "import requests\n\n\n"
        "def sync():\n"
        "    session = requests.Session()\n"
        '    session.auth = ("shop-sync", "Xk8#mP2$vL9qWz")\n'
        "    return session\n\n\n"
        "class DevelopmentConfig:\n"
        '    JWT_SECRET = "Qm9vL2tzLXN0b3Jl-dev-7781"\n\n\n'
        "class ProductionConfig:\n"
        '    JWT_SECRET = "Qm9vL2tzLXN0b3Jl-prod-7781"\n'
    )
    found = run(tmp_path, "SEC006", src)
    assert [f.start[0] for f in found] == [6, 15]
