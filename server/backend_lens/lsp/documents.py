"""Open documents as the protocol counts their lines.

pygls's TextDocument splits its text with ``str.splitlines``, which also breaks
at form feed, U+0085, U+2028 and a few more characters that the protocol, the
editor and Python do not take for line breaks. An incremental change below such
a character would land on the wrong line and the server's copy of the document
would drift from the editor's for good. These classes count lines with the one
rule the rest of Backend Lens uses (``source.lines.split_lines``)."""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from urllib.parse import quote_from_bytes, unquote, unquote_to_bytes, urlparse

from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace import TextDocument, Workspace

from ..source.lines import split_lines


class LspTextDocument(TextDocument):
    @property
    def lines(self) -> Sequence[str]:
        return tuple(split_lines(self.source))


class LspWorkspace(Workspace):
    def _create_text_document(self, doc_uri, source=None, version=None, language_id=None):
        return LspTextDocument(
            doc_uri,
            source=source,
            version=version,
            language_id=language_id,
            sync_kind=self._sync_kind,
            position_codec=self._position_codec,
        )


def count_lines_as_the_protocol_does(workspace: Workspace) -> None:
    """Make a workspace that pygls created (on initialize) create LspTextDocuments.
    Its state is untouched: only how new documents are made changes."""
    if type(workspace) is Workspace:
        workspace.__class__ = LspWorkspace


@functools.lru_cache(maxsize=4096)  # asked for every related location and fix published
def uri_of(path: str) -> str:
    """The file URI of ``path``. A name that is not valid UTF-8 (a Latin-1 folder
    name on disk, held by Python as surrogate escapes) is percent-encoded byte by
    byte, where pygls's from_fs_path would raise."""
    try:
        return from_fs_path(path) or path
    except UnicodeError:
        return "file://" + quote_from_bytes(os.fsencode(path), safe="/")


def path_of(uri: str) -> str:
    """The path of a file URI; the inverse of ``uri_of``, bytes that are not
    valid UTF-8 included (pygls's to_fs_path would turn them into U+FFFD and name
    a file that does not exist)."""
    parsed = urlparse(uri)
    if parsed.scheme == "file" and not parsed.netloc and "%" in parsed.path:
        raw = unquote_to_bytes(parsed.path)
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            if os.name != "nt":
                return os.fsdecode(raw)
    return to_fs_path(uri) or unquote(uri)
