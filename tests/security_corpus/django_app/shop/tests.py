import hashlib
import pickle
import random

import requests
from django.db import connection
from django.test import TestCase

from .models import Customer

TEST_PASSWORD = "s3cret-Test-Pass!"  # safe: CWE-798


class ReportQueriesTest(TestCase):
    def setUp(self):
        self.customer = Customer.objects.create(display_name="Ann", email="ann@example.com")
        self.customer.password_digest = hashlib.md5(TEST_PASSWORD.encode()).hexdigest()  # safe: CWE-328

    def test_region_totals(self):
        region = "eu"
        with connection.cursor() as cur:
            cur.execute(f"SELECT COUNT(*) FROM shop_order WHERE region = '{region}'")  # safe: CWE-89
            self.assertEqual(cur.fetchone()[0], 0)

    def test_pickled_cart_round_trip(self):
        blob = pickle.dumps([{"sku": "A1", "qty": 2}])
        self.assertEqual(pickle.loads(blob)[0]["qty"], 2)  # safe: CWE-502

    def test_random_token_shape(self):
        token = "".join(random.choice("abcdef0123456789") for _ in range(8))  # safe: CWE-330
        self.assertEqual(len(token), 8)

    def test_staging_health(self):
        resp = requests.get("https://staging.shop.example.com/health", timeout=5, verify=False)  # safe: CWE-295
        self.assertIn(resp.status_code, (200, 503))

    def test_formula(self):
        self.assertEqual(eval("2 * 21"), 42)  # safe: CWE-95
