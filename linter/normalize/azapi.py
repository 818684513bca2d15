"""Terraform's `azapi_resource` read as the azure-native (ARM) resource it creates.

An `azapi_resource` names an ARM type and API version
(`type = "Microsoft.ContainerService/managedClusters@2024-02-01"`) and holds
the ARM request in `body` (`{ properties = {...}, sku = {...}, zones = [...] }`;
azapi 1.x wrote it as a `jsonencode(...)` string). Pulumi's azure-native
provider takes the same ARM properties as inputs, with `properties` flattened
to the top. So an azapi resource becomes that azure-native type with those
inputs, and the Azure rules serve it unchanged:

    type       azure-native:<module>:<Resource> (AZAPI_TYPES)
    attrs      body.properties.* and the other body keys (sku, zones, kind,
               identity), `location`, `name`, `tags`, `identity`; from
               `parent_id` the names Pulumi gives as inputs: `resourceGroupName`,
               and the parent's name for a child (`resourceName` of an AKS agent
               pool, `serverName` of a SQL database)
    raw_type   azapi_resource; the address stays `azapi_resource.<name>`

A body that is not known (an expression the loader could not evaluate) is
not mapped: the resource stays `azapi_resource`, which no rule reads, because
a missing property would otherwise read as "unset". Findings name the body
path the user wrote (`body.sku.name`, `body.properties.highAvailability.mode`,
`body.properties.agentPoolProfiles[0].minCount`; an unset input where it would
go, `body.properties.availabilityZones is unset`) and point at its line.
"""

from __future__ import annotations

import json
from typing import Any

from linter.model import LineOf, Resource, is_unknown

AZAPI = "azapi_resource"

# ARM resource type (lower case) -> (azure-native type, the input naming the parent)
AZAPI_TYPES: dict[str, tuple[str, str | None]] = {
    "microsoft.resources/resourcegroups": ("azure-native:resources:ResourceGroup", None),
    "microsoft.storage/storageaccounts": ("azure-native:storage:StorageAccount", None),
    "microsoft.containerservice/managedclusters": ("azure-native:containerservice:ManagedCluster", None),
    "microsoft.containerservice/managedclusters/agentpools": ("azure-native:containerservice:AgentPool", "resourceName"),
    "microsoft.sql/servers/databases": ("azure-native:sql:Database", "serverName"),
    "microsoft.sql/servers/elasticpools": ("azure-native:sql:ElasticPool", "serverName"),
    "microsoft.dbforpostgresql/flexibleservers": ("azure-native:dbforpostgresql:Server", None),
    "microsoft.dbformysql/flexibleservers": ("azure-native:dbformysql:Server", None),
    "microsoft.cache/redis": ("azure-native:redis:Redis", None),
    "microsoft.documentdb/databaseaccounts": ("azure-native:cosmosdb:DatabaseAccount", None),
}
# Azure Cache for Redis API versions before this one have no zonalAllocationPolicy:
# azure-native v1's `cache:Redis` stands for that API in the rules
REDIS_ZONAL_POLICY_API = "2024-11-01"
REDIS_WITHOUT_ZONAL_POLICY = "azure-native:cache:Redis"
_KEPT = ("name", "location", "tags", "identity")


def arm_type(value: Any) -> tuple[str, str] | None:
    """("microsoft.storage/storageaccounts", "2023-01-01") from an azapi `type`."""
    if not isinstance(value, str) or "@" not in value:
        return None
    name, _, version = value.partition("@")
    return name.strip().lower(), version.strip()


def _body(value: Any) -> dict[str, Any] | None:
    if value is None:  # no body: the request has no properties (a resource group)
        return {}
    if isinstance(value, str):  # azapi 1.x: body = jsonencode({...})
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, dict) else None


def _parent_names(parent_id: Any, parent_input: str | None) -> dict[str, Any]:
    """resourceGroupName (and the parent's name) from an ARM id, or the reference itself."""
    if is_unknown(parent_id):
        # a reference to the group or the parent resource: rules follow it
        return {"resourceGroupName": parent_id, **({parent_input: parent_id} if parent_input else {})}
    if not isinstance(parent_id, str):
        return {}
    parts = [p for p in parent_id.split("/") if p]
    lowered = [p.lower() for p in parts]
    out: dict[str, Any] = {}
    if "resourcegroups" in lowered:
        i = lowered.index("resourcegroups")
        if i + 1 < len(parts):
            out["resourceGroupName"] = parts[i + 1]
    if parent_input and "providers" in lowered and len(parts) >= lowered.index("providers") + 4:
        out[parent_input] = parts[-1]
    return out


