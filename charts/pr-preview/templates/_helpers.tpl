{{- define "pr-preview.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "pr-preview.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "pr-preview.labels" -}}
{{ include "pr-preview.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "pr-preview.serviceAccountName" -}}
{{- default (include "pr-preview.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{- define "pr-preview.secretName" -}}
{{- default (include "pr-preview.fullname" .) .Values.github.existingSecret -}}
{{- end -}}

{{/* key=value pairs, comma-separated, as the app's settings take them. */}}
{{- define "pr-preview.pairs" -}}
{{- $pairs := list -}}
{{- range $key, $value := . -}}
{{- $pairs = append $pairs (printf "%s=%v" $key $value) -}}
{{- end -}}
{{- join "," $pairs -}}
{{- end -}}

{{/* group/Kind, or Kind for the core group, as PREVIEW_ALLOWED_KINDS takes them. */}}
{{- define "pr-preview.allowedKinds" -}}
{{- $kinds := list -}}
{{- range .Values.previews.allowedResources -}}
{{- $kinds = append $kinds (ternary .kind (printf "%s/%s" .apiGroup .kind) (eq .apiGroup "")) -}}
{{- end -}}
{{- join "," $kinds -}}
{{- end -}}

{{/*
  Seconds in a duration of the app's grammar (src/config/duration.ts): "0", or whole numbers with
  the units d, h, m and s, largest first, such as 25s, 1m30s or 1h. Every unit is counted, so 1m30s
  is 90; anything else fails the render rather than becoming a number nobody asked for.
*/}}
{{- define "pr-preview.seconds" -}}
{{- $d := toString . -}}
{{- if not (regexMatch "^(0|([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?)$" $d) -}}
{{- fail (printf "%q is not a duration: use whole numbers with d, h, m and s, largest first, such as 25s or 1m30s" $d) -}}
{{- end -}}
{{- $seconds := 0 -}}
{{- range $unit, $factor := dict "d" 86400 "h" 3600 "m" 60 "s" 1 -}}
{{- $amount := regexFind (printf "[0-9]+%s" $unit) $d | trimSuffix $unit | default "0" | atoi -}}
{{- $seconds = add $seconds (mul $amount $factor) -}}
{{- end -}}
{{- $seconds -}}
{{- end -}}

{{/* This installation among others on the cluster (PREVIEW_INSTANCE): its previews and fences carry it. */}}
{{- define "pr-preview.instance" -}}
{{- default (printf "%s-%s" .Release.Namespace (include "pr-preview.fullname" .)) .Values.previews.instance | trunc 63 | trimSuffix "-" | trimSuffix "." -}}
{{- end -}}

{{/* The names of the instance's admission objects, as the app's fenceNames makes them. */}}
{{- define "pr-preview.fencePrefix" -}}
{{- printf "pr-preview-%s" (include "pr-preview.instance" .) -}}
{{- end -}}

{{/* The ServiceAccount's name as the API server knows it. */}}
{{- define "pr-preview.user" -}}
{{- printf "system:serviceaccount:%s:%s" .Release.Namespace (include "pr-preview.serviceAccountName" .) -}}
{{- end -}}

{{/* A list as the app's settings take it: comma-separated, or "none" when empty. */}}
{{- define "pr-preview.list" -}}
{{- if . }}{{ join "," . }}{{ else }}none{{ end -}}
{{- end -}}
