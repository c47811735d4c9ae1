/**
 * The agent: the container of each worker pod that runs the Claude Code CLI.
 * It is untrusted, so it runs as another uid and holds none of the worker's
 * secrets; the two talk over a Unix socket on a volume they share.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CHART_DIR, find, FULLNAME, type K8sObject, render, type RenderOptions } from './support/helm';
import {
  type Container,
  containerNamed,
  envOf,
  mountedVolumes,
  type PodSpec,
  uidOf,
  type Workload,
} from './support/objects';

const SECRETS = { secrets: { SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: 'xoxb-t' } };
const CI_FILES = readdirSync(join(CHART_DIR, 'ci')).filter((f) => f.endsWith('.yaml'));
const AGENT_ENV = ['PROCESS_ROLE', 'AGENT_SOCKET', 'DATA_DIR', 'AGENT_DEDICATED_USER', 'LOG_LEVEL', 'APP_NAME'];

function workerPod(objects: K8sObject[]): PodSpec {
  return (find(objects, 'Deployment', `${FULLNAME}-worker`) as Workload).spec.template.spec;
}
function podOf(options: RenderOptions): { pod: PodSpec; worker: Container; agent: Container } {
  const pod = workerPod(render(options));
  return { pod, worker: containerNamed(pod, 'worker'), agent: containerNamed(pod, 'agent') };
}
/** Names of every Secret the worker container reads, and of every Secret volume of the pod. */
function workerSecrets(pod: PodSpec, worker: Container): string[] {
  return [
    ...(worker.envFrom ?? []).flatMap((f) => (f.secretRef ? [f.secretRef.name] : [])),
    ...(worker.env ?? []).flatMap((e) => (e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef.name] : [])),
    ...(pod.volumes ?? []).flatMap((v) => (v.secret ? [v.secret.secretName] : [])),
  ];
}
function ciValues(file: string): { agent?: { envFromSecret?: string; extraEnv?: { name: string }[] } } {
  return parse(readFileSync(join(CHART_DIR, 'ci', file), 'utf8')) as ReturnType<typeof ciValues>;
}

