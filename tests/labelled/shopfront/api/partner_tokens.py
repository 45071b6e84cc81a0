"""Tokens partners sign for the shop's API: which algorithms are accepted is
fixed by the shop (SEC011), not read from the token."""

import jwt
from django.conf import settings
from jose import jwt as jose_jwt

PARTNER_ALGORITHMS = ["HS256", "RS256"]
SIGNED_WITH = ("RS256",)


def partner_claims(token):
    return jose_jwt.decode(token, settings.PARTNER_KEY)  # expect: SEC011


def marketplace_claims(token):
    header = jwt.get_unverified_header(token)
    return jwt.decode(token, settings.MARKETPLACE_KEY, algorithms=[header["alg"]])  # expect: SEC011


def affiliate_claims(token):
    return jwt.decode(token, settings.AFFILIATE_KEY, algorithms=PARTNER_ALGORITHMS)  # expect: SEC011


# look-alikes: the algorithms are the shop's own choice


def carrier_claims(token):
    return jose_jwt.decode(token, settings.CARRIER_KEY, algorithms=["RS256"], audience="shopfront")


def supplier_claims(token, keys):
    header = jwt.get_unverified_header(token)
    key = keys[header["kid"]]  # the header picks the key; the algorithm stays fixed
    return jwt.decode(token, key, algorithms=SIGNED_WITH)


def reseller_claims(token):
    alg = jwt.get_unverified_header(token)["alg"]
    if alg not in SIGNED_WITH:
        raise jwt.InvalidAlgorithmError(alg)
    return jwt.decode(token, settings.RESELLER_KEY, algorithms=[alg])


def legacy_claims(token):
    return jwt.decode(token, settings.LEGACY_KEY, options={"verify_signature": False})  # expect: SEC005
