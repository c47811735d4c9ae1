/**
 * Validates Kubernetes objects the way an API server would, without one.
 * A child process of the chart specs (these model packages are ES modules
 * only): reads [{source, objects}] as JSON on stdin, prints
 * [{source, problems}] as JSON on stdout.
 *
 * - kubernetes-models (and its KEDA and prometheus-operator models) validate
 *   each object against the Kubernetes JSON schemas: types, required fields,
 *   formats such as quantities.
 * - @kubernetes/client-node's attributeTypeMap, walked field by field, refuses
 *   fields that do not exist (a misplaced key, a wrong indent), as
 *   `kubectl --validate=strict` would. Custom resources get the same check
 *   from their TypeScript types (typecheck.ts).
 */
import { readFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import * as core from 'kubernetes-models/v1';
import * as apps from 'kubernetes-models/apps/v1';
import * as policy from 'kubernetes-models/policy/v1';
import * as autoscaling from 'kubernetes-models/autoscaling/v2';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import * as monitoring from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import * as keda from '@kubernetes-models/keda/keda.sh/v1alpha1';

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string };
}
interface Model {
  validate(): void;
}
type ModelClass = new (data: unknown) => Model;
interface Attribute {
  baseName: string;
  type: string;
}
interface TypeWithAttributes {
  getAttributeTypeMap?: () => Attribute[];
  attributeTypeMap?: Attribute[];
}

const modelsByApiVersion: Record<string, Record<string, unknown>> = {
  v1: core,
  'apps/v1': apps,
  'policy/v1': policy,
  'autoscaling/v2': autoscaling,
  'networking.k8s.io/v1': networking,
  'monitoring.coreos.com/v1': monitoring,
  'keda.sh/v1alpha1': keda,
};

/** Custom resources: client-node has no types for them. */
const CUSTOM_GROUPS = ['monitoring.coreos.com', 'keda.sh'];

const clientTypes = k8s as unknown as Record<string, TypeWithAttributes | undefined>;

function unknownFields(value: unknown, typeName: string, path: string, problems: string[]): void {
  if (value === null || value === undefined) return;
  const array = /^Array<(.+)>$/.exec(typeName);
  if (array) {
    if (!Array.isArray(value)) problems.push(`${path}: expected a list`);
    else value.forEach((item, i) => unknownFields(item, array[1], `${path}[${i}]`, problems));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(typeName);
  if (map) {
    for (const [key, item] of Object.entries(value as Record<string, unknown>))
      unknownFields(item, map[1], `${path}.${key}`, problems);
    return;
  }
  const type = clientTypes[typeName];
  const attributes = type?.getAttributeTypeMap?.() ?? type?.attributeTypeMap;
  if (!attributes) return;
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.push(`${path}: expected an object (${typeName})`);
    return;
  }
  const fields = new Map(attributes.map((a) => [a.baseName, a.type]));
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const fieldType = fields.get(key);
    if (fieldType === undefined) problems.push(`${path}.${key}: unknown field of ${typeName}`);
    else unknownFields(item, fieldType, `${path}.${key}`, problems);
  }
}

function validate(object: Manifest): string[] {
  const problems: string[] = [];
  const where = `${object.kind}/${object.metadata?.name ?? '?'}`;
  const Model = modelsByApiVersion[object.apiVersion]?.[object.kind] as ModelClass | undefined;
  if (!Model) return [`${where}: no model for ${object.apiVersion} ${object.kind}`];
  try {
    new Model(object).validate();
  } catch (error) {
    problems.push(`${where}: ${(error as Error).message}`);
  }
  if (!CUSTOM_GROUPS.some((group) => object.apiVersion.startsWith(`${group}/`))) {
    const version = object.apiVersion.split('/').pop() ?? '';
    const typeName = `${version[0].toUpperCase()}${version.slice(1)}${object.kind}`;
    if (!clientTypes[typeName]) problems.push(`${where}: no client-node type ${typeName}`);
    else unknownFields(object, typeName, where, problems);
  }
  return problems;
}

const input = JSON.parse(readFileSync(0, 'utf8')) as { source: string; objects: Manifest[] }[];
const output = input.map(({ source, objects }) => ({ source, problems: objects.flatMap(validate) }));
process.stdout.write(JSON.stringify(output));
