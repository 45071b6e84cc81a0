"""Catalogue mutations (graphene): staff ones through StaffMutation, the others
checking the caller themselves, and some that forgot to."""

import graphene
from graphene import relay
from graphene_django.forms.mutation import DjangoModelFormMutation
from graphql import GraphQLError
from graphql_jwt.decorators import login_required, permission_required

from .base import StaffMutation
from .forms import CategoryForm, ProductForm
from .models import Category, Product


class CreateCategory(graphene.Mutation):
    class Arguments:
        name = graphene.String(required=True)

    ok = graphene.Boolean()

    def mutate(root, info, name):  # expect: GQL003
        Category.objects.create(name=name)
        return CreateCategory(ok=True)


class RenameCategory(graphene.Mutation):
    class Arguments:
        id = graphene.ID(required=True)
        name = graphene.String(required=True)

    ok = graphene.Boolean()

    @login_required
    def mutate(root, info, id, name):
        Category.objects.filter(pk=id).update(name=name)
        return RenameCategory(ok=True)


class DeleteCategory(graphene.Mutation):
    class Arguments:
        id = graphene.ID(required=True)

    ok = graphene.Boolean()

    def mutate(root, info, id):
        if not info.context.user.has_perm("catalog_api.delete_category"):
            raise GraphQLError("Not allowed")
        Category.objects.filter(pk=id).delete()
        return DeleteCategory(ok=True)


class ArchiveCategory(StaffMutation, permission="catalog_api.change_category"):
    class Arguments:
        id = graphene.ID(required=True)

    ok = graphene.Boolean()

    def mutate(root, info, id):
        Category.objects.filter(pk=id).update(archived=True)
        return ArchiveCategory(ok=True)


class ImportCategories(relay.ClientIDMutation):
    class Input:
        names = graphene.List(graphene.String, required=True)

    count = graphene.Int()

    @classmethod
    def mutate_and_get_payload(cls, root, info, names):  # expect: GQL003
        created = Category.objects.bulk_create([Category(name=n) for n in names])
        return ImportCategories(count=len(created))


class MergeCategories(relay.ClientIDMutation):
    class Input:
        source = graphene.ID(required=True)
        target = graphene.ID(required=True)

    ok = graphene.Boolean()

    @classmethod
    @permission_required("catalog_api.change_category")
    def mutate_and_get_payload(cls, root, info, source, target):
        Product.objects.filter(category_id=source).update(category_id=target)
        Category.objects.filter(pk=source).delete()
        return MergeCategories(ok=True)


class PreviewCategoryName(graphene.Mutation):
    """Named a mutation by the schema's authors, but only reads."""

    class Arguments:
        name = graphene.String(required=True)

    taken = graphene.Boolean()

    def mutate(root, info, name):
        return PreviewCategoryName(taken=Category.objects.filter(name=name).exists())


class CategoryFormMutation(DjangoModelFormMutation):  # expect: GQL003
    category = graphene.Field("catalog_api.schema.CategoryType")

    class Meta:
        form_class = CategoryForm


class ProductFormMutation(DjangoModelFormMutation):
    product = graphene.Field("catalog_api.schema.ProductType")

    class Meta:
        form_class = ProductForm

    @classmethod
    def get_form_kwargs(cls, root, info, **input):
        if not info.context.user.is_staff:
            raise GraphQLError("Staff only")
        return super().get_form_kwargs(root, info, **input)


class ObtainToken(graphene.Mutation):
    """Signs a user in: anonymous by nature."""

    class Arguments:
        username = graphene.String(required=True)
        password = graphene.String(required=True)

    token = graphene.String()

    def mutate(root, info, username, password):
        return ObtainToken(token=create_token(username, password))


def create_token(username, password):
    return f"{username}:{len(password)}"


class Mutation(graphene.ObjectType):
    create_category = CreateCategory.Field()
    rename_category = RenameCategory.Field()
    delete_category = DeleteCategory.Field()
    archive_category = ArchiveCategory.Field()
    import_categories = ImportCategories.Field()
    merge_categories = MergeCategories.Field()
    preview_category_name = PreviewCategoryName.Field()
    category_form = CategoryFormMutation.Field()
    product_form = ProductFormMutation.Field()
    obtain_token = ObtainToken.Field()
