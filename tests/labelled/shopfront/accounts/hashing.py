"""Digests: passwords and tokens (SEC002) beside checksums and cache keys."""

import hashlib
from hashlib import md5, sha1


def legacy_store_password(user, password):
    user.password_hash = hashlib.md5(password.encode()).hexdigest()  # expect: SEC002
    user.save(update_fields=["password_hash"])


def make_unsubscribe_token(customer):
    return hashlib.sha1(f"{customer.pk}:{customer.email}".encode()).hexdigest()  # expect: SEC002


def issue_reset(customer):
    reset_token = md5(customer.email.encode()).hexdigest()  # expect: SEC002
    customer.reset_token = reset_token
    return reset_token


def partner_key(partner):
    api_key = hashlib.new("md5", partner.name.encode()).hexdigest()  # expect: SEC002
    return api_key


def check_pin(account, pin):
    return account.pin_hash == sha1(pin.encode()).hexdigest()  # expect: SEC002


def invoice_etag(pdf_bytes):
    return hashlib.md5(pdf_bytes).hexdigest()


def upload_checksum(chunks):
    checksum = hashlib.sha1()
    for chunk in chunks:
        checksum.update(chunk)
    return checksum.hexdigest()


def token_cache_key(token):
    cache_key = "token:" + md5(token.encode()).hexdigest()
    return cache_key


def gravatar_url(email):
    return "https://www.gravatar.com/avatar/" + md5(email.lower().encode()).hexdigest()


def fingerprint_password_for_audit(password):
    return hashlib.md5(password.encode(), usedforsecurity=False).hexdigest()


def store_api_token(token):
    return hashlib.sha256(token.encode()).hexdigest()
