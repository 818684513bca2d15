"""Benchmark: a full resilint scan of a Pulumi stack export vs `json.load` alone.

    python3 benchmarks/bench_pulumi.py [--resources 10000] [--repeat 3] [--also 30000]

Generates a `pulumi stack export` (pretty-printed, as Pulumi writes it) of
bridged AWS and GCP resources and Kubernetes objects with inputs, outputs and
property dependencies, many of them with findings, and reports, in one run
(each step in a fresh process), time and peak memory of:

  parse: json.load of the file (the floor)
  scan:  linter.engine.scan of the same file (read + parse + load + index + every rule)

Target (issue #12): scan within 2x parse, growing linearly (`--also 30000`
measures a second size: the ratio must stay put).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import JSON_LOAD, JSON_LOAD_SETUP, SCAN, Measure, measure, ratio, scan_setup  # noqa: E402

STACK, PROJECT = "prod", "shop"


def urn(token: str, name: str) -> str:
    return f"urn:pulumi:{STACK}::{PROJECT}::{token}::{name}"


def _tags(i: int) -> dict:
    return {"Name": f"svc-{i}", "team": f"team-{i % 17}", "env": "prod"}


def service(m: int) -> list[dict]:
    """One service: a queue and its DLQ, a database, an ASG, a Lambda, a Cloud SQL
    instance and a Kubernetes Deployment (8 resources)."""
    arn = f"arn:aws:sqs:eu-west-1:123456789012:jobs-{m}"
    dlq = urn("aws:sqs/queue:Queue", f"dlq-{m}")
    out = []

    def add(token, name, inputs, outputs=None, deps=None):
        outputs = {**inputs, **(outputs or {}), "id": f"{name}-id"}
        out.append({
            "urn": urn(token, name), "custom": True, "id": f"{name}-id", "type": token,
            "inputs": {**inputs, "__defaults": []}, "outputs": outputs,
            "parent": urn("pulumi:pulumi:Stack", f"{PROJECT}-{STACK}"),
            "provider": f"urn:pulumi:{STACK}::{PROJECT}::pulumi:providers:aws::default_6_0_0::04da6b54",
            "propertyDependencies": deps or {},
            "sourcePosition": f"project:///index.ts#{10 + m % 400},5",
        })

    add("aws:sqs/queue:Queue", f"dlq-{m}", {"messageRetentionSeconds": 1209600, "tags": _tags(m)},
        {"arn": f"{arn}-dlq"})
    add("aws:sqs/queue:Queue", f"jobs-{m}", {
        "visibilityTimeoutSeconds": 30 if m % 4 else 900, "messageRetentionSeconds": 345600,
        "delaySeconds": 0, "tags": _tags(m),
        **({"redrivePolicy": json.dumps({"deadLetterTargetArn": f"{arn}-dlq", "maxReceiveCount": 5})} if m % 3 else {}),
    }, {"arn": arn}, {"redrivePolicy": [dlq]} if m % 3 else {})
    add("aws:rds/instance:Instance", f"orders-{m}", {
        "engine": "postgres", "engineVersion": "15.4", "instanceClass": "db.r6g.large", "allocatedStorage": 100,
        "multiAz": m % 3 != 0, "backupRetentionPeriod": 7 if m % 2 else 0, "storageEncrypted": True,
        "deletionProtection": True, "tags": _tags(m),
    }, {"arn": f"arn:aws:rds:eu-west-1:123456789012:db:orders-{m}", "endpoint": f"orders-{m}.example:5432"})
    add("aws:autoscaling/group:Group", f"web-{m}", {
        "minSize": 1 if m % 5 == 0 else 2, "maxSize": 6, "desiredCapacity": 3, "healthCheckType": "ELB",
        "vpcZoneIdentifiers": [f"subnet-{m}a", f"subnet-{m}b"] if m % 4 else [f"subnet-{m}a"],
        "launchTemplate": {"id": f"lt-{m}", "version": "$Latest"},
        "tags": [{"key": "Name", "value": f"svc-{m}", "propagateAtLaunch": True}],
    })
    add("aws:lambda/function:Function", f"worker-{m}", {
        "name": f"worker-{m}", "runtime": "python3.12", "handler": "app.handler", "timeout": 60, "memorySize": 512,
        "environment": {"variables": {"QUEUE": f"jobs-{m}", "LOG_LEVEL": "info"}}, "tags": _tags(m),
    })
    add("aws:lambda/eventSourceMapping:EventSourceMapping", f"jobs-{m}-worker", {
        "eventSourceArn": arn, "functionName": f"worker-{m}", "batchSize": 10, "enabled": True,
    }, deps={"eventSourceArn": [urn("aws:sqs/queue:Queue", f"jobs-{m}")],
             "functionName": [urn("aws:lambda/function:Function", f"worker-{m}")]})
    add("gcp:sql/databaseInstance:DatabaseInstance", f"ledger-{m}", {
        "databaseVersion": "POSTGRES_15", "region": "europe-west1",
        "settings": {"tier": "db-custom-2-7680", "availabilityType": "REGIONAL" if m % 2 else "ZONAL",
                     "backupConfiguration": {"enabled": m % 3 != 0, "pointInTimeRecoveryEnabled": True},
                     "ipConfiguration": {"ipv4Enabled": False}},
    }, {"selfLink": f"https://sqladmin.googleapis.com/sql/v1beta4/projects/p/instances/ledger-{m}"})
    add("kubernetes:apps/v1:Deployment", f"api-{m}", {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": f"api-{m}", "namespace": f"team-{m % 37}", "labels": {"app": f"api-{m}"}},
        "spec": {"replicas": m % 3, "selector": {"matchLabels": {"app": f"api-{m}"}},
                 "template": {"metadata": {"labels": {"app": f"api-{m}"}},
                              "spec": {"containers": [{"name": "api", "image": f"example/api:{m % 9}",
                                                       "ports": [{"containerPort": 8080}]}]}}},
    })
    return out


def generate(resources: int) -> dict:
    items: list[dict] = [{"urn": urn("pulumi:pulumi:Stack", f"{PROJECT}-{STACK}"), "custom": False,
                          "type": "pulumi:pulumi:Stack"}]
    m = 0
    while len(items) < resources:
        items.extend(service(m))
        m += 1
    return {"version": 3, "deployment": {
        "manifest": {"time": "2026-01-01T00:00:00Z", "magic": "0", "version": "v3.100.0"},
        "resources": items[:resources],
    }}




def compare(resources: int, repeat: int, tmp: str) -> tuple[float, Measure, Measure]:
    path = Path(tmp) / f"stack-{resources}.json"
    path.write_text(json.dumps(generate(resources), indent=4))
    warm = Path(tmp) / "warm.json"
    warm.write_text(json.dumps(generate(16), indent=4))
    parse = measure(f"PATH = {str(path)!r}\n" + JSON_LOAD_SETUP, JSON_LOAD, repeat)
    scanned = measure(scan_setup(path, warm), SCAN, repeat)
    return path.stat().st_size / 1e6, parse, scanned


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--resources", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--also", type=int, nargs="*", default=[], metavar="N",
                    help="more sizes to measure (e.g. 30000): the time ratio must not grow")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for resources in [args.resources, *args.also]:
            size_mb, parse, scanned = compare(resources, args.repeat, tmp)
            print(f"stack export: {resources} resources, {size_mb:.1f} MB (best of {args.repeat}, fresh process each)")
            print(f"  parse (json.load):          {parse}")
            print(f"  scan ({scanned.note[1]} findings): {scanned}")
            print(f"  ratio: time {ratio(scanned.seconds, parse.seconds)} (cpu {ratio(scanned.cpu_seconds, parse.cpu_seconds)}; target <= 2x), "
                  f"peak memory {ratio(scanned.peak_mib, parse.peak_mib)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
