#!/usr/bin/env bash
# Install Emacs with eglot for the real-editor tests (Debian packages emacs-nox and
# elpa-eglot: Emacs 28 with eglot 1.9). Quick no-op when they are there already.
set -euo pipefail

have() { dpkg -s "$1" >/dev/null 2>&1; }

if command -v emacs >/dev/null 2>&1 && have elpa-eglot; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install/emacs: no apt-get here; install Emacs 28+ with eglot yourself" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "install/emacs: apt-get needs root; run: sudo apt-get install -y emacs-nox elpa-eglot" >&2
    exit 1
  fi
fi
echo "install/emacs: installing emacs-nox and elpa-eglot (about 30 s)" >&2
export DEBIAN_FRONTEND=noninteractive
if ! $sudo apt-get install -y -qq --no-install-recommends emacs-nox elpa-eglot >/dev/null 2>&1; then
  $sudo apt-get update -qq >/dev/null
  $sudo apt-get install -y -qq --no-install-recommends emacs-nox elpa-eglot >/dev/null
fi
emacs --version | head -1 >&2
