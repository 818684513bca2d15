"""Terraform files -> blocks and expression trees (the evaluator's input).

Native syntax (`.tf`, `.tfvars`) is parsed by tree-sitter-hcl and converted
at once into small tuples, so the parse tree is freed file by file (peak
memory stays proportional to one file's tree). JSON syntax (`.tf.json`,
`.tfvars.json`) becomes the same blocks; its strings are templates.

Expression nodes are tuples whose first item names the kind:

    ("lit", value)                      number, bool, null, string without template
    ("tmpl", parts)                     parts: str | node | ("if", c, a, b) | ("for", k, v, coll, body)
    ("ref", name, line)                 a root name (`var`, `aws_subnet`, `each`)
    ("attr", obj, name)  ("index", obj, key)
    ("splat", obj, chain)               chain: nodes applied to each element, with ("it",) as the element
    ("call", name, args, expand_last, text)
    ("tuple", items, lines)  ("object", [(key, value)], lines)   a bare identifier key is ("lit", "name");
                                        lines: the line of each item (absent for values made in code)
    ("cond", c, a, b)  ("bin", op, a, b)  ("un", op, a)
    ("for", key_var, value_var, collection, key_expr|None, value_expr, cond|None, group)

A syntax error is an InputError at the first error's line.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from typing import Any, Iterator

from linter.model import InputError

Node = tuple[Any, ...]


@dataclass(slots=True)
class Attr:
    name: str
    expr: Node
    line: int
    text: str  # the expression as written (for Unknown.expr and messages)
    # what the expression says whatever instance evaluates it (`modules.AttrFacts`),
    # worked out on first use and kept with the attribute
    facts: Any = field(default=None, compare=False, repr=False)
    # the display path of the override file that wrote it into a block of another file
    # (`override.tf`), else None: the block's own file
    file: str | None = None


@dataclass(slots=True)
class Block:
    type: str
    labels: list[str]
    attrs: dict[str, Attr]
    blocks: list["Block"]
    line: int
    file: str  # display path
    # for .tf.json, attribute keys that were written as nested blocks
    json_blocks: bool = False


_PARSER: Any = None


def parser() -> Any:
    """tree-sitter-hcl's parser, made on first use (tree_sitter is imported then)."""
    global _PARSER
    if _PARSER is None:
        import tree_sitter
        import tree_sitter_hcl

        _PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_hcl.language()))
    return _PARSER


MAX_DEPTH = 200  # expressions nested deeper than this are not real configuration


def _parse(text: str, shown: str) -> tuple[bytes, Any]:
    """Bytes and the syntax tree; InputError at the first error's line.

    tree-sitter-hcl reads `1e5` as a number followed by a name: such an exponent
    (which Terraform accepts) is rewritten `1.0e5` on the same line and parsed again.
    """
    data = text.encode("utf-8")
    read = _escape_runs_kept(data)  # what the grammar reads: as long as `data`, which texts are cut from
    for _ in range(3):
        root = parser().parse(read).root_node
        if not root.has_error:
            return data, root
        at = _exponent_ends(root, read)
        if not at:
            break
        data, read = _exponents_fixed(data, at), _exponents_fixed(read, at)
    raise InputError(shown, f"invalid HCL: {_error_message(root, data)}", _error_line(root))


def _escape_runs_kept(data: bytes) -> bytes:
    """HCL reads a run of `$` (or `%`) before `{` in a template as literal characters and then
    the escape `$${` (`%%{`): `"a$$${x}"` is `a$${x}`. tree-sitter-hcl pairs them from the
    left (`$$`, then `${x}`: an interpolation). So the grammar reads the run's leading
    characters as plain letters; the text is cut from the file as written, where
    `unescape` reads the escape at the run's end."""
    if b"$$${" not in data and b"%%%{" not in data:
        return data
    out = bytearray(data)
    for mark in (b"$$${", b"%%%{"):
        start = data.find(mark)
        while start >= 0:
            end = start + 3  # the `{`
            while start > 0 and data[start - 1] == mark[0]:
                start -= 1
            out[start:end - 2] = b"x" * (end - 2 - start)
            start = data.find(mark, end)
    return bytes(out)


def _exponent_ends(root: Any, data: bytes) -> list[int]:
    """Where the integer of a `1e5` (an integer with an exponent, which the grammar misreads)
    ends."""
    at: list[int] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "numeric_lit":
            end = node.end_byte
            if b"." not in data[node.start_byte:end] and data[end:end + 1] in (b"e", b"E") and \
                    _exponent(data[end:end + 8]):
                at.append(end)
        else:
            stack.extend(node.children)
    return at


def _exponents_fixed(data: bytes, at: list[int]) -> bytes:
    """`data` with each `1e5` whose integer ends at one of `at` rewritten `1.0e5`."""
    for end in sorted(at, reverse=True):
        data = data[:end] + b".0" + data[end:]
    return data


def _exponent(word: bytes) -> bool:
    rest = word[1:]
    if rest[:1] in (b"+", b"-"):
        rest = rest[1:]
    return rest[:1].isdigit()


def parse_hcl(text: str, shown: str) -> list[Block]:
    """The top-level blocks of a native file."""
    data, root = _parse(text, shown)
    conv = _Converter(data, shown)
    body = next((c for c in root.named_children if c.type == "body"), None)
    if body is None:
        return []
    try:
        return conv.body(body)
    except RecursionError:
        raise InputError(shown, "expressions or blocks nested too deeply to read (thousands of levels)") from None


def _top_level(text: str, shown: str) -> tuple["_Converter", list[Any]]:
    """A native file's converter and the nodes of its top level (attributes, blocks)."""
    data, root = _parse(text, shown)
    body = next((c for c in root.named_children if c.type == "body"), None)
    return _Converter(data, shown), list(body.named_children) if body is not None else []


