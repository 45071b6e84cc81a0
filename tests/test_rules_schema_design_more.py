"""Schema Design & Modeling: SCH002 nullable-string-field, SCH003 natural-key-not-unique,
SCH004 cascade-on-financial-or-audit-data."""

from __future__ import annotations

import textwrap

import pytest
from backend_lens.model import Severity

from tests.helpers import (
    analyze_files,
    assert_suppress_edit_silences,
    fix_and_recheck,
    only,
    pos_of,
)

PATH = "shop/models.py"


def run(tmp_path, code: str, src: str, extra: dict[str, str] | None = None):
    return only(analyze_files(tmp_path, {PATH: src, **(extra or {})}), code)


def model(name: str, *lines: str, header: str = "") -> str:
    body = "\n".join(f"    {ln}" for ln in lines)
    return f"""
from django.conf import settings
from django.db import models
{header}

class {name}(models.Model):
{body}
"""


# -- SCH002 nullable-string-field ---------------------------------------------------------

SCH002_EXAMPLE = """
from django.db import models


class Customer(models.Model):
    email = models.EmailField(unique=True)
    nickname = models.CharField(max_length=50, blank=True, null=True)
"""

SCH002_USE_INSTEAD = """
from django.db import models


class Customer(models.Model):
    email = models.EmailField(unique=True)
    nickname = models.CharField(max_length=50, blank=True, default="")
"""


def test_sch002_rule_page_example(tmp_path):
    (f,) = run(tmp_path, "SCH002", SCH002_EXAMPLE)
    assert f.start == pos_of(SCH002_EXAMPLE, "null=True")
    assert f.end == (f.start[0], f.start[1] + len("null=True"))
    assert "`Customer.nickname`" in f.message and "CharField" in f.message
    assert f.severity == Severity.INFO
    assert f.fix is None


def test_sch002_use_instead_is_quiet(tmp_path):
    assert run(tmp_path, "SCH002", SCH002_USE_INSTEAD) == []


@pytest.mark.parametrize(
    "line",
    [
        "note = models.TextField(null=True, blank=True)",
        "slug = models.SlugField(null=True)",
        "contact = models.EmailField(null=True, blank=True)",
        "homepage = models.URLField(blank=True, null=True)",
        'reason = models.TextField(blank=True, null=True, default="")',
        "title = models.CharField(max_length=9, null=True, db_index=True)",
    ],
)
def test_sch002_flags_nullable_string_fields(tmp_path, line):
    src = model("Page", line)
    (f,) = run(tmp_path, "SCH002", src)
    assert f.start == pos_of(src, "null=True")


@pytest.mark.parametrize(
    "line",
    [
        "code = models.CharField(max_length=9, null=True, unique=True)",  # NULLs never collide
        "code = models.CharField(max_length=9, null=True, unique=False)",  # a decision either way
        "code = models.CharField(max_length=9, primary_key=True, null=True)",
        "kind = models.CharField(max_length=9, choices=KINDS, blank=True, null=True)",
        "code = models.CharField(max_length=9, null=False)",
        "code = models.CharField(max_length=9, blank=True)",
        "count = models.IntegerField(null=True)",
        "data = models.JSONField(null=True)",
        "ip = models.GenericIPAddressField(null=True, blank=True)",
        "code = models.CharField(max_length=9, null=NULLABLE)",
    ],
)
def test_sch002_quiet_fields(tmp_path, line):
    assert run(tmp_path, "SCH002", model("Page", "KINDS = []", "NULLABLE = True", line)) == []


def test_sch002_quiet_when_the_field_is_in_a_unique_set(tmp_path):
    src = """
    from django.db import models


    class Listing(models.Model):
        external_id = models.CharField(max_length=40, null=True)
        vendor_code = models.CharField(max_length=40, null=True)
        note = models.TextField(null=True)

        class Meta:
            unique_together = [("shop", "external_id")]
            constraints = [
                models.UniqueConstraint(fields=["vendor_code"], name="uniq_vendor_code"),
            ]
    """
    (f,) = run(tmp_path, "SCH002", textwrap.dedent(src))
    assert "`Listing.note`" in f.message


