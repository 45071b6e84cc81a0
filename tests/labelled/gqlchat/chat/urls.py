from django.conf import settings
from django.urls import path
from strawberry.django.views import AsyncGraphQLView

from .schema import schema, staff_schema

urlpatterns = [
    path("graphql/", AsyncGraphQLView.as_view(schema=schema, graphql_ide=None)),
    path(
        "staff/graphql/",
        AsyncGraphQLView.as_view(
            schema=staff_schema,
            graphql_ide="graphiql" if settings.DEBUG else None,
        ),
    ),
]
