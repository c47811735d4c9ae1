{{/*
Chart name, truncated to the 63 characters a label value may hold.
*/}}
{{- define "orchestrator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name of the release's objects. Suffixes of up to 18 characters
("-worker-metrics", "-redis-headless") are added to it, so it stays within 45.
*/}}
{{- define "orchestrator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 45 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 45 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 45 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "orchestrator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Standard labels. Call with (dict "ctx" $ "component" "api").
*/}}
{{- define "orchestrator.labels" -}}
helm.sh/chart: {{ include "orchestrator.chart" .ctx }}
{{ include "orchestrator.selectorLabels" . }}
{{- with .ctx.Chart.AppVersion }}
app.kubernetes.io/version: {{ . | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: {{ include "orchestrator.name" .ctx }}
{{- with .ctx.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Selector labels. Call with (dict "ctx" $ "component" "api"); component may be empty.
*/}}
{{- define "orchestrator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "orchestrator.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{- end }}

{{/*
metadata.annotations from commonAnnotations and more. Call with (dict "ctx" $ "extra" map).
*/}}
{{- define "orchestrator.annotations" -}}
{{- $all := merge (deepCopy (default dict .extra)) (deepCopy (default dict .ctx.Values.commonAnnotations)) }}
{{- with $all }}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{- define "orchestrator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "orchestrator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
An image reference from {repository, tag, digest}; call with (dict "image" … "default" tag).
*/}}
{{- define "orchestrator.imageRef" -}}
{{- if .image.digest }}
{{- printf "%s@%s" .image.repository .image.digest }}
{{- else }}
{{- printf "%s:%s" .image.repository (default .default .image.tag | toString) }}
{{- end }}
{{- end }}

{{- define "orchestrator.image" -}}
{{- include "orchestrator.imageRef" (dict "image" .Values.image "default" .Chart.AppVersion) }}
{{- end }}

{{- define "orchestrator.secretName" -}}
{{- default (include "orchestrator.fullname" .) .Values.existingSecret }}
{{- end }}

{{/*
The bots file as a map: values, or the string given with --set-file parsed.
Empty map without bots.
*/}}
{{- define "orchestrator.botsMap" -}}
{{- if kindIs "string" .Values.bots }}
{{- $parsed := fromYaml .Values.bots }}
{{- if hasKey $parsed "Error" }}
{{- fail (printf "bots: the bots file is not valid YAML: %s" (get $parsed "Error")) }}
{{- end }}
{{- toYaml $parsed }}
{{- else }}
{{- toYaml (default dict .Values.bots) }}
{{- end }}
{{- end }}

{{- define "orchestrator.hasBots" -}}
{{- if .Values.bots }}true{{ end }}
{{- end }}

{{- define "orchestrator.botsDir" -}}
/etc/orchestrator
{{- end }}

{{/*
Every bot as {id, workingDirectory, timeoutSeconds}, as YAML {bots: [...]};
without a bots file one bot "default" from env.CLAUDE_WORKING_DIRECTORY.
*/}}
{{- define "orchestrator.botList" -}}
{{- $list := list }}
{{- if include "orchestrator.hasBots" . }}
{{- $file := include "orchestrator.botsMap" . | fromYaml }}
{{- $defaults := default dict $file.defaults }}
{{- range $bot := default list $file.bots }}
{{- $timeout := coalesce $bot.timeoutSeconds $defaults.timeoutSeconds }}
{{- $list = append $list (dict "id" (toString $bot.id) "workingDirectory" (toString (default "" $bot.workingDirectory)) "timeoutSeconds" $timeout) }}
{{- end }}
{{- else }}
{{- $list = append $list (dict "id" "default" "workingDirectory" (toString (default "" .Values.env.CLAUDE_WORKING_DIRECTORY)) "timeoutSeconds" nil) }}
{{- end }}
{{- toYaml (dict "bots" $list) }}
{{- end }}

{{/*
The longest job time limit in seconds: JOB_TIMEOUT_SECONDS (default 900) and
every bot's timeoutSeconds (or the bots file's default).
*/}}
{{- define "orchestrator.maxJobTimeoutSeconds" -}}
{{- $max := int (default "900" .Values.env.JOB_TIMEOUT_SECONDS | toString) }}
{{- range (include "orchestrator.botList" . | fromYaml).bots }}
{{- if not (kindIs "invalid" .timeoutSeconds) }}
{{- $t := .timeoutSeconds | toString }}
{{- if not (regexMatch "^[0-9]+$" $t) }}
{{- fail (printf "bots: timeoutSeconds of bot %q must be a whole number of seconds, not %q" .id $t) }}
{{- end }}
{{- $max = max $max (int $t) }}
{{- end }}
{{- end }}
{{- $max }}
{{- end }}

{{/*
SHUTDOWN_GRACE_SECONDS of the worker: worker.shutdownGraceSeconds, or the
longest job time limit.
*/}}
{{- define "orchestrator.shutdownGraceSeconds" -}}
{{- if kindIs "invalid" .Values.worker.shutdownGraceSeconds }}
{{- include "orchestrator.maxJobTimeoutSeconds" . }}
{{- else }}
{{- int .Values.worker.shutdownGraceSeconds }}
{{- end }}
{{- end }}

{{/*
terminationGracePeriodSeconds of the worker:
  drain  = min(SHUTDOWN_GRACE_SECONDS, longest job time limit)
           (a job never runs past its limit, so waiting longer is useless)
  period = drain + worker.terminationMarginSeconds, unless set; a set value
           must exceed drain, or Kubernetes kills jobs still allowed to finish.
*/}}
{{- define "orchestrator.workerTerminationGracePeriodSeconds" -}}
{{- $drain := min (int (include "orchestrator.shutdownGraceSeconds" .)) (int (include "orchestrator.maxJobTimeoutSeconds" .)) }}
{{- $period := .Values.worker.terminationGracePeriodSeconds }}
{{- if kindIs "invalid" $period }}
{{- add $drain (int .Values.worker.terminationMarginSeconds) }}
{{- else if le (int $period) $drain }}
{{- fail (printf "worker.terminationGracePeriodSeconds (%d) must exceed the worker's drain time, min(SHUTDOWN_GRACE_SECONDS, longest job time limit) = %d s" (int $period) $drain) }}
{{- else }}
{{- int $period }}
{{- end }}
{{- end }}

{{/*
Workspaces resolved against the bots: YAML {workspaces: [{name, bot, volumeName,
mountPath, subPath, spec}]}, sorted by name. Fails when a workspace has no
mount path, or a bot's working directory is on no workspace.
*/}}
{{- define "orchestrator.workspaces" -}}
{{- $bots := (include "orchestrator.botList" . | fromYaml).bots }}
{{- $dirs := dict }}
{{- range $bots }}{{ $_ := set $dirs .id .workingDirectory }}{{ end }}
{{- $out := list }}
{{- range $name := keys .Values.workspaces | sortAlpha }}
{{- $ws := get $.Values.workspaces $name }}
{{- $mountPath := default (get $dirs $name) $ws.mountPath }}
{{- if not $mountPath }}
{{- fail (printf "workspaces.%s: no bot %q with a workingDirectory; set workspaces.%s.mountPath" $name $name $name) }}
{{- end }}
{{- if not (hasPrefix "/" $mountPath) }}
{{- fail (printf "workspaces.%s: mount path %q must be absolute" $name $mountPath) }}
{{- end }}
{{- $sources := 0 }}
{{- if $ws.existingClaim }}{{ $sources = add1 $sources }}{{ end }}
{{- if and $ws.persistence $ws.persistence.enabled }}{{ $sources = add1 $sources }}{{ end }}
{{- if gt $sources 1 }}
{{- fail (printf "workspaces.%s: give existingClaim or persistence.enabled, not both" $name) }}
{{- end }}
{{- $out = append $out (dict "name" $name "volumeName" (printf "ws-%s" $name | trunc 63 | trimSuffix "-") "mountPath" $mountPath "subPath" (default "" $ws.subPath) "spec" $ws) }}
{{- end }}
{{- range $bots }}
{{- $dir := .workingDirectory }}
{{- if $dir }}
{{- if not (hasPrefix "/" $dir) }}
{{- fail (printf "bots: workingDirectory %q of bot %q must be absolute (the bots file's folder is a read-only ConfigMap)" $dir .id) }}
{{- end }}
{{- $covered := false }}
{{- range $out }}
{{- if or (eq $dir .mountPath) (hasPrefix (printf "%s/" (trimSuffix "/" .mountPath)) $dir) }}{{ $covered = true }}{{ end }}
{{- end }}
{{- if not $covered }}
{{- fail (printf "bots: workingDirectory %q of bot %q is on no volume; add workspaces.%s (an existing claim, a new claim or an emptyDir with an optional git clone)" $dir .id .id) }}
{{- end }}
{{- end }}
{{- end }}
{{- toYaml (dict "workspaces" $out) }}
{{- end }}

{{- define "orchestrator.workspaceClaimName" -}}
{{- printf "%s-ws-%s" (include "orchestrator.fullname" .ctx) .name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
True when some workspace clones over SSH (the NetworkPolicy then allows port 22).
*/}}
{{- define "orchestrator.gitOverSsh" -}}
{{- range $name, $ws := .Values.workspaces }}
{{- if and $ws.git $ws.git.repository (regexMatch "^(ssh://|[A-Za-z0-9._-]+@[^:/]+:)" $ws.git.repository) }}true{{ end }}
{{- end }}
{{- end }}

{{/*
An environment value as a string. Helm reads every number in values as a
float, and 1000000 would print as 1e+06.
*/}}
{{- define "orchestrator.envValue" -}}
{{- if and (kindIs "float64" .) (eq . (floor .)) }}
{{- int64 . }}
{{- else }}
{{- . }}
{{- end }}
{{- end }}

{{/* ---- Redis ---------------------------------------------------------- */}}

{{- define "orchestrator.redis.fullname" -}}
{{- printf "%s-redis" (include "orchestrator.fullname" .) }}
{{- end }}

{{- define "orchestrator.redis.image" -}}
{{- include "orchestrator.imageRef" (dict "image" .Values.redis.image "default" "latest") }}
{{- end }}

{{/*
A Kubernetes memory quantity in bytes. Call with (dict "q" quantity "name"
value's name): 512Mi, 1Gi, 500M, 1.5G, 536870912, 1e9.
*/}}
{{- define "orchestrator.quantityBytes" -}}
{{- $q := toString .q }}
{{- $suffixes := "(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)" }}
{{- if not (regexMatch (printf "^[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?%s?$" $suffixes) $q) }}
{{- fail (printf "%s: %q is not a memory quantity the chart can compare (such as 512Mi or 1G)" .name $q) }}
{{- end }}
{{- $number := regexReplaceAll (printf "%s$" $suffixes) $q "" }}
{{- $units := dict "" 1 "k" 1000 "M" 1000000 "G" 1000000000 "T" 1000000000000 "P" 1000000000000000 "E" 1000000000000000000 "Ki" 1024 "Mi" 1048576 "Gi" 1073741824 "Ti" 1099511627776 "Pi" 1125899906842624 "Ei" 1152921504606846976 }}
{{- int64 (floor (mulf (float64 $number) (get $units (trimPrefix $number $q)))) }}
{{- end }}

{{/*
A redis.conf memory size in bytes: 400mb (MiB), 400m (10^6), 1gb, 1g, 1kb, 1k, bytes.
*/}}
{{- define "orchestrator.redis.memoryBytes" -}}
{{- $m := lower (toString .) }}
{{- $number := regexReplaceAll "[a-z]+$" $m "" }}
{{- $units := dict "" 1 "b" 1 "k" 1000 "kb" 1024 "m" 1000000 "mb" 1048576 "g" 1000000000 "gb" 1073741824 }}
{{- mul (int64 $number) (get $units (trimPrefix $number $m)) }}
{{- end }}

{{/*
maxmemory of the bundled Redis: redis.maxmemory, or 80 % of the container's
memory limit in whole mb. Either way below that limit, with room for what
maxmemory does not count (buffers, fragmentation, the append-only file's
rewrite), so that a full Redis refuses writes (noeviction) instead of being
OOM-killed.
*/}}
{{- define "orchestrator.redis.maxmemory" -}}
{{- $redis := .Values.redis }}
{{- $limit := dig "limits" "memory" "" (default dict $redis.resources) }}
{{- $limitBytes := 0 }}
{{- if $limit }}
{{- $limitBytes = int64 (include "orchestrator.quantityBytes" (dict "q" $limit "name" "redis.resources.limits.memory")) }}
{{- end }}
{{- if regexMatch "(?mi)^\\s*maxmemory(-policy)?\\s" (default "" $redis.extraConfig) }}
{{- fail "redis.extraConfig: set maxmemory with redis.maxmemory; maxmemory-policy stays noeviction, or BullMQ loses jobs" }}
{{- end }}
{{- if $redis.maxmemory }}
{{- $bytes := int64 (include "orchestrator.redis.memoryBytes" $redis.maxmemory) }}
{{- if le $bytes 0 }}
{{- fail (printf "redis.maxmemory %q: 0 would mean no limit" $redis.maxmemory) }}
{{- end }}
{{- if and $limitBytes (ge $bytes $limitBytes) }}
{{- fail (printf "redis.maxmemory (%s = %d bytes) must be below redis.resources.limits.memory (%s = %d bytes), or Redis is OOM-killed before it refuses writes; leave it empty for 80 %% of the limit" $redis.maxmemory $bytes (toString $limit) $limitBytes) }}
{{- end }}
{{- $redis.maxmemory }}
{{- else }}
{{- if not $limitBytes }}
{{- fail "redis.maxmemory: give redis.resources.limits.memory (maxmemory is then 80 % of it) or a maxmemory of your own" }}
{{- end }}
{{- $mb := div (mul $limitBytes 8) (mul 10 1048576) }}
{{- if lt $mb 1 }}
{{- fail (printf "redis.resources.limits.memory (%s) is too small for Redis" (toString $limit)) }}
{{- end }}
{{- printf "%dmb" $mb }}
{{- end }}
{{- end }}

{{/*
Secret and key of the Redis password; empty secret name when there is none.
*/}}
{{- define "orchestrator.redis.passwordSecretName" -}}
{{- if .Values.redis.enabled }}
{{- default (include "orchestrator.redis.fullname" .) .Values.redis.auth.existingSecret }}
{{- else if not .Values.externalRedis.existingSecretUrlKey }}
{{- .Values.externalRedis.existingSecret }}
{{- end }}
{{- end }}

{{- define "orchestrator.redis.passwordSecretKey" -}}
{{- if .Values.redis.enabled }}
{{- .Values.redis.auth.existingSecretPasswordKey }}
{{- else }}
{{- .Values.externalRedis.existingSecretPasswordKey }}
{{- end }}
{{- end }}

{{- define "orchestrator.redis.host" -}}
{{- if .Values.redis.enabled }}
{{- printf "%s.%s.svc" (include "orchestrator.redis.fullname" .) .Release.Namespace }}
{{- else }}
{{- required "externalRedis.host is required when redis.enabled is false" .Values.externalRedis.host }}
{{- end }}
{{- end }}

{{- define "orchestrator.redis.port" -}}
{{- if .Values.redis.enabled }}6379{{ else }}{{ int .Values.externalRedis.port }}{{ end }}
{{- end }}

{{- define "orchestrator.redis.database" -}}
{{- if .Values.redis.enabled }}0{{ else }}{{ int .Values.externalRedis.database }}{{ end }}
{{- end }}

{{- define "orchestrator.redis.tls" -}}
{{- if and (not .Values.redis.enabled) .Values.externalRedis.tls }}true{{ end }}
{{- end }}

{{/*
REDIS_PASSWORD and REDIS_URL, in that order: Kubernetes expands $(REDIS_PASSWORD)
in the URL from the variable defined before it.
*/}}
{{- define "orchestrator.redisEnv" -}}
{{- if and (not .Values.redis.enabled) .Values.externalRedis.existingSecretUrlKey }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ required "externalRedis.existingSecret is required with externalRedis.existingSecretUrlKey" .Values.externalRedis.existingSecret }}
      key: {{ .Values.externalRedis.existingSecretUrlKey }}
{{- else }}
{{- $secret := include "orchestrator.redis.passwordSecretName" . }}
{{- $user := "" }}
{{- if not .Values.redis.enabled }}{{ $user = .Values.externalRedis.username }}{{ end }}
{{- if $secret }}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ include "orchestrator.redis.passwordSecretKey" . }}
{{- end }}
- name: REDIS_URL
  value: {{ printf "%s://%s%s:%s/%s" (ternary "rediss" "redis" (eq (include "orchestrator.redis.tls" .) "true")) (ternary (printf "%s:$(REDIS_PASSWORD)@" $user) (ternary (printf "%s@" $user) "" (ne $user "")) (ne $secret "")) (include "orchestrator.redis.host" .) (include "orchestrator.redis.port" .) (include "orchestrator.redis.database" .) | quote }}
{{- end }}
{{- end }}

