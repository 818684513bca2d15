"""Load files on every core when there is enough to load.

Big scans (many manifests, plans and stacks) spend most of their time parsing
and building resources, file by file, independently: a pool of worker
processes detects and loads them ahead of `load_paths`, one batch of files
each, and the resources travel back pickled. Small scans (a pre-commit run on
a few files) stay in this process and pay no pool start-up: below
PARALLEL_MIN_BYTES of input, or with one file, or on one core, nothing is
loaded ahead.

`load_paths` then walks its files as it always does and, for a file loaded
ahead, replays what the worker found (detection, resources, errors, skip
reasons) instead of loading it, so the result is the serial one exactly; the
notes loaders leave in the scan's options (a plan records the Terraform root
it covers) are merged back before directories (Terraform roots) load.
"""

from __future__ import annotations

import gc
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from linter.model import InputError, Resource

# below this much input a pool costs more than it saves (start-up, pickling)
PARALLEL_MIN_BYTES = 4_000_000
BATCHES_PER_WORKER = 4  # smaller batches even out files of unequal cost


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


def load_ahead(found: list[Any], options: dict[str, Any]) -> dict[Path, LoadedAhead]:
    """The files of `found` (loaders.Found) detected and loaded in worker
    processes, when it pays (`options["jobs"]`: at most that many processes,
    1 = never); {} otherwise. Loaders' notes are merged into `options`."""
    from linter.loaders import in_memory

    found = [f for f in found if in_memory(f.path) is None]  # stdin lives in this process
    jobs = min(int(options.get("jobs") or cores()), len(found))
    if jobs < 2:
        return {}
    sizes = [_size(f.path) for f in found]
    if sum(sizes) < PARALLEL_MIN_BYTES:
        return {}
    return _load_in_pool(found, sizes, options, jobs)


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

    # fork is the cheapest start (the loaders are imported already), but only
    # safe in a process with no other threads (a host such as a gRPC server)
    method = "fork" if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods() else "spawn"
    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context(method))


def _load_in_pool(found: list[Any], sizes: list[int], options: dict[str, Any], jobs: int) -> dict[Path, LoadedAhead]:
    ahead: dict[Path, LoadedAhead] = {}
    with process_pool(jobs) as pool:
        futures = [
            (batch, pool.submit(_load_batch, [found[i] for i in batch], options))
            for batch in batches(sizes, jobs * BATCHES_PER_WORKER)
        ]
        for batch, future in futures:
            loaded, notes = future.result()
            for i, result in zip(batch, loaded):
                ahead[found[i].path] = result
            merge_notes(options, notes)
    return ahead


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
