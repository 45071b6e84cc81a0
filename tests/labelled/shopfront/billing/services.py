import requests
from django.db import connection, transaction

from shopfront.billing.models import Invoice
from shopfront.billing.tasks import push_invoice
from shopfront.core.models import Account


def issue(invoice_id):
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
        invoice.state = "issued"
        invoice.save()
        transaction.on_commit(lambda: push_invoice.delay(invoice.pk))


@transaction.atomic
def reissue(invoice_id):
    invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
    invoice.save()
    push_invoice.delay(invoice.pk)  # expect: TASK001


def void(invoice_id):
    invoice = Invoice.objects.select_for_update().get(pk=invoice_id)  # expect: TXN001
    invoice.state = "void"
    invoice.save()


def has_open_invoices(account: Account) -> bool:
    return Invoice.objects.filter(account=account, state="open").count() > 0  # expect: ORM002


def open_invoice_count(account: Account) -> int:
    return Invoice.objects.filter(account=account, state="open").count()


def find_by_external_ref(ref):
    return Invoice.objects.filter(external_ref=ref).first()  # expect: DBP001


def find_for_account(account, ref):
    return Invoice.objects.filter(account=account, external_ref=ref).first()


def find_by_number(number):
    return Invoice.objects.get(number=number)


def totals_by_state(state):
    with connection.cursor() as cursor:
        cursor.execute("SELECT sum(total) FROM billing_invoice WHERE state = %s", [state])
        safe = cursor.fetchone()
        cursor.execute(f"SELECT sum(total) FROM billing_invoice WHERE state = '{state}'")  # expect: VAL001
        return safe, cursor.fetchone()


def notify_erp(invoice_id):
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
        invoice.state = "sent"
        invoice.save()
        requests.post("https://erp.example/sent", json={"n": invoice.number}, timeout=5)  # expect: TXN002
    requests.post("https://erp.example/after", json={"n": invoice.number}, timeout=5)


def close_accounts(account_ids):
    for account_id in account_ids:
        account = Account.objects.get(pk=account_id)  # expect: ORM003
        print(account.email)  # expect: AUD002
    for account in Account.objects.filter(pk__in=account_ids):
        print(account.email)  # expect: AUD002


def deactivate_all():
    for account in Account.objects.filter(is_active=True):
        account.is_active = False
        account.save()  # expect: ORM004
    Account.objects.filter(is_active=True).update(is_active=False)


def split_invoice(request, invoice_id):
    invoice = Invoice.objects.get(pk=invoice_id)
    invoice.state = "split"
    invoice.save()
    Invoice.objects.create(account=invoice.account, number=f"{invoice.number}-2", total=0)  # expect: MIG005


def rename_invoice(request, invoice_id):
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
        invoice.external_ref = request.POST["ref"]
        invoice.save()
        Invoice.objects.filter(pk=invoice_id).update(state="renamed")


def has_any_invoice(account):
    invoices = Invoice.objects.filter(account=account)
    if invoices:  # expect: ORM002
        return True
    return False


def invoice_numbers(account):
    invoices = Invoice.objects.filter(account=account)
    if invoices:
        return [i.number for i in invoices]
    return []
