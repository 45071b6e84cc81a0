"""Item catalogue endpoints."""

import html
from uuid import UUID

import aiohttp
import httpx
import jinja2
from fastapi import APIRouter, Body, Depends, Form, Header, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from psycopg import sql
from sqlalchemy import text
from sqlalchemy.orm import Session

from ..config import settings
from ..crud import connect, count_rows, rename_item, search_items, search_items_bound
from ..db import get_session, get_sync_conn
from ..models import Item
from ..schemas import ItemIn, ItemPatch, SortField, Subscription

router = APIRouter()
templates = Jinja2Templates(directory="templates")


@router.get("/search")
async def search(q: str = Query("", max_length=100), exact: bool = False):
    conn = await connect()
    if exact:
        rows = await conn.fetch(f"SELECT id, title FROM items WHERE title = '{q}'")  # vuln: CWE-89
    else:
        rows = await search_items(conn, q)
    bound = await search_items_bound(conn, q)
    total = await count_rows(conn, "items")
    return {"ids": [r["id"] for r in rows], "bound": len(bound), "total": total}


@router.get("/sorted")
async def sorted_items(sort: SortField = SortField.created, limit: int = 50):
    conn = await connect()
    rows = await conn.fetch(f"SELECT id, title FROM items ORDER BY {sort.value} LIMIT {limit}")  # safe: CWE-89
    return {"ids": [r["id"] for r in rows]}


@router.get("/{item_id}")
async def read_item(item_id: int, request: Request):
    conn = await connect()
    row = await conn.fetchrow("SELECT * FROM items WHERE id = %d" % item_id)  # safe: CWE-89
    if row is None:
        return RedirectResponse(url=request.url_for("search"))  # safe: CWE-601
    return dict(row)


@router.put("/{item_id}")
async def update_item(item_id: int, item: ItemIn):
    conn = await connect()
    await conn.execute(f"UPDATE items SET price = {item.price}, quantity = {item.quantity} WHERE id = {item_id}")  # safe: CWE-89
    await conn.execute(f"UPDATE items SET description = '{item.description}' WHERE id = {item_id}")  # vuln: CWE-89
    await rename_item(conn, item_id, item.title)
    return RedirectResponse(f"/items/{item_id}", status_code=303)  # safe: CWE-601


@router.get("/by-warehouse/{warehouse_id}")
def by_warehouse(warehouse_id: UUID, x_tenant: str = Header(...), db: Session = Depends(get_session)):
    rows = db.execute(text(f"SELECT id FROM items WHERE warehouse_id = '{warehouse_id}'")).all()  # safe: CWE-89
    scoped = db.execute(text(f"SELECT id FROM items WHERE tenant = '{x_tenant}'")).all()  # vuln: CWE-89
    return {"rows": [r.id for r in rows], "scoped": [r.id for r in scoped]}


@router.get("/table/{table}/{row_id}")
def row_from_table(table: str, row_id: int):
    conn = get_sync_conn()
    with conn.cursor() as cur:
        query = sql.SQL("SELECT * FROM {} WHERE id = %s").format(sql.Identifier(table))
        cur.execute(query, [row_id])  # safe: CWE-89
        return {"row": cur.fetchone()}


@router.post("/bulk")
def bulk_update(payload: dict = Body(...), db: Session = Depends(get_session)):
    item = db.get(Item, payload["id"])
    for field, value in payload.items():
        setattr(item, field, value)  # vuln: CWE-915
    db.commit()
    return {"ok": True}


@router.patch("/{item_id}")
def patch_item(item_id: int, patch: ItemPatch, db: Session = Depends(get_session)):
    item = db.get(Item, item_id)
    for field, value in patch.model_dump(exclude_unset=True).items():
        setattr(item, field, value)  # safe: CWE-915
    db.commit()
    return {"ok": True}


@router.post("/")
def create_item(item: ItemIn, db: Session = Depends(get_session)):
    created = Item(**item.model_dump())  # safe: CWE-915
    db.add(created)
    db.commit()
    return {"id": created.id}


@router.post("/raw")
async def create_item_raw(request: Request, db: Session = Depends(get_session)):
    created = Item(**await request.json())  # vuln: CWE-915
    db.add(created)
    db.commit()
    return {"id": created.id}


@router.get("/{item_id}/card", response_class=HTMLResponse)
async def item_card(item_id: int, request: Request, label: str = "", theme: str = "light"):
    if theme == "template":
        return templates.TemplateResponse(request, "card.html", {"label": label})  # safe: CWE-79
    if theme == "escaped":
        return HTMLResponse(f"<div class='card'>{html.escape(label)}</div>")  # safe: CWE-79
    return HTMLResponse(f"<div class='card'>#{item_id} {label}</div>")  # vuln: CWE-79


@router.post("/{item_id}/render")
async def render_custom(item_id: int, layout: str = Form(...)):
    body = jinja2.Template(layout).render(item_id=item_id)  # vuln: CWE-1336
    return {"preview": body}


@router.get("/continue/after-login")
async def after_login(next_url: str = "/items/search"):
    return RedirectResponse(url=next_url)  # vuln: CWE-601


@router.post("/{item_id}/subscribe")
async def subscribe(item_id: int, sub: Subscription):
    async with httpx.AsyncClient(timeout=5) as client:
        await client.post(str(sub.callback_url), json={"item": item_id, "event": sub.event})  # vuln: CWE-918
        stock = await client.get(f"{settings.inventory_url}/stock/{item_id}")  # safe: CWE-918
    return {"stock": stock.json()}


@router.get("/{item_id}/preview-image")
async def preview_image(item_id: int, image_url: str):
    async with aiohttp.ClientSession() as session:
        async with session.get(image_url) as resp:  # vuln: CWE-918
            data = await resp.read()
    return {"item": item_id, "bytes": len(data)}
