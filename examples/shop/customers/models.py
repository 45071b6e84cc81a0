from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Customer(models.Model):
    # Guest checkouts create a Customer without a user account.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        related_name="customer",
        on_delete=models.SET_NULL,
    )
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200)
    phone = models.CharField(max_length=32, blank=True)
    marketing_opt_in = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.email

    def anonymise(self) -> None:
        """Erase personal data but keep the row, so order history stays intact."""
        self.email = f"anonymised-{self.pk}@invalid.example"
        self.full_name = ""
        self.phone = ""
        self.marketing_opt_in = False
        self.user = None
        self.anonymised_at = timezone.now()
        self.save()
        self.addresses.update(line1="", line2="", postcode="")


class Address(models.Model):
    customer = models.ForeignKey(Customer, related_name="addresses", on_delete=models.CASCADE)
    label = models.CharField(max_length=40, blank=True)
    line1 = models.CharField(max_length=200)
    line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100)
    postcode = models.CharField(max_length=16)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2")
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "addresses"
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(is_default=True),
                name="one_default_address_per_customer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line1}, {self.postcode} {self.city}"
