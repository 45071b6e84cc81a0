from django.urls import re_path

from . import consumers

websocket_urlpatterns = [
    re_path(r"ws/rooms/(?P<room>\w+)/$", consumers.RoomConsumer.as_asgi()),
    re_path(r"ws/private/(?P<room>\w+)/$", consumers.PrivateRoomConsumer.as_asgi()),
    re_path(r"ws/typing/(?P<room>\w+)/$", consumers.TypingConsumer.as_asgi()),
    re_path(r"ws/board/$", consumers.BoardConsumer.as_asgi()),
    re_path(r"ws/status/$", consumers.StatusConsumer.as_asgi()),
]

mobile_urlpatterns = [
    re_path(r"ws/mobile/(?P<room>\w+)/$", consumers.MobileConsumer.as_asgi()),
]
