"""Reporting API (ariadne), mounted as its own ASGI app."""

from ariadne import MutationType, ObjectType, QueryType, graphql_sync, make_executable_schema
from ariadne.asgi import GraphQL
from ariadne.validation import cost_validator
from graphql import GraphQLError

from .models import Report, ReportRow

type_defs = """
    type Query {
        report(name: String!): String
        reports: [Report!]!
    }

    type Report {
        name: String!
        rows: [ReportRow!]!
        owner: String
    }

    type ReportRow {
        label: String!
        value: Float!
    }

    type Mutation {
        archiveReport(name: String!): Boolean!
        deleteReport(name: String!): Boolean!
        renameReport(name: String!, to: String!): Boolean!
    }
"""

query = QueryType()
mutation = MutationType()
report = ObjectType("Report")


@query.field("report")
def resolve_report(_, info, name):
    return f"report {name}"


@query.field("reports")
def resolve_reports(_, info):
    return Report.objects.filter(archived=False)


@report.field("rows")
def resolve_report_rows(obj, info):
    return ReportRow.objects.filter(report=obj).order_by("label")  # expect: GQL004


@report.field("owner")
def resolve_report_owner(obj, info):
    return info.context["user_loader"].load(obj.owner_id)


@mutation.field("archiveReport")
def resolve_archive_report(_, info, name):  # expect: GQL003
    Report.objects.filter(name=name).update(archived=True)
    return True


@mutation.field("deleteReport")
def resolve_delete_report(_, info, name):
    user = info.context["request"].user
    if not user.is_staff:
        raise GraphQLError("Staff only")
    Report.objects.filter(name=name).delete()
    return True


def resolve_rename_report(_, info, name, to):  # expect: GQL003
    return bool(Report.objects.filter(name=name).update(name=to))


mutation.set_field("renameReport", resolve_rename_report)

schema = make_executable_schema(type_defs, query, mutation, report)

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
