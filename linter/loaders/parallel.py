"""Use every core when there is enough work: files load in worker processes,
rules run in a forked child beside this process.

Loading. Big scans (many manifests, plans and stacks) spend most of their time
parsing and building resources, file by file, independently: worker processes
detect and load files ahead of `load_paths`, while this process loads its own
share (files are handed out one batch at a time, so a slow core gets fewer), and
a worker's resources travel back pickled; this process's share costs no pickling
at all. Small scans (a pre-commit run on a few files) pay no pool start-up: below
PARALLEL_MIN_BYTES of input, or with one file, or with no idle core (the load
average says the other cores are busy), nothing is loaded ahead.

`load_paths` then walks its files as it always does and, for a file loaded
ahead, replays what was found (detection, resources, errors, skip reasons)
instead of loading it, so the result is the serial one exactly; the notes
loaders leave in the scan's options (a plan records the Terraform root it
covers) are merged back before directories (Terraform roots) load.

Rules. `in_two` runs one half of the work here and the other in a child forked
after loading: the child sees every resource and index as they are (no
pickling); only its findings come back. The engine splits its checks in order,
so the findings are the serial ones in the serial order.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, TypeVar

from linter.model import InputError, Resource

# below this much input a pool costs more than it saves (start-up, pickling)
PARALLEL_MIN_BYTES = 4_000_000
BATCHES_PER_WORKER = 4  # smaller batches even out files of unequal cost
T = TypeVar("T")


@dataclass
class LoadedAhead:
    """What `load_paths` would have found for one file: its loader (by registry
    name) or why none, and, for a file loader, what loading it gave."""

    entry: str | None
    reason: str = ""
    failure: Exception | None = None  # detection failed (InputError, OSError)
    resources: list[Resource] | None = None
    errors: list[InputError] = field(default_factory=list)
    skipped: list[Any] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def owner(self) -> tuple[Any, str]:
        """As `_owner`: the registry entry and the reason, or the detection failure raised."""
        if self.failure is not None:
            raise self.failure
        from linter.loaders.registry import entry

        return (entry(self.entry) if self.entry else None), self.reason

    def replay(self, out: Any) -> list[Resource] | None:
        """As `_load_file`: what loading reported, into `out`; the resources."""
        out.errors.extend(self.errors)
        out.skipped.extend(self.skipped)
        out.notes.extend(self.notes)
        return self.resources


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def available_cores() -> int:
    """This process's core plus those the load average leaves idle: a second
    process only pays when a core is free for it. On a machine already busy
    (other jobs, a parallel test run) a worker shares a core with this process,
    and the pickling and copied pages are pure cost (measured: 1.34 s against
    0.71 s for one core at load 3.8 on 2 cores). The 1-minute load average
    mostly predates this scan, so it counts the other work, but it lags: a
    minute after other work (often the scans just before this one) it still
    says busy. So cores the machine left idle since this scan began
    (`idle_cores`) count too."""
    total = cores()
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # not available on this platform
        return total
    by_load = max(1, min(total, int(total - load + 1.3)))
    if by_load < total and os.cpu_count() == total:  # idle time is counted over every core
        idle = idle_cores()
        if idle is not None:  # each process beside this one needs a core idle 70% of the time
            return max(by_load, min(total, 1 + int(idle + 0.3)))
    return by_load


# the machine's idle CPU time (seconds, every core) and the clock when the scan began
_SCAN_START: tuple[float, float] | None = None


def note_scan_start() -> None:
    """Note the machine's idle time now, for `idle_cores` (the loaders call it first)."""
    global _SCAN_START
    idle = _idle_seconds()
    _SCAN_START = (idle, time.monotonic()) if idle is not None else None


def idle_cores() -> float | None:
    """Cores the machine left idle since the scan began, on average (this process
    kept one busy): what is free now, where the load average lags. None where
    unknown (not Linux) or too soon to tell (the counters tick 100 times a second)."""
    if _SCAN_START is None:
        return None
    idle, elapsed = _idle_seconds(), time.monotonic() - _SCAN_START[1]
    if idle is None or elapsed < 0.1:
        return None
    return max(0.0, idle - _SCAN_START[0]) / elapsed


