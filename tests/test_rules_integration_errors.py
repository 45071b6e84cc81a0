"""Integration & Error Handling: INT002 error-answered-with-200."""

from __future__ import annotations

import pytest
from backend_lens.model import Severity

from tests.helpers import analyze_files, fix_and_recheck, only, pos_of

RULE_PAGE_EXAMPLE = """
from django.http import JsonResponse

from orders.models import Order


def order_detail(request, pk):
    try:
        order = Order.objects.get(pk=pk, customer=request.user)
    except Order.DoesNotExist:
        return JsonResponse({"error": "order not found"})
    return JsonResponse({"id": order.pk, "total": str(order.total)})
"""


def int002(tmp_path, src: str, path: str = "shop/views.py"):
    return only(analyze_files(tmp_path, {path: src}), "INT002")


def test_int002_rule_page_example(tmp_path):
    (f,) = int002(tmp_path, RULE_PAGE_EXAMPLE)
    start = pos_of(RULE_PAGE_EXAMPLE, 'return JsonResponse({"error"')
    assert f.start == start
    line = 'return JsonResponse({"error": "order not found"})'
    assert f.end == (start[0], start[1] + len(line))
    assert f.severity == Severity.WARNING
    assert "`error`" in f.message and "`except DoesNotExist`" in f.message
    assert "default status 200" in f.message and "404 Not Found" in f.message
    edited, after = fix_and_recheck(tmp_path, f)
    assert 'JsonResponse({"error": "order not found"}, status=404)' in edited["shop/views.py"]
    assert only(after, "INT002") == []


DJANGO = "from django.http import JsonResponse\nfrom rest_framework.response import Response\nfrom rest_framework import status\nfrom rest_framework.decorators import api_view\n"
FLASK = "from flask import Flask, jsonify, make_response\n\napp = Flask(__name__)\n"
FASTAPI = "from fastapi import APIRouter, Response\nfrom fastapi.responses import JSONResponse\n\nrouter = APIRouter()\n"


def view(imports: str, head: str, body: str) -> str:
    lines = "\n".join(f"    {line}" for line in body.strip("\n").splitlines())
    return f"{imports}\n\n{head}\n{lines}\n"


