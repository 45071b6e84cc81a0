"""FastAPI values validated into types no quote can be in (VAL001 look-alikes)."""

from datetime import date
from enum import Enum
from uuid import UUID

from fastapi import Depends, FastAPI, Query
from pydantic import BaseModel
from sqlalchemy import text

app = FastAPI()  # expect: RATE003


class Shelf(str, Enum):
    front = "front"
    back = "back"


class Restock(BaseModel):
    price: float
    quantity: int = 0
    due: date
    shelf: Shelf = Shelf.front


@app.put("/stock/{sku}")
def restock(sku: UUID, body: Restock, ids: list[int] = Query([]), db=Depends(session)):  # expect: AUTH002
    db.execute(text(f"UPDATE stock SET price = {body.price} WHERE sku = '{sku}'"))
    db.execute(text(f"UPDATE stock SET shelf = '{body.shelf}' WHERE id IN ({ids})"))


@app.get("/stock/search")
def search_stock(q: str, day: date, db=Depends(session)):
    db.execute(text(f"SELECT * FROM stock WHERE due = '{day}'"))
    db.execute(text(f"SELECT * FROM stock WHERE name = '{q}'"))  # expect: VAL001
