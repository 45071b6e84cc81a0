"""Input Validation & Sanitization: client data that reaches SQL, shell commands,
code, HTML, templates, deserialisers, outgoing requests, file paths and redirects
(``flows``: the taint rules), log messages, XPath, LDAP filters and regular
expressions (``injections``), and SQL assembled from strings (``sql``: VAL001)."""

from . import flows, injections, sql  # noqa: F401
