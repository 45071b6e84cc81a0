"""Staff tools: backups, lookups, pricing formulas, exporters."""

import ast
import importlib
import os
import shlex
import subprocess

from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, JsonResponse
from django.views.decorators.http import require_POST

from .shell import run_quietly

EXPORTERS = {"csv", "xlsx", "json"}
BACKUP_DIR = "/var/backups/shop"


@staff_member_required
@require_POST
def backup_table(request):
    table = request.POST["table"]
    target = os.path.join(BACKUP_DIR, "latest.sql")
    os.system(f"pg_dump --table {table} shop > {target}")  # vuln: CWE-78
    subprocess.run(["pg_dump", "--table", table, "--file", target, "shop"], check=True)  # safe: CWE-78
    subprocess.run("sync", shell=True, check=True)  # safe: CWE-78
    label = request.POST.get("label", "manual")
    run_quietly("tar czf /var/backups/shop/" + label + ".tgz " + target)
    run_quietly("gzip -9 " + target)
    return JsonResponse({"ok": True})


@staff_member_required
def whois_lookup(request):
    domain = request.GET.get("domain", "")
    if request.GET.get("quoted"):
        out = subprocess.check_output(f"whois {shlex.quote(domain)}", shell=True)  # safe: CWE-78
    else:
        out = subprocess.check_output("whois " + domain, shell=True)  # vuln: CWE-78
    resolver = os.popen("host %s" % domain).read()  # vuln: CWE-78
    return JsonResponse({"whois": out.decode(), "host": resolver})


@staff_member_required
@require_POST
def evaluate_pricing(request):
    formula = request.POST["formula"]
    price = eval(formula, {"__builtins__": {}}, {"base": 10})  # vuln: CWE-95
    tiers = ast.literal_eval(request.POST.get("tiers", "[]"))  # safe: CWE-95
    script = request.POST.get("hook", "")
    if script:
        exec(compile(script, "<pricing-hook>", "exec"), {"price": price})  # vuln: CWE-94
    vat = eval("0.2 * 1")  # safe: CWE-95
    return JsonResponse({"price": price, "tiers": tiers, "vat": vat})


@staff_member_required
def run_exporter(request, fmt):
    backend = request.GET.get("backend")
    if backend:
        module = __import__(backend)  # vuln: CWE-94
        return JsonResponse({"module": module.__name__})
    if request.GET.get("legacy"):
        legacy = importlib.import_module(f"shop.exporters.{fmt}")  # vuln: CWE-94
        return JsonResponse({"rows": legacy.export()})
    if fmt not in EXPORTERS:
        raise Http404("unknown format")
    exporter = importlib.import_module(f"shop.exporters.{fmt}")  # safe: CWE-94
    return JsonResponse({"rows": exporter.export()})
