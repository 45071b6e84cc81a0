from shopfront.settings import *  # noqa: F403

DEBUG = False

DATABASES = {
    "default": {  # expect: CONN001
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "shopfront",
        "HOST": "db.internal",
    }
}
