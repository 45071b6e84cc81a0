from django.db import models


class Account(models.Model):
    username = models.CharField(max_length=150, unique=True)
    email = models.EmailField()
    role = models.CharField(max_length=20, default="customer")
    is_staff = models.BooleanField(default=False)
    balance = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    api_key_hash = models.CharField(max_length=64, blank=True)
    legacy_salt = models.CharField(max_length=16, blank=True)
    legacy_password_hash = models.CharField(max_length=40, blank=True)


class Product(models.Model):
    sku = models.CharField(max_length=40, unique=True)
    title = models.CharField(max_length=200)
    price = models.DecimalField(max_digits=10, decimal_places=2)


class Invoice(models.Model):
    account = models.ForeignKey(Account, on_delete=models.PROTECT)
    number = models.CharField(max_length=32, unique=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    pdf_path = models.CharField(max_length=255)


class Order(models.Model):
    account = models.ForeignKey(Account, on_delete=models.PROTECT)
    region = models.CharField(max_length=40)
    status = models.CharField(max_length=20)
    total = models.DecimalField(max_digits=12, decimal_places=2)
