{{/*
Chart name, truncated to the 63 characters a label value may hold.
*/}}
{{- define "orchestrator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name of the release's objects. Suffixes such as "-worker" are added to
it, so it leaves room for them below the 63-character limit.
*/}}
{{- define "orchestrator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 53 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 53 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 53 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "orchestrator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "orchestrator.labels" -}}
helm.sh/chart: {{ include "orchestrator.chart" . }}
{{ include "orchestrator.selectorLabels" . }}
{{- with .Chart.AppVersion }}
app.kubernetes.io/version: {{ . | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "orchestrator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "orchestrator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "orchestrator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "orchestrator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "orchestrator.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/*
Name of the Secret whose keys become environment variables.
*/}}
{{- define "orchestrator.secretName" -}}
{{- default (include "orchestrator.fullname" .) .Values.existingSecret }}
{{- end }}

{{/*
"true" when a bots file is given (as values or as a string), empty otherwise.
*/}}
{{- define "orchestrator.hasBots" -}}
{{- if .Values.bots }}true{{ end }}
{{- end }}

{{- define "orchestrator.botsDir" -}}
/etc/orchestrator
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

{{/*
Annotations of both pod templates: a change of configuration or secrets
rolls the pods.
*/}}
{{- define "orchestrator.podAnnotations" -}}
checksum/config: {{ include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
checksum/secret: {{ include (print .Template.BasePath "/secret.yaml") . | sha256sum }}
{{- with .Values.podAnnotations }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Environment shared by both roles. envFrom is read before env, so REDIS_URL
may refer to the secret's variables as $(NAME).
*/}}
{{- define "orchestrator.envFrom" -}}
- configMapRef:
    name: {{ include "orchestrator.fullname" . }}
- secretRef:
    name: {{ include "orchestrator.secretName" . }}
{{- end }}

{{- define "orchestrator.env" -}}
- name: PORT
  value: {{ .Values.containerPort | quote }}
- name: REDIS_URL
{{- if .Values.redis.existingSecret }}
  valueFrom:
    secretKeyRef:
      name: {{ .Values.redis.existingSecret }}
      key: {{ .Values.redis.existingSecretKey }}
{{- else }}
  value: {{ required "redis.url or redis.existingSecret is required" .Values.redis.url | quote }}
{{- end }}
{{- end }}

{{/*
Volume mounts shared by both roles; the workspaces mount differs by role.
*/}}
{{- define "orchestrator.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
- name: data
  mountPath: /data
{{- if include "orchestrator.hasBots" . }}
- name: bots
  mountPath: {{ include "orchestrator.botsDir" . }}
  readOnly: true
{{- end }}
{{- end }}

{{- define "orchestrator.volumes" -}}
- name: tmp
  emptyDir: {}
{{- if include "orchestrator.hasBots" . }}
- name: bots
  configMap:
    name: {{ include "orchestrator.fullname" . }}-bots
{{- end }}
{{- end }}

{{/*
Pod-level settings shared by both roles.
*/}}
{{- define "orchestrator.podScheduling" -}}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{- define "orchestrator.probes" -}}
{{- with .Values.startupProbe }}
startupProbe:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.livenessProbe }}
livenessProbe:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.readinessProbe }}
readinessProbe:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/*
The worker must outlive SHUTDOWN_GRACE_SECONDS, or Kubernetes kills jobs that
were still allowed to finish.
*/}}
{{- define "orchestrator.workerTerminationGracePeriodSeconds" -}}
{{- $grace := 60 }}
{{- if hasKey .Values.env "SHUTDOWN_GRACE_SECONDS" }}
{{- $grace = int .Values.env.SHUTDOWN_GRACE_SECONDS }}
{{- end }}
{{- $period := .Values.worker.terminationGracePeriodSeconds }}
{{- if kindIs "invalid" $period }}
{{- add $grace 30 }}
{{- else if le (int $period) $grace }}
{{- fail (printf "worker.terminationGracePeriodSeconds (%d) must exceed env.SHUTDOWN_GRACE_SECONDS (%d)" (int $period) $grace) }}
{{- else }}
{{- int $period }}
{{- end }}
{{- end }}

{{/*
An emptyDir volume source from values; {} when none is given.
*/}}
{{- define "orchestrator.emptyDir" -}}
{{- if . }}
emptyDir:
  {{- toYaml . | nindent 2 }}
{{- else }}
emptyDir: {}
{{- end }}
{{- end }}
