"""Audit Logging & Compliance: AUD001 security-action-without-log, AUD002
print-used-for-logging, AUD003 exception-swallowed-without-log."""

from __future__ import annotations

import pytest
from backend_lens.model import Severity

from tests.helpers import (
    analyze_files,
    assert_suppress_edit_silences,
    fix_and_recheck,
    only,
    pos_of,
)

VIEWS = """
import logging

from django.contrib.auth import authenticate, login, logout
from django.http import HttpResponse

logger = logging.getLogger(__name__)


def sign_in(request):
    user = authenticate(request, username=request.POST["u"], password=request.POST["p"])
    if user is None:
        return HttpResponse(status=403)
    login(request, user)
    return HttpResponse("ok")


def sign_in_logged(request):
    user = authenticate(request, username=request.POST["u"], password=request.POST["p"])
    if user is None:
        logger.warning("failed sign-in")
        return HttpResponse(status=403)
    login(request, user)
    return HttpResponse("ok")


def sign_out(request):
    logout(request)
    return HttpResponse("bye")
"""


def run(tmp_path, files: dict[str, str], code: str):
    return only(analyze_files(tmp_path, files), code)


# --- AUD001 ----------------------------------------------------------------------


def test_aud001_sign_in_and_sign_out_without_log(tmp_path):
    found = run(tmp_path, {"accounts/views.py": VIEWS}, "AUD001")
    assert [f.start for f in found] == [
        pos_of(VIEWS, "authenticate(request, username", 1),
        pos_of(VIEWS, "logout(request)"),
    ]
    first = found[0]
    assert first.end[0] == first.start[0]
    assert "`sign_in`" in first.message and "sign-in" in first.message
    assert "without logging" in first.message
    assert "`sign_out`" in found[1].message and "sign-out" in found[1].message
    assert all(f.severity == Severity.WARNING and f.fix is None for f in found)


def test_aud001_suppression(tmp_path):
    found = run(tmp_path, {"accounts/views.py": VIEWS}, "AUD001")
    assert_suppress_edit_silences(tmp_path, found[0])


def test_aud001_quiet_when_a_receiver_of_djangos_signals_exists(tmp_path):
    receivers = """
    import logging

    from django.contrib.auth.signals import user_logged_in, user_login_failed
    from django.dispatch import receiver

    @receiver(user_logged_in)
    def record(sender, request, user, **kwargs):
        logging.getLogger("security").info("signed in %s", user.pk)
    """
    found = run(tmp_path, {"accounts/views.py": VIEWS, "accounts/signals.py": receivers}, "AUD001")
    assert found == []


PRIVILEGES = """
from django.contrib.auth import get_user_model

User = get_user_model()


def promote(request, pk):
    staff_user = User.objects.get(pk=pk)
    staff_user.is_superuser = True
    staff_user.save()


def grant(request, pk, group):
    request.user.groups.add(group)


def grant_permission(request, member, perm):
    member.user_permissions.remove(perm)


def reset(request, user):
    user.set_password(request.POST["password"])
    user.save()


def close(request):
    user = request.user
    user.delete()
"""


def test_aud001_privilege_password_and_deletion(tmp_path):
    found = run(tmp_path, {"staff/services.py": PRIVILEGES}, "AUD001")
    assert [f.start for f in found] == [
        pos_of(PRIVILEGES, "staff_user.is_superuser"),
        pos_of(PRIVILEGES, "request.user.groups.add"),
        pos_of(PRIVILEGES, "member.user_permissions"),
        pos_of(PRIVILEGES, "user.set_password"),
        pos_of(PRIVILEGES, "user.delete()"),
    ]
    messages = [f.message for f in found]
    assert "`is_superuser`" in messages[0]
    assert "group change" in messages[1]
    assert "permission change" in messages[2]
    assert "password change" in messages[3]
    assert "deletion of a user" in messages[4]


@pytest.mark.parametrize(
    "log_line",
    [
        'logger.info("promoted %s", pk)',
        'logging.warning("promoted %s", pk)',
        'log.info("promoted")',
        'LOGGER.info("promoted")',
        'structlog.get_logger().info("promoted")',
        'AuditLog.objects.create(action="promote", target=pk)',
        'LogEntry.objects.log_action(request.user.pk, 1, pk, "u", 2)',
        "account_events.staff_promoted_event(user=staff_user)",
        'record_audit("promote", pk)',
        'sentry_sdk.capture_message("promoted")',
        "staff_promoted.send(sender=User, user=staff_user)",
    ],
)
def test_aud001_quiet_when_the_function_logs(tmp_path, log_line):
    src = f"""
    import logging

    def promote(request, pk):
        staff_user = User.objects.get(pk=pk)
        staff_user.is_staff = True
        staff_user.save()
        {log_line}
    """
    assert run(tmp_path, {"staff/views.py": src}, "AUD001") == []


