"""RES1xx for GCP: zonal GKE control planes and managed instance groups that
run one instance or live in one zone."""

from __future__ import annotations

from typing import Any, Iterator, TYPE_CHECKING

from linter.model import Resource, Severity, Violation, is_unknown
from linter.rules import rule
from linter.rules._gcp import BACKEND_SERVICES, MIGS, ZONAL_MIG, location_kind, mig_by_url, mig_size
from linter.rules._values import setting

if TYPE_CHECKING:
    from linter.engine import Context
    from linter.index import Index


@rule(
    id="RES110",
    name="gcp-gke-zonal-control-plane",
    title="GKE cluster is zonal (single control-plane zone).",
    severity=Severity.MEDIUM,
    types=("google_container_cluster",),
    remediation='Create a regional cluster: set location to a region (location = "europe-west1"); '
                "this recreates the cluster, so plan a migration.",
)
def gke_zonal_control_plane(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports GKE clusters whose `location` is a zone (`us-central1-a`). Such a
    cluster has a single control-plane replica in that zone, even when
    `node_locations` spreads its nodes over several zones.

    Why is this bad?
    When the zone fails, or during control-plane upgrades, the Kubernetes API
    of a zonal cluster is unavailable: nothing can be scheduled, scaled or
    repaired until it returns. A regional cluster runs control-plane replicas
    in several zones of the region.

    Example
    ```hcl
    resource "google_container_cluster" "main" {
      name     = "main"
      location = "us-central1-a"
    }
    ```

    Use instead
    ```hcl
    resource "google_container_cluster" "main" {
      name     = "main"
      location = "us-central1"
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/container_cluster (`location`, and the note that regional clusters should be preferred)
    """
    location = r.get("location")
    path = "location"
    if location is None:
        location, path = r.get("zone"), "zone"  # google provider < 2.x wrote zone/region
    if is_unknown(location) or location_kind(location) != "zone":
        return
    nodes = r.get("node_locations")
    extra = ""
    if isinstance(nodes, list) and nodes and not any(is_unknown(n) for n in nodes):
        extra = (f"; node_locations spreads nodes over {', '.join(map(str, nodes))} (multi-zonal), "
                 "but the control plane stays in one zone")
    yield Violation(
        f"GKE cluster {r.address} is zonal: {setting(r, path).describe()} is a zone, so its control plane "
        f"runs in that zone only{extra}",
        path=path,
    )


@rule(
    id="RES111",
    name="gcp-mig-single-instance",
    title="Managed instance group runs one instance.",
    severity=Severity.MEDIUM,
    types=MIGS,
    remediation="Set target_size = 2 or more, or give its autoscaler autoscaling_policy { min_replicas = 2 }.",
    cross=True,
)
def mig_single_instance(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports managed instance groups (zonal and regional) whose floor is one
    instance: the autoscaler targeting the group has
    `autoscaling_policy.min_replicas = 1`, or no autoscaler targets it and
    `target_size = 1`. A group of size 0 without an autoscaler is not
    reported. An autoscaler whose target cannot be resolved keeps the rule
    silent, since it might own the group.

    Why is this bad?
    With one instance every VM repair, preemption, host maintenance or rolling
    update is an outage of the service behind the group.

    Example
    ```hcl
    resource "google_compute_autoscaler" "web" {
      target = google_compute_instance_group_manager.web.id
      autoscaling_policy {
        min_replicas = 1
        max_replicas = 5
      }
    }
    ```

    Use instead
    ```hcl
    autoscaling_policy {
      min_replicas = 2
      max_replicas = 5
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/compute_instance_group_manager
    - https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/compute_region_instance_group_manager
    """
    size = mig_size(r, ctx.index)
    if size.size != 1:
        return
    kind = "Regional managed instance group" if r.type != ZONAL_MIG else "Managed instance group"
    if size.autoscaler is not None:
        yield Violation(f"{kind} {r.address} can shrink to one instance: {size.describe}")
    else:
        yield Violation(f"{kind} {r.address} runs one instance: {size.describe} and no autoscaler targets it",
                        path=size.path)


def _backend_groups(index: Index) -> dict[str, list[set[str] | None]]:
    """MIG address -> for each backend service serving it, the zones of all its groups.

    A zone set is None when a sibling group, or its zone, cannot be resolved:
    the rule then stays silent for that group.
    """
    out: dict[str, list[set[str] | None]] = {}
    for service in index.by_type(*BACKEND_SERVICES):
        if is_unknown(service.get("backend")):
            continue
        members: list[Resource] = []
        zones: set[str] | None = set()
        for backend in service.all("backend"):
            ref = backend.get("group") if isinstance(backend, dict) else backend
            mig = index.resolve(ref)
            if mig is None and isinstance(ref, str):
                mig = mig_by_url(index, ref)
            if mig is None or mig.type not in MIGS:
                zones = None
                continue
            members.append(mig)
            zone = mig.get("zone") if mig.type == ZONAL_MIG else f"region {mig.get('region')}"
            if zones is not None:
                if is_unknown(zone) or not isinstance(zone, str):  # unknown, absent or malformed
                    zones = None
                else:
                    zones.add(zone)
        for mig in members:
            out.setdefault(mig.address, []).append(zones)
    return out


@rule(
    id="RES112",
    name="gcp-mig-zonal",
    title="Instances of a managed instance group all live in one zone.",
    severity=Severity.LOW,
    types=(ZONAL_MIG,),
    remediation="Use google_compute_region_instance_group_manager with distribution_policy_zones "
                "spanning at least two zones.",
    cross=True,
)
def mig_zonal(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports zonal managed instance groups (`google_compute_instance_group_manager`)
    that run two or more instances (by `target_size` or their autoscaler's
    `min_replicas`, as RES111 computes it), all in one zone. Groups of size
    below two are left to RES111; a zonal group is fine when a backend service
    also serves another group in a different zone.

    Why is this bad?
    Several instances protect against the loss of a VM, not of the zone: a
    zone outage takes every instance of a zonal group down at once.

    Example
    ```hcl
    resource "google_compute_instance_group_manager" "web" {
      zone        = "us-central1-a"
      target_size = 3
    }
    ```

    Use instead
    ```hcl
    resource "google_compute_region_instance_group_manager" "web" {
      region                    = "us-central1"
      distribution_policy_zones = ["us-central1-a", "us-central1-b", "us-central1-c"]
      target_size               = 3
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/compute_region_instance_group_manager
    """
    size = mig_size(r, ctx.index)
    if size.size is None or size.size < 2:
        return
    behind = ctx.index.memo("gcp.backend-groups", _backend_groups)
    if any(zones is None or len(zones) >= 2 for zones in behind.get(r.address, [])):
        return  # a backend service spreads it over zones, or that cannot be known
    zone = r.get("zone")
    where = setting(r, "zone").describe() if isinstance(zone, str) else "one zone"
    yield Violation(
        f"Managed instance group {r.address} keeps all of its instances ({size.describe}) in {where}, "
        "and no backend service pairs it with a group in another zone",
        path="zone" if isinstance(zone, str) else None,
    )
