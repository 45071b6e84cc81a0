"""GraphQL & Real-time Services: GQL003 graphql-mutation-without-authorization and
GQL004 resolver-queries-per-item, for graphene, strawberry and ariadne."""

from __future__ import annotations

import pytest
from backend_lens.model import Severity

from tests.helpers import analyze_files, apply_suppression, only, pos_of, reanalyze


def run(tmp_path, code: str, files: dict[str, str]):
    return only(analyze_files(tmp_path, files), code)


# -- GQL003: graphene -----------------------------------------------------------

GRAPHENE_MUTATION = """
import graphene
from graphql_jwt.decorators import login_required

from shop.models import Coupon


class DeleteCoupon({base}):
    class Arguments:
        code = graphene.String(required=True)

    ok = graphene.Boolean()

{decorator}    def mutate(root, info, code):
{body}        Coupon.objects.filter(code=code).delete()
        return DeleteCoupon(ok=True)
"""


def graphene_mutation(base="graphene.Mutation", decorator="", body="") -> str:
    return GRAPHENE_MUTATION.format(base=base, decorator=decorator, body=body)


def test_gql003_graphene_mutate_without_check(tmp_path):
    src = graphene_mutation()
    (f,) = run(tmp_path, "GQL003", {"shop/schema.py": src})
    assert f.start == pos_of(src, "mutate(")
    assert f.end == (f.start[0], f.start[1] + len("mutate"))
    assert "DeleteCoupon" in f.message and "who is calling" in f.message
    assert f.severity == Severity.ERROR


@pytest.mark.parametrize(
    ("decorator", "body"),
    [
        ("    @login_required\n", ""),
        ("    @permission_required('shop.delete_coupon')\n", ""),
        ("    @staff_member_required\n", ""),
        ("", "        if not info.context.user.is_authenticated:\n            raise ValueError\n"),
        ("", "        user = info.context.user\n"),
        (
            "",
            "        if not info.context.user.has_perm('shop.delete_coupon'):\n            return\n",
        ),
        ("", "        if not info.context['request'].user.is_staff:\n            return\n"),
        ("", "        check_can_manage(info.context, code)\n"),
        ("", "        ensure_owner(code)\n"),
        ("", "        coupon = graphene.Node.get_node_from_global_id(info, code)\n"),
        ("", "        services.audit(info.context)\n"),
    ],
)
def test_gql003_graphene_quiet_when_the_caller_is_checked(tmp_path, decorator, body):
    src = graphene_mutation(decorator=decorator, body=body)
    assert run(tmp_path, "GQL003", {"shop/schema.py": src}) == []


def test_gql003_graphene_meta_permissions_and_class_attributes(tmp_path):
    src = graphene_mutation()
    meta = src.replace(
        "    ok = graphene.Boolean()\n",
        "    ok = graphene.Boolean()\n\n    class Meta:\n        permissions = ('shop.delete_coupon',)\n",
    )
    assert run(tmp_path / "a", "GQL003", {"shop/schema.py": meta}) == []
    attr = src.replace(
        "    ok = graphene.Boolean()\n",
        "    ok = graphene.Boolean()\n    permission_classes = [IsStaff]\n",
    )
    assert run(tmp_path / "b", "GQL003", {"shop/schema.py": attr}) == []


def test_gql003_graphene_read_only_mutation_is_quiet(tmp_path):
    src = """
    import graphene

    from shop.models import Coupon


    class CheckCoupon(graphene.Mutation):
        class Arguments:
            code = graphene.String(required=True)

        valid = graphene.Boolean()

        def mutate(root, info, code):
            return CheckCoupon(valid=Coupon.objects.filter(code=code, active=True).exists())
    """
    assert run(tmp_path, "GQL003", {"shop/schema.py": src}) == []


