"""Following references through the index: what a value not known yet names.

A reference-only value (`aws_subnet.a.id`, a plan's `references`) names the resources
its references resolve to (`resolve_refs`, `resolve_one`); a pointer that mixes in
parts terraform knew at plan names one of a bounded set (`possible_targets`). Used by
every family's graph lookups (`_aws`, `_gcp`, the failure-domain graph): one home.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from linter.addresses import strip_instance_keys
from linter.model import Resource, Unknown

if TYPE_CHECKING:
    from linter.index import Index


def reference_targets(value: Any) -> list[Any] | None:
    """The references a value is made of, or None when it is not only references.

    `[aws_subnet.a.id, aws_subnet.b.id]` (HCL: a list of Unknowns, or one
    Unknown for the whole list) -> ["aws_subnet.a", "aws_subnet.b"]; known
    strings (ids, ARNs) are kept as they are. An expression that mixes in
    variables or function calls (`concat(var.extra, [aws_subnet.a.id])`) can
    hold anything, so it yields None.
    """
    items = value if isinstance(value, (list, tuple)) else [value]
    out: list[Any] = []
    for item in items:
        if isinstance(item, Unknown):
            if not item.refs or not _pure(item):
                return None
            out.extend(item.refs)
        elif isinstance(item, str) and item:
            out.append(item)
        else:
            return None
    return out


def _pure(u: Unknown) -> bool:
    """The loader's fact: the value is exactly an attribute of what it references
    (`aws_subnet.a.id`, not `concat(var.extra, [...])`). No text is read here."""
    return u.reference


def resolve_refs(index: Index, value: Any) -> list[Resource] | None:
    """Every resource a reference-only value names; None when any part is unresolved."""
    refs = reference_targets(value)
    if not refs:
        return None
    out: list[Resource] = []
    for ref in refs:
        found = _resolve_ref(index, ref)
        if found is None:
            return None
        out.extend(r for r in found if not any(r is o for o in out))
    return out


def _resolve_ref(index: Index, ref: Any) -> list[Resource] | None:
    """One reference -> its resources; `aws_sqs_queue.dlq[0]` also finds an HCL template `aws_sqs_queue.dlq`."""
    found = index.resolve_many([ref])
    if found is None and isinstance(ref, str) and "[" in ref:
        found = index.resolve_many([strip_instance_keys(ref)])
    return found


def resolve_one(index: Index, value: Any) -> Resource | None:
    found = resolve_refs(index, value)
    if found and len(found) == 1:
        return found[0]
    return None


def possible_targets(index: Index, value: Any, holder: Resource, types: tuple[str, ...],
                     name_path: str = "name") -> list[Resource] | None:
    """The resources of `types` a pointer not known yet may name, when they can be
    bounded; None: any of them, for all the scan can tell.

    `aws_lambda_function.fn[each.key].function_name` in a plan is known after apply, with
    the references `aws_lambda_function.fn` (every instance) and `each.key`; terraform knew
    `each.key` at plan (`holder.meta["known_at_plan"]`, linter.loaders.tfplan), so the
    pointer names an instance of `fn`, or a resource whose name (`name_path`) is made from
    the strings `each.key` may hold. A rule that stays silent for any resource a pointer it
    cannot follow may name is then silent for these only."""
    found = pointer_candidates(index, value, holder, types, name_path)
    return found[0] if found is not None else None


def pointer_candidates(index: Index, value: Any, holder: Resource | None, types: tuple[str, ...],
                        name_path: str) -> tuple[list[Resource], bool] | None:
    """(the resources of `types` an Unknown's references may name, whether a part known at
    plan was followed for it); None when a reference cannot be followed."""
    if not isinstance(value, Unknown) or not value.refs:
        return None
    known = holder.meta.get("known_at_plan") if holder is not None else None
    found: list[Resource] = []
    in_part = False
    for ref in value.refs:
        one = _resolve_ref(index, ref)
        if one is not None:
            found.extend(one)
            continue
        held = known.get(ref) if known else None
        if held is None:
            return None
        in_part = True  # a known part: the value is one of the candidates, or none of them
        found.extend(_named_from(index, held, types, name_path))
    return list({id(r): r for r in found if r.type in types}.values()), in_part


def _squashed(text: str) -> str:
    """Letters and digits, lower-cased: how a name is compared with the strings it may be
    made from (`"${var.env}_jobs-DLQ"`: case and separators are what names change)."""
    return "".join(c for c in text.lower() if c.isalnum())


def _named_from_cache(_: Index) -> dict[tuple[int, tuple[str, ...], str], tuple[tuple[str, ...], list[Resource]]]:
    return {}


def _named_from(index: Index, strings: tuple[str, ...], types: tuple[str, ...], name_path: str) -> list[Resource]:
    """The resources of `types` a string made from `strings` (and text the plan does not
    show) may name: those whose name holds one of them, or is held by one (an ARN, a URL),
    or is not known. Worked out once per tuple of strings (a block's instances share it)."""
    cache = index.memo("named_from", _named_from_cache)
    key = (id(strings), types, name_path)
    hit = cache.get(key)
    if hit is not None and hit[0] is strings:
        return hit[1]
    squashed = [t for t in map(_squashed, strings) if t]
    out = []
    for r in index.by_type(*types):
        name = r.get(name_path)
        named = _squashed(name) if isinstance(name, str) else ""
        if not named or any(t in named or named in t for t in squashed):
            out.append(r)
    cache[key] = (strings, out)
    return out
