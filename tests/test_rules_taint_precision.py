"""Precision of the taint rules and the security rules around them: look-alikes
that real projects write and that must stay quiet (typed FastAPI values, a
framework's own redirect of its query string), beside the true positives
that must stay found."""

from __future__ import annotations

import textwrap

import pytest

from .helpers import analyze_files, only


def run(tmp_path, files: dict[str, str]):
    files = {k: textwrap.dedent(v) for k, v in files.items()}
    return analyze_files(tmp_path, files)


def lines(findings, code: str) -> list[int]:
    return sorted(f.start[0] for f in only(findings, code))


FASTAPI_MODELS = """\
    from datetime import date
    from decimal import Decimal
    from enum import Enum
    from typing import Annotated, Literal, Optional
    from uuid import UUID

    from fastapi import FastAPI, Query
    from pydantic import BaseModel, Field, conint

    app = FastAPI()


    class Colour(str, Enum):
        red = "red"
        blue = "blue"


    class Stock(BaseModel):
        price: float
        quantity: int = 0
        warehouse_id: UUID | None = None
        cost: Optional[Decimal] = None
        due: date
        shelf: Annotated[int, Field(gt=0)]
        tier: conint(ge=1, le=3) = 1
        colour: Colour = Colour.red
        mode: Literal["a", "b"] = "a"
        ids: list[int] = []


    class Item(Stock):
        title: str
    """


def test_fastapi_model_of_numbers_only_is_not_text(tmp_path):
    # a body model whose every field FastAPI validated into a number, a UUID, a
    # date, an enum member or a literal: nothing the client wrote reaches the SQL
    src = (
        FASTAPI_MODELS
        + """
    @app.put("/stock/{sku}")
    async def update_stock(sku: UUID, stock: Stock, colour: Colour, ids: list[int] = Query([])):
        await conn.execute(f"UPDATE stock SET price = {stock.price} WHERE sku = '{sku}'")
        await conn.execute(f"UPDATE stock SET colour = '{colour}' WHERE id IN ({ids})")


    @app.put("/items/{item_id}")
    async def update_item(item_id: int, item: Item):
        await conn.execute(f"UPDATE items SET title = '{item.title}' WHERE id = {item_id}")
    """
    )
    found = run(tmp_path, {"main.py": src})
    # the model with a text field still carries the client's text
    (f,) = only(found, "VAL001")
    assert f.start[0] == src.count("\n", 0, src.index("item.title")) + 1
    assert "route parameter `item`" in f.message


@pytest.mark.parametrize(
    "annotation",
    ["str", "Optional[str]", "list[str]", "dict", "Annotated[str, Query()]", "Unknown"],
)
def test_fastapi_text_parameters_stay_client_data(tmp_path, annotation):
    src = f"""\
        from typing import Annotated, Optional

        from fastapi import FastAPI, Query

        app = FastAPI()


        @app.get("/search")
        async def search(q: {annotation}):
            await conn.fetch(f"SELECT * FROM t WHERE name = '{{q}}'")
        """
    assert lines(run(tmp_path, {"main.py": src}), "VAL001") == [10]


def test_fastapi_uuid_parameter_is_not_judged_by_the_shape_of_the_sql(tmp_path):
    # a route's UUID (or date, Decimal...) parameter formatted into SQL: FastAPI
    # refused anything else, and no quote can be in it
    src = """\
        from datetime import date
        from uuid import UUID

        from fastapi import Depends, FastAPI, Header
        from sqlalchemy import text

        app = FastAPI()


        @app.get("/by-warehouse/{warehouse_id}")
        def by_warehouse(warehouse_id: UUID, day: date, x_tenant: str = Header(...), db=Depends(s)):
            rows = db.execute(text(f"SELECT id FROM items WHERE warehouse_id = '{warehouse_id}'"))
            rows = db.execute(text(f"SELECT id FROM items WHERE day = '{day}'"))
            scoped = db.execute(text(f"SELECT id FROM items WHERE tenant = '{x_tenant}'"))
            return rows, scoped


        def helper(name: str):
            db.execute(text(f"SELECT id FROM items WHERE name = '{name}'"))
        """
    found = run(tmp_path, {"main.py": src})
    assert lines(found, "VAL001") == [14, 19]
    assert "x_tenant" in only(found, "VAL001")[0].message


