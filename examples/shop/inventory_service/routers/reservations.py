import logging
import os
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from ..db import get_session
from ..models import Reservation, StockLevel, Warehouse
from ..schemas import ReservationCreate, ReservationOut

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/reservations", tags=["reservations"])

HOLD_FOR = timedelta(minutes=45)
MAX_ATTEMPTS = 3
EVENTS_WEBHOOK_URL = os.getenv("INVENTORY_EVENTS_WEBHOOK_URL")


class InsufficientStock(Exception):
    def __init__(self, sku: str):
        super().__init__(sku)
        self.sku = sku


def _is_retryable(exc: DBAPIError) -> bool:
    # 40001 serialization_failure, 40P01 deadlock_detected
    return getattr(exc.orig, "sqlstate", None) in {"40001", "40P01"}


async def _reserve(session: AsyncSession, body: ReservationCreate) -> list[Reservation]:
    async with session.begin():
        skus = sorted({line.sku for line in body.lines})
        rows = await session.scalars(
            select(StockLevel)
            .join(StockLevel.warehouse)
            .where(Warehouse.code == body.warehouse_code, StockLevel.sku.in_(skus))
            .order_by(StockLevel.sku)
            .with_for_update(of=StockLevel)
        )
        levels = {level.sku: level for level in rows}
        expires_at = datetime.now(UTC) + HOLD_FOR
        reservations = []
        for line in body.lines:
            level = levels.get(line.sku)
            if level is None or level.available < line.quantity:
                raise InsufficientStock(line.sku)
            level.reserved += line.quantity
            reservation = Reservation(
                order_reference=body.order_reference,
                stock_level_id=level.id,
                quantity=line.quantity,
                expires_at=expires_at,
            )
            session.add(reservation)
            reservations.append(reservation)
    return reservations


@router.post("", response_model=list[ReservationOut], status_code=201)
async def create_reservation(body: ReservationCreate, session: AsyncSession = Depends(get_session)):
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return await _reserve(session, body)
        except DBAPIError as exc:
            if attempt == MAX_ATTEMPTS or not _is_retryable(exc):
                raise
            logger.warning("Reservation conflict, retrying", extra={"attempt": attempt})
            time.sleep(0.05 * 2**attempt)


async def _publish(event: str, reservation: Reservation) -> None:
    if not EVENTS_WEBHOOK_URL:
        return
    payload = {"event": event, "reservation": str(reservation.id), "order": reservation.order_reference}
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0, connect=2.0)) as client:
        try:
            response = await client.post(EVENTS_WEBHOOK_URL, json=payload)
            response.raise_for_status()
        except httpx.HTTPError:
            logger.warning("Could not publish %s for %s", event, reservation.id, exc_info=True)


@router.post("/{reservation_id}/release", response_model=ReservationOut)
async def release_reservation(
    reservation_id: uuid.UUID,
    background_tasks: BackgroundTasks,
    session: AsyncSession = Depends(get_session),
):
    async with session.begin():
        reservation = await session.get(Reservation, reservation_id, with_for_update=True)
        if reservation is None:
            raise HTTPException(status_code=404, detail="Unknown reservation")
        if reservation.status != "held":
            raise HTTPException(status_code=409, detail=f"Reservation is already {reservation.status}")
        level = await session.get(StockLevel, reservation.stock_level_id, with_for_update=True)
        level.reserved -= reservation.quantity
        reservation.status = "released"

    background_tasks.add_task(_publish, "reservation.released", reservation)
    return reservation