@pytest.mark.parametrize(
    "name", ["TokenAuth", "ObtainJSONWebToken", "RefreshToken", "Register", "SignUp", "Logout"]
)
def test_gql003_open_by_nature(tmp_path, name):
    src = f"""
    import graphene

    from shop.models import Account


    class {name}(graphene.Mutation):
        class Arguments:
            email = graphene.String(required=True)

        ok = graphene.Boolean()

        def mutate(root, _info, email):
            Account.objects.create(email=email)
            return {name}(ok=True)
    """
    assert run(tmp_path, "GQL003", {"shop/schema.py": src}) == []


def test_gql003_client_id_mutation(tmp_path):
    src = """
    import graphene
    from graphene import relay

    from shop.models import Coupon


    class ImportCoupons(relay.ClientIDMutation):
        class Input:
            codes = graphene.List(graphene.String)

        count = graphene.Int()

        @classmethod
        def mutate_and_get_payload(cls, root, info, codes):
            Coupon.objects.bulk_create([Coupon(code=c) for c in codes])
            return ImportCoupons(count=len(codes))
    """
    (f,) = run(tmp_path, "GQL003", {"shop/schema.py": src})
    assert f.start == pos_of(src, "mutate_and_get_payload(")


def test_gql003_form_and_serializer_mutations_at_the_class(tmp_path):
    src = """
    from graphene_django.forms.mutation import DjangoModelFormMutation
    from graphene_django.rest_framework.mutation import SerializerMutation

    from shop.forms import CouponForm, SignupForm
    from shop.serializers import CouponSerializer


    class CouponMutation(DjangoModelFormMutation):
        class Meta:
            form_class = CouponForm


    class CouponSerializerMutation(SerializerMutation):
        class Meta:
            serializer_class = CouponSerializer


    class GuardedCouponMutation(DjangoModelFormMutation):
        class Meta:
            form_class = CouponForm

        @classmethod
        def get_form_kwargs(cls, root, info, **data):
            if not info.context.user.is_staff:
                raise PermissionError
            return super().get_form_kwargs(root, info, **data)


    class SignupMutation(DjangoModelFormMutation):
        class Meta:
            form_class = SignupForm
    """
    found = run(tmp_path, "GQL003", {"shop/schema.py": src})
    assert [f.start for f in found] == [
        pos_of(src, "CouponMutation("),
        pos_of(src, "CouponSerializerMutation("),
    ]
    assert "DjangoModelFormMutation" in found[0].message


BASE_MODULE = """
import graphene


class {name}(graphene.Mutation):
    class Meta:
        abstract = True
{extra}
"""


@pytest.mark.parametrize(
    ("extra", "reported"),
    [
        ("", True),
        ("\n    def error(cls, message):\n        return cls(errors=[message])\n", True),
        (
            "\n    @classmethod\n    def __init_subclass_with_meta__(cls, **options):\n"
            "        super().__init_subclass_with_meta__(**options)\n",
            False,
        ),
        (
            "\n    @classmethod\n    def Field(cls, *a, **k):\n        return wrap(cls, a, k)\n",
            False,
        ),
        ("\n    def check_permissions(cls, context):\n        return True\n", False),
        ("\n    permission_classes = [IsStaff]\n", False),
    ],
)
def test_gql003_project_base_from_another_module(tmp_path, extra, reported):
    files = {
        "shop/graphql_base.py": BASE_MODULE.format(name="ShopMutation", extra=extra),
        "shop/schema.py": graphene_mutation(base="ShopMutation").replace(
            "from shop.models import Coupon",
            "from shop.graphql_base import ShopMutation\nfrom shop.models import Coupon",
        ),
    }
    found = run(tmp_path, "GQL003", files)
    assert bool(found) is reported, [f.message for f in found]


def test_gql003_helper_of_a_project_base_may_check(tmp_path):
    base = BASE_MODULE.format(
        name="ShopMutation",
        extra="\n    @classmethod\n    def get_coupon(cls, code):\n        return lookup(code)\n",
    )
    schema = graphene_mutation(
        base="ShopMutation", body="        coupon = cls.get_coupon(code)\n"
    ).replace(
        "from shop.models import Coupon",
        "from shop.graphql_base import ShopMutation\nfrom shop.models import Coupon",
    )
    files = {"shop/graphql_base.py": base, "shop/schema.py": schema}
    assert run(tmp_path, "GQL003", files) == []


