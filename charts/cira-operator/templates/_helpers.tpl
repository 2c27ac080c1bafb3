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

{{/*
The namespaces the operator manages scans in, one per line: the union of
operator.watchNamespaces and the single operator.watchNamespace of earlier
releases, in order, without repeats. Empty: all namespaces.
*/}}
{{- define "cira.watchNamespaces" -}}
{{- $all := list }}
{{- with .Values.operator.watchNamespace }}
{{- $all = append $all . }}
{{- end }}
{{- range .Values.operator.watchNamespaces }}
{{- $all = append $all . }}
{{- end }}
{{- range uniq $all }}
{{ . }}
{{- end }}
{{- end }}

{{/* The first watched namespace, or the release namespace. */}}
{{- define "cira.firstNamespace" -}}
{{- $ns := include "cira.watchNamespaces" . | trim }}
{{- if $ns }}{{ first (splitList "\n" $ns) }}{{ else }}{{ .Release.Namespace }}{{ end }}
{{- end }}

{{/* Namespaces the crawler NetworkPolicy goes into, one per line. */}}
{{- define "cira.crawlerPolicyNamespaces" -}}
{{- if .Values.networkPolicy.crawler.namespaces }}
{{- range .Values.networkPolicy.crawler.namespaces }}
{{ . }}
{{- end }}
{{- else if include "cira.watchNamespaces" . | trim }}
{{- include "cira.watchNamespaces" . }}
{{- else }}
{{ .Release.Namespace }}
{{- end }}
{{- end }}

{{/*
Where crawler pods reach the API server, as JSON {"cidrs": [...], "ports": [...]}:
the configured ranges, or the addresses of the `kubernetes` EndpointSlices
(as /32 or /128) when the chart is installed against a cluster; lookup
returns nothing under `helm template`, which leaves "cidrs" empty. Ports are
the configured ones plus those the EndpointSlices name.
*/}}
{{- define "cira.apiServer" -}}
{{- $cidrs := list }}
{{- $ports := list }}
{{- range .Values.networkPolicy.crawler.apiServer.ports }}
{{- $ports = append $ports (int .) }}
{{- end }}
{{- if .Values.networkPolicy.crawler.apiServer.cidrs }}
{{- $cidrs = .Values.networkPolicy.crawler.apiServer.cidrs }}
{{- else }}
{{- $slices := lookup "discovery.k8s.io/v1" "EndpointSlice" "default" "" }}
{{- range ($slices.items | default list) }}
{{- if eq (index (.metadata.labels | default dict) "kubernetes.io/service-name" | default "") "kubernetes" }}
{{- range (.ports | default list) }}
{{- if .port }}
{{- $ports = append $ports (int .port) }}
{{- end }}
{{- end }}
{{- range (.endpoints | default list) }}
{{- range .addresses }}
{{- if contains ":" . }}
{{- $cidrs = append $cidrs (printf "%s/128" .) }}
{{- else }}
{{- $cidrs = append $cidrs (printf "%s/32" .) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- toJson (dict "cidrs" (uniq $cidrs) "ports" (uniq $ports)) }}
{{- end }}