def test_aud001_quiet_when_a_logging_decorator_wraps_it(tmp_path):
    src = """
    @audit_logged("promote")
    def promote(request, staff_user):
        staff_user.is_staff = True
        staff_user.save()
    """
    assert run(tmp_path, {"staff/views.py": src}, "AUD001") == []


def test_aud001_a_log_in_another_method_of_the_class_counts(tmp_path):
    src = """
    class DeleteAccount(BaseMutation):
        @classmethod
        def perform_mutation(cls, info, user):
            user.delete()
            cls.post_save_action(info, user)

        @classmethod
        def post_save_action(cls, info, user):
            cls.call_event(account_events.account_deleted_event, user)
    """
    assert run(tmp_path, {"graphql/account.py": src}, "AUD001") == []


@pytest.mark.parametrize(
    "body",
    [
        # a flag set on the request's user for this request only: never saved
        "user.is_staff = True\n    return user",
        # token authentication of each request, not a sign-in
        "return authenticate(request=request)",
        # a contact's groups, not a user's access
        "contact.groups.add(group)",
        # a draft, not a user
        "draft.delete()",
        "user.delete(keep_parents=True) if False else None",
    ],
)
def test_aud001_look_alikes_are_quiet(tmp_path, body):
    src = f"""
    from django.contrib.auth import authenticate

    def handle(request, user, contact, group, draft):
        {body}
    """
    assert run(tmp_path, {"shop/views.py": src}, "AUD001") == []


@pytest.mark.parametrize(
    "name", ["create_user", "_create_user", "register", "create_fake_user", "populate", "save"]
)
def test_aud001_building_a_user_is_not_a_change(tmp_path, name):
    src = f"""
    def {name}(self, email, password):
        user = self.model(email=email)
        user.set_password(password)
        user.is_staff = True
        user.save()
        return user
    """
    assert run(tmp_path, {"accounts/managers.py": src}, "AUD001") == []


@pytest.mark.parametrize("name", ["check_password", "acheck_password", "verify_password"])
def test_aud001_rehash_while_checking_a_password_is_not_a_change(tmp_path, name):
    # Django's AbstractBaseUser.check_password: a hash upgraded to the current
    # hasher on a successful check, the same password
    src = f"""
    def {name}(self, raw_password):
        def setter(raw_password):
            self.set_password(raw_password)
            self.save(update_fields=["password"])

        return check_password(raw_password, self.password, setter)


    def change_password(self, raw_password):
        self.set_password(raw_password)
        self.save()
    """
    (f,) = run(tmp_path, {"accounts/models.py": src}, "AUD001")
    assert "`change_password` performs a password change" in f.message


@pytest.mark.parametrize(
    "path",
    [
        "accounts/tests/test_views.py",
        "tests/test_accounts.py",
        "accounts/migrations/0002_staff.py",
        "accounts/management/commands/promote.py",
        "scripts/promote.py",
        "config/settings.py",
    ],
)
def test_aud001_quiet_outside_server_code(tmp_path, path):
    src = """
    def promote(request, staff_user):
        staff_user.is_staff = True
        staff_user.save()
    """
    assert run(tmp_path, {path: src}, "AUD001") == []


def test_aud001_quiet_in_a_command_line_module(tmp_path):
    src = """
    import click

    @click.command()
    def reset_password(user):
        user.set_password("x")
    """
    assert run(tmp_path, {"shop/cli.py": src}, "AUD001") == []


# --- AUD002 ----------------------------------------------------------------------

SERVICE = """
import logging
import sys

logger = logging.getLogger(__name__)


def charge(order):
    print(f"charging {order.pk}")
    print("failed", order.pk)
    print("to stderr", file=sys.stderr)
    return order
"""


def test_aud002_print_in_server_code(tmp_path):
    found = run(tmp_path, {"orders/services.py": SERVICE}, "AUD002")
    assert [f.start for f in found] == [
        pos_of(SERVICE, 'print(f"charging'),
        pos_of(SERVICE, 'print("failed"'),
        pos_of(SERVICE, 'print("to stderr"'),
    ]
    assert found[0].end == (
        found[0].start[0],
        found[0].start[1] + len('print(f"charging {order.pk}")'),
    )
    assert "print()" in found[0].message and "logger" in found[0].message
    assert found[0].severity == Severity.INFO
    assert found[1].fix is None  # several values: the format is for the user to choose