def parse_file_body(text: str, shown: str) -> Block:
    """A whole native file as one block (no type, no labels): its top-level attributes
    and blocks (a Terragrunt configuration holds both)."""
    conv, children = _top_level(text, shown)
    out = Block("", [], {}, [], 1, shown)
    last_end = -1
    try:
        for child in children:
            if child.type == "attribute":
                attr = conv.attribute(child)
                if attr.name in out.attrs:
                    raise InputError(shown, f"attribute {attr.name} set twice (first on line "
                                     f"{out.attrs[attr.name].line})", attr.line)
                out.attrs[attr.name] = attr
            elif child.type == "block":
                out.blocks.append(conv.block(child))
            else:
                continue
            last_end = conv.own_line(last_end, *conv.span)
    except RecursionError:
        raise InputError(shown, "expressions or blocks nested too deeply to read (thousands of levels)") from None
    return out


def parse_tfvars(text: str, shown: str) -> dict[str, Attr]:
    conv, children = _top_level(text, shown)
    out: dict[str, Attr] = {}
    last_end = -1
    try:
        for child in children:
            if child.type == "attribute":
                attr = conv.attribute(child)
                out[attr.name] = attr
                last_end = conv.own_line(last_end, *conv.span)
            elif child.type == "block":
                raise InputError(shown, "a variables file holds only `name = value` lines, not blocks",
                                 child.start_point[0] + 1)
    except RecursionError:
        raise InputError(shown, "expressions nested too deeply to read") from None
    return out


def _error_node(root: Any) -> Any:
    node = root
    while True:
        for child in node.children:
            if child.type == "ERROR" or child.is_missing:
                return child
            if child.has_error:
                node = child
                break
        else:
            return node


def _error_line(root: Any) -> int:
    line: int = _error_node(root).start_point[0] + 1
    return line


def _error_message(root: Any, data: bytes) -> str:
    node = _error_node(root)
    if node.is_missing:
        return f"missing {node.type!r}" if node.type not in ("identifier",) else "expression expected"
    snippet = data[node.start_byte:node.end_byte].decode("utf-8", "replace").strip().split("\n", 1)[0]
    if not snippet:
        return "unexpected end of file (unclosed block or string?)"
    return f"unexpected {snippet[:40]!r}"


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


class InvalidEscape(ValueError):
    """A `\\uNNNN` or `\\UNNNNNNNN` escape of no character UTF-8 can encode (a surrogate, or
    past U+10FFFF): terraform refuses the file ("Invalid escape sequence")."""


