/**
 * What must hold for every render of the values matrix in helm/orchestrator/ci/:
 * lint, valid objects with no unknown fields, standard labels, the restricted
 * Pod Security profile on every pod, and references that resolve.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CHART_DIR, helm, type K8sObject, NAMESPACE, render } from './support/helm';
import { allContainers, matches, type Service, type Workload, workloads } from './support/objects';
import { kubernetesBytes, redisBytes } from './support/quantities';
import { typeCheck } from './support/typecheck';
import { customResourceValues, validateManifests } from './support/validate';

const CI_FILES = readdirSync(join(CHART_DIR, 'ci')).filter((f) => f.endsWith('.yaml'));
/** Objects the values name but the chart does not create (existing Secrets, claims, ConfigMaps). */
const EXTERNAL = new Set([
  'Secret/orchestrator-secrets',
  'Secret/orchestrator-redis',
  'Secret/backend-git-token',
  'Secret/docs-deploy-key',
  'PersistentVolumeClaim/shared-repos',
  'PersistentVolumeClaim/ops-repos',
  'ConfigMap/corporate-ca',
  'ServiceAccount/orchestrator-runner',
  'Secret/agent-credentials',
]);
const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Volume types the restricted Pod Security profile allows. */
const RESTRICTED_VOLUME_TYPES = [
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
];

const renders = new Map<string, K8sObject[]>();
beforeAll(() => {
  for (const file of CI_FILES) renders.set(file, render({ ciFiles: [file] }));
});

function rendered(file: string): K8sObject[] {
  const objects = renders.get(file);
  if (!objects) throw new Error(`no render for ${file}`);
  return objects;
}

function has(objects: K8sObject[], kind: string, name: string): boolean {
  return EXTERNAL.has(`${kind}/${name}`) || objects.some((o) => o.kind === kind && o.metadata.name === name);
}

test('the values matrix covers every case the issue lists', () => {
  expect(CI_FILES).toEqual(
    expect.arrayContaining([
      'default-values.yaml',
      'external-redis-values.yaml',
      'bundled-redis-values.yaml',
      'keda-values.yaml',
      'monitoring-values.yaml',
      'ingress-values.yaml',
    ]),
  );
});

describe.each(['', ...CI_FILES])('helm lint --strict %s', (file) => {
  test('passes', () => {
    const args = ['lint', '--strict', CHART_DIR, '--namespace', NAMESPACE];
    if (file) args.push('--values', join(CHART_DIR, 'ci', file));
    const result = helm(args);
    expect(result.stderr + result.stdout).toContain('0 chart(s) failed');
    expect(result.ok).toBe(true);
  });
});

describe('every object of every render', () => {
  test('is valid against the Kubernetes schemas, with unknown fields refused', () => {
    const problems = validateManifests(CI_FILES.map((source) => ({ source, objects: rendered(source) })));
    expect(problems).toEqual([]);
  });

  test('custom resources fit their models, with unknown fields refused', () => {
    const values = CI_FILES.flatMap((file) => customResourceValues(file, rendered(file)));
    expect(values.map((v) => v.value as K8sObject).map((o) => o.kind)).toEqual(
      expect.arrayContaining(['ServiceMonitor', 'PrometheusRule', 'ScaledObject', 'TriggerAuthentication']),
    );
    expect(typeCheck(values)).toEqual([]);
  });

  test('the checks refuse a misplaced key, a bad quantity and an unknown custom-resource field', () => {
    const objects = rendered('bundled-redis-values.yaml');
    const deployment = structuredClone(objects.find((o) => o.kind === 'Deployment')) as Workload;
    (deployment.spec.template.spec as unknown as Record<string, unknown>).ports = [{ containerPort: 3000 }];
    const quantity = structuredClone(objects.find((o) => o.kind === 'Deployment')) as Workload;
    (quantity.spec.template.spec.containers[0] as unknown as Record<string, unknown>).resources = {
      limits: { memory: '512MB' },
    };
    expect(validateManifests([{ source: 'broken', objects: [deployment, quantity] }])).toEqual([
      expect.stringContaining('.spec.template.spec.ports: unknown field of V1PodSpec'),
      expect.stringContaining('memory'),
    ]);
    const monitor = structuredClone(
      rendered('monitoring-values.yaml').find((o) => o.kind === 'ServiceMonitor'),
    ) as K8sObject;
    (monitor.spec as Record<string, unknown>).endpoint = [];
    expect(typeCheck(customResourceValues('broken', [monitor]))).toEqual([
      expect.stringContaining('\'"endpoint"\' does not exist'),
    ]);
  });
});

