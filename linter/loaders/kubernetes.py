"""Kubernetes YAML: multi-document files, `List` kinds, Helm and Kustomize output.

Parsing uses libyaml (CSafeLoader) and keeps each document's node tree, so the
line of any field is found on demand, only for the objects that get findings:
the composed nodes are what `yaml.load_all` builds anyway, so keeping them
costs memory, not time.

Input errors (file and line, never a traceback): YAML syntax errors, duplicate
keys, unrendered templates (`{{ ... }}`), Python tags (safe loading only), and
documents that are not mappings in a file that holds Kubernetes objects.
A YAML file with no `apiVersion`/`kind` anywhere is not infrastructure and is
ignored.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from linter.loaders._k8s_shape import shape_problem
from linter.model import InputError, Location, PartialLoad, Resource

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

CLUSTER_SCOPED = {
    "Namespace", "Node", "PersistentVolume", "StorageClass", "ClusterRole",
    "ClusterRoleBinding", "CustomResourceDefinition", "PriorityClass",
    "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
    "APIService", "IngressClass", "RuntimeClass", "CSIDriver", "VolumeSnapshotClass",
    "GatewayClass", "ClusterIssuer",
}

TEMPLATE_RE = re.compile(r"\{\{.*?\}\}")
UNRENDERED = (
    "unrendered template ({{ ... }}): render it first "
    "(helm template, kustomize build) and scan the output"
)


class _DuplicateKeyError(Exception):
    def __init__(self, key: str, line: int, first_line: int):
        self.key, self.line, self.first_line = key, line, first_line


class ManifestLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader that also rejects duplicate mapping keys."""

    def construct_mapping(self, node: Any, deep: bool = False) -> dict:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue  # complex keys are left to the constructor to judge
            key = key_node.value
            if key in seen:
                raise _DuplicateKeyError(key, key_node.start_mark.line + 1, seen[key])
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        """PyYAML's scalar constructors fail with bare Python errors on values their
        tag does not fit (`!!bool maybe`, an empty `!!float`, `!!int x`, `!!timestamp 1`):
        turn them into a YAML error at the value's line."""
        try:
            return super().construct_object(node, deep=deep)
        except (KeyError, IndexError, TypeError, AttributeError) as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"{_short(node.value)} is not a valid !!{node.tag.rsplit(':', 1)[-1]} value",
                node.start_mark) from None
        except ValueError as exc:
            if "digits" in str(exc):  # past Python's integer conversion limit: said by the caller
                raise
            raise yaml.constructor.ConstructorError(
                None, None, f"invalid YAML value: {str(exc)[:200]}", node.start_mark) from None

    def construct_yaml_float(self, node: Any) -> float:
        """`.inf`, `-.inf`, `.nan` (and `1.0e+400`): JSON has no such numbers, so the
        Kubernetes API cannot receive them, and no rule can compare them."""
        value = super().construct_yaml_float(node)
        if value != value or value in (float("inf"), float("-inf")):
            raise yaml.constructor.ConstructorError(
                None, None, f"{_short(node.value)} is not a finite number", node.start_mark)
        return value


ManifestLoader.add_constructor("tag:yaml.org,2002:float", ManifestLoader.construct_yaml_float)


def _short(value: Any, limit: int = 60) -> str:
    """A user's value quoted for a message, cut short: never a multi-megabyte repr."""
    text = value if isinstance(value, str) else type(value).__name__
    return repr(text if len(text) <= limit else text[:limit] + "...")


def group_of(api_version: str) -> str:
    """`apps/v1` -> `apps`; `v1` (the core group) -> `core`."""
    return api_version.rsplit("/", 1)[0] if "/" in api_version else "core"


def canonical_type(api_version: str, kind: str) -> str:
    return f"{group_of(api_version)}/{kind}"


def address_of(kind: str, namespace: str | None, name: str) -> str:
    if kind in CLUSTER_SCOPED:
        return f"{kind}/{name}"
    return f"{kind}/{namespace or 'default'}/{name}"


def node_line(root: Any, path: str) -> int | None:
    """Line of the deepest node on a dotted path (mapping keys, list indexes)."""
    node = root
    line = node.start_mark.line + 1 if node is not None else None
    for part in (p for p in path.split(".") if p):
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if str(key_node.value) == part:
                    line = key_node.start_mark.line + 1
                    node = value_node
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def load_file(path: Path, shown: str, options: dict | None = None) -> list[Resource] | None:
    """Resources of one manifest file; None when the file is not Kubernetes."""
    from linter.loaders import read_text

    text = read_text(path, shown)
    try:
        documents, errors = parse_documents(text, shown), []
    except InputError:
        if "apiVersion" not in text and "kind" not in text:
            return None  # not a manifest (a CI workflow, a values file): not ours to judge
        documents, errors = parse_documents_one_by_one(text, shown)
    if not any(_is_object(doc) for doc, _ in documents):
        if errors:
            raise errors[0]
        return None
    resources = load_objects(documents, shown, options, with_nodes=True, errors=errors)
    if errors:  # the other documents are still judged
        raise PartialLoad(errors, resources)
    return resources


