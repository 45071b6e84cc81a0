from django.db import models


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Account(TimeStamped):
    email = models.EmailField(unique=True)
    display_name = models.CharField(max_length=80)
    is_active = models.BooleanField(default=True)
    country = models.CharField(max_length=2)
    referral_code = models.CharField(max_length=12, db_index=True)


class Team(TimeStamped):
    name = models.CharField(max_length=80)
    owner = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="owned_teams")
    members = models.ManyToManyField(Account, related_name="teams")
    plan = models.CharField(max_length=20)

    class Meta:
        indexes = [models.Index(fields=["plan", "name"])]


class MemberProfile(TimeStamped):
    account = models.OneToOneField(Account, on_delete=models.CASCADE)
    slug = models.SlugField(max_length=60)  # expect: SCH003
    nickname = models.CharField(max_length=40, null=True, blank=True)  # expect: SCH002
    website = models.URLField(null=True, unique=True, blank=True)
