"""Benchmark: resilint on a generated 10,000-object manifest, against libyaml alone.

Reports, in one run:
  * parse:   yaml.load_all(..., Loader=yaml.CSafeLoader) on the file (the floor)
  * scan:    resilint's whole scan of the same file (load, index, every rule)
  * startup: `resilint --version` in a fresh interpreter
Targets (issue #2): scan <= 2x parse; start-up < 150 ms.

    python3 benchmarks/bench_kubernetes.py [--objects 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

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


def best_of(repeat: int, fn) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--objects", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    from linter.engine import ScanOptions, scan

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "manifests.yaml"
        path.write_text("---\n".join(manifest(i) for i in range(args.objects)))
        size_mb = path.stat().st_size / 1e6

        def parse():
            with open(path, encoding="utf-8") as fh:
                for _ in yaml.load_all(fh, Loader=yaml.CSafeLoader):
                    pass

        findings = []

        def run_scan():
            result = scan([str(path)], ScanOptions())
            assert not result.errors, result.errors[:3]
            findings[:] = result.findings

        parse_s = best_of(args.repeat, parse)
        scan_s = best_of(args.repeat, run_scan)

    startup = []
    for _ in range(max(5, args.repeat)):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "linter", "--version"], check=True, capture_output=True)
        startup.append(time.perf_counter() - start)

    print(f"manifest: {args.objects} objects, {size_mb:.1f} MB; {len(findings)} findings")
    print(f"parse (yaml.load_all, CSafeLoader): {parse_s:.2f} s")
    print(f"resilint scan:                      {scan_s:.2f} s  ({scan_s / parse_s:.2f}x parse; target <= 2x)")
    print(f"start-up (resilint --version):      {statistics.median(startup) * 1000:.0f} ms median  (target < 150 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