{{/* ---- Pods ------------------------------------------------------------ */}}

{{/*
Annotations of the api and worker pod templates: a change of configuration or
secrets rolls the pods.
*/}}
{{- define "orchestrator.podAnnotations" -}}
checksum/config: {{ include (print .ctx.Template.BasePath "/configmap.yaml") .ctx | sha256sum }}
checksum/secret: {{ include (print .ctx.Template.BasePath "/secret.yaml") .ctx | sha256sum }}
{{- if .ctx.Values.redis.enabled }}
checksum/redis-secret: {{ include (print .ctx.Template.BasePath "/redis/secret.yaml") .ctx | sha256sum }}
{{- end }}
{{- with .extra }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Environment shared by both roles: envFrom the ConfigMap and the Secret, then
the Redis variables.
*/}}
{{- define "orchestrator.envFrom" -}}
- configMapRef:
    name: {{ include "orchestrator.fullname" . }}
- secretRef:
    name: {{ include "orchestrator.secretName" . }}
{{- end }}

{{/*
The worker reaches the agent over this Unix socket, on an emptyDir both
containers mount at its folder.
*/}}
{{- define "orchestrator.agentSocketDir" -}}
/run/agent
{{- end }}

{{- define "orchestrator.agentSocket" -}}
{{- printf "%s/agent.sock" (include "orchestrator.agentSocketDir" .) }}
{{- end }}

