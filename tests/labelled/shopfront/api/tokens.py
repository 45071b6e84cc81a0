"""Bearer tokens for the mobile API: unverified JWTs (SEC005) beside verified ones."""

import jwt
from django.conf import settings
from jose import jwt as jose_jwt


def user_id_from_header(request):
    token = request.headers["Authorization"].removeprefix("Bearer ")
    claims = jwt.decode(token, options={"verify_signature": False})  # expect: SEC005
    return claims["sub"]


def partner_claims(token):
    return jwt.decode(token, settings.PARTNER_KEY, verify=False)  # expect: SEC005


def mobile_claims(token):
    return jose_jwt.decode(token, settings.MOBILE_KEY, algorithms=["none"])  # expect: SEC005


def guest_token(cart_id):
    return jwt.encode({"cart": cart_id}, None, algorithm="none")  # expect: SEC005


def verified_claims(token):
    return jwt.decode(token, settings.JWT_SECRET, algorithms=["HS256"])


def claims_from_any_issuer(token, keys):
    unverified = jwt.decode(token, options={"verify_signature": False})
    key = keys[unverified["iss"]]
    return jwt.decode(token, key, algorithms=["RS256"], audience="shopfront")


def expired_ok(token):
    return jwt.decode(
        token, settings.JWT_SECRET, algorithms=["HS256"], options={"verify_exp": False}
    )


def signed_token(cart_id):
    return jwt.encode({"cart": cart_id}, settings.JWT_SECRET, algorithm="HS256")


def key_id(token):
    return jwt.get_unverified_header(token)["kid"]


def is_shopfront_token(token):
    payload = jwt.decode(token, options={"verify_signature": False})
    return payload.get("owner") == "shopfront"


def legacy_mobile_token(cart_id):
    return jwt.encode({"cart": cart_id}, "m0bile-Sh0pfront!", algorithm="HS256")  # expect: SEC006