def test_sch002_quiet_on_translation_models(tmp_path):
    src = model("ProductTranslation", "name = models.CharField(max_length=200, null=True)")
    assert run(tmp_path, "SCH002", src) == []


def test_sch002_multi_line_field_points_at_the_argument(tmp_path):
    src = """
    from django.db.models import CharField, Model


    class Profile(Model):
        bio = CharField(
            max_length=500,
            blank=True,
            null=True,
        )
    """
    (f,) = run(tmp_path, "SCH002", src)
    assert f.start == pos_of(src, "null=True")


def test_sch002_not_a_model(tmp_path):
    src = """
    from django.db import models


    class NotAModel:
        nickname = models.CharField(max_length=50, null=True)
    """
    assert run(tmp_path, "SCH002", src) == []


def test_sch002_model_through_an_abstract_base_in_another_file(tmp_path):
    base = """
    from django.db import models


    class TimeStamped(models.Model):
        created = models.DateTimeField(auto_now_add=True)

        class Meta:
            abstract = True
    """
    src = """
    from django.db import models

    from shop.base import TimeStamped


    class Customer(TimeStamped):
        nickname = models.CharField(max_length=50, null=True)
    """
    (f,) = run(tmp_path, "SCH002", src, {"shop/base.py": base, "shop/__init__.py": ""})
    assert f.start == pos_of(src, "null=True")


def test_sch002_suppress_edit_silences(tmp_path):
    (f,) = run(tmp_path, "SCH002", SCH002_EXAMPLE)
    assert_suppress_edit_silences(tmp_path, f)


# -- SCH003 natural-key-not-unique ----------------------------------------------------------

SCH003_EXAMPLE = """
from django.db import models


class Product(models.Model):
    name = models.CharField(max_length=200)
    sku = models.CharField(max_length=40)
    slug = models.SlugField(max_length=200)
"""

SCH003_USE_INSTEAD = """
from django.db import models


class Product(models.Model):
    name = models.CharField(max_length=200)
    sku = models.CharField(max_length=40, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
"""


def test_sch003_rule_page_example(tmp_path):
    found = run(tmp_path, "SCH003", SCH003_EXAMPLE)
    assert [f.start for f in found] == [
        pos_of(SCH003_EXAMPLE, "sku ="),
        pos_of(SCH003_EXAMPLE, "slug ="),
    ]
    sku = found[0]
    assert sku.end == (sku.start[0], sku.start[1] + len("sku"))
    assert "`Product.sku`" in sku.message and "MultipleObjectsReturned" in sku.message
    assert sku.severity == Severity.WARNING
    assert sku.fix is None


