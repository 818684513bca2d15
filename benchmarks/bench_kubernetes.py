"""Benchmark: resilint on a generated 10,000-object manifest, against libyaml alone.

Reports, in one run, time and peak memory (each step in a fresh process):
  * parse:   list(yaml.load_all(..., Loader=yaml.CSafeLoader)) of the file (the floor)
  * scan:    resilint's whole scan of the same file (load, index, every rule)
  * startup: `resilint --version` in a fresh interpreter
Targets: scan <= 2x parse in time (issue #2) and in peak memory (issue #12);
start-up < 150 ms. Then `--split-objects` objects split into `--files` files, scanned
serially and on 2 cores (the loaders' worker pool). `--big-mb 200` also measures a 200 MB file, once, at the end.

    python3 benchmarks/bench_kubernetes.py [--objects 10000] [--repeat 3] [--big-mb 200]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import SCAN, Measure, measure, ratio, scan_setup  # noqa: E402

KINDS = ("deployment", "service", "pdb", "hpa", "statefulset", "virtualservice", "destinationrule", "job")


def manifest(i: int) -> str:
    kind = KINDS[i % len(KINDS)]
    ns = f"team-{i % 37}"
    app = f"app-{i}"
    if kind in ("deployment", "statefulset"):
        k = "Deployment" if kind == "deployment" else "StatefulSet"
        return f"""apiVersion: apps/v1
kind: {k}
metadata:
  name: {app}
  namespace: {ns}
  labels: {{app: {app}, tier: backend}}
spec:
  replicas: {i % 4}
  selector:
    matchLabels: {{app: {app}}}
  template:
    metadata:
      labels: {{app: {app}, tier: backend}}
    spec:
      containers:
      - name: main
        image: example/{app}:1.{i % 9}
        ports: [{{containerPort: 8080}}]
        resources:
          requests: {{cpu: 100m, memory: 128Mi}}
          limits: {{memory: 256Mi}}
        readinessProbe:
          httpGet: {{path: /ready, port: 8080}}
          periodSeconds: 5
        env:
        - {{name: LOG_LEVEL, value: info}}
        - {{name: REGION, value: eu-west-1}}
      - name: sidecar
        image: example/proxy:2.0
"""
    if kind == "service":
        return f"""apiVersion: v1
kind: Service
metadata: {{name: {app}, namespace: {ns}}}
spec:
  selector: {{app: app-{i - 1}}}
  ports: [{{port: 80, targetPort: 8080}}]
"""
    if kind == "pdb":
        return f"""apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{name: {app}, namespace: {ns}}}
spec:
  minAvailable: {i % 3}
  selector:
    matchLabels: {{app: app-{i - 2}}}
"""
    if kind == "hpa":
        return f"""apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {{name: {app}, namespace: {ns}}}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: app-{i - 3}}}
  minReplicas: {1 + i % 3}
  maxReplicas: 10
  metrics:
  - type: Resource
    resource: {{name: cpu, target: {{type: Utilization, averageUtilization: 70}}}}
"""
    if kind == "virtualservice":
        return f"""apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: {app}, namespace: {ns}}}
spec:
  hosts: [{app}]
  http:
  - route:
    - destination: {{host: {app}, subset: v1}}
    retries: {{attempts: {i % 7}, perTryTimeout: 2s}}
    timeout: {'5s' if i % 2 else '0s'}
"""
    if kind == "destinationrule":
        return f"""apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {{name: {app}, namespace: {ns}}}
spec:
  host: {app}
  subsets: [{{name: v1, labels: {{version: v1}}}}]
"""
    return f"""apiVersion: batch/v1
kind: Job
metadata: {{name: {app}, namespace: {ns}}}
spec:
  backoffLimit: {i % 30}
  template:
    spec:
      restartPolicy: Never
      containers: [{{name: job, image: example/job:1}}]