{{/*
The operator's permissions in the namespaces it manages scans in: exactly
`operator_rbac_rules()` of the operator crate without leases (those are in
the leader-election Role, in the release namespace only). Each rule is
there because the code uses it (docs/security.md lists why), or because
the operator grants it to a scan's crawler Role and RBAC only lets a
subject grant what it holds itself (companyscans get, jobs get, ConfigMap
create/update/patch). companyscans/finalizers update is what owner
references with blockOwnerDeletion need where the
OwnerReferencesPermissionEnforcement admission plugin is on.
*/}}
{{- define "cira.operatorRules" -}}
- apiGroups: ["cira.dev"]
  resources: ["companyscans"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["cira.dev"]
  resources: ["companyscans/status"]
  verbs: ["patch"]
- apiGroups: ["cira.dev"]
  resources: ["companyscans/finalizers"]
  verbs: ["update"]
- apiGroups: ["batch"]
  resources: ["jobs"]
  verbs: ["get", "list", "watch", "create", "patch", "delete"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["list", "watch"]
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "list", "watch", "create", "patch", "delete"]
- apiGroups: [""]
  resources: ["serviceaccounts", "persistentvolumeclaims"]
  verbs: ["get", "create", "patch"]
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["roles", "rolebindings"]
  verbs: ["get", "create", "patch"]
- apiGroups: ["networking.k8s.io"]
  resources: ["networkpolicies"]
  verbs: ["get", "create", "patch"]
- apiGroups: ["events.k8s.io"]
  resources: ["events"]
  verbs: ["create", "patch"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["list"]
{{- end }}

{{/* The console's object names and pod labels. */}}
{{- define "cira.consoleName" -}}
{{- printf "%s-console" (include "cira.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "cira.consoleSelectorLabels" -}}
app.kubernetes.io/name: {{ include "cira.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: console
{{- end }}

{{- define "cira.consoleImage" -}}
{{- include "cira.imageRef" (dict "image" .Values.console.image "appVersion" .Chart.AppVersion) }}
{{- end }}

{{/* The namespace the console shows first. */}}
{{- define "cira.consoleNamespace" -}}
{{- default (include "cira.firstNamespace" .) .Values.console.defaultNamespace }}
{{- end }}

{{/* What reading scans in the console takes: the scans, their Events and
the report ConfigMaps. */}}
{{- define "cira.consoleReadRules" -}}
- apiGroups: ["cira.dev"]
  resources: ["companyscans"]
  verbs: ["get", "list", "watch"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["get", "list", "watch"]
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get"]
{{- end }}

{{/* Labels on the console's objects. */}}
{{- define "cira.consoleLabels" -}}
helm.sh/chart: {{ include "cira.chart" . }}
{{ include "cira.consoleSelectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: cira
{{- end }}

{{/*
The entries of a string map as a CEL map literal body: "k": "v", ... in key
order. JSON string literals are valid CEL string literals, so values from
Helm values cannot break out of the expression.
*/}}
{{- define "cira.celMap" -}}
{{- $m := . -}}
{{- $entries := list -}}
{{- range $k := keys $m | sortAlpha -}}
{{- $entries = append $entries (printf "%s: %s" ($k | toJson) (get $m $k | toJson)) -}}
{{- end -}}
{{- join ", " $entries -}}
{{- end }}

{{/*
The installer's scan policy as a JSON object of strings: the data of the
scan-policy ConfigMap, the admission policy's CEL map and the operator's
--scan-policy flag, so the three never differ.
*/}}
{{- define "cira.scanPolicyData" -}}
{{- $p := .Values.policy -}}
{{- $images := $p.crawler.allowedImagePrefixes | default (list (include "cira.crawlerImage" .)) -}}
{{- $data := dict
  "allowPrivateNetworks" ($p.allowPrivateNetworks | toString)
  "clusterDomain" ($p.clusterDomain | toString)
  "maxCheckpointVolumeSize" ($p.maxCheckpointVolumeSize | toString)
  "allowedImagePrefixes" (join "," $images)
  "allowedAnnotationPrefixes" (join "," $p.crawler.allowedAnnotationPrefixes)
  "allowedNodeSelectorKeys" (join "," $p.crawler.allowedNodeSelectorKeys)
  "allowedTolerationKeys" (join "," $p.crawler.allowedTolerationKeys)
  "allowedPriorityClasses" (join "," $p.crawler.allowedPriorityClasses) -}}
{{- range $name, $max := $p.crawler.maxResources }}
{{- $_ := set $data (printf "maxResource.%s" $name) ($max | toString) }}
{{- end }}
{{- toJson $data -}}
{{- end }}
