"""Calls to partner services: certificate checks off (SEC004) beside safe look-alikes."""

import ssl
import urllib.request

import httpx
import requests
from django.conf import settings


def push_stock(url, rows):
    return requests.post(url, json=rows, timeout=10, verify=False)  # expect: SEC004


def warehouse_session():
    session = requests.Session()
    session.verify = False  # expect: SEC004
    return session


def shipping_client():
    return httpx.Client(base_url=settings.SHIPPING_URL, verify=False, timeout=10)  # expect: SEC004


def legacy_feed(url):
    context = ssl._create_unverified_context()  # expect: SEC004
    return urllib.request.urlopen(url, context=context, timeout=10).read()


def erp_context():
    context = ssl.create_default_context()
    context.check_hostname = False  # expect: SEC004
    context.verify_mode = ssl.CERT_NONE  # expect: SEC004
    return context


def tax_rates(url):
    return requests.get(url, timeout=10, verify=settings.TAX_CA_BUNDLE)


def private_ca_client():
    return httpx.Client(verify="/etc/ssl/certs/partners-ca.pem", timeout=10)


def strict_context():
    context = ssl.create_default_context(cafile="/etc/ssl/certs/partners-ca.pem")
    context.check_hostname = True
    return context


def describe(context):
    if context.verify_mode == ssl.CERT_NONE:
        return "unverified"
    return "verified"
