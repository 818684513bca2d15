"""Load files on every core when there is enough to load.

Big scans (many manifests, plans and stacks) spend most of their time parsing
and building resources, file by file, independently: a pool of worker
processes does that, one batch of files each, and the resources travel back
pickled. Small scans (a pre-commit run on a few files) stay in this process
and pay no pool start-up: below PARALLEL_MIN_BYTES of input, or with one file,
or on one core, loading is serial.

The result is the serial one exactly: files are reassembled in their order,
and the notes loaders leave in the scan's options (a plan records the
Terraform root it covers) are merged back before Terraform roots are loaded.
"""

from __future__ import annotations

import gc
import os
import threading
from pathlib import Path
from typing import Any

from linter.loaders import FileLoaded, load_file

# below this much input a pool costs more than it saves (start-up, pickling)
PARALLEL_MIN_BYTES = 4_000_000
BATCHES_PER_WORKER = 4  # smaller batches even out files of unequal cost


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def load_files(files: list[Path], options: dict) -> list[FileLoaded]:
    """Every file loaded, in order; in worker processes when it pays
    (`options["jobs"]`: at most that many processes, 1 = serial)."""
    jobs = min(int(options.get("jobs") or cores()), len(files))
    sizes = [_size(f) for f in files]
    if jobs < 2 or sum(sizes) < PARALLEL_MIN_BYTES:
        return [load_file(f, options) for f in files]
    return _load_in_pool(files, sizes, options, jobs)


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


def _load_in_pool(files: list[Path], sizes: list[int], options: dict, jobs: int) -> list[FileLoaded]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # fork is the cheapest start (the loaders are imported already), but only
    # safe in a process with no other threads (a host such as a gRPC server)
    method = "fork" if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods() else "spawn"
    results: list[FileLoaded | None] = [None] * len(files)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context(method)) as pool:
        futures = [
            (batch, pool.submit(_load_batch, [files[i] for i in batch], options))
            for batch in batches(sizes, jobs * BATCHES_PER_WORKER)
        ]
        for batch, future in futures:
            loaded, notes = future.result()
            for i, result in zip(batch, loaded):
                results[i] = result
            merge_notes(options, notes)
    return [r for r in results if r is not None]


def _load_batch(files: list[Path], options: dict) -> tuple[list[FileLoaded], dict]:
    """In a worker: load the files, and say what notes they left in the options."""
    gc.disable()  # as in the scan itself: what is built lives on, the collector would only walk it
    return [load_file(f, options) for f in files], options


def merge_notes(options: dict, notes: dict[str, Any]) -> None:
    """A worker's options back into the scan's: new keys are added, sets (the
    Terraform roots plans cover) are united."""
    for key, value in notes.items():
        if key not in options:
            options[key] = value
        elif isinstance(value, set) and isinstance(options[key], set):
            options[key] |= value
