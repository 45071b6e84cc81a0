"""A tiny wrapper around the shell used by the staff tools."""

import subprocess


def run_quietly(command):
    return subprocess.run(command, shell=True, capture_output=True, check=False)  # vuln: CWE-78


def disk_usage():
    return subprocess.run("df -h /var/lib/postgresql", shell=True, capture_output=True)  # safe: CWE-78
