"""GraphQL & Real-time Services: GraphQL endpoints without query limits or with
their IDE and debug output switched on (GQL001, GQL002, ``limits``), mutations
that change data for any caller (GQL003, ``mutations``), resolvers that query
the database once per item of a list (GQL004, ``resolvers``), and Django
Channels websockets that let anyone in, that any site can open with the user's
cookies, or that query the database synchronously on the event loop
(WS001-WS003, ``websockets``).

Most is decided from one file's parse tree: where a GraphQL schema is served
(graphene-django, graphql-server, ariadne) or built with its extensions
(strawberry), the consumer classes of a file, an ``asgi.py``'s
``ProtocolTypeRouter``, the types, resolvers and mutations a file declares
(``_graphql``). Judgements read the project's facts: the ``GRAPHENE`` setting
(GQL001, GQL003), a project subclass of graphene-django's view (GQL001,
"models"), the project base classes of a graphene mutation and the endpoints
that serve GraphQL (GQL003), and whether other modules derive from a consumer
(WS001). Whenever the deciding part is out of sight (extensions built by a
function, a consumer or mutation base class the index cannot place, a websocket
application imported from elsewhere) the rules stay quiet.
"""

from . import limits, mutations, resolvers, websockets  # noqa: F401
