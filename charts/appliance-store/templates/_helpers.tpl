{{/* Chart name, truncated to the DNS label limit. */}}
{{- define "appliance-store.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-qualified name; group suffixes are appended, so it leaves room for them. */}}
{{- define "appliance-store.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "appliance-store.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "appliance-store.labels" -}}
helm.sh/chart: {{ include "appliance-store.chart" . }}
{{ include "appliance-store.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: appliance-store
{{- end }}

{{- define "appliance-store.selectorLabels" -}}
app.kubernetes.io/name: {{ include "appliance-store.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels of one role group: call with (dict "root" $ "group" $group). */}}
{{- define "appliance-store.groupLabels" -}}
{{ include "appliance-store.labels" .root }}
app.kubernetes.io/component: {{ .group.name }}
{{- end }}

{{- define "appliance-store.groupSelectorLabels" -}}
{{ include "appliance-store.selectorLabels" .root }}
app.kubernetes.io/component: {{ .group.name }}
{{- end }}

{{- define "appliance-store.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "appliance-store.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The role groups as JSON {"groups": [{"name", "roles", "settings"}]}: the groups of
.Values.roleGroups, then one group per role named in none. Fails on an unknown role, a role in
two groups, a bad or repeated group name. "settings" merges the group's entry and
.Values.groupOverrides[name] (the override wins).
*/}}
{{- define "appliance-store.groups" -}}
{{- $all := list "edge" "order" "payment" "store" "delivery" "projector" "notifier" }}
{{- $owner := dict }}
{{- $names := dict }}
{{- $groups := list }}
{{- range $i, $g := .Values.roleGroups }}
{{- $name := get $g "name" | toString }}
{{- if not (regexMatch "^[a-z]([-a-z0-9]{0,20}[a-z0-9])?$" $name) }}
{{- fail (printf "roleGroups[%d].name %q must be a DNS label of at most 22 characters" $i $name) }}
{{- end }}
{{- $roles := get $g "roles" }}
{{- if or (not (kindIs "slice" $roles)) (empty $roles) }}
{{- fail (printf "roleGroups[%d] (%s): roles must be a non-empty list" $i $name) }}
{{- end }}
{{- range $r := $roles }}
{{- if not (has $r $all) }}
{{- fail (printf "roleGroups %s: unknown role %q (known: %s)" $name (toString $r) (join ", " $all)) }}
{{- end }}
{{- if hasKey $owner $r }}
{{- fail (printf "role %q is in two groups (%s and %s)" $r (get $owner $r) $name) }}
{{- end }}
{{- $_ := set $owner $r $name }}
{{- end }}
{{- $groups = append $groups (dict "name" $name "roles" $roles "settings" (omit $g "name" "roles")) }}
{{- end }}
{{- range $r := $all }}
{{- if not (hasKey $owner $r) }}
{{- $groups = append $groups (dict "name" $r "roles" (list $r) "settings" dict) }}
{{- end }}
{{- end }}
{{- $out := list }}
{{- range $g := $groups }}
{{- if hasKey $names $g.name }}
{{- fail (printf "two role groups are named %q" $g.name) }}
{{- end }}
{{- $_ := set $names $g.name true }}
{{- $override := get $.Values.groupOverrides $g.name | default dict }}
{{- $out = append $out (dict "name" $g.name "roles" $g.roles "settings" (merge (deepCopy $override) $g.settings)) }}
{{- end }}
{{- toJson (dict "groups" $out) }}
{{- end }}

{{/*
Metric `type` labels whose mailbox lag a group's roles work off, and the most replicas that can
each own a shard: actor roles have .Values.config.shards shards per type, the projector and the
notifier consume the event streams (.Values.config.eventShards). Call with (dict "root" $ "group" $g);
returns JSON {"types": [...], "cap": N} (cap 0: no worker role).
*/}}
{{- define "appliance-store.workload" -}}
{{- $typesOf := dict "order" (list "order") "payment" (list "payment") "store" (list "store") "delivery" (list "delivery") "projector" (list "projector") "notifier" (list "notifier") }}
{{- $types := list }}
{{- $cap := 0 }}
{{- range $r := .group.roles }}
{{- if hasKey $typesOf $r }}
{{- $types = concat $types (get $typesOf $r) }}
{{- $n := ternary (int $.root.Values.config.eventShards) (int $.root.Values.config.shards) (or (eq $r "projector") (eq $r "notifier")) }}
{{- $cap = ternary $n (min $cap $n) (eq $cap 0) }}
{{- end }}
{{- end }}
{{- toJson (dict "types" $types "cap" $cap) }}
{{- end }}

{{/* PromQL label matchers selecting a group's lag series. Call with (dict "root" $ "types" $types). */}}
{{- define "appliance-store.lagMatchers" -}}
{{- $m := list }}
{{- if eq (len .types) 1 }}
{{- $m = append $m (printf "type=%q" (first .types)) }}
{{- else }}
{{- $m = append $m (printf "type=~%q" (join "|" .types)) }}
{{- end }}
{{- if .root.Values.autoscaling.matchNamespace }}
{{- $m = append $m (printf "namespace=%q" .root.Release.Namespace) }}
{{- end }}
{{- join ", " $m }}
{{- end }}

{{/* Seconds the API may drain at a stop: the longer of shutdown.drainSeconds and the request timeout. */}}
{{- define "appliance-store.drainSeconds" -}}
{{- max (int .Values.shutdown.drainSeconds) (div (add (int .Values.config.requestTimeoutMs) 999) 1000) }}
{{- end }}

{{/* Seconds a stopping process gets (STOP_TIMEOUT_MS): the drain, 4 s for an order's last question (app/compose.ts API_DRAIN_MARGIN_MS), 7 s for the actors to finish and release their shards (5 s of retries, then the release). */}}
{{- define "appliance-store.stopSeconds" -}}
{{- add (include "appliance-store.drainSeconds" . | int) 4 7 }}
{{- end }}

{{/* Seconds a pod gets to stop: preStop sleep + the process's stop + one lease TTL (so its leases lapse even if release fails). */}}
{{- define "appliance-store.minGraceSeconds" -}}
{{- $stop := include "appliance-store.stopSeconds" . | int }}
{{- add (int .Values.shutdown.preStopSleepSeconds) $stop (div (add (int .Values.config.leaseTtlMs) 999) 1000) }}
{{- end }}

{{- define "appliance-store.graceSeconds" -}}
{{- $min := include "appliance-store.minGraceSeconds" . | int }}
{{- $set := int .Values.shutdown.terminationGracePeriodSeconds }}
{{- if eq $set 0 }}
{{- $min }}
{{- else if lt $set $min }}
{{- fail (printf "shutdown.terminationGracePeriodSeconds=%d is shorter than preStop + drain + lease TTL (%d)" $set $min) }}
{{- else }}
{{- $set }}
{{- end }}
{{- end }}

{{/* Name of the Secret holding JWT_SECRET, or "" when there is none. */}}
{{- define "appliance-store.jwtSecretName" -}}
{{- if .Values.auth.existingSecret }}
{{- .Values.auth.existingSecret }}
{{- else if or .Values.auth.jwtSecret (not .Values.auth.jwksUrl) }}
{{- include "appliance-store.fullname" . }}
{{- end }}
{{- end }}

{{- define "appliance-store.jwtSecretKey" -}}
{{- if .Values.auth.existingSecret }}{{ .Values.auth.existingSecretKey }}{{ else }}JWT_SECRET{{ end }}
{{- end }}

{{/*
A whole-number setting as an environment value. Helm reads YAML numbers as floats (3600000 would
print as 3.6e+06), so convert; fails on anything that is not a positive whole number.
Call with (list "config.shards" .Values.config.shards).
*/}}
{{- define "appliance-store.intEnv" -}}
{{- $name := index . 0 }}
{{- $v := index . 1 }}
{{- $n := int64 $v }}
{{- if or (le $n 0) (and (kindIs "string" $v) (ne (toString $n) $v)) (and (kindIs "float64" $v) (ne (float64 $n) $v)) }}
{{- fail (printf "%s must be a positive whole number, got %v" $name $v) }}
{{- end }}
{{- printf "%d" $n | quote }}
{{- end }}