# (imports, function head, body, the flagged return's text, status in the message, fixed text)
FLAGGED = [
    (
        DJANGO,
        '@api_view(["POST"])\ndef create(request):',
        "s = OrderSerializer(data=request.data)\nif not s.is_valid():\n"
        '    return Response({"errors": s.errors})\nreturn Response(s.data, status=201)',
        'return Response({"errors": s.errors})',
        "400 Bad Request",
        'Response({"errors": s.errors}, status=400)',
    ),
    (
        DJANGO,
        "def pay(request):",
        "try:\n    charge(request)\nexcept Exception:\n"
        '    return JsonResponse({"success": False, "message": "try later"}, status=200)\n'
        'return JsonResponse({"success": True})',
        'return JsonResponse({"success": False, "message": "try later"}, status=200)',
        "500 Internal Server Error",
        'JsonResponse({"success": False, "message": "try later"}, status=500)',
    ),
    (
        DJANGO,
        "def cancel(request, pk):",
        "try:\n    order = load(pk)\nexcept (KeyError, ValueError):\n"
        '    return Response({"status": "error"}, status.HTTP_200_OK)\nreturn Response({})',
        'return Response({"status": "error"}, status.HTTP_200_OK)',
        "400 Bad Request",
        'Response({"status": "error"}, 400)',
    ),
    (
        DJANGO,
        "def sync(request):",
        "try:\n    push()\nexcept requests.RequestException:\n"
        '    return JsonResponse(data={"error": "upstream"})\nreturn JsonResponse({})',
        'return JsonResponse(data={"error": "upstream"})',
        "502 Bad Gateway",
        'JsonResponse(data={"error": "upstream"}, status=502)',
    ),
    (
        FLASK,
        '@app.route("/items", methods=["POST"])\ndef add_item():',
        'data = request.get_json()\nif "name" not in data:\n'
        '    return jsonify(error="name is required")\nreturn jsonify(ok=True), 201',
        'return jsonify(error="name is required")',
        "400 Bad Request",
        'return jsonify(error="name is required"), 400\n',
    ),
    (
        FLASK,
        '@app.get("/items/<int:pk>")\ndef get_item(pk):',
        'item = find(pk)\nif item is None:\n    return {"error": "item not found"}\nreturn item',
        'return {"error": "item not found"}',
        "404 Not Found",
        'return {"error": "item not found"}, 404\n',
    ),
    (
        FLASK,
        '@app.post("/login")\ndef login():',
        'if not check():\n    return jsonify({"error": "invalid token"}), 200\nreturn jsonify({})',
        'return jsonify({"error": "invalid token"}), 200',
        "401 Unauthorized",
        'return jsonify({"error": "invalid token"}), 401\n',
    ),
    (
        FLASK,
        '@app.post("/x")\ndef x():',
        'if not check():\n    return make_response(jsonify({"error": "bad"}))\nreturn jsonify({})',
        'return make_response(jsonify({"error": "bad"}))',
        "400 Bad Request",
        'make_response(jsonify({"error": "bad"}), 400)',
    ),
    (
        FASTAPI,
        '@router.get("/t/{pk}")\nasync def ticket(pk: int):',
        't = await load(pk)\nif t.closed:\n    return JSONResponse({"error": "closed"})\nreturn t',
        'return JSONResponse({"error": "closed"})',
        "400 Bad Request",
        'JSONResponse({"error": "closed"}, status_code=400)',
    ),
    (
        DJANGO,
        "class OrderView(APIView):\n    def delete(self, request, pk):",
        "    if not request.user.has_perm('orders.delete_order'):\n"
        '        return Response({"error": "no"})\n    return Response(status=204)',
        'return Response({"error": "no"})',
        "403 Forbidden",
        'Response({"error": "no"}, status=403)',
    ),
]


@pytest.mark.parametrize(("imports", "head", "body", "ret", "shown", "fixed"), FLAGGED)
def test_int002_flags_and_fixes(tmp_path, imports, head, body, ret, shown, fixed):
    src = view(imports, head, body)
    (f,) = int002(tmp_path, src)
    assert f.start == pos_of(src, ret)
    assert f.end == (f.start[0], f.start[1] + len(ret))
    assert shown in f.message
    edited, after = fix_and_recheck(tmp_path, f)
    assert fixed in edited["shop/views.py"]
    assert only(after, "INT002") == []


def test_int002_fastapi_dict_has_no_fix_and_says_raise(tmp_path):
    src = view(
        FASTAPI,
        '@router.get("/t/{pk}")\nasync def ticket(pk: int):',
        't = await load(pk)\nif t is None:\n    return {"error": "ticket not found"}\nreturn t',
    )
    (f,) = int002(tmp_path, src)
    assert f.start == pos_of(src, 'return {"error"')
    assert f.fix is None
    assert "HTTPException(status_code=404)" in f.message


def test_int002_bare_except_and_multi_line_return(tmp_path):
    src = view(
        DJANGO,
        "def export(request):",
        'try:\n    run()\nexcept:\n    return JsonResponse(\n        {"error": "failed"},\n    )\nreturn JsonResponse({})',
    )
    (f,) = int002(tmp_path, src)
    assert f.start == pos_of(src, "return JsonResponse(\n".strip())
    assert f.end == (f.start[0] + 2, 9)
    assert "bare `except:`" in f.message and "500" in f.message
    edited, after = fix_and_recheck(tmp_path, f)
    assert (
        '            {"error": "failed"},\n            status=500,\n        )'
        in edited["shop/views.py"]
    )
    assert only(after, "INT002") == []


