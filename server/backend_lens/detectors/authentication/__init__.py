"""Authentication & Authorization Systems: who may call an endpoint (``access``:
AUTH001-AUTH003), passwords compared with == (``passwords``: AUTH004),
privileges decided by what the client sends (``client_claims``: AUTH005). One
module per concern; importing the package registers them."""

from . import access, client_claims, passwords  # noqa: F401
