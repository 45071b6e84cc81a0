"""The JSON API of the notes service."""

import logging
from http import HTTPStatus

from flask import Blueprint, abort, jsonify, make_response, request

from notes.store import NoteNotFound, NoteStore, StoreUnavailable

log = logging.getLogger(__name__)
api = Blueprint("api", __name__)
store = NoteStore()


@api.before_request
def require_login():
    token = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if not store.verify_token(token):
        abort(HTTPStatus.UNAUTHORIZED)


@api.get("/notes/<int:note_id>")
def get_note(note_id: int):
    try:
        note = store.get(note_id)
    except NoteNotFound:
        return jsonify(error="note not found")  # expect: INT002
    return jsonify(note)


@api.post("/notes")
def create_note():
    payload = request.get_json(silent=True) or {}
    title = payload.get("title", "").strip()
    if not title:
        return {"error": "title is required"}  # expect: INT002
    if len(title) > 200:
        return {"error": "title is longer than 200 characters"}, 400
    note = store.add(title, payload.get("body", ""))
    return jsonify(note), 201


@api.put("/notes/<int:note_id>")
def update_note(note_id: int):
    payload = request.get_json(silent=True) or {}
    try:
        note = store.update(note_id, payload.get("title"), payload.get("body"))
    except NoteNotFound:
        return jsonify(error="note not found"), HTTPStatus.NOT_FOUND
    except StoreUnavailable:
        log.warning("note store unavailable while updating %s", note_id)
        return make_response(jsonify({"success": False, "message": "try again later"}))  # expect: INT002
    return jsonify(note)


@api.delete("/notes/<int:note_id>")
def delete_note(note_id: int):
    if not store.exists(note_id):
        return jsonify({"error": "note not found"}), 200  # expect: INT002
    store.delete(note_id)
    return "", 204


@api.post("/notes/check")
def check_note():
    """Tells the editor whether a draft would be accepted: the answer is the verdict."""
    payload = request.get_json(silent=True) or {}
    problems = [p for p in (payload.get("title"), payload.get("body")) if not p]
    if problems:
        return jsonify(valid=False, errors=["title and body are required"])
    return jsonify(valid=True, errors=[])


@api.get("/stats")
def stats():
    counts = store.counts()
    if counts["total"] == 0:
        return {"notes": 0, "errors": 0}
    return {"notes": counts["total"], "errors": counts["failed_syncs"]}


@api.post("/import")
def import_notes():
    try:
        store.import_many(request.get_json(silent=True) or [])
    except ValueError:
        # the importer shows the error inline and must not trigger its retry logic
        return jsonify(error="some notes could not be imported")
    return jsonify(imported=True)


def error_body(message: str):
    """Used by the views above and by the CLI: not a view itself."""
    if not message:
        return {"error": "unknown error"}
    return {"error": message}
