from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from catalog.models import Category, Product
from customers.models import Address, Customer


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user(
        username="ada", email="ada@example.com", password="correct-horse-battery-staple"
    )


@pytest.fixture
def customer(user):
    return Customer.objects.create(user=user, email=user.email, full_name="Ada Lovelace")


@pytest.fixture
def address(customer):
    return Address.objects.create(
        customer=customer,
        line1="12 St James's Square",
        city="London",
        postcode="SW1Y 4JH",
        country="GB",
        is_default=True,
    )


@pytest.fixture
def category():
    return Category.objects.create(name="Coffee", slug="coffee")


@pytest.fixture
def product(category):
    return Product.objects.create(
        sku="COF-001",
        name="Yirgacheffe 250g",
        slug="yirgacheffe-250g",
        category=category,
        price=Decimal("12.50"),
        stock_quantity=10,
    )
