/** What the chart does with its values: roles, secrets, Redis, working directories, scaling, network and monitoring. */
import { parse } from 'yaml';
import { find, FULLNAME, type K8sObject, render, type RenderOptions } from './support/helm';
import { type Container, containerNamed, envOf, type Service, type Workload, workloads } from './support/objects';

const SECRETS = { secrets: { SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: 'xoxb-t' } };

function workload(objects: K8sObject[], role: 'api' | 'worker'): Workload {
  return find(objects, 'Deployment', `${FULLNAME}-${role}`) as Workload;
}
function container(objects: K8sObject[], role: 'api' | 'worker'): Container {
  return containerNamed(workload(objects, role).spec.template.spec, role);
}
function annotations(options: RenderOptions, role: 'api' | 'worker' = 'worker'): Record<string, string> {
  return workload(render(options), role).spec.template.metadata.annotations ?? {};
}
function kinds(objects: K8sObject[]): string[] {
  return objects.map((o) => `${o.kind}/${o.metadata.name}`);
}

describe('api and worker', () => {
  const objects = render({ ciFiles: ['default-values.yaml'] });

  test('run the same image and differ by role and component', () => {
    const api = container(objects, 'api');
    const worker = container(objects, 'worker');
    expect(api.image).toBe('orchestrator:0.1.0');
    expect(worker.image).toBe(api.image);
    expect(envOf(api).get('PROCESS_ROLE')?.value).toBe('api');
    expect(envOf(worker).get('PROCESS_ROLE')?.value).toBe('worker');
    expect(workload(objects, 'api').spec.template.metadata.labels['app.kubernetes.io/component']).toBe('api');
    expect(workload(objects, 'worker').spec.template.metadata.labels['app.kubernetes.io/component']).toBe('worker');
  });

  test('probe /health/live and /health/ready on the http port', () => {
    for (const role of ['api', 'worker'] as const) {
      const c = container(objects, role);
      expect(c.livenessProbe?.httpGet).toEqual({ path: '/health/live', port: 'http' });
      expect(c.startupProbe?.httpGet).toEqual({ path: '/health/live', port: 'http' });
      expect(c.readinessProbe?.httpGet).toEqual({ path: '/health/ready', port: 'http' });
    }
  });

  test('write only to emptyDirs at /tmp and /data (DATA_DIR)', () => {
    const config = find(objects, 'ConfigMap', FULLNAME) as K8sObject & { data: Record<string, string> };
    expect(config.data.DATA_DIR).toBe('/data');
    for (const role of ['api', 'worker'] as const) {
      const pod = workload(objects, role).spec.template.spec;
      const byName = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
      const mounts = new Map((pod.containers[0].volumeMounts ?? []).map((m) => [m.mountPath, m.name]));
      expect(byName.get(mounts.get('/tmp') ?? '')?.emptyDir).toBeDefined();
      expect(byName.get(mounts.get('/data') ?? '')?.emptyDir).toEqual({ sizeLimit: '2Gi' });
    }
  });

  test('pins the image by digest when one is given', () => {
    const pinned = render({ ciFiles: ['bundled-redis-values.yaml'] });
    expect(container(pinned, 'worker').image).toBe(
      'registry.example.com/acme/orchestrator@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    );
  });

  test('expose the api through its Service and the workers only to Prometheus', () => {
    const api = find(objects, 'Service', `${FULLNAME}-api`) as Service;
    expect(api.spec.selector['app.kubernetes.io/component']).toBe('api');
    const metrics = find(objects, 'Service', `${FULLNAME}-worker-metrics`) as Service;
    expect(metrics.spec.clusterIP).toBe('None');
    expect(metrics.spec.selector['app.kubernetes.io/component']).toBe('worker');
  });
});

describe('configuration and secrets', () => {
  test('a change of the bots file or settings changes checksum/config; an unrelated value does not', () => {
    const base = annotations({ ciFiles: ['bundled-redis-values.yaml'] });
    expect(
      annotations({ ciFiles: ['bundled-redis-values.yaml'], values: { env: { LOG_LEVEL: 'warn' } } })[
        'checksum/config'
      ],
    ).not.toBe(base['checksum/config']);
    const bots = parse(JSON.stringify(render({ ciFiles: ['bundled-redis-values.yaml'] }).length)) as number;
    expect(bots).toBeGreaterThan(0);
    const moreChannels = annotations({
      ciFiles: ['bundled-redis-values.yaml'],
      values: { bots: { defaults: { timeoutSeconds: 900, claude: { model: 'opus' } } } },
    });
    expect(moreChannels['checksum/config']).not.toBe(base['checksum/config']);
    const unrelated = annotations({ ciFiles: ['bundled-redis-values.yaml'], values: { worker: { replicaCount: 3 } } });
    expect(unrelated).toEqual(base);
  });

  test('a change of a secret changes checksum/secret', () => {
    const base = annotations({ ciFiles: ['default-values.yaml'] }, 'api');
    const changed = annotations(
      { ciFiles: ['default-values.yaml'], values: { secrets: { SLACK_BOT_TOKEN: 'xoxb-new' } } },
      'api',
    );
    expect(changed['checksum/secret']).not.toBe(base['checksum/secret']);
    expect(changed['checksum/config']).toBe(base['checksum/config']);
  });

  test('puts the bots file in a ConfigMap mounted read-only at BOTS_CONFIG', () => {
    const objects = render({ ciFiles: ['bundled-redis-values.yaml'] });
    const bots = find(objects, 'ConfigMap', `${FULLNAME}-bots`) as K8sObject & { data: Record<string, string> };
    const file = parse(bots.data['bots.yaml']) as { bots: { id: string; token: string }[] };
    expect(file.bots.map((b) => b.id)).toEqual(['backend', 'docs', 'infra']);
    expect(file.bots[0].token).toBe('${BACKEND_BOT_TOKEN}');
    const env = find(objects, 'ConfigMap', FULLNAME) as K8sObject & { data: Record<string, string> };
    expect(env.data.BOTS_CONFIG).toBe('/etc/orchestrator/bots.yaml');
    expect(env.data.JOB_TIMEOUT_SECONDS).toBe('600');
    expect(container(objects, 'api').volumeMounts).toContainEqual({
      name: 'bots',
      mountPath: '/etc/orchestrator',
      readOnly: true,
    });
  });

  test('takes the bots file as a string too (--set-file)', () => {
    const objects = render({ ciFiles: ['external-redis-values.yaml'] });
    const bots = find(objects, 'ConfigMap', `${FULLNAME}-bots`) as K8sObject & { data: Record<string, string> };
    expect(parse(bots.data['bots.yaml'])).toEqual({
      bots: [expect.objectContaining({ id: 'ops', workingDirectory: '/srv/repos/ops', timeoutSeconds: 300 })],
    });
  });

  test('keeps secrets in a Secret read with envFrom, never in the ConfigMap', () => {
    const objects = render({ ciFiles: ['bundled-redis-values.yaml'] });
    const secret = find(objects, 'Secret', FULLNAME) as K8sObject & { data: Record<string, string> };
    expect(Buffer.from(secret.data.BACKEND_BOT_TOKEN, 'base64').toString()).toBe('xoxb-backend');
    const config = JSON.stringify(objects.filter((o) => o.kind === 'ConfigMap'));
    expect(config).not.toContain('xoxb-backend');
    expect(container(objects, 'worker').envFrom).toContainEqual({ secretRef: { name: FULLNAME } });
  });

  test('an existingSecret leaves no generated Secret, and both roles read it', () => {
    const objects = render({ ciFiles: ['external-redis-values.yaml'] });
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    for (const role of ['api', 'worker'] as const)
      expect(container(objects, role).envFrom).toContainEqual({ secretRef: { name: 'orchestrator-secrets' } });
  });
});

describe('Redis', () => {
  test('bundled: a StatefulSet with a password, append-only file, noeviction and a claim', () => {
    const objects = render({ ciFiles: ['bundled-redis-values.yaml'] });
    const redis = find(objects, 'StatefulSet', `${FULLNAME}-redis`) as Workload;
    const config = find(objects, 'ConfigMap', `${FULLNAME}-redis`) as K8sObject & { data: Record<string, string> };
    const conf = config.data['redis.conf'];
    expect(conf).toMatch(/^appendonly yes$/m);
    expect(conf).toMatch(/^maxmemory-policy noeviction$/m);
    expect(conf).toMatch(/^maxmemory 400mb$/m);
    expect(conf).toMatch(/^slowlog-log-slower-than 10000$/m);
    const secret = find(objects, 'Secret', `${FULLNAME}-redis`) as K8sObject & { data: Record<string, string> };
    expect(Buffer.from(secret.data['redis-password'], 'base64').toString()).toBe('ci-redis-password');
    const c = redis.spec.template.spec.containers[0];
    expect(envOf(c).get('REDIS_PASSWORD')?.valueFrom?.secretKeyRef).toEqual({
      name: `${FULLNAME}-redis`,
      key: 'redis-password',
    });
    expect(c.args?.[0]).toContain('requirepass');
    expect(c.args?.join(' ')).not.toContain('ci-redis-password');
    expect(redis.spec.volumeClaimTemplates?.[0]).toMatchObject({
      metadata: { name: 'data' },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: 'standard',
        resources: { requests: { storage: '2Gi' } },
      },
    });
    expect(find(objects, 'Service', `${FULLNAME}-redis-headless`)).toMatchObject({ spec: { clusterIP: 'None' } });
    const env = envOf(container(objects, 'worker'));
    expect(env.get('REDIS_URL')?.value).toBe(`redis://:$(REDIS_PASSWORD)@${FULLNAME}-redis.bots.svc:6379/0`);
    const names = container(objects, 'worker').env?.map((e) => e.name) ?? [];
    expect(names.indexOf('REDIS_PASSWORD')).toBeLessThan(names.indexOf('REDIS_URL'));
  });

  test('bundled: maxmemory is 80 % of the memory limit by default, in whole mb', () => {
    const maxmemory = (limit?: string): string | undefined => {
      const values = limit ? { ...SECRETS, redis: { resources: { limits: { memory: limit } } } } : SECRETS;
      const config = find(render({ values }), 'ConfigMap', `${FULLNAME}-redis`) as K8sObject & {
        data: Record<string, string>;
      };
      return /^maxmemory (\S+)$/m.exec(config.data['redis.conf'])?.[1];
    };
    expect(maxmemory()).toBe('409mb');
    expect(maxmemory('1Gi')).toBe('819mb');
    expect(maxmemory('2G')).toBe('1525mb');
  });

  test('bundled without a password given: a random one of 32 characters', () => {
    const secret = find(render({ ciFiles: ['default-values.yaml'] }), 'Secret', `${FULLNAME}-redis`) as K8sObject & {
      data: Record<string, string>;
    };
    expect(Buffer.from(secret.data['redis-password'], 'base64').toString()).toMatch(/^[A-Za-z0-9]{32}$/);
  });

  test('bundled without persistence: an emptyDir', () => {
    const objects = render({ ...SECRETS, values: { ...SECRETS, redis: { persistence: { enabled: false } } } });
    const redis = find(objects, 'StatefulSet', `${FULLNAME}-redis`) as Workload;
    expect(redis.spec.volumeClaimTemplates).toBeUndefined();
    expect(redis.spec.template.spec.volumes).toContainEqual({ name: 'data', emptyDir: {} });
  });

  test('external: no Redis objects; REDIS_URL with TLS, user, port and database, the password from its Secret', () => {
    const objects = render({ ciFiles: ['external-redis-values.yaml'] });
    expect(kinds(objects).filter((k) => k.includes('redis'))).toEqual([]);
    const env = envOf(container(objects, 'api'));
    expect(env.get('REDIS_PASSWORD')?.valueFrom?.secretKeyRef).toEqual({ name: 'orchestrator-redis', key: 'password' });
    expect(env.get('REDIS_URL')?.value).toBe(
      'rediss://orchestrator:$(REDIS_PASSWORD)@redis.data.svc.cluster.local:6380/3',
    );
  });

  test('external: a whole REDIS_URL from a Secret', () => {
    const objects = render({
      values: {
        ...SECRETS,
        redis: { enabled: false },
        externalRedis: { existingSecret: 'redis-url', existingSecretUrlKey: 'url' },
      },
    });
    const env = envOf(container(objects, 'worker'));
    expect(env.get('REDIS_URL')?.valueFrom?.secretKeyRef).toEqual({ name: 'redis-url', key: 'url' });
    expect(env.has('REDIS_PASSWORD')).toBe(false);
  });

  test('external without a password: a plain URL', () => {
    const objects = render({ values: { ...SECRETS, redis: { enabled: false }, externalRedis: { host: 'redis' } } });
    expect(envOf(container(objects, 'worker')).get('REDIS_URL')?.value).toBe('redis://redis:6379/0');
  });
});