{{/*
uid of the worker container (the agent must run as another one).
*/}}
{{- define "orchestrator.workerUid" -}}
{{- int (coalesce .Values.containerSecurityContext.runAsUser .Values.podSecurityContext.runAsUser 0) }}
{{- end }}

{{/*
Security context of the agent container and of the workspaces' clones: the
shared one, as agent.runAsUser (uid and primary group). The pod's fsGroup
stays a supplementary group of every container: through it the worker
connects to the socket the agent creates (mode 0660 in a setgid folder).
*/}}
{{- define "orchestrator.agentSecurityContext" -}}
{{- $uid := int .Values.agent.runAsUser }}
{{- toYaml (merge (dict "runAsUser" $uid "runAsGroup" $uid "runAsNonRoot" true) (deepCopy .Values.containerSecurityContext)) }}
{{- end }}

{{/*
Refuses values that would hand the agent the worker's identity or secrets.
*/}}
{{- define "orchestrator.agentChecks" -}}
{{- $uid := int .Values.agent.runAsUser }}
{{- $worker := int (include "orchestrator.workerUid" .) }}
{{- if eq $uid $worker }}
{{- fail (printf "agent.runAsUser (%d) must differ from the worker's uid (%d): the agent runs the CLI as another user" $uid $worker) }}
{{- end }}
{{- if not .Values.podSecurityContext.fsGroup }}
{{- fail "podSecurityContext.fsGroup is required: the worker reaches the agent's socket, and the agent its workspaces, through that group" }}
{{- end }}
{{- $forbidden := list (include "orchestrator.secretName" .) }}
{{- with include "orchestrator.redis.passwordSecretName" . }}{{ $forbidden = append $forbidden . }}{{ end }}
{{- if and (not .Values.redis.enabled) .Values.externalRedis.existingSecret }}{{ $forbidden = append $forbidden .Values.externalRedis.existingSecret }}{{ end }}
{{- range .Values.workspaces }}
{{- if and .git .git.existingSecret }}{{ $forbidden = append $forbidden .git.existingSecret }}{{ end }}
{{- end }}
{{- $refs := list }}
{{- with .Values.agent.envFromSecret }}{{ $refs = append $refs . }}{{ end }}
{{- range .Values.agent.extraEnv }}
{{- if and .valueFrom .valueFrom.secretKeyRef }}{{ $refs = append $refs .valueFrom.secretKeyRef.name }}{{ end }}
{{- end }}
{{- range $refs }}
{{- if has . $forbidden }}
{{- fail (printf "agent: Secret %q holds the worker's secrets (Slack, Redis or git credentials); give the agent a Secret with its own credentials only" .) }}
{{- end }}
{{- end }}
{{- range .Values.agent.extraVolumeMounts }}
{{- if or (has .name (list "tmp" "data" "bots" "clone-tmp")) (hasSuffix "-git-auth" .name) }}
{{- fail (printf "agent.extraVolumeMounts: volume %q is the worker's (its scratch, the bots file or git credentials), not for the agent" .name) }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Volume mounts of a container. Call with (dict "ctx" $ "role" "api"|"worker"|"agent").
  api     an empty folder at each working directory: it only checks that the
          folder exists, and must not hold a worker's ReadWriteOnce claim;
  worker  the bots file and the agent's socket; no workspace, no CLI state;
  agent   the workspaces, the CLI's state (DATA_DIR) and the socket: its own
          /tmp and /data, nothing of the worker's.
*/}}
{{- define "orchestrator.volumeMounts" -}}
{{- if eq .role "agent" }}
- name: agent-tmp
  mountPath: /tmp