def test_sch003_use_instead_is_quiet(tmp_path):
    assert run(tmp_path, "SCH003", SCH003_USE_INSTEAD) == []


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("Customer", "email = models.EmailField()"),
        ("ShopUser", "email = models.EmailField(max_length=254)"),
        ("Member", "username = models.CharField(max_length=30)"),
        ("Article", "slug = models.SlugField()"),
        ("Tag", "slug = models.SlugField(db_index=True)"),
        ("ProductVariant", "sku = models.CharField(max_length=40)"),
        ("StockItem", "ean = models.CharField(max_length=13)"),
        ("Book", "isbn = models.CharField(max_length=13)"),
        ("CompanyBankAccount", "iban = models.CharField(max_length=34)"),
        ("Invoice", "invoice_number = models.CharField(max_length=20)"),
        ("PurchaseOrder", "order_reference = models.CharField(max_length=20)"),
        ("PurchaseOrder", "purchase_order_number = models.CharField(max_length=20)"),
        ("Customer", "customer_code = models.CharField(max_length=20)"),
    ],
)
def test_sch003_flags_natural_keys(tmp_path, name, line):
    src = model(name, line)
    (f,) = run(tmp_path, "SCH003", src)
    field = line.split(" =")[0]
    assert f.start == pos_of(src, f"{field} =")
    assert f"`{name}.{field}`" in f.message


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("Order", "email = models.EmailField()"),  # a contact address on an order repeats
        ("Contact", "email = models.EmailField()"),
        ("Warehouse", "email = models.EmailField()"),
        ("LoginAttempt", "username = models.CharField(max_length=30)"),
        ("OrderLine", "sku = models.CharField(max_length=40)"),  # a copy of the product's SKU
        ("OrderItem", "sku = models.CharField(max_length=40)"),
        ("Address", "postal_code = models.CharField(max_length=20)"),
        ("Channel", "currency_code = models.CharField(max_length=3)"),
        ("Order", "tracking_number = models.CharField(max_length=40)"),
        ("Payment", "psp_reference = models.CharField(max_length=40)"),
        ("Customer", "iban = models.CharField(max_length=34)"),  # a joint account is shared
        ("Product", "sku = models.CharField(max_length=40, unique=True)"),
        ("Product", "sku = models.CharField(max_length=40, unique=False)"),
        ("Product", "sku = models.CharField(max_length=40, primary_key=True)"),
        ("Post", 'slug = models.SlugField(unique_for_date="published")'),
        ("Product", "sku = models.CharField(**SKU_FIELD)"),
        ("Product", "sku = models.ForeignKey(Sku, on_delete=models.CASCADE)"),
    ],
)
def test_sch003_quiet_fields(tmp_path, name, line):
    assert run(tmp_path, "SCH003", model(name, "SKU_FIELD = {}", line)) == []


@pytest.mark.parametrize(
    "meta",
    [
        'unique_together = ("site", "slug")',
        'unique_together = [("site", "slug"), ("site", "name")]',
        'constraints = [models.UniqueConstraint(fields=["site", "slug"], name="u")]',
        'constraints = [models.UniqueConstraint(Lower("slug"), name="u")]',
        "constraints = [models.UniqueConstraint(fields=('slug',), name='u', "
        "condition=models.Q(active=True))]",
        "abstract = True",
    ],
)
def test_sch003_quiet_when_meta_makes_it_unique(tmp_path, meta):
    src = f"""
from django.db import models
from django.db.models.functions import Lower


class Page(models.Model):
    site = models.CharField(max_length=20)
    slug = models.SlugField()

    class Meta:
        {meta}
"""
    assert run(tmp_path, "SCH003", src) == []


def test_sch003_quiet_when_meta_inherits_another_meta(tmp_path):
    src = """
    from django.db import models

    from shop.base import Base


    class Page(Base):
        slug = models.SlugField()

        class Meta(Base.Meta):
            ordering = ["slug"]
    """
    assert run(tmp_path, "SCH003", src) == []


def test_sch003_quiet_when_an_abstract_parent_lists_it_in_a_unique_set(tmp_path):
    base = """
    from django.db import models


    class Scoped(models.Model):
        site = models.CharField(max_length=20)

        class Meta:
            abstract = True
            unique_together = ("site", "slug")
    """
    src = """
    from django.db import models

    from shop.base import Scoped


    class Page(Scoped):
        slug = models.SlugField()
    """
    files = {"shop/base.py": base, "shop/__init__.py": ""}
    assert run(tmp_path, "SCH003", src, files) == []


def test_sch003_slug_only_decorating_a_pk_url(tmp_path):
    src = """
    from django.db import models
    from django.urls import reverse


    class Post(models.Model):
        slug = models.SlugField()

        def get_absolute_url(self):
            return reverse("post_detail", args=[self.id, self.slug])


    class Tag(models.Model):
        slug = models.SlugField()

        def get_absolute_url(self):
            return reverse("tag", kwargs={"slug": self.slug})
    """
    (f,) = run(tmp_path, "SCH003", src)
    assert "`Tag.slug`" in f.message


