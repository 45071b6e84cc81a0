"""Picking lists for the warehouse."""

from catalog.availability import available


def units_being_picked(sku):
    return 0 if not sku else 1


def can_pick(sku, on_shelf):
    return available(sku, on_shelf) > 0
