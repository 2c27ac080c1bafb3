{{/* Chart name, shortened to fit a label value. */}}
{{- define "cira.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: release-chart unless the release name already contains the chart name. */}}
{{- define "cira.fullname" -}}
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

{{- define "cira.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "cira.labels" -}}
helm.sh/chart: {{ include "cira.chart" . }}
{{ include "cira.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: cira
{{- end }}

{{/* Labels selecting the operator pods. */}}
{{- define "cira.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cira.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{- define "cira.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "cira.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* repository:tag or repository@digest; the tag defaults to the appVersion. */}}
{{- define "cira.imageRef" -}}
{{- if .image.digest }}
{{- printf "%s@%s" .image.repository .image.digest }}
{{- else }}
{{- printf "%s:%s" .image.repository (default .appVersion .image.tag) }}
{{- end }}
{{- end }}

{{- define "cira.operatorImage" -}}
{{- include "cira.imageRef" (dict "image" .Values.image "appVersion" .Chart.AppVersion) }}
{{- end }}

{{- define "cira.crawlerImage" -}}
{{- include "cira.imageRef" (dict "image" .Values.crawler.image "appVersion" .Chart.AppVersion) }}
{{- end }}

{{/* Leader election is forced on with more than one replica. */}}
{{- define "cira.leaderElection" -}}
{{- if or .Values.operator.leaderElection.enabled (gt (int .Values.replicaCount) 1) }}true{{ else }}false{{ end }}
{{- end }}

{{/* Namespaces the crawler NetworkPolicy goes into, one per line. */}}
{{- define "cira.crawlerPolicyNamespaces" -}}
{{- if .Values.networkPolicy.crawler.namespaces }}
{{- range .Values.networkPolicy.crawler.namespaces }}
{{ . }}
{{- end }}
{{- else }}
{{ default .Release.Namespace .Values.operator.watchNamespace }}
{{- end }}
{{- end }}

{{/*
API server endpoint addresses as /32 or /128 ranges: the configured ones, or
those of the `kubernetes` EndpointSlices when the chart is installed against a
cluster (lookup returns nothing under `helm template`).
*/}}
{{- define "cira.apiServerCIDRs" -}}
{{- $out := list }}
{{- if .Values.networkPolicy.crawler.apiServer.cidrs }}
{{- $out = .Values.networkPolicy.crawler.apiServer.cidrs }}
{{- else }}
{{- $slices := lookup "discovery.k8s.io/v1" "EndpointSlice" "default" "" }}
{{- range ($slices.items | default list) }}
{{- if eq (index (.metadata.labels | default dict) "kubernetes.io/service-name" | default "") "kubernetes" }}
{{- range (.endpoints | default list) }}
{{- range .addresses }}
{{- if contains ":" . }}
{{- $out = append $out (printf "%s/128" .) }}
{{- else }}
{{- $out = append $out (printf "%s/32" .) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- toJson $out }}
{{- end }}

{{/*
The operator's permissions in the namespaces it manages scans in. Kept in
step with `operator_rbac_rules()` in the operator crate. Besides its own
work, the operator may only grant the per-scan crawler Role what it holds
itself (configmaps), so no escalate/bind verbs are needed.
*/}}
{{- define "cira.operatorRules" -}}
- apiGroups: ["cira.dev"]
  resources: ["companyscans"]
  verbs: ["get", "list", "watch", "patch", "update"]
- apiGroups: ["cira.dev"]
  resources: ["companyscans/status"]
  verbs: ["get", "patch", "update"]
# Owner references with blockOwnerDeletion need update on the owner's finalizers
# where the OwnerReferencesPermissionEnforcement admission plugin is on.
- apiGroups: ["cira.dev"]
  resources: ["companyscans/finalizers"]
  verbs: ["update"]
- apiGroups: ["batch"]
  resources: ["jobs"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch", "delete"]
- apiGroups: [""]
  resources: ["configmaps", "serviceaccounts", "persistentvolumeclaims"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["roles", "rolebindings"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
- apiGroups: ["", "events.k8s.io"]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- end }}
