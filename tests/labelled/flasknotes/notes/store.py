"""Notes kept in memory; the real service uses a database."""


class NoteNotFound(Exception):
    pass


class StoreUnavailable(Exception):
    pass


class NoteStore:
    def __init__(self):
        self._notes: dict[int, dict] = {}
        self._next = 1

    def get(self, note_id: int) -> dict:
        if note_id not in self._notes:
            raise NoteNotFound(note_id)
        return self._notes[note_id]

    def exists(self, note_id: int) -> bool:
        return note_id in self._notes

    def add(self, title: str, body: str) -> dict:
        note = {"id": self._next, "title": title, "body": body}
        self._notes[self._next] = note
        self._next += 1
        return note

    def update(self, note_id: int, title, body) -> dict:
        note = self.get(note_id)
        if title:
            note["title"] = title
        if body is not None:
            note["body"] = body
        return note

    def delete(self, note_id: int) -> None:
        self._notes.pop(note_id, None)

    def counts(self) -> dict:
        return {"total": len(self._notes), "failed_syncs": 0}

    def import_many(self, items: list) -> None:
        for item in items:
            if not isinstance(item, dict) or "title" not in item:
                raise ValueError("every note needs a title")
            self.add(item["title"], item.get("body", ""))
