"""ASGI entry point: Django for HTTP, Channels for the chat websockets."""

from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter
from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

from chat.routing import websocket_urlpatterns  # noqa: E402

chat_sockets = AuthMiddlewareStack(URLRouter(websocket_urlpatterns))

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": chat_sockets,  # expect: WS002
    }
)
