"""Terraform's kubernetes provider as canonical Kubernetes objects.

`kubernetes_deployment_v1 "web" { metadata { ... } spec { template { spec {
container { readiness_probe { http_get { ... } } } } } } }` becomes the
`apps/Deployment` every Kubernetes rule reads (`spec.template.spec.containers
[0].readinessProbe.httpGet`), whichever loader produced it (HCL, a plan): the
transform reads only the loaded Resource shape (type = Terraform type, blocks
as lists of dicts, `line_of` per attribute path), never the loader.

What differs from the API's JSON:
* block names are snake_case and singular where the API has a list
  (`container` -> `containers`, `topology_spread_constraint` ->
  `topologySpreadConstraints`); a block the API has as one object is a list
  of one;
* int-or-string fields are strings in the provider (`replicas = "1"`,
  `http_get { port = "8080" }`, `target_port = "http"`): digits become ints;
* `kubernetes_manifest`'s `manifest` already is the API object, and so is the YAML
  document of a `kubectl_manifest`'s `yaml_body` (the gavinbunney/kubectl and
  alekc/kubectl providers), in the namespace its `override_namespace` names.

The Resource keeps its Terraform address (findings, suppressions and
fingerprints name what the user wrote); `line_of` maps canonical paths back
to Terraform's, and `meta["terraform_k8s"]` tells the engine to word messages
in Terraform's attribute names (`readiness_probe`, not `readinessProbe`).
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

from linter.model import Change, LineOf, Location, Resource, Unknown, is_unknown

_TYPED: dict[str, tuple[str, str]] = {}
for _tf, _api, _kind in (
    ("deployment", "apps/v1", "Deployment"),
    ("stateful_set", "apps/v1", "StatefulSet"),
    ("daemon_set", "apps/v1", "DaemonSet"),
    ("daemonset", "apps/v1", "DaemonSet"),
    ("horizontal_pod_autoscaler", "autoscaling/v1", "HorizontalPodAutoscaler"),
    ("pod_disruption_budget", "policy/v1", "PodDisruptionBudget"),
    ("service", "v1", "Service"),
    ("pod", "v1", "Pod"),
    ("job", "batch/v1", "Job"),
    ("cron_job", "batch/v1", "CronJob"),
    ("config_map", "v1", "ConfigMap"),
):
    _TYPED[f"kubernetes_{_tf}"] = (_api, _kind)
    _TYPED[f"kubernetes_{_tf}_v1"] = (_api, _kind)
_TYPED["kubernetes_horizontal_pod_autoscaler_v2"] = ("autoscaling/v2", "HorizontalPodAutoscaler")
_TYPED["kubernetes_horizontal_pod_autoscaler_v2beta2"] = ("autoscaling/v2beta2", "HorizontalPodAutoscaler")
MANIFEST = "kubernetes_manifest"
KUBECTL_MANIFEST = "kubectl_manifest"
MANIFESTS = {MANIFEST: "manifest", KUBECTL_MANIFEST: "yaml_body"}  # type -> the attribute holding the object
TERRAFORM_K8S_TYPES = frozenset(_TYPED) | set(MANIFESTS)

# Terraform block name -> API list field (every other block is one object)
LIST_BLOCKS = {
    "container": "containers", "init_container": "initContainers", "ephemeral_container": "ephemeralContainers",
    "port": "ports", "env": "env", "env_from": "envFrom", "volume": "volumes", "volume_mount": "volumeMounts",
    "volume_device": "volumeDevices", "toleration": "tolerations",
    "topology_spread_constraint": "topologySpreadConstraints", "image_pull_secrets": "imagePullSecrets",
    "host_aliases": "hostAliases", "readiness_gate": "readinessGates", "metric": "metrics",
    "volume_claim_template": "volumeClaimTemplates", "match_expressions": "matchExpressions",
    "match_fields": "matchFields", "node_selector_term": "nodeSelectorTerms", "http_header": "httpHeaders",
    "preferred_during_scheduling_ignored_during_execution": "preferredDuringSchedulingIgnoredDuringExecution",
    "required_during_scheduling_ignored_during_execution": "requiredDuringSchedulingIgnoredDuringExecution",
    "policy": "policies", "ingress": "ingress", "egress": "egress", "rule": "rules", "path": "paths",
    "condition": "conditions",
}
# ... except where the API has that name as one object (node affinity's required term)
OBJECT_UNDER = {("nodeAffinity", "required_during_scheduling_ignored_during_execution")}
# the provider's strings for the API's int-or-string fields
INT_OR_STRING = {"replicas", "port", "targetPort", "minAvailable", "maxUnavailable", "maxSurge"}

# a camelCase word standing alone (not the tail of `HorizontalPodAutoscaler`), and not a JSON
# key a message quotes (a cluster-proportional-autoscaler's params, written as they are in any
# format); linear, no backtracking
_WORD = re.compile(r"(?<!\")\b[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)+\b(?!\")")


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def snake(name: str) -> str:
    out = []
    for ch in name:
        if ch.isupper():
            out.append("_" + ch.lower())
        else:
            out.append(ch)
    return "".join(out)


def _is_block(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) or is_unknown(v) for v in value)


def convert_block(block: Any, parent: str, names: dict[str, str]) -> Any:
    """A Terraform block's attributes in the API's names; `names` collects
    API name -> Terraform name for the paths and messages."""
    if not isinstance(block, dict):
        return block
    out: dict[str, Any] = {}
    for key, value in block.items():
        is_block = _is_block(value) or (isinstance(value, list) and not value and (key in LIST_BLOCKS or key in _KNOWN_BLOCKS))
        # `port` the block (a container's ports) vs `port` the attribute (a probe's)
        listed = is_block and key in LIST_BLOCKS and (parent, key) not in OBJECT_UNDER
        api = LIST_BLOCKS[key] if listed else camel(key)
        if api != key:
            names.setdefault(api, key)
        if is_block:
            items = [convert_block(v, api, names) for v in value]
            value = items if listed else (items[0] if items else None)
        elif isinstance(value, str) and api in INT_OR_STRING and value.isdigit():
            value = int(value)
        if value is None:
            continue
        out[api] = value
    return out


# blocks a plan writes as [] when absent (an empty list is then "no block", not "no items")
_KNOWN_BLOCKS = {
    "readiness_probe", "liveness_probe", "startup_probe", "affinity", "pod_anti_affinity", "pod_affinity",
    "node_affinity", "strategy", "rolling_update", "update_strategy", "selector", "template", "metadata", "spec",
    "http_get", "tcp_socket", "exec", "grpc", "scale_target_ref", "behavior", "label_selector",
    "security_context", "resources", "lifecycle",
}


def to_canonical(r: Resource) -> Resource:
    """The canonical Kubernetes object for one Terraform kubernetes-provider resource."""
    names: dict[str, str] = {}
    if r.type in MANIFESTS:
        attribute = MANIFESTS[r.type]
        obj = r.get(attribute) if r.type == MANIFEST else _yaml_object(r.get(attribute), r)
        if not isinstance(obj, dict) or not isinstance(obj.get("kind"), str) or not isinstance(obj.get("apiVersion"), str):
            return r  # not known before apply: nothing to judge
        api_version, kind = obj["apiVersion"], obj["kind"]
        from linter.loaders._k8s_shape import shape_problem
        from linter.loaders.kubernetes import canonical_type

        if shape_problem(canonical_type(api_version, kind), obj) is not None:
            return r  # the API server would refuse it (a non-finite number, a list for a count): nothing to judge
        attrs = obj
        before = r.before(attribute) if r.type == MANIFEST else _yaml_object(r.before(attribute), r)
        prefix = f"{attribute}."
    else:
        api_version, kind = _TYPED[r.type]
        attrs = convert_block(r.attrs, "", names)
        before = convert_block(r.change.before, "", {}) if r.change is not None and r.change.before else None
        prefix = ""
        if not isinstance(attrs, dict):
            return r
        attrs = {"apiVersion": api_version, "kind": kind, **attrs}
    from linter.loaders.kubernetes import group_of

    name = attrs.get("metadata", {}).get("name") if isinstance(attrs.get("metadata"), dict) else None
    namespace = attrs.get("metadata", {}).get("namespace") if isinstance(attrs.get("metadata"), dict) else None
    tf_names = {api: tf for api, tf in names.items()}
    meta = {**r.meta, "terraform_k8s": r.type, "terraform_names": tf_names}
    return replace(
        r,
        type=f"{group_of(api_version)}/{kind}",
        attrs=attrs,
        name=name if isinstance(name, str) and name else r.name,
        namespace=namespace if isinstance(namespace, str) and namespace else None,
        raw_type=r.type,
        change=Change(r.change.actions, before) if r.change is not None else None,
        line_of=_manifest_lines(r, prefix) or (_terraform_lines(r.line_of, prefix, tf_names) if r.line_of else None),
        written_elsewhere=_manifest_file_places(r) if r.type in MANIFESTS else None,
        refs={_api_path(k, prefix): v for k, v in r.refs.items()} if prefix else dict(r.refs),
        meta=meta,
    )


def _yaml_object(body: Any, r: Resource) -> Any:
    """The one YAML document of a `kubectl_manifest`'s `yaml_body`, read as a manifest file is
    (safe loading, aliases bounded), in `override_namespace` when it names one; None when the
    body is not known, holds no single object, or is not YAML (the provider refuses it)."""
    if not isinstance(body, str):
        return None
    from linter.loaders.kubernetes import parse_documents
    from linter.model import InputError

    try:
        documents = parse_documents(body, r.location.file)
    except (InputError, RecursionError):
        return None
    if len(documents) != 1 or not isinstance(documents[0][0], dict):
        return None
    obj: dict[str, Any] = documents[0][0]
    namespace = r.get("override_namespace")
    if isinstance(namespace, str) and namespace and isinstance(obj.get("metadata"), dict):
        obj = {**obj, "metadata": {**obj["metadata"], "namespace": namespace}}
    return obj


def _manifest_lines(r: Resource, prefix: str) -> LineOf | None:
    """For a manifest written as a heredoc (`yaml_body = <<YAML`, `manifest = yamldecode(<<EOT`):
    the line of each key in the heredoc (its text's lines are the file's from its first line)."""
    heredoc = (r.meta.get("heredocs") or {}).get(prefix[:-1]) if r.type in MANIFESTS else None
    if heredoc is None or r.line_of is None:
        return None
    first, body = heredoc
    import yaml

    from linter.loaders.kubernetes import ManifestLoader, node_line

    composed: list[Any] = []

    def lookup(path: str) -> int | None:
        if not composed:  # on the first finding that asks
            loader = ManifestLoader(body)
            try:
                composed.append(loader.get_single_node())
            except (yaml.YAMLError, RecursionError):
                composed.append(None)
            finally:
                loader.dispose()
        line = node_line(composed[0], path) if composed[0] is not None else None
        return first + line - 1 if line is not None else r.line_of(prefix[:-1]) if r.line_of else None

    return lookup


def _manifest_file_places(r: Resource) -> Callable[[str], Location | None] | None:
    """For a manifest read from a file (`yamldecode(file("k8s/api.yaml"))`,
    `templatefile(...)`): where each key is written in that file, which is where its
    owner changes it. A template's keys are found in its text as written (a value
    `${replicas}` is on its key's line); a file that does not read as one YAML
    document, or a key it does not write, leaves the finding at the resource."""
    shown = r.meta.get("manifest_file_shown")
    if not isinstance(shown, str):
        return None
    import yaml

    from linter.loaders import read_text
    from linter.loaders.kubernetes import ManifestLoader, node_line
    from linter.model import InputError

    composed: list[Any] = []

    def place(path: str) -> Location | None:
        if not composed:  # on the first finding that asks
            node = None
            try:
                loader = ManifestLoader(read_text(Path(r.meta["manifest_file"]), shown))
                try:
                    node = loader.get_single_node()
                finally:
                    loader.dispose()
            except (OSError, InputError, yaml.YAMLError, RecursionError):
                pass
            composed.append(node)
        line = node_line(composed[0], path) if composed[0] is not None else None
        return Location(shown, line) if line is not None else None

    return place


def _api_path(tf_path: str, prefix: str) -> str:
    return tf_path[len(prefix):] if tf_path.startswith(prefix) else tf_path


def _terraform_lines(line_of: LineOf, prefix: str, tf_names: dict[str, str]) -> LineOf:
    def lookup(path: str) -> int | None:
        parts = [tf_names.get(p, snake(p) if not prefix else p) for p in path.split(".") if p]
        return line_of(prefix + ".".join(parts))

    return lookup


def in_terraform_terms(text: str, r: Resource) -> str:
    """A message about a typed kubernetes-provider resource, in the names its
    Terraform code uses (a `kubernetes_manifest` is written in the API's names)."""
    if r.meta.get("terraform_k8s") in (None, *MANIFESTS):
        return text
    return terraform_words(text, r.meta.get("terraform_names") or {})


_SINGULAR = {api: tf for tf, api in LIST_BLOCKS.items()}


def terraform_words(text: str, tf_names: dict[str, str] | None = None) -> str:
    """`readinessProbe` -> `readiness_probe`, `topologySpreadConstraints` ->
    `topology_spread_constraint`: every camelCase word of an API field name."""
    names = tf_names or {}

    def word(m: re.Match[str]) -> str:
        token = m.group(0)
        return names.get(token) or _SINGULAR.get(token) or snake(token)

    return _WORD.sub(word, text)


def resolve_metadata_refs(resources: list[Resource]) -> None:
    """`name = kubernetes_deployment_v1.web.metadata[0].name` (an HPA's target,
    a PDB's namespace) is an Unknown in HCL although the name is written in
    the referenced resource: take it from there when it is known."""
    by_address = {(r.scope, r.address): r for r in resources if r.meta.get("terraform_k8s")}
    if not by_address:
        return
    for r in by_address.values():
        _resolve_in(r.attrs, r.scope, by_address)
        ns = r.get("metadata.namespace")
        if r.namespace is None and isinstance(ns, str) and ns:
            r.namespace = ns


def _resolve_in(value: Any, scope: str, by_address: dict[tuple[str, str], Resource]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, Unknown):
                known = _metadata_value(item, scope, by_address)
                if known is not None:
                    value[key] = known
            else:
                _resolve_in(item, scope, by_address)
    elif isinstance(value, list):
        for item in value:
            _resolve_in(item, scope, by_address)


def _metadata_value(u: Unknown, scope: str, by_address: dict[tuple[str, str], Resource]) -> str | None:
    if not u.expr or len(u.refs) != 1:
        return None
    expr = u.expr.replace(" ", "").replace("[0]", ".0")
    for field in ("name", "namespace"):
        for suffix in (f".metadata.0.{field}", f".metadata.{field}"):
            if expr.endswith(suffix):
                target = by_address.get((scope, expr[: -len(suffix)]))
                value = target.get(f"metadata.{field}") if target is not None else None
                return value if isinstance(value, str) and value else None
    return None
