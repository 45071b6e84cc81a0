from django import forms

from .models import Category, Product


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ("name", "parent")


class ProductForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = ("category", "name")
