"""Inventory service: stock levels per warehouse and short-lived reservations for shop orders.

Run with: uvicorn inventory_service.main:app --port 8001
"""

import hmac
import os
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Header, HTTPException, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from .db import engine, get_session
from .routers import reservations, stock


@asynccontextmanager
async def lifespan(app: FastAPI):
    yield
    await engine.dispose()


async def require_service_token(x_service_token: str = Header(default="")) -> None:
    expected = os.environ.get("INVENTORY_SERVICE_TOKEN", "")
    if not expected or not hmac.compare_digest(x_service_token, expected):
        raise HTTPException(status_code=401, detail="Invalid service token")


app = FastAPI(title="Inventory service", version="1.4.0", lifespan=lifespan)
app.include_router(stock.router, dependencies=[Depends(require_service_token)])
app.include_router(reservations.router, dependencies=[Depends(require_service_token)])


@app.exception_handler(reservations.InsufficientStock)
async def insufficient_stock_handler(request: Request, exc: reservations.InsufficientStock):
    return JSONResponse(
        status_code=409,
        content={"error": {"code": "insufficient_stock", "sku": exc.sku}},
    )


@app.get("/healthz", tags=["ops"])
async def healthz(session: AsyncSession = Depends(get_session)) -> dict:
    await session.execute(text("SELECT 1"))
    return {"status": "ok"}