describe('the agent container of the worker pod', () => {
  const { pod, worker, agent } = podOf({ ciFiles: ['bundled-redis-values.yaml'] });

  test('runs the same image as a runner, beside the worker, the image’s entrypoint kept', () => {
    expect(pod.containers.map((c) => c.name)).toEqual(['worker', 'agent']);
    expect(agent.image).toBe(worker.image);
    expect(agent.command).toBeUndefined();
    expect(agent.args).toEqual(['node', 'dist/main.js']);
    expect(envOf(agent).get('PROCESS_ROLE')?.value).toBe('runner');
    expect(envOf(agent).get('AGENT_DEDICATED_USER')?.value).toBe('true');
  });

  test('shares a socket folder and the AGENT_SOCKET path with the worker, and nothing else', () => {
    const socket = envOf(worker).get('AGENT_SOCKET')?.value;
    expect(socket).toBe('/run/agent/agent.sock');
    expect(envOf(agent).get('AGENT_SOCKET')?.value).toBe(socket);
    const workerVolumes = mountedVolumes(pod, worker);
    const agentVolumes = mountedVolumes(pod, agent);
    expect(workerVolumes.get('/run/agent')).toEqual({
      name: 'agent-socket',
      emptyDir: { medium: 'Memory', sizeLimit: '1Mi' },
    });
    expect(agentVolumes.get('/run/agent')).toBe(workerVolumes.get('/run/agent'));
    const shared = [...agentVolumes.values()].filter((v) => [...workerVolumes.values()].includes(v));
    expect(shared.map((v) => v.name)).toEqual(['agent-socket']);
  });

  test('runs as another uid and group than the worker; the pod’s fsGroup lets the worker reach the socket', () => {
    expect(uidOf(pod, worker)).toBe(1000);
    expect(uidOf(pod, agent)).toBe(10001);
    expect(agent.securityContext?.runAsGroup).toBe(10001);
    expect(pod.securityContext?.fsGroup).toBe(1000);
    expect(pod.shareProcessNamespace).toBe(false);
    const other = podOf({ ...SECRETS, values: { ...SECRETS, agent: { runAsUser: 4242 } } });
    expect(uidOf(other.pod, other.agent)).toBe(4242);
    expect(uidOf(other.pod, other.worker)).toBe(1000);
  });

  test('mounts the workspaces and the CLI’s /data only in the agent; the worker keeps its own /data and /tmp', () => {
    const agentVolumes = mountedVolumes(pod, agent);
    const workerVolumes = mountedVolumes(pod, worker);
    expect(agent.volumeMounts).toEqual(
      expect.arrayContaining([
        { name: 'ws-backend', mountPath: '/srv/repos/backend' },
        { name: 'ws-docs', mountPath: '/srv/repos/docs' },
        { name: 'ws-shared', mountPath: '/srv/shared' },
      ]),
    );
    expect(worker.volumeMounts?.filter((m) => m.name.startsWith('ws-'))).toEqual([]);
    expect(envOf(agent).get('DATA_DIR')?.value).toBe('/data');
    for (const path of ['/data', '/tmp']) {
      expect(agentVolumes.get(path)?.emptyDir).toBeDefined();
      expect(workerVolumes.get(path)?.emptyDir).toBeDefined();
      expect(agentVolumes.get(path)).not.toBe(workerVolumes.get(path));
    }
    expect(agentVolumes.get('/data')?.name).toBe('agent-data');
  });

  test('clones the workspaces as the agent’s uid, with a /tmp (and SSH key) of their own', () => {
    const clones = pod.initContainers ?? [];
    expect(clones.map((c) => c.name)).toEqual(['clone-backend', 'clone-docs']);
    const running = new Set(pod.containers.flatMap((c) => (c.volumeMounts ?? []).map((m) => m.name)));
    for (const clone of clones) {
      expect(uidOf(pod, clone)).toBe(10001);
      const tmp = clone.volumeMounts?.find((m) => m.mountPath === '/tmp')?.name ?? '';
      expect(tmp).toBe('clone-tmp');
      expect(running.has(tmp)).toBe(false);
      for (const auth of clone.volumeMounts?.filter((m) => m.mountPath === '/git-auth') ?? [])
        expect(running.has(auth.name)).toBe(false);
    }
  });

  test('serves no HTTP: no port and no probe', () => {
    expect(agent.ports).toBeUndefined();
    expect([agent.startupProbe, agent.livenessProbe, agent.readinessProbe]).toEqual([undefined, undefined, undefined]);
  });

  test('holds the CLI’s resources; the worker container needs little', () => {
    const defaults = podOf({ values: SECRETS });
    expect(defaults.agent.resources).toEqual({ requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '4Gi' } });
    expect(defaults.worker.resources).toEqual({
      requests: { cpu: '100m', memory: '256Mi' },
      limits: { memory: '512Mi' },
    });
  });

  test('takes extra variables, its own credentials Secret and extra mounts', () => {
    const extras = podOf({ ciFiles: ['ingress-values.yaml'] });
    expect(extras.agent.envFrom).toEqual([{ secretRef: { name: 'agent-credentials' } }]);
    expect(envOf(extras.agent).get('NODE_EXTRA_CA_CERTS')?.value).toBe('/etc/corporate-ca/ca.crt');
    expect(mountedVolumes(extras.pod, extras.agent).get('/etc/corporate-ca')?.configMap).toEqual({
      name: 'corporate-ca',
    });
    expect(envOf(extras.worker).has('NODE_EXTRA_CA_CERTS')).toBe(false);
  });
});

describe.each(CI_FILES)('the agent of %s', (file) => {
  const objects = render({ ciFiles: [file] });
  const pod = workerPod(objects);
  const worker = containerNamed(pod, 'worker');
  const agent = containerNamed(pod, 'agent');
  const values = ciValues(file).agent ?? {};

  test('gets only its own environment: no Secret, Redis setting or bots file of the worker', () => {
    const extra = (values.extraEnv ?? []).map((e) => e.name);
    expect((agent.env ?? []).map((e) => e.name)).toEqual([...AGENT_ENV, ...extra]);
    expect(agent.env?.filter((e) => e.valueFrom)).toEqual([]);
    expect(agent.envFrom ?? []).toEqual(values.envFromSecret ? [{ secretRef: { name: values.envFromSecret } }] : []);
    const forbidden = [
      ...workerSecrets(pod, worker),
      ...objects.filter((o) => o.kind === 'Secret').map((o) => o.metadata.name),
      `${FULLNAME}-bots`,
    ];
    expect(forbidden.length).toBeGreaterThan(0);
    const text = JSON.stringify(agent);
    expect(forbidden.filter((name) => text.includes(`"${name}"`))).toEqual([]);
    expect(text).not.toMatch(/REDIS|SLACK|BOTS_CONFIG|xoxb-/);
  });

  test('mounts no Secret and not the bots file', () => {
    const volumes = [...mountedVolumes(pod, agent).values()];
    expect(volumes.filter((v) => v.secret || v.projected)).toEqual([]);
    expect(volumes.filter((v) => v.configMap?.name === `${FULLNAME}-bots`)).toEqual([]);
    expect(agent.volumeMounts?.some((m) => m.mountPath === '/etc/orchestrator')).toBe(false);
  });

  test('runs as another uid than the worker', () => {
    expect(uidOf(pod, agent)).not.toBe(uidOf(pod, worker));
    expect(uidOf(pod, agent)).toBeGreaterThan(0);
  });
});
