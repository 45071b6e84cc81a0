import hashlib
import hmac

import jwt
from django.conf import settings
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication

from .models import Account

PARTNER_PUBLIC_KEY = open("/etc/billing/partner.pub").read()


class BearerTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        token = header.removeprefix("Bearer ")
        unverified = jwt.get_unverified_header(token)  # safe: CWE-347
        if unverified.get("kid") == "legacy-mobile":
            claims = jwt.decode(token, options={"verify_signature": False})  # vuln: CWE-347
        elif unverified.get("kid") == "partner":
            claims = jwt.decode(token, PARTNER_PUBLIC_KEY, algorithms=["RS256", "none"])  # vuln: CWE-347
        else:
            claims = jwt.decode(token, settings.JWT_SECRET, algorithms=[settings.JWT_ALGORITHM])  # safe: CWE-347
        try:
            return Account.objects.get(pk=claims["sub"]), claims
        except Account.DoesNotExist as exc:
            raise exceptions.AuthenticationFailed("unknown account") from exc


class ApiKeyAuthentication(BaseAuthentication):
    def authenticate(self, request):
        presented = request.headers.get("X-Api-Key", "")
        account_id, _, secret = presented.partition(".")
        account = Account.objects.filter(pk=account_id).first()
        if account is None:
            return None
        digest = hashlib.sha256(secret.encode()).hexdigest()
        if digest == account.api_key_hash:  # safe: CWE-208
            return account, None
        raise exceptions.AuthenticationFailed("bad key")


class LegacyPasswordAuthentication(BaseAuthentication):
    """Accounts imported from the old billing system keep their salted SHA-1 password."""

    def authenticate(self, request):
        username = request.data.get("username", "")
        password = request.data.get("password", "")
        account = Account.objects.filter(username=username).first()
        if account is None or not account.legacy_password_hash:
            return None
        digest = hashlib.sha1((account.legacy_salt + password).encode()).hexdigest()  # vuln: CWE-328
        if hmac.compare_digest(digest, account.legacy_password_hash):  # safe: CWE-208
            return account, None
        raise exceptions.AuthenticationFailed("bad credentials")