def test_gql003_unplaceable_base_or_other_library_mixin_is_quiet(tmp_path):
    unknown = graphene_mutation(base="ShopMutation").replace(
        "from shop.models import Coupon", "from vendor.graphql import ShopMutation"
    )
    assert run(tmp_path / "a", "GQL003", {"shop/schema.py": unknown}) == []
    mixin = graphene_mutation(base="AuthMixin, graphene.Mutation").replace(
        "from shop.models import Coupon",
        "from graphql_auth.mixins import AuthMixin\nfrom shop.models import Coupon",
    )
    assert run(tmp_path / "b", "GQL003", {"shop/schema.py": mixin}) == []


def test_gql003_same_file_base_that_checks(tmp_path):
    src = """
    import graphene

    from shop.models import Coupon


    class SignedInMutation(graphene.Mutation):
        class Meta:
            abstract = True

        @classmethod
        def Field(cls, *args, **kwargs):
            return login_required_field(super().Field(*args, **kwargs))


    class PlainMutation(graphene.Mutation):
        class Meta:
            abstract = True


    class DeleteCoupon(SignedInMutation):
        ok = graphene.Boolean()

        def mutate(root, info, code):
            Coupon.objects.filter(code=code).delete()
            return DeleteCoupon(ok=True)


    class DisableCoupon(PlainMutation):
        ok = graphene.Boolean()

        def mutate(root, info, code):
            Coupon.objects.filter(code=code).update(active=False)
            return DisableCoupon(ok=True)
    """
    (f,) = run(tmp_path, "GQL003", {"shop/schema.py": src})
    assert f.start == pos_of(src, "mutate(", 2)
    assert "DisableCoupon" in f.message


def test_gql003_super_resolver_is_judged_in_the_base(tmp_path):
    src = """
    import graphene

    from shop.models import Coupon


    class BaseCouponMutation(graphene.Mutation):
        class Meta:
            abstract = True

        @classmethod
        def mutate(cls, root, info, **data):
            if not info.context.user.is_staff:
                raise PermissionError
            return cls.perform(**data)


    class DeleteCoupon(BaseCouponMutation):
        @classmethod
        def mutate(cls, root, info, **data):
            result = super().mutate(root, info, **data)
            Coupon.objects.filter(code=data["code"]).delete()
            return result
    """
    assert run(tmp_path, "GQL003", {"shop/schema.py": src}) == []


def test_gql003_quiet_when_every_graphql_endpoint_requires_sign_in(tmp_path):
    urls = """
    from django.contrib.auth.decorators import login_required
    from django.urls import path
    from graphene_django.views import GraphQLView

    urlpatterns = [path("graphql/", login_required(GraphQLView.as_view()))]
    """
    files = {"shop/schema.py": graphene_mutation(), "shop/urls.py": urls}
    assert run(tmp_path / "a", "GQL003", files) == []
    open_urls = urls.replace("login_required(GraphQLView.as_view())", "GraphQLView.as_view()")
    assert len(run(tmp_path / "b", "GQL003", {**files, "shop/urls.py": open_urls})) == 1


def test_gql003_graphene_middleware_that_checks(tmp_path):
    settings = """
    SECRET_KEY = "x"
    GRAPHENE = {"SCHEMA": "shop.schema.schema", "MIDDLEWARE": [MIDDLEWARE]}
    """
    files = {"shop/schema.py": graphene_mutation()}
    checks = settings.replace("MIDDLEWARE]", '"shop.graphql.PermissionMiddleware"]')
    assert run(tmp_path / "a", "GQL003", {**files, "shop/settings.py": checks}) == []
    jwt = settings.replace("MIDDLEWARE]", '"graphql_jwt.middleware.JSONWebTokenMiddleware"]')
    assert len(run(tmp_path / "b", "GQL003", {**files, "shop/settings.py": jwt})) == 1


