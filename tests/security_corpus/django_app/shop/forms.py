from django import forms

from .models import Address, Customer


class ProfileForm(forms.ModelForm):
    """Shown to customers on /account/profile/."""

    class Meta:
        model = Customer
        fields = "__all__"  # vuln: CWE-915


class AddressForm(forms.ModelForm):
    class Meta:
        model = Address
        fields = ["line1", "city", "postcode"]  # safe: CWE-915


class ContactForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = ("display_name", "phone")  # safe: CWE-915


class ReportFilterForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2100)
    status = forms.ChoiceField(choices=[("pending", "Pending"), ("paid", "Paid")])