def test_sch003_user_email(tmp_path):
    src = """
    from django.contrib.auth.models import AbstractBaseUser, AbstractUser
    from django.db import models


    class User(AbstractBaseUser):
        email = models.EmailField()
        USERNAME_FIELD = "email"


    class StaffUser(AbstractUser):
        email = models.EmailField()  # logs in with the inherited username


    class PortalUser(AbstractUser):
        email = models.EmailField()
        USERNAME_FIELD = "email"


    class Profile(models.Model):
        user = models.OneToOneField("User", on_delete=models.CASCADE)
        email = models.EmailField()  # contact data; identity is the user


    class Account(models.Model):
        username = models.CharField(max_length=30, unique=True)
        email = models.EmailField()


    class LegacyUser(AbstractBaseUser):
        login = models.CharField(max_length=30, unique=True)
        email = models.EmailField()
        USERNAME_FIELD = "login"
    """
    found = run(tmp_path, "SCH003", src)
    assert sorted(f.message.split("`")[1] for f in found) == ["PortalUser.email", "User.email"]


def test_sch003_message_names_the_reason(tmp_path):
    (f,) = run(tmp_path, "SCH003", model("Account", "username = models.CharField(max_length=9)"))
    assert "an account is identified by its username" in f.message


def test_sch003_not_a_model(tmp_path):
    src = """
    from django.db import models


    class ProductMixin:
        sku = models.CharField(max_length=40)
    """
    assert run(tmp_path, "SCH003", src) == []


def test_sch003_suppress_edit_silences(tmp_path):
    found = run(tmp_path, "SCH003", SCH003_EXAMPLE)
    assert_suppress_edit_silences(tmp_path, found[0])


# -- SCH004 cascade-on-financial-or-audit-data ----------------------------------------------

SCH004_EXAMPLE = """
from django.conf import settings
from django.db import models


class Payment(models.Model):
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
"""

SCH004_USE_INSTEAD = """
from django.conf import settings
from django.db import models


class Payment(models.Model):
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
"""


def test_sch004_rule_page_example(tmp_path):
    (f,) = run(tmp_path, "SCH004", SCH004_EXAMPLE)
    assert f.start == pos_of(SCH004_EXAMPLE, "models.CASCADE")
    assert f.end == (f.start[0], f.start[1] + len("models.CASCADE"))
    assert "`Payment.customer`" in f.message and "deleting the user" in f.message
    assert "PROTECT" in f.message
    assert f.severity == Severity.WARNING


def test_sch004_fix_matches_use_instead(tmp_path):
    (f,) = run(tmp_path, "SCH004", SCH004_EXAMPLE)
    edited, after = fix_and_recheck(tmp_path, f)
    assert edited[PATH] == SCH004_USE_INSTEAD.lstrip("\n")
    assert only(after, "SCH004") == []


def test_sch004_use_instead_is_quiet(tmp_path):
    assert run(tmp_path, "SCH004", SCH004_USE_INSTEAD) == []


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("Invoice", "company = models.ForeignKey(Company, on_delete=models.CASCADE)"),
        ("Refund", 'customer = models.ForeignKey("accounts.Customer", on_delete=models.CASCADE)'),
        ("Transaction", "wallet = models.ForeignKey(Wallet, models.CASCADE)"),  # positional
        ("Order", "user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)"),
        ("PurchaseOrder", "supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE)"),
        ("LedgerEntry", "account = models.ForeignKey(LedgerAccount, on_delete=models.CASCADE)"),
        ("Payment", "method = models.ForeignKey(PaymentMethod, on_delete=models.CASCADE)"),
        ("Payment", "booking = models.OneToOneField(Booking, on_delete=models.CASCADE)"),
        ("AuditLog", "company = models.ForeignKey(Company, on_delete=models.CASCADE)"),
        ("PriceHistory", "product = models.ForeignKey(Product, on_delete=models.CASCADE)"),
        ("Log", "user = models.ForeignKey(User, on_delete=models.CASCADE)"),
        ("OrderEvent", "user = models.ForeignKey(User, on_delete=models.CASCADE)"),
        ("WebhookLog", "actor = models.ForeignKey(get_user_model(), on_delete=models.CASCADE)"),
    ],
)
def test_sch004_flags_cascades(tmp_path, name, line):
    src = model(name, line)
    (f,) = run(tmp_path, "SCH004", src)
    assert f.start == pos_of(src, "models.CASCADE")
    assert f"`{name}." in f.message