def test_aud002_verbosity_elsewhere_in_the_function_does_not_hide_it(tmp_path):
    src = "def sync(verbosity=1):\n    if verbosity:\n        pass\n    print('synced')\n"
    (f,) = run(tmp_path, {"shop/services.py": src}, "AUD002")
    assert f.start == (4, 4)


def test_aud002_fix_uses_the_module_logger(tmp_path):
    found = run(tmp_path, {"orders/services.py": SERVICE}, "AUD002")
    edited, after = fix_and_recheck(tmp_path, found[0])
    assert 'logger.info(f"charging {order.pk}")' in edited["orders/services.py"]
    assert len(only(after, "AUD002")) == 2


def test_aud002_fix_for_stderr_logs_an_error(tmp_path):
    found = run(tmp_path, {"orders/services.py": SERVICE}, "AUD002")
    edited, _ = fix_and_recheck(tmp_path, found[2])
    assert 'logger.error("to stderr")' in edited["orders/services.py"]


def test_aud002_no_fix_without_a_module_logger(tmp_path):
    src = """
    def charge(order):
        print(order.pk)
    """
    (f,) = run(tmp_path, {"orders/services.py": src}, "AUD002")
    assert f.fix is None


@pytest.mark.parametrize(
    "path",
    [
        "orders/tests.py",
        "orders/management/commands/export.py",
        "scripts/load.py",
        "orders/migrations/0003_fill.py",
        "alembic/env.py",
        "manage.py",
        "config/settings.py",
    ],
)
def test_aud002_quiet_outside_server_code(tmp_path, path):
    src = """
    def run(order):
        print(order)
    """
    assert run(tmp_path, {path: src}, "AUD002") == []


@pytest.mark.parametrize(
    "src",
    [
        # writes a file
        "def export(rows, out):\n    for r in rows:\n        print(r, file=out)\n",
        # a command-line module
        "import click\n\n\n@click.command()\ndef load():\n    print('done')\n",
        "import argparse\n\n\ndef load():\n    print('done')\n",
        # run as a script
        "def load():\n    print('done')\n\n\nif __name__ == '__main__':\n    load()\n",
        # a command of the application's CLI
        "@app.cli.command('seed')\ndef seed():\n    print('seeded')\n",
        "def main():\n    print('usage')\n",
        # module level
        "print('loading')\n",
        # a project function named print
        "from shop.console import print\n\n\ndef show(x):\n    print(x)\n",
        # output the operator asked for (Django's post_migrate handlers, `migrate -v 2`)
        "def create_perms(app, verbosity=2, **kw):\n    if verbosity >= 2:\n"
        "        for p in app.perms:\n            print('Adding %s' % p)\n",
        "def setup(self, options):\n    if options['verbosity'] > 1:\n        print('ok')\n",
    ],
)
def test_aud002_look_alikes_are_quiet(tmp_path, src):
    assert run(tmp_path, {"shop/services.py": src}, "AUD002") == []


# --- AUD003 ----------------------------------------------------------------------

SWALLOW = """
import logging

logger = logging.getLogger(__name__)


def sync(product, client):
    try:
        client.push(product)
    except Exception:
        pass


def sync_all(products, client):
    for product in products:
        try:
            client.push(product)
        except:
            continue


def refresh(product):
    try:
        product.refresh_price()
    except (ValueError, BaseException) as exc:
        return None
    return product.price


def flag(product):
    try:
        product.check()
        return None
    except Exception: return None
"""


def test_aud003_broad_handlers_that_do_nothing(tmp_path):
    found = run(tmp_path, {"shop/services.py": SWALLOW}, "AUD003")
    assert [f.start for f in found] == [
        pos_of(SWALLOW, "except Exception:", 1),
        pos_of(SWALLOW, "except:"),
        pos_of(SWALLOW, "except (ValueError"),
        pos_of(SWALLOW, "except Exception:", 2),
    ]
    assert found[0].end == (found[0].start[0], found[0].start[1] + len("except Exception"))
    assert "`except Exception`" in found[0].message
    assert "bare `except:`" in found[1].message
    assert "`except BaseException`" in found[2].message
    assert "logger.exception" in found[0].message
    assert all(f.severity == Severity.INFO for f in found)
    assert_suppress_edit_silences(tmp_path, found[0])


