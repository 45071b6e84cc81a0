"""A template filter fails silently by Django's contract (AUD003 look-alike)."""

from django import template

register = template.Library()


@register.filter
def money(value, currency):
    try:
        return f"{value:.2f} {currency}"
    except Exception:
        return ""


def money_or_blank(value):
    try:
        return f"{value:.2f}"
    except Exception:  # expect: AUD003
        return ""