describe('the worker shutdown follows the job time limit', () => {
  const grace = (options: RenderOptions): [number | undefined, string | undefined] => {
    const w = workload(render(options), 'worker');
    return [
      w.spec.template.spec.terminationGracePeriodSeconds,
      envOf(w.spec.template.spec.containers[0]).get('SHUTDOWN_GRACE_SECONDS')?.value,
    ];
  };

  test('by default jobs may finish: grace = the job time limit, period = grace + 30 s', () => {
    expect(grace({ values: SECRETS })).toEqual([930, '900']);
    expect(grace({ values: { ...SECRETS, env: { JOB_TIMEOUT_SECONDS: 120 } } })).toEqual([150, '120']);
  });

  test('the longest of JOB_TIMEOUT_SECONDS and the bots’ timeoutSeconds counts', () => {
    expect(grace({ ciFiles: ['bundled-redis-values.yaml'] })).toEqual([1230, '1200']);
  });

  test('a shorter grace hands jobs back sooner; the period follows it', () => {
    expect(grace({ ciFiles: ['external-redis-values.yaml'] })).toEqual([90, '60']);
    expect(
      grace({ values: { ...SECRETS, worker: { shutdownGraceSeconds: 10, terminationMarginSeconds: 5 } } }),
    ).toEqual([15, '10']);
  });

  test('a grace longer than every time limit waits no longer than the longest job', () => {
    expect(
      grace({ values: { ...SECRETS, env: { JOB_TIMEOUT_SECONDS: 100 }, worker: { shutdownGraceSeconds: 3600 } } }),
    ).toEqual([130, '3600']);
  });

  test('an explicit period is kept when it exceeds the drain time', () => {
    expect(grace({ ciFiles: ['ingress-values.yaml'] })).toEqual([1000, '900']);
  });

  test('the api keeps its own short period', () => {
    expect(workload(render({ values: SECRETS }), 'api').spec.template.spec.terminationGracePeriodSeconds).toBe(30);
  });
});

