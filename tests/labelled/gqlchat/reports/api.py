"""Reporting API (ariadne), mounted as its own ASGI app."""

from ariadne import QueryType, graphql_sync, make_executable_schema
from ariadne.asgi import GraphQL
from ariadne.validation import cost_validator

type_defs = """
    type Query {
        report(name: String!): String
    }
"""

query = QueryType()


@query.field("report")
def resolve_report(_, info, name):
    return f"report {name}"


schema = make_executable_schema(type_defs, query)

app = GraphQL(  # expect: GQL001
    schema,
    debug=True,  # expect: GQL002
)

limited_app = GraphQL(schema, validation_rules=[cost_validator(maximum_cost=200)])


def run_report_query(request_data, context):
    """The same schema behind a plain Django view, with a cost limit."""
    return graphql_sync(
        schema,
        request_data,
        context_value=context,
        validation_rules=[cost_validator(maximum_cost=200)],
    )
