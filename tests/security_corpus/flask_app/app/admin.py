"""Operator tools: maintenance commands, formula checks, imports."""

import base64
import os
import pickle
import pty
import shlex
import ssl
import subprocess
import urllib.request

import requests
import yaml
from flask import Blueprint, current_app, jsonify, request

bp = Blueprint("admin", __name__)


@bp.route("/backup", methods=["POST"])
def backup():
    directory = request.form["dir"]
    subprocess.call("tar czf /tmp/backup.tgz " + directory, shell=True)  # vuln: CWE-78
    subprocess.call(["tar", "czf", "/tmp/backup.tgz", directory])  # safe: CWE-78
    host = request.form.get("host", "localhost")
    os.system("ping -c 1 " + shlex.quote(host))  # safe: CWE-78
    return jsonify(ok=True)


@bp.route("/console", methods=["POST"])
def console():
    command = request.json["command"]
    pty.spawn(["/bin/bash", "-c", command])  # vuln: CWE-78
    pty.spawn(["/usr/bin/uptime"])  # safe: CWE-78
    return jsonify(ok=True)


@bp.route("/calc")
def calc():
    expression = request.args.get("expr", "0")
    value = eval(expression)  # vuln: CWE-95
    backend = current_app.config.get("PAYMENT_BACKEND", "app.payments.stripe")
    module = __import__(backend, fromlist=["charge"])  # safe: CWE-94
    return jsonify(value=value, backend=module.__name__)


@bp.route("/state", methods=["POST"])
def restore_state():
    state = pickle.loads(request.get_data())  # vuln: CWE-502
    prefs = pickle.loads(base64.b64decode(request.cookies.get("prefs", "")))  # vuln: CWE-502
    config = yaml.load(request.files["config"].read())  # vuln: CWE-502
    checked = yaml.load(request.files["config"].read(), Loader=yaml.SafeLoader)  # safe: CWE-502
    return jsonify(state=str(state), prefs=str(prefs), config=str(config), checked=str(checked))


@bp.route("/mirror", methods=["POST"])
def mirror():
    source = request.form["source"]
    with urllib.request.urlopen(source) as resp:  # vuln: CWE-918
        body = resp.read()
    requests.post("https://backup.internal.example.com/store", data=body, timeout=30, verify=False)  # vuln: CWE-295
    ctx = ssl.create_default_context()
    with urllib.request.urlopen("https://status.example.com/ping", context=ctx) as ping:  # safe: CWE-295
        return jsonify(size=len(body), ping=ping.status)
