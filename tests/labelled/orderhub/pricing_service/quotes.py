"""Quotes: one route decides and writes the whole quote, one calls a function."""

from decimal import Decimal

from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy.orm import Session

from .auth import verify_service_token
from .db import get_session
from .models import Quote, QuoteLine

router = APIRouter(dependencies=[Depends(verify_service_token)])
MAX_LINES = 200


@router.post("/quotes")
def create_quote(payload: dict, session: Session = Depends(get_session)) -> dict:  # expect: DOM001
    customer = payload.get("customer")
    if not customer:
        raise HTTPException(status_code=422, detail="customer is required")
    lines = payload.get("lines") or []
    if not lines:
        raise HTTPException(status_code=422, detail="a quote needs lines")
    if len(lines) > MAX_LINES:
        raise HTTPException(status_code=422, detail="too many lines")
    total = Decimal("0")
    quote = Quote(customer=customer, total=total)
    session.add(quote)
    session.flush()
    for line in lines:
        amount = Decimal(str(line.get("amount", "0")))
        if amount <= 0:
            raise HTTPException(status_code=422, detail=f"bad amount for {line.get('sku')}")
        session.add(QuoteLine(quote_id=quote.id, sku=line["sku"], amount=amount))
        total += amount
    if total > Decimal("10000"):
        total = total * Decimal("0.95")
    quote.total = total
    session.commit()
    return {
        "id": quote.id,
        "customer": customer,
        "total": str(total),
        "lines": len(lines),
    }


def save_quote(session: Session, customer: str, lines: list) -> Quote:
    quote = Quote(customer=customer, total=sum(Decimal(str(x["amount"])) for x in lines))
    session.add(quote)
    session.flush()
    session.add_all([QuoteLine(quote_id=quote.id, sku=x["sku"], amount=x["amount"]) for x in lines])
    session.commit()
    return quote


@router.post("/quotes/simple")
def create_simple_quote(payload: dict, session: Session = Depends(get_session)) -> dict:
    if not payload.get("lines"):
        raise HTTPException(status_code=422, detail="a quote needs lines")
    quote = save_quote(session, payload["customer"], payload["lines"])
    return {"id": quote.id, "total": str(quote.total)}
