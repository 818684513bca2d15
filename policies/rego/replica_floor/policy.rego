# Replica floor per namespace: "no Deployment in namespace prod below 3 replicas".
#
# Pattern: a per-resource check with a table of thresholds. An absent
# spec.replicas means 1 (the Kubernetes default); a value not known before
# apply (listed in `unknown`) is never judged.
package resilint.replica_floor

import rego.v1

__rego_metadata__ := {
	"id": "ORG101",
	"title": "Workloads in production namespaces run at least 3 replicas",
	"severity": "high",
	"description": "One or two replicas do not survive a node drain plus a rollout in a namespace that serves customers.",
	"remediation": "Raise spec.replicas to the namespace's floor (3 in prod).",
	# resilint extensions: only these types reach the policy, and each finding
	# reads one resource, so the input may be evaluated in slices
	"types": ["apps/Deployment", "apps/StatefulSet"],
	"scope": "resource",
}

# namespace -> minimum replicas
floors := {"prod": 3, "payments": 3}

workload_types := {"apps/Deployment", "apps/StatefulSet"}

replicas(r) := n if {
	n := r.attrs.spec.replicas
	is_number(n)
}

replicas(r) := 1 if not has_replicas(r)

# written, even with a value not known before apply
has_replicas(r) if r.attrs.spec.replicas != null

has_replicas(r) if "spec.replicas" in r.unknown

deny contains {
	"msg": sprintf("%s %s/%s runs %d replica(s): namespace %s requires at least %d", [r.attrs.kind, r.namespace, r.name, n, r.namespace, floor]),
	"resource": r.address,
	"attribute": "spec.replicas",
} if {
	some r in input.resources
	r.type in workload_types
	floor := floors[r.namespace]
	n := replicas(r)
	n < floor
}