describe('working directories', () => {
  const objects = render({ ciFiles: ['bundled-redis-values.yaml'] });
  const worker = workload(objects, 'worker').spec.template.spec;
  const volumes = new Map((worker.volumes ?? []).map((v) => [v.name, v]));

  test('mounts each workspace in the agent container where the bots file says', () => {
    const mounts = containerNamed(worker, 'agent').volumeMounts ?? [];
    expect(mounts).toEqual(
      expect.arrayContaining([
        { name: 'ws-backend', mountPath: '/srv/repos/backend' },
        { name: 'ws-docs', mountPath: '/srv/repos/docs' },
        { name: 'ws-shared', mountPath: '/srv/shared' },
      ]),
    );
  });

  test('an emptyDir, a new claim kept on uninstall, or an existing claim', () => {
    expect(volumes.get('ws-backend')?.emptyDir).toEqual({ sizeLimit: '5Gi' });
    expect(volumes.get('ws-docs')?.persistentVolumeClaim).toEqual({ claimName: `${FULLNAME}-ws-docs` });
    expect(volumes.get('ws-shared')?.persistentVolumeClaim).toEqual({ claimName: 'shared-repos' });
    const claim = find(objects, 'PersistentVolumeClaim', `${FULLNAME}-ws-docs`);
    expect(claim.metadata.annotations).toEqual({ 'helm.sh/resource-policy': 'keep' });
    expect(claim).toMatchObject({ spec: { storageClassName: 'fast', resources: { requests: { storage: '20Gi' } } } });
  });

  test('clones repositories in init containers, with the credentials Secret mounted read-only', () => {
    const init = worker.initContainers ?? [];
    expect(init.map((c) => c.name)).toEqual(['clone-backend', 'clone-docs']);
    expect(init[0].image).toBe(worker.containers[0].image);
    expect(envOf(init[0]).get('GIT_REPOSITORY')?.value).toBe('https://github.com/acme/backend.git');
    expect(envOf(init[0]).get('GIT_REF')?.value).toBe('main');
    expect(init[0].volumeMounts).toEqual(
      expect.arrayContaining([
        { name: 'ws-backend', mountPath: '/workspace' },
        { name: 'ws-backend-git-auth', mountPath: '/git-auth', readOnly: true },
      ]),
    );
    expect(volumes.get('ws-backend-git-auth')?.secret).toMatchObject({ secretName: 'backend-git-token' });
    expect(init[0].args?.[0]).toContain('git clone');
  });

  test('the api gets an empty folder at each working directory and holds no claim', () => {
    const api = workload(objects, 'api').spec.template.spec;
    expect(api.volumes?.filter((v) => v.persistentVolumeClaim)).toEqual([]);
    expect(api.initContainers).toBeUndefined();
    expect(api.containers[0].volumeMounts?.filter((m) => m.name === 'workdirs')).toEqual([
      { name: 'workdirs', mountPath: '/srv/repos/backend', subPath: 'backend', readOnly: true },
      { name: 'workdirs', mountPath: '/srv/repos/docs', subPath: 'docs', readOnly: true },
      { name: 'workdirs', mountPath: '/srv/shared/infra', subPath: 'infra', readOnly: true },
    ]);
  });

  test('the single bot without a bots file gets a workspace named default', () => {
    const single = render({
      values: {
        ...SECRETS,
        env: { CLAUDE_WORKING_DIRECTORY: '/srv/repo' },
        workspaces: { default: { existingClaim: 'repo' } },
      },
    });
    const agent = containerNamed(workload(single, 'worker').spec.template.spec, 'agent');
    expect(agent.volumeMounts).toContainEqual({ name: 'ws-default', mountPath: '/srv/repo' });
  });
});

