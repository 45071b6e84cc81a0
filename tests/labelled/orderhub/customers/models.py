from django.conf import settings
from django.db import models


class Customer(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    email = models.EmailField(unique=True)
    loyalty_points = models.PositiveIntegerField(default=0)

    def add_points(self, points: int) -> None:
        self.loyalty_points += points
        self.save(update_fields=["loyalty_points"])
