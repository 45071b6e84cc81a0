"""Authentication & Authorization Systems: who may call an endpoint (``access``:
AUTH001-AUTH003), passwords compared with == (``passwords``: AUTH004). One
module per concern; importing the package registers them."""

from . import access, passwords  # noqa: F401
