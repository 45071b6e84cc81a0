"""Input Validation & Sanitization: client data that reaches SQL, shell commands,
code, HTML, templates, deserialisers, outgoing requests, file paths and redirects
(``flows``: the taint rules), and SQL assembled from strings (``sql``: VAL001)."""

from . import flows, sql  # noqa: F401
