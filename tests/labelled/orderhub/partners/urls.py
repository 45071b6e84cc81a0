from django.urls import path

from . import views

urlpatterns = [
    path("partners/tracking/<int:order_id>/", views.tracking),
    path("partners/tracking-shared/<int:order_id>/", views.tracking_shared),
    path("partners/labels/<int:order_id>/", views.shipping_label),
    path("partners/labels-shared/<int:order_id>/", views.shipping_label_shared),
    path("partners/stock/<str:sku>/", views.stock),
    path("partners/stock-configured/<str:sku>/", views.stock_configured),
    path("partners/seen/<int:order_id>/", views.seen),
    path("partners/orders/<int:order_id>/", views.order_summary),
    path("partners/orders/<int:order_id>/status/", views.order_status),
    path("partners/orders/<int:order_id>/status-async/", views.order_status_async),
    path("partners/orders/open/", views.open_orders),
    path("partners/manifests/<int:order_id>/", views.upload_manifest),
    path("partners/manifests-streamed/<int:order_id>/", views.upload_manifest_streamed),
    path("partners/manifests-checked/<int:order_id>/", views.upload_manifest_checked),
]
