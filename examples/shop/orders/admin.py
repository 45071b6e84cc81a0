from django.contrib import admin

from .models import Order, OrderEvent, OrderItem
from .tasks import sync_tracking_status


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    extra = 0
    raw_id_fields = ("product",)


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    can_delete = False
    readonly_fields = ("action", "actor", "payload", "created_at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("reference", "customer", "status", "total", "currency", "created_at")
    list_filter = ("status",)
    list_select_related = ("customer",)
    search_fields = ("reference", "customer__email", "tracking_number")
    date_hierarchy = "created_at"
    raw_id_fields = ("customer", "shipping_address")
    readonly_fields = ("reference", "total", "created_at", "updated_at")
    inlines = [OrderItemInline, OrderEventInline]
    actions = ["refresh_tracking"]

    @admin.action(description="Refresh tracking status from the carrier")
    def refresh_tracking(self, request, queryset):
        for order in queryset.exclude(tracking_number=""):
            sync_tracking_status.delay(order.pk)
        self.message_user(request, "Tracking refresh queued.")


@admin.register(OrderEvent)
class OrderEventAdmin(admin.ModelAdmin):
    list_display = ("order", "action", "actor", "created_at")
    list_filter = ("action",)
    list_select_related = ("order", "actor")
    raw_id_fields = ("order",)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
