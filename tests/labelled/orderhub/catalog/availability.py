"""What the shop can promise: stock on the shelf less what is being picked."""

from catalog.stock import orders_in_status
from fulfilment.picking import units_being_picked  # expect: SVC001


def available(sku, on_shelf):
    return max(0, on_shelf - units_being_picked(sku) - orders_in_status("reserved"))