def test_fastapi_number_fields_of_a_model_with_text_are_not_text(tmp_path):
    # `item.price` of `price: float` is a number FastAPI validated, even when the
    # same model has a text field (`item.title`): that one stays client data
    src = (
        FASTAPI_MODELS
        + """
    @app.put("/items/{item_id}")
    async def update_item(item_id: int, item: Item):
        await conn.execute(f"UPDATE items SET price = {item.price}, due = '{item.due}'")
        await conn.execute(f"UPDATE items SET title = '{item.title}' WHERE id = {item_id}")
        item = Item(title=item.title, price=0)
        await conn.execute(f"UPDATE items SET price = {item.price}")
    """
    )
    found = run(tmp_path, {"main.py": src})
    first = src.count("\n", 0, src.index("item.price")) + 1
    assert lines(found, "VAL001") == [first + 1]


def test_query_string_kept_after_the_question_mark_is_not_a_redirect_target(tmp_path):
    # Django's RedirectView: the client's query string goes after the "?" of a URL
    # the code chose, in a method whose result another method redirects to
    src = """\
        from django.http import HttpResponseRedirect
        from django.shortcuts import redirect
        from django.urls import reverse
        from django.views import View


        class Forward(View):
            url = "/new/%(slug)s/"

            def get_redirect_url(self, *args, **kwargs):
                url = reverse("new", kwargs=kwargs)
                args = self.request.META.get("QUERY_STRING", "")
                if args:
                    url = "%s?%s" % (url, args)
                return url

            def get(self, request, *args, **kwargs):
                return HttpResponseRedirect(self.get_redirect_url(*args, **kwargs))


        def fragment(request):
            return redirect(target(request.GET["page"]))


        def target(page):
            return "/docs/#" + page


        def tail(request):
            return redirect(f"/search?q={request.GET['q']}")


        def chosen(request):
            return redirect("%s?%s" % (request.GET["next"], request.GET["q"]))


        def chosen_first(request):
            nxt = request.GET["next"]
            return redirect(f"{nxt}?from=login")
        """
    found = run(tmp_path, {"views.py": src})
    assert lines(found, "VAL009") == [34, 39]
    assert all("request.GET" in f.message for f in only(found, "VAL009"))


def test_client_data_in_the_path_of_a_url_built_in_a_helper_is_not_the_host(tmp_path):
    # dispatch's AWS ALB key look-up: the region (a setting) picks the host, the
    # key id from a header only the path; the helper's URL is built from both
    src = """\
        import requests
        from django.conf import settings


        def get_public_key(kid, region):
            url = f"https://public-keys.auth.elb.{region}.amazonaws.com/{kid}"
            return requests.get(url, timeout=5).text


        def get_object(name, host):
            return requests.get("https://" + host + "/objects/" + name, timeout=5)


        def key_view(request):
            get_public_key(request.headers["kid"], settings.REGION)
            get_public_key("k1", request.headers["region"])
            get_object(request.GET["name"], settings.STORE)
            get_object("x", request.GET["store"])
        """
    found = run(tmp_path, {"views.py": src})
    assert lines(found, "VAL007") == [7, 11]
    # the sources named are the calls that give the host
    assert ["line 16" in f.message for f in only(found, "VAL007")] == [True, False]
    assert "line 18" in only(found, "VAL007")[1].message


