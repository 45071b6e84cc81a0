"""GraphQL & Real-time Services: GraphQL endpoints without query limits or with
their IDE and debug output switched on (GQL001, GQL002), and Django Channels
websockets that let anyone in, that any site can open with the user's cookies,
or that query the database synchronously on the event loop (WS001-WS003).

Most is decided from one file's parse tree: where a GraphQL schema is served
(graphene-django, graphql-server, ariadne) or built with its extensions
(strawberry), the consumer classes of a file, an ``asgi.py``'s
``ProtocolTypeRouter``. Three judgements read the project's facts: the
``GRAPHENE`` setting (GQL001), a project subclass of graphene-django's view
(GQL001, "models"), and whether other modules derive from a consumer (WS001).
Whenever the deciding part is out of sight (extensions built by a function, a
consumer base class from another module, a websocket application imported
from elsewhere) the rules stay quiet.
"""

from . import limits, websockets  # noqa: F401