describe('scaling', () => {
  test('KEDA scales the worker on the waiting and active BullMQ lists, with the Redis password', () => {
    const objects = render({ ciFiles: ['keda-values.yaml'] });
    expect(workload(objects, 'worker').spec.replicas).toBeUndefined();
    expect(kinds(objects)).not.toContain(`HorizontalPodAutoscaler/${FULLNAME}-worker`);
    const scaled = find(objects, 'ScaledObject', `${FULLNAME}-worker`) as K8sObject & {
      spec: {
        minReplicaCount: number;
        scaleTargetRef: { name: string };
        triggers: { type: string; metadata: Record<string, string>; authenticationRef: { name: string } }[];
      };
    };
    expect(scaled.spec.scaleTargetRef.name).toBe(`${FULLNAME}-worker`);
    expect(scaled.spec.minReplicaCount).toBe(0);
    expect(scaled.spec.triggers.map((t) => [t.type, t.metadata.listName, t.metadata.listLength])).toEqual([
      ['redis', 'orchestrator:bull:claude-jobs:wait', '2'],
      ['redis', 'orchestrator:bull:claude-jobs:active', '2'],
    ]);
    expect(scaled.spec.triggers[0].metadata.address).toBe(`${FULLNAME}-redis.bots.svc:6379`);
    const auth = find(objects, 'TriggerAuthentication', scaled.spec.triggers[0].authenticationRef.name);
    expect(auth.spec).toEqual({
      secretTargetRef: [{ parameter: 'password', name: `${FULLNAME}-redis`, key: 'redis-password' }],
    });
  });

  test('KEDA with an external Redis over TLS uses its host, database, user and Secret', () => {
    const objects = render({ ciFiles: ['external-redis-values.yaml'], values: { keda: { enabled: true } } });
    const scaled = find(objects, 'ScaledObject', `${FULLNAME}-worker`) as K8sObject & {
      spec: { triggers: { metadata: Record<string, string> }[] };
    };
    expect(scaled.spec.triggers[0].metadata).toMatchObject({
      address: 'redis.data.svc.cluster.local:6380',
      databaseIndex: '3',
      enableTLS: 'true',
      username: 'orchestrator',
    });
    expect(find(objects, 'TriggerAuthentication', `${FULLNAME}-worker-redis`).spec).toEqual({
      secretTargetRef: [{ parameter: 'password', name: 'orchestrator-redis', key: 'password' }],
    });
  });

  test('CPU autoscaling: HPAs target the Deployments, which leave replicas to them', () => {
    const objects = render({ ciFiles: ['keda-values.yaml'] });
    expect(workload(objects, 'api').spec.replicas).toBeUndefined();
    expect(find(objects, 'HorizontalPodAutoscaler', `${FULLNAME}-api`).spec).toMatchObject({
      scaleTargetRef: { kind: 'Deployment', name: `${FULLNAME}-api` },
      minReplicas: 2,
      maxReplicas: 5,
    });
    const cpu = render({ ciFiles: ['ingress-values.yaml'] });
    expect(workload(cpu, 'worker').spec.replicas).toBeUndefined();
    expect(find(cpu, 'HorizontalPodAutoscaler', `${FULLNAME}-worker`).spec).toMatchObject({
      scaleTargetRef: { name: `${FULLNAME}-worker` },
    });
  });

  test('PodDisruptionBudgets for both roles', () => {
    const objects = render({ ciFiles: ['ingress-values.yaml'] });
    expect(find(objects, 'PodDisruptionBudget', `${FULLNAME}-api`).spec).toMatchObject({ minAvailable: 1 });
    expect(find(objects, 'PodDisruptionBudget', `${FULLNAME}-worker`).spec).toMatchObject({ maxUnavailable: 1 });
    expect(kinds(render({ values: { ...SECRETS, api: { pdb: { create: false } } } }))).not.toContain(
      `PodDisruptionBudget/${FULLNAME}-api`,
    );
  });
});

