"""asyncpg queries shared by the routers."""

import asyncpg

from .config import settings


async def connect():
    return await asyncpg.connect(settings.database_url)


async def search_items(conn, term):
    return await conn.fetch(f"SELECT id, title FROM items WHERE title ILIKE '%{term}%'")  # vuln: CWE-89


async def search_items_bound(conn, term):
    return await conn.fetch("SELECT id, title FROM items WHERE title ILIKE $1", f"%{term}%")  # safe: CWE-89


async def count_rows(conn, table):
    return await conn.fetchval(f"SELECT COUNT(*) FROM {table}")  # safe: CWE-89


async def rename_item(conn, item_id, title):
    await conn.execute(f"UPDATE items SET title = '{title}' WHERE id = {item_id}")  # vuln: CWE-89
