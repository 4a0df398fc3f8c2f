{{/* Chart name, truncated to the 63 characters a DNS label allows. */}}
{{- define "mfa-gateway.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name: release-chart, unless the release name already holds the chart name. */}}
{{- define "mfa-gateway.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "mfa-gateway.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "mfa-gateway.selectorLabels" -}}
app.kubernetes.io/name: {{ include "mfa-gateway.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "mfa-gateway.labels" -}}
helm.sh/chart: {{ include "mfa-gateway.chart" . }}
{{ include "mfa-gateway.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: mfa-gateway
{{- end }}

{{- define "mfa-gateway.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "mfa-gateway.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "mfa-gateway.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* Where the chart mounts what the gateway reads. */}}
{{- define "mfa-gateway.configDir" -}}/etc/mfa-gateway/config{{- end }}
{{- define "mfa-gateway.tlsDir" -}}/etc/mfa-gateway/tls{{- end }}
{{- define "mfa-gateway.upstreamCaDir" -}}/etc/mfa-gateway/upstream-ca{{- end }}
{{- define "mfa-gateway.adminTokenDir" -}}/etc/mfa-gateway/admin-token{{- end }}

{{/* The Secret holding the admin port's token (key `token`), or "" when the admin port has none. */}}
{{- define "mfa-gateway.adminTokenSecret" -}}
{{- $token := .Values.admin.token }}
{{- if and $token.existingSecret $token.create }}
{{- fail "admin.token: set either existingSecret (a Secret you manage) or create (with value), not both" }}
{{- end }}
{{- if $token.existingSecret }}
{{- $token.existingSecret }}
{{- else if $token.create }}
{{- if not $token.value }}
{{- fail "admin.token.create needs admin.token.value: the token the admin port will require" }}
{{- end }}
{{- printf "%s-admin-token" (include "mfa-gateway.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/*
The gateway's configuration file. `.Values.gateway` holds the keys of SPEC §3/§8 under their own names; the chart adds
what it owns: listener and admin addresses (container ports), the listener's TLS files and the admin token file
(mounted from Secrets), the upstream CA file, and the drain grace (which the pod's termination grace must outlast). JSON is valid HOCON, and
toPrettyJson quotes every string correctly, so nothing here hand-escapes HOCON.
*/}}
{{- define "mfa-gateway.gatewayConf" -}}
{{- $gateway := deepCopy .Values.gateway }}
{{- $listen := dict "host" "0.0.0.0" "port" .Values.containerPorts.proxy }}
{{- if .Values.tls.enabled }}
{{- $_ := set $listen "tls" (dict "cert-file" (printf "%s/tls.crt" (include "mfa-gateway.tlsDir" .)) "key-file" (printf "%s/tls.key" (include "mfa-gateway.tlsDir" .))) }}
{{- end }}
{{- $_ := set $gateway "listen" $listen }}
{{- $admin := dict "host" "0.0.0.0" "port" .Values.containerPorts.admin }}
{{- if include "mfa-gateway.adminTokenSecret" . }}
{{- $_ := set $admin "token-file" (printf "%s/token" (include "mfa-gateway.adminTokenDir" .)) }}
{{- end }}
{{- $_ := set $gateway "admin" $admin }}
{{- $server := deepCopy (default dict $gateway.server) }}
{{- $_ := set $server "shutdown-grace" (printf "%ds" (int .Values.shutdown.drainSeconds)) }}
{{- $_ := set $gateway "server" $server }}
{{- if .Values.upstreamCA.configMap }}
{{- $upstream := deepCopy (default dict $gateway.upstream) }}
{{- $_ := set $upstream "ca-file" (printf "%s/%s" (include "mfa-gateway.upstreamCaDir" .) .Values.upstreamCA.key) }}
{{- $_ := set $gateway "upstream" $upstream }}
{{- end }}
{{- dict "gateway" $gateway | toPrettyJson }}
{{- end }}