describe('network', () => {
  test('the Ingress routes only /webhooks/slack, to the api Service, with TLS', () => {
    const objects = render({ ciFiles: ['ingress-values.yaml'] });
    expect(find(objects, 'Ingress', `${FULLNAME}-api`).spec).toEqual({
      ingressClassName: 'nginx',
      tls: [{ secretName: 'bots-example-com-tls', hosts: ['bots.example.com'] }],
      rules: [
        {
          host: 'bots.example.com',
          http: {
            paths: [
              {
                path: '/webhooks/slack',
                pathType: 'Prefix',
                backend: { service: { name: `${FULLNAME}-api`, port: { name: 'http' } } },
              },
            ],
          },
        },
      ],
    });
    expect(kinds(render({ values: SECRETS })).some((k) => k.startsWith('Ingress/'))).toBe(false);
  });
});

describe('monitoring', () => {
  const objects = render({ ciFiles: ['monitoring-values.yaml'] });

  test('the ServiceMonitor scrapes /metrics of the api and worker Services', () => {
    const monitor = find(objects, 'ServiceMonitor', FULLNAME);
    expect(monitor.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
    const spec = monitor.spec as {
      selector: { matchLabels: Record<string, string>; matchExpressions: { values: string[] }[] };
      endpoints: { port: string; path: string }[];
    };
    expect(spec.endpoints).toEqual([expect.objectContaining({ port: 'http', path: '/metrics', interval: '30s' })]);
    const selected = (objects.filter((o) => o.kind === 'Service') as Service[]).filter(
      (s) =>
        Object.entries(spec.selector.matchLabels).every(([k, v]) => s.metadata.labels?.[k] === v) &&
        spec.selector.matchExpressions[0].values.includes(s.metadata.labels?.['app.kubernetes.io/component'] ?? ''),
    );
    expect(selected.map((s) => s.metadata.name).sort()).toEqual([`${FULLNAME}-api`, `${FULLNAME}-worker-metrics`]);
    expect(selected.every((s) => s.spec.ports.some((p) => p.name === 'http'))).toBe(true);
  });

  test('the PrometheusRule has the issue’s alerts, scoped to this release', () => {
    const rule = find(objects, 'PrometheusRule', FULLNAME).spec as {
      groups: { rules: { alert: string; expr: string; labels: Record<string, string> }[] }[];
    };
    const rules = rule.groups[0].rules;
    expect(rules.map((r) => r.alert)).toEqual([
      'OrchestratorSlackEventsStopped',
      'OrchestratorSignatureFailures',
      'OrchestratorQueueBacklogGrowing',
      'OrchestratorJobFailureRatioHigh',
      'OrchestratorNoWorkerReady',
      'OrchestratorSlackRateLimited',
      'OrchestratorWebhookSlow',
    ]);
    for (const r of rules) {
      expect(r.expr).toContain('namespace="bots"');
      expect(r.labels.team).toBe('platform');
    }
  });

  test('the dashboard ConfigMap carries the sidecar label and the dashboard JSON', () => {
    const dashboard = find(objects, 'ConfigMap', `${FULLNAME}-dashboard`) as K8sObject & {
      data: Record<string, string>;
    };
    expect(dashboard.metadata.namespace).toBe('monitoring');
    expect(dashboard.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
    expect(dashboard.metadata.annotations).toMatchObject({ grafana_folder: 'Orchestrator' });
    expect(JSON.parse(dashboard.data['orchestrator.json'])).toMatchObject({ uid: 'orchestrator-overview' });
  });

  test('none of it without the values', () => {
    expect(
      kinds(render({ values: SECRETS })).filter((k) => /ServiceMonitor|PrometheusRule|dashboard|ScaledObject/.test(k)),
    ).toEqual([]);
  });
});

test('every pod template of every role has its own component label', () => {
  const objects = render({ ciFiles: ['bundled-redis-values.yaml'] });
  expect(
    workloads(objects)
      .map((w) => w.spec.template.metadata.labels['app.kubernetes.io/component'])
      .sort(),
  ).toEqual(['api', 'redis', 'worker']);
});
