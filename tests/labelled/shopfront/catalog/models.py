from django.db import models

from shopfront.core.models import TimeStamped


class Category(models.Model):
    name = models.CharField(max_length=80)
    slug = models.SlugField(unique=True)


class Product(TimeStamped):
    category = models.ForeignKey(Category, on_delete=models.PROTECT)
    sku = models.CharField(max_length=32, unique=True)
    title = models.CharField(max_length=200)
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    shipping_weight = models.FloatField(default=0)
    list_price = models.FloatField(default=0)  # expect: SCH001
    colour = models.CharField(max_length=20)
    is_published = models.BooleanField(default=False)
