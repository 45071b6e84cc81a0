"""Operations endpoints, mounted on the ops sub-application."""

import asyncio
import base64
import importlib
import marshal
import pickle
import ssl
import subprocess

import aiohttp
import httpx
import pg8000.native
from fastapi import APIRouter, Cookie, Form, Header, Request

from ..config import settings
from ..schemas import ExportFormat

router = APIRouter()


@router.post("/thumbnail")
async def thumbnail(src: str = Form(...), size: str = Form("128x128"), quality: int = Form(80)):
    subprocess.run(f"convert {src} -resize {size} /tmp/thumb.png", shell=True, check=True)  # vuln: CWE-78
    subprocess.run(f"convert /tmp/thumb.png -quality {quality} /tmp/thumb.jpg", shell=True, check=True)  # safe: CWE-78
    return {"ok": True}


@router.post("/git/log")
async def git_log(branch: str = Form("main")):
    proc = await asyncio.create_subprocess_shell(f"git log --oneline -n 20 {branch}")  # vuln: CWE-78
    await proc.wait()
    listing = await asyncio.create_subprocess_exec("git", "log", "--oneline", "-n", "20", "--", branch)  # safe: CWE-78
    await listing.wait()
    return {"ok": True}


@router.get("/evaluate")
async def evaluate(expr: str):
    return {"value": eval(expr)}  # vuln: CWE-95


@router.get("/export/{fmt}")
async def export(fmt: ExportFormat, plugin: str = ""):
    exporter = importlib.import_module(f"app.exporters.{fmt.value}")  # safe: CWE-94
    if plugin:
        extra = importlib.import_module(plugin)  # vuln: CWE-94
        return {"rows": extra.export()}
    return {"rows": exporter.export()}


@router.post("/session/restore")
async def restore(request: Request, session: str | None = Cookie(None)):
    body = await request.body()
    code = marshal.loads(body)  # vuln: CWE-502
    saved = pickle.loads(base64.b64decode(session or ""))  # vuln: CWE-502
    return {"code": str(code), "saved": str(saved)}


@router.delete("/sessions")
async def drop_sessions(x_session_token: str = Header(...)):
    conn = pg8000.native.Connection("ops", host="db.internal", database="inventory")
    conn.run(f"DELETE FROM sessions WHERE token = '{x_session_token}'")  # vuln: CWE-89
    conn.run("DELETE FROM sessions WHERE token = :token", token=x_session_token)  # safe: CWE-89
    return {"ok": True}


@router.get("/upstream")
async def upstream():
    async with httpx.AsyncClient(verify=False) as client:  # vuln: CWE-295
        legacy = await client.get("https://legacy-inventory.internal.example.com/health")
    connector = aiohttp.TCPConnector(ssl=False)  # vuln: CWE-295
    context = ssl.create_default_context(cafile="/etc/ssl/certs/internal-ca.pem")
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context)) as session:  # safe: CWE-295
        async with session.get(settings.inventory_url) as resp:
            status = resp.status
    await connector.close()
    return {"legacy": legacy.status_code, "inventory": status}
