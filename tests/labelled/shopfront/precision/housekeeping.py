"""Look-alikes real projects write beside the audit and error rules (AUD001-AUD003,
APISEC006): output the operator asked for, a reason written above the except,
a password re-hashed on a successful check, details shown only in debug mode."""

import logging
import traceback

from django.conf import settings
from django.http import HttpResponseServerError, JsonResponse

logger = logging.getLogger("shopfront.precision")


def create_default_groups(app_config, verbosity=2, **kwargs):
    for name in ("staff", "buyers"):
        if verbosity >= 2:
            print("Adding group %s" % name)


def sync_groups(names):
    for name in names:
        print("synced", name)  # expect: AUD002


def refresh_cache(cache):
    try:
        cache.clear()
    # the cache is optional: the next request fills it again
    except Exception:
        pass


def refresh_index(index):
    try:
        index.rebuild()
    except Exception:  # expect: AUD003
        pass


class Account:
    def check_password(self, raw_password):
        def setter(raw_password):
            self.set_password(raw_password)
            self.save(update_fields=["password"])

        return verify(raw_password, self.password, setter)

    def reset_password(self, raw_password):
        self.set_password(raw_password)  # expect: AUD001
        self.save()


def last_chance(request):
    try:
        return build(request)
    except Exception:
        return HttpResponseServerError(
            traceback.format_exc() if settings.DEBUG else "Internal Server Error"
        )


def export(request):
    try:
        return build(request)
    except Exception as e:
        if settings.DEBUG:
            return JsonResponse({"error": str(e)}, status=500)
        logger.exception("export failed")
        return JsonResponse({"error": repr(e)}, status=500)  # expect: APISEC006
