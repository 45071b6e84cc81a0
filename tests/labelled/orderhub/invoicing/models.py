from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import models

from customers.models import Customer

if TYPE_CHECKING:
    from ledger.models import Account  # never runs: no edge of the cycle


class Invoice(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="invoices")
    number = models.CharField(max_length=32, unique=True)
    total = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    posted = models.BooleanField(default=False)

    def receivable(self) -> Account:
        from ledger.models import Account  # lazy: breaks the cycle on purpose

        return Account.objects.get(code="receivable")
