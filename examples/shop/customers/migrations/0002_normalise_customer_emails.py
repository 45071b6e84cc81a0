# Emails used to be stored as typed; login and guest checkout now compare lower-cased.

from django.db import migrations


def lowercase_emails(apps, schema_editor):
    Customer = apps.get_model("customers", "Customer")
    for customer in Customer.objects.all().iterator(chunk_size=500):
        normalised = customer.email.strip().lower()
        if normalised != customer.email:
            customer.email = normalised
            customer.save(update_fields=["email"])


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0001_initial"),
    ]

    operations = [
        # The original casing is not kept anywhere, so going back is a no-op.
        migrations.RunPython(lowercase_emails, reverse_code=migrations.RunPython.noop),
    ]
