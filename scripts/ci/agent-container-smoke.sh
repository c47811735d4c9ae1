#!/usr/bin/env bash
# The worker pod as the chart lays it out, in podman, with the image build-image.sh made:
#   - a `worker` container (uid 1000) with the Slack secrets and the Redis password, and an `agent`
#     container (uid 10001, PROCESS_ROLE=runner) with neither, sharing only a socket folder through
#     the pod's fsGroup, and the network, as containers of one pod do;
#   - a Redis that wants a password, an api container and the fake Slack;
#   - a signed mention is answered by the CLI running in the agent container, as uid 10001;
#   - from inside the agent container: no process environment, file or mount holds a Slack token,
#     signing secret or the Redis password, and Redis refuses it without the password;
#   - each container stops on SIGTERM with exit code 0.
#
#   scripts/ci/agent-container-smoke.sh      (IMAGE=localhost/orchestrator:ci by default)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
use_node24

IMAGE="${IMAGE:-localhost/orchestrator:ci}"
WORKER_UID=1000
AGENT_UID=10001
FS_GROUP=2000
TOKEN=xoxb-smoke-agent-token
SIGNING_SECRET=smoke-agent-signing-secret
REDIS_PASSWORD=smoke-redis-password-7f3a
started_at=$SECONDS

podman image exists "$IMAGE" || die "no image $IMAGE: run scripts/ci/build-image.sh first"
scratch_space

redis_port="$(free_port)"
slack_port="$(free_port)"
api_port="$(free_port)"
worker_port="$(free_port)"

# The pod's volumes: the socket emptyDir (group fsGroup, setgid, as Kubernetes makes it), the
# workspace and the agent's /data, both the agent's own.
# The workspace's top folder is root's, as a volume's is, and the clone in it the agent's.
mkdir -p "$work/socket" "$work/workspace" "$work/agent-data" "$work/fake"
chgrp "$FS_GROUP" "$work/socket" && chmod 2770 "$work/socket"
chgrp "$FS_GROUP" "$work/workspace" && chmod 2775 "$work/workspace"
git -C "$work/workspace" init -q -b main
git -C "$work/workspace" -c user.name=ci -c user.email=ci@example.com commit -q --allow-empty -m smoke
chown -R "$AGENT_UID:$AGENT_UID" "$work/workspace/.git" "$work/agent-data" && chmod 0700 "$work/agent-data"
chmod g+w "$work/workspace"
cp test/fakes/claude "$work/fake/claude" && chmod 0755 "$work/fake" "$work/fake/claude"

redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --requirepass "$REDIS_PASSWORD" \
  >"$work/redis.log" 2>&1 &
pids+=($!)
node test/fakes/fake-slack-server.ts --port "$slack_port" \
  --bot "$TOKEN:U0DEMOBOT01:B0DEMOBOT01:T0DEMO0001:A0DEMO00001:smoke" >"$work/slack.log" 2>&1 &
pids+=($!)

limits=(--ulimit nofile=20000:20000 --ulimit nproc=4096:4096)
hardened=(--read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges)
run() { # name uid args...
  local name="orchestrator-agent-smoke-$1-$$" uid="$2"
  shift 2
  podman --runtime runc --log-level fatal run -d --name "$name" --network host --no-healthcheck \
    "${limits[@]}" "${hardened[@]}" --user "$uid:$uid" --group-add "$FS_GROUP" "$@" "$IMAGE" >/dev/null
  containers+=("$name")
}
service_env=(
  -e REDIS_URL="redis://:$REDIS_PASSWORD@127.0.0.1:$redis_port/0"
  -e SLACK_API_URL="http://127.0.0.1:$slack_port/api/"
  -e SLACK_SIGNING_SECRET="$SIGNING_SECRET" -e SLACK_BOT_TOKEN="$TOKEN"
  -e CLAUDE_BIN=/opt/fake/claude -e CLAUDE_WORKING_DIRECTORY=/srv/repos/smoke -e SHUTDOWN_GRACE_SECONDS=3
)
show_logs() { for c in "${containers[@]}"; do echo "--- $c"; podman logs --tail 30 "$c" 2>&1; done; }

