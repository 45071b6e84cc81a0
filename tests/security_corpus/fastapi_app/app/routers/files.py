"""File download and upload endpoints."""

import os
import pickle
import xml.etree.ElementTree as ET
from pathlib import Path
from uuid import uuid4

import defusedxml.ElementTree as SafeET
import yaml
from fastapi import APIRouter, File, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse

from ..config import settings

router = APIRouter()
FILES_ROOT = Path(settings.files_dir)


@router.get("/raw/{path:path}")
async def raw_file(path: str):
    return FileResponse(os.path.join(settings.files_dir, path))  # vuln: CWE-22


@router.get("/checked/{path:path}")
async def checked_file(path: str):
    target = (FILES_ROOT / path).resolve()
    if not target.is_relative_to(FILES_ROOT.resolve()):
        raise HTTPException(status_code=404)
    return FileResponse(target)  # safe: CWE-22


@router.get("/manual")
async def manual(page: str = "index"):
    text = (FILES_ROOT / "manual" / f"{page}.md").read_text()  # vuln: CWE-22
    return {"text": text}


@router.post("/upload")
async def upload(file: UploadFile = File(...)):
    content = await file.read()
    with open(f"{settings.upload_dir}/{file.filename}", "wb") as out:  # vuln: CWE-22
        out.write(content)
    safe_name = os.path.basename(file.filename)
    with open(os.path.join(settings.upload_dir, "named", safe_name), "wb") as out:  # safe: CWE-22
        out.write(content)
    stored = Path(settings.upload_dir) / f"{uuid4().hex}.bin"
    stored.write_bytes(content)  # safe: CWE-22
    os.chmod(stored, 0o600)  # safe: CWE-732
    return {"stored": stored.name}


@router.post("/model")
async def load_model(file: UploadFile = File(...)):
    model = pickle.loads(await file.read())  # vuln: CWE-502
    with open(os.path.join(settings.files_dir, "baseline.pkl"), "rb") as fh:
        baseline = pickle.load(fh)  # safe: CWE-502
    return {"model": type(model).__name__, "baseline": type(baseline).__name__}


@router.post("/config")
async def upload_config(file: UploadFile = File(...)):
    parsed = yaml.safe_load(await file.read())  # safe: CWE-502
    return {"keys": sorted(parsed)}


@router.post("/catalogue.xml")
async def import_catalogue(request: Request):
    body = await request.body()
    root = ET.fromstring(body)  # vuln: CWE-611
    checked = SafeET.fromstring(body)  # safe: CWE-611
    return {"items": len(root), "checked": len(checked)}