def arm_attrs(attrs: dict[str, Any], parent_input: str | None) -> tuple[dict[str, Any], dict[str, str]] | None:
    """The azure-native inputs of an azapi resource's attributes, and where each
    top-level input came from (`sku` -> `body.sku`); None when the body is not known."""
    body = _body(attrs.get("body"))
    if body is None:
        return None
    out: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for key in _KEPT:
        if attrs.get(key) is not None:
            out[key], origin[key] = attrs[key], key
    out.update(_parent_names(attrs.get("parent_id"), parent_input))
    for key, value in body.items():
        if key != "properties":
            out[key], origin[key] = value, f"body.{key}"
    properties = body.get("properties")
    if isinstance(properties, dict):
        for key, value in properties.items():
            out[key], origin[key] = value, f"body.properties.{key}"
    elif properties is not None:
        return None  # properties unknown as a whole: nothing can be read
    return out, origin


def normalize(resources: list[Resource]) -> None:
    """Map every `azapi_resource` whose type and body are known onto its azure-native type."""
    for r in resources:
        if r.type == AZAPI:
            _map(r)


def _map(r: Resource) -> None:
    parsed = arm_type(r.attrs.get("type"))
    if parsed is None or parsed[0] not in AZAPI_TYPES:
        return
    name, version = parsed
    native, parent_input = AZAPI_TYPES[name]
    if name == "microsoft.cache/redis" and version[:10] < REDIS_ZONAL_POLICY_API:
        native = REDIS_WITHOUT_ZONAL_POLICY
    mapped = arm_attrs(r.attrs, parent_input)
    if mapped is None:
        return
    r.attrs, origin = mapped
    if r.change is not None and isinstance(r.change.before, dict):
        before = arm_attrs(r.change.before, parent_input)
        r.change.before = before[0] if before is not None else None
    r.type, r.raw_type = native, AZAPI
    r.meta["arm_api_version"] = version
    r.meta["azapi_paths"] = origin
    if r.line_of is not None:
        r.line_of = _body_lines(r.line_of, origin)
    for noted in ("value_origin", "from_variable_default"):  # where values came from, as rules look them up
        if r.meta.get(noted):
            r.meta[noted] = _native_paths(r.meta[noted], origin)


def _native_paths(noted: dict[str, str], origin: dict[str, str]) -> dict[str, str]:
    """A map keyed by the resource's paths (`body.properties.count`) keyed by the
    azure-native paths rules read (`count`); `origin`: native key -> its body path."""
    by_body = {where: key for key, where in origin.items()}
    out: dict[str, str] = {}
    for path, text in noted.items():
        parts = path.split(".")
        for n in (3, 2, 1):  # body.properties.<key>, body.<key>, or a kept attribute
            native = by_body.get(".".join(parts[:n]))
            if native is not None:
                out[".".join([native, *parts[n:]])] = text
                break
    return out


def _body_lines(line_of: LineOf, origin: dict[str, str]) -> LineOf:
    def line(path: str) -> int | None:
        head, dot, rest = path.partition(".")
        where = origin.get(head)
        if where is None:
            return line_of(path)
        return line_of(where + dot + rest) or line_of(where) or line_of("body")
    return line


# ARM request keys that sit beside `properties` in the body: an unset one is named there
_BODY_KEYS = frozenset(("sku", "zones", "kind", "plan", "extendedLocation"))
_UNSET = " is unset"


def in_body_terms(text: str, origin: dict[str, str]) -> str:
    """A message about a mapped azapi resource, with each top-level input named as
    the body path the user wrote: `sku.name` -> `body.sku.name`. An input the
    body does not hold is named where it would go: `availabilityZones is unset`
    -> `body.properties.availabilityZones is unset`."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isalpha() and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] in '._"\'-:/[')):
            j = i
            while j < n and (text[j].isalnum() or text[j] == "_"):
                j += 1
            word = text[i:j]
            where = origin.get(word)
            if where is None and "_" not in word and _path_then_unset(text, j):  # ARM names are camelCase
                where = word if word in _KEPT else f"body.{word}" if word in _BODY_KEYS else f"body.properties.{word}"
            out.append(where if where is not None and where != word and _names_a_path(text, j) else word)
            i = j
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _path_then_unset(text: str, end: int) -> bool:
    # `availabilityZones is unset`, `agentPoolProfiles[0].count is unset and defaults to 1`:
    # the rest of a path (steps and indexes), then the words that say it is not written
    while end < len(text) and (text[end].isalnum() or text[end] in "._[]"):
        end += 1
    return text.startswith(_UNSET, end)


def _names_a_path(text: str, end: int) -> bool:
    # `sku.name = ...`, `zones: [...]`, `highAvailability.mode`, `minCount = 1`:
    # a name followed by a path step, an assignment, or the end of a clause
    rest = text[end:end + 3]
    return (rest[:1] in (".", "[") or rest.lstrip().startswith(("=", ":")) or rest[:1] in (",", ";", ")")
            or text.startswith(_UNSET, end))

