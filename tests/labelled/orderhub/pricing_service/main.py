"""A small FastAPI service next to orderhub that prices baskets."""

import asyncio
import os
from contextlib import asynccontextmanager

import httpx
from fastapi import Depends, FastAPI, Request, UploadFile
from fastapi.responses import JSONResponse
from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

from .auth import verify_service_token
from .db import AsyncSessionLocal, SessionLocal, engine, get_session
from .quotes import router as quotes_router

RATES_URL = os.environ.get("RATES_URL", "https://rates.example.com/v1")
DISCOUNTS_URL = "http://discounts.internal/api"


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.http = httpx.AsyncClient(timeout=5)
    yield
    await app.state.http.aclose()


app = FastAPI(lifespan=lifespan)  # expect: RATE003
app.include_router(quotes_router)


@app.middleware("http")
async def require_prices_table(request: Request, call_next):
    if not inspect(engine).has_table("prices"):  # expect: PERF001
        return JSONResponse({"detail": "prices are not loaded"}, status_code=503)
    return await call_next(request)


@app.get("/rates/{currency}")
async def rate(currency: str) -> dict:
    async with httpx.AsyncClient(timeout=5) as client:  # expect: INT004
        response = await client.get(f"{RATES_URL}/latest", params={"base": currency})
    response.raise_for_status()
    return {"rate": response.json()["rate"]}


@app.get("/rates-shared/{currency}")
async def rate_shared(currency: str, request: Request) -> dict:
    response = await request.app.state.http.get(f"{RATES_URL}/latest", params={"base": currency})
    response.raise_for_status()
    return {"rate": response.json()["rate"]}


@app.get("/discounts/{sku}")
async def discount(sku: str, request: Request) -> dict:
    response = await request.app.state.http.get(f"{DISCOUNTS_URL}/{sku}")  # expect: INT005
    response.raise_for_status()
    return {"discount": response.json()["percent"]}


@app.get("/prices/{sku}")
async def price(sku: str, session: Session = Depends(get_session)) -> dict:
    row = session.execute(  # expect: PERF001
        text("select amount from prices where sku = :sku"), {"sku": sku}
    ).first()
    return {"amount": row.amount if row else None}


@app.get("/prices-async/{sku}")
async def price_async(sku: str) -> dict:
    async with AsyncSessionLocal() as session:
        result = await session.execute(
            text("select amount from prices where sku = :sku"), {"sku": sku}
        )
        row = result.first()
    return {"amount": row.amount if row else None}


@app.get("/prices-sync/{sku}")
def price_sync(sku: str) -> dict:
    with Session(SessionLocal.kw["bind"]) as session:
        row = session.execute(
            text("select amount from prices where sku = :sku"), {"sku": sku}
        ).first()
    return {"amount": row.amount if row else None}


@app.get("/terms")
async def terms() -> dict:
    with open("pricing_service/terms.txt", encoding="utf-8") as fh:  # expect: PERF001
        body = fh.read()
    return {"terms": body}


@app.get("/terms-threaded")
async def terms_threaded() -> dict:
    body = await asyncio.to_thread(_read_terms)
    return {"terms": body}


def _read_terms() -> str:
    with open("pricing_service/terms.txt", encoding="utf-8") as fh:
        return fh.read()


@app.post("/price-lists")
async def upload_price_list(
    price_list: UploadFile, token: str = Depends(verify_service_token)
) -> dict:
    content = await price_list.read()  # expect: PERF002
    return {"lines": content.count(b"\n")}


@app.post("/price-lists-streamed")
async def upload_price_list_streamed(
    price_list: UploadFile, token: str = Depends(verify_service_token)
) -> dict:
    lines = 0
    while chunk := await price_list.read(1024 * 1024):
        lines += chunk.count(b"\n")
    return {"lines": lines}


@app.get("/health")
async def health() -> dict:
    await asyncio.sleep(0)
    return {"ok": True}
