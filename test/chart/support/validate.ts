import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { K8sObject } from './helm';
import type { TypedValue } from './typecheck';

/** Runs validate-manifests.mts (ES modules only, so in a child process) over several renders at once. */
export function validateManifests(renders: { source: string; objects: K8sObject[] }[]): string[] {
  const result = spawnSync(process.execPath, [join(__dirname, 'validate-manifests.mts')], {
    input: JSON.stringify(renders),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`the manifest validator failed: ${result.stderr}`);
  const output = JSON.parse(result.stdout) as { source: string; problems: string[] }[];
  return output.flatMap(({ source, problems }) => problems.map((p) => `${source}: ${p}`));
}

const CUSTOM_RESOURCE_TYPES: Record<string, { from: string; type: string }> = {
  'monitoring.coreos.com/v1 ServiceMonitor': {
    from: '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor',
    type: 'IServiceMonitor',
  },
  'monitoring.coreos.com/v1 PrometheusRule': {
    from: '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule',
    type: 'IPrometheusRule',
  },
  'keda.sh/v1alpha1 ScaledObject': {
    from: '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject',
    type: 'IScaledObject',
  },
  'keda.sh/v1alpha1 TriggerAuthentication': {
    from: '@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication',
    type: 'ITriggerAuthentication',
  },
};

/** Custom resources as values for typeCheck: their models' TypeScript types refuse unknown fields. */
export function customResourceValues(source: string, objects: K8sObject[]): TypedValue[] {
  return objects.flatMap((object) => {
    const key = `${object.apiVersion} ${object.kind}`;
    if (!key.startsWith('monitoring.coreos.com/') && !key.startsWith('keda.sh/')) return [];
    const type = CUSTOM_RESOURCE_TYPES[key];
    if (!type) throw new Error(`${source}: no TypeScript type for the custom resource ${key}`);
    return [{ ...type, value: object, label: `${source}: ${object.kind}/${object.metadata.name}` }];
  });
}