def test_gql003_look_alikes_outside_graphql(tmp_path):
    src = """
    class Mutator:
        def mutate(self, info, genome):
            genome.save()
    """
    assert run(tmp_path, "GQL003", {"evolve/mutator.py": src}) == []


def test_gql003_not_in_tests(tmp_path):
    assert run(tmp_path, "GQL003", {"tests/test_schema.py": graphene_mutation()}) == []


def test_gql003_suppression_silences(tmp_path):
    (f,) = run(tmp_path, "GQL003", {"shop/schema.py": graphene_mutation()})
    edited = apply_suppression(tmp_path, f)
    assert "backend-lens: ignore[GQL003]" in edited["shop/schema.py"]
    assert only(reanalyze(tmp_path), "GQL003") == []


# -- GQL003: strawberry and ariadne ------------------------------------------------

STRAWBERRY_MUTATIONS = """
import strawberry
import strawberry_django
from strawberry.types import Info
from strawberry_django import mutations
from strawberry_django.permissions import IsAuthenticated

from shop.models import Coupon
from shop.types import CouponInput, CouponType


def expire_coupon(code: str) -> bool:
    return bool(Coupon.objects.filter(code=code).update(active=False))


@strawberry.type
class Mutation:
    @strawberry.mutation
    def delete_coupon(self, code: str) -> bool:
        return bool(Coupon.objects.filter(code=code).delete()[0])

    @strawberry.mutation(permission_classes=[IsStaff])
    def create_coupon(self, code: str) -> bool:
        Coupon.objects.create(code=code)
        return True

    @strawberry_django.mutation(extensions=[IsAuthenticated()])
    def rename_coupon(self, code: str, name: str) -> bool:
        return bool(Coupon.objects.filter(code=code).update(name=name))

    @strawberry.mutation
    def claim_coupon(self, info: Info, code: str) -> bool:
        user = info.context.request.user
        return bool(Coupon.objects.filter(code=code).update(owner=user))

    @strawberry.mutation
    def login(self, username: str, password: str) -> bool:
        return sign_in(username, password)

    @strawberry.mutation
    def coupon_valid(self, code: str) -> bool:
        return Coupon.objects.filter(code=code).exists()

    expire: bool = strawberry.mutation(resolver=expire_coupon)
    update_coupon: CouponType = mutations.update(CouponInput)
    guarded_update: CouponType = mutations.update(CouponInput, extensions=[IsAuthenticated()])
"""


def test_gql003_strawberry(tmp_path):
    src = STRAWBERRY_MUTATIONS
    found = run(tmp_path, "GQL003", {"shop/schema.py": src})
    assert [f.start for f in found] == [
        pos_of(src, "expire_coupon("),
        pos_of(src, "delete_coupon("),
        pos_of(src, "mutations.update("),
    ]
    assert "permission_classes" in found[1].message
    assert "strawberry-django" in found[2].message


ARIADNE_MUTATIONS = """
from ariadne import MutationType, ObjectType

from shop.models import Coupon

mutation = MutationType()
query = ObjectType("Query")


@mutation.field("deleteCoupon")
def resolve_delete_coupon(_, info, code):
    Coupon.objects.filter(code=code).delete()
    return True


@mutation.field("claimCoupon")
def resolve_claim_coupon(_, info, code):
    user_id = info.context["user_id"]
    return bool(Coupon.objects.filter(code=code).update(owner_id=user_id))


@mutation.field("login")
def resolve_login(_, info, username, password):
    return create_session(username, password)


@query.field("coupon")
def resolve_coupon(_, info, code):
    Coupon.objects.filter(code=code).update(seen=True)
    return Coupon.objects.get(code=code)


def resolve_expire_coupon(_, info, code):
    return bool(Coupon.objects.filter(code=code).update(active=False))


mutation.set_field("expireCoupon", resolve_expire_coupon)
"""


