from django.contrib import admin

from .models import Address, Customer


class AddressInline(admin.TabularInline):
    model = Address
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("email", "full_name", "marketing_opt_in", "created_at", "anonymised_at")
    list_filter = ("marketing_opt_in",)
    search_fields = ("email", "full_name")
    raw_id_fields = ("user",)
    inlines = [AddressInline]
    actions = ["anonymise_selected"]

    @admin.action(description="Anonymise selected customers (GDPR erasure)")
    def anonymise_selected(self, request, queryset):
        for customer in queryset:
            customer.anonymise()
        self.message_user(request, f"Anonymised {len(queryset)} customer(s).")