- name: agent-data
  mountPath: /data
- name: agent-socket
  mountPath: {{ include "orchestrator.agentSocketDir" .ctx }}
{{- range (include "orchestrator.workspaces" .ctx | fromYaml).workspaces }}
- name: {{ .volumeName }}
  mountPath: {{ .mountPath }}
  {{- if .subPath }}
  subPath: {{ .subPath }}
  {{- end }}
{{- end }}
{{- else }}
- name: tmp
  mountPath: /tmp
- name: data
  mountPath: /data
{{- if include "orchestrator.hasBots" .ctx }}
- name: bots
  mountPath: {{ include "orchestrator.botsDir" .ctx }}
  readOnly: true
{{- end }}
{{- if eq .role "api" }}
{{- range (include "orchestrator.botList" .ctx | fromYaml).bots }}
{{- if .workingDirectory }}
- name: workdirs
  mountPath: {{ .workingDirectory }}
  subPath: {{ .id }}
  readOnly: true
{{- end }}
{{- end }}
{{- else }}
- name: agent-socket
  mountPath: {{ include "orchestrator.agentSocketDir" .ctx }}
{{- end }}
{{- end }}
{{- end }}

{{- define "orchestrator.dataVolume" -}}
emptyDir:
  {{- with .medium }}
  medium: {{ . }}
  {{- end }}
  {{- with .sizeLimit }}
  sizeLimit: {{ . }}
  {{- end }}
{{- end }}

