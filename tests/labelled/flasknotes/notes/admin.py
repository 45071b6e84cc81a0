"""Administration routes of the notes service. Every caller is signed in (the
hook below); who is an administrator must come from the account, not from the
request (AUTH005)."""

from http import HTTPStatus

from flask import Blueprint, abort, current_app, g, jsonify, request, session
from jose import jwt

from notes.store import NoteStore

admin = Blueprint("admin", __name__)
store = NoteStore()


@admin.before_request
def require_login():
    token = request.headers.get("Authorization", "").removeprefix("Bearer ")
    claims = jwt.decode(token, current_app.config["TOKEN_KEY"], algorithms=["HS256"])
    if not claims.get("sub"):
        abort(HTTPStatus.UNAUTHORIZED)
    g.account = store.account(claims["sub"])


def service_claims(token):
    return jwt.decode(token, current_app.config["SERVICE_KEY"])  # expect: SEC011


@admin.get("/admin/notes")
def all_notes():
    if request.args.get("admin") == "true":  # expect: AUTH005
        return jsonify(store.counts())
    abort(HTTPStatus.FORBIDDEN)


@admin.delete("/admin/notes")
def purge_notes():
    payload = request.get_json(silent=True) or {}
    if not payload.get("is_admin"):  # expect: AUTH005
        abort(HTTPStatus.FORBIDDEN)
    store.import_many([])
    return "", 204


@admin.get("/admin/stats")
def stats():
    if request.headers.get("X-User-Role", "").lower() == "admin":  # expect: AUTH005
        return jsonify(store.counts())
    return jsonify({"notes": 0})


@admin.get("/admin/export")
def export():
    if request.cookies.get("is_admin"):  # expect: AUTH005
        return jsonify(store.counts())
    return jsonify({})


# look-alikes: the decision comes from what the server keeps


@admin.get("/admin/summary")
def summary():
    if g.account.is_admin:  # the account, loaded by the hook
        return jsonify(store.counts())
    return jsonify({})


@admin.get("/admin/overview")
def overview():
    if session.get("is_admin"):  # Flask's session is signed by the server
        return jsonify(store.counts())
    return jsonify({})


@admin.get("/admin/audit")
def audit():
    # the client asks for the admin view; the account decides whether it gets it
    if request.args.get("admin") == "1" and g.account.is_admin:
        return jsonify(store.counts())
    if request.args.get("admin") == current_app.config["ADMIN_PREVIEW_KEY"]:
        return jsonify(store.counts())
    return jsonify({})


@admin.post("/admin/invite")
def invite():
    payload = request.get_json(silent=True) or {}
    if payload.get("role") == "admin":  # asking for the admin role is refused
        abort(HTTPStatus.BAD_REQUEST)
    if payload.get("is_admin") is not None:  # a presence check
        current_app.logger.info("invite asked for an admin flag")
    return "", 204
