"""Sign-in, password and staff views, with and without an audit trail (AUD001-AUD003)."""

import json
import logging

from django.contrib.auth import authenticate, get_user_model, login, logout
from django.contrib.auth import update_session_auth_hash
from django.http import HttpResponse, HttpResponseForbidden, JsonResponse

logger = logging.getLogger("shopfront.security")
User = get_user_model()


def sign_in(request):
    user = authenticate(request, username=request.POST["u"], password=request.POST["p"])  # expect: AUD001
    if user is None:
        return HttpResponseForbidden("no")
    login(request, user)
    return HttpResponse("ok")


def sign_in_logged(request):
    user = authenticate(request, username=request.POST["u"], password=request.POST["p"])
    if user is None:
        logger.warning("failed sign-in for %s", request.POST["u"])
        return HttpResponseForbidden("no")
    login(request, user)
    logger.info("user %s signed in", user.pk)
    return HttpResponse("ok")


def sign_out(request):
    logout(request)  # expect: AUD001
    return HttpResponse("bye")


def change_password(request):
    request.user.set_password(request.POST["new"])  # expect: AUD001
    request.user.save()
    update_session_auth_hash(request, request.user)
    return HttpResponse("changed")


def change_password_logged(request):
    request.user.set_password(request.POST["new"])
    request.user.save()
    update_session_auth_hash(request, request.user)
    logger.info("user %s changed their password", request.user.pk)
    return HttpResponse("changed")


def make_staff(request, user_id):
    target_user = User.objects.get(pk=user_id)
    target_user.is_staff = True  # expect: AUD001
    target_user.save()
    return HttpResponse("promoted")


def make_staff_audited(request, user_id):
    target_user = User.objects.get(pk=user_id)
    target_user.is_staff = True
    target_user.save()
    audit_event("staff-granted", actor=request.user.pk, target=user_id)
    return HttpResponse("promoted")


def grant_group(request, user_id, group):
    target_user = User.objects.get(pk=user_id)
    target_user.groups.add(group)  # expect: AUD001
    return HttpResponse("granted")


def tag_contact(request, contact, group):
    contact.groups.add(group)  # a contact's groups, not a user's access
    return HttpResponse("tagged")


def remove_account(request):
    user = request.user
    user.delete()  # expect: AUD001
    return HttpResponse("deleted")


def remove_draft(request, draft):
    draft.delete()
    return HttpResponse("deleted")


def show_staff_badge(request):
    user = request.user
    user.is_staff = bool(request.session.get("staff_preview"))  # not saved: a display flag
    return HttpResponse(str(user.is_staff))


def create_user(email, password):
    user = User(email=email)
    user.set_password(password)  # building a new user, not a change
    user.save()
    return user


def audit_event(kind, **fields):
    logger.info("%s %s", kind, fields)


def import_addresses(request):
    rows = json.loads(request.body)
    for row in rows:
        print(row)  # expect: AUD002
    logger.info("imported %d rows", len(rows))
    return JsonResponse({"n": len(rows)})


def export_addresses(request, out):
    for row in request.user.addresses.values_list("line1", flat=True):
        print(row, file=out)  # writing a file
    return HttpResponse("done")


def parse_quantity(text):
    try:
        return int(text)
    except ValueError:
        return 0  # the expected failure, named


def load_preferences(request):
    try:
        return json.loads(request.user.preferences)
    except Exception:  # expect: AUD003
        return {}


def load_preferences_logged(request):
    try:
        return json.loads(request.user.preferences)
    except Exception:
        logger.exception("bad preferences for %s", request.user.pk)
        return {}


def notify_all(request, clients):
    for client in clients:
        try:
            client.notify(request.user.pk)
        except:  # expect: AUD003
            continue
    return HttpResponse("sent")


def notify_all_or_fail(request, clients):
    for client in clients:
        try:
            client.notify(request.user.pk)
        except Exception:
            raise
    return HttpResponse("sent")


def cached_rate(cache):
    try:
        return cache.get("rate")
    except (KeyError, LookupError):
        pass
    return None
