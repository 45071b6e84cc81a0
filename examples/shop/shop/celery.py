import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings.production")

app = Celery("shop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "expire-stale-orders": {
        "task": "orders.tasks.expire_stale_orders",
        "schedule": crontab(minute="*/5"),
    },
    "reconcile-settlements": {
        "task": "payments.tasks.reconcile_settlements",
        "schedule": crontab(hour=3, minute=30),
    },
}