def _document_chunks(text: str) -> list[tuple[int, str]]:
    """(first line index, text) of each document of a stream: split before every
    `---` line and after every `...` line (document markers start at column 0,
    and end any block or quoted scalar before them)."""
    chunks: list[tuple[int, str]] = []
    start_line, current = 0, []
    for number, line in enumerate(text.splitlines(keepends=True)):
        marker = line[:3]
        if marker == "---" and line[3:4] in ("", " ", "\t", "\r", "\n") and current:
            chunks.append((start_line, "".join(current)))
            start_line, current = number, []
        current.append(line)
        if marker == "..." and line[3:4] in ("", " ", "\t", "\r", "\n"):
            chunks.append((start_line, "".join(current)))
            start_line, current = number + 1, []
    if current:
        chunks.append((start_line, "".join(current)))
    return chunks


MAX_ERRORS_PER_FILE = 100


def parse_documents_one_by_one(text: str, shown: str) -> tuple[list[tuple[Any, Any]], list[InputError]]:
    """The slow path of a stream that does not parse: each document on its own, so a
    broken one is an error at its own line and the others are still judged."""
    documents: list[tuple[Any, Any]] = []
    errors: list[InputError] = []
    for first_line, chunk in _document_chunks(text):
        try:
            parsed = parse_documents(chunk, shown)
        except InputError as err:
            if err.line is not None:
                err.line += first_line
            errors.append(err)
            if len(errors) >= MAX_ERRORS_PER_FILE:
                break
            continue
        for doc, node in parsed:
            _shift_lines(node, first_line)
            documents.append((doc, node))
    if not errors:  # splitting changed nothing we can see: report the stream's own error
        parse_documents(text, shown)
    return documents, errors


def _shift_lines(root: Any, offset: int) -> None:
    """Move a document's node marks down by `offset` lines (it was parsed on its own)."""
    if not offset:
        return
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        mark = node.start_mark
        node.start_mark = yaml.Mark(mark.name, mark.index, mark.line + offset, mark.column, None, None)
        stack.extend(_node_children(node))


def parse_documents(text: str, shown: str) -> list[tuple[Any, Any]]:
    """(data, node) for every non-empty document of a YAML stream."""
    loader = ManifestLoader(text)
    documents: list[tuple[Any, Any]] = []
    anchors = "&" in text  # without anchors there are no aliases to expand
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            if anchors:
                _check_aliases(node, shown)
            documents.append((loader.construct_document(node), node))
    except _DuplicateKeyError as dup:
        raise InputError(
            shown, f"duplicate key {dup.key!r} (first defined on line {dup.first_line})", dup.line
        ) from None
    except yaml.constructor.ConstructorError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        problem = exc.problem or "cannot construct value"
        if _template_near(text, line):
            raise InputError(shown, UNRENDERED, _template_line(text, line)) from None
        if "python/" in problem or "could not determine a constructor" in problem:
            problem = f"{problem}: only plain YAML is accepted (safe loading; tags such as !!python/... are rejected)"
        raise InputError(shown, problem, line) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        if _template_near(text, line):
            raise InputError(shown, UNRENDERED, _template_line(text, line)) from None
        raise InputError(shown, f"invalid YAML: {problem}", line) from None
    except ValueError as exc:
        if "digits" in str(exc):  # an integer of thousands of digits (Python's conversion limit)
            from linter.loaders import huge_number

            raise huge_number(text, shown) from None
        # a value YAML resolves but cannot build, e.g. the date `2024-13-45`
        raise InputError(shown, f"invalid YAML value: {exc}") from None
    finally:
        loader.dispose()
    return [(d, n) for d, n in documents if d is not None]


# aliases may repeat a value, not multiply a document ("billion laughs": nine
# nested anchors of ten aliases each are 10^9 values to every reader of the tree)
MAX_ALIAS_EXPANSION = 100_000


def _check_aliases(root: Any, shown: str) -> None:
    """Reject a document whose aliases refer to themselves or expand it past
    MAX_ALIAS_EXPANSION values (and 10x its written size). One pass over the
    composed nodes, sizes memoised per node, no recursion (deep documents)."""
    sizes: dict[int, int] = {}
    entered: set[int] = set()
    distinct = 0
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        kids = _node_children(node)
        if done:
            entered.discard(key)
            sizes[key] = size = 1 + sum(sizes[id(k)] for k in kids)
            if size > MAX_ALIAS_EXPANSION and size > 10 * distinct:
                raise InputError(shown, f"YAML aliases expand this document past {MAX_ALIAS_EXPANSION:,} values, "
                                 "over 10 times what it writes (an alias bomb?)", root.start_mark.line + 1)
            continue
        if key in sizes:
            continue
        entered.add(key)
        distinct += 1
        stack.append((node, True))
        for kid in kids:
            if id(kid) in entered:  # an ancestor: the value would contain itself
                raise InputError(shown, "a YAML alias refers to a value that contains it (a recursive value)",
                                 kid.start_mark.line + 1)
            if id(kid) not in sizes:
                stack.append((kid, False))


