"""Sign-in, tokens and account settings."""

import hashlib
import random
import secrets
import string

import jwt
from flask import Blueprint, current_app, jsonify, make_response, request
from werkzeug.security import check_password_hash, generate_password_hash

from . import csrf, db
from .models import Profile, User

bp = Blueprint("auth", __name__)

PROFILE_FIELDS = ("bio", "website")


def _api_key():
    return "".join(random.choices(string.ascii_letters + string.digits, k=32))  # vuln: CWE-330


def _reset_code():
    return secrets.token_hex(16)  # safe: CWE-330


@bp.route("/login", methods=["POST"])
def login():
    user = User.query.filter_by(username=request.form["username"]).first()
    if user is None or not check_password_hash(user.password_hash, request.form["password"]):
        return jsonify(error="invalid"), 401
    token = jwt.encode({"sub": user.id}, current_app.config["JWT_SECRET"], algorithm="HS256")  # safe: CWE-347
    resp = make_response(jsonify(ok=True))
    resp.set_cookie("auth_token", token)  # vuln: CWE-614, CWE-1004
    resp.set_cookie("lang", request.form.get("lang", "en"))  # safe: CWE-614
    resp.set_cookie("refresh", _reset_code(), secure=True, httponly=True, samesite="Strict")  # safe: CWE-614
    return resp


@bp.route("/whoami")
def whoami():
    token = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if request.args.get("debug"):
        claims = jwt.decode(token, verify=False)  # vuln: CWE-347
    else:
        claims = jwt.decode(token, current_app.config["JWT_SECRET"], algorithms=["HS256"])  # safe: CWE-347
    return jsonify(claims)


@bp.route("/register", methods=["POST"])
def register():
    data = request.get_json()
    user = User(**data)  # vuln: CWE-915
    user.password_hash = hashlib.sha1(data["password"].encode()).hexdigest()  # vuln: CWE-328
    strong = generate_password_hash(data["password"])  # safe: CWE-328
    db.session.add(user)
    db.session.commit()
    return jsonify(id=user.id, key=_api_key(), strong=bool(strong))


@bp.route("/profile", methods=["POST"])
@csrf.exempt  # vuln: CWE-352
def update_profile():
    profile = Profile.query.filter_by(user_id=request.form["user_id"]).first_or_404()
    for key, value in request.form.items():
        setattr(profile, key, value)  # vuln: CWE-915
    for key in PROFILE_FIELDS:
        setattr(profile, key, request.form.get(key, ""))  # safe: CWE-915
    db.session.commit()
    return jsonify(ok=True)


@bp.route("/avatar-etag/<int:user_id>")
def avatar_etag(user_id):
    profile = Profile.query.filter_by(user_id=user_id).first_or_404()
    etag = hashlib.md5((profile.website or "").encode(), usedforsecurity=False).hexdigest()  # safe: CWE-328
    return jsonify(etag=etag)