CROSS_FILE_MODELS = {
    "app/__init__.py": "",
    "app/base.py": """\
        from datetime import date

        from pydantic import BaseModel


        class DispatchBase(BaseModel):
            due: date | None = None
            note: str = ""
        """,
    "app/schemas.py": """\
        from enum import Enum

        from pydantic import EmailStr

        from .base import DispatchBase


        class Sort(str, Enum):
            created = "created_at"
            title = "title"


        class Payload(DispatchBase):
            project_id: int
            email: EmailStr
            name: str
        """,
    "app/views.py": """\
        import logging

        from fastapi import APIRouter

        from app import schemas
        from .schemas import Payload

        log = logging.getLogger(__name__)
        router = APIRouter()


        @router.post("/mfa")
        async def mfa(payload_in: Payload):
            log.info(f"project {payload_in.project_id}")
            log.info(f"due {payload_in.due}")
            log.info(f"user {payload_in.name}")
            log.info(f"note {payload_in.note}")
            await conn.execute(f"SELECT * FROM t WHERE id = {payload_in.project_id}")
            await conn.execute(f"SELECT * FROM t WHERE name = '{payload_in.name}'")


        @router.post("/other")
        async def other(p: schemas.Payload):
            log.info(f"project {p.project_id}")
            log.info(f"user {p.name}")


        @router.put("/items/{item_id}")
        async def update(item_id: int, payload_in: Payload):
            await conn.execute(f"UPDATE t SET p = {payload_in.project_id} WHERE id = {item_id}")


        @router.get("/items")
        async def listing(sort: schemas.Sort):
            await conn.execute(f"SELECT * FROM t ORDER BY {sort.value}")
            log.info(f"sorted by {sort.value}")
        """,
}


def test_fields_of_a_model_of_another_module_typed_with_no_text_are_not_text(tmp_path):
    """`payload_in.project_id` of `project_id: int` in a pydantic model imported
    from another module (and `due: date` of its base class in a third) is a
    number FastAPI validated: no log or SQL injection from it. Its text fields
    stay client data, named as the route parameter (dispatch's auth views)."""
    found = run(tmp_path, CROSS_FILE_MODELS)
    src = textwrap.dedent(CROSS_FILE_MODELS["app/views.py"]).splitlines()

    def lines_with(*words: str) -> set[int]:
        return {n + 1 for n, s in enumerate(src) if all(w in s for w in words)}

    val014 = only(found, "VAL014")
    assert {f.start[0] for f in val014} == lines_with("log.info", ".name") | lines_with(
        "log.info", ".note"
    )
    assert len(val014) == 3
    assert {f.start[0] for f in only(found, "VAL001")} == lines_with("conn.execute", ".name")
    assert all("route parameter `" in f.message for f in val014)


def test_a_field_s_type_changed_in_its_module_re_judges_the_route_using_it(tmp_path):
    """In the editor: typing `project_id: str` in schemas.py makes the log line of
    the route in views.py that reads `payload_in.project_id` a finding at once."""
    from backend_lens.config import load as load_config
    from backend_lens.engine.project import Project
    from backend_lens.source import parsing

    for rel, text in CROSS_FILE_MODELS.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(textwrap.dedent(text), encoding="utf-8")
    p = Project(tmp_path, load_config(tmp_path), use_jedi=False)
    p.scan()
    views = str(tmp_path / "app/views.py")
    schemas = str(tmp_path / "app/schemas.py")
    src = textwrap.dedent(CROSS_FILE_MODELS["app/views.py"]).splitlines()
    project_line = next(n + 1 for n, s in enumerate(src) if "{payload_in.project_id}" in s)

    def val014() -> set[int]:
        return {f.start[0] for f in p.findings(views) if f.code == "VAL014"}

    assert project_line not in val014()
    key = "test-typed-fields:schemas"
    try:
        typed = textwrap.dedent(CROSS_FILE_MODELS["app/schemas.py"]).replace(
            "project_id: int", "project_id: str"
        )
        p.analyze_open(schemas, typed, 1, key)
        assert project_line in val014()
    finally:
        parsing.forget(key)
