"""Tickets kept in memory; the real service uses a database."""


class TicketNotFound(Exception):
    pass


class TicketLocked(Exception):
    pass


_TICKETS: dict[int, dict] = {}


async def load(ticket_id: int) -> dict:
    if ticket_id not in _TICKETS:
        raise TicketNotFound(ticket_id)
    return _TICKETS[ticket_id]


async def save(ticket: dict) -> dict:
    if ticket.get("locked"):
        raise TicketLocked(ticket["id"])
    _TICKETS[ticket["id"]] = ticket
    return ticket