def _idle_seconds() -> float | None:
    """CPU time every core spent idle since boot (Linux's /proc/stat: idle and iowait)."""
    try:
        with open("/proc/stat", "rb") as fh:
            fields = fh.readline().split()
        return (int(fields[4]) + int(fields[5])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def load_ahead(found: list[Any], options: dict[str, Any]) -> dict[Path, LoadedAhead]:
    """The files of `found` (loaders.Found) detected and loaded in worker
    processes, when it pays (`options["jobs"]`: at most that many processes,
    1 = never); {} otherwise. Loaders' notes are merged into `options`."""
    from linter.loaders import in_memory
    from linter.loaders.registry import candidates

    # stdin lives in this process; a file only a directory's loader claims by its name
    # (a `.tf`) is known without reading it, and loads with its directory, not here
    found = [f for f in found if in_memory(f.path) is None
             and not _claimed_by_directory(candidates(f.path.name, f.named))]
    jobs = min(int(options.get("jobs") or available_cores()), len(found))
    if jobs < 2:
        return {}
    sizes = [_size(f.path) for f in found]
    if sum(sizes) < PARALLEL_MIN_BYTES:
        return {}
    return _load_in_pool(found, sizes, options, jobs)


def _claimed_by_directory(offered: tuple[Any, ...]) -> bool:
    """As `_owner` decides it: one entry, a directory unit, that owns the name."""
    return len(offered) == 1 and offered[0].owns_its_suffixes and offered[0].unit == "directory"


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # the loader reports it


def batches(sizes: list[int], count: int) -> list[list[int]]:
    """File indexes in `count` batches of about equal bytes (biggest files first)."""
    loads = [0] * count
    out: list[list[int]] = [[] for _ in range(count)]
    for i in sorted(range(len(sizes)), key=lambda i: -sizes[i]):
        lightest = min(range(count), key=loads.__getitem__)
        out[lightest].append(i)
        loads[lightest] += sizes[i]
    return [b for b in out if b]


def process_pool(jobs: int) -> Any:
    """A pool of `jobs` worker processes (a ProcessPoolExecutor, to use in a `with`)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    method = "fork" if can_fork() else "spawn"
    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context(method))


def _load_in_pool(found: list[Any], sizes: list[int], options: dict[str, Any], jobs: int) -> dict[Path, LoadedAhead]:
    from collections import deque
    from concurrent.futures import FIRST_COMPLETED, wait

    ahead: dict[Path, LoadedAhead] = {}
    queue = deque(batches(sizes, jobs * BATCHES_PER_WORKER))  # biggest first
    in_flight: dict[Any, list[int]] = {}

    def load_here(batch: list[int]) -> None:
        for i in batch:
            ahead[found[i].path] = _load_one(found[i], options)

    def collect(done: Iterable[Any]) -> None:
        for future in done:
            batch = in_flight.pop(future)
            try:
                loaded, notes = future.result()
            except Exception:  # a result that cannot be pickled (values nested past the recursion
                load_here(batch)  # limit), a worker killed: loaded here instead, the same result
                continue
            for i, result in zip(batch, loaded):
                ahead[found[i].path] = result
            merge_notes(options, notes)

    # this process is one of the `jobs`: it loads batches itself between handing them out
    with process_pool(jobs - 1) as pool:
        while queue or in_flight:
            while queue and len(in_flight) < 2 * (jobs - 1):  # one running and one waiting per worker
                batch = queue.popleft()
                try:
                    in_flight[pool.submit(_load_batch, [found[i] for i in batch], options)] = batch
                except Exception:  # the pool is broken (a worker died): the rest loads here
                    load_here(batch)
                    while queue:
                        load_here(queue.popleft())
            if queue:
                load_here(queue.pop())  # the smallest left: this process also unpickles what workers send
                collect([f for f in in_flight if f.done()])
            else:
                collect(wait(in_flight, return_when=FIRST_COMPLETED).done)
    return ahead


def can_fork() -> bool:
    """fork is the cheapest start (everything is imported and loaded already), but
    only safe in a process with no other threads (a host such as a gRPC server)."""
    import multiprocessing

    return threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()


def in_two(here: Callable[[], T], there: Callable[[], T]) -> tuple[T, T]:
    """`here()` in this process and `there()` in a forked child, at the same time.

    The child inherits everything (nothing is pickled on the way in) and sends
    its result back pickled. Where fork is unsafe or the child fails (killed,
    out of memory, a result that cannot be pickled), `there()` runs here after
    `here()`: the result is the same, only later."""
    if not can_fork():
        return here(), there()
    import pickle

    for stream in (sys.stdout, sys.stderr):  # else the child flushes our buffered text again
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):  # closed, or not a stream
            pass
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        status = 1
        try:
            os.close(reader)
            data = pickle.dumps(there(), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(writer, "wb") as out:
                out.write(data)
            status = 0
        finally:
            os._exit(status)  # no atexit handlers, no flushing of the parent's buffers
    os.close(writer)
    theirs: list[T] = []
    try:
        mine = here()
    finally:
        with os.fdopen(reader, "rb") as incoming:
            try:  # unpickled as it arrives: the pickled bytes are never all held beside the result
                theirs.append(pickle.load(incoming))
            except Exception:  # a truncated result (the child died): computed again below
                pass
        _, status = os.waitpid(pid, 0)
    return mine, theirs[0] if status == 0 and theirs else there()


def in_two_shared(count: int, work: Callable[[int], T]) -> list[T]:
    """`work(0)`, ..., `work(count - 1)` shared between this process and a forked child
    (`in_two`), the results in order. Each process takes the next part nobody has taken
    yet, so a core that runs slower at the time (another job, a busy host: two equal
    halves were seen to take 0.25 and 0.4 s) does fewer parts instead of keeping the
    other waiting. Parts are handed out as one byte each through a pipe both processes
    read: a read from a pipe takes bytes no other reader gets. A part the child took
    but did not send back (it died) is done here."""
    if not 0 < count <= 255:  # a byte each
        raise ValueError(f"parts to share: {count} (1 to 255)")
    reader, writer = os.pipe()
    try:
        os.write(writer, bytes(range(count)))  # far below a pipe's buffer: never blocks
    finally:
        os.close(writer)  # the pipe ends once every part is taken

    def take() -> dict[int, T]:
        done: dict[int, T] = {}
        while part := os.read(reader, 1):
            done[part[0]] = work(part[0])
        return done

    try:
        mine, theirs = in_two(take, take)
    finally:
        os.close(reader)
    return [mine[i] if i in mine else theirs[i] if i in theirs else work(i) for i in range(count)]


def _load_batch(found: list[Any], options: dict[str, Any]) -> tuple[list[LoadedAhead], dict[str, Any]]:
    """In a worker: detect and load the files, and say what notes they left in the options."""
    gc.disable()  # as in the scan itself: what is built lives on, the collector would only walk it
    return [_load_one(f, options) for f in found], options


def _load_one(found: Any, options: dict[str, Any]) -> LoadedAhead:
    from linter.loaders import Loaded, _load_file, _owner, display_path

    shown = display_path(found.path)
    try:
        entry, reason = _owner(found, shown)
    except (InputError, OSError) as err:
        return LoadedAhead(None, failure=err)
    if entry is None or entry.unit != "file":
        return LoadedAhead(entry.name if entry else None, reason)
    out = Loaded()
    resources = _load_file(entry, found, shown, options, out)
    return LoadedAhead(entry.name, reason, None, resources, out.errors, out.skipped, out.notes)


def merge_notes(options: dict[str, Any], notes: dict[str, Any]) -> None:
    """A worker's options back into the scan's: new keys are added, sets (the
    Terraform roots plans cover) united, lists extended."""
    for key, value in notes.items():
        if key not in options:
            options[key] = value
        elif isinstance(value, set) and isinstance(options[key], set):
            options[key] |= value
        elif isinstance(value, list) and isinstance(options[key], list) and value is not options[key]:
            options[key].extend(v for v in value if v not in options[key])
