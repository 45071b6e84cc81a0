"""Ticket lists: one bounded by the caller's page, one that returns them all."""

from fastapi import APIRouter, Depends
from sqlmodel import Session, select

from tickets.auth import current_user
from tickets.repository import Ticket, get_session

router = APIRouter(dependencies=[Depends(current_user)])


@router.get("/tickets")
def list_tickets(session: Session = Depends(get_session)):
    return session.exec(select(Ticket).order_by(Ticket.id.desc())).all()  # expect: API004


@router.get("/tickets/recent")
def recent_tickets(session: Session = Depends(get_session), limit: int = 20):
    return session.exec(select(Ticket).order_by(Ticket.id.desc()).limit(min(limit, 100))).all()


@router.get("/tickets/count")
def count_tickets(session: Session = Depends(get_session)):
    return {"count": len(session.exec(select(Ticket.id)).all())}
