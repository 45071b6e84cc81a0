"""Helpers shared by the blog blueprints: outbound calls, markup, redirects, plugins."""

import importlib
import pickle

import requests
from flask import redirect, url_for
from markupsafe import Markup, escape

from . import cache

PLUGIN_PACKAGE = "app.plugins"
KNOWN_PLUGINS = {"toc", "footnotes", "emoji"}


def fetch_json(url):
    return requests.get(url, timeout=5).json()  # vuln: CWE-918


def ping(url):
    return requests.head(url, timeout=2).ok  # safe: CWE-918


def highlight(text, term):
    return Markup(text.replace(term, f"<mark>{term}</mark>"))  # vuln: CWE-79


def highlight_escaped(text, term):
    return Markup(escape(text).replace(escape(term), Markup("<mark>%s</mark>") % term))  # safe: CWE-79


def back_to(target):
    return redirect(target)  # vuln: CWE-601


def home():
    return redirect(url_for("main.list_posts"))  # safe: CWE-601


def load_plugin(name):
    return importlib.import_module(f"{PLUGIN_PACKAGE}.{name}")  # vuln: CWE-94


def load_known_plugin(name):
    if name not in KNOWN_PLUGINS:
        raise LookupError(name)
    return importlib.import_module(f"{PLUGIN_PACKAGE}.{name}")  # safe: CWE-94


def restore_blob(blob):
    return pickle.loads(blob)  # vuln: CWE-502


def cached_object(key):
    return pickle.loads(cache.get(key))  # safe: CWE-502
