from django.conf import settings
from django.db import models


class Report(models.Model):
    name = models.CharField(max_length=100, unique=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    archived = models.BooleanField(default=False)


class ReportRow(models.Model):
    report = models.ForeignKey(Report, related_name="rows", on_delete=models.CASCADE)
    label = models.CharField(max_length=100)
    value = models.FloatField()
