"""Data Protection & Encryption: secrets in code and settings, weak hashes and
randomness, TLS and JWT verification turned off, loose file permissions, secrets
written to logs. One module per rule; importing the package registers them."""

from . import (  # noqa: F401
    cleartext,
    credentials,
    hashing,
    logged_secrets,
    permissions,
    randomness,
    settings_secrets,
    tls,
    tokens,
)
