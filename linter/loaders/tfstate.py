"""Terraform state: the JSON of `terraform show -json` run without a plan file.

    terraform show -json > state.json

`values.root_module` (and its `child_modules`, at any depth) lists what exists.
Each managed resource becomes a Resource judged like a plan's `after`: it has
the same `source_format` ("tfplan"), so every Terraform rule serves it, but no
`change`, so the regression rules (which compare a plan's before and after)
stay silent. Everything in a state is known: nothing is Unknown. Data sources
become `data.<type>` resources, as in a plan, for references to resolve.
Findings point at the resource block when the state sits in its Terraform root
(or `--tf-root` is given), else at the state file.
"""

from __future__ import annotations

from typing import Any

from pathlib import Path
from linter.loaders.tfplan import (
    ConfigIndex,
    _check_shape,
    _full_address,
    _keep_ids_with_their_owner,
    _locate,
    ids_and_module,
    _source_map,
)
from linter.model import InputError, Location, Resource


def load_document(doc: dict[str, Any], path: Path, shown: str, options: dict[str, Any] | None = None) -> list[Resource]:
    options = options if options is not None else {}
    _check_shape(doc, shown, path)
    values = doc.get("values")
    root = values.get("root_module") if isinstance(values, dict) else None
    if root is None:  # `terraform show -json` of an empty state: {"format_version": "1.0"}
        return []
    try:
        return _load(root, path, shown, options)
    except (TypeError, AttributeError, KeyError, ValueError) as exc:
        raise InputError(shown, f"unexpected state structure: {type(exc).__name__}: {exc}") from None


def _modules(root: dict[str, Any]) -> list[dict[str, Any]]:
    out, stack = [], [root]
    while stack:
        module = stack.pop()
        out.append(module)
        stack.extend(reversed([m for m in module.get("child_modules") or [] if isinstance(m, dict)]))
    return out


def _load(root: dict[str, Any], path: Path, shown: str, options: dict[str, Any]) -> list[Resource]:
    modules = _modules(root)
    sources = _source_map(path, options, _root_config(root))
    resources: list[Resource] = []
    for module in modules:
        module_address = module.get("address") or None
        for res in module.get("resources") or []:
            rtype, address = res.get("type"), res.get("address")
            if not isinstance(rtype, str) or not isinstance(address, str):
                raise InputError(shown, f"a resource in {module_address or 'the root module'} lacks a type or an address")
            data = res.get("mode") == "data"
            attrs = res.get("values") if isinstance(res.get("values"), dict) else {}
            address = _full_address(address, module_address, res.get("index"))
            resource = Resource(
                type=f"data.{rtype}" if data else rtype,
                address=address,
                attrs=attrs,
                location=Location(shown),
                source_format="tfplan",
                name=str(res.get("name") or ""),
                raw_type=rtype,
                meta=ids_and_module(attrs, rtype, module_address, res.get("index")),
            )
            resource.meta["from_state"] = True
            if sources is not None:
                _locate(resource, sources, module_address, {"address": address, "module_address": module_address})
            resources.append(resource)
    _keep_ids_with_their_owner(resources)
    return resources


def _root_config(root: dict[str, Any]) -> ConfigIndex:
    """What the source finder needs from a configuration, taken from the state:
    the root module's resource addresses (the state sits in its root only if
    they are all declared in the `.tf` files beside it)."""
    config = ConfigIndex(None)
    config.root_addresses = [
        r["address"] for r in root.get("resources") or [] if r.get("mode") != "data" and isinstance(r.get("address"), str)
    ]
    config.module_calls = {m["address"]: {} for m in root.get("child_modules") or [] if isinstance(m.get("address"), str)}
    return config