@pytest.mark.parametrize(
    "handler",
    [
        "except KeyError:\n        pass",
        "except ObjectDoesNotExist:\n        return None",
        "except (ValueError, TypeError):\n        return 0",
        "except Exception:\n        logger.exception('push failed')",
        "except Exception as exc:\n        logger.warning('push failed: %s', exc)\n        return None",
        "except Exception:\n        raise",
        "except Exception as exc:\n        return str(exc)",
        "except Exception:\n        metrics.incr('push.failed')",
        "except Exception:\n        return fallback(product)",
    ],
)
def test_aud003_look_alikes_are_quiet(tmp_path, handler):
    src = f"""
    def sync(product, client):
        try:
            client.push(product)
        {handler}
    """
    assert run(tmp_path, {"shop/services.py": src}, "AUD003") == []


ANSWERS = """
def payment_id(value):
    try:
        return from_global_id_or_error(value, only_type="Payment")[1]
    except Exception:
        return None


def is_valid(token, owner):
    try:
        payload = jwt_decode(token)
        return payload.get("owner", "") == owner
    except Exception:
        return False


class Plugin:
    @property
    def broken(self):
        try:
            registry.get(self.slug)
            return False
        except Exception:
            return True
"""


def test_aud003_a_handler_that_gives_the_caller_another_answer_is_quiet(tmp_path):
    """`return parse(value)` / `except Exception: return None`: the caller is told
    the call failed (None, False, a `broken` property's True), which is where the
    failure goes (saleor's global-id helpers, dispatch's plugin check)."""
    assert run(tmp_path, {"shop/services.py": ANSWERS}, "AUD003") == []
    # the same answer either way: the failure is dropped
    same = ANSWERS.replace("return True", "return False")
    (f,) = run(tmp_path, {"shop/services.py": same}, "AUD003")
    assert f.start == pos_of(same, "except Exception:", 3)
    # an empty value passes for a result: the failure is dropped too
    empty = ANSWERS.replace("return None", 'return ""')
    (f,) = run(tmp_path, {"shop/services.py": empty}, "AUD003")
    assert f.start == pos_of(empty, "except Exception:", 1)


def test_aud003_quiet_at_module_level_and_outside_server_code(tmp_path):
    module_level = """
    try:
        import ujson as json
    except Exception:
        json = None
    try:
        import orjson
    except:
        pass
    """
    in_function = """
    def f(x):
        try:
            x()
        except Exception:
            pass
    """
    files = {
        "shop/compat.py": module_level,
        "shop/tests/test_sync.py": in_function,
        "shop/management/commands/sync.py": in_function,
        "shop/migrations/0004_x.py": in_function,
    }
    assert run(tmp_path, files, "AUD003") == []


@pytest.mark.parametrize(
    "handler",
    [
        "except Exception:  # the cache is optional here\n        pass",
        "except Exception:\n        # the provider sometimes omits the items; skip them\n        pass",
        # Django's tz filter: the reason on the line above the except
        "# pushes are best effort: the nightly sync catches up\n    except Exception:\n        pass",
    ],
)
def test_aud003_a_comment_records_the_decision(tmp_path, handler):
    src = f"""
    def sync(product, client):
        try:
            client.push(product)
        {handler}
    """
    assert run(tmp_path, {"shop/services.py": src}, "AUD003") == []


def test_aud003_a_comment_in_the_try_body_is_not_a_reason(tmp_path):
    src = """
    def sync(product, client):
        try:
            client.push(product)
            # push the product
        except Exception:
            pass
    """
    (f,) = run(tmp_path, {"shop/services.py": src}, "AUD003")
    assert f.start == (5, 4)


def test_aud003_template_filters_fail_silently(tmp_path):
    # Django's contract for filters and tags: never raise, return "" instead
    src = """
    from django import template

    register = template.Library()


    @register.filter
    def add(value, arg):
        try:
            return value + arg
        except Exception:
            return ""


    @register.simple_tag(takes_context=True)
    def price(context, item):
        try:
            return item.price_for(context["request"])
        except Exception:
            return ""


    def helper(value):
        try:
            value.render()
        except Exception:
            return ""
        return value.output
    """
    (f,) = run(tmp_path, {"shop/templatetags/shop_tags.py": src}, "AUD003")
    assert f.start[0] == 25


def test_aud001_imported_under_another_name(tmp_path):
    src = """
    from django.contrib.auth import login as auth_login, logout as auth_logout

    def sign_in(request, user):
        auth_login(request, user)

    def sign_out(request):
        auth_logout(request)
    """
    found = run(tmp_path, {"accounts/views.py": src}, "AUD001")
    assert [f.start for f in found] == [
        pos_of(src, "auth_login(request"),
        pos_of(src, "auth_logout("),
    ]
