import pytest

pytestmark = pytest.mark.django_db


def test_product_list_is_paginated(api_client, product):
    response = api_client.get("/api/products/")

    assert response.status_code == 200
    assert response.data["count"] == 1
    assert response.data["results"][0]["sku"] == "COF-001"


def test_inactive_products_are_hidden_from_customers(api_client, product):
    product.is_active = False
    product.save()

    response = api_client.get(f"/api/products/{product.sku}/")

    assert response.status_code == 404


def test_anonymous_users_cannot_change_products(api_client, product):
    response = api_client.patch(f"/api/products/{product.sku}/", {"price": "1.00"})

    assert response.status_code == 401


def test_category_list_is_cached(api_client, category, django_assert_num_queries):
    api_client.get("/api/categories/")

    with django_assert_num_queries(0):
        response = api_client.get("/api/categories/")

    assert [row["slug"] for row in response.data] == ["coffee"]