def unescape(text: str) -> str:
    if "\\" not in text and "$${" not in text and "%%{" not in text:
        return text
    out = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n:
            nxt = text[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            width = 4 if nxt == "u" else 8 if nxt == "U" else 0
            digits = text[i + 2:i + 2 + width] if width else ""
            if width and len(digits) == width and all(c in "0123456789abcdefABCDEF" for c in digits):
                code = int(digits, 16)
                if 0xD800 <= code < 0xE000 or code > 0x10FFFF:
                    raise InvalidEscape(f"cannot encode character U+{digits.lower()} in UTF-8")
                out.append(chr(code))
                i += 2 + width
                continue
        if ch in "$%" and text.startswith(ch + ch + "{", i):
            out.append(ch + "{")
            i += 3
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        value = float(text)
        return int(value) if value.is_integer() and abs(value) < 2**63 else value


def _kids(node: Any) -> list[Any]:
    return [c for c in node.named_children if c.type != "comment"]


_BINARY = {"+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "&&", "||"}

# Most attributes are a literal or a reference (`"postgres"`, `true`, `60`, `var.name`):
# read from their text, they need no walk of the syntax tree (which costs as much as
# the parse). The text is tree-sitter's own expression span, so what is read here is
# what the walk would give; anything less plain takes the walk.
_LITERALS = {"true": ("lit", True), "false": ("lit", False), "null": ("lit", None)}


_SIMPLE_MAX = 200  # longer texts are never read this way


def _simple_expr(text: str) -> Node | list[str] | None:
    """A literal node, the parts of a dotted reference (a list: `_reference_chain`
    makes the node), or None (walk the tree)."""
    if not text or len(text) > _SIMPLE_MAX or not text.isascii():
        return None
    first = text[0]
    if first == '"':
        inner = text[1:-1]
        if len(text) >= 2 and text[-1] == '"' and '"' not in inner and "\\" not in inner and "$" not in inner \
                and "%" not in inner and "\n" not in inner:
            return ("lit", inner)
        return None
    if first.isdigit():
        return ("lit", int(text)) if text.isdigit() and len(text) < 19 else None
    if first.isalpha() or first == "_":
        literal = _LITERALS.get(text)
        if literal is not None:
            return literal
        # names of letters, digits and underscores; a part after a dot may be an index (`x.0`)
        if not text.replace(".", "").replace("_", "").isalnum():
            return None
        parts = text.split(".")
        if parts[0] in _LITERALS:
            return None
        for part in parts:
            if not part or part[0].isdigit() and not (part.isdigit() and len(part) < 10):
                return None
        return parts
    return None


def _reference_chain(parts: list[str], line: int) -> Node:
    node: Node = ("ref", parts[0], line)
    for part in parts[1:]:
        node = ("index", node, ("lit", int(part))) if part[0].isdigit() else ("attr", node, part)
    return node


def _simple_template(text: str) -> list[Any] | None:
    """The parts of a one-line quoted template whose interpolations are each a literal
    or a dotted reference (`"${var.name}-db"`) and whose text holds no escape,
    directive, strip marker or `$` of its own: strings, literal nodes, and references
    as the lists of names `_simple_expr` gives. None: walk the tree."""
    if len(text) > _SIMPLE_MAX or len(text) < 2 or text[0] != '"' or text[-1] != '"' or not text.isascii():
        return None
    inner = text[1:-1]
    if "\\" in inner or "%" in inner or "\n" in inner or "~" in inner or '"' in inner:
        return None
    parts: list[Any] = []
    pos = 0
    while True:
        at = inner.find("${", pos)
        literal = inner[pos:] if at < 0 else inner[pos:at]
        if "$" in literal:
            return None
        if literal:
            parts.append(literal)
        if at < 0:
            return parts
        end = inner.find("}", at + 2)
        if end < 0:
            return None
        simple = _simple_expr(inner[at + 2:end].strip())
        if simple is None:
            return None
        parts.append(simple)
        pos = end + 1


# texts read by `_simple_expr` (the same few recur from file to file: `true`, `var.name`,
# `"tcp"`): what each gave, shared (nodes are tuples; a reference's parts are only read)
_READ: dict[str, Any] = {}
_READ_MAX = 4096
_UNREAD = object()


# HCL is line-based where tree-sitter-hcl is not: an attribute ends at the end of its line
# unless a bracket, a quoted template's `${`, or a heredoc is open; an object's attribute
# ends at the end of its line too; and a quoted string cannot span lines. The grammar reads
# `a = var.x\n  ? 1\n  : 2` and `"two\nlines"` as one expression; terraform refuses both.
# Only an expression's characters that change what is open are looked at, by a search for
# a class of characters (linear, no backtracking): one class where newlines end an attribute
# (its top, an object), one inside brackets (where they do not), one inside a quoted
# template's text; a quoted string without escapes or sequences is passed over whole.
_AT_LINE_LEVEL = re.compile(r'["()\[\]{}#/<\n]')
_IN_BRACKETS = re.compile(r'["()\[\]{}#/<]')
_IN_STRING = re.compile(r'["\\\n$%]')
_PLAIN_STRING = re.compile(r'"[^"\\\n$%]*"')
_HEREDOC_START = re.compile(r"<<-?([A-Za-z_][A-Za-z0-9_-]*)\r?\n")
# one way only to match each text (a comment runs to the end of its line), so no backtracking
_SPACE_OR_COMMENT = re.compile(r"(?:[ \t\r\n]|(?:#|//)[^\n]*(?![^\n])|/\*(?:[^*]|\*(?!/))*\*/)*")
MULTI_LINE_STRING = ("a quoted string cannot span lines (terraform: Invalid multi-line string): use a heredoc "
                     "(<<EOT) or \\n")
CONTINUED_LINE = ("an argument or block definition is required here (terraform: Argument or block definition "
                  "required): an expression continues on a new line only inside brackets; wrap it in parentheses")
NEW_LINE_AFTER = ("an argument or block must end with a newline (terraform: Missing newline after argument, "
                  "or after block definition)")
BLOCK_HEADER = "a block's type, labels and `{` must be on one line (terraform: Invalid block definition)"
SINGLE_LINE_BLOCK = ("a block written on one line holds one argument and ends on that line "
                     "(terraform: Invalid single-argument block definition)")
ARGUMENT_LINE = "an argument's name, `=` and value start on one line (terraform: Invalid expression)"
OBJECT_SEPARATOR = ("the attributes of an object are separated by a comma or a newline "
                    "(terraform: Missing attribute separator)")
LABEL_TEMPLATE = ("a block label cannot hold a template sequence (terraform: Invalid string literal): "
                  "write `$${` for a literal `${`")
OBJECT_LINE = ("an object's attribute ends at the end of its line (terraform: Invalid expression): a value "
               "continues on a new line only inside brackets; wrap it in parentheses")


def line_break_problem(text: str) -> tuple[int, str] | None:
    """Where an expression's text (several lines of it) breaks a line terraform does not let
    it break, and why: (offset in `text`, message); None when it breaks none."""
    # what is open: "(", "[", "{" (a for expression), "o" (an object), '"' (a quoted
    # template), "${" (a sequence in one)
    open_: list[str] = []
    i, n = 0, len(text)
    while i < n:
        top = open_[-1] if open_ else ""
        found = (_IN_STRING if top == '"' else _AT_LINE_LEVEL if top in ("", "o") else _IN_BRACKETS).search(text, i)
        if found is None:
            return None
        i = found.start()
        c = text[i]
        if top == '"':  # inside a quoted template's literal text
            if c == "\\":
                i += 2
            elif c == '"':
                open_.pop()
                i += 1
            elif c in "$%" and text.startswith("{", i + 1):
                open_.append("${")
                i += 2
            elif c in "$%" and text.startswith(c + "{", i + 1):  # `$${`, `%%{`: the characters themselves
                i += 3
            elif c == "\n":
                return i, MULTI_LINE_STRING
            else:
                i += 1
            continue
        if c == '"':
            plain = _PLAIN_STRING.match(text, i)
            if plain is not None:
                i = plain.end()
            else:
                open_.append(c)
                i += 1
        elif c in "([":
            open_.append(c)
            i += 1
        elif c == "{":
            following = _skipped(text, i + 1)
            # `{ for ...}` builds an object across lines freely, as brackets do; `{ a = 1 }` is one
            open_.append("{" if text.startswith("for", following) and text[following + 3:following + 4].isspace()
                         else "o")
            i += 1
        elif c in ")]}":
            if open_:
                open_.pop()
            i += 1
        elif c == "#" or text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif c == "<":
            heredoc = _HEREDOC_START.match(text, i)
            if heredoc is None:
                i += 1
                continue
            i = _heredoc_end(text, heredoc.end(), heredoc.group(1))
        elif c == "\n" and not open_:
            return i, CONTINUED_LINE
        elif c == "\n" and top == "o":
            # a newline ends the attribute: what follows starts the next (a name, a quoted or
            # parenthesized key) or closes the object
            following = _skipped(text, i)
            if following < n and not (text[following].isalnum() or text[following] in '_"(}'):
                return following, OBJECT_LINE
            i = following
        else:
            i += 1
    return None


def _skipped(text: str, at: int) -> int:
    """The offset of what follows the spaces, newlines and comments at `at`."""
    found = _SPACE_OR_COMMENT.match(text, at)
    return found.end() if found is not None else at


def _heredoc_end(text: str, start: int, marker: str) -> int:
    """The offset just past a heredoc's closing marker, its body starting at `start`
    (after the newline that ends its opening line)."""
    closing = _HEREDOC_ENDS.get(marker)
    if closing is None:
        if len(_HEREDOC_ENDS) > 256:
            _HEREDOC_ENDS.clear()
        # the marker alone on a line (spaces around it: `<<-` indents it); one way to match
        closing = _HEREDOC_ENDS[marker] = re.compile(r"\n[ \t]*" + re.escape(marker) + r"[ \t]*(?=\r?\n|\r?$)")
    found = closing.search(text, start - 1)
    return found.end() if found is not None else len(text)


_HEREDOC_ENDS: dict[str, re.Pattern[str]] = {}


class _Converter:
    def __init__(self, data: bytes, shown: str):
        self.data = data
        self.shown = shown
        self._last_offset = 0  # where `line_at` last counted lines from, and that line
        self._last_line = 1
        self.span = (0, 0)  # the bytes of the argument or block converted last

    def text(self, node: Any) -> str:
        return self.data[node.start_byte:node.end_byte].decode("utf-8", "replace")

    def from_text(self, text: str, start: int) -> Node | None:
        """The node of an expression read from its text (`_simple_expr`, `_simple_template`),
        or None: walk its syntax nodes. `start`: its byte offset."""
        simple = _READ.get(text, _UNREAD)
        if simple is _UNREAD:
            simple = _simple_expr(text)
            if len(_READ) >= _READ_MAX:
                _READ.clear()
            _READ[text] = simple
        if simple is not None:
            return _reference_chain(simple, self.line_at(start)) if isinstance(simple, list) else simple
        if text[:1] != '"':
            return None
        parts = _simple_template(text)
        if parts is None:
            return None
        line = self.line_at(start)  # one line: every reference in it is on it
        return _template_node([_reference_chain(p, line) if isinstance(p, list) else p for p in parts])

    def body(self, body: Any) -> list[Block]:
        out: list[Block] = []
        last_end = -1
        for child in body.named_children:
            t = child.type
            if t == "block":
                out.append(self.block(child))
                start, end = self.span
            elif t == "attribute":  # not read at a file's top (no Terraform file has one there)
                start, end = child.start_byte, child.end_byte
            else:
                continue
            last_end = self.own_line(last_end, start, end)
        return out

    def own_line(self, last_end: int, start: int, end: int) -> int:
        """An argument or block spanning bytes [start, end), the one before it ending at
        `last_end` (-1: none): each starts on a line of its own. Returns `end`."""
        if last_end >= 0 and self.data.find(b"\n", last_end, start) < 0:
            raise InputError(self.shown, f"invalid HCL: {NEW_LINE_AFTER}", self.line_at(start))
        return end

    def line_at(self, offset: int) -> int:
        """The line of a byte offset (cheaper than asking a node for its start point):
        newlines are counted from the offset asked before, as offsets come in order."""
        last = self._last_offset
        if offset >= last:
            line = self._last_line + self.data.count(b"\n", last, offset)
        else:
            line = self._last_line - self.data.count(b"\n", offset, last)
        self._last_offset = offset
        self._last_line = line
        return line

    def unescape(self, text: str, at: int) -> str:
        """`unescape`, an escape terraform refuses an error at the line of byte `at`."""
        try:
            return unescape(text)
        except InvalidEscape as exc:
            raise InputError(self.shown, f"invalid escape sequence: {exc}", self.line_at(at)) from None

    def block(self, node: Any) -> Block:
        """A block, laid out as terraform requires: its header on one line; then either its
        one argument and `}` on that line too (`timeouts { create = "1h" }`), or each argument
        and block on a line of its own and `}` on a line after the last. Sets `span`."""
        data = self.data
        node_start = node.start_byte
        line = self.line_at(node_start)
        kids = node.named_children
        btype = self.text(kids[0])
        labels: list[str] = []
        attrs: dict[str, Attr] = {}
        blocks: list[Block] = []
        opening_end = -1
        one_line = False  # its first item on the line of its `{`
        items, first_kind, last_end = 0, "", -1
        for child in kids[1:]:
            t = child.type
            if t == "string_lit":  # a label: `"name"`, no template in it
                label = self.text(child)[1:-1]
                if "\n" in label or "{" in label and ("${" in label.replace("$${", "") or
                                                        "%{" in label.replace("%%{", "")):
                    message = MULTI_LINE_STRING if "\n" in label else LABEL_TEMPLATE
                    raise InputError(self.shown, f"invalid HCL: {message}", self.line_at(child.start_byte))
                labels.append(self.unescape(label, child.start_byte))
            elif t == "identifier":
                labels.append(self.text(child))
            elif t == "block_start":
                if data.find(b"\n", node_start, child.start_byte) >= 0:
                    raise InputError(self.shown, f"invalid HCL: {BLOCK_HEADER}", line)
                opening_end = child.end_byte
            elif t == "block_end":
                closing = child.start_byte
                if items and (data.find(b"\n", last_end, closing) >= 0) == one_line:
                    raise InputError(self.shown, f"invalid HCL: {SINGLE_LINE_BLOCK if one_line else NEW_LINE_AFTER}",
                                     line if one_line else self.line_at(last_end))
                self.span = (node_start, child.end_byte)
                return Block(btype, labels, attrs, blocks, line, self.shown)
            elif t == "body":
                for item in child.named_children:
                    t = item.type
                    if t == "attribute":
                        attr = self.attribute(item)
                        if attr.name in attrs:
                            raise InputError(self.shown, f"attribute {attr.name} set twice in one block "
                                             f"(first on line {attrs[attr.name].line})", attr.line)
                        attrs[attr.name] = attr
                    elif t == "block":
                        blocks.append(self.block(item))
                    else:
                        continue
                    start, end = self.span
                    if not items:
                        one_line = opening_end >= 0 and data.find(b"\n", opening_end, start) < 0
                        first_kind = t
                    elif one_line:
                        raise InputError(self.shown, f"invalid HCL: {SINGLE_LINE_BLOCK}", line)
                    last_end = self.own_line(last_end, start, end)
                    items += 1
                if one_line and first_kind != "attribute":
                    raise InputError(self.shown, f"invalid HCL: {SINGLE_LINE_BLOCK}", line)
        self.span = (node_start, node.end_byte)
        return Block(btype, labels, attrs, blocks, line, self.shown)

    def attribute(self, node: Any) -> Attr:
        kids = node.children  # `name`, `=`, expression (cheaper to get than the named ones)
        if len(kids) == 3:
            name_node, expr_node = kids[0], kids[2]
        else:  # a comment among them
            kids = _kids(node)
            name_node, expr_node = kids[0], kids[1]
        data = self.data
        start = name_node.start_byte
        # interned: every resource's attributes and lines share one key (and pickle it once)
        name = sys.intern(data[start:name_node.end_byte].decode("utf-8", "replace"))
        expr_start, expr_end = expr_node.start_byte, expr_node.end_byte
        text = data[expr_start:expr_end].decode("utf-8", "replace")
        line = self.line_at(start)
        self.span = (start, expr_end)
        if data.find(b"\n", name_node.end_byte, expr_start) >= 0:
            raise InputError(self.shown, f"invalid HCL: {ARGUMENT_LINE}", line)
        if "\n" in text:
            problem = line_break_problem(text)
            if problem is not None:
                at, message = problem
                raise InputError(self.shown, f"invalid HCL: {message}", self.line_at(expr_start) + text.count("\n", 0, at))
        expr = self.from_text(text, expr_start)
        if expr is None:
            expr = self.sequence(_kids(expr_node), 1) if expr_node.type == "expression" else self.expr(expr_node, 0)
        return Attr(name, expr, line, text)

    def _between(self, node: Any) -> str:
        """Text between a string literal's quotes."""
        kids = node.children
        if len(kids) >= 2:
            return self.data[kids[0].end_byte:kids[-1].start_byte].decode("utf-8", "replace")
        return ""

    # ------------------------------------------------------------ expressions
    def expr(self, node: Any, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise InputError(self.shown, "expression nested too deeply (over 200 levels)", node.start_point[0] + 1)
        t = node.type
        d = depth + 1
        if t == "expression":
            start, end = node.start_byte, node.end_byte
            if end - start <= _SIMPLE_MAX:  # a literal or a reference inside a bigger expression
                simple = self.from_text(self.data[start:end].decode("utf-8", "replace"), start)
                if simple is not None:
                    return simple
            return self.sequence(_kids(node), d)
        if t == "literal_value":
            return self.expr(_kids(node)[0], d)
        if t == "numeric_lit":
            try:
                value = number(self.text(node))
            except ValueError:  # `0x10`: the grammar takes it, Terraform does not (a number, then a name)
                raise InputError(self.shown, f"invalid HCL: {self.text(node)[:40]!r} is not a number Terraform reads",
                                 node.start_point[0] + 1) from None
            if isinstance(value, float) and value in (float("inf"), float("-inf")) or \
                    isinstance(value, int) and abs(value) > 10**308:
                # Terraform's numbers are arbitrary precision; rules compare floats
                text = self.text(node).replace(".0e", "e").replace(".0E", "E")  # as _parse found it
                raise InputError(self.shown, f"the number {text[:40]}{'...' if len(text) > 40 else ''} is too large "
                                 "to judge (no configuration value is that large)", node.start_point[0] + 1)
            return ("lit", value)
        if t == "bool_lit":
            return ("lit", self.text(node) == "true")
        if t == "null_lit":
            return ("lit", None)
        if t == "string_lit":
            return ("lit", self.unescape(self._between(node), node.start_byte))
        if t == "variable_expr":
            return ("ref", self.text(node), node.start_point[0] + 1)
        if t == "collection_value":
            return self.expr(_kids(node)[0], d)
        if t == "tuple":
            elements = [c for c in _kids(node) if c.type == "expression"]
            return ("tuple", [self.expr(c, d) for c in elements], [c.start_point[0] + 1 for c in elements])
        if t == "object":
            items = []
            lines = []
            after = None  # the element before: a comma or a newline must come between
            for elem in _kids(node):
                if elem.type != "object_elem":
                    continue
                if after is not None and self.data.find(b"\n", after.end_byte, elem.start_byte) < 0 \
                        and self.data.find(b",", after.end_byte, elem.start_byte) < 0:
                    raise InputError(self.shown, f"invalid HCL: {OBJECT_SEPARATOR}", self.line_at(elem.start_byte))
                after = elem
                key_node, val_node = elem.child_by_field_name("key"), elem.child_by_field_name("val")
                items.append((self.object_key(key_node, d), self.expr(val_node, d)))
                lines.append(elem.start_point[0] + 1)
            return ("object", items, lines)
        if t == "template_expr":
            return self.expr(_kids(node)[0], d)
        if t == "quoted_template":
            kids = node.children
            return self.template(kids[1:-1], kids[0].end_byte, kids[-1].start_byte, d)
        if t == "heredoc_template":
            return self.heredoc(node, d)
        if t == "function_call":
            kids = _kids(node)
            name = self.text(kids[0])
            args: list[Node] = []
            expand = False
            for c in kids[1:]:
                if c.type == "function_arguments":
                    for a in _kids(c):
                        if a.type == "expression":
                            args.append(self.expr(a, d))
                        elif a.type == "ellipsis":
                            expand = True
            # `core::lower(...)` (Terraform 1.8+) is the built-in `lower`
            return ("call", name.removeprefix("core::"), args, expand, self.text(node))
        if t == "conditional":
            # tree-sitter-hcl groups `a ? 0 : b ? 1 : 2` as `(a ? 0 : b) ? 1 : 2`; HCL (and
            # Terraform) as `a ? 0 : (b ? 1 : 2)`: the chain is read flat and rebuilt to the right
            parts = self._conditional_chain(node)
            built = self.expr(parts[-1], d)
            for i in range(len(parts) - 3, -1, -2):
                built = ("cond", self.expr(parts[i], d), self.expr(parts[i + 1], d), built)
            return built
        if t == "operation":
            return self.expr(_kids(node)[0], d)
        if t == "unary_operation":
            op = self.text(node.children[0])
            return ("un", op, self.sequence(_kids(node), d))
        if t == "binary_operation":
            at = next(i for i, c in enumerate(node.children) if not c.is_named and c.type not in ("(", ")"))
            op = self.text(node.children[at])
            left = [c for c in node.children[:at] if c.is_named and c.type != "comment"]
            right = [c for c in node.children[at + 1:] if c.is_named and c.type != "comment"]
            return ("bin", op, self.sequence(left, d), self.sequence(right, d))
        if t == "for_expr":
            return self.for_expr(_kids(node)[0], d)
        raise InputError(self.shown, f"expression not understood: {self.text(node)[:40]!r}", node.start_point[0] + 1)

    @staticmethod
    def _conditional_chain(node: Any) -> list[Any]:
        """The operands of a conditional chain in source order (`c0 ? v0 : c1 ? v1 : e`):
        a condition that is itself an unparenthesized conditional is read into the chain."""
        parts: list[Any] = []
        pending = [node]
        tails: list[list[Any]] = []
        while pending:
            cond_node = pending.pop()
            c, a, b = _kids(cond_node)[:3]
            inner = _kids(c)
            tails.append([a, b])
            if c.type == "expression" and len(inner) == 1 and inner[0].type == "conditional" \
                    and not any(k.type == "(" for k in c.children):
                pending.append(inner[0])
            else:
                parts.append(c)
        for tail in reversed(tails):
            parts.extend(tail)
        return parts

    def sequence(self, kids: list[Any], depth: int) -> Node:
        """An expression written as a primary expression followed by traversals."""
        if not kids:
            return ("lit", None)
        return self.traversals(self.expr(kids[0], depth), kids[1:], depth)

    def traversals(self, base: Node, ops: list[Any], depth: int) -> Node:
        """`base` followed by `ops`, as HCL reads a splat: every traversal after a full
        splat `[*]`, a later splat too, applies to each element (`x[*].a[*].b` is
        `[for e in x : e.a[*].b]`); after a legacy `.*` only attributes do, and an index
        applies to the whole result (`aws_instance.web.*.id[0]` is the first id)."""
        for i, op in enumerate(ops):
            if op.type == "splat":
                splat = _kids(op)[0]
                parts = _kids(splat)
                chain: Node = ("it",)
                if splat.type == "full_splat":
                    for c in parts:
                        chain = self.postfix(chain, c, depth)
                    return ("splat", base, self.traversals(chain, ops[i + 1:], depth))
                attrs = next((k for k, c in enumerate(parts) if c.type != "get_attr"), len(parts))
                for c in parts[:attrs]:
                    chain = self.postfix(chain, c, depth)
                base = ("splat", base, chain)
                for c in parts[attrs:]:
                    base = self.postfix(base, c, depth)
                continue
            base = self.postfix(base, op, depth)
        return base

    def object_key(self, node: Any, depth: int) -> Node:
        kids = _kids(node)
        if len(kids) == 1 and kids[0].type == "variable_expr":
            return ("lit", self.text(kids[0]))  # a bare name is the key itself
        return self.expr(node, depth)

    def postfix(self, base: Node, op: Any, depth: int) -> Node:
        t = op.type
        if t == "get_attr":
            return ("attr", base, self.text(_kids(op)[0]))
        if t == "index":
            inner = _kids(op)[0]
            if inner.type == "legacy_index":  # x.0
                return ("index", base, ("lit", number(self.text(inner).lstrip("."))))
            return ("index", base, self.expr(_kids(inner)[0], depth))
        if t == "splat":
            return self.traversals(base, [op], depth)
        if t in ("get_attr", "new_index"):
            return ("index", base, self.expr(_kids(op)[0], depth))
        raise InputError(self.shown, f"expression not understood: {self.text(op)[:40]!r}", op.start_point[0] + 1)

    def for_expr(self, node: Any, depth: int) -> Node:
        kids = _kids(node)
        intro = next(c for c in kids if c.type == "for_intro")
        names = [self.text(c) for c in _kids(intro) if c.type == "identifier"]
        coll = self.expr(next(c for c in _kids(intro) if c.type == "expression"), depth)
        key_var, value_var = (names[0], names[1]) if len(names) == 2 else (None, names[0])
        exprs = [c for c in kids if c.type == "expression"]
        cond_node = next((c for c in kids if c.type == "for_cond"), None)
        cond = self.expr(_kids(cond_node)[0], depth) if cond_node is not None else None
        group = any(c.type == "ellipsis" for c in kids)
        if node.type == "for_object_expr":
            return ("for", key_var, value_var, coll, self.expr(exprs[0], depth), self.expr(exprs[1], depth), cond, group)
        return ("for", key_var, value_var, coll, None, self.expr(exprs[0], depth), cond, False)

    # ------------------------------------------------------------ templates
    # A template is read as HCL reads it: a flat run of literals and sequences (`${...}`,
    # `%{ if }`, `%{ else }`, `%{ endif }`, `%{ for }`, `%{ endfor }`), where a strip marker
    # `~` trims the whitespace of the one literal beside it; then `<<-` removes the common
    # indentation; then the directives nest. A quoted template keeps each literal whole and
    # reads backslash escapes; heredocs and template files (templatefile, `.tf.json`
    # strings) have one literal per line and only `$${`/`%%{` escapes, so there `~`
    # strips up to the end of the line only (as terraform does).
    def template(self, kids: list[Any], start: int, end: int, depth: int, per_line: bool = False,
                 flush: bool = False) -> Node:
        """The template whose content spans bytes [start, end), its sequences among `kids`."""
        tokens: list[_Literal | _Sequence] = []
        pos = start
        for node in _sequences(kids):
            self._literals(tokens, pos, node.start_byte, per_line)
            tokens.append(_Sequence(node))
            pos = node.end_byte
        self._literals(tokens, pos, end, per_line)
        _strip(tokens)
        if flush:
            _flush_indentation(tokens)
        parts, _ = self._nested(tokens, 0, (), depth)
        return _template_node(parts)

    def _literals(self, tokens: list[Any], start: int, end: int, per_line: bool) -> None:
        if end <= start:
            return
        text = self.data[start:end].decode("utf-8", "replace")
        if not per_line:
            tokens.append(_Literal(self.unescape(text, start)))
            return
        for line in text.splitlines(keepends=True):
            tokens.append(_Literal(line.replace("$${", "${").replace("%%{", "%{")))

    def _nested(self, tokens: list[Any], i: int, stops: tuple[str, ...], depth: int) -> tuple[list[Any], int]:
        """Template parts from tokens[i:], up to a sequence of a kind in `stops`."""
        parts: list[Any] = []
        while i < len(tokens):
            token = tokens[i]
            if isinstance(token, _Literal):
                if token.text:
                    if parts and isinstance(parts[-1], str):
                        parts[-1] += token.text
                    else:
                        parts.append(token.text)
                i += 1
                continue
            if token.kind in stops:
                return parts, i
            node = token.node
            inner = next((k for k in _kids(node) if k.type == "expression"), None)
            if token.kind == "interp":
                parts.append(self.expr(inner, depth) if inner is not None else ("lit", ""))
                i += 1
            elif token.kind == "if":
                then, i = self._nested(tokens, i + 1, ("else", "endif"), depth)
                other: list[Any] = []
                if i < len(tokens) and isinstance(tokens[i], _Sequence) and tokens[i].kind == "else":
                    other, i = self._nested(tokens, i + 1, ("endif",), depth)
                parts.append(("if", self.expr(inner, depth), _template_node(then), _template_node(other)))
                i += 1
            elif token.kind == "for":
                names = [self.text(k) for k in _kids(node) if k.type == "identifier"]
                body, i = self._nested(tokens, i + 1, ("endfor",), depth)
                key_var, value_var = (names[0], names[1]) if len(names) == 2 else (None, names[0])
                parts.append(("tfor", key_var, value_var, self.expr(inner, depth), _template_node(body)))
                i += 1
            else:  # an else/endif/endfor without its opening: tree-sitter reports it
                i += 1
        return parts, i

    def heredoc(self, node: Any, depth: int, final_newline: bool = True) -> Node:
        kids = node.children
        flush = self.text(kids[0]).endswith("-")
        ident = kids[1]
        closing = kids[-1]
        start = self.data.index(b"\n", ident.end_byte) + 1 if b"\n" in self.data[ident.end_byte:closing.start_byte + 1] else ident.end_byte
        end = max(self.data.rfind(b"\n", start, closing.start_byte) + 1, start)
        if not final_newline and end > start:
            end -= 1
        return self.template(kids[2:-1], start, end, depth, per_line=True, flush=flush)


_SEQUENCE_KINDS = {
    "template_interpolation": "interp", "template_if_intro": "if", "template_else_intro": "else",
    "template_if_end": "endif", "template_for_start": "for", "template_for_end": "endfor",
}
# Go's unicode.IsSpace (Python's str.isspace also takes \x1c-\x1f)
_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
         "\u2028\u2029\u202f\u205f\u3000"


class _Literal:
    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text


class _Sequence:
    """`${...}` or a directive's `%{...}`, with its strip markers (`${~`, `~}`)."""

    __slots__ = ("node", "kind", "strip_before", "strip_after")

    def __init__(self, node: Any):
        children = node.children
        self.node = node
        self.kind = _SEQUENCE_KINDS[node.type]
        self.strip_before = len(children) > 2 and children[1].type == "strip_marker"
        self.strip_after = len(children) > 3 and children[-2].type == "strip_marker"


def _sequences(kids: list[Any]) -> list[Any]:
    """The sequences of a template body in source order, directives opened."""
    out = []
    stack = list(reversed(kids))
    while stack:
        node = stack.pop()
        if node.type in _SEQUENCE_KINDS:
            out.append(node)
        elif node.type in ("template_directive", "template_if", "template_for"):
            stack.extend(reversed(node.children))
    return out


def _strip(tokens: list[Any]) -> None:
    """`~` trims the whitespace of the literal token right beside it."""
    for i, token in enumerate(tokens):
        if not isinstance(token, _Sequence):
            continue
        if token.strip_before and i > 0 and isinstance(tokens[i - 1], _Literal):
            tokens[i - 1].text = tokens[i - 1].text.rstrip(_SPACE)
        if token.strip_after and i + 1 < len(tokens) and isinstance(tokens[i + 1], _Literal):
            tokens[i + 1].text = tokens[i + 1].text.lstrip(_SPACE)


def _flush_indentation(tokens: list[Any]) -> None:
    """`<<-`: remove the least indentation of the lines from each line (HCL's
    flushHeredocTemplateParts). A line starting with a sequence has none; a line of
    only whitespace counts for nothing and keeps its whitespace."""
    least: int | None = None
    adjust: list[_Literal] = []
    newline = True
    for token in tokens:
        if newline:
            newline = False
            spaces: int | None = 0
            if isinstance(token, _Literal):
                trimmed = token.text.lstrip(_SPACE)
                if not trimmed and token.text.endswith("\n"):
                    spaces = None
                else:
                    spaces = len(token.text) - len(trimmed)
                    adjust.append(token)
            if spaces is not None and (least is None or spaces < least):
                least = spaces
        if isinstance(token, _Literal) and token.text.endswith("\n"):
            newline = True
    if least:
        for token in adjust:
            token.text = token.text[least:]


def _template_node(parts: list[Any]) -> Node:
    if not parts:
        return ("lit", "")
    if len(parts) == 1 and isinstance(parts[0], str):
        return ("lit", parts[0])
    return ("tmpl", parts)


# ---------------------------------------------------------------- JSON syntax
def parse_json_config(text: str, shown: str) -> list[Block]:
    """A `.tf.json` file -> blocks. Strings are templates (`${...}`); the block
    kinds Terraform defines are read by their known nesting depth. Every key keeps
    its line (blocks, attributes and the keys inside their values)."""
    from linter.loaders._json_lines import key_lines

    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(shown, f"invalid JSON: {exc.msg}", exc.lineno) from None
    except (ValueError, RecursionError):
        raise InputError(shown, "invalid JSON (numbers or nesting beyond what a configuration holds)") from None
    if "\\u" in text:  # as every JSON input: a lone surrogate is an error at its line
        from linter.loaders import check_surrogates

        check_surrogates(text, shown)
    if not isinstance(doc, dict):
        raise InputError(shown, "a Terraform JSON file holds an object at the top", 1)
    lines = _JsonLines(key_lines(text), shown)
    out: list[Block] = []
    depth_of = {"resource": 2, "data": 2, "module": 1, "variable": 1, "output": 1, "provider": 1,
                "locals": 0, "terraform": 0, "moved": 0, "import": 0, "check": 1, "removed": 0}
    for kind, value in doc.items():
        if kind == "//":
            continue
        for labels, body, path in _json_label_walk(value, depth_of.get(kind, 0), [], (kind,)):
            items = [(body, path)] if not isinstance(body, list) else [(b, path + (i,)) for i, b in enumerate(body)]
            for item, item_path in items:
                if isinstance(item, dict):
                    out.append(_json_block(kind, labels, item, item_path, lines, kind in ("resource", "data")))
    return out


def _json_label_walk(value: Any, depth: int, labels: list[str], path: tuple[Any, ...]
                     ) -> Iterator[tuple[list[str], Any, tuple[Any, ...]]]:
    if depth == 0:
        yield labels, value, path
        return
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _json_label_walk(inner, depth - 1, labels + [key], path + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _json_label_walk(item, depth, labels, path + (i,))


_JSON_META_BLOCKS = {"lifecycle", "provisioner", "connection"}


class _JsonLines:
    """Lines of a `.tf.json` text's keys, by document path (`loaders._json_lines.key_lines`)."""

    def __init__(self, lines: dict[tuple[Any, ...], int], shown: str):
        self.lines = lines
        self.shown = shown

    def at(self, path: tuple[Any, ...]) -> int | None:
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None


def _json_block(kind: str, labels: list[str], body: dict[str, Any], path: tuple[Any, ...], lines: _JsonLines, resource: bool) -> Block:
    line = lines.at(path) or 1
    attrs: dict[str, Attr] = {}
    blocks: list[Block] = []
    for key, value in body.items():
        if key == "//":
            continue
        if resource and key == "dynamic" and isinstance(value, dict):
            for name, spec in value.items():
                specs = [(spec, path + ("dynamic", name))] if not isinstance(spec, list) else \
                    [(s, path + ("dynamic", name, i)) for i, s in enumerate(spec)]
                for item, item_path in specs:
                    if isinstance(item, dict):
                        inner = _json_block("dynamic", [name], {k: v for k, v in item.items() if k != "content"},
                                            item_path, lines, False)
                        content = item.get("content")
                        if isinstance(content, dict):
                            inner.blocks.append(_json_block("content", [], content, item_path + ("content",), lines, True))
                        blocks.append(inner)
            continue
        if resource and key in _JSON_META_BLOCKS:
            continue
        if kind in ("variable",) and key in ("validation",):
            continue
        attrs[key] = Attr(key, json_expr(value, lines.shown, path + (key,), lines), lines.at(path + (key,)) or line,
                          json.dumps(value)[:200])
    return Block(kind, labels, attrs, blocks, line, lines.shown, json_blocks=True)


def json_expr(value: Any, shown: str, path: tuple[Any, ...] = (), lines: _JsonLines | None = None) -> Node:
    """A JSON value -> an expression: strings are templates, the rest literals;
    tuples and objects keep the line of each item when `lines` are known."""
    if isinstance(value, str):
        if "${" not in value and "%{" not in value:
            return ("lit", value)
        return template_expr(value, shown, lines.at(path) if lines is not None else None)
    if isinstance(value, list):
        items = [json_expr(v, shown, path + (i,), lines) for i, v in enumerate(value)]
        if lines is None:
            return ("tuple", items)
        return ("tuple", items, [lines.at(path + (i,)) or 0 for i in range(len(value))])
    if isinstance(value, dict):
        keys = [k for k in value if k != "//"]
        items = [(template_expr(k, shown, lines.at(path + (k,)) if lines is not None else None) if "${" in k
                  else ("lit", k), json_expr(value[k], shown, path + (k,), lines)) for k in keys]
        if lines is None:
            return ("object", items)
        return ("object", items, [lines.at(path + (k,)) or 0 for k in keys])
    return ("lit", value)


def template_expr(text: str, shown: str, line: int | None = None) -> Node:
    """A template's text (`.tf.json` strings, templatefile) -> a template node, read as
    HCL reads a template file: as a heredoc's content (one literal per line, no
    backslash escapes)."""
    marker = "RESILINT_TEMPLATE_END"
    while marker in text:
        marker += "_"
    source = f"x = <<{marker}\n{text}\n{marker}\n".encode("utf-8")
    root = parser().parse(_escape_runs_kept(source)).root_node
    if root.has_error:
        raise InputError(shown, f"invalid template in string: {text[:60]!r}", line)
    node = next(c for c in root.named_children if c.type == "body").named_children[0].named_children[1]
    while node.type != "heredoc_template" and node.named_children:
        node = node.named_children[0]
    return _Converter(source, shown).heredoc(node, 0, final_newline=False)
