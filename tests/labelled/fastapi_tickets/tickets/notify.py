"""Tells the chat service and the status page about tickets."""

import aiohttp
import httpx

CHAT_URL = "https://chat.example/hooks/tickets"
STATUS_URL = "https://status.example/api"


async def ticket_closed(ticket: dict) -> None:
    # httpx raises after 5 seconds without data: bounded by default
    async with httpx.AsyncClient() as client:
        await client.post(CHAT_URL, json={"text": f"ticket {ticket['id']} closed"})


async def post_digest(digest: dict) -> None:
    async with httpx.AsyncClient(base_url=CHAT_URL, timeout=None) as client:  # expect: INT001
        await client.post("/digest", json=digest)


async def check_services() -> dict:
    # aiohttp limits a request to 5 minutes by default
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{STATUS_URL}/health") as answer:
            return {"status_page": answer.status == 200}


async def fetch_status(client: httpx.AsyncClient) -> dict:
    answer = await client.get(f"{STATUS_URL}/summary", timeout=httpx.Timeout(5.0, connect=2.0))
    answer.raise_for_status()
    return answer.json()


async def fetch_incidents() -> list:
    async with httpx.AsyncClient(base_url=STATUS_URL) as client:
        answer = await client.get("/incidents")
        return answer.json()["incidents"]  # expect: INT003
