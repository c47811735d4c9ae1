/** Renders that must fail, each with a message that names the problem. */
import { renderError } from './support/helm';

const SECRETS = { secrets: { SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: 'xoxb-t' } };
const BOT = { id: 'backend', signingSecret: '${S}', token: '${T}', workingDirectory: '/srv/repos/backend' };

describe('the schema refuses', () => {
  test.each<[string, Record<string, unknown>, RegExp]>([
    ['a setting the chart makes itself', { env: { PORT: '8080' } }, /env.PORT/],
    ['a secret among the plain settings', { env: { SLACK_BOT_TOKEN: 'xoxb-leak' } }, /env.SLACK_BOT_TOKEN/],
    [
      'SHUTDOWN_GRACE_SECONDS in env (it follows worker values)',
      { env: { SHUTDOWN_GRACE_SECONDS: '60' } },
      /SHUTDOWN_GRACE_SECONDS/,
    ],
    ['an unknown top-level value', { replicas: 3 }, /[Aa]dditional propert(y|ies) '?replicas/],
    ['an unknown value of a role', { worker: { replica: 2 } }, /worker.*[Aa]dditional propert(y|ies) '?replica\b/],
    ['a count that is not a number', { api: { replicaCount: 'two' } }, /api.replicaCount/],
    [
      'a quantity Kubernetes would refuse',
      { worker: { resources: { limits: { memory: '4GB' } } } },
      /worker.resources.limits.memory/,
    ],
    ['a malformed image digest', { image: { digest: 'latest' } }, /image.digest/],
    [
      'a bot id the app would refuse',
      { bots: { bots: [{ ...BOT, id: 'Backend' }] }, workspaces: { backend: {} } },
      /bots.bots.0.id/,
    ],
    ['a bot without its token', { bots: { bots: [{ id: 'backend', signingSecret: '${S}' }] } }, /token/],
    ['a bots file without bots', { bots: { defaults: { timeoutSeconds: 60 } } }, /bots/],
    ['an external Redis without a host', { redis: { enabled: false } }, /externalRedis/],
    [
      'KEDA and CPU autoscaling of the worker together',
      { keda: { enabled: true }, worker: { autoscaling: { enabled: true } } },
      /autoscaling/,
    ],
    [
      'an ingress path that is not absolute',
      { ingress: { enabled: true, hosts: [{ host: 'a.example.com', paths: [{ path: 'webhooks' }] }] } },
      /path/,
    ],
    ['a Redis maxmemory of 0 (Redis’s “no limit”)', { redis: { maxmemory: '0' } }, /redis.maxmemory/],
    ['a failure ratio above 1', { metrics: { prometheusRule: { jobFailureRatio: 2 } } }, /jobFailureRatio/],
    ['a label value Kubernetes would refuse', { commonLabels: { team: 'platform team' } }, /commonLabels/],
    ['a workspace name that is no bot id', { workspaces: { Backend: { mountPath: '/srv' } } }, /Backend/],
    ['AGENT_SOCKET in env (the chart sets it in both containers)', { env: { AGENT_SOCKET: '/tmp/s' } }, /AGENT_SOCKET/],
    ['an agent running as root', { agent: { runAsUser: 0 } }, /agent.runAsUser/],
    [
      'a cluster range that is no IPv4 CIDR (it is an exception of 0.0.0.0/0)',
      { networkPolicy: { clusterCIDRs: ['fd00::/8'] } },
      /networkPolicy.clusterCIDRs/,
    ],
  ])('%s', (_case, values, message) => {
    const error = renderError({ values: { ...SECRETS, ...values } });
    expect(error).toMatch(/values don't meet the specifications of the schema/);
    expect(error).toMatch(message);
  });
});

describe('the templates refuse', () => {
  test.each<[string, Record<string, unknown>, RegExp]>([
    [
      'a bot whose working directory is on no volume',
      { bots: { bots: [BOT] } },
      /workingDirectory "\/srv\/repos\/backend" of bot "backend" is on no volume; add workspaces.backend/,
    ],
    [
      'a relative working directory (the bots file sits in a read-only ConfigMap)',
      { bots: 'bots:\n  - id: backend\n    signingSecret: x\n    token: y\n    workingDirectory: repos/backend\n' },
      /workingDirectory "repos\/backend" of bot "backend" must be absolute/,
    ],
    [
      'a workspace for no bot and without a mount path',
      { workspaces: { docs: { emptyDir: {} } } },
      /workspaces.docs: no bot "docs".*set workspaces.docs.mountPath/,
    ],
    [
      'a workspace with both an existing and a new claim',
      { bots: { bots: [BOT] }, workspaces: { backend: { existingClaim: 'repos', persistence: { enabled: true } } } },
      /workspaces.backend: give existingClaim or persistence.enabled, not both/,
    ],
    [
      'a worker termination period that does not outlast its drain',
      { worker: { shutdownGraceSeconds: 120, terminationGracePeriodSeconds: 100 } },
      /worker.terminationGracePeriodSeconds \(100\) must exceed the worker's drain time.* = 120 s/,
    ],
    ['a bots file that is not YAML', { bots: 'bots: [\n' }, /bots: the bots file is not valid YAML/],
    [
      'a bot time limit that is no number',
      { bots: 'bots:\n  - id: a\n    signingSecret: x\n    token: y\n    timeoutSeconds: ${T}\n' },
      /timeoutSeconds of bot "a" must be a whole number of seconds/,
    ],
    [
      'an enabled Ingress without hosts',
      { ingress: { enabled: true, hosts: [] } },
      /ingress.hosts: give at least one host/,
    ],
    [
      'KEDA with a Redis URL it cannot read',
      {
        keda: { enabled: true },
        redis: { enabled: false },
        externalRedis: { existingSecret: 'r', existingSecretUrlKey: 'url' },
      },
      /KEDA reads Redis by host and password/,
    ],
    [
      'a Redis maxmemory not below its memory limit',
      { redis: { maxmemory: '512mb' } },
      /redis.maxmemory \(512mb = 536870912 bytes\) must be below redis.resources.limits.memory \(512Mi = 536870912 bytes\)/,
    ],
    [
      'a Redis maxmemory in MiB above a limit in decimal megabytes',
      { redis: { maxmemory: '500mb', resources: { limits: { memory: '500M' } } } },
      /redis.maxmemory \(500mb = 524288000 bytes\) must be below redis.resources.limits.memory \(500M = 500000000 bytes\)/,
    ],
    [
      'a bundled Redis with neither a memory limit nor maxmemory',
      { redis: { resources: { limits: null } } },
      /redis.maxmemory: give redis.resources.limits.memory/,
    ],
    [
      'maxmemory-policy in the extra Redis config (BullMQ needs noeviction)',
      { redis: { extraConfig: 'maxmemory-policy allkeys-lru\n' } },
      /redis.extraConfig: set maxmemory with redis.maxmemory; maxmemory-policy stays noeviction/,
    ],
    [
      'an agent with the worker’s uid',
      { agent: { runAsUser: 1000 } },
      /agent.runAsUser \(1000\) must differ from the worker's uid \(1000\)/,
    ],
    [
      'a worker pod without fsGroup (the worker could not reach the agent’s socket)',
      { podSecurityContext: { fsGroup: null } },
      /podSecurityContext.fsGroup is required/,
    ],
    [
      'the chart’s Secret as the agent’s credentials',
      { agent: { envFromSecret: 'rel-orchestrator' } },
      /agent: Secret "rel-orchestrator" holds the worker's secrets/,
    ],
    [
      'the existingSecret as the agent’s credentials',
      { existingSecret: 'slack', agent: { envFromSecret: 'slack' } },
      /agent: Secret "slack" holds the worker's secrets/,
    ],
    [
      'the Redis password in the agent’s extra variables',
      {
        agent: {
          extraEnv: [
            { name: 'P', valueFrom: { secretKeyRef: { name: 'rel-orchestrator-redis', key: 'redis-password' } } },
          ],
        },
      },
      /agent: Secret "rel-orchestrator-redis" holds the worker's secrets/,
    ],
    [
      'the bots file among the agent’s extra mounts',
      { agent: { extraVolumeMounts: [{ name: 'bots', mountPath: '/etc/bots' }] } },
      /agent.extraVolumeMounts: volume "bots" is the worker's/,
    ],
  ])('%s', (_case, values, message) => {
    expect(renderError({ values: { ...SECRETS, ...values } })).toMatch(message);
  });
});
