from django.conf import settings
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from graphene.validation import depth_limit_validator
from graphene_django.views import GraphQLView

from .schema import schema
from .views import PartnerGraphQLView

urlpatterns = [
    path(
        "graphql/",
        csrf_exempt(
            GraphQLView.as_view(  # expect: GQL001
                schema=schema,
                graphiql=True,  # expect: GQL002
            )
        ),
    ),
    path(
        "v2/graphql/",
        csrf_exempt(
            GraphQLView.as_view(
                schema=schema,
                graphiql=settings.DEBUG,
                validation_rules=(depth_limit_validator(8),),
            )
        ),
    ),
    path("partners/graphql/", PartnerGraphQLView.as_view(schema=schema, graphiql=False)),
]

if settings.DEBUG:
    urlpatterns += [
        path(
            "debug/graphql/",
            GraphQLView.as_view(
                schema=schema, graphiql=True, validation_rules=(depth_limit_validator(8),)
            ),
        )
    ]
