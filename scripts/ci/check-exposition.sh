#!/usr/bin/env bash
# Lints the app's own /metrics exposition, as saved by the e2e suite after real traffic, with
# `promtool check metrics`. prom-client's default metrics always give three known lint lines
# (gauges named *_total); those are tolerated, anything else fails.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
command -v promtool >/dev/null || apt_install prometheus
exposition=test-results/metrics.prom
[ -s "$exposition" ] || die "$exposition is missing: the e2e suite writes it"
report="$(promtool check metrics <"$exposition" 2>&1 || true)"
unexpected="$(printf '%s\n' "$report" | grep -v -E '^(nodejs_active_handles_total|nodejs_active_requests_total|nodejs_active_resources_total) non-counter metrics should not have "_total" suffix$' | grep -v '^$' || true)"
if [ -n "$unexpected" ]; then
  printf '%s\n' "$unexpected" >&2
  die "promtool check metrics found problems in the app's exposition"
fi
log "promtool check metrics: $(grep -c '^# TYPE' "$exposition") metric families, nothing but the three known default-metric lines"
