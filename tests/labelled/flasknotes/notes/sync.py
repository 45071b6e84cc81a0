"""Pushes notes to the search service and backs them up; fetches the feed."""

import http.client
import json
import urllib.request

import httpx
import requests
import urllib3

from notes.store import NoteStore

SEARCH_URL = "https://search.internal.example/v1"
BACKUP_HOST = "backup.internal.example"

search_session = requests.Session()
search_session.headers["User-Agent"] = "notes-sync/1.0"
pool = urllib3.PoolManager(num_pools=2)
bounded_pool = urllib3.PoolManager(timeout=urllib3.Timeout(connect=2.0, read=10.0))


def push_to_search(note: dict) -> None:
    response = search_session.post(f"{SEARCH_URL}/notes", json=note)  # expect: INT001
    response.raise_for_status()


def push_many(notes: list[dict]) -> None:
    with requests.Session() as session:
        session.headers["User-Agent"] = "notes-sync/1.0"
        for note in notes:
            session.put(f"{SEARCH_URL}/notes/{note['id']}", json=note, timeout=(3, 10))


def delete_from_search(session: requests.Session, note_id: int) -> None:
    session.delete(f"{SEARCH_URL}/notes/{note_id}").raise_for_status()  # expect: INT001


def fetch_feed(url: str) -> list:
    with urllib.request.urlopen(url) as answer:  # expect: INT001
        return json.load(answer)


def fetch_feed_bounded(url: str) -> list:
    with urllib.request.urlopen(url, timeout=5) as answer:
        return json.load(answer)


def backup(store: NoteStore) -> int:
    conn = http.client.HTTPSConnection(BACKUP_HOST)  # expect: INT001
    conn.request("PUT", "/notes.json", body=json.dumps(store.counts()))
    return conn.getresponse().status


def backup_bounded(store: NoteStore) -> int:
    conn = http.client.HTTPSConnection(BACKUP_HOST, timeout=15)
    conn.request("PUT", "/notes.json", body=json.dumps(store.counts()))
    return conn.getresponse().status


def ping_search() -> int:
    return pool.request("GET", f"{SEARCH_URL}/health").status  # expect: INT001


def ping_search_bounded() -> int:
    return bounded_pool.request("GET", f"{SEARCH_URL}/health").status


def ping_search_top_level() -> int:
    # urllib3's own request() waits 3 seconds by default
    return urllib3.request("GET", f"{SEARCH_URL}/health").status


def export_to_archive(notes: list[dict]) -> None:
    # httpx waits 5 seconds by default: no argument needed
    httpx.post("https://archive.example/notes", json=notes).raise_for_status()


def stream_to_archive(notes: list[dict]) -> None:
    with httpx.Client(timeout=None) as client:  # expect: INT001
        client.post("https://archive.example/bulk", json=notes).raise_for_status()


def settings_lookup(settings: dict, url: str):
    # `.get` on a dict and on a response: not outgoing calls
    response = settings.get("search_url", url)
    return response


def search_suggestions(prefix: str) -> list:
    answer = search_session.get(f"{SEARCH_URL}/suggest", params={"q": prefix}, timeout=2)
    return answer.json()["suggestions"]  # expect: INT003


def search_count() -> int:
    answer = search_session.get(f"{SEARCH_URL}/count", timeout=2)
    if answer.status_code == 404:
        return 0
    return answer.json()["count"]


def post_to_chat(text: str) -> None:
    # the chat API answers 200 with {"ok": false} when it refuses a message
    url = "https://chat.example/api/chat.postMessage"
    body = requests.post(url, json={"text": text}, timeout=5).json()
    if not body["ok"]:
        raise RuntimeError(body["error"])
