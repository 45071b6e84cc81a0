"""Sign-in for the accounts imported from the old shop (AUTH004)."""

from django.contrib.auth.hashers import check_password

from shopfront.core.models import Account


def legacy_password_matches(account: Account, password: str) -> bool:
    return account.legacy_password == password  # expect: AUTH004


def password_matches(account: Account, password: str) -> bool:
    return check_password(password, account.password_hash)


def passwords_agree(password: str, confirm_password: str) -> bool:
    return password == confirm_password and len(password) >= 12
