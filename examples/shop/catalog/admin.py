from django.contrib import admin

from .models import Category, Product, Tag
from .services import invalidate_category_cache


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "parent")
    list_select_related = ("parent",)
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name",)

    def has_delete_permission(self, request, obj=None):
        # Products are PROTECTed; hide the delete button rather than erroring out.
        if obj is not None and Product.objects.filter(category=obj).count() > 0:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        invalidate_category_cache()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        invalidate_category_cache()


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ("name",)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("sku", "name", "category", "price", "stock_quantity", "is_active")
    list_filter = ("is_active", "category")
    list_select_related = ("category",)
    search_fields = ("sku", "name")
    autocomplete_fields = ("category", "tags")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_at", "updated_at")
