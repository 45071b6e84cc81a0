"""Data Protection & Encryption: secrets in code and settings, weak hashes and
randomness, TLS and JWT verification turned off, JWT algorithms left to the
token, loose file permissions, secrets written to logs. One module per rule;
importing the package registers them."""

from . import (  # noqa: F401
    cleartext,
    credentials,
    hashing,
    jwt_algorithms,
    logged_secrets,
    permissions,
    randomness,
    settings_secrets,
    tls,
    tokens,
)
