"""The product catalogue over GraphQL (graphene)."""

import graphene
from graphene_django import DjangoObjectType

from .models import Category as CategoryModel
from .models import Product


class ProductType(DjangoObjectType):
    class Meta:
        model = Product
        fields = ("id", "name", "created")


class Category(graphene.ObjectType):
    name = graphene.String()
    parent = graphene.Field(lambda: Category)


class CategoryType(DjangoObjectType):
    products = graphene.List(ProductType)
    product_count = graphene.Int()
    latest_product = graphene.Field(ProductType)
    parent_name = graphene.String()
    cached_products = graphene.List(ProductType)

    class Meta:
        model = CategoryModel
        fields = ("id", "name")

    def resolve_products(root, info):
        return Product.objects.filter(category=root).order_by("name")  # expect: GQL004

    def resolve_product_count(root, info):
        # served by the prefetch of Query.resolve_category_list
        return root.products.count()

    def resolve_latest_product(root, info):
        return root.products.order_by("-created").first()  # expect: GQL004

    def resolve_parent_name(root, info):
        return root.parent.name if root.parent_id else None

    def resolve_cached_products(root, info):
        return info.context.products_by_category.load(root.id)


class CategoryPayload(graphene.ObjectType):
    """Answered once per request: its resolvers may query."""

    category = graphene.Field(CategoryType)
    siblings = graphene.List(CategoryType)

    def resolve_siblings(root, info):
        return CategoryModel.objects.filter(parent_id=root.category.parent_id)


class Query(graphene.ObjectType):
    categories = graphene.List(Category)
    category_list = graphene.List(CategoryType)
    category = graphene.Field(CategoryType, id=graphene.ID(required=True))

    def resolve_categories(root, info):
        return [Category(name="books")]

    def resolve_category_list(root, info):
        return CategoryModel.objects.prefetch_related("products")

    def resolve_category(root, info, id):
        return CategoryModel.objects.get(pk=id)


from .mutations import Mutation  # noqa: E402

schema = graphene.Schema(query=Query, mutation=Mutation)