def test_gql003_ariadne(tmp_path):
    src = ARIADNE_MUTATIONS
    found = run(tmp_path, "GQL003", {"shop/api.py": src})
    assert [f.start for f in found] == [
        pos_of(src, "resolve_delete_coupon("),
        pos_of(src, "resolve_expire_coupon("),
    ]
    assert "`deleteCoupon`" in found[0].message


def test_gql003_ariadne_mutation_imported_from_the_schema_module(tmp_path):
    files = {
        "shop/graphql/mutation.py": "from ariadne import MutationType\n\nmutation = MutationType()\n",
        "shop/graphql/coupons.py": """
        from shop.graphql.mutation import mutation
        from shop.models import Coupon


        @mutation.field("deleteCoupon")
        def resolve_delete_coupon(_, info, code):
            Coupon.objects.filter(code=code).delete()
            return True
        """,
    }
    (f,) = run(tmp_path, "GQL003", files)
    assert f.path.endswith("coupons.py")


# -- GQL004: graphene -------------------------------------------------------------

GRAPHENE_TYPES = """
import graphene
from graphene_django import DjangoObjectType

from library.models import Author, Book


class BookType(DjangoObjectType):
    class Meta:
        model = Book


class AuthorType(DjangoObjectType):
    books = graphene.List(BookType)

    class Meta:
        model = Author

    def resolve_books(root, info):
{body}


class Query(graphene.ObjectType):
    authors = graphene.List(AuthorType)

    def resolve_authors(root, info):
        return Author.objects.all()
"""


def graphene_types(body: str) -> str:
    return GRAPHENE_TYPES.format(body="\n".join("        " + line for line in body.split("\n")))


@pytest.mark.parametrize(
    ("body", "needle", "end"),
    [
        (
            "return Book.objects.filter(author=root)",
            "Book.objects",
            "Book.objects.filter(author=root)",
        ),
        (
            "return Book.objects.filter(author_id=root.id).order_by('title')",
            "Book.objects",
            "Book.objects.filter(author_id=root.id)",
        ),
        (
            "author_id = root.pk\nreturn list(Book.objects.filter(author_id=author_id))",
            "Book.objects",
            None,
        ),
        (
            "return root.books.filter(published=True)",
            "root.books",
            "root.books.filter(published=True)",
        ),
        ("return root.book_set.order_by('-year')", "root.book_set", None),
        ("return root.books.using('replica').all()", "root.books", None),
        ("return root.books.get(pk=1)", "root.books", None),
        ("return root.books.all()", "root.books", "root.books.all()"),
        ("return root.books.count()", "root.books", None),
        ("return models.Book.objects.using('replica').filter(author=root)", "models.Book", None),
    ],
)
def test_gql004_graphene_resolver_queries_on_its_parent(tmp_path, body, needle, end):
    src = graphene_types(body)
    (f,) = run(tmp_path, "GQL004", {"library/schema.py": src})
    assert f.start == pos_of(src, needle)
    if end is not None:
        start = pos_of(src, end)
        assert f.end == (start[0], start[1] + len(end))
    assert "AuthorType.books" in f.message and "DataLoader" in f.message
    assert f.severity == Severity.WARNING


@pytest.mark.parametrize(
    "body",
    [
        "return info.context.books_by_author.load(root.id)",
        "return BooksByAuthorLoader(info.context).load(root.id)",
        "loader = info.context.loaders['books']\nreturn loader.load_many(root.book_ids)",
        "return Book.objects.filter(published=True)",  # not keyed on the parent
        "return root.books_cache",
        "return root.metadata.get('books')",  # a dict, not a manager
        "return root.tags.values()",  # dict.values()
        "return root.favourite.title",  # a to-one read: not judged
    ],
)
def test_gql004_graphene_quiet(tmp_path, body):
    src = graphene_types(body)
    assert run(tmp_path, "GQL004", {"library/schema.py": src}) == []


