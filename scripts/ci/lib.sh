# Shared by the CI helper scripts: sourced, not run.
# shellcheck shell=bash

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS_DIR="$REPO_ROOT/.tools"

# The system Node (20) resolves some packages to wrong versions; .ci/run puts
# Node 24 in .tools/node24, and so do these scripts when they run on their own.
use_node24() {
  if [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -lt 22 ]; then
    if [ ! -x "$TOOLS_DIR/node24/node_modules/.bin/node" ]; then
      log "installing Node.js 24.21.0 into .tools/node24" >&2
      npm install --no-save --no-audit --no-fund --prefix "$TOOLS_DIR/node24" node@24.21.0 >/dev/null
    fi
    export PATH="$TOOLS_DIR/node24/node_modules/.bin:$PATH"
  fi
  node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 22 ? 0 : 1)' \
    || die "Node.js 22 or newer is needed (run .ci/run once, or put it on PATH)"
}

log() { printf '%s: %s\n' "$(basename "$0" .sh)" "$*"; }
die() { printf '%s: FAILED: %s\n' "$(basename "$0" .sh)" "$*" >&2; exit 1; }

# apt_install PKG...: installs what is missing, quietly, as CI runs as root.
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]} from Debian"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# free_port: a TCP port nothing listens on right now.
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# wait_for URL CODE SECONDS: answers 0 once URL returns HTTP CODE, within SECONDS.
wait_for() {
  local deadline=$((SECONDS + $3))
  while [ $SECONDS -lt $deadline ]; do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$1" || true)" = "$2" ] && return 0
    sleep 0.5
  done
  return 1
}

# scratch_space: a temporary folder in $work, removed on exit together with the containers and the
# processes the script adds to $containers and $pids.
scratch_space() {
  work="$(mktemp -d)"
  pids=()
  containers=()
  trap clear_scratch EXIT
}
clear_scratch() {
  for c in "${containers[@]}"; do podman rm -f "$c" >/dev/null 2>&1 || true; done
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
