"""Helpers of the media views: some are given client data, some only constants."""

import os
import subprocess
import tarfile

MEDIA_ROOT = "/srv/media"


def convert(source, size):
    command = f"convert {source} -resize {size} /tmp/out.png"
    subprocess.run(command, shell=True, check=True)  # expect: VAL002


def purge(folder):
    os.system("rm -rf " + os.path.join(MEDIA_ROOT, folder))


def unpack(upload):
    with tarfile.open(fileobj=upload) as archive:
        archive.extractall("/srv/imports")  # expect: VAL008


def unpack_trusted(path):
    with tarfile.open(path) as archive:
        archive.extractall("/srv/imports", filter="data")


def nightly():
    purge("thumbnails")
    convert("/srv/media/logo.png", "64x64")
