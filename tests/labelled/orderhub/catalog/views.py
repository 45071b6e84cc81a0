"""Catalogue pages cached with cache_page: some for everyone, some per user."""

from django.core.cache import cache
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import cache_control, cache_page
from django.views.decorators.vary import vary_on_cookie, vary_on_headers
from django.views.generic import TemplateView

from orders.models import Order


@cache_page(60 * 15)  # expect: CACHE003
def my_orders(request):
    orders = Order.objects.filter(customer__user=request.user).order_by("-created")[:20]
    return render(request, "catalog/my_orders.html", {"orders": orders})


@cache_page(60 * 5)  # expect: CACHE003
def recently_viewed(request):
    skus = request.session.get("recently_viewed", [])
    return JsonResponse({"skus": skus})


@method_decorator(cache_page(60), name="dispatch")  # expect: CACHE003
class AccountHome(TemplateView):
    template_name = "catalog/account.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["email"] = self.request.user.email
        return context


class PreferredCurrency(View):
    @method_decorator(cache_page(120))  # expect: CACHE003
    def get(self, request):
        return JsonResponse({"currency": request.COOKIES.get("currency", "EUR")})


# look-alikes: pages that are the same for everyone, or cached per user


@cache_page(60 * 60)
def price_list(request):
    currency = request.GET.get("currency", "EUR")
    return JsonResponse({"currency": currency})


@cache_page(60 * 15)
@vary_on_cookie
def my_orders_per_session(request):
    orders = Order.objects.filter(customer__user=request.user).order_by("-created")[:20]
    return render(request, "catalog/my_orders.html", {"orders": orders})


@vary_on_headers("Authorization")
@cache_page(60)  # expect: CACHE003
def my_order_count_shared(request):
    return JsonResponse({"count": Order.objects.filter(customer__user=request.user).count()})


@cache_page(60)
@vary_on_headers("Authorization")
def my_order_count(request):
    return JsonResponse({"count": Order.objects.filter(customer__user=request.user).count()})


@cache_page(60)
@cache_control(private=True)
def basket_size(request):
    return JsonResponse({"size": len(request.session.get("basket", []))})


@method_decorator([cache_page(60), vary_on_cookie], name="dispatch")
class AccountSummary(TemplateView):
    template_name = "catalog/summary.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["name"] = self.request.user.get_full_name()
        return context


def uncached_account(request):
    return JsonResponse({"email": request.user.email})


# the low-level cache API: per-user data under a key shared by every user


def order_summary(request, page):
    orders = Order.objects.filter(customer__user=request.user).order_by("-created")
    summary = {"count": orders.count(), "page": page}
    cache.set(f"order-summary:{page}", summary, 300)  # expect: CACHE003
    return JsonResponse(summary)


def order_summary_per_user(request, page):
    orders = Order.objects.filter(customer__user=request.user).order_by("-created")
    summary = {"count": orders.count(), "page": page}
    cache.set(f"order-summary:{request.user.pk}:{page}", summary, 300)
    return JsonResponse(summary)


def open_orders_count(request):
    count = Order.objects.filter(status="open").count()
    cache.set("open-orders", count, 300)
    return JsonResponse({"count": count, "user": request.user.pk})


def wishlist(request):
    return JsonResponse({"skus": request.session.get("wishlist", [])})


def opening_hours(request):
    return JsonResponse({"hours": "9-17"})


wishlist = cache_page(60)(wishlist)  # expect: CACHE003
opening_hours = cache_page(60 * 60)(opening_hours)