@pytest.mark.parametrize(
    ("imports", "head", "body"),
    [
        # a status is given
        (DJANGO, "def v(request):", 'if x:\n    return JsonResponse({"error": "x"}, status=400)'),
        (
            DJANGO,
            "def v(request):",
            'if x:\n    return Response({"error": "x"}, status.HTTP_404_NOT_FOUND)',
        ),
        (DJANGO, "def v(request):", 'if x:\n    return Response({"error": "x"}, status=code)'),
        (FLASK, '@app.get("/")\ndef v():', 'if x:\n    return jsonify(error="x"), 400'),
        (
            FLASK,
            '@app.get("/")\ndef v():',
            'if x:\n    return {"error": "x"}, HTTPStatus.BAD_REQUEST',
        ),
        (
            FLASK,
            '@app.get("/")\ndef v():',
            'if x:\n    return make_response(jsonify(error="x"), 422)',
        ),
        (
            FASTAPI,
            '@router.get("/")\ndef v():',
            'if x:\n    return JSONResponse({"error": "x"}, status_code=400)',
        ),
        (
            FASTAPI,
            '@router.get("/")\ndef v():',
            'if x:\n    raise HTTPException(status_code=400, detail="x")',
        ),
        (
            FASTAPI,
            '@router.get("/")\ndef v(response: Response):',
            'if x:\n    response.status_code = 400\n    return {"error": "x"}',
        ),
        # not an error body: no error key, an empty one, a protocol that answers 200
        (DJANGO, "def v(request):", 'if x:\n    return JsonResponse({"errors": []})'),
        (DJANGO, "def v(request):", 'if x:\n    return JsonResponse({"error": None, "id": 1})'),
        (DJANGO, "def v(request):", 'if x:\n    return JsonResponse({"status": "ok"})'),
        (DJANGO, "def v(request):", 'if x:\n    return JsonResponse({"success": True})'),
        (
            DJANGO,
            "def v(request):",
            'if x:\n    return JsonResponse({"data": None, "errors": [e]})',
        ),
        (
            DJANGO,
            "def v(request):",
            'if x:\n    return JsonResponse({"jsonrpc": "2.0", "error": e})',
        ),
        (
            DJANGO,
            "def v(request):",
            'if x:\n    return JsonResponse({"valid": False, "errors": e})',
        ),
        (DJANGO, "def v(request):", "if x:\n    return JsonResponse(payload)"),
        (DJANGO, "def v(request):", "if x:\n    return JsonResponse(**kwargs)"),
        # not in an except or a branch: the last line of a handler
        (DJANGO, "def v(request):", 'return JsonResponse({"error": "x"})'),
        # a comment says the 200 is on purpose
        (
            DJANGO,
            "def stripe_webhook(request):",
            "try:\n    handle(request)\nexcept ValueError:\n"
            "    # answered 200: Stripe would retry an event we cannot use\n"
            '    return JsonResponse({"error": "ignored"})',
        ),
        # not a handler: a helper, a nested function, a dict from a Django view
        (DJANGO, "def helper(data):", 'if x:\n    return JsonResponse({"error": "x"})'),
        (DJANGO, "def v(request):", 'if x:\n    return {"error": "x"}'),
        (
            DJANGO,
            "def v(request):",
            'def inner():\n    if x:\n        return JsonResponse({"error": "x"})\nreturn inner()',
        ),
        (FLASK, "def build_error():", 'if x:\n    return jsonify(error="x")'),
        # look-alike callees that are not the frameworks' responses
        (
            "from myapp.http import JsonResponse\nimport django\n",
            "def v(request):",
            'if x:\n    return JsonResponse({"error": "x"})',
        ),
    ],
)
def test_int002_quiet(tmp_path, imports, head, body):
    assert int002(tmp_path, view(imports, head, body)) == []


