"""Benchmark: a repository of many small manifests (issue #12: 50,000 small files).

    python3 benchmarks/bench_files.py [--files 50000] [--repeat 1]

Writes `--files` one-object manifests (the objects of bench_kubernetes.py, in
directories of 500 files) and reports, in one run, time (wall-clock and CPU,
worker processes included) and peak memory, each step in a fresh process:

  parse:         every file read and `list(yaml.load_all(CSafeLoader))`, kept (the floor)
  scan, 1 core:  resilint's whole scan (walk, detect, load, index, every rule), jobs=1
  scan, 2 cores: the same with the loaders' worker and the rules' forked child

The two scans must agree (resources and findings are compared). On a shared
machine say how loaded it was: `uptime` is printed before and after.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import SCAN, measure, ratio, scan_setup  # noqa: E402
from bench_kubernetes import manifest, write_manifest  # noqa: E402

PER_DIRECTORY = 500

PARSE_SETUP = "import os, yaml"
PARSE = """
documents = []
for directory, _, names in os.walk(PATH):
    for name in sorted(names):
        with open(os.path.join(directory, name), encoding="utf-8") as fh:
            documents.extend(yaml.load_all(fh, Loader=yaml.CSafeLoader))
"""


def write_tree(root: Path, files: int) -> float:
    """`files` manifests of one object each; MB written."""
    size = 0
    for i in range(files):
        directory = root / f"team-{i // PER_DIRECTORY:03d}"
        if i % PER_DIRECTORY == 0:
            directory.mkdir(parents=True)
        text = manifest(i)
        (directory / f"object-{i:05d}.yaml").write_text(text, encoding="utf-8")
        size += len(text)
    return size / 1e6


def load_average() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip().split("load average:")[-1].strip()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=50_000)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        size_mb = write_tree(root, args.files)
        write_manifest(Path(tmp) / "warm.yaml", 8)
        print(f"{args.files} files, {size_mb:.1f} MB (best of {args.repeat}, fresh process each); "
              f"load average before: {load_average()}  ({os.cpu_count()} cores)")
        parse = measure(f"PATH = {str(root)!r}\n" + PARSE_SETUP, PARSE, args.repeat)
        scans = {}
        for jobs in (1, 2):
            step = SCAN.replace("ScanOptions()", f'ScanOptions(loader_options={{"jobs": {jobs}}})')
            scans[jobs] = measure(scan_setup(root, Path(tmp) / "warm.yaml"), step, args.repeat)
        assert scans[1].note == scans[2].note, (scans[1].note, scans[2].note)
        print(f"  parse (read + CSafeLoader):    {parse}")
        for jobs, scanned in scans.items():
            print(f"  scan, jobs={jobs} ({scanned.note[1]} findings): {scanned}")
            print(f"    vs parse: time {ratio(scanned.seconds, parse.seconds)} "
                  f"(cpu {ratio(scanned.cpu_seconds, parse.cpu_seconds)}), peak memory {ratio(scanned.peak_mib, parse.peak_mib)}")
        print(f"  2 cores vs 1: wall {ratio(scans[1].seconds, scans[2].seconds)} faster, "
              f"cpu {ratio(scans[2].cpu_seconds, scans[1].cpu_seconds)}")
        print(f"  load average after: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
