from decimal import Decimal
from unittest.mock import patch

import pytest

from customers.models import Address, Customer
from orders.models import Order, OrderEvent
from orders.services import OutOfStock, cancel_order, place_order

pytestmark = pytest.mark.django_db


def test_place_order_takes_stock_and_enqueues_confirmation_after_commit(
    customer, address, product, django_capture_on_commit_callbacks
):
    with patch("orders.services.send_order_confirmation") as confirmation:
        with patch("orders.services.reserve_inventory"), django_capture_on_commit_callbacks(execute=True):
            order = place_order(
                customer=customer, address_id=address.pk, lines=[{"product_id": product.pk, "quantity": 3}]
            )

    product.refresh_from_db()
    assert product.stock_quantity == 7
    assert order.total == Decimal("37.50")
    assert order.events.filter(action=OrderEvent.Action.CREATED).exists()
    confirmation.delay.assert_called_once_with(order.pk)


def test_place_order_rejects_more_than_in_stock(customer, address, product):
    with pytest.raises(OutOfStock):
        place_order(
            customer=customer, address_id=address.pk, lines=[{"product_id": product.pk, "quantity": 11}]
        )
    assert not Order.objects.filter(customer=customer).exists()


def test_cancel_order_puts_stock_back(customer, address, product):
    with patch("orders.services.send_order_confirmation"), patch("orders.services.reserve_inventory"):
        order = place_order(
            customer=customer, address_id=address.pk, lines=[{"product_id": product.pk, "quantity": 2}]
        )
    with patch("orders.services.send_order_cancelled_email"):
        cancel_order(order.pk, reason="changed my mind")

    product.refresh_from_db()
    order.refresh_from_db()
    assert product.stock_quantity == 10
    assert order.status == Order.Status.CANCELLED


def test_customers_only_see_their_own_orders(api_client, user, customer, address, django_user_model):
    other_user = django_user_model.objects.create_user(username="bob", password="another-long-password")
    other = Customer.objects.create(user=other_user, email="bob@example.com", full_name="Bob")
    other_address = Address.objects.create(
        customer=other, line1="1 Main St", city="Leeds", postcode="LS1 1AA", country="GB"
    )
    mine = Order.objects.create(customer=customer, shipping_address=address)
    Order.objects.create(customer=other, shipping_address=other_address)

    api_client.force_authenticate(user)
    response = api_client.get("/api/orders/")

    assert response.status_code == 200
    assert [row["reference"] for row in response.data["results"]] == [mine.reference]


def test_sales_report_requires_a_date_range(api_client):
    response = api_client.get("/api/reports/sales/")
    assert response.status_code == 400
