"""Lines of JSON keys, found after the fact, for input errors.

`json.loads` keeps no positions, and keeping them for every value would cost
memory on every scan. Errors are rare: when one names a path of the document
(`configuration.root_module.resources`, `findings[3].count`), its line is found
by one pass over the text, and only then.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

# a string token, a structural character, or a run of anything else (numbers,
# literals); the string alternation consumes one character per step: no backtracking
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s"{}\[\]:,]+')
# a dotted path with list indexes at the start of a message: `a.b[0].c must be ...`
_PATH_AT_START = re.compile(r"[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*|\[\d+\])*")
_PART = re.compile(r"\[(\d+)\]|\.?([A-Za-z_][\w-]*)")


def path_parts(path: str) -> list[str | int]:
    """`a.b[0].c` -> ["a", "b", 0, "c"]."""
    return [int(index) if index else name for index, name in _PART.findall(path)]


def path_in_message(message: str) -> list[str | int] | None:
    """The document path a message starts with (`resource_changes must be a list`), or None."""
    match = _PATH_AT_START.match(message)
    if not match or not message.startswith((" must ", " has ", " (", ": "), match.end()):
        return None
    return path_parts(match.group(0))


def _members(text: str) -> Iterator[tuple[tuple[Any, ...], int]]:
    """(path, offset) of every key and list item of a JSON text, in document order:
    `("a", 0, "b")` is key "b" of the first item of the list under key "a"."""
    import json

    # one frame per open container: [is an object, current key or index]
    stack: list[list[Any]] = []
    expecting_key = False
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if token in "{[":
            if stack and not stack[-1][0]:
                yield tuple(f[1] for f in stack), match.start()  # a list item
            stack.append([token == "{", None if token == "{" else 0])
            expecting_key = token == "{"
        elif token in "}]":
            if stack:
                stack.pop()
            expecting_key = False
        elif token == ",":
            if stack and stack[-1][0]:
                expecting_key = True
            elif stack:
                stack[-1][1] += 1
        elif token == ":":
            expecting_key = False
        elif expecting_key and stack and token.startswith('"'):
            try:
                stack[-1][1] = json.loads(token)
            except ValueError:
                stack[-1][1] = token[1:-1]
            yield tuple(f[1] for f in stack), match.start()
        elif stack and not stack[-1][0]:
            yield tuple(f[1] for f in stack), match.start()  # a scalar list item


def line_of(text: str, parts: list[str | int]) -> int | None:
    """Line of the key (or list item) at `parts` in a JSON text; the line of the
    deepest part found when the whole path is not there; None for an empty path."""
    if not parts:
        return None
    target = tuple(parts)
    best: int | None = None
    line, counted = 1, 0
    for path, offset in _members(text):
        if path == target[:len(path)]:
            line, counted = line + text.count("\n", counted, offset), offset
            best = line
            if len(path) == len(target):
                return best
    return best


def with_line(err: Any, text: str, parts: list[str | int] | None = None) -> Any:
    """The error with the line of the path it names, when it had none."""
    if err.line is None:
        parts = parts if parts is not None else path_in_message(err.message)
        if parts:
            err.line = line_of(text, parts)
    return err


def key_lines(text: str) -> dict[tuple[Any, ...], int]:
    """Line of every key and list item of a JSON text, by path (`("a", 0, "b")`): one
    pass, for documents whose values all need lines (`.tf.json` configurations)."""
    out: dict[tuple[Any, ...], int] = {}
    line, counted = 1, 0
    for path, offset in _members(text):
        line, counted = line + text.count("\n", counted, offset), offset
        out.setdefault(path, line)
    return out
