"""The tickets service: a FastAPI app."""

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse

from tickets.attachments import router as attachments
from tickets.repository import TicketLocked
from tickets.routes import router

app = FastAPI(title="tickets")
app.include_router(router, prefix="/api")
app.include_router(attachments, prefix="/api")


@app.exception_handler(TicketLocked)
async def ticket_locked(request: Request, exc: TicketLocked):
    # one handler answers every route's locked ticket: its shape counts, once
    return JSONResponse({"detail": "ticket is locked"}, status_code=status.HTTP_423_LOCKED)
