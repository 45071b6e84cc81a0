"""One-time codes, invitations and API keys (SEC003) beside harmless randomness."""

import random
import secrets
import string
from random import randint

ALPHABET = string.ascii_uppercase + string.digits


def generate_voucher_secret():
    return "".join(random.choice(ALPHABET) for _ in range(16))  # expect: SEC003


def send_login_code(customer):
    code = randint(100000, 999999)  # expect: SEC003
    customer.otp = code
    customer.save(update_fields=["otp"])


def invite_staff(store, email):
    return store.invitations.create(
        email=email,
        token="".join(random.choices(ALPHABET, k=24)),  # expect: SEC003
    )


def new_cart_session():
    return {"session_id": random.getrandbits(128)}  # expect: SEC003


def make_password_reset_code():
    return random.randrange(10**6)  # expect: SEC003


def recommended(products):
    picks = random.sample(products, min(4, len(products)))
    random.shuffle(picks)
    return picks


def backoff(attempt):
    return min(30, 2**attempt) + random.random()


def generate_api_token():
    return secrets.token_urlsafe(32)


def draw_winner(entries):
    winner = random.choice(entries)
    return winner


def pick_code_colour():
    return random.choice(["red", "green", "blue"])
