#!/usr/bin/env bash
# Lints the Dockerfile, builds the image with buildah on the stand-in base
# (scripts/ci/build-base-image.sh) and smoke-tests it with podman:
#   - the image user is not root; no dev dependencies, sources or dot-files shipped;
#   - `claude --version` (the pinned CLI), git, rg and bash run inside;
#   - api and worker containers start with a read-only root file system, all
#     capabilities dropped and no-new-privileges, against their own Redis and
#     the repository's fake Slack; both turn ready; `podman healthcheck run` passes;
#   - a signed mention sent to the api is answered by the worker (with the fake CLI);
#   - the chart's git clone init container clones a repository, once;
#   - `podman stop -t 10` ends each container in well under 10 s, with exit code 0.
# Every failed check stops the script with a non-zero exit.
#
#   scripts/ci/build-image.sh            (IMAGE=localhost/orchestrator:ci by default)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
use_node24
apt_install buildah podman runc debootstrap redis-server curl

IMAGE="${IMAGE:-localhost/orchestrator:ci}"
STOP_LIMIT_SECONDS=5
started_at=$SECONDS

# ---- lint ---------------------------------------------------------------------
log "lint: dockerfile-utils"
npx --no-install dockerfile-utils lint Dockerfile || die "dockerfile-utils found problems in the Dockerfile"
[ -z "$(npx --no-install dockerfile-utils lint Dockerfile)" ] || die "dockerfile-utils printed warnings"
log "lint: dockerfilelint (.dockerfilelintrc)"
npx --no-install dockerfilelint Dockerfile >/tmp/dockerfilelint.$$ 2>&1 \
  || { cat /tmp/dockerfilelint.$$; rm -f /tmp/dockerfilelint.$$; die "dockerfilelint found problems"; }
rm -f /tmp/dockerfilelint.$$

# ---- build --------------------------------------------------------------------
base="$(bash scripts/ci/build-base-image.sh)"
version="$(node -p 'require("./package.json").version')"
claude_version="$(sed -n 's/^ARG CLAUDE_CODE_VERSION=//p' Dockerfile)"
[ -n "$claude_version" ] || die "no ARG CLAUDE_CODE_VERSION=<version> in the Dockerfile"
log "building $IMAGE on $base"
build_started=$SECONDS
buildah bud --quiet --format docker --pull=never --isolation chroot --network host --layers \
  --build-arg NODE_IMAGE="$base" \
  --build-arg VERSION="$version" \
  --build-arg REVISION="$(git rev-parse HEAD 2>/dev/null || echo unknown)" \
  --build-arg CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  --tag "$IMAGE" . >/dev/null || die "buildah bud failed"
log "built in $((SECONDS - build_started)) s"

# ---- static checks of the image -----------------------------------------------
inspect() { podman image inspect --format "$1" "$IMAGE"; }
limits=(--ulimit nofile=20000:20000 --ulimit nproc=4096:4096)
podman_run() { podman --runtime runc run --rm --no-healthcheck "${limits[@]}" "$@"; }
hardened=(--read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges)

user="$(inspect '{{.Config.User}}')"
case "${user%%:*}" in ""|0|root) die "the image runs as '${user}', not as the node user" ;; esac
[ "$(podman_run --entrypoint id "$IMAGE" -un)" = node ] || die "the image user is not 'node'"
log "ok: runs as $user (node)"

[ -n "$(inspect '{{.Config.Healthcheck}}')" ] && [ "$(inspect '{{.Config.Healthcheck}}')" != "<nil>" ] \
  || die "no HEALTHCHECK in the image (was it built with --format docker?)"
[ "$(inspect '{{index .Config.Labels "org.opencontainers.image.version"}}')" = "$version" ] \
  || die "OCI label org.opencontainers.image.version is not $version"
[ "$(inspect '{{json .Config.Entrypoint}}')" = '["/usr/bin/tini","--"]' ] || die "tini is not the entry point"
[ "$(inspect '{{json .Config.Cmd}}')" = '["node","dist/main.js"]' ] || die "CMD is not node dist/main.js"
log "ok: HEALTHCHECK, OCI labels, tini, node dist/main.js"

