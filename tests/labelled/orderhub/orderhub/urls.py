from django.urls import include, path

urlpatterns = [
    path("api/", include("orders.urls")),
    path("partners/", include("partners.urls")),
]
