"""Writing reports and baselines: atomically, and never over an input.

Every file resilint writes goes through `write_atomically`: the text goes to a
temporary file in the target's directory, which then replaces the target in
one `os.replace`. A reader (a CI step, a second scan writing the same file)
sees the previous file or the new one, never a truncated one; SIGINT or
SIGTERM during the write leaves the previous file intact and no temporary
file behind.
"""

from __future__ import annotations

import os
import signal
from contextlib import contextmanager
from typing import Iterable, Iterator


class OutputIsAnInput(Exception):
    """`-o` names a file the scan reads: writing the report would destroy it."""

    def __init__(self, path: str, what: str):
        super().__init__(f"{path} is {what}: writing the report there would overwrite it "
                         "(resilint never writes its inputs); choose another -o")
        self.path = path


def check_not_an_input(output: str, inputs: Iterable[tuple[str, str]]) -> None:
    """Raise OutputIsAnInput when `output` resolves to one of the (path, what) inputs."""
    try:
        target = os.stat(output)
    except OSError:
        return  # not there yet: cannot be an input
    for path, what in inputs:
        try:
            if os.path.samefile(output, path) or _same(target, os.stat(path)):
                raise OutputIsAnInput(output, what)
        except OSError:
            continue


def _same(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


@contextmanager
def _interrupts_raise() -> Iterator[None]:
    """SIGTERM raises (like SIGINT) while the file is written, so the temporary file
    is removed; the default action would kill the process and leave it behind."""
    def terminate(signum: int, frame: object) -> None:  # noqa: ARG001 - signal handler signature
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, terminate)
    except (ValueError, OSError):  # not the main thread: nothing to install
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def write_atomically(path: str, text: str) -> None:
    """Write `text` to `path` (UTF-8): the whole new file or the previous one, never
    a part. Raises OSError when the directory cannot be written."""
    target = os.path.realpath(path) if os.path.islink(path) else path  # write through a link
    if os.path.isdir(target):
        raise IsADirectoryError(21, "Is a directory", path)
    if os.path.exists(target) and not os.path.isfile(target):  # /dev/stdout, a pipe: nothing to replace
        with open(target, "w", encoding="utf-8") as fh:
            fh.write(text)
        return
    directory = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(directory):
        raise FileNotFoundError(2, "No such file or directory", path)
    import tempfile

    with _interrupts_raise():
        fd, temp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(target)}.", suffix=".tmp")
        try:
            with open(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(temp, _mode_for(target))
            os.replace(temp, target)
        except BaseException:
            try:
                os.unlink(temp)
            except OSError:
                pass
            raise


def _mode_for(target: str) -> int:
    """The existing file's permissions, else what `open()` would give (0666 - umask)."""
    try:
        return os.stat(target).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
