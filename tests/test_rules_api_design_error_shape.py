"""API Design & Implementation: API006 inconsistent-error-shape."""

from __future__ import annotations

import pytest
from backend_lens.engine.project import Project
from backend_lens.facts.errors import error_shapes
from backend_lens.model import Severity

from tests.helpers import analyze_files, only, pos_of, write_files

# five raises answer {"detail"}; one JSONResponse answers {"error"}
FASTAPI = """
from fastapi import APIRouter, HTTPException, status
from fastapi.responses import JSONResponse

router = APIRouter()


@router.get("/orders/{order_id}")
def read_order(order_id: int):
    if order_id < 0:
        raise HTTPException(status_code=status.HTTP_400_BAD_REQUEST, detail="bad id")
    raise HTTPException(status_code=404, detail="order not found")


@router.delete("/orders/{order_id}")
def delete_order(order_id: int):
    if order_id == 1:
        raise HTTPException(status_code=409, detail="order already shipped")
    raise HTTPException(404, "order not found")


@router.post("/orders/{order_id}/refund")
def refund(order_id: int):
    if order_id == 2:
        raise HTTPException(status_code=403)
    if order_id == 3:
        return JSONResponse({"error": "refund window closed"}, status_code=410)
    return JSONResponse({"error": "nothing to refund"})
"""


def fastapi_findings(tmp_path, files=None):
    return only(analyze_files(tmp_path, {"app/routes.py": FASTAPI, **(files or {})}), "API006")


def test_api006_the_body_that_breaks_the_projects_shape(tmp_path):
    (f,) = fastapi_findings(tmp_path)
    assert f.start == pos_of(FASTAPI, 'JSONResponse({"error": "refund window closed"}')
    assert f.end == (f.start[0], f.start[1] + len("JSONResponse"))
    assert f.severity == Severity.INFO
    assert "{'error'}" in f.message and "5 of 6 FastAPI error responses" in f.message
    assert "answer {'detail'}" in f.message


def test_api006_more_keys_than_the_convention_is_consistent(tmp_path):
    """{"detail", "code"} has what a client of {"detail"} reads: quiet, and counted
    as carrying the convention."""
    routes = FASTAPI.replace(
        'raise HTTPException(404, "order not found")',
        'return JSONResponse({"detail": "gone", "code": "E1"}, status_code=404)',
    )
    found = only(analyze_files(tmp_path, {"app/routes.py": routes}), "API006")
    assert [f.start for f in found] == [pos_of(routes, 'JSONResponse({"error"')]
    assert "5 of 6 FastAPI error responses in this project answer {'detail'}" in found[0].message


def test_api006_quiet_without_a_clear_convention(tmp_path):
    # three and three: no shape dominates (the report counts them instead)
    mixed = FASTAPI.replace(
        'raise HTTPException(404, "order not found")',
        'return JSONResponse({"error": "gone"}, status_code=404)',
    ).replace(
        "raise HTTPException(status_code=403)",
        'return JSONResponse({"error": "no"}, status_code=403)',
    )
    assert only(analyze_files(tmp_path / "a", {"app/routes.py": mixed}), "API006") == []
    # five error bodies are too few to call anything a convention
    few = FASTAPI.replace("raise HTTPException(status_code=403)\n", "pass\n")
    assert only(analyze_files(tmp_path / "b", {"app/routes.py": few}), "API006") == []


