class RequireLoginMixin:
    """Refuses anonymous users during the websocket handshake."""

    async def websocket_connect(self, message):
        if not self.scope["user"].is_authenticated:
            await self.close()
            return
        await super().websocket_connect(message)