def test_int002_quiet_in_tests_and_scripts(tmp_path):
    src = view(DJANGO, "def v(request):", 'if x:\n    return JsonResponse({"error": "x"})')
    assert len(int002(tmp_path / "a", src)) == 1
    assert int002(tmp_path / "b", src, "shop/tests/test_views.py") == []
    assert int002(tmp_path / "c", src, "scripts/fake_server.py") == []


def test_int002_quiet_without_a_web_framework(tmp_path):
    src = 'def v(request):\n    if x:\n        return JsonResponse({"error": "x"})\n'
    assert int002(tmp_path, src) == []


def test_int002_a_comment_at_the_end_of_the_line_does_not_silence_it(tmp_path):
    src = view(
        DJANGO, "def v(request):", 'if x:\n    return JsonResponse({"error": "x"})  # noqa: E501'
    )
    (f,) = int002(tmp_path, src)
    assert f.start == pos_of(src, "return JsonResponse")


def test_int002_error_handlers_need_a_status_whatever_their_body(tmp_path):
    src = """
    from flask import Flask, jsonify
    from werkzeug.exceptions import HTTPException, NotFound

    app = Flask(__name__)


    @app.errorhandler(404)
    def not_found(e):
        return jsonify(message="this page does not exist")


    @app.errorhandler(NotFound)
    def not_found_again(e):
        return {"message": "gone"}, 200


    @app.errorhandler(HTTPException)
    def http_error(e):
        return jsonify(message=e.description), e.code


    @app.errorhandler(Exception)
    def crash(e):
        return e.get_response()


    @app.errorhandler(PaymentUnavailable)
    def payment_down(e):
        return jsonify(message="try later"), 503
    """
    first, second = int002(tmp_path, src, "shop/errors.py")
    assert first.start == pos_of(src, 'return jsonify(message="this page')
    assert "error handler (for `404`)" in first.message and "404 Not Found" in first.message
    assert second.start == pos_of(src, 'return {"message": "gone"}, 200')
    assert "explicit status 200" in second.message
    edited, after = fix_and_recheck(tmp_path, first)
    assert 'jsonify(message="this page does not exist"), 404\n' in edited["shop/errors.py"]
    (left,) = only(after, "INT002")
    edited, after = fix_and_recheck(tmp_path, left)
    assert 'return {"message": "gone"}, 404\n' in edited["shop/errors.py"]
    assert only(after, "INT002") == []


def test_int002_starlette_exception_handler(tmp_path):
    src = """
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse

    app = FastAPI()


    @app.exception_handler(ValueError)
    async def value_error(request: Request, exc: ValueError):
        return JSONResponse({"detail": "the value is not valid"})


    @app.exception_handler(KeyError)
    async def key_error(request: Request, exc: KeyError):
        return JSONResponse({"detail": "a key is missing"}, status_code=400)


    @app.exception_handler(LookupError)
    async def lookup_error(request: Request, exc: LookupError):
        return {"detail": "not a response"}
    """
    (f,) = int002(tmp_path, src, "shop/errors.py")
    assert f.start == pos_of(src, "return JSONResponse({")
    assert "`ValueError`" in f.message and "400 Bad Request" in f.message
    edited, after = fix_and_recheck(tmp_path, f)
    assert (
        'JSONResponse({"detail": "the value is not valid"}, status_code=400)'
        in (edited["shop/errors.py"])
    )
    assert only(after, "INT002") == []


def test_int002_django_ninja_dict_has_no_fix(tmp_path):
    src = """
    from ninja import Router

    router = Router()


    @router.get("/orders/{pk}")
    def order(request, pk: int):
        found = Order.objects.filter(pk=pk).first()
        if found is None:
            return {"error": "order not found"}
        if found.locked:
            return 423, {"error": "order is locked"}
        return {"id": found.pk}
    """
    (f,) = int002(tmp_path, src, "shop/api.py")
    assert f.start == pos_of(src, 'return {"error": "order not found"}')
    assert f.fix is None and "404 Not Found" in f.message