{{/*
Volumes of a pod. Call with (dict "ctx" $ "role" "api"|"worker"); the worker
pod's include the agent container's.
*/}}
{{- define "orchestrator.volumes" -}}
{{- $ctx := .ctx }}
- name: tmp
  emptyDir:
    sizeLimit: {{ $ctx.Values.tmpSizeLimit }}
- name: data
  {{- include "orchestrator.dataVolume" $ctx.Values.data | nindent 2 }}
{{- if include "orchestrator.hasBots" $ctx }}
- name: bots
  configMap:
    name: {{ include "orchestrator.fullname" $ctx }}-bots
{{- end }}
{{- if eq .role "api" }}
{{- /* Validates the workspaces for the api too, so both roles fail alike. */}}
{{- $_ := include "orchestrator.workspaces" $ctx }}
{{- if include "orchestrator.apiWorkdirs" $ctx }}
- name: workdirs
  emptyDir:
    sizeLimit: 1Mi
{{- end }}
{{- else }}
- name: agent-socket
  emptyDir:
    medium: Memory
    sizeLimit: 1Mi
- name: agent-tmp
  emptyDir:
    sizeLimit: {{ $ctx.Values.tmpSizeLimit }}
- name: agent-data
  {{- include "orchestrator.dataVolume" $ctx.Values.data | nindent 2 }}
{{- if include "orchestrator.gitInitContainers" $ctx }}
{{- /* The clones' HOME and SSH key: in memory, mounted in no other container. */}}
- name: clone-tmp
  emptyDir:
    medium: Memory
    sizeLimit: 8Mi
{{- end }}
{{- range (include "orchestrator.workspaces" $ctx | fromYaml).workspaces }}
- name: {{ .volumeName }}
  {{- if .spec.existingClaim }}
  persistentVolumeClaim:
    claimName: {{ .spec.existingClaim }}
  {{- else if and .spec.persistence .spec.persistence.enabled }}
  persistentVolumeClaim:
    claimName: {{ include "orchestrator.workspaceClaimName" (dict "ctx" $ctx "name" .name) }}
  {{- else }}
  emptyDir:
    {{- with .spec.emptyDir }}
    {{- toYaml . | nindent 4 }}
    {{- else }}
    {}
    {{- end }}
  {{- end }}
{{- if and .spec.git .spec.git.repository .spec.git.existingSecret }}
- name: {{ .volumeName | trunc 52 | trimSuffix "-" }}-git-auth
  secret:
    secretName: {{ .spec.git.existingSecret }}
    defaultMode: 0440
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/*
"true" when some bot has a working directory (the api then mounts empty folders).
*/}}
{{- define "orchestrator.apiWorkdirs" -}}
{{- range (include "orchestrator.botList" . | fromYaml).bots }}{{ if .workingDirectory }}true{{ end }}{{ end }}
{{- end }}

