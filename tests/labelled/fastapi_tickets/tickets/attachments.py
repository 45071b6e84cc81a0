"""Attachments of tickets: errors answered as the rest of the service answers
them, `{"detail": ...}` (HTTPException), with one route that does not."""

from fastapi import APIRouter, Depends, HTTPException, UploadFile, status
from fastapi.responses import JSONResponse

from tickets.auth import current_user
from tickets.repository import TicketNotFound, load

router = APIRouter(dependencies=[Depends(current_user)])

MAX_BYTES = 5_000_000
_FILES: dict[int, list[dict]] = {}


def problem(message: str, code: int) -> JSONResponse:
    """The service's error body, built in one place."""
    return JSONResponse({"detail": message}, status_code=code)


@router.get("/tickets/{ticket_id}/attachments")
async def list_attachments(ticket_id: int):
    try:
        await load(ticket_id)
    except TicketNotFound:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="ticket not found")
    return _FILES.get(ticket_id, [])[:50]


@router.post("/tickets/{ticket_id}/attachments", status_code=201)
async def add_attachment(ticket_id: int, upload: UploadFile):
    try:
        await load(ticket_id)
    except TicketNotFound:
        raise HTTPException(status_code=404, detail="ticket not found")
    if upload.size and upload.size > MAX_BYTES:
        return JSONResponse({"message": "attachment too large"}, status_code=413)  # expect: API006
    if not upload.filename:
        return problem("a file name is required", 422)
    entry = {"name": upload.filename, "size": upload.size}
    _FILES.setdefault(ticket_id, []).append(entry)
    return entry


@router.delete("/tickets/{ticket_id}/attachments/{name}", status_code=204)
async def remove_attachment(ticket_id: int, name: str):
    files = _FILES.get(ticket_id)
    if files is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "ticket has no attachments")
    if not any(f["name"] == name for f in files):
        raise HTTPException(status_code=404, detail="no such attachment")
    _FILES[ticket_id] = [f for f in files if f["name"] != name]


@router.post("/oauth/token")
async def token(grant_type: str = ""):
    """Tokens for the mobile app: RFC 6749 prescribes this error body."""
    if grant_type != "client_credentials":
        return JSONResponse(
            {"error": "unsupported_grant_type", "error_description": grant_type},
            status_code=400,
        )
    return {"access_token": "t", "token_type": "bearer"}
