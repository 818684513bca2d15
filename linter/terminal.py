"""What the terminal wants: colour or not, how wide, and a rich Console for it.

One home for the `--color auto|always|never` decision, so `scan`, `rules` and
`explain` agree:

    always / never   the flag wins
    auto             NO_COLOR set and non-empty -> no colour (no-color.org: an
                     empty NO_COLOR means nothing); else FORCE_COLOR set and
                     non-empty -> colour; else colour when the stream is a terminal

`rich` is imported only when a console is made (start-up is paid on every commit).
"""

from __future__ import annotations

import os
import shutil
from typing import IO, Any

COLOR_CHOICES = ("auto", "always", "never")
DEFAULT_WIDTH = 100  # when the width cannot be known (not a terminal, no COLUMNS)


def use_color(choice: str | None, stream: IO[str] | None) -> bool:
    if choice == "always":
        return True
    if choice == "never":
        return False
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    try:
        return bool(stream is not None and stream.isatty())
    except (AttributeError, ValueError):  # a closed or fake stream
        return False


def width() -> int:
    """The terminal's columns (COLUMNS wins, as in shutil), else DEFAULT_WIDTH."""
    return shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns


def console(file: IO[str], color: bool, columns: int | None = None) -> Any:
    """A rich Console writing to `file` at a fixed width: the caller decides colour
    (rich would look at the buffer it writes to, not at the terminal)."""
    from rich.console import Console

    return Console(
        file=file,
        width=columns or width(),
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        highlight=False,
        emoji=False,
        soft_wrap=False,
    )


def trim_lines(text: str) -> str:
    """rich pads lines to the full width: trailing blanks help no one (copy, paste, diff)."""
    return "\n".join(line.rstrip(" ") for line in text.split("\n"))
