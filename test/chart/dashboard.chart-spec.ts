/**
 * The Grafana dashboard and the alerts shipped with the chart: typed against
 * @grafana/schema, laid out without overlaps, and using only the metrics the
 * app exposes (issue 4's table). promtool checks their PromQL in
 * scripts/ci/check-monitoring.sh.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHART_DIR, find, FULLNAME, render } from './support/helm';
import { typeCheck } from './support/typecheck';

/** The app's metrics (issue 4) and the series each one exposes. */
const HISTOGRAMS = [
  'orchestrator_webhook_duration_seconds',
  'orchestrator_job_duration_seconds',
  'orchestrator_job_wait_seconds',
  'orchestrator_claude_turns',
  'orchestrator_slack_api_duration_seconds',
  'http_request_duration_seconds',
];
const APP_SERIES = new Set([
  'orchestrator_slack_events_total',
  'orchestrator_jobs_total',
  'orchestrator_jobs_running',
  'orchestrator_queue_jobs',
  'orchestrator_claude_cost_usd_total',
  'orchestrator_claude_tokens_total',
  'orchestrator_slack_api_calls_total',
  'orchestrator_build_info',
  ...HISTOGRAMS.flatMap((h) => [`${h}_bucket`, `${h}_sum`, `${h}_count`]),
  // prom-client's default metrics
  'process_resident_memory_bytes',
  'nodejs_eventloop_lag_p99_seconds',
]);
const KUBE_STATE_METRICS = new Set(['kube_deployment_status_replicas_available', 'kube_deployment_spec_replicas']);
const PROMQL_FUNCTIONS_AND_WORDS = new Set([
  'sum',
  'max',
  'min',
  'by',
  'on',
  'and',
  'or',
  'offset',
  'rate',
  'increase',
  'deriv',
  'histogram_quantile',
  'label_values',
]);

interface Target {
  refId: string;
  expr: string;
}
interface PanelJson {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Target[];
  panels?: PanelJson[];
}
interface DashboardJson {
  uid: string;
  title: string;
  panels: PanelJson[];
  templating: { list: { name: string }[] };
}

const dashboardText = readFileSync(join(CHART_DIR, 'files/dashboards/orchestrator.json'), 'utf8');
const dashboard = JSON.parse(dashboardText) as DashboardJson;
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
const expressions = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

/** Metric names in a PromQL expression: identifiers that are not functions, labels or keywords. */
function metricNames(expr: string): string[] {
  const withoutStrings = expr.replace(/"[^"]*"/g, '""');
  const withoutMatchers = withoutStrings.replace(/\{[^}]*\}/g, '{}').replace(/\b(by|on)\s*\([^)]*\)/g, '');
  const withoutDurations = withoutMatchers.replace(/\[[^\]]*\]/g, '').replace(/\boffset\s+\w+/g, '');
  return [...withoutDurations.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)]
    .map((m) => m[0])
    .filter((word) => !PROMQL_FUNCTIONS_AND_WORDS.has(word));
}

test('type-checks against @grafana/schema', () => {
  expect(
    typeCheck([{ from: '@grafana/schema', type: 'Dashboard', value: dashboard, label: 'orchestrator.json' }]),
  ).toEqual([]);
});

test('the type check refuses a wrong field', () => {
  const broken = {
    ...dashboard,
    graphTooltip: 'shared',
    panels: [{ ...dashboard.panels[1], gridPos: { x: 0, y: 0 } }],
  };
  expect(typeCheck([{ from: '@grafana/schema', type: 'Dashboard', value: broken, label: 'broken' }])).toContainEqual(
    expect.stringContaining("missing the following properties from type 'GridPos': h, w"),
  );
});

test('shows what the issue asks for', () => {
  expect(panels.map((p) => p.title)).toEqual(
    expect.arrayContaining([
      'Events by outcome',
      'Webhook latency',
      'Queue depth',
      'Job outcomes',
      'Job duration',
      'Wait time',
      'Running jobs',
      'Cost per bot per day',
      'Slack API errors and rate limits',
    ]),
  );
});

test('lays panels out on the 24-column grid without overlaps, with unique ids', () => {
  const ids = panels.map((p) => p.id);
  expect(new Set(ids).size).toBe(ids.length);
  const cells = new Set<string>();
  for (const { title, gridPos } of panels) {
    expect([title, gridPos.x >= 0 && gridPos.w > 0 && gridPos.x + gridPos.w <= 24]).toEqual([title, true]);
    for (let x = gridPos.x; x < gridPos.x + gridPos.w; x++)
      for (let y = gridPos.y; y < gridPos.y + gridPos.h; y++) {
        const cell = `${x},${y}`;
        expect([title, cell, cells.has(cell)]).toEqual([title, cell, false]);
        cells.add(cell);
      }
  }
});

test('queries only the metrics the app exposes, scoped by the namespace and app variables', () => {
  expect(expressions.length).toBeGreaterThan(20);
  for (const { panel, expr } of expressions) {
    for (const name of metricNames(expr)) expect([panel, name, APP_SERIES.has(name)]).toEqual([panel, name, true]);
    for (const selector of expr.match(/\{[^}]*\}/g) ?? [])
      expect([panel, selector]).toEqual([panel, expect.stringMatching(/namespace="\$namespace", app="\$app"/)]);
  }
});

test('uses only variables it defines, or Grafana’s own', () => {
  const defined = new Set(dashboard.templating.list.map((v) => v.name));
  const used = [...dashboardText.matchAll(/\$\{?(\w+)/g)].map((m) => m[1]).filter((name) => !name.startsWith('__'));
  for (const name of used) expect([name, defined.has(name)]).toEqual([name, true]);
});

test('the alerts use only the app’s metrics and kube-state-metrics’', () => {
  const rule = find(render({ ciFiles: ['monitoring-values.yaml'] }), 'PrometheusRule', FULLNAME).spec as {
    groups: { rules: { alert: string; expr: string }[] }[];
  };
  for (const { alert, expr } of rule.groups[0].rules)
    for (const name of metricNames(expr))
      expect([alert, name, APP_SERIES.has(name) || KUBE_STATE_METRICS.has(name)]).toEqual([alert, name, true]);
});
