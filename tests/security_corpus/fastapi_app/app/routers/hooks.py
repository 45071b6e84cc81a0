"""Incoming webhooks from GitHub and the shipping partner."""

import hashlib
import hmac
import json

from fastapi import APIRouter, Header, HTTPException, Request

from ..config import settings

router = APIRouter()


@router.post("/github")
async def github_hook(request: Request, x_hub_signature_256: str = Header(...)):  # safe: CWE-345
    body = await request.body()
    expected = "sha256=" + hmac.new(settings.github_webhook_secret.encode(), body, hashlib.sha256).hexdigest()
    if x_hub_signature_256 != expected:  # vuln: CWE-208
        raise HTTPException(status_code=401)
    return {"ok": True}


@router.post("/github/v2")
async def github_hook_v2(request: Request, x_hub_signature_256: str = Header(...)):  # safe: CWE-345
    body = await request.body()
    expected = "sha256=" + hmac.new(settings.github_webhook_secret.encode(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(x_hub_signature_256, expected):  # safe: CWE-208
        raise HTTPException(status_code=401)
    return {"ok": True}


@router.post("/shipping")
async def shipping_hook(request: Request):
    event = json.loads(await request.body())  # vuln: CWE-345
    return {"received": event.get("id")}
