/**
 * The NetworkPolicies, on by default. The agent shares the worker pod's
 * network, so the worker's egress is what the CLI can reach: DNS, Redis, and
 * HTTPS only to addresses outside the cluster.
 */
import { find, FULLNAME, type K8sObject, render, type RenderOptions } from './support/helm';

const SECRETS = { secrets: { SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: 'xoxb-t' } };
const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

interface Port {
  port: number | string;
  protocol: string;
}
interface Peer {
  ipBlock?: { cidr: string; except?: string[] };
  namespaceSelector?: unknown;
  podSelector?: { matchLabels?: Record<string, string> };
}
interface PolicySpec {
  ingress: { ports: Port[]; from: Peer[] }[];
  egress: { ports: Port[]; to?: Peer[] }[];
}

function policy(objects: K8sObject[], name: 'api' | 'worker' | 'redis'): PolicySpec {
  return find(objects, 'NetworkPolicy', `${FULLNAME}-${name}`).spec as PolicySpec;
}
function policies(options: RenderOptions): Record<'api' | 'worker', PolicySpec> {
  const objects = render(options);
  return { api: policy(objects, 'api'), worker: policy(objects, 'worker') };
}
const namespace = (name: string): Peer => ({
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } },
});
const ports = (rule: { ports: Port[] }): string => rule.ports.map((p) => `${p.port}/${p.protocol}`).join(',');

describe('by default', () => {
  const objects = render({ ciFiles: ['default-values.yaml'] });
  const api = policy(objects, 'api');
  const worker = policy(objects, 'worker');

  test('one NetworkPolicy each for the api, the worker and the bundled Redis', () => {
    expect(objects.filter((o) => o.kind === 'NetworkPolicy').map((o) => o.metadata.name)).toEqual([
      `${FULLNAME}-api`,
      `${FULLNAME}-worker`,
      `${FULLNAME}-redis`,
    ]);
  });

  test('the api’s port is open to the ingress controller’s and monitoring’s namespaces, the worker’s to monitoring’s', () => {
    expect(api.ingress).toEqual([
      { ports: [{ port: 'http', protocol: 'TCP' }], from: [namespace('ingress-nginx'), namespace('monitoring')] },
    ]);
    expect(worker.ingress).toEqual([{ ports: [{ port: 'http', protocol: 'TCP' }], from: [namespace('monitoring')] }]);
  });

  test('both pods reach DNS, Redis, and HTTPS outside the cluster only: not 169.254.0.0/16 nor the cluster’s ranges', () => {
    for (const spec of [api, worker]) {
      expect(spec.egress.map(ports)).toEqual(['53/UDP,53/TCP', '6379/TCP', '443/TCP']);
      expect(spec.egress[1].to).toEqual([
        {
          podSelector: { matchLabels: expect.objectContaining({ 'app.kubernetes.io/component': 'redis' }) as unknown },
        },
      ]);
      expect(spec.egress[2].to).toEqual([
        { ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.0.0/16', ...PRIVATE_RANGES] } },
      ]);
      expect(spec.egress.filter((rule) => !rule.to).map(ports)).toEqual(['53/UDP,53/TCP']);
    }
  });

  test('the bundled Redis takes connections from the app’s api and worker pods only, and calls no one', () => {
    const redis = policy(objects, 'redis');
    expect(redis.egress).toEqual([]);
    expect(redis.ingress).toEqual([
      {
        ports: [{ port: 'redis', protocol: 'TCP' }],
        from: [
          {
            podSelector: {
              matchLabels: { 'app.kubernetes.io/name': 'orchestrator', 'app.kubernetes.io/instance': 'rel' },
              matchExpressions: [{ key: 'app.kubernetes.io/component', operator: 'In', values: ['api', 'worker'] }],
            },
          },
        ],
      },
    ]);
  });
});

describe('from the values', () => {
  test('namespaces, more peers, DNS and the cluster’s ranges', () => {
    const objects = render({ ciFiles: ['monitoring-values.yaml'] });
    const api = policy(objects, 'api');
    const worker = policy(objects, 'worker');
    expect(api.ingress[0].from).toEqual([
      namespace('gateway'),
      namespace('observability'),
      { ipBlock: { cidr: '198.51.100.0/24' } },
    ]);
    expect(worker.ingress[0].from).toEqual([namespace('observability')]);
    for (const spec of [api, worker]) {
      expect(spec.egress[0].to).toEqual([
        { ...namespace('kube-system'), podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } },
      ]);
      expect(spec.egress[2].to?.[0].ipBlock?.except).toEqual(['169.254.0.0/16', '10.0.0.0/8', '100.64.0.0/10']);
    }
    expect(policy(objects, 'redis').ingress[0].from.slice(1)).toEqual([namespace('redis-exporter')]);
  });

  test('a namespace set to null is left out; with none and no peer, nothing may reach the port', () => {
    const { api, worker } = policies({
      values: { ...SECRETS, networkPolicy: { ingressNamespaceSelector: null, monitoringNamespaceSelector: null } },
    });
    expect(api.ingress).toEqual([]);
    expect(worker.ingress).toEqual([]);
  });

  test('a selector on another label replaces the default one when that is set to null', () => {
    const { api } = policies({
      values: {
        ...SECRETS,
        networkPolicy: {
          ingressNamespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': null, team: 'edge' } },
        },
      },
    });
    expect(api.ingress[0].from[0]).toEqual({ namespaceSelector: { matchLabels: { team: 'edge' } } });
  });

  test('KEDA’s operator may reach the bundled Redis when KEDA scales the workers', () => {
    const redis = policy(render({ ciFiles: ['keda-values.yaml'] }), 'redis');
    expect(redis.ingress[0].from.slice(1)).toEqual([namespace('keda')]);
  });

  test('an external Redis on its port, anywhere or where it is said to be', () => {
    const anywhere = policies({ ciFiles: ['external-redis-values.yaml'] }).worker;
    expect(anywhere.egress[1]).toEqual({ ports: [{ port: 6380, protocol: 'TCP' }] });
    const there = policies({
      ciFiles: ['external-redis-values.yaml'],
      values: { networkPolicy: { externalRedisEgressTo: [{ ipBlock: { cidr: '10.20.0.5/32' } }] } },
    }).worker;
    expect(there.egress[1].to).toEqual([{ ipBlock: { cidr: '10.20.0.5/32' } }]);
  });

  test('SSH egress, outside the cluster only, for a worker that clones over SSH', () => {
    const egress = (values: Record<string, unknown>, role: 'api' | 'worker'): PolicySpec['egress'] =>
      policies({ ciFiles: ['bundled-redis-values.yaml'], values })[role].egress;
    const worker = egress({}, 'worker');
    const ssh = worker.find((rule) => rule.ports.some((p) => p.port === 22));
    expect(ssh && ports(ssh)).toBe('443/TCP,22/TCP');
    expect(ssh?.to?.[0].ipBlock?.except).toEqual(['169.254.0.0/16', ...PRIVATE_RANGES]);
    expect(egress({}, 'api').flatMap((rule) => rule.ports.map((p) => p.port))).not.toContain(22);
    const https = egress({ workspaces: { docs: { git: { repository: 'https://example.com/docs.git' } } } }, 'worker');
    expect(https.flatMap((rule) => rule.ports.map((p) => p.port))).not.toContain(22);
  });

  test('none when networkPolicy.enabled is false', () => {
    const objects = render({ values: { ...SECRETS, networkPolicy: { enabled: false } } });
    expect(objects.filter((o) => o.kind === 'NetworkPolicy')).toEqual([]);
  });
});
