#!/usr/bin/env bash
# Checks the chart's alerts and dashboard with promtool (Debian's prometheus package):
#   - `promtool check rules` on the rendered PrometheusRule (PromQL, templates);
#   - `promtool test rules` with test/chart/promtool/alerts.test.yaml: each alert
#     fires on the series that should fire it and stays quiet otherwise;
#   - `promtool check rules` on every PromQL expression of the Grafana dashboard.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
use_node24
command -v promtool >/dev/null || apt_install prometheus
command -v promtool >/dev/null || die "promtool is not on PATH after installing prometheus"

helm="$(bash scripts/ci/fetch-helm.sh v4)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export HELM_CACHE_HOME="$work/helm" HELM_CONFIG_HOME="$work/helm" HELM_DATA_HOME="$work/helm"

"$helm" template rel helm/orchestrator --namespace bots \
  --values helm/orchestrator/ci/monitoring-values.yaml >"$work/render.yaml"
node scripts/ci/monitoring-rules.mjs "$work/render.yaml" helm/orchestrator/files/dashboards/orchestrator.json "$work"

log "promtool check rules: the PrometheusRule"
promtool check rules "$work/rules.yaml"
log "promtool test rules: test/chart/promtool/alerts.test.yaml"
cp test/chart/promtool/alerts.test.yaml "$work/alerts.test.yaml"
cp "$work/rules-bare.yaml" "$work/rules.yaml"
promtool test rules "$work/alerts.test.yaml"
log "promtool check rules: the dashboard's expressions"
promtool check rules "$work/dashboard-rules.yaml"
log "monitoring checks passed"
