import logging
import os
from typing import Literal

import requests
from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager, selectinload

from ..db import get_session
from ..models import StockLevel, Warehouse
from ..schemas import LowStockItem, StockAdjustment, StockLevelOut, StockSummary

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/stock", tags=["stock"])

CATALOG_API_URL = os.getenv("CATALOG_API_URL", "http://web:8000/api")


@router.get("/low", response_model=list[LowStockItem])
async def low_stock(
    warehouse: str,
    sort: str = "available",
    direction: Literal["asc", "desc"] = "asc",
    session: AsyncSession = Depends(get_session),
):
    result = await session.execute(
        text(
            f"""
            SELECT s.sku, s.on_hand, s.reserved, s.on_hand - s.reserved AS available, s.reorder_point
            FROM stock_levels s
            JOIN warehouses w ON w.id = s.warehouse_id
            WHERE w.code = :warehouse AND s.on_hand - s.reserved <= s.reorder_point
            ORDER BY {sort} {direction}
            """
        ),
        {"warehouse": warehouse},
    )
    return [LowStockItem(**row) for row in result.mappings()]


@router.get("/{sku}", response_model=list[StockLevelOut])
async def get_stock(sku: str, session: AsyncSession = Depends(get_session)):
    levels = (
        await session.scalars(
            select(StockLevel).options(selectinload(StockLevel.warehouse)).where(StockLevel.sku == sku)
        )
    ).all()
    if not levels:
        raise HTTPException(status_code=404, detail="Unknown SKU")
    return levels


@router.get("/{sku}/summary", response_model=StockSummary)
async def stock_summary(sku: str, session: AsyncSession = Depends(get_session)):
    row = (
        await session.execute(
            text(
                "SELECT coalesce(sum(on_hand), 0) AS on_hand, "
                "coalesce(sum(on_hand - reserved), 0) AS available "
                "FROM stock_levels WHERE sku = :sku"
            ),
            {"sku": sku},
        )
    ).one()
    product = requests.get(f"{CATALOG_API_URL}/products/{sku}/", timeout=2)
    name = product.json().get("name") if product.ok else None
    return StockSummary(sku=sku, name=name, on_hand=row.on_hand, available=row.available)


@router.post("/{warehouse_code}/{sku}/adjustments", response_model=StockLevelOut)
async def adjust_stock(
    warehouse_code: str,
    sku: str,
    body: StockAdjustment,
    session: AsyncSession = Depends(get_session),
):
    async with session.begin():
        level = await session.scalar(
            select(StockLevel)
            .join(StockLevel.warehouse)
            .options(contains_eager(StockLevel.warehouse))
            .where(Warehouse.code == warehouse_code, StockLevel.sku == sku)
            .with_for_update(of=StockLevel)
        )
        if level is None:
            raise HTTPException(status_code=404, detail="Unknown SKU for this warehouse")
        if level.on_hand + body.delta < level.reserved:
            raise HTTPException(status_code=409, detail="Adjustment would drop below reserved stock")
        level.on_hand += body.delta

    logger.info("Stock adjusted", extra={"sku": sku, "warehouse": warehouse_code, "delta": body.delta})
    return level
