"""Time and peak memory of one step, each run in a fresh interpreter.

A step's peak resident memory can only be told apart from another's in a
process of its own: `measure(setup, step)` runs `setup` (imports: not timed),
notes the resident size, runs `step` under a timer and reports its wall-clock and CPU time
(worker processes included; on a shared machine the CPU time is the steadier
figure for one process, the wall-clock the one a pool shortens), the
process's peak resident size and the resident size before the step. Best of
`repeat` runs (each in a new process); the peak is that of the fastest run.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from dataclasses import dataclass

_CHILD = '''
import json, resource, sys, time
def _rss_mib():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
{setup}
def _cpu():
    return sum(u.ru_utime + u.ru_stime for u in map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)))
_base = _rss_mib()
_cpu_start, _start = _cpu(), time.perf_counter()
{step}
_seconds, _cpu_seconds = time.perf_counter() - _start, _cpu() - _cpu_start
_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"seconds": _seconds, "cpu_seconds": _cpu_seconds, "peak": _peak, "base": _base,
                  "note": globals().get("note")}}))
'''


@dataclass
class Measure:
    seconds: float  # wall-clock
    cpu_seconds: float  # CPU time, worker processes included: steadier on a busy machine
    peak_mib: float  # the process's peak resident size
    base_mib: float  # its resident size after setup, before the step
    note: object = None  # what the step chose to report (`note = ...`)

    @property
    def step_mib(self) -> float:
        """What the step itself added at its peak."""
        return self.peak_mib - self.base_mib

    def __str__(self) -> str:
        return (f"{self.seconds:8.2f} s (cpu {self.cpu_seconds:6.2f} s)  "
                f"peak {self.peak_mib:7.0f} MiB (step {self.step_mib:6.0f} MiB)")


def measure(setup: str, step: str, repeat: int = 1, env: dict | None = None) -> Measure:
    code = _CHILD.format(setup=textwrap.dedent(setup), step=textwrap.dedent(step))
    best: Measure | None = None
    for _ in range(max(1, repeat)):
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            raise SystemExit(f"benchmark step failed:\n{proc.stderr}")
        got = Measure(**{k if k != "peak" and k != "base" else f"{k}_mib": v
                         for k, v in json.loads(proc.stdout.strip().splitlines()[-1]).items()})
        if best is None or got.seconds < best.seconds:
            best = got
    assert best is not None
    return best


# the steps the benchmarks time (PATH is set by the setup)
JSON_LOAD_SETUP, JSON_LOAD = "import json", """
with open(PATH, encoding="utf-8") as fh:
    doc = json.load(fh)
"""
SCAN = """
result = scan([PATH], ScanOptions())
assert not result.errors, result.errors[:3]
note = [len(result.resources), len(result.findings)]
"""


def scan_setup(path, warm) -> str:
    """Setup of a timed scan of `path`: imports, and a scan of the small file `warm`
    (loaders, rules and registries load on first use: not part of the scan's cost)."""
    return (f"PATH, WARM = {str(path)!r}, {str(warm)!r}\n"
            "from linter.engine import ScanOptions, scan\n"
            "scan([WARM], ScanOptions())\n")


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"
