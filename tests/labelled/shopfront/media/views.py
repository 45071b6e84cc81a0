import json
import os
import pickle
import shlex
from urllib.parse import urlparse

import requests
import yaml
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template import Context, Template
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe

from .files import convert, unpack

SIZES = {"small": "64x64", "large": "512x512"}


def thumbnail(request):
    size = request.GET.get("size", "small")
    convert(request.GET["path"], SIZES.get(size, "64x64"))
    return HttpResponse(status=204)


def archive(request):
    unpack(request.FILES["archive"])
    return HttpResponse(status=204)


def calculate(request):
    expression = request.POST["expression"]
    if expression in ("1+1", "2*3"):
        return HttpResponse(str(eval(expression)))
    return HttpResponse(str(eval(expression)))  # expect: VAL003


def greet(request):
    name = request.GET.get("name", "")
    safe_name = escape(name)
    banner = mark_safe(f"<b>{safe_name}</b>")
    page = mark_safe("<p>" + name + "</p>")  # expect: VAL004
    return HttpResponse(banner + page)


def restore(request):
    state = pickle.loads(request.COOKIES["state"].encode())  # expect: VAL006
    settings_doc = yaml.safe_load(request.body)
    prefs = json.loads(request.body)
    return HttpResponse(json.dumps([state, settings_doc, prefs]), content_type="application/json")


def import_config(request):
    return yaml.load(request.FILES["config"].read())  # expect: VAL006, PERF002


def preview(request):
    url = request.GET["url"]
    page = requests.get(url, timeout=5)  # expect: VAL007
    slug = request.GET["slug"]
    doc = requests.get(f"https://docs.example.com/pages/{slug}", timeout=5)
    return HttpResponse(page.text + doc.text, content_type="text/plain")


def download(request):
    name = request.GET["name"]
    with open(os.path.join("/srv/exports", name), "rb") as f:  # expect: VAL008
        data = f.read()
    with open(os.path.join("/srv/exports", os.path.basename(name)), "rb") as f:
        data += f.read()
    return HttpResponse(data, content_type="application/octet-stream")


def after_login(request):
    target = request.GET.get("next", "/")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(target)
    return redirect("home")


def go(request):
    return redirect(request.GET["to"])  # expect: VAL009


def go_section(request):
    section = request.GET["section"]
    return redirect(f"/help/{section}/")


def shell_quoted(request):
    name = request.GET["name"]
    os.system("echo " + shlex.quote(name))
    host = urlparse(request.GET["url"]).hostname
    return HttpResponse(host, content_type="text/plain")


def hello_card(request):
    name = request.GET.get("name", "guest")
    card = Template("<p>Hello {{ name }}</p>").render(Context({"name": name}))
    custom = Template("<p>" + request.GET["layout"] + "</p>")  # expect: VAL005
    return HttpResponse(card + custom.render(Context({})))
