"""Chat websockets: open rooms, private rooms, typing notices, a board of open
rooms and a status feed."""

import json

from channels.db import database_sync_to_async
from channels.exceptions import DenyConnection
from channels.generic.websocket import (
    AsyncJsonWebsocketConsumer,
    AsyncWebsocketConsumer,
    JsonWebsocketConsumer,
)

from .mixins import RequireLoginMixin
from .models import Message

OPEN_ROOMS = ("lobby", "help", "random")


class RoomConsumer(AsyncWebsocketConsumer):
    """Anyone who knows a room's name can read and write in it."""

    async def connect(self):
        self.room = self.scope["url_route"]["kwargs"]["room"]
        self.group = f"room_{self.room}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()  # expect: WS001

    async def disconnect(self, code):
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        payload = json.loads(text_data or "{}")
        Message.objects.create(room=self.room, text=payload.get("text", ""))  # expect: WS003
        await self.channel_layer.group_send(
            self.group, {"type": "chat.message", "text": payload.get("text", "")}
        )

    async def chat_message(self, event):
        await self.send(text_data=json.dumps({"text": event["text"]}))


class PrivateRoomConsumer(AsyncWebsocketConsumer):
    """Members only: the user is checked before the socket is accepted."""

    async def connect(self):
        user = self.scope["user"]
        if not user.is_authenticated:
            await self.close(code=4401)
            return
        self.group = f"private_{self.scope['url_route']['kwargs']['room']}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def chat_message(self, event):
        await self.send(text_data=json.dumps(event))

    async def receive(self, text_data=None, bytes_data=None):
        await Message.objects.acreate(room=self.group, text=text_data or "")
        backlog = await self.backlog()
        await self.send(text_data=json.dumps({"backlog": backlog}))

    @database_sync_to_async
    def backlog(self):
        return Message.objects.filter(room=self.group).count()


class PublicRoomConsumer(AsyncWebsocketConsumer):
    """Only the rooms in OPEN_ROOMS exist; any other name is refused."""

    async def connect(self):
        room = self.scope["url_route"]["kwargs"]["room"]
        if room not in OPEN_ROOMS:
            raise DenyConnection(f"no room {room}")
        await self.accept()


class TypingConsumer(RequireLoginMixin, AsyncWebsocketConsumer):
    """The mixin (another module) refuses anonymous users before connect()."""

    async def connect(self):
        await self.accept()


class BoardConsumer(JsonWebsocketConsumer):  # expect: WS001
    """Lists the busy rooms every few seconds; keeps Channels' own connect()."""

    def busy_rooms(self, event):
        self.send_json({"rooms": event["rooms"]})


class BaseFeedConsumer(AsyncJsonWebsocketConsumer):
    groups = ["status"]

    async def status_update(self, event):
        await self.send_json(event["status"])


class StatusConsumer(BaseFeedConsumer):
    """Per-message checks: only staff may post a status."""

    async def receive_json(self, content):
        if not self.scope["user"].is_staff:
            return
        await self.channel_layer.group_send("status", {"type": "status.update", "status": content})


class MobileConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        if self.scope["user"].is_anonymous:
            await self.close()
        else:
            await self.accept()
