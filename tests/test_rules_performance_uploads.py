"""Performance & Scalability Evaluation: PERF002 whole-upload-read-into-memory."""

from __future__ import annotations

from backend_lens.model import Severity

from tests.helpers import analyze_files, assert_suppress_edit_silences, only, pos_of

DJANGO = """
import shutil

from django.core.files.uploadedfile import UploadedFile
from django.http import JsonResponse


def store(request):
    data = request.FILES["receipt"].read()
    named = request.FILES.get("doc")
    body = named.read()
    for upload in request.FILES.getlist("many"):
        upload.read()
    return JsonResponse({"n": len(data) + len(body)})


def quiet(request, out):
    part = request.FILES["receipt"].read(1024)
    for chunk in request.FILES["receipt"].chunks():
        out.write(chunk)
    shutil.copyfileobj(request.FILES["doc"], out)
    return JsonResponse({"n": len(part)})


def checked(request):
    upload = request.FILES["receipt"]
    if upload.size > 10_000_000:
        return JsonResponse({"detail": "too large"}, status=413)
    return JsonResponse({"n": len(upload.read())})


def helper(upload: UploadedFile) -> bytes:
    return upload.read()


def not_an_upload(request, path):
    with open(path, "rb") as fh:
        return fh.read()
"""


def perf002(tmp_path, files: dict[str, str]):
    return only(analyze_files(tmp_path, files), "PERF002")


def test_perf002_django_uploads(tmp_path):
    found = perf002(tmp_path, {"docs/views.py": DJANGO})
    expected = {
        pos_of(DJANGO, 'request.FILES["receipt"].read()'): 'request.FILES["receipt"].read()',
        pos_of(DJANGO, "named.read()"): "named.read()",
        pos_of(DJANGO, "upload.read()"): "upload.read()",
        pos_of(DJANGO, "upload.read()", 3): "upload.read()",
    }
    assert sorted(f.start for f in found) == sorted(expected)
    for f in found:
        assert f.end == (f.start[0], f.start[1] + len(expected[f.start]))
    first = min(found, key=lambda f: f.start)
    assert '`request.FILES["receipt"].read()` reads the whole upload into memory' in first.message
    assert '`for chunk in request.FILES["receipt"].chunks():`' in first.message
    assert first.severity == Severity.INFO


FASTAPI_FLASK = """
from fastapi import FastAPI, UploadFile
from flask import request

app = FastAPI()


@app.post("/avatars")
async def avatar(file: UploadFile):
    data = await file.read()
    raw = file.file.read()
    piece = await file.read(1024 * 1024)
    return {"n": len(data) + len(raw) + len(piece)}


def flask_upload():
    return request.files["attachment"].read()


def flask_stream():
    upload = request.files.get("csv")
    return upload.stream.read()


@app.post("/sized")
async def sized(file: UploadFile):
    if file.size and file.size > 1_000_000:
        return {"detail": "too large"}
    return {"n": len(await file.read())}
"""


def test_perf002_fastapi_and_flask(tmp_path):
    found = perf002(tmp_path, {"api/uploads.py": FASTAPI_FLASK})
    src = FASTAPI_FLASK
    assert sorted(f.start for f in found) == sorted(
        [
            pos_of(src, "file.read()"),
            pos_of(src, "file.file.read()"),
            pos_of(src, 'request.files["attachment"].read()'),
            pos_of(src, "upload.stream.read()"),
        ]
    )
    by_start = {f.start: f for f in found}
    first = by_start[pos_of(src, "file.read()")]
    assert "`await file.read()`" in first.message
    assert "`await file.read(1024 * 1024)` in a loop" in first.message
    flask = by_start[pos_of(src, 'request.files["attachment"].read()')]
    assert '`request.files["attachment"].save(path)`' in flask.message


def test_perf002_quiet_in_tests(tmp_path):
    assert perf002(tmp_path, {"tests/test_uploads.py": DJANGO}) == []


def test_perf002_suppression(tmp_path):
    found = perf002(tmp_path, {"docs/views.py": DJANGO})
    assert_suppress_edit_silences(tmp_path, min(found, key=lambda f: f.start))
