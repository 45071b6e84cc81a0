import uuid
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, field_validator

SKU_PATTERN = r"^[A-Z0-9-]{3,32}$"


class StockLevelOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    sku: str
    warehouse_code: str
    on_hand: int
    reserved: int
    available: int
    unit_cost: Decimal
    updated_at: datetime


class StockSummary(BaseModel):
    sku: str
    name: str | None
    on_hand: int
    available: int


class LowStockItem(BaseModel):
    sku: str
    on_hand: int
    reserved: int
    available: int
    reorder_point: int


class StockAdjustment(BaseModel):
    delta: int
    reason: str = Field(min_length=3, max_length=200)

    @field_validator("delta")
    @classmethod
    def non_zero(cls, value: int) -> int:
        if value == 0:
            raise ValueError("delta must not be zero")
        return value


class ReservationLine(BaseModel):
    sku: str = Field(pattern=SKU_PATTERN)
    quantity: PositiveInt


class ReservationCreate(BaseModel):
    order_reference: str = Field(max_length=20)
    warehouse_code: str = Field(max_length=16)
    lines: list[ReservationLine] = Field(min_length=1, max_length=100)


class ReservationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    order_reference: str
    quantity: int
    status: str
    expires_at: datetime
