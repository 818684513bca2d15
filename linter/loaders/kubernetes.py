"""Kubernetes YAML: multi-document files, `List` kinds, Helm and Kustomize output.

Parsing uses libyaml (CSafeLoader). Each document's node tree is dropped once
its data is built (kept, the trees took 5x the memory of the data): a
document remembers only where it lies in the file's text, and the line of a
field is found on demand, for the objects that get findings, by composing
that one document again (ManifestLines).

Input errors (file and line, never a traceback): YAML syntax errors, duplicate
keys, unrendered templates (`{{ ... }}`), Python tags (safe loading only), and
documents that are not mappings in a file that holds Kubernetes objects.
A YAML file with no `apiVersion`/`kind` anywhere is not infrastructure and is
ignored.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import yaml

from linter.loaders._k8s_shape import SHAPES, shape_problem
from linter.model import InputError, Location, PartialLoad, Resource, Unknown

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


# libyaml's composer (CSafeLoader) recurses in C once per level of nesting, where Python's
# recursion limit does not reach: some tens of thousands of levels (`[[[[...`, 2 bytes each)
# overflow the C stack and kill the process, every finding lost. No configuration nests
# hundreds of levels.
MAX_NESTING = 1000


NESTED_PAST = f"values nested more than {MAX_NESTING} levels deep: not a real configuration"


class NestedTooDeeply(yaml.YAMLError):
    """Values nested past MAX_NESTING levels; `problem_mark`: where (found again on the error
    path alone, `_deep_mark`), as a YAML error gives it."""

    def __init__(self, text: str):
        super().__init__()
        self.problem = NESTED_PAST
        self.problem_mark = _deep_mark(text)

    def __str__(self) -> str:
        return self.problem


def nested_too_deeply(exc: Exception) -> bool:
    """Whether a YAML error is nesting past what is read: the guard's (NestedTooDeeply), or
    libyaml's own where it has one (PyYAML 6.0.4's stops at 1,000 flow levels: `exceeded
    maximum nesting depth`)."""
    return isinstance(exc, NestedTooDeeply) or "maximum nesting depth" in str(getattr(exc, "problem", None) or "")


def _deep_mark(text: str) -> Any:
    """The mark of the first collection MAX_NESTING levels deep, from the parser's events
    (which keep their own stack: no recursion), or None."""
    parser = _Composer(text)
    depth = 0
    try:
        while True:
            event = parser.get_event()
            if event is None:
                return None
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth >= MAX_NESTING:
                    return event.start_mark
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        return None
    finally:
        parser.dispose()


class NestingGuard:
    """Mixed into a libyaml loader: the composer tells its resolver of each level it enters
    and leaves (`descend_resolver(parent, index)`, `ascend_resolver()`); the levels are
    counted, and past MAX_NESTING the composition stops with NestedTooDeeply, before the C
    stack can overflow. The hooks are set on the instance: entering stores the parent in a
    dict of the parents on the current path (one per level), leaving is that dict's own
    `popitem` (C: no Python call). No path resolvers are registered, so the resolver's own
    bookkeeping is not needed. About 3% of composing, where counting in two Python methods
    cost 6%."""

    def __init__(self, stream: Any):
        super().__init__(stream)  # type: ignore[call-arg]
        text = stream if isinstance(stream, str) else ""
        path: dict[Any, Any] = {}

        def descend(parent: Any, index: Any) -> None:
            path[parent] = index
            if len(path) > MAX_NESTING:
                raise NestedTooDeeply(text)

        self.descend_resolver = descend
        self.ascend_resolver = path.popitem


class GuardedLoader(NestingGuard, _BaseLoader):  # type: ignore[misc, valid-type]
    """libyaml's safe loader, guarded against nesting: for node trees read for their lines."""


