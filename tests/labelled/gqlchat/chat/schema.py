"""The chat's GraphQL API (strawberry): rooms and their messages."""

import strawberry
from strawberry.extensions import MaxAliasesLimiter, ParserCache, QueryDepthLimiter


@strawberry.type
class Message:
    text: str
    author: str

    @strawberry.field
    def room(self) -> "Room":
        return Room(name="lobby")


@strawberry.type
class Room:
    name: str

    @strawberry.field
    def messages(self) -> list[Message]:
        return [Message(text="hello", author="ana")]


@strawberry.type
class Query:
    @strawberry.field
    def rooms(self) -> list[Room]:
        return [Room(name="lobby"), Room(name="help")]


# the public API: rooms refer to messages and back, and nothing bounds the depth
schema = strawberry.Schema(query=Query, extensions=[ParserCache()])  # expect: GQL001

# the staff API is limited
STAFF_EXTENSIONS = [QueryDepthLimiter(max_depth=6), MaxAliasesLimiter(max_alias_count=20)]
staff_schema = strawberry.Schema(query=Query, extensions=STAFF_EXTENSIONS)
