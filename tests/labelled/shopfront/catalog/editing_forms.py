"""Forms and serializers for editing the catalogue: which fields they accept (VAL011)."""

from django import forms
from rest_framework import serializers

from shopfront.catalog.models import Category, Product


class ProductWriteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = "__all__"  # expect: VAL011


class CategoryEditForm(forms.ModelForm):
    class Meta:
        model = Category
        exclude = ["slug"]  # expect: VAL011


class ProductPriceForm(forms.ModelForm):
    class Meta:
        model = Product
        exclude = ("is_published",)  # expect: VAL011


# look-alikes: explicit lists, inherited lists, output-only and admin classes


class ProductTitleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["sku", "title", "colour"]
        read_only_fields = ["sku"]


class CategoryRenameForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ("name",)


class CategorySlugForm(CategoryRenameForm):
    class Meta(CategoryRenameForm.Meta):
        exclude = ("slug",)


class ProductReadSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = "__all__"


class CategoryAdminForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = "__all__"


class ProductSearchForm(forms.Form):
    query = forms.CharField(required=False)

    class Meta:
        fields = "__all__"