"""


def write_manifest(path: Path, objects: int) -> float:
    """Write `objects` objects to `path` (streamed: big files never sit in memory); MB written."""
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(objects):
            if i:
                fh.write("---\n")
            fh.write(manifest(i))
    return path.stat().st_size / 1e6


def objects_for_mb(mb: float) -> int:
    return max(1, int(mb * 1e6 / (len("---\n".join(manifest(i) for i in range(800))) / 800)))


PARSE = ("import yaml", """
with open(PATH, encoding="utf-8") as fh:  # the documents are kept, as a scan must keep them
    documents = list(yaml.load_all(fh, Loader=yaml.CSafeLoader))
""")


def write_split(directory: Path, objects: int, files: int) -> None:
    """The same objects spread over `files` files (a repository of manifests)."""
    directory.mkdir()
    per_file = -(-objects // files)
    for f in range(files):
        with open(directory / f"part-{f}.yaml", "w", encoding="utf-8") as fh:
            fh.write("---\n".join(manifest(i) for i in range(f * per_file, min(objects, (f + 1) * per_file))))


def scan_with_jobs(path: Path, jobs: int, repeat: int) -> Measure:
    return measure(scan_setup(path, path.parent / "warm.yaml"),
                   SCAN.replace("ScanOptions()", f'ScanOptions(loader_options={{"jobs": {jobs}}})'), repeat)


def compare(path: Path, repeat: int) -> tuple[Measure, Measure]:
    parse = measure(f"PATH = {str(path)!r}\n" + PARSE[0], PARSE[1], repeat)
    scanned = measure(scan_setup(path, path.parent / "warm.yaml"), SCAN, repeat)
    return parse, scanned


def report(label: str, parse: Measure, scanned: Measure) -> None:
    print(label)
    print(f"  parse (yaml.load_all, CSafeLoader): {parse}")
    print(f"  resilint scan ({scanned.note[1]} findings):  {scanned}")
    print(f"  ratio: time {ratio(scanned.seconds, parse.seconds)} (cpu {ratio(scanned.cpu_seconds, parse.cpu_seconds)}; target <= 2x), "
          f"peak memory {ratio(scanned.peak_mib, parse.peak_mib)} (target <= 2x), "
          f"step memory {ratio(scanned.step_mib, parse.step_mib)}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--objects", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--files", type=int, default=8, help="files the objects are split into for the 2-core run")
    ap.add_argument("--split-objects", type=int, default=30_000,
                    help="objects of the 2-core run (above the pool's 4 MB threshold)")
    ap.add_argument("--big-mb", type=float, default=0,
                    help="also measure one file of about this many MB, once, at the end (e.g. 200)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "manifests.yaml"
        write_manifest(Path(tmp) / "warm.yaml", 8)
        size_mb = write_manifest(path, args.objects)
        parse, scanned = compare(path, args.repeat)
        report(f"manifest: {args.objects} objects, {size_mb:.1f} MB (best of {args.repeat}, fresh process each)",
               parse, scanned)

        split = Path(tmp) / "split"
        write_split(split, args.split_objects, args.files)
        serial, parallel = scan_with_jobs(split, 1, args.repeat), scan_with_jobs(split, 2, args.repeat)
        assert serial.note == parallel.note
        print(f"{args.split_objects} objects in {args.files} files, loaded serially and on 2 cores (best of {args.repeat}):")
        print(f"  serial (jobs=1):   {serial}")
        print(f"  parallel (jobs=2): {parallel}")
        print(f"  speed-up: {ratio(serial.seconds, parallel.seconds)}")

        startup = []
        for _ in range(max(5, args.repeat)):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "linter", "--version"], check=True, capture_output=True)
            startup.append(time.perf_counter() - start)
        print(f"start-up (resilint --version): {statistics.median(startup) * 1000:.0f} ms median  (target < 150 ms)")

        if args.big_mb:
            path.unlink()
            objects = objects_for_mb(args.big_mb)
            size_mb = write_manifest(path, objects)
            parse, scanned = compare(path, 1)
            report(f"big manifest: {objects} objects, {size_mb:.0f} MB (one run each)", parse, scanned)
    return 0


if __name__ == "__main__":
    sys.exit(main())
