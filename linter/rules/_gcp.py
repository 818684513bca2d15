"""GCP facts several rules share: zone vs region names, managed instance group
sizes (with the autoscaler that owns them), Cloud SQL replicas."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from linter.model import Resource, Unknown, is_unknown
from linter.rules._refs import possible_targets
from linter.rules._values import as_int, setting

if TYPE_CHECKING:
    from linter.index import Index


ZONE_RE = re.compile(r"^[a-z]+-[a-z]+[0-9]+-[a-z]$")
REGION_RE = re.compile(r"^[a-z]+-[a-z]+[0-9]+$")

ZONAL_MIG = "google_compute_instance_group_manager"
REGIONAL_MIG = "google_compute_region_instance_group_manager"
MIGS = (ZONAL_MIG, REGIONAL_MIG)
AUTOSCALERS = ("google_compute_autoscaler", "google_compute_region_autoscaler")
BACKEND_SERVICES = ("google_compute_backend_service", "google_compute_region_backend_service")


def location_kind(value: Any) -> str | None:
    """"zone", "region", or None when unknown, absent or neither."""
    if not isinstance(value, str):
        return None
    name = value.rsplit("/", 1)[-1]  # self links: .../zones/us-central1-a
    if ZONE_RE.match(name):
        return "zone"
    if REGION_RE.match(name):
        return "region"
    return None


def last_segment(value: Any) -> str | None:
    """`projects/p/topics/orders` -> `orders`; non-strings -> None."""
    if not isinstance(value, str) or not value:
        return None
    return value.rstrip("/").rsplit("/", 1)[-1]


# ------------------------------------------------------ MIGs and autoscalers
@dataclass
class AutoscalerMap:
    # MIG address -> autoscalers (with a policy that is not OFF) targeting it
    by_mig: dict[str, list[Resource]] = field(default_factory=dict)
    # an autoscaler whose target could not be resolved: it may own any MIG
    incomplete: bool = False
    # MIGs an autoscaler may own, not knowing which (a plan's `..._manager.mig[each.key].id`)
    possible: set[str] = field(default_factory=set)


def _autoscalers(index: Index) -> AutoscalerMap:
    out = AutoscalerMap()
    for a in index.by_type(*AUTOSCALERS):
        mode = a.get("autoscaling_policy.mode")
        if isinstance(mode, str) and mode.upper() == "OFF":
            continue  # an autoscaler switched off leaves target_size in charge
        target = a.get("target")
        mig = index.resolve(target)
        if mig is None and isinstance(target, str):
            mig = mig_by_url(index, target)
        if mig is None and isinstance(target, Unknown):
            possible = possible_targets(index, target, a, MIGS)
            if possible is not None:
                out.possible.update(m.address for m in possible)
                continue
        if mig is None or mig.type not in MIGS:
            out.incomplete = True
            continue
        out.by_mig.setdefault(mig.address, []).append(a)
    return out


def mig_by_url(index: Index, url: str) -> Resource | None:
    """A MIG from its self link or id (`.../zones/z/instanceGroupManagers/web`), or
    from its group's URL (`.../zones/z/instanceGroups/web`, what Pulumi stacks
    carry in a backend service instead of a reference)."""
    m = re.search(r"(?:zones|regions)/([^/]+)/(?:instanceGroupManagers|instanceGroups)/([^/]+)$", url)
    if not m:
        return None
    where, name = m.groups()
    for mig in index.by_type(*MIGS):
        if mig.get("name") == name and where in (mig.get("zone"), mig.get("region")):
            return mig
    return None


@dataclass
class MigSize:
    size: int | None  # None: not known
    # how the size is decided, for messages
    describe: str
    path: str | None
    autoscaler: Resource | None = None


def mig_size(mig: Resource, index: Index) -> MigSize:
    """The group's floor: the owning autoscaler's min_replicas, else target_size (default 0)."""
    scalers = index.memo("gcp.autoscalers", _autoscalers)
    owners = scalers.by_mig.get(mig.address, [])
    if owners:
        mins = [a.get("autoscaling_policy.min_replicas") for a in owners]
        if any(is_unknown(m) or as_int(m) is None for m in mins):
            return MigSize(None, "", None)
        sizes = [as_int(m) or 0 for m in mins]  # all numbers: checked above
        low = min(sizes)
        owner = owners[sizes.index(low)]
        return MigSize(low, f"autoscaler {owner.address} has {setting(owner, 'autoscaling_policy.min_replicas').describe()}",
                       None, owner)
    if scalers.incomplete or mig.address in scalers.possible:
        return MigSize(None, "", None)  # an unresolved autoscaler may own this group
    target = setting(mig, "target_size")
    if target.unknown:
        return MigSize(None, "", None)
    return MigSize(as_int(target.value), target.describe(), None if target.defaulted else "target_size")


# ------------------------------------------------------------------ Cloud SQL
def is_cloudsql_replica(r: Resource) -> bool | None:
    """Read replicas and read pools: `master_instance_name` set, or the instance type says so.

    None when that cannot be told (an unknown instance_type with no master).
    """
    master = r.get("master_instance_name")
    if master is not None and master != "":
        return True  # even an unknown reference means "this is a replica"
    kind = r.get("instance_type")
    if is_unknown(kind):
        return None
    return isinstance(kind, str) and kind.upper() in ("READ_REPLICA_INSTANCE", "READ_POOL_INSTANCE")