class ManifestLoader(NestingGuard, _BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader that also rejects duplicate mapping keys, and values nested too deeply."""

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[str, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue  # complex keys are left to the constructor to judge
            key = key_node.value
            if key in seen:
                raise _DuplicateKeyError(key, key_node.start_mark.line + 1, seen[key])
            seen[key] = key_node.start_mark.line + 1
        mapping: dict[str, Any] = super().construct_mapping(node, deep=deep)
        return mapping

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
        value: float = super().construct_yaml_float(node)
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


DECLINED = "YAML with no document holding a top-level apiVersion and kind (not Kubernetes)"
# a top-level key starts its line (block style), quoted or not; linear, no backtracking
_TOP_LEVEL_KEY = re.compile(r"""^["']?(apiVersion|kind)["']?[ \t]*:""", re.MULTILINE)


def detect(path: Path, head: str) -> bool:
    """A document has top-level `apiVersion` and `kind`: decided on the text, before
    any parse, so other YAML (CloudFormation `!Ref`, GitLab `!reference`, mkdocs
    `!!python/name:`, Ansible vault, compose, Helm values) is never parsed at all.
    A top-level `apiVersion` alone is enough to be parsed (`load_file` skips a file
    that parses and holds no object, a Helm Chart.yaml): a manifest whose `kind:` line
    a typo broke (`kind Deployment`) is then an input error, as kubectl says, not a
    file skipped in silence."""
    flow = head.lstrip()[:1] == "{"  # JSON, or a YAML flow mapping
    seen: set[str] = set()
    if _declares(head, flow, seen):
        return True
    # the head is only the start: a long comment header or a big first document
    # may come before the Kubernetes object; the rest is scanned as it streams
    return _rest_declares(path, flow, seen) or (not flow and "apiVersion" in seen)


def _declares(text: str, flow: bool, seen: set[str]) -> bool:
    """`text` (with what was `seen` before it) holds both apiVersion and kind keys."""
    if flow:
        seen.update(key for key in ("apiVersion", "kind") if key in text)
    else:
        for match in _TOP_LEVEL_KEY.finditer(text):
            seen.add(match.group(1))
            if len(seen) == 2:
                break
    return len(seen) == 2


_DETECT_CHUNK = 1 << 20
_KEY_REACH = 4096  # what of a line the key pattern needs to see (a key, quotes and blanks)


def _rest_declares(path: Path, flow: bool, seen: set[str]) -> bool:
    """As `_declares`, over the whole file (the head is read again: 64 KiB), in
    chunks: one linear pass in bounded memory. A chunk's last, unfinished line is
    carried to the next (its start only: a key is found at the start of its line)."""
    import codecs

    from linter.loaders import in_memory
    from linter.loaders.registry import HEAD_BYTES

    data = in_memory(path)
    try:
        if data is None and path.stat().st_size <= HEAD_BYTES:
            return False  # the head was the whole file
        if data is not None and len(data) <= HEAD_BYTES:
            return False
        fh = open(path, "rb") if data is None else None
    except OSError:
        return False  # the loader reports what cannot be read
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
    carry, offset = "", 0
    try:
        while True:
            chunk = fh.read(_DETECT_CHUNK) if fh is not None else data[offset:offset + _DETECT_CHUNK]  # type: ignore[index]
            offset += len(chunk)
            text = carry + decoder.decode(chunk, final=not chunk)
            if not chunk:
                return _declares(text, flow, seen)
            if flow:  # a key anywhere: the last characters may hold the start of one
                scanned, carry = text, text[-len("apiVersion"):]
            else:
                cut = text.rfind("\n") + 1
                scanned, carry = text[:cut], text[cut:cut + _KEY_REACH]
            if _declares(scanned, flow, seen):
                return True
    except OSError:
        return False
    finally:
        if fh is not None:
            fh.close()


def load(path: Path, shown: str, options: dict[str, Any]) -> list[Resource] | None:
    return load_file(path, shown, options)


@dataclass(frozen=True)
class DocumentSpan:
    """Where one document lies in its file's text: enough to compose it again."""

    start: int  # the first character of the line the document's root starts on
    end: int
    first_line: int  # 0-based line of `start`
    # a document with `items` (a List): the line of its value, and its items' own lines
    items_line: int | None = None
    item_lines: tuple[int, ...] | None = None

    @property
    def line(self) -> int:
        return self.first_line + 1


try:
    from yaml._yaml import CParser as _Composer  # libyaml's parser and composer alone
except ImportError:  # PyYAML without libyaml
    _Composer = yaml.SafeLoader  # type: ignore[misc, assignment]  # the same interface, in Python


class _LineComposer(_Composer):
    """Composes nodes for their lines only: tags are not resolved (half the work)."""

    def descend_resolver(self, *args: Any) -> None:
        pass

    def ascend_resolver(self, *args: Any) -> None:
        pass

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        return ""


class ManifestLines:
    """Lines of fields in one manifest file, found on demand.

    Only objects with findings (or input errors) ask, so the document is
    composed again then, from its span of the text; the last one composed is
    cached, as the findings of one object are made together."""

    def __init__(self, text: str):
        self.text = text
        self._span: DocumentSpan | None = None
        self._node: Any = None

    def __getstate__(self) -> dict[str, Any]:
        return {"text": self.text, "_span": None, "_node": None}  # the cache stays behind

    def line(self, span: DocumentSpan, path: str) -> int | None:
        if self._span is not span:
            composer = _LineComposer(self.text[span.start:span.end])
            try:
                self._node = composer.get_single_node()
            except (yaml.YAMLError, ValueError, RecursionError):
                self._node = None  # e.g. a %TAG directive the span leaves out: the document's line
            finally:
                composer.dispose()
            self._span = span
        if self._node is None:
            return span.line
        found = node_line(self._node, path)
        return found + span.first_line if found is not None else None


class JsonManifestLines(ManifestLines):
    """Lines of fields of Kubernetes objects written as JSON (`kubectl apply -f x.json`),
    found by the JSON tokenizer (`_json_lines.line_of`) in the object's span: JSON is
    YAML's flow style, but one indented with tabs is not YAML."""

    def line(self, span: DocumentSpan, path: str) -> int | None:
        from linter.loaders._json_lines import line_of

        parts: list[str | int] = [int(p) if p.isdigit() else p for p in path.split(".") if p]
        found = line_of(self.text[span.start:span.end], parts) if parts else None
        return found + span.first_line if found is not None else span.line


def json_documents(text: str, values: list[tuple[Any, int, int]]) -> list[tuple[Any, DocumentSpan]]:
    """(object, span) of each JSON value of `text` (a document, or a stream of them as kubectl
    reads one), each value with the offsets it starts and ends at; a List's items' lines
    read by the tokenizer, for `_load_document`."""
    from linter.loaders._json_lines import key_lines

    out = []
    for value, start, end in values:
        first_line = text.count("\n", 0, start)
        line_start = text.rfind("\n", 0, start) + 1
        items_line = item_lines = None
        if isinstance(value, dict) and isinstance(value.get("items"), list):
            lines = key_lines(text[line_start:end])
            items_line = lines.get(("items",))
            items_line = items_line + first_line if items_line is not None else None
            item_lines = tuple(lines.get(("items", i), 1) + first_line for i in range(len(value["items"])))
        out.append((value, DocumentSpan(line_start, end, first_line, items_line, item_lines)))
    return out


def load_file(path: Path, shown: str, options: dict[str, Any] | None = None) -> list[Resource] | None:
    """Resources of one manifest file; None when the file is not Kubernetes."""
    from linter.loaders import read_text

    text = read_text(path, shown)
    try:
        documents, errors = parse_documents(text, shown), list[InputError]()
    except InputError:  # a broken document: judge the others (`detect` chose Kubernetes files only)
        documents, errors = parse_documents_one_by_one(text, shown)
    errors = sorted([*kubectl_refusals(text, shown, [span for _, span in documents]), *errors],
                    key=lambda err: err.line or 0)
    if not any(_is_object(doc) for doc, _ in documents):
        if errors:
            raise errors[0]
        return None
    resources = load_objects(documents, shown, options, lines=ManifestLines(text), errors=errors)
    if errors:  # the other documents are still judged
        raise PartialLoad(errors, resources)
    return resources


def kubectl_refusals(text: str, shown: str, spans: list[DocumentSpan]) -> list[InputError]:
    """What `kubectl apply -f` refuses in a manifest file whose documents (at `spans`) parse as
    YAML: kubectl does not read a YAML stream as YAML does. It cuts the text at every line
    that starts with `---`, refusing one with more than a comment after the dashes (`---
    !!map`, a document started on it), and parses each piece on its own, so a directive
    (`%YAML 1.1`, `%TAG`), which a piece cannot start with, is refused; and it reads a text
    that starts with `{` as a stream of JSON values, so it must be one. Each is an error at
    its line (the documents are still judged, as a broken document's neighbours are). Only
    what lies between documents is looked at: work in proportion to their number."""
    errors: list[InputError] = []
    after = 0  # where the previous document ended
    for span in spans:
        offset = after
        for line in text[after:span.start].split("\n"):  # a `%` line between documents: a directive
            if line.startswith("%"):
                errors.append(InputError(
                    shown, f"a YAML directive ({_short(line.strip(), 30)}): kubectl parses each document between "
                           "`---` lines on its own, and a document cannot start with a directive (`did not find "
                           "expected <document start>`); remove it", text.count("\n", 0, offset) + 1))
            offset += len(line) + 1
        if text.startswith("---", span.start):  # the document starts on its separator's line
            errors.append(_bad_separator(shown, text[span.start:], text.count("\n", 0, span.start) + 1))
        after = max(after, span.end)
    if _JSON_FIRST.match(text):
        refused = _not_a_json_stream(text)
        if refused is not None:
            errors.append(InputError(shown, f"kubectl reads a file that starts with `{{` as JSON (one object or a "
                                            f"stream of them), and this one is not: {refused[0]}", refused[1]))
    return errors


def _bad_separator(shown: str, text: str, line: int) -> InputError:
    """The line starting `text`: a `---` line with more after the dashes than a comment."""
    return InputError(shown, f"invalid document separator {_short(_line_from(text, 0), 30)}: kubectl takes a line "
                             "that starts with `---` for a separator and refuses anything after the dashes but a "
                             "comment; put the document on the next line", line)


_JSON_FIRST = re.compile(r"[ \t\r\n]*\{")  # anchored: linear in the leading blanks


def _line_from(text: str, start: int) -> str:
    end = text.find("\n", start)
    return text[start:end if end >= 0 else len(text)].strip()


def _not_a_json_stream(text: str) -> tuple[str, int] | None:
    """Why `text` is not a stream of JSON values, as kubectl's JSON decoder reads one, and the
    line; None when it is one, or when the YAML parse says what is wrong (a number past
    Python's conversion limit, nesting past its depth)."""
    from linter.loaders.documents import json_values

    try:
        _, error = json_values(text)
    except (ValueError, RecursionError):
        return None
    return None if error is None else (f"{error.msg} (column {error.colno})", error.lineno)


def _document_chunks(text: str) -> list[tuple[int, int, str]]:
    """(first character, first line index, text) of each document of a stream: split
    before every line that starts with `---` (as kubectl splits: `----` too) and after
    every `...` line (document markers start at column 0, and end any block or quoted
    scalar before them)."""
    chunks: list[tuple[int, int, str]] = []
    start_char, start_line = 0, 0
    current: list[str] = []
    position = 0
    for number, line in enumerate(text.splitlines(keepends=True)):
        marker = line[:3]
        if marker == "---" and current:
            chunks.append((start_char, start_line, "".join(current)))
            start_char, start_line, current = position, number, []
        current.append(line)
        position += len(line)
        if marker == "..." and line[3:4] in ("", " ", "\t", "\r", "\n"):
            chunks.append((start_char, start_line, "".join(current)))
            start_char, start_line, current = position, number + 1, []
    if current:
        chunks.append((start_char, start_line, "".join(current)))
    return chunks


MAX_ERRORS_PER_FILE = 100


def parse_documents_one_by_one(text: str, shown: str) -> tuple[list[tuple[Any, DocumentSpan]], list[InputError]]:
    """The slow path of a stream that does not parse: each document on its own, so a
    broken one is an error at its own line and the others are still judged."""
    documents: list[tuple[Any, DocumentSpan]] = []
    errors: list[InputError] = []
    for first_char, first_line, chunk in _document_chunks(text):
        try:
            parsed = parse_documents(chunk, shown)
        except InputError as err:
            if err.line is not None:
                err.line += first_line
            if chunk.startswith("---") and _line_from(chunk, 3)[:1] not in ("", "#"):  # `----`, `---foo`
                err = _bad_separator(shown, chunk, first_line + 1)
            errors.append(err)
            if len(errors) >= MAX_ERRORS_PER_FILE:
                break
            continue
        if parsed and first_char > 0 and not chunk.startswith("---"):  # after a `...` line, with no `---`
            errors.append(InputError(shown, "a document after a `...` line must start with `---`: kubectl reads "
                                            "the document before it alone and ignores this one",
                                     parsed[0][1].line + first_line))
            continue
        documents.extend((doc, _shifted(span, first_char, first_line)) for doc, span in parsed)
    if not errors:  # splitting changed nothing we can see: the stream's own error, the documents judged
        try:
            parse_documents(text, shown)
        except InputError as err:
            errors.append(err)
    return documents, errors


def _shifted(span: DocumentSpan, chars: int, lines: int) -> DocumentSpan:
    """A span found in a document parsed on its own, placed in the whole file."""
    import dataclasses

    return dataclasses.replace(
        span, start=span.start + chars, end=span.end + chars, first_line=span.first_line + lines,
        items_line=span.items_line + lines if span.items_line is not None else None,
        item_lines=tuple(n + lines for n in span.item_lines) if span.item_lines is not None else None)


def parse_documents(text: str, shown: str) -> list[tuple[Any, DocumentSpan]]:
    """(data, span) for every non-empty document of a YAML stream."""
    loader = ManifestLoader(text)
    documents: list[tuple[Any, DocumentSpan]] = []
    anchors = "&" in text  # without anchors there are no aliases to expand
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            if anchors:
                _check_aliases(node, shown)
            data = loader.construct_document(node)
            if data is not None:
                documents.append((data, _span_of(node, data)))
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
        line = yaml_error_line(exc, text)
        if nested_too_deeply(exc):
            from linter.loaders import NESTED_TOO_DEEPLY

            raise InputError(shown, NESTED_TOO_DEEPLY, line) from None
        problem = getattr(exc, "problem", None) or str(exc).split("\n")[0]
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
    return documents




def read_yaml(text: str, shown: str) -> list[Any]:
    """The documents of YAML that is not judged as manifests (a kustomization, a Chart.yaml, a
    deployer file read again), read as manifests are: guarded against alias bombs, tags their
    value does not fit (`!!bool` with none), numbers no rule can compare. InputError (naming
    `shown`) when it cannot be read, never a bare Python error."""
    return [data for data, _ in parse_documents(text, shown)]


def _span_of(node: Any, data: Any) -> DocumentSpan:
    start = node.start_mark
    items_line = item_lines = None
    items = _child(node, "items") if isinstance(data, dict) and "items" in data else None
    if items is not None:
        items_line = items.start_mark.line + 1
        if isinstance(items, yaml.SequenceNode):
            item_lines = tuple(item.start_mark.line + 1 for item in items.value)
    return DocumentSpan(start.index - start.column, node.end_mark.index, start.line, items_line, item_lines)


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


def _node_children(node: Any) -> list[Any]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        items: list[Any] = node.value
        return items
    return []


def yaml_error_line(exc: Exception, text: str) -> int | None:
    """The line of a YAML error: its mark, or for a character the reader refuses
    (a control character, a lone surrogate) the position it gives."""
    mark = getattr(exc, "problem_mark", None)
    if mark is not None:
        line: int = mark.line + 1
        return line
    position = getattr(exc, "position", None)  # yaml.reader.ReaderError
    if isinstance(position, int):
        return text.count("\n", 0, position) + 1
    return None


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


def _is_list(doc: dict[str, Any]) -> bool:
    """An object kubectl flattens into its items (it flattens any object whose `items` is a
    list): a `List` or `...List` kind, or another kind whose items are all objects (a tool's
    config with a list of strings as `items` stays the object it is, not an error)."""
    items, kind = doc.get("items"), doc.get("kind")
    return isinstance(items, list) and (isinstance(kind, str) and kind.endswith("List")
                                        or bool(items) and all(_is_object(item) for item in items))


def load_objects(
    documents: list[Any], shown: str, options: dict[str, Any] | None = None, lines: ManifestLines | None = None,
    errors: list[InputError] | None = None,
) -> list[Resource]:
    """Turn documents into Resources: plain documents, or (document, span)
    pairs of a file whose `lines` can be looked up. Given an `errors` list, a
    document that is an input error goes there and the others still load."""
    resources: list[Resource] = []
    if lines is not None and "${" in lines.text:  # placeholders a deploy substitutes: unknown here
        for doc, _ in documents:
            deploy_time_values(doc)
    for position, item in enumerate(documents, start=1):
        if errors is None:
            _load_document(position, item, shown, lines, resources)
            continue
        try:
            _load_document(position, item, shown, lines, resources)
        except PartialLoad as err:  # a List some of whose items are errors: the others are in `resources`
            errors.extend(err.errors)
        except InputError as err:
            errors.append(err)
    return resources


# where a placeholder stays the text it is: names, and what selects by them (the same
# placeholder stands for the same value in a label and in the selector that reads it)
_NAMING_KEYS = frozenset(("apiVersion", "kind", "metadata", "selector", "matchLabels", "labels", "annotations",
                          "name", "namespace"))


def deploy_time_values(value: Any) -> None:
    """Values that are a whole `${NAME}` placeholder (`${NAME:=default}` too) become
    Unknown, in place: Flux substitutes them after building (`postBuild.substitute`),
    and pipelines with `envsubst` before `kubectl apply`, so `replicas: ${replicas}` is a
    number not known here, never a string Kubernetes would refuse."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if key in _NAMING_KEYS:
            continue
        if isinstance(item, str):
            if item.startswith("${") and item.endswith("}") and "}" not in item[2:-1] and "${" not in item[2:]:
                value[key] = Unknown(item)
        elif isinstance(item, (dict, list)):
            deploy_time_values(item)


def _load_document(position: int, item: Any, shown: str, lines: ManifestLines | None,
                   resources: list[Resource]) -> None:
    """The Resources of one document (a List gives several), appended to `resources`."""
    doc, span = item if lines is not None else (item, None)
    line = span.line if span is not None else None
    line_at = functools.partial(_document_line, lines, span, line)
    if not isinstance(doc, dict):
        raise InputError(
            shown,
            f"document {position} is a {type(doc).__name__}, expected a mapping "
            "(a Kubernetes object with apiVersion and kind)",
            line,
        )
    if ("apiVersion" in doc) != ("kind" in doc):  # an object missing half its type: a typo kubectl refuses
        has, lacks = ("apiVersion", "kind") if "apiVersion" in doc else ("kind", "apiVersion")
        raise InputError(shown, f"document {position} has {has} but no {lacks}: kubectl refuses it (its type is "
                                f"apiVersion and kind together); add {lacks}, or fix the key that should be it",
                         line_at(has) or line)
    if not _is_object(doc):
        return  # e.g. a values block or a Kustomization-less fragment
    kind = doc.get("kind")
    if kind == "List" and doc.get("items") is not None and not isinstance(doc.get("items"), list):
        raise InputError(shown, f"items of List must be a list of objects, got {type(doc['items']).__name__}",
                         span.items_line if span is not None else line)
    if _is_list(doc):
        refused: list[InputError] = []  # items kubectl refuses: errors at their lines, the others still read
        for i, obj in enumerate(doc["items"]):
            item_line = span.item_lines[i] if span is not None and span.item_lines else line
            if not isinstance(obj, dict):
                refused.append(InputError(shown, f"item {i} of {kind} is not a mapping", item_line))
            elif not _is_object(obj):  # kubectl: "Object 'Kind' is missing"
                refused.append(InputError(
                    shown, f"item {i} of {kind} has no {'kind' if 'apiVersion' in obj else 'apiVersion'}: kubectl "
                           "refuses an item that is not an object (apiVersion and kind)", item_line))
            elif _is_list(obj):
                refused.append(InputError(
                    shown, f"item {i} of {kind} is itself a list ({obj['kind']} with items): kubectl refuses a list "
                           "in a list (`is not a list: no Items field`); put its items in the outer list", item_line))
            else:
                resources.append(_resource(obj, shown, item_line, line_at, f"items.{i}."))
        if refused:
            raise PartialLoad(refused, [])
        return
    resources.append(_resource(doc, shown, line, line_at))


# module-level functions under functools.partial, not closures: resources loaded
# in a worker process (linter.loaders.parallel) travel back pickled, line lookups included
def _document_line(lines: ManifestLines | None, span: DocumentSpan | None, fallback: int | None, path: str) -> int | None:
    return lines.line(span, path) if lines is not None and span is not None else fallback


def _field_line(line_at: Callable[[str], int | None], prefix: str, path: str) -> int | None:
    return line_at(prefix + path)


def _child(node: Any, key: str) -> Any:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if key_node.value == key:
                return value_node
    return None


def _resource(obj: dict[str, Any], shown: str, line: int | None, line_at: Callable[[str], int | None], prefix: str = "") -> Resource:
    """One object; `line_at(path)` is the line of a field of its document, `prefix`
    the object's own path there (`items.3.` for an item of a List)."""
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        meta = {}
    name, namespace = meta.get("name") or meta.get("generateName") or "", meta.get("namespace")
    for field_name, value in (("apiVersion", api_version), ("kind", kind), ("metadata.name", name), ("metadata.namespace", namespace)):
        if value is not None and not isinstance(value, str):
            raise InputError(shown, f"{field_name} must be a string, got {type(value).__name__}",
                             line_at(prefix + field_name))
        if isinstance(value, str) and TEMPLATE_RE.search(value):
            raise InputError(
                shown,
                f"unrendered template in {field_name} ({value!r}): render it first "
                "(helm template, kustomize build) and scan the output",
                line_at(prefix + field_name),
            )
    if not api_version or not kind:
        raise InputError(shown, "apiVersion and kind must not be empty", line)
    canonical = canonical_type(api_version, kind)
    problem = shape_problem(canonical, obj)
    if problem is not None:
        path, message = problem
        raise InputError(shown, f"{kind} {name or '(unnamed)'}: {message}",
                         line_at(prefix + path))
    if not name and canonical in SHAPES:  # else judged as "Deployment default/", an object that never exists
        raise InputError(shown, f"{kind} has no metadata.name: Kubernetes refuses an object without a name "
                         "(or generateName); name it", line_at(prefix + "metadata") or line)
    resource = Resource(
        type=canonical,
        address=address_of(kind, namespace, str(name)),
        attrs=obj,
        location=Location(shown, line),
        source_format="kubernetes",
        name=str(name),
        namespace=namespace,
        raw_type=api_version,
    )
    if line is not None:
        resource.line_of = functools.partial(_field_line, line_at, prefix)
    return resource
