"""The HTTP API of the tickets service."""

import logging

from fastapi import APIRouter, Depends, HTTPException, Response, status
from fastapi.responses import JSONResponse

from tickets import notify
from tickets.auth import current_user
from tickets.repository import TicketLocked, TicketNotFound, load, save

log = logging.getLogger(__name__)
router = APIRouter(dependencies=[Depends(current_user)])


@router.get("/tickets/{ticket_id}")
async def get_ticket(ticket_id: int):
    try:
        return await load(ticket_id)
    except TicketNotFound:
        return {"error": "ticket not found"}  # expect: INT002


@router.get("/v2/tickets/{ticket_id}")
async def get_ticket_v2(ticket_id: int):
    try:
        return await load(ticket_id)
    except TicketNotFound:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="ticket not found")


@router.post("/tickets/{ticket_id}/close")
async def close_ticket(ticket_id: int):
    ticket = await load(ticket_id)
    if ticket.get("closed"):
        return JSONResponse({"error": "ticket is already closed"})  # expect: INT002
    ticket["closed"] = True
    try:
        await save(ticket)
    except TicketLocked:
        return JSONResponse(  # expect: API006
            content={"error": "ticket is locked"},
            status_code=status.HTTP_409_CONFLICT,
        )
    await notify.ticket_closed(ticket)
    return ticket


@router.post("/tickets/{ticket_id}/reopen")
async def reopen_ticket(ticket_id: int, response: Response):
    ticket = await load(ticket_id)
    if not ticket.get("closed"):
        response.status_code = status.HTTP_409_CONFLICT
        return {"error": "ticket is open"}
    ticket["closed"] = False
    await save(ticket)
    return ticket


@router.post("/graphql")
async def graphql(body: dict):
    """A small GraphQL gateway: GraphQL answers its errors with 200 and `errors`."""
    if "query" not in body:
        return {"data": None, "errors": [{"message": "query is required"}]}
    return {"data": {}, "errors": []}


@router.post("/rpc")
async def rpc(body: dict):
    if body.get("method") != "ping":
        return {"jsonrpc": "2.0", "id": body.get("id"), "error": {"code": -32601}}
    return {"jsonrpc": "2.0", "id": body.get("id"), "result": "pong"}


@router.get("/health")
async def health():
    checks = await notify.check_services()
    if not all(checks.values()):
        return JSONResponse({"status": "failed", "checks": checks}, status_code=503)
    return {"status": "ok", "checks": checks}


async def summarise(ticket_id: int) -> dict:
    """Used by the routes and the nightly report: not a route itself."""
    try:
        ticket = await load(ticket_id)
    except TicketNotFound:
        return {"error": "missing"}
    return {"id": ticket["id"], "closed": ticket.get("closed", False)}


@router.post("/tickets", status_code=201)
async def create_ticket(body: dict):
    await save(body)
    return body


@router.post("/tickets/{ticket_id}/comments")  # expect: API003
async def add_comment(ticket_id: int, body: dict):
    return {"ticket": ticket_id, **body}
