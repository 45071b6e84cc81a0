"""Report files on disk: world-writable modes (SEC007) beside safe ones."""

import os
import stat
from pathlib import Path

EXPORT_DIR = Path("/var/lib/shopfront/exports")


def publish_export(path):
    os.chmod(path, 0o777)  # expect: SEC007


def share_with_warehouse(path):
    Path(path).chmod(0o666)  # expect: SEC007


def open_spool(path):
    os.chmod(path, stat.S_IRWXU | stat.S_IRWXO)  # expect: SEC007


def start_worker():
    os.umask(0)  # expect: SEC007


def private_export(path):
    os.chmod(path, 0o600)


def readable_export(path):
    Path(path).chmod(0o644)


def export_folder():
    os.makedirs(EXPORT_DIR, mode=0o777, exist_ok=True)
    os.chmod(EXPORT_DIR, stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP)


def strict_worker():
    os.umask(0o077)


def copy_mode(path, mode):
    os.chmod(path, mode)


def current_umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask
