"""Test data builders for the API tests."""

import jwt
import yaml

from api.models import Account

FIXTURE_PASSWORD = "correct-horse-battery-staple"  # safe: CWE-798
TEST_JWT_SECRET = "unit-test-signing-key-0001"  # safe: CWE-798


def make_account(**overrides):
    data = {"username": "ann", "email": "ann@example.com", "role": "customer"}
    data.update(overrides)
    return Account.objects.create(**data)  # safe: CWE-915


def make_token(account):
    return jwt.encode({"sub": account.pk}, TEST_JWT_SECRET, algorithm="HS256")  # safe: CWE-347


def claims_of(token):
    return jwt.decode(token, options={"verify_signature": False})  # safe: CWE-347


def load_fixture(path):
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=yaml.FullLoader)  # safe: CWE-502
