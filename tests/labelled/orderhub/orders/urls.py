from django.urls import path

from orders import views

urlpatterns = [
    path("checkout/", views.checkout),
    path("checkout/express/", views.express_checkout),
    path("orders/<int:pk>/refund/", views.RefundView.as_view()),
    path("orders/<int:pk>/cancel/", views.cancel),
    path("lines/", views.OrderLineList.as_view()),
]
