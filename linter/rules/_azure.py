"""Azure facts several rules share: zone lists and regions without zones."""

from __future__ import annotations

from typing import Any

from linter.model import is_unknown

# Azure regions that have no availability zones (learn.microsoft.com, "Azure
# regions list", 2025): zone rules cannot be satisfied there. Configurable per
# rule with the `regions_without_zones` option; compared without case or spaces.
REGIONS_WITHOUT_ZONES = (
    "westus", "northcentralus", "westcentralus", "canadaeast", "ukwest", "japanwest",
    "koreasouth", "southindia", "westindia", "jioindiawest", "jioindiacentral",
    "australiacentral", "australiacentral2", "australiasoutheast", "francesouth",
    "germanynorth", "norwaywest", "switzerlandwest", "uaecentral", "southafricawest",
    "brazilsoutheast", "swedensouth",
)


def normalise_region(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return value.replace(" ", "").replace("-", "").lower()


def location_of(r, index) -> Any:
    """`location`, following `location = azurerm_resource_group.x.location` to the group's value.

    Azure configurations rarely write the region twice: resources take it from
    their resource group, which HCL sees as an expression.
    """
    location = r.get("location")
    if is_unknown(location):
        group = index.resolve(location)
        if group is not None and group.type.endswith("azurerm_resource_group"):
            return group.get("location")
    return location


def region_without_zones(location: Any, ctx) -> bool | None:
    """True when `location` is in the rule's `regions_without_zones`; None when unknown."""
    if is_unknown(location):
        return None
    if location is None:
        return False
    listed = {normalise_region(x) for x in ctx.option("regions_without_zones", REGIONS_WITHOUT_ZONES)}
    return normalise_region(location) in listed


def zone_count(value: Any) -> int | None:
    """Distinct zones in a `zones` list; absent -> 0; None when unknown."""
    if value is None:
        return 0
    if is_unknown(value):
        return None
    if isinstance(value, str):
        return 1 if value else 0
    if isinstance(value, list):
        if any(is_unknown(z) for z in value):
            return None
        return len({str(z) for z in value})
    return None


def zones_text(value: Any) -> str:
    if not value:
        return "zones is unset"
    return "zones = [" + ", ".join(f'"{z}"' for z in value) + "]"
