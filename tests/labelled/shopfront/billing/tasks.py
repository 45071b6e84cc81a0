import requests
from celery import shared_task

from shopfront.billing.models import Invoice


@shared_task(autoretry_for=(requests.RequestException,), retry_backoff=True)  # expect: TASK005
def push_invoice(invoice_id):
    invoice = Invoice.objects.select_related("account").get(pk=invoice_id)
    requests.post("https://erp.example/invoices", json={"n": invoice.number}, timeout=10)
    requests.post("https://erp.example/audit", json={"n": invoice.number})  # expect: INT001


@shared_task
def remind_open_invoices():
    for invoice in Invoice.objects.filter(state="open"):
        print(invoice.account.email)  # expect: ORM001, AUD002
    for invoice in Invoice.objects.filter(state="open").select_related("account"):
        print(invoice.account.email)  # expect: AUD002
    for invoice in Invoice.objects.filter(state="open").values("account_id"):
        print(invoice["account_id"])  # expect: AUD002
    for invoice in Invoice.objects.filter(state="open"):
        print(invoice.account_id, invoice.number)  # expect: AUD002