# Dev-only packages by the lock file (a dev dependency may also be a production
# one's dependency, like @types/node of @slack/web-api: that one must ship).
dev_only="$(node -p 'Object.entries(require("./package-lock.json").packages).filter(([p, v]) => p && v.dev).map(([p]) => p).join("\n")')"
[ "$(echo "$dev_only" | wc -l)" -gt 10 ] || die "found no dev-only packages in package-lock.json"
podman_run "${hardened[@]}" -e DEV_ONLY="$dev_only" --entrypoint node "$IMAGE" -e '
  const fs = require("node:fs");
  const pkg = require("/app/package.json");
  const problems = [];
  for (const path of process.env.DEV_ONLY.split("\n"))
    if (fs.existsSync(`/app/${path}`)) problems.push(`dev-only package shipped: ${path}`);
  for (const dep of Object.keys(pkg.dependencies ?? {}))
    if (!fs.existsSync(`/app/node_modules/${dep}`)) problems.push(`dependency missing: ${dep}`);
  const top = fs.readdirSync("/app").sort().join(" ");
  if (top !== "dist node_modules package.json") problems.push(`/app holds ${top}`);
  const walk = (dir) => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(`${dir}/${e.name}`) : [`${dir}/${e.name}`]);
  for (const file of walk("/app/dist"))
    if (/\.ts$|\.spec\.js$|\.e2e-spec\.js$/.test(file)) problems.push(`source or test shipped: ${file}`);
  for (const dir of ["/app", "/home/node", "/data"])
    for (const name of fs.readdirSync(dir))
      if (/^\.(env|npmrc|git|ssh)/.test(name)) problems.push(`dot-file shipped: ${dir}/${name}`);
  if (problems.length) { console.error(problems.join("\n")); process.exit(1); }
' || die "the image ships what it should not (above)"
log "ok: production dependencies only, no sources, tests or dot-files"

cli="$(podman_run "${hardened[@]}" "$IMAGE" claude --version)" || die "claude --version failed in the image"
[[ "$cli" == "$claude_version"* ]] || die "claude --version printed '$cli', not $claude_version"
podman_run "${hardened[@]}" "$IMAGE" sh -c 'git --version && rg --version | head -1 && bash --version | head -1' >/dev/null \
  || die "git, rg or bash missing in the image"
log "ok: $cli; git, rg and bash run as node with a read-only root"

scratch_space

# ---- the chart's git clone init container, run in this image ------------------
helm="$(bash scripts/ci/fetch-helm.sh v4)"
mkdir -p "$work/origin" "$work/ws" "$work/helm"
git -C "$work/origin" init -q -b main
echo "smoke" >"$work/origin/README.md"
git -C "$work/origin" add README.md
git -C "$work/origin" -c user.name=ci -c user.email=ci@example.com commit -q -m smoke
# The chart clones as the agent (agent.runAsUser), which must own what it edits.
chown -R 10001:10001 "$work/origin" "$work/ws"
cat >"$work/values.yaml" <<'VALUES'
secrets: { S: s, T: t }
bots:
  bots:
    - { id: smoke, signingSecret: "${S}", token: "${T}", workingDirectory: /srv/repos/smoke }
workspaces:
  smoke:
    git: { repository: "file:///origin", ref: main }
VALUES
HELM_CACHE_HOME="$work/helm" HELM_CONFIG_HOME="$work/helm" HELM_DATA_HOME="$work/helm" \
  "$helm" template rel helm/orchestrator --values "$work/values.yaml" \
  --show-only templates/worker/deployment.yaml >"$work/worker.yaml"
node -e '
  const { parse } = require("yaml");
  const fs = require("node:fs");
  const pod = parse(fs.readFileSync(process.argv[1], "utf8")).spec.template.spec;
  const init = pod.initContainers.find((c) => c.name === "clone-smoke");
  fs.writeFileSync(process.argv[2], init.args[0]);
  fs.writeFileSync(process.argv[3], init.env.map((e) => `${e.name}=${e.value}`).join("\n") + "\n");
' "$work/worker.yaml" "$work/clone.sh" "$work/clone.env"
clone() {
  podman_run "${hardened[@]}" --user 10001:10001 --env-file "$work/clone.env" \
    -v "$work/origin:/origin:ro" -v "$work/ws:/workspace" -v "$work/clone.sh:/clone.sh:ro" \
    --entrypoint /bin/bash "$IMAGE" /clone.sh
}
clone >"$work/clone.log" 2>&1 || { cat "$work/clone.log"; die "the chart's clone init container failed"; }
[ "$(cat "$work/ws/README.md" 2>/dev/null)" = smoke ] && [ -d "$work/ws/.git" ] \
  || { cat "$work/clone.log"; die "the clone init container did not clone into the workspace"; }
clone >"$work/clone.log" 2>&1 && grep -q "already cloned" "$work/clone.log" \
  || { cat "$work/clone.log"; die "the clone init container did not leave an existing clone alone"; }
log "ok: the chart's clone init container clones as the agent's uid with a read-only root, and only once"

# ---- run both roles -----------------------------------------------------------

redis_port="$(free_port)"
slack_port="$(free_port)"
api_port="$(free_port)"
worker_port="$(free_port)"

redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >"$work/redis.log" 2>&1 &
pids+=($!)
node test/fakes/fake-slack-server.ts --port "$slack_port" \
  --bot xoxb-smoke-token:U0DEMOBOT01:B0DEMOBOT01:T0DEMO0001:A0DEMO00001:smoke >"$work/slack.log" 2>&1 &
