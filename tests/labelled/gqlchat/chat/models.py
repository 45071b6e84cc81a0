from django.conf import settings
from django.db import models


class Message(models.Model):
    room = models.CharField(max_length=64, db_index=True)
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created = models.DateTimeField(auto_now_add=True)