wait_for "http://127.0.0.1:$slack_port/api/api.test" 200 20 || die "the fake Slack did not start"
run agent "$AGENT_UID" -e PROCESS_ROLE=runner -e AGENT_SOCKET=/run/agent/agent.sock -e DATA_DIR=/data \
  -e AGENT_DEDICATED_USER=true -v "$work/socket:/run/agent" -v "$work/agent-data:/data" \
  -v "$work/workspace:/srv/repos/smoke" -v "$work/fake:/opt/fake:ro"
run worker "$WORKER_UID" -e PROCESS_ROLE=worker -e PORT="$worker_port" -e AGENT_SOCKET=/run/agent/agent.sock \
  "${service_env[@]}" -v "$work/socket:/run/agent" --tmpfs /data
run api "$WORKER_UID" -e PROCESS_ROLE=api -e PORT="$api_port" "${service_env[@]}" --tmpfs /data
for port in "$api_port" "$worker_port"; do
  wait_for "http://127.0.0.1:$port/health/ready" 200 60 || { show_logs; die "port $port: not ready within 60 s"; }
done
log "ok: worker and agent containers start apart, read-only, without capabilities; the worker is ready"

SLACK_SIGNING_SECRET="$SIGNING_SECRET" PORT="$api_port" node scripts/send-mention.mjs "who runs me?" >"$work/mention.log" 2>&1 \
  || { cat "$work/mention.log"; die "the signed mention was refused"; }
deadline=$((SECONDS + 60))
until grep -q 'Fake Claude answer' "$work/slack.log"; do
  [ $SECONDS -lt $deadline ] || { show_logs; die "no answer within 60 s"; }
  sleep 0.5
done
agent="orchestrator-agent-smoke-agent-$$"
[ -n "$(find "$work/agent-data/bots/default/claude" -name '*.jsonl' -user "$AGENT_UID")" ] \
  || { show_logs; die "the CLI did not run in the agent container as uid $AGENT_UID"; }
log "ok: a signed mention was answered by the CLI in the agent container, as uid $AGENT_UID"
podman exec -e HOME=/data/home "$agent" git -C /srv/repos/smoke status --short >/dev/null \
  || die "git refuses the workspace in the agent container (its top folder is root's)"
log "ok: git works for the agent in a workspace whose top folder is root's"

# What a hostile prompt in the agent container could read: every process's environment and command
# line, what is mounted where, and every file it may open (the virtual file systems aside). The
# secrets to look for go in on standard input, so that no command line inside holds them.
looked="$(podman exec "$agent" sh -c '
  for p in /proc/[0-9]*; do tr "\0" "\n" <"$p/environ" 2>/dev/null; tr "\0" " " <"$p/cmdline" 2>/dev/null; done
  cat /proc/self/mountinfo
')" || die "could not look around inside the agent container"
for secret in "$TOKEN" "$SIGNING_SECRET" "$REDIS_PASSWORD"; do
  grep -qF -- "$secret" <<<"$looked" && { grep -F -- "$secret" <<<"$looked" | head -5; die "a process in the agent container shows a secret"; }
done
files="$(printf '%s\n' "$TOKEN" "$SIGNING_SECRET" "$REDIS_PASSWORD" | podman exec -i "$agent" sh -c \
  'grep -rIlF -f /dev/stdin / --exclude-dir=proc --exclude-dir=sys --exclude-dir=dev 2>/dev/null || true')"
[ -z "$files" ] || { echo "$files"; die "the agent container can read a file holding a secret"; }
redis_answer="$(podman exec "$agent" node -e '
  const socket = require("net").connect(Number(process.argv[1]), "127.0.0.1", () => socket.write("GET x\r\n"));
  socket.on("data", (data) => { process.stdout.write(String(data)); socket.end(); });
' "$redis_port")"
[[ "$redis_answer" == -NOAUTH* ]] || die "Redis answered the agent container without its password: $redis_answer"
log "ok: inside the agent container no environment, command line or file holds a Slack secret or the Redis password; Redis says NOAUTH"

for role in api worker agent; do
  name="orchestrator-agent-smoke-$role-$$"
  podman --log-level fatal stop -t 10 "$name" >/dev/null
  code="$(podman inspect --format '{{.State.ExitCode}}' "$name")"
  [ "$code" = 0 ] || { show_logs; die "$role: exit code $code after SIGTERM, not 0"; }
done
log "ok: api, worker and agent containers stop on SIGTERM with exit code 0"
log "agent container checks passed in $((SECONDS - started_at)) s"
