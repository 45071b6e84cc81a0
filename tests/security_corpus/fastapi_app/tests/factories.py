"""Helpers for the inventory tests."""

import pickle
import random

import httpx
from jose import jwt

TEST_SECRET = "test-secret-key-for-jwt-only"  # safe: CWE-798


def token_for(user_id):
    return jwt.encode({"sub": str(user_id)}, TEST_SECRET, algorithm="HS256")  # safe: CWE-347


def unsafe_claims(token):
    return jwt.decode(token, TEST_SECRET, options={"verify_signature": False})  # safe: CWE-347


def local_client():
    return httpx.Client(base_url="https://localhost:8443", verify=False)  # safe: CWE-295


def snapshot(obj):
    return pickle.loads(pickle.dumps(obj))  # safe: CWE-502


def random_sku():
    return f"SKU-{random.randint(1000, 9999)}"  # safe: CWE-330
