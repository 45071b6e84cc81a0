import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orderhub.settings.production")

app = Celery("orderhub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
