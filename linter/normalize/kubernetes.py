"""Kubernetes objects as the rules read them, whatever wrote them.

Runs on loaded Resources (the normalize stage, after every loader):

* `link_workload_refs`: an Argo Rollout with `spec.workloadRef` takes its pod
  template (and selector) from the Deployment it names; the Deployment is
  marked as lending its template (the Rollout runs the pods).
* `place_in_namespace`: objects that name no namespace are in `--namespace`,
  in their addresses too.
* Terraform's kubernetes provider (`kubernetes_deployment_v1`, ...,
  `kubernetes_manifest`) becomes the canonical `group/Kind` object: see
  `linter.normalize.terraform_k8s`.
"""

from __future__ import annotations

from typing import Iterable

from linter.model import LineOf, Resource, is_unknown

ROLLOUT = "argoproj.io/Rollout"
DEPLOYMENT = "apps/Deployment"


def normalize(resources: list[Resource], default_namespace: str = "default") -> list[Resource]:
    """The scan's resources with Terraform's Kubernetes objects made canonical and
    Rollouts linked to the Deployments they take their template from."""
    from linter.normalize.terraform_k8s import TERRAFORM_K8S_TYPES, resolve_metadata_refs, to_canonical

    out: list[Resource] = []
    from_terraform = rollouts = False  # what the stages below need, found in one pass
    for r in resources:
        if r.type in TERRAFORM_K8S_TYPES:
            r = to_canonical(r)
        if r.meta.get("terraform_k8s"):
            from_terraform = True
        if r.type == ROLLOUT:
            rollouts = True
        out.append(r)
    if from_terraform:
        resolve_metadata_refs(out)
    if default_namespace != "default":
        place_in_namespace(out, default_namespace)
    if rollouts:
        link_workload_refs(out, default_namespace)
    return out


def applied_by_terraform(resources: list[Resource]) -> tuple[list[Resource], list[str]]:
    """A manifest file a scanned Terraform resource applies (`manifest =
    yamldecode(file("api.yaml"))`, `yaml_body = templatefile("api.yaml", ...)`) is
    judged as that resource, as Terraform applies it, not a second time alone (as a
    kustomization's base is judged only rendered): its object is dropped, with a note.
    A file holding more objects than the one a resource applies is kept."""
    import os

    applied = {r.meta["manifest_file"]: r for r in resources if r.meta.get("manifest_file")}
    if not applied:
        return resources, []
    objects: dict[str, list[Resource]] = {}
    for r in resources:
        if r.source_format == "kubernetes" and os.path.realpath(r.location.file) in applied:
            objects.setdefault(os.path.realpath(r.location.file), []).append(r)
    dropped = {id(found[0]) for found in objects.values() if len(found) == 1}
    if not dropped:
        return resources, []
    notes = []
    for real, found in objects.items():
        if id(found[0]) in dropped:
            by = applied[real]
            notes.append(f"{found[0].location.file}: applied by {by.address} ({by.location.file}:{by.location.line}): "
                         "judged as Terraform applies it, not alone")
    return [r for r in resources if id(r) not in dropped], notes


def place_in_namespace(resources: list[Resource], namespace: str) -> None:
    """--namespace NS: objects that name no namespace are in NS, and their
    addresses say so (`Deployment/prod/api`), so ignore globs, baselines and
    policies see the namespace the objects would be applied to. Objects keep
    `namespace=None` (it was not written); `Index.namespace_of` supplies NS."""
    from linter.loaders.kubernetes import CLUSTER_SCOPED

    for r in resources:
        if r.namespace is not None or "/" not in r.type or ":" in r.type or r.kind in CLUSTER_SCOPED:
            continue
        unplaced = f"{r.kind}/default/"
        if r.address.startswith(unplaced):
            r.address = f"{r.kind}/{namespace}/{r.address[len(unplaced):]}"


def link_workload_refs(resources: Iterable[Resource], default_namespace: str = "default") -> None:
    """Give each Rollout with a workloadRef (and no template of its own) the
    referenced Deployment's template, within the Rollout's scope and namespace.
    A reference that cannot be resolved leaves the Rollout without a template:
    the pod rules then have nothing to judge (never a guess)."""
    deployments: dict[tuple[str, str, str], Resource] = {}
    rollouts = []
    for r in resources:
        if r.type == DEPLOYMENT:
            deployments[(r.scope, r.namespace or default_namespace, r.name)] = r
        elif r.type == ROLLOUT:
            rollouts.append(r)
    for rollout in rollouts:
        ref = rollout.get("spec.workloadRef")
        if not isinstance(ref, dict) or rollout.get("spec.template") is not None:
            continue
        kind, name = ref.get("kind"), ref.get("name")
        if is_unknown(name) or kind not in (None, "Deployment") or not isinstance(name, str):
            continue
        target = deployments.get((rollout.scope, rollout.namespace or default_namespace, name))
        if target is None:
            continue
        target.meta["template_of_rollout"] = rollout.address
        spec = rollout.attrs.get("spec")
        if not isinstance(spec, dict):
            continue
        spec = dict(spec)  # the loader's own dict stays as read
        spec["template"] = target.get("spec.template")
        if spec.get("selector") is None:
            spec["selector"] = target.get("spec.selector")
        rollout.attrs = {**rollout.attrs, "spec": spec}
        rollout.meta["template_from"] = target.address
        rollout.line_of = _lines_via_ref(rollout.line_of)


def _lines_via_ref(line_of: LineOf | None) -> LineOf:
    """Template paths of a linked Rollout point at its workloadRef line."""
    def lookup(path: str) -> int | None:
        if line_of is None:
            return None
        if path.startswith(("spec.template", "spec.selector")):
            return line_of("spec.workloadRef")
        return line_of(path)

    return lookup

