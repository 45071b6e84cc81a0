"""Sign-in and payment logging: secrets in log lines (SEC008) beside safe ones."""

import logging

logger = logging.getLogger(__name__)


def sign_in(request, username, password):
    logger.info("sign-in attempt %s / %s", username, password)  # expect: SEC008
    logger.info("sign-in attempt for %s", username)
    logger.debug("password supplied: %s", bool(password))


def issue_api_token(customer, token):
    logger.info(f"new token for {customer.pk}: {token}")  # expect: SEC008
    logger.info("new token for %s ending %s", customer.pk, token[-4:])


def checkout_failed(request, order):
    logger.warning("checkout failed, body: %s", request.POST)  # expect: SEC008
    logger.warning("checkout failed for order %s", order.pk)
    logger.warning("checkout email %s", request.POST.get("email"))


def card_declined(payment):
    logging.error("declined card %s", payment.card_number)  # expect: SEC008
    logging.error("declined card ending %s", payment.card_last4)


def log_partner_payload(request, partner):
    logger.debug("partner %s sent %s", partner.slug, request.body)  # expect: SEC008
    logger.debug("partner %s key id %s", partner.slug, partner.api_key_id)


def release_funds(transaction, checkout):
    logger.info("releasing transaction %s", transaction.token)
    logger.warning("checkout %s could not be charged", checkout.token)
