"""Pages partners embed in their own sites, and one that should not be."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.clickjacking import xframe_options_exempt, xframe_options_sameorigin


@xframe_options_exempt  # expect: APISEC008
@login_required
def one_click_reorder(request, number):
    if request.method == "POST":
        request.user.orders.get(number=number).reorder()
        return redirect("orders")
    return render(request, "reorder.html", {"number": number})


@xframe_options_exempt
def bestsellers_widget(request):
    return render(request, "widgets/bestsellers.html")


@xframe_options_sameorigin
@login_required
def wishlist_panel(request):
    if request.method == "POST":
        request.user.wishlist.items.create(sku=request.POST["sku"])
    return render(request, "wishlist_panel.html")
