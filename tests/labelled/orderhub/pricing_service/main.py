"""A small FastAPI service next to orderhub that prices baskets."""

import asyncio
import os
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request

RATES_URL = os.environ.get("RATES_URL", "https://rates.example.com/v1")
DISCOUNTS_URL = "http://discounts.internal/api"


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.http = httpx.AsyncClient(timeout=5)
    yield
    await app.state.http.aclose()


app = FastAPI(lifespan=lifespan)  # expect: RATE003


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


@app.get("/health")
async def health() -> dict:
    await asyncio.sleep(0)
    return {"ok": True}
