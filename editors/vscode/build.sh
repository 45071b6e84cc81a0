#!/usr/bin/env bash
# Build the Backend Lens VS Code extension: npm ci (only when node_modules is
# missing or package-lock.json changed), lint, typecheck, bundle, package.
# Prints the path of the .vsix on stdout (progress goes to stderr).
# Works with Node 20 or newer and the npm that comes with it.
set -euo pipefail
cd "$(dirname "$0")"

say() { echo "build.sh: $*" >&2; }
die() { echo "build.sh: error: $*" >&2; exit 1; }

command -v node >/dev/null || die "node is not on PATH (Node 20 or newer is needed)"
command -v npm >/dev/null || die "npm is not on PATH"
major=$(node -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 20 ] || die "Node $(node --version) is too old: Node 20 or newer is needed"

export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false

stamp=node_modules/.backend-lens-lock
want="$(sha256sum package-lock.json | cut -c1-16) node-$major"
if [ ! -d node_modules ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "npm ci"
  # one retry: a registry hiccup should not fail a whole CI run
  npm ci --loglevel=error >&2 || { say "npm ci failed; trying once more"; npm ci --loglevel=error >&2; } \
    || die "npm ci failed"
  echo "$want" > "$stamp"
fi

say "lint";      npm run -s lint >&2      || die "eslint found problems"
say "typecheck"; npm run -s typecheck >&2 || die "tsc found type errors"
say "build";     npm run -s build -- --production >&2 || die "esbuild failed"
say "package";   npm run -s package >&2   || die "vsce package failed"

vsix="$(pwd)/dist/backend-lens.vsix"
[ -f "$vsix" ] || die "$vsix was not written"
say "done: $vsix"
echo "$vsix"
