"""Small blog features built on the shared helpers."""

import base64

from flask import Blueprint, jsonify, redirect, request

from .helpers import (
    back_to,
    cached_object,
    fetch_json,
    highlight,
    highlight_escaped,
    home,
    load_known_plugin,
    load_plugin,
    ping,
    restore_blob,
)

bp = Blueprint("extras", __name__)


@bp.route("/oembed")
def oembed():
    provider, video = request.args["provider"], request.args["video"]
    info = fetch_json(f"https://{provider}/oembed?url={video}")
    up = ping("https://status.example.com/health")
    return jsonify(info=info, up=up)


@bp.route("/snippet")
def snippet():
    args = request.args
    term = args.get("q", "")
    body = "Backend Lens reviews backend code while you type."
    return jsonify(marked=str(highlight(body, term)), safe=str(highlight_escaped(body, term)))


@bp.route("/after-save")
def after_save():
    if request.args.get("home"):
        return home()
    if request.args.get("tenant"):
        return redirect(f"https://{request.headers['X-Forwarded-Host']}/welcome")  # vuln: CWE-601
    return back_to(request.args.get("return", "/"))


@bp.route("/render/<plugin>")
def render_with(plugin):
    if request.args.get("strict"):
        module = load_known_plugin(plugin)
    else:
        module = load_plugin(plugin)
    return jsonify(name=module.__name__)


@bp.route("/restore", methods=["POST"])
def restore():
    blob = base64.urlsafe_b64decode(request.form["state"])
    state = restore_blob(blob)
    recent = cached_object("recent-posts")
    return jsonify(state=str(state), recent=str(recent))