{{/*
Init containers of the worker: one git clone per workspace with a repository.
The clone runs only when the volume holds no .git yet, so a claim keeps its
work across restarts. It runs as the agent's uid: the agent edits the files,
and git refuses to work in a repository another user owns.
*/}}
{{- define "orchestrator.gitInitContainers" -}}
{{- $ctx := . }}
{{- range (include "orchestrator.workspaces" $ctx | fromYaml).workspaces }}
{{- if and .spec.git .spec.git.repository }}
{{- $auth := printf "%s-git-auth" (.volumeName | trunc 52 | trimSuffix "-") }}
- name: {{ printf "clone-%s" .name | trunc 63 | trimSuffix "-" }}
  image: {{ include "orchestrator.image" $ctx | quote }}
  imagePullPolicy: {{ $ctx.Values.image.pullPolicy }}
  securityContext:
    {{- include "orchestrator.agentSecurityContext" $ctx | nindent 4 }}
  command: ["/bin/bash", "-c"]
  args:
    - |
      set -euo pipefail
      dest=/workspace
      if [ -e "$dest/.git" ]; then
        echo "$GIT_REPOSITORY is already cloned in $dest; leaving it as it is"
        exit 0
      fi
      opts=()
      [ "$GIT_DEPTH" != 0 ] && opts+=(--depth "$GIT_DEPTH")
      [ -n "$GIT_REF" ] && opts+=(--branch "$GIT_REF")
      if [ -f /git-auth/ssh-privatekey ]; then
        install -m 0600 /git-auth/ssh-privatekey /tmp/ssh-key
        known=/git-auth/known_hosts
        [ -f "$known" ] || { echo "the git secret has ssh-privatekey but no known_hosts" >&2; exit 1; }
        export GIT_SSH_COMMAND="ssh -i /tmp/ssh-key -o UserKnownHostsFile=$known -o StrictHostKeyChecking=yes"
      elif [ -f /git-auth/token ]; then
        export GIT_USERNAME="$(cat /git-auth/username 2>/dev/null || echo x-access-token)"
        opts+=(-c 'credential.helper=!f() { echo "username=$GIT_USERNAME"; echo "password=$(cat /git-auth/token)"; }; f')
      fi
      # A claim may hold lost+found, or a clone an earlier start did not finish:
      # clone next to them, then move in.
      rm -rf "$dest/.clone"
      git clone "${opts[@]}" -- "$GIT_REPOSITORY" "$dest/.clone"
      shopt -s dotglob
      mv "$dest"/.clone/* "$dest"/
      rmdir "$dest/.clone"
      # The volume's top folder is root's, the clone the agent's: git must be told it is safe here.
      echo "cloned $GIT_REPOSITORY ($(git -c safe.directory="$dest" -C "$dest" rev-parse --short HEAD)) into {{ .mountPath }}"
  env:
    - name: GIT_REPOSITORY
      value: {{ .spec.git.repository | quote }}
    - name: GIT_REF
      value: {{ default "" .spec.git.ref | quote }}
    - name: GIT_DEPTH
      value: {{ (hasKey .spec.git "depth") | ternary (.spec.git.depth | toString) "1" | quote }}
    - name: HOME
      value: /tmp
    - name: GIT_TERMINAL_PROMPT
      value: "0"
  resources:
    requests:
      cpu: 50m
      memory: 128Mi
    limits:
      memory: 1Gi
  volumeMounts:
    - name: clone-tmp
      mountPath: /tmp
    - name: {{ .volumeName }}
      mountPath: /workspace
      {{- if .subPath }}
      subPath: {{ .subPath }}
      {{- end }}
    {{- if .spec.git.existingSecret }}
    - name: {{ $auth }}
      mountPath: /git-auth
      readOnly: true
    {{- end }}
{{- end }}
{{- end }}
{{- end }}

{{- define "orchestrator.probes" -}}
{{- with .startupProbe }}
startupProbe:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .livenessProbe }}
livenessProbe:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .readinessProbe }}
readinessProbe:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/*
Scheduling of one role's pods. Call with the role's values.
*/}}
{{- define "orchestrator.podScheduling" -}}
{{- with .priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with .nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/*
A PodDisruptionBudget spec body. Call with the role's pdb values.
*/}}
{{- define "orchestrator.pdbSpec" -}}
{{- if not (eq (toString .minAvailable) "") }}
minAvailable: {{ .minAvailable }}
{{- else }}
maxUnavailable: {{ default 1 .maxUnavailable }}
{{- end }}
{{- end }}

{{/*
Label selector of every series of this release in PromQL: the namespace, and
the Services the ServiceMonitor scrapes (the target's `service` label).
*/}}
{{- define "orchestrator.promSelector" -}}
namespace="{{ .Release.Namespace }}", service=~"{{ include "orchestrator.fullname" . }}-(api|worker-metrics)"
{{- end }}
