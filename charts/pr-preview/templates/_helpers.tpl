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

{{/* Seconds in a duration such as 25s, 2m or 1h. */}}
{{- define "pr-preview.seconds" -}}
{{- $d := toString . -}}
{{- $n := int (trimSuffix "s" (trimSuffix "m" (trimSuffix "h" $d))) -}}
{{- if hasSuffix "h" $d }}{{ mul $n 3600 }}{{ else if hasSuffix "m" $d }}{{ mul $n 60 }}{{ else }}{{ $n }}{{ end -}}
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
