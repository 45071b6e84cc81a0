"""The chat's GraphQL API (strawberry): rooms and their messages."""

import strawberry
from strawberry.extensions import MaxAliasesLimiter, ParserCache, QueryDepthLimiter
from strawberry.permission import BasePermission
from strawberry.types import Info

from .models import Message as MessageRow


class IsSignedIn(BasePermission):
    message = "Sign in first"

    def has_permission(self, source, info: Info, **kwargs) -> bool:
        return info.context.request.user.is_authenticated


@strawberry.type
class Message:
    text: str
    author: str

    @strawberry.field
    def room(self) -> "Room":
        return Room(name="lobby")


def room_topic(root: "Room") -> str:
    return root.name.title()


def room_last_text(root: "Room") -> str | None:
    row = MessageRow.objects.filter(room=root.name).last()  # expect: GQL004
    return row.text if row else None


@strawberry.type
class Room:
    name: str
    topic: str = strawberry.field(resolver=room_topic)
    last_text: str | None = strawberry.field(resolver=room_last_text)

    @strawberry.field
    def messages(self) -> list[Message]:
        return [Message(text="hello", author="ana")]

    @strawberry.field
    def recent(self, limit: int = 20) -> list[Message]:
        rows = MessageRow.objects.filter(room=self.name).order_by("-created")[:limit]  # expect: GQL004
        return [Message(text=r.text, author="?") for r in rows]

    @strawberry.field
    def message_count(self, info: Info) -> int:
        return info.context.message_counts.load(self.name)


@strawberry.type
class Query:
    @strawberry.field
    def rooms(self) -> list[Room]:
        return [Room(name="lobby"), Room(name="help")]

    @strawberry.field
    def room_size(self, name: str) -> int:
        return MessageRow.objects.filter(room=name).count()


@strawberry.type
class Mutation:
    @strawberry.mutation
    def post_message(self, room: str, text: str) -> Message:  # expect: GQL003
        MessageRow.objects.create(room=room, text=text)
        return Message(text=text, author="anonymous")

    @strawberry.mutation(permission_classes=[IsSignedIn])
    def clear_room(self, room: str) -> bool:
        MessageRow.objects.filter(room=room).delete()
        return True

    @strawberry.mutation
    def edit_message(self, info: Info, id: int, text: str) -> bool:
        user = info.context.request.user
        return bool(MessageRow.objects.filter(pk=id, author=user).update(text=text))

    @strawberry.mutation
    def check_room(self, room: str) -> bool:
        """Declared a mutation by the client's authors, but only reads."""
        return MessageRow.objects.filter(room=room).exists()


# the public API: rooms refer to messages and back, and nothing bounds the depth
schema = strawberry.Schema(query=Query, extensions=[ParserCache()])  # expect: GQL001

# the staff API is limited
STAFF_EXTENSIONS = [QueryDepthLimiter(max_depth=6), MaxAliasesLimiter(max_alias_count=20)]
staff_schema = strawberry.Schema(query=Query, mutation=Mutation, extensions=STAFF_EXTENSIONS)
