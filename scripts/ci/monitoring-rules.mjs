// Turns the chart's monitoring objects into files promtool reads:
//   node scripts/ci/monitoring-rules.mjs RENDER.yaml DASHBOARD.json OUT_DIR
// writes OUT_DIR/rules.yaml (the PrometheusRule's groups, for `check rules`),
// OUT_DIR/rules-bare.yaml (the same without annotations, for `test rules`) and
// OUT_DIR/dashboard-rules.yaml (every PromQL expression of the dashboard as a
// recording rule, Grafana's variables replaced, for `check rules`).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';

const [renderFile, dashboardFile, out] = process.argv.slice(2);
if (!out) throw new Error('usage: monitoring-rules.mjs RENDER.yaml DASHBOARD.json OUT_DIR');

const objects = parseAllDocuments(readFileSync(renderFile, 'utf8'), { uniqueKeys: true }).map((d) => d.toJS());
const rule = objects.find((o) => o?.kind === 'PrometheusRule');
if (!rule) throw new Error(`no PrometheusRule in ${renderFile}`);
writeFileSync(join(out, 'rules.yaml'), stringify({ groups: rule.spec.groups }));
const bare = rule.spec.groups.map((g) => ({ ...g, rules: g.rules.map(({ annotations: _, ...r }) => r) }));
writeFileSync(join(out, 'rules-bare.yaml'), stringify({ groups: bare }));

// Grafana's built-in intervals become durations; dashboard variables become label values.
const substitute = (expr) =>
  expr
    .replaceAll('$__rate_interval', '5m')
    .replaceAll('$__interval', '1m')
    .replaceAll('$__range', '1h')
    .replace(/\$\{?(\w+)(:\w+)?\}?/g, 'var_$1');

const dashboard = JSON.parse(readFileSync(dashboardFile, 'utf8'));
const panels = (dashboard.panels ?? []).flatMap((p) => [p, ...(p.panels ?? [])]);
const rules = panels.flatMap((panel) =>
  (panel.targets ?? []).map((target) => {
    if (typeof target.expr !== 'string' || !target.expr) throw new Error(`panel "${panel.title}" has a target without expr`);
    return { record: `dashboard:panel_${panel.id}_${target.refId}`, expr: substitute(target.expr) };
  }),
);
if (rules.length < 10) throw new Error(`only ${rules.length} expressions found in ${dashboardFile}`);
writeFileSync(join(out, 'dashboard-rules.yaml'), stringify({ groups: [{ name: 'dashboard', rules }] }));
console.log(`${rule.spec.groups.flatMap((g) => g.rules).length} alert rules, ${rules.length} dashboard expressions`);