@pytest.mark.parametrize(
    ("name", "line"),
    [
        # parts of one record: deleted only together with it
        ("OrderLine", "order = models.ForeignKey(Order, on_delete=models.CASCADE)"),
        ("Refund", "payment = models.ForeignKey(Payment, on_delete=models.CASCADE)"),
        ("InvoiceLine", 'invoice = models.ForeignKey("billing.Invoice", on_delete=models.CASCADE)'),
        ("OrderEvent", "order = models.ForeignKey(Order, on_delete=models.CASCADE)"),
        # an object's own event log goes with it; a user's own log too
        ("WebhookEvent", "webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE)"),
        ("CustomerEvent", "user = models.ForeignKey(User, on_delete=models.CASCADE)"),
        ("UserActivityLog", "user = models.ForeignKey(User, on_delete=models.CASCADE)"),
        # not a financial or audit record
        ("PaymentMethod", "user = models.ForeignKey(User, on_delete=models.CASCADE)"),
        ("InvoiceTemplate", "company = models.ForeignKey(Company, on_delete=models.CASCADE)"),
        ("Event", "venue = models.ForeignKey(Venue, on_delete=models.CASCADE)"),
        ("Comment", "user = models.ForeignKey(User, on_delete=models.CASCADE)"),
        ("Preorder", "user = models.ForeignKey(User, on_delete=models.CASCADE)"),
        # other deletion rules, trees and inheritance links
        ("Payment", "user = models.ForeignKey(User, on_delete=models.PROTECT)"),
        ("Payment", "user = models.ForeignKey(User, null=True, on_delete=models.SET_NULL)"),
        ("Payment", 'parent = models.ForeignKey("self", on_delete=models.CASCADE)'),
        (
            "CardPayment",
            "payment_ptr = models.OneToOneField(Base, on_delete=models.CASCADE, parent_link=True)",
        ),
        ("Payment", "tags = models.ManyToManyField(Tag)"),
        ("Payment", "user = models.ForeignKey(User, on_delete=ON_DELETE)"),
    ],
)
def test_sch004_quiet(tmp_path, name, line):
    assert run(tmp_path, "SCH004", model(name, line)) == []


def test_sch004_bare_cascade_fix_only_when_protect_is_imported(tmp_path):
    with_protect = """
    from django.db import models
    from django.db.models import CASCADE, PROTECT


    class Invoice(models.Model):
        company = models.ForeignKey("crm.Company", on_delete=CASCADE)
    """
    (f,) = run(tmp_path / "a", "SCH004", with_protect)
    assert f.start == pos_of(with_protect, "CASCADE)")
    edited, after = fix_and_recheck(tmp_path / "a", f)
    assert "on_delete=PROTECT)" in edited[PATH]
    assert only(after, "SCH004") == []

    without = with_protect.replace(", PROTECT", "")
    (f,) = run(tmp_path / "b", "SCH004", without)
    assert f.fix is None


def test_sch004_not_a_model_and_other_cascade_names(tmp_path):
    src = """
    from django.db import models

    CASCADE = "mine"


    class PaymentForm:
        user = models.ForeignKey("User", on_delete=models.CASCADE)


    class Invoice(models.Model):
        company = models.ForeignKey("Company", on_delete=CASCADE)
    """
    assert run(tmp_path, "SCH004", src) == []


def test_sch004_model_through_a_project_base_in_another_file(tmp_path):
    base = """
    from django.db import models


    class Record(models.Model):
        class Meta:
            abstract = True
    """
    src = """
    from django.db import models

    from shop.base import Record


    class Payout(Record):
        seller = models.ForeignKey("market.Seller", on_delete=models.CASCADE)
    """
    (f,) = run(tmp_path, "SCH004", src, {"shop/base.py": base, "shop/__init__.py": ""})
    assert "`Payout.seller`" in f.message and "Seller" in f.message


def test_sch004_suppress_edit_silences(tmp_path):
    (f,) = run(tmp_path, "SCH004", SCH004_EXAMPLE)
    assert_suppress_edit_silences(tmp_path, f)