def test_api006_convention_is_counted_across_files_and_re_judged_on_edit(tmp_path):
    """The other files' bodies make the convention: an edit there re-judges this file."""
    from backend_lens.config import load as load_config
    from backend_lens.source import parsing

    files = {
        "app/__init__.py": "",
        "app/routes.py": FASTAPI.replace(
            "raise HTTPException(status_code=403)\n", "pass\n"
        ),  # 4 detail + 1 error here
        "app/deps.py": (
            "from fastapi import HTTPException\n\n\n"
            "def current_user(token: str = ''):\n"
            "    if not token:\n"
            "        raise HTTPException(status_code=401, detail='sign in')\n"
            "    return token\n"
        ),
    }
    write_files(tmp_path, files)
    p = Project(tmp_path, load_config(tmp_path), use_jedi=False)
    p.scan()
    routes, deps = str(tmp_path / "app/routes.py"), str(tmp_path / "app/deps.py")
    assert [f.code for f in p.findings(routes) if f.code == "API006"] == ["API006"]
    key = "test-api006:deps"
    try:
        quiet = files["app/deps.py"].replace("raise HTTPException", "return None  #")
        _, changed = p.analyze_open(deps, quiet, 1, key)
        assert "errors" in changed
        assert [f for f in p.findings(routes) if f.code == "API006"] == []
        _, changed = p.analyze_open(deps, "\n\n" + files["app/deps.py"], 2, key)
        assert [f.code for f in p.findings(routes) if f.code == "API006"] == ["API006"]
        _, changed = p.analyze_open(deps, "\n\n\n" + files["app/deps.py"], 3, key)
        assert "errors" not in changed  # lines moved: the counts are the same
    finally:
        parsing.forget(key)


def test_api006_handler_for_httpexception_reshapes_the_raises(tmp_path):
    """With a handler registered for HTTPException, the raises answer its shape:
    then {"error"} is the convention and a {"detail"} body breaks it."""
    main = """
    from fastapi import FastAPI, HTTPException
    from fastapi.responses import JSONResponse

    from app.routes import router

    app = FastAPI()
    app.include_router(router)


    @app.exception_handler(HTTPException)
    async def http_error(request, exc):
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code)
    """
    routes = FASTAPI.replace(
        'JSONResponse({"error": "refund window closed"}, status_code=410)',
        'JSONResponse({"detail": "refund window closed"}, status_code=410)',
    )
    found = only(analyze_files(tmp_path, {"app/routes.py": routes, "app/main.py": main}), "API006")
    assert [f.start for f in found] == [pos_of(routes, 'JSONResponse({"detail"')]
    assert "this error response answers {'detail'}" in found[0].message
    assert "answer {'error'}" in found[0].message


def test_api006_handler_registered_by_a_call_in_another_file(tmp_path):
    """`app.add_exception_handler(HTTPException, handler)`: the handler's shape is
    read from its module; a body in the handler itself is never reported."""
    errors = """
    from fastapi import status
    from fastapi.responses import JSONResponse


    def problem(request, exc):
        return JSONResponse({"error": exc.detail}, status_code=status.HTTP_400_BAD_REQUEST)
    """
    main = """
    from fastapi import FastAPI, HTTPException

    from app.errors import problem

    app = FastAPI()
    app.add_exception_handler(HTTPException, problem)
    """
    found = only(
        analyze_files(
            tmp_path,
            {"app/routes.py": FASTAPI, "app/main.py": main, "app/errors.py": errors},
        ),
        "API006",
    )
    # the raises answer {"error"} now: the refund bodies agree, nothing is reported
    assert found == []


DRF_VIEWS = """
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView


class OrderView(APIView):
    def get(self, request, pk):
        if pk == 0:
            raise NotFound("no such order")
        if pk == 1:
            raise PermissionDenied
        return Response({"id": pk})

    def delete(self, request, pk):
        if pk == 2:
            return Response({"detail": "shipped"}, status=status.HTTP_409_CONFLICT)
        if pk == 3:
            return Response({"detail": "locked"}, status=423)
        if pk == 4:
            return Response({"error": "archived"}, status=status.HTTP_410_GONE)
        if pk == 5:
            return Response(serializer_errors(), status=400)
        raise NotFound()
"""


def test_api006_drf_responses_and_exceptions(tmp_path):
    found = only(analyze_files(tmp_path, {"shop/views.py": DRF_VIEWS}), "API006")
    assert [f.start for f in found] == [pos_of(DRF_VIEWS, 'Response({"error"')]
    assert "5 of 6 DRF error responses" in found[0].message


