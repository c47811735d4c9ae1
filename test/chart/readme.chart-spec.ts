/** Every value is documented: a `## @param` comment in values.yaml, and a row in the chart README. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CHART_DIR, REPO_ROOT } from './support/helm';

const text = readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8');
const documented = [...text.matchAll(/^\s*## @param (\S+) /gm)].map((m) => m[1]);

/** Paths of every value, down to maps the chart takes whole (they have a @param of their own). */
function leaves(value: unknown, path: string[] = []): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || documented.includes(path.join('.')))
    return [path.join('.')];
  const entries = Object.entries(value as Record<string, unknown>);
  return entries.length ? entries.flatMap(([key, item]) => leaves(item, [...path, key])) : [path.join('.')];
}

test('every value has a ## @param comment, and every comment a value', () => {
  const values = leaves(parse(text)).filter((p) => p !== '');
  const undocumented = values.filter((p) => !documented.some((d) => p === d || p.startsWith(`${d}.`)));
  expect(undocumented).toEqual([]);
  expect(new Set(documented).size).toBe(documented.length);
});

test('the chart README’s values tables match values.yaml', () => {
  const result = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts/ci/chart-readme.mjs'), '--check'], {
    encoding: 'utf8',
  });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
});
