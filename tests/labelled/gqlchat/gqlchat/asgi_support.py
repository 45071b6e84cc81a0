"""The support desk runs as its own ASGI service: the same chat, origin-checked,
plus a token-authenticated socket for the mobile app."""

from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.core.asgi import get_asgi_application

from chat.middleware import QueryTokenAuthMiddleware
from chat.routing import mobile_urlpatterns, websocket_urlpatterns

support = ProtocolTypeRouter(
    {
        "http": get_asgi_application(),
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)

# the mobile app sends a token in the query string, never a cookie
mobile = ProtocolTypeRouter({"websocket": QueryTokenAuthMiddleware(URLRouter(mobile_urlpatterns))})
