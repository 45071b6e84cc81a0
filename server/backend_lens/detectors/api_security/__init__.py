"""API Security & Documentation: production settings that expose the service
(DEBUG, ALLOWED_HOSTS, CORS with credentials), views that drop CSRF protection,
and error details returned to clients.

The settings rules read a settings module's module-level assignments at once and
judge in a Deferred whether the module is a production one (``facts.kinds``:
named so, selected by wsgi/asgi, imported by a production module, or the only
settings module of its service) and whether a module built on it sets the same
name again."""

from . import cookies, cors, csrf, errors, framing, settings_rules, transport  # noqa: F401