def test_api006_drf_exception_handler_setting_leaves_the_raises_uncounted(tmp_path):
    settings = """
    REST_FRAMEWORK = {"EXCEPTION_HANDLER": "shop.errors.handler"}
    """
    found = analyze_files(tmp_path, {"shop/views.py": DRF_VIEWS, "shop/settings.py": settings})
    assert only(found, "API006") == []  # 2 {detail} + 1 {error}: too few left to judge
    (group,) = error_shapes(_index(tmp_path))
    assert (group.framework, group.counts, group.dominant) == (
        "DRF",
        (("detail", 2), ("error", 1)),
        None,
    )


FLASK = """
from flask import Flask, jsonify, make_response, render_template

app = Flask(__name__)


@app.get("/api/notes/<int:note_id>")
def note(note_id):
    if note_id == 0:
        return {"error": "bad id"}, 400
    if note_id == 1:
        return jsonify({"error": "not found"}), 404
    if note_id == 2:
        return jsonify(error="gone"), 410
    if note_id == 3:
        return make_response(jsonify({"error": "locked"}), 423)
    if note_id == 4:
        return "note is archived", 409
    return {"id": note_id}


@app.post("/api/notes")
def create_note():
    return {"error": "read only"}, 405


@app.get("/notes/<int:note_id>")
def page(note_id):
    if note_id == 0:
        return "no such note", 404
    return render_template("note.html")
"""


def test_api006_flask_bodies_and_a_string_in_a_json_handler(tmp_path):
    found = only(analyze_files(tmp_path, {"notes/app.py": FLASK}), "API006")
    # the string of a JSON handler breaks the {error} convention; the HTML page's is text
    assert [f.start for f in found] == [pos_of(FLASK, '"note is archived"')]
    assert "this error response answers a plain string where 5 of 6 Flask" in found[0].message


def test_api006_frameworks_are_judged_apart(tmp_path):
    """A Flask admin answering {"error"} and a FastAPI service answering {"detail"}
    in one repository: two conventions, each kept."""
    found = analyze_files(tmp_path, {"notes/app.py": FLASK, "app/routes.py": FASTAPI})
    assert len(only(found, "API006")) == 2
    groups = {(g.framework, g.counts[0]) for g in error_shapes(_index(tmp_path))}
    assert groups == {("Flask", ("error", 5)), ("FastAPI", ("detail", 5))}


LOOK_ALIKES = """
from fastapi import APIRouter, FastAPI, HTTPException
from fastapi.responses import JSONResponse

from app.errors import problem

router = APIRouter()
app = FastAPI()


@router.post("/oauth/token")
def token(grant_type: str):
    # RFC 6749 prescribes this body
    return JSONResponse(
        {"error": "unsupported_grant_type", "error_description": grant_type}, status_code=400
    )


@router.post("/rpc")
def rpc():
    return JSONResponse({"jsonrpc": "2.0", "error": {"code": -32600}}, status_code=400)


@router.post("/graphql")
def graphql():
    return JSONResponse({"errors": [{"message": "bad query"}]}, status_code=400)


@router.get("/healthz")
def health():
    return JSONResponse({"status": "down", "checks": {}}, status_code=503)


@router.get("/things/{thing_id}")
def thing(thing_id: int):
    if thing_id == 0:
        return problem("no such thing", 404)
    return JSONResponse({"message": "ok"}, status_code=200)


@app.exception_handler(ValueError)
async def value_error(request, exc):
    return JSONResponse({"message": str(exc)}, status_code=400)
"""


