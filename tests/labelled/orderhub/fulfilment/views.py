from celery.result import AsyncResult
from django.core.mail import EmailMessage, send_mail
from django.db import transaction
from django.http import JsonResponse

from fulfilment.tasks import pack_order, render_slip, send_shipping_mail
from orders.models import Order


def pack(request, order_id):
    result = pack_order.delay(order_id)
    return JsonResponse({"task_id": result.id}, status=202)


def pack_status(request, task_id):
    return JsonResponse({"state": AsyncResult(task_id).state})


def packing_slip(request, order_id):
    result = render_slip.delay(order_id)
    slip = result.get(timeout=20)  # expect: TASK003
    return JsonResponse({"slip": slip})


def pack_result(request, task_id):
    return JsonResponse({"total": AsyncResult(task_id).get()})  # expect: TASK003


def confirm_delivery(request, order_id):
    address = request.POST["address"]
    send_mail("Delivered", "Your order arrived", "shop@orderhub.example", [address])  # expect: TASK006
    return JsonResponse({"order": order_id})


def resend_invoice(request, order_id):
    message = EmailMessage("Invoice", "Attached", "shop@orderhub.example", [request.POST["address"]])
    message.send()  # expect: TASK006
    return JsonResponse({"order": order_id})


def ship_notice(request, order_id):
    send_shipping_mail.delay(order_id, request.POST["address"])
    return JsonResponse({"order": order_id})


def cancel(request, order_id):
    address = request.POST["address"]
    with transaction.atomic():
        Order.objects.filter(pk=order_id).update(status="cancelled")
        transaction.on_commit(
            lambda: send_mail("Cancelled", "Done", "shop@orderhub.example", [address])
        )
    return JsonResponse({"order": order_id})


def mail_template(address):
    send_mail("Hello", "Body", "shop@orderhub.example", [address])
