from django.db import models

from shopfront.core.models import Account, TimeStamped


class Invoice(TimeStamped):
    account = models.ForeignKey(Account, on_delete=models.PROTECT)
    number = models.CharField(max_length=20, unique=True)
    state = models.CharField(max_length=12, db_index=True)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    tax_rate = models.FloatField(default=0.2)
    external_ref = models.CharField(max_length=40)

    class Meta:
        unique_together = [("account", "external_ref")]


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT)
    quantity = models.PositiveIntegerField()
    amount = models.DecimalField(max_digits=12, decimal_places=2)


class Refund(TimeStamped):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT)
    requested_by = models.ForeignKey(Account, on_delete=models.CASCADE)  # expect: SCH004
    amount = models.DecimalField(max_digits=12, decimal_places=2)


class SavedCard(TimeStamped):
    owner = models.ForeignKey(Account, on_delete=models.PROTECT)
    last4 = models.CharField(max_length=4)