pids+=($!)


start_role() { # role port
  local name="orchestrator-smoke-$1-$$"
  # --log-level fatal: without systemd, podman logs an error for the health
  # check timer it cannot create; `podman healthcheck run` below runs the check.
  podman --runtime runc --log-level fatal run -d --name "$name" --network host \
    "${limits[@]}" "${hardened[@]}" \
    -e PROCESS_ROLE="$1" -e PORT="$2" \
    -e REDIS_URL="redis://127.0.0.1:$redis_port/0" \
    -e SLACK_API_URL="http://127.0.0.1:$slack_port/api/" \
    -e SLACK_SIGNING_SECRET=smoke-signing-secret -e SLACK_BOT_TOKEN=xoxb-smoke-token \
    -e CLAUDE_BIN=/opt/fake/claude -e CLAUDE_WORKING_DIRECTORY=/tmp \
    -e SHUTDOWN_GRACE_SECONDS=3 \
    -v "$REPO_ROOT/test/fakes/claude:/opt/fake/claude:ro" \
    "$IMAGE" >/dev/null
  containers+=("$name")
}
show_logs() { for c in "${containers[@]}"; do echo "--- $c"; podman logs --tail 30 "$c" 2>&1; done; echo "--- fake Slack"; tail -20 "$work/slack.log"; }

wait_for "http://127.0.0.1:$slack_port/api/api.test" 200 20 || { show_logs; die "the fake Slack did not start"; }
start_role api "$api_port"
start_role worker "$worker_port"
for target in "api:$api_port" "worker:$worker_port"; do
  role="${target%%:*}" port="${target##*:}"
  wait_for "http://127.0.0.1:$port/health/live" 200 60 || { show_logs; die "$role: /health/live is not 200 within 60 s"; }
  wait_for "http://127.0.0.1:$port/health/ready" 200 60 || { show_logs; die "$role: /health/ready is not 200 within 60 s"; }
  # Whole answers first: `curl | grep -q` fails under pipefail when grep stops reading early.
  health="$(curl -fsS "http://127.0.0.1:$port/health")" || die "$role: /health failed"
  [[ "$health" == *"\"role\":\"$role\""* ]] || die "$role: /health does not say role $role: $health"
  metrics="$(curl -fsS "http://127.0.0.1:$port/metrics")" || die "$role: /metrics failed"
  grep -q '^# HELP ' <<<"$metrics" || die "$role: /metrics is not a Prometheus exposition"
  podman healthcheck run "orchestrator-smoke-$role-$$" >/dev/null || { show_logs; die "$role: podman healthcheck run failed"; }
  log "ok: $role starts read-only with no capabilities, is live and ready, health check passes"
done

SLACK_SIGNING_SECRET=smoke-signing-secret PORT="$api_port" node scripts/send-mention.mjs "smoke test" >"$work/mention.log" 2>&1 \
  || { cat "$work/mention.log"; die "the signed mention was refused"; }
grep -q '^HTTP 200' "$work/mention.log" || { cat "$work/mention.log"; die "the api did not answer the mention with 200"; }
deadline=$((SECONDS + 60))
until grep -q '^orchestrator_jobs_total{.*outcome="succeeded".*} [1-9]' <<<"$(curl -fsS "http://127.0.0.1:$worker_port/metrics" || true)"; do
  [ $SECONDS -lt $deadline ] || { show_logs; die "the worker did not finish the mention's job within 60 s"; }
  sleep 0.5
done
grep -q 'chat.postMessage' "$work/slack.log" || { show_logs; die "the worker posted no answer to Slack"; }
log "ok: a signed mention to the api was answered by the worker"

for role in api worker; do
  name="orchestrator-smoke-$role-$$"
  stop_started=$(date +%s%N)
  podman --log-level fatal stop -t 10 "$name" >/dev/null
  elapsed_ms=$((($(date +%s%N) - stop_started) / 1000000))
  code="$(podman inspect --format '{{.State.ExitCode}}' "$name")"
  [ "$elapsed_ms" -lt $((STOP_LIMIT_SECONDS * 1000)) ] || { show_logs; die "$role: podman stop -t 10 took ${elapsed_ms} ms"; }
  [ "$code" = 0 ] || { show_logs; die "$role: exit code $code after SIGTERM, not 0"; }
  log "ok: $role stops on SIGTERM in ${elapsed_ms} ms with exit code 0"
done

size="$(inspect '{{.Size}}')"
log "image $IMAGE: $((size / 1000000)) MB ($(inspect '{{.Id}}' | cut -c1-12)); claude $claude_version"
log "all image checks passed in $((SECONDS - started_at)) s"
