from django.contrib import admin

from .models import Payment, Refund


class RefundInline(admin.TabularInline):
    model = Refund
    extra = 0
    can_delete = False
    readonly_fields = ("amount", "reason", "gateway_reference", "created_by", "created_at")


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ("pk", "order", "amount", "currency", "status", "captured_at")
    list_filter = ("status",)
    list_select_related = ("order",)
    search_fields = ("gateway_reference", "order__reference")
    raw_id_fields = ("order",)
    readonly_fields = ("gateway_reference", "gateway_fee", "captured_at", "created_at", "updated_at")
    inlines = [RefundInline]
