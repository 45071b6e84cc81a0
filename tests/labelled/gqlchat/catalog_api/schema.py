"""The product catalogue over GraphQL (graphene)."""

import graphene


class Category(graphene.ObjectType):
    name = graphene.String()
    parent = graphene.Field(lambda: Category)


class Query(graphene.ObjectType):
    categories = graphene.List(Category)

    def resolve_categories(root, info):
        return [Category(name="books")]


schema = graphene.Schema(query=Query)
