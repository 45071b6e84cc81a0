from django.db import transaction

from invoicing.models import Invoice
from ledger.models import Account, Entry


@transaction.atomic
def post_invoice(invoice: Invoice) -> Entry:
    account = Account.objects.select_for_update().get(code="receivable")
    entry = Entry.objects.create(account=account, invoice=invoice, amount=invoice.total)
    account.balance += invoice.total
    account.save(update_fields=["balance"])
    Invoice.objects.filter(pk=invoice.pk).update(posted=True)  # another app's rows
    return entry
