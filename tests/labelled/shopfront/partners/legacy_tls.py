"""TLS contexts for old partner systems: broken versions and ciphers (SEC009) beside modern ones."""

import ssl

from OpenSSL import SSL


def bank_context():
    return ssl.SSLContext(ssl.PROTOCOL_TLSv1)  # expect: SEC009


def erp_context():
    context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1  # expect: SEC009
    return context


def pos_terminal_context():
    context = ssl.create_default_context()
    context.set_ciphers("DES-CBC3-SHA:AES128-SHA")  # expect: SEC009
    return context


def mainframe_context():
    return SSL.Context(SSL.TLSv1_1_METHOD)  # expect: SEC009


def modern_context():
    context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers("ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!MD5:!RC4")
    return context


def server_context():
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.options |= ssl.OP_NO_TLSv1 | ssl.OP_NO_TLSv1_1
    return context


def is_outdated(context):
    return context.protocol in (ssl.PROTOCOL_TLSv1, ssl.PROTOCOL_TLSv1_1)
