"""Uploads, downloads and feed imports."""

import os
import shelve
import stat
import xml.etree.ElementTree as ET

import defusedxml.ElementTree as SafeET
from flask import Blueprint, abort, current_app, jsonify, request, send_file, send_from_directory
from lxml import etree
from werkzeug.security import safe_join
from werkzeug.utils import secure_filename

bp = Blueprint("storage", __name__)

SESSION_DIR = "/srv/blog/sessions"


@bp.route("/download")
def download():
    name = request.args["name"]
    return send_file(os.path.join(current_app.config["EXPORT_DIR"], name))  # vuln: CWE-22


@bp.route("/uploads/<path:filename>")
def uploaded(filename):
    return send_from_directory(current_app.config["UPLOAD_FOLDER"], filename)  # safe: CWE-22


@bp.route("/shared")
def shared():
    folder = request.args.get("folder", "public")
    return send_from_directory(folder, "index.html")  # vuln: CWE-22


@bp.route("/attachments/<path:name>")
def attachment(name):
    path = safe_join(current_app.config["UPLOAD_FOLDER"], name)
    if path is None:
        abort(404)
    with open(path, "rb") as fh:  # safe: CWE-22
        return fh.read()


@bp.route("/upload", methods=["POST"])
def upload():
    incoming = request.files["file"]
    folder = current_app.config["UPLOAD_FOLDER"]
    if request.form.get("keep_name"):
        incoming.save(os.path.join(folder, incoming.filename))  # vuln: CWE-22
    else:
        incoming.save(os.path.join(folder, secure_filename(incoming.filename)))  # safe: CWE-22
    target = os.path.join(folder, secure_filename(incoming.filename))
    os.chmod(target, stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP)  # safe: CWE-732
    os.chmod(folder, 0o777)  # vuln: CWE-732
    return jsonify(ok=True)


@bp.route("/draft", methods=["POST"])
def save_draft():
    sid = request.cookies.get("draft_session", "anon")
    with shelve.open(os.path.join(SESSION_DIR, sid)) as drafts:  # vuln: CWE-22, CWE-502
        drafts["body"] = request.form.get("body", "")
    return jsonify(ok=True)


@bp.route("/feeds/import", methods=["POST"])
def import_feed():
    root = ET.fromstring(request.data)  # vuln: CWE-611
    feed = etree.parse(request.files["opml"])  # vuln: CWE-611
    safe = SafeET.fromstring(request.data)  # safe: CWE-611
    with open(os.path.join(current_app.root_path, "default-feeds.xml"), "rb") as fh:
        defaults = ET.fromstring(fh.read())  # safe: CWE-611
    return jsonify(items=len(root), outlines=len(feed.getroot()), safe=len(safe), defaults=len(defaults))
