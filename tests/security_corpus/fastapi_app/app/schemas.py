from enum import Enum
from uuid import UUID

from pydantic import BaseModel, HttpUrl


class SortField(str, Enum):
    created = "created_at"
    price = "price"
    title = "title"


class ExportFormat(str, Enum):
    csv = "csv"
    xlsx = "xlsx"


class ItemIn(BaseModel):
    title: str
    description: str = ""
    price: float
    quantity: int = 0
    warehouse_id: UUID | None = None


class ItemPatch(BaseModel):
    title: str | None = None
    price: float | None = None


class UserCreate(BaseModel):
    email: str
    full_name: str
    password: str


class Subscription(BaseModel):
    callback_url: HttpUrl
    event: str = "item.updated"