def test_gql004_prefetched_relation_is_quiet_but_a_filter_is_not(tmp_path):
    src = graphene_types("return root.books.all()").replace(
        "return Author.objects.all()", "return Author.objects.prefetch_related('books')"
    )
    assert run(tmp_path / "a", "GQL004", {"library/schema.py": src}) == []
    src = graphene_types("return root.books.filter(published=True)").replace(
        "return Author.objects.all()", "return Author.objects.prefetch_related('books')"
    )
    assert len(run(tmp_path / "b", "GQL004", {"library/schema.py": src})) == 1


def test_gql004_root_payload_and_connection_types_are_quiet(tmp_path):
    src = """
    import graphene
    from graphene import relay

    from library.models import Author, Book


    class LibraryQueries(graphene.ObjectType):
        books = graphene.List(graphene.String)

        def resolve_books(root, info, author_id):
            return Book.objects.filter(author_id=author_id, shelf=root)


    class Root(graphene.ObjectType):
        count = graphene.Int()

        def resolve_count(root, info):
            return Book.objects.filter(owner=root).count()


    class AddBookPayload(graphene.ObjectType):
        author = graphene.String()

        def resolve_author(root, info):
            return Author.objects.get(pk=root.author_id)


    class BookConnection(relay.Connection):
        total = graphene.Int()

        def resolve_total(root, info):
            return root.iterable.count()


    class AddBook(graphene.Mutation):
        author = graphene.String()

        def resolve_author(root, info):
            return Author.objects.get(pk=root.author_id)

        def mutate(root, info, title):
            return AddBook(author=title)


    class Author(graphene.ObjectType):
        books = graphene.Int()

        def resolve_books(root, info, **kwargs):
            qs = Book.objects.filter(author=root)
            return create_connection_slice(qs, info, kwargs, BookConnection)


    schema = graphene.Schema(query=Root)
    """
    assert run(tmp_path, "GQL004", {"library/schema.py": src}) == []


def test_gql004_not_in_tests_or_without_graphql(tmp_path):
    src = graphene_types("return Book.objects.filter(author=root)")
    assert run(tmp_path / "a", "GQL004", {"tests/test_schema.py": src}) == []
    plain = """
    from library.models import Book


    class Shelf:
        def resolve_books(self, info):
            return Book.objects.filter(shelf=self)
    """
    assert run(tmp_path / "b", "GQL004", {"library/shelf.py": plain}) == []


def test_gql004_content_type_cache_is_not_a_query(tmp_path):
    body = "ct = ContentType.objects.get_for_model(root)\nreturn ct.name"
    assert run(tmp_path, "GQL004", {"library/schema.py": graphene_types(body)}) == []


# -- GQL004: strawberry, ariadne, SQLAlchemy -----------------------------------------

STRAWBERRY_TYPES = """
import strawberry
import strawberry_django

from library.models import Book


def author_book_count(root: "Author") -> int:
    return Book.objects.filter(author_id=root.id).count()


def author_initials(root: "Author") -> str:
    return root.name[:2]


@strawberry.type
class Author:
    id: int
    name: str
    book_count: int = strawberry.field(resolver=author_book_count)
    initials: str = strawberry.field(resolver=author_initials)

    @strawberry.field
    def books(self) -> list[str]:
        return [b.title for b in Book.objects.filter(author_id=self.id)]

    @strawberry_django.field(prefetch_related=["book_set"])
    def titles(self) -> list[str]:
        return [b.title for b in self.book_set.all()]

    @strawberry.field
    async def loaded(self, info: strawberry.Info) -> list[str]:
        return await info.context.book_loader.load(self.id)


@strawberry.type
class Query:
    @strawberry.field
    def authors(self) -> list[Author]:
        return []

    @strawberry.field
    def books(self, author_id: int) -> list[str]:
        return [b.title for b in Book.objects.filter(author_id=author_id)]


schema = strawberry.Schema(query=Query)
"""


