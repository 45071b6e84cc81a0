from decimal import Decimal

from invoicing.models import Invoice
from ledger.posting import post_invoice  # expect: SVC001


def issue_invoice(invoice: Invoice, total: Decimal) -> Invoice:
    invoice.total = total
    invoice.save(update_fields=["total"])
    post_invoice(invoice)
    return invoice
