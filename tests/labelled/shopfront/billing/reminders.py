import django_rq
from django.db.models.signals import post_save
from django.shortcuts import get_object_or_404

from shopfront.billing.models import Invoice
from shopfront.billing.tasks import push_invoice

queue = django_rq.get_queue("default")


def push_one(invoice_id):
    invoice = Invoice.objects.get(pk=invoice_id)
    push_invoice.delay(invoice)  # expect: TASK002
    push_invoice.delay(invoice.pk)
    push_invoice.delay(invoice_id=invoice.id)
    push_invoice.delay(str(invoice.number))


def push_later(invoice_id):
    invoice = get_object_or_404(Invoice, pk=invoice_id)
    push_invoice.apply_async(args=[invoice], countdown=60)  # expect: TASK002
    push_invoice.apply_async(args=[invoice.pk], countdown=60)
    push_invoice.apply_async(kwargs={"invoice_id": invoice.pk, "number": invoice.number})


def push_open():
    for invoice in Invoice.objects.filter(state="open"):
        push_invoice.delay(invoice)  # expect: TASK002
    for invoice_id in Invoice.objects.filter(state="open").values_list("pk", flat=True):
        push_invoice.delay(invoice_id)
    ids = [invoice.pk for invoice in Invoice.objects.filter(state="draft")]
    push_invoice.delay(ids)


def resend(invoice: Invoice, reason):
    push_invoice.apply_async(kwargs={"invoice_id": invoice})  # expect: TASK002
    push_invoice.delay(reason)


def queue_by_number(number):
    invoice, _ = Invoice.objects.get_or_create(number=number, defaults={"total": 0})
    queue.enqueue(push_invoice, invoice)  # expect: TASK002
    queue.enqueue(push_invoice, invoice.pk)


def queue_summary(number):
    row = Invoice.objects.filter(number=number).values("pk", "state").first()
    push_invoice.delay(row)
    invoice = Invoice.objects.get(number=number)
    invoice = invoice.pk
    push_invoice.delay(invoice)


def announce(invoice_id):
    invoice = Invoice.objects.get(pk=invoice_id)
    post_save.send(sender=Invoice, instance=invoice, created=False)
