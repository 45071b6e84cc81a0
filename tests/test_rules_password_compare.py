"""Authentication & Authorization Systems: AUTH004 password-compared-with-equals."""

from __future__ import annotations

import pytest
from backend_lens.model import Severity

from tests.helpers import analyze_files, only, pos_of

VIEW = """
from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden

from accounts.models import Member


def sign_in(request):
    member = Member.objects.get(email=request.POST["email"])
    password = request.POST["password"]
    confirm_password = request.POST.get("confirm_password")
    if {test}:
        return HttpResponseForbidden()
    return HttpResponse("welcome")
"""


def auth004(tmp_path, test, path="accounts/views.py"):
    src = VIEW.replace("{test}", test)
    return src, only(analyze_files(tmp_path, {path: src}), "AUTH004")


@pytest.mark.parametrize(
    "test",
    [
        'member.password != request.POST["password"]',
        "password != member.password",
        "member.password_hash != password",
        'member["hashed_password"] != password',
        "password != settings.ADMIN_PASSWORD",
    ],
)
def test_auth004_stored_or_configured_password_compared(tmp_path, test):
    src, (f,) = auth004(tmp_path, test)
    assert f.start == pos_of(src, test)
    assert f.end == (f.start[0], f.start[1] + len(test))
    assert "check_password()" in f.message
    assert f.severity == Severity.ERROR


@pytest.mark.parametrize(
    "test",
    [
        "password != confirm_password",  # a form check of two typed copies
        'request.POST["password"] != request.POST["password2"]',
        'member.password == ""',
        "member.password is None",
        "len(password) < 12",
        "member.password_changed_at != None",
        "field_type == ConfigurationTypeField.PASSWORD",  # an enum member
        'session["hash"] != hmac(member.password)',  # a token made from it: EXT002's
        "not check_password(password, member.password)",
    ],
)
def test_auth004_look_alikes_stay_quiet(tmp_path, test):
    assert auth004(tmp_path, test)[1] == []


def test_auth004_quiet_in_tests(tmp_path):
    test = 'member.password != request.POST["password"]'
    assert auth004(tmp_path, test, path="tests/test_views.py")[1] == []