describe.each(CI_FILES)('the render of %s', (file) => {
  test('names every object validly, in the release namespace, with the standard labels', () => {
    for (const object of rendered(file)) {
      const where = `${object.kind}/${object.metadata.name}`;
      expect([where, DNS_1123_SUBDOMAIN.test(object.metadata.name)]).toEqual([where, true]);
      expect(object.metadata.name.length).toBeLessThanOrEqual(63);
      if (object.kind !== 'ConfigMap' || !object.metadata.name.endsWith('-dashboard'))
        expect([where, object.metadata.namespace]).toEqual([where, NAMESPACE]);
      expect([where, object.metadata.labels]).toEqual([
        where,
        expect.objectContaining({
          'app.kubernetes.io/name': 'orchestrator',
          'app.kubernetes.io/instance': 'rel',
          'app.kubernetes.io/managed-by': 'Helm',
          'app.kubernetes.io/version': '0.1.0',
          'helm.sh/chart': 'orchestrator-0.1.0',
        }),
      ]);
      for (const [key, value] of Object.entries(object.metadata.labels ?? {}))
        expect([where, key, value.length <= 63]).toEqual([where, key, true]);
    }
  });

  test('runs every pod under the restricted Pod Security profile', () => {
    const pods = workloads(rendered(file));
    expect(pods.length).toBeGreaterThanOrEqual(2);
    const checked: string[] = [];
    for (const workload of pods) {
      const pod = workload.spec.template.spec;
      const where = `${workload.kind}/${workload.metadata.name}`;
      expect([where, pod.hostNetwork ?? false, pod.hostPID ?? false, pod.hostIPC ?? false]).toEqual([
        where,
        false,
        false,
        false,
      ]);
      expect([where, pod.securityContext?.seccompProfile?.type]).toEqual([where, 'RuntimeDefault']);
      for (const volume of pod.volumes ?? []) {
        const type = Object.keys(volume).find((k) => k !== 'name');
        expect([where, volume.name, RESTRICTED_VOLUME_TYPES.includes(type ?? '')]).toEqual([where, volume.name, true]);
      }
      for (const container of allContainers(pod)) {
        const sc = container.securityContext ?? {};
        const at = `${where} ${container.name}`;
        checked.push(at);
        expect([at, sc.runAsNonRoot ?? pod.securityContext?.runAsNonRoot]).toEqual([at, true]);
        expect([at, (sc.runAsUser ?? pod.securityContext?.runAsUser ?? 0) > 0]).toEqual([at, true]);
        expect([at, sc.allowPrivilegeEscalation, sc.privileged ?? false, sc.readOnlyRootFilesystem]).toEqual([
          at,
          false,
          false,
          true,
        ]);
        expect([at, sc.capabilities?.drop, sc.capabilities?.add ?? []]).toEqual([at, ['ALL'], []]);
        expect([at, sc.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type]).toEqual([
          at,
          'RuntimeDefault',
        ]);
        expect([at, container.volumeMounts?.some((m) => m.mountPath === '/tmp')]).toEqual([at, true]);
      }
    }
    expect(checked).toEqual(
      expect.arrayContaining(['Deployment/rel-orchestrator-worker worker', 'Deployment/rel-orchestrator-worker agent']),
    );
  });

  test('selects its own pods and resolves every reference', () => {
    const objects = rendered(file);
    const pods = workloads(objects);
    for (const workload of pods) {
      const where = `${workload.kind}/${workload.metadata.name}`;
      const { selector, template } = workload.spec;
      expect([where, matches(selector.matchLabels, template.metadata.labels)]).toEqual([where, true]);
      const volumes = new Set([
        ...(template.spec.volumes ?? []).map((v) => v.name),
        ...(workload.spec.volumeClaimTemplates ?? []).map((c) => c.metadata.name),
      ]);
      for (const container of allContainers(template.spec)) {
        const ports = new Set((container.ports ?? []).map((p) => p.name));
        for (const mount of container.volumeMounts ?? [])
          expect([where, container.name, mount.name, volumes.has(mount.name)]).toEqual([
            where,
            container.name,
            mount.name,
            true,
          ]);
        for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe]) {
          const port = probe?.httpGet?.port;
          if (typeof port === 'string') expect([where, port, ports.has(port)]).toEqual([where, port, true]);
        }
        for (const from of container.envFrom ?? []) {
          if (from.configMapRef)
            expect([where, has(objects, 'ConfigMap', from.configMapRef.name)]).toEqual([where, true]);
          if (from.secretRef) expect([where, has(objects, 'Secret', from.secretRef.name)]).toEqual([where, true]);
        }
        for (const env of container.env ?? []) {
          const ref = env.valueFrom?.secretKeyRef;
          if (ref) expect([where, env.name, has(objects, 'Secret', ref.name)]).toEqual([where, env.name, true]);
        }
      }
      for (const volume of template.spec.volumes ?? []) {
        if (volume.configMap) expect([where, has(objects, 'ConfigMap', volume.configMap.name)]).toEqual([where, true]);
        if (volume.secret) expect([where, has(objects, 'Secret', volume.secret.secretName)]).toEqual([where, true]);
        if (volume.persistentVolumeClaim)
          expect([where, has(objects, 'PersistentVolumeClaim', volume.persistentVolumeClaim.claimName)]).toEqual([
            where,
            true,
          ]);
      }
      const account = template.spec.serviceAccountName;
      if (account) expect([where, has(objects, 'ServiceAccount', account)]).toEqual([where, true]);
    }
    for (const service of objects.filter((o) => o.kind === 'Service') as Service[]) {
      const targets = pods.filter((w) => matches(service.spec.selector, w.spec.template.metadata.labels));
      expect([service.metadata.name, targets.length]).toEqual([service.metadata.name, 1]);
      const ports = new Set(
        targets[0].spec.template.spec.containers.flatMap((c) => (c.ports ?? []).map((p) => p.name)),
      );
      for (const port of service.spec.ports)
        expect([service.metadata.name, ports.has(String(port.targetPort))]).toEqual([service.metadata.name, true]);
    }
    for (const object of objects) {
      const spec = object.spec as Record<string, unknown> | undefined;
      if (object.kind === 'PodDisruptionBudget' || object.kind === 'NetworkPolicy') {
        const selector = ((spec?.selector ?? spec?.podSelector) as { matchLabels: Record<string, string> }).matchLabels;
        expect([object.metadata.name, pods.some((w) => matches(selector, w.spec.template.metadata.labels))]).toEqual([
          object.metadata.name,
          true,
        ]);
      }
      if (object.kind === 'HorizontalPodAutoscaler' || object.kind === 'ScaledObject') {
        const target = spec?.scaleTargetRef as { kind: string; name: string };
        expect([object.metadata.name, has(objects, target.kind, target.name)]).toEqual([object.metadata.name, true]);
      }
    }
  });

  test('caps the bundled Redis below its memory limit, and a full Redis refuses writes (noeviction)', () => {
    const objects = rendered(file);
    const redis = objects.find((o) => o.kind === 'StatefulSet') as Workload | undefined;
    if (!redis) return;
    const config = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-redis')) as K8sObject & {
      data: Record<string, string>;
    };
    const conf = config.data['redis.conf'];
    expect(conf).toMatch(/^maxmemory-policy noeviction$/m);
    expect(conf.match(/^maxmemory-policy /gm)).toHaveLength(1);
    const maxmemory = /^maxmemory (\S+)$/m.exec(conf)?.[1] ?? '';
    expect(conf.match(/^maxmemory /gm)).toHaveLength(1);
    const limit = redis.spec.template.spec.containers[0].resources?.limits?.memory ?? '';
    expect(redisBytes(maxmemory)).toBeGreaterThan(0);
    expect(redisBytes(maxmemory)).toBeLessThan(kubernetesBytes(limit));
  });

  test('rolls the api and worker pods when configuration or secrets change', () => {
    for (const workload of workloads(rendered(file)).filter((w) => w.kind === 'Deployment')) {
      const annotations = workload.spec.template.metadata.annotations ?? {};
      expect(annotations['checksum/config']).toMatch(/^[a-f0-9]{64}$/);
      expect(annotations['checksum/secret']).toMatch(/^[a-f0-9]{64}$/);
    }
  });
});
