#!/usr/bin/env bash
# The deployment's checks, run by .ci/run after `npm test` (whose jest project
# `chart` already ran the chart tests with helm v4):
#   1. the chart tests again with helm v3, which many clusters still use;
#   2. promtool on the alerts and the dashboard (check-monitoring.sh);
#   3. the image: lint, build on the stand-in base, smoke tests (build-image.sh);
#   4. the worker pod's two containers apart: the agent reaches no secret (agent-container-smoke.sh).
# Any failure stops it with a non-zero exit.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
use_node24
started=$SECONDS

step() {
  local name="$1" t0=$SECONDS
  shift
  log "== $name"
  "$@" || die "$name"
  log "== $name: passed in $((SECONDS - t0)) s"
}

helm3="$(bash scripts/ci/fetch-helm.sh v3)"
step "chart tests with $("$helm3" version --short)" env HELM_BIN="$helm3" npm run --silent test:chart
step "monitoring (promtool)" bash scripts/ci/check-monitoring.sh
step "image (buildah, podman)" bash scripts/ci/build-image.sh
step "worker and agent containers (podman)" bash scripts/ci/agent-container-smoke.sh
log "deployment checks passed in $((SECONDS - started)) s"
