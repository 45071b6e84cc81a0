from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_product")]

    operations = [
        migrations.AddField(model_name="product", name="season", field=models.CharField(max_length=10)),  # expect: MIG002
        migrations.AddField(model_name="product", name="badge", field=models.CharField(max_length=10, default="")),
        migrations.AddField(model_name="product", name="rating", field=models.IntegerField(null=True)),
        migrations.AddIndex(model_name="product", index=models.Index(fields=["colour"], name="product_colour_idx")),  # expect: MIG003
    ]
