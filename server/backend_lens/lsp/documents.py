"""Open documents as the protocol counts their lines.

pygls's TextDocument splits its text with ``str.splitlines``, which also breaks
at form feed, U+0085, U+2028 and a few more characters that the protocol, the
editor and Python do not take for line breaks. An incremental change below such
a character would land on the wrong line and the server's copy of the document
would drift from the editor's for good. These classes count lines with the one
rule the rest of Backend Lens uses (``source.lines.split_lines``)."""

from __future__ import annotations

from collections.abc import Sequence

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
