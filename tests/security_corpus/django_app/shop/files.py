"""Downloads and uploads: invoices, media, report files, theme bundles."""

import os
import tarfile
import uuid
import zipfile
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, JsonResponse
from django.views.decorators.http import require_POST


def download_invoice(request):
    name = request.GET["file"]
    return FileResponse(open(os.path.join(settings.INVOICE_DIR, name), "rb"))  # vuln: CWE-22


def download_invoice_safe(request):
    name = os.path.basename(request.GET["file"])
    return FileResponse(open(os.path.join(settings.INVOICE_DIR, name), "rb"))  # safe: CWE-22


def serve_media(request, relpath):
    root = Path(settings.MEDIA_ROOT).resolve()
    target = (root / relpath).resolve()
    if not target.is_relative_to(root):
        raise Http404("not found")
    return FileResponse(target.open("rb"))  # safe: CWE-22


def report_file(request, report_name):
    fname = report_name + ".csv"
    content = (settings.REPORT_DIR / fname).read_text()  # vuln: CWE-22
    return JsonResponse({"content": content})


@require_POST
def upload_document(request):
    upload = request.FILES["document"]
    # Django keeps only the base name of an upload and refuses "." and ".."
    # (UploadedFile._set_name): this name cannot leave the folder
    with open(os.path.join(settings.MEDIA_ROOT, "documents", upload.name), "wb") as out:  # safe: CWE-22
        for chunk in upload.chunks():
            out.write(chunk)
    stored = default_storage.save(f"documents/{upload.name}", upload)  # safe: CWE-22
    copy = Path(settings.MEDIA_ROOT) / "copies" / f"{uuid.uuid4().hex}.bin"
    copy.write_bytes(upload.read())  # safe: CWE-22
    os.chmod(copy, 0o777)  # vuln: CWE-732
    os.chmod(os.path.join(settings.MEDIA_ROOT, stored), 0o644)  # safe: CWE-732
    return JsonResponse({"stored": stored})


@require_POST
def install_theme(request):
    bundle = request.FILES["bundle"]
    dest = settings.THEMES_DIR / "incoming"
    if bundle.name.endswith(".zip"):
        with zipfile.ZipFile(bundle) as archive:
            for member in archive.infolist():
                with open(os.path.join(dest, member.filename), "wb") as fh:  # vuln: CWE-22
                    fh.write(archive.read(member))
        return JsonResponse({"ok": True})
    with tarfile.open(fileobj=bundle, mode="r:gz") as tar:
        if request.POST.get("strict"):
            tar.extractall(dest, filter="data")  # safe: CWE-22
        else:
            tar.extractall(dest)  # vuln: CWE-22
    return JsonResponse({"ok": True})
