"""Cookies the storefront sets besides Django's own session."""

from django.conf import settings
from django.http import JsonResponse


def remember_device(request):
    response = JsonResponse({"remembered": True})
    response.set_cookie("remember_token", request.user.device_token(), max_age=86400 * 30)  # expect: APISEC005
    return response


def issue_api_token(request):
    response = JsonResponse({"ok": True})
    response.set_cookie("api_token", request.user.api_token(), httponly=True)  # expect: APISEC005
    return response


def choose_theme(request):
    response = JsonResponse({"theme": request.GET.get("theme", "light")})
    response.set_cookie("theme", request.GET.get("theme", "light"), max_age=86400 * 365)
    return response


def refresh_session(request):
    response = JsonResponse({"ok": True})
    response.set_cookie(
        "shop_session",
        request.session.session_key,
        secure=True,
        httponly=True,
        samesite="Lax",
    )
    response.set_cookie("csrftoken", request.META.get("CSRF_COOKIE", ""), secure=True)
    response.set_cookie(
        "jwt", request.user.jwt(), secure=settings.SESSION_COOKIE_SECURE, httponly=True
    )
    return response


def forget_device(request):
    response = JsonResponse({"remembered": False})
    response.set_cookie("remember_token", "", max_age=0)
    return response