def _node_children(node: Any) -> list:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return node.value
    return []


def _template_near(text: str, line: int | None) -> bool:
    if "{{" not in text:
        return False
    if line is None:
        return True
    lines = text.splitlines()
    window = lines[max(0, line - 4): line + 1]
    return any("{{" in l for l in window)


def _template_line(text: str, line: int | None) -> int | None:
    lines = text.splitlines()
    lo = max(0, (line or 1) - 4)
    for i in range(lo, min(len(lines), (line or len(lines)) + 1)):
        if "{{" in lines[i]:
            return i + 1
    return line


def _is_object(doc: Any) -> bool:
    return isinstance(doc, dict) and "apiVersion" in doc and "kind" in doc


def load_objects(
    documents: list, shown: str, options: dict | None = None, with_nodes: bool = False,
    errors: list[InputError] | None = None,
) -> list[Resource]:
    """Turn documents (or (document, node) pairs) into Resources. Given an `errors`
    list, a document that is an input error goes there and the others still load."""
    resources: list[Resource] = []
    for position, item in enumerate(documents, start=1):
        if errors is None:
            _load_object(position, item, shown, with_nodes, resources)
            continue
        try:
            _load_object(position, item, shown, with_nodes, resources)
        except InputError as err:
            errors.append(err)
    return resources


def _load_object(position: int, item: Any, shown: str, with_nodes: bool, resources: list[Resource]) -> None:
    """The Resources of one document (a List gives several), appended to `resources`."""
    doc, node = item if with_nodes else (item, None)
    line = node.start_mark.line + 1 if node is not None else None
    if not isinstance(doc, dict):
        raise InputError(
            shown,
            f"document {position} is a {type(doc).__name__}, expected a mapping "
            "(a Kubernetes object with apiVersion and kind)",
            line,
        )
    if not _is_object(doc):
        return  # e.g. a values block or a Kustomization-less fragment
    kind = doc.get("kind")
    if kind == "List" and doc.get("items") is not None and not isinstance(doc.get("items"), list):
        raise InputError(shown, f"items of List must be a list of objects, got {type(doc['items']).__name__}",
                         _child(node, "items").start_mark.line + 1 if _child(node, "items") is not None else line)
    if isinstance(kind, str) and (kind == "List" or kind.endswith("List")) and isinstance(doc.get("items"), list):
        items_node = _child(node, "items")
        for i, obj in enumerate(doc["items"]):
            item_node = items_node.value[i] if items_node is not None else None
            if not isinstance(obj, dict):
                raise InputError(
                    shown, f"item {i} of {kind} is not a mapping",
                    item_node.start_mark.line + 1 if item_node is not None else line,
                )
            if _is_object(obj):
                resources.append(_resource(obj, item_node, shown))
        return
    resources.append(_resource(doc, node, shown))


def _child(node: Any, key: str) -> Any:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if key_node.value == key:
                return value_node
    return None


def _resource(obj: dict, node: Any, shown: str) -> Resource:
    line = node.start_mark.line + 1 if node is not None else None
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        meta = {}
    name, namespace = meta.get("name") or meta.get("generateName") or "", meta.get("namespace")
    for field_name, value in (("apiVersion", api_version), ("kind", kind), ("metadata.name", name), ("metadata.namespace", namespace)):
        if value is not None and not isinstance(value, str):
            raise InputError(shown, f"{field_name} must be a string, got {type(value).__name__}",
                             node_line(node, field_name) if node is not None else line)
        if isinstance(value, str) and TEMPLATE_RE.search(value):
            raise InputError(
                shown,
                f"unrendered template in {field_name} ({value!r}): render it first "
                "(helm template, kustomize build) and scan the output",
                node_line(node, field_name) if node is not None else line,
            )
    if not api_version or not kind:
        raise InputError(shown, "apiVersion and kind must not be empty", line)
    problem = shape_problem(canonical_type(api_version, kind), obj)
    if problem is not None:
        path, message = problem
        raise InputError(shown, f"{kind} {name or '(unnamed)'}: {message}",
                         node_line(node, path) if node is not None else line)
    resource = Resource(
        type=canonical_type(api_version, kind),
        address=address_of(kind, namespace, str(name)),
        attrs=obj,
        location=Location(shown, line),
        source_format="kubernetes",
        name=str(name),
        namespace=namespace,
        raw_type=api_version,
    )
    if node is not None:
        resource.line_of = lambda path, _n=node: node_line(_n, path)
    return resource