def test_api006_quiet_for_protocols_health_handlers_helpers_and_successes(tmp_path):
    errors = """
    from fastapi.responses import JSONResponse


    def problem(message, code):
        return JSONResponse({"detail": message}, status_code=code)
    """
    found = analyze_files(
        tmp_path,
        {"app/routes.py": FASTAPI, "app/more.py": LOOK_ALIKES, "app/errors.py": errors},
    )
    # only the refund body; the handler's {"message"} counts but is not reported
    assert [(f.path.rsplit("/", 1)[-1], f.start[0]) for f in only(found, "API006")] == [
        ("routes.py", pos_of(FASTAPI, 'JSONResponse({"error": "refund')[0])
    ]
    (group,) = error_shapes(_index(tmp_path))
    # 5 raises + problem()'s {"detail"}; the refund's {"error"}; the handler's {"message"}
    assert dict(group.counts) == {"detail": 6, "error": 1, "message": 1}


def test_api006_helper_shape_makes_the_convention(tmp_path):
    """`return error_response(..., 404)` counts with the shape its function returns."""
    helpers = """
    from django.http import JsonResponse


    def error_response(message, status=400):
        return JsonResponse({"message": message, "code": status}, status=status)
    """
    views = """
    from django.http import JsonResponse

    from app.helpers import error_response


    def a(request):
        return error_response("no", 404)


    def b(request):
        return error_response("no", status=403)


    def c(request):
        return error_response("no", 409)


    def d(request):
        return JsonResponse({"code": 400, "message": "bad"}, status=400)


    def e(request):
        return error_response("no", 410)


    def f(request):
        return JsonResponse({"error": "bad"}, status=400)
    """
    found = only(
        analyze_files(tmp_path, {"app/helpers.py": helpers, "app/views.py": views}), "API006"
    )
    assert len(found) == 1 and "{'error'}" in found[0].message
    assert "5 of 6 Django error responses" in found[0].message
    assert "{'code', 'message'}" in found[0].message


@pytest.mark.parametrize("path", ["tests/test_routes.py", "app/tests/test_more.py"])
def test_api006_tests_neither_count_nor_are_reported(tmp_path, path):
    minority = """
    from fastapi.responses import JSONResponse


    def fake(request):
        return JSONResponse({"error": "x"}, status_code=400)
    """
    found = analyze_files(
        tmp_path,
        {"app/routes.py": FASTAPI.replace("refund window closed", "x"), path: minority},
    )
    assert [f.path.endswith("routes.py") for f in only(found, "API006")] == [True]


def _index(tmp_path):
    project = Project(tmp_path, use_jedi=False)
    project.scan()
    return project.index


def test_api006_what_counts_as_an_error_body(tmp_path):
    """Status constants of every spelling, dict(), jsonable_encoder, flask-restx's
    abort, DRF exceptions raised without a call; a shipping module is no health
    check ("ping" inside a word), a 2xx or computed status is no error."""
    files = {
        "api/shipping.py": """
        from http import HTTPStatus

        from flask_restx import Resource, abort


        class Rates(Resource):
            def get(self):
                if self.closed:
                    abort(HTTPStatus.SERVICE_UNAVAILABLE, "closed")
                if self.empty:
                    return dict(message="no rates"), HTTPStatus.NOT_FOUND.value
                if self.late:
                    return {"message": "late"}, self.code
                return {"message": "ok"}, 200
        """,
        "svc/routes.py": """
        from fastapi import status
        from fastapi.encoders import jsonable_encoder
        from fastapi.responses import JSONResponse


        def gone():
            return JSONResponse(
                content=jsonable_encoder({"detail": "gone"}), status_code=status.HTTP_410_GONE
            )
        """,
        "shop/views.py": """
        from rest_framework import exceptions


        def locked(request):
            raise exceptions.PermissionDenied
        """,
        "plain/app.py": """
        from starlette.exceptions import HTTPException


        def page(request):
            raise HTTPException(404)  # Starlette alone answers plain text
        """,
    }
    write_files(tmp_path, files)
    groups = {(g.framework, g.counts) for g in error_shapes(_index(tmp_path))}
    assert groups == {
        ("Flask", (("message", 2),)),
        ("FastAPI", (("detail", 1),)),
        ("DRF", (("detail", 1),)),
    }
