"""Websocket authentication for the mobile app: a signed token in the query string."""

from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.contrib.auth.models import AnonymousUser
from django.core import signing


@database_sync_to_async
def user_for_token(token):
    from django.contrib.auth import get_user_model

    try:
        user_id = signing.loads(token, max_age=3600)
    except signing.BadSignature:
        return AnonymousUser()
    return get_user_model().objects.filter(pk=user_id).first() or AnonymousUser()


class QueryTokenAuthMiddleware:
    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        query = parse_qs(scope.get("query_string", b"").decode())
        token = (query.get("token") or [""])[0]
        scope = dict(scope, user=await user_for_token(token))
        return await self.inner(scope, receive, send)