def test_gql004_strawberry(tmp_path):
    src = STRAWBERRY_TYPES
    found = run(tmp_path, "GQL004", {"library/schema.py": src})
    assert [f.start for f in found] == [
        pos_of(src, "Book.objects.filter(author_id=root.id)"),
        pos_of(src, "Book.objects.filter(author_id=self.id)"),
    ]
    assert "Author.book_count" in found[0].message
    assert "Author.books" in found[1].message


ARIADNE_TYPES = """
from ariadne import ObjectType, QueryType

from library.models import Book

query = QueryType()
author = ObjectType("Author")
root_type = ObjectType("Query")


@query.field("books")
def resolve_books(obj, info):
    return Book.objects.filter(shelf=obj)


@root_type.field("shelf")
def resolve_shelf(obj, info):
    return Book.objects.filter(shelf=obj)


@author.field("books")
def resolve_author_books(obj, info):
    return Book.objects.filter(author_id=obj["id"])


def resolve_author_count(obj, info):
    return Book.objects.filter(author_id=obj["id"]).count()


author.set_field("bookCount", resolve_author_count)
"""


def test_gql004_ariadne(tmp_path):
    src = ARIADNE_TYPES
    found = run(tmp_path, "GQL004", {"library/api.py": src})
    assert [f.start for f in found] == [
        pos_of(src, "Book.objects.filter(author_id=obj", 1),
        pos_of(src, "Book.objects.filter(author_id=obj", 2),
    ]
    assert "Author.books" in found[0].message and "Author.bookCount" in found[1].message


def test_gql004_sqlalchemy(tmp_path):
    src = """
    import strawberry
    from sqlalchemy import select

    from library.db import Book, Session


    @strawberry.type
    class Author:
        id: int

        @strawberry.field
        def books(self, info: strawberry.Info) -> list[str]:
            session = info.context["session"]
            return [b.title for b in session.query(Book).filter(Book.author_id == self.id)]

        @strawberry.field
        async def latest(self, info: strawberry.Info) -> str:
            stmt = select(Book).where(Book.author_id == self.id).limit(1)
            row = (await info.context["db"].execute(stmt)).scalar_one()
            return row.title

        @strawberry.field
        def first(self) -> str:
            with Session() as session:
                return session.get(Book, self.id).title

        @strawberry.field
        def flask_books(self) -> int:
            return Book.query.filter_by(author_id=self.id).count()
    """
    found = run(tmp_path, "GQL004", {"library/schema.py": src})
    assert [f.start for f in found] == [
        pos_of(src, "session.query("),
        pos_of(src, 'info.context["db"]'),
        pos_of(src, "session.get("),
        pos_of(src, "Book.query"),
    ]


def test_gql004_suppression_silences(tmp_path):
    src = graphene_types("return Book.objects.filter(author=root)")
    (f,) = run(tmp_path, "GQL004", {"library/schema.py": src})
    edited = apply_suppression(tmp_path, f)
    assert "backend-lens: ignore[GQL004]" in edited["library/schema.py"]
    assert only(reanalyze(tmp_path), "GQL004") == []


def test_gql003_request_handed_to_a_serializer_may_check(tmp_path):
    body = (
        "        serializer = CouponSerializer(data={'code': code}, context={'request': info.context})\n"
        "        serializer.is_valid(raise_exception=True)\n"
    )
    src = graphene_mutation(body=body)
    assert run(tmp_path, "GQL003", {"shop/schema.py": src}) == []


def test_gql003_strawberry_mutation_on_a_module_function(tmp_path):
    src = """
    import strawberry

    from shop.models import Review


    @strawberry.mutation
    async def create_review(self, info, text: str) -> bool:
        await Review.objects.acreate(text=text)
        return True


    @strawberry.mutation
    async def create_signed_review(self, info, text: str) -> bool:
        await Review.objects.acreate(text=text, author=info.context.request.user)
        return True
    """
    (f,) = run(tmp_path, "GQL003", {"shop/mutations.py": src})
    assert f.start == pos_of(src, "create_review(")
