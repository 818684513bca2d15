"""Benchmark: 10 custom Rego policies over 10,000 resources, by evaluation strategy.

regopy's cost per query grows with the input and faster than linearly with the
number of results, so how the model is handed to it decides between seconds and
minutes. Reports, in one run:

  * input:        building the input document and converting it for regopy
  * per-resource: one query per resource and rule (sampled, extrapolated)
  * one-query:    the whole document, one query for all rules together
  * whole:        the whole document, one query per rule
                  (what resilint does for packages without metadata)
  * typed:        one input per declared `types` group, one query per rule
  * scoped:       typed, and packages declaring `scope: resource` evaluated
                  in slices of 500 resources (the recommended metadata)
  * chunks:       1,000-resource slices, one query per rule and slice: for
                  reference only, it misses cross-resource findings
Each strategy runs in a fresh process.

    python3 benchmarks/bench_rego.py [--resources 10000] [--sample 100] [--bad-every 20]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from linter.model import UNKNOWN, Location, Resource  # noqa: E402
from linter.rego import SLICE, _query, build_input, evaluate, load_policies, results_of, set_input, to_rego  # noqa: E402

# ten policies of the kinds teams write; two are cross-resource (DLQ, HPA)
POLICIES = {
    "replica_floor": ("apps/Deployment", """
deny contains {"msg": sprintf("%s runs %d replicas: prod needs at least 3", [r.address, r.attrs.spec.replicas]), "resource": r.address} if {
  some r in input.resources
  r.type == "apps/Deployment"
  r.namespace == "prod"
  r.attrs.spec.replicas < 3
}"""),
    "dlq_retention": ("aws_sqs_queue", """
queues := {q.address: q | some q in input.resources; q.type == "aws_sqs_queue"}
deny contains {"msg": sprintf("%s: its dead-letter queue keeps messages %d s, under 14 days", [q.address, d.attrs.message_retention_seconds]), "resource": q.address} if {
  some q in input.resources
  q.type == "aws_sqs_queue"
  q.attrs.tags.account == "payments"
  some target in q.refs.redrive_policy
  d := queues[target]
  d.attrs.message_retention_seconds < 1209600
}"""),
    "lambda_timeout": ("aws_lambda_function", """
deny contains {"msg": sprintf("%s timeout %d s exceeds the 60 s ceiling", [f.address, f.attrs.timeout]), "resource": f.address} if {
  some f in input.resources
  f.type == "aws_lambda_function"
  f.attrs.timeout > 60
}"""),
    "rds_multi_az": ("aws_db_instance", """
deny contains {"msg": sprintf("%s is Single-AZ in production", [d.address]), "resource": d.address} if {
  some d in input.resources
  d.type == "aws_db_instance"
  d.attrs.tags.env == "prod"
  not d.attrs.multi_az
}"""),
    "image_latest": ("apps/Deployment", """
warn contains {"msg": sprintf("%s container %s uses a :latest image", [r.address, c.name]), "resource": r.address} if {
  some r in input.resources
  r.type == "apps/Deployment"
  some c in r.attrs.spec.template.spec.containers
  endswith(c.image, ":latest")
}"""),
    "service_selector": ("core/Service", """
deny contains {"msg": sprintf("%s selects no pods", [s.address]), "resource": s.address} if {
  some s in input.resources
  s.type == "core/Service"
  not s.attrs.spec.selector
}"""),
    "hpa_min": ("autoscaling/HorizontalPodAutoscaler", """
deny contains {"msg": sprintf("%s minReplicas %d is below 2", [h.address, h.attrs.spec.minReplicas]), "resource": h.address} if {
  some h in input.resources
  h.type == "autoscaling/HorizontalPodAutoscaler"
  h.attrs.spec.minReplicas < 2
}"""),
    "prod_needs_hpa": (["apps/Deployment", "autoscaling/HorizontalPodAutoscaler"], """
scaled contains [h.namespace, h.attrs.spec.scaleTargetRef.name] if {
  some h in input.resources
  h.type == "autoscaling/HorizontalPodAutoscaler"
}
warn contains {"msg": sprintf("%s has no HorizontalPodAutoscaler", [r.address]), "resource": r.address} if {
  some r in input.resources
  r.type == "apps/Deployment"
  r.namespace == "prod"
  not scaled[[r.namespace, r.name]]
}"""),
    "owner_tag": (None, """
deny contains {"msg": sprintf("%s has no owner tag", [r.address]), "resource": r.address} if {
  some r in input.resources
  startswith(r.type, "aws_")
  not r.attrs.tags.owner
  not "tags" in r.unknown
}"""),
    "lambda_memory": ("aws_lambda_function", """
warn contains {"msg": sprintf("%s has only %d MB", [f.address, f.attrs.memory_size]), "resource": f.address} if {
  some f in input.resources
  f.type == "aws_lambda_function"
  f.attrs.memory_size < 256
}"""),
}


# the policies whose findings each read one resource only (`scope: resource`)
PER_RESOURCE = set(POLICIES) - {"dlq_retention", "prod_needs_hpa"}


def write_policies(directory: Path, typed: bool, scoped: bool = False) -> None:
    for name, (types, body) in POLICIES.items():
        meta = {"id": f"BENCH.{name}", "title": name}
        if typed and types:
            meta["types"] = types if isinstance(types, list) else [types]
        if scoped and name in PER_RESOURCE:
            meta["scope"] = "resource"
        (directory / f"{name}.rego").write_text(
            f"package bench.{name}\nimport rego.v1\n\n__rego_metadata__ := {json.dumps(meta)}\n{body}\n"
        )


def resources(n: int) -> list[Resource]:
    out = []
    for i in range(n):
        slot = i % 20
        loc = Location("bench.tf", i + 1)
        if slot < 5:
            ns = "prod" if i % 3 else "dev"
            out.append(Resource("apps/Deployment", f"Deployment/{ns}/app-{i}", {
                "apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": f"app-{i}", "namespace": ns, "labels": {"app": f"app-{i}"}},
                "spec": {"replicas": i % 5, "selector": {"matchLabels": {"app": f"app-{i}"}},
                         "template": {"metadata": {"labels": {"app": f"app-{i}"}}, "spec": {"containers": [
                             {"name": "main", "image": "registry/app:latest" if i % 7 == 0 else "registry/app:1.2",
                              "resources": {"limits": {"cpu": "1", "memory": "512Mi"}}}]}}},
            }, Location("bench.yaml", i + 1), "kubernetes", name=f"app-{i}", namespace=ns))
        elif slot < 8:
            out.append(Resource("core/Service", f"Service/prod/svc-{i}", {
                "apiVersion": "v1", "kind": "Service", "metadata": {"name": f"svc-{i}", "namespace": "prod"},
                "spec": {"selector": {"app": f"app-{i - 5}"}} if i % 9 else {"ports": [{"port": 80}]},
            }, Location("bench.yaml", i + 1), "kubernetes", name=f"svc-{i}", namespace="prod"))
        elif slot < 10:
            target = i - 8 - (i % 20 - 8) - 20  # a Deployment of the previous block
            out.append(Resource("autoscaling/HorizontalPodAutoscaler", f"HorizontalPodAutoscaler/prod/hpa-{i}", {
                "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                "metadata": {"name": f"hpa-{i}", "namespace": "prod"},
                "spec": {"minReplicas": 1 + i % 3, "maxReplicas": 10,
                         "scaleTargetRef": {"kind": "Deployment", "name": f"app-{max(target, 0)}"}},
            }, Location("bench.yaml", i + 1), "kubernetes", name=f"hpa-{i}", namespace="prod"))
        elif slot < 14:
            main = slot % 2 == 0
            tags = {"account": "payments" if i % 3 else "search", "owner": "team-q"}
            refs = {"redrive_policy": [f"aws_sqs_queue.q{i + 1}"]} if main else {}
            out.append(Resource("aws_sqs_queue", f"aws_sqs_queue.q{i}", {
                "name": f"q{i}", "message_retention_seconds": 345600 if i % 4 == 1 else 1209600,
                "redrive_policy": UNKNOWN if main else None, "visibility_timeout_seconds": 30, "tags": tags,
            }, loc, "tfplan", name=f"q{i}", refs=refs))
        elif slot < 17:
            out.append(Resource("aws_lambda_function", f"aws_lambda_function.f{i}", {
                "function_name": f"f{i}", "timeout": (i * 7) % 120, "memory_size": 128 * (1 + i % 4),
                "role": UNKNOWN, "environment": [{"variables": {"STAGE": "prod"}}],
                "tags": {"owner": "team-f"} if i % 5 else {},
            }, loc, "hcl", name=f"f{i}"))
        else:
            out.append(Resource("aws_db_instance", f"aws_db_instance.db{i}", {
                "identifier": f"db{i}", "engine": "postgres", "instance_class": "db.t3.medium",
                "multi_az": bool(i % 2), "backup_retention_period": 7,
                "tags": {"env": "prod" if i % 3 else "dev", "owner": "team-d"},
            }, loc, "pulumi", name=f"db{i}"))
    return out


def make_compliant(r: Resource) -> None:
    """What a resource looks like once its team has fixed it (for --bad-every)."""
    a = r.attrs
    if r.type == "apps/Deployment":
        r.namespace = "dev"
        a["metadata"]["namespace"] = "dev"
        a["spec"]["replicas"] = 3
        for c in a["spec"]["template"]["spec"]["containers"]:
            c["image"] = "registry/app:1.2"
    elif r.type == "core/Service":
        a["spec"]["selector"] = {"app": r.name}
    elif r.type == "autoscaling/HorizontalPodAutoscaler":
        a["spec"]["minReplicas"] = 2
    elif r.type == "aws_sqs_queue":
        a["message_retention_seconds"] = 1209600
    elif r.type == "aws_lambda_function":
        a["timeout"], a["memory_size"], a["tags"] = 30, 512, {"owner": "team-f"}
    elif r.type == "aws_db_instance":
        a["multi_az"] = True


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def queries(policies) -> list[str]:
    return [f"data.{p.name}.{r.name}" for p in policies.packages for r in p.rules]


def count(policies, doc) -> int:
    set_input(policies.interpreter, doc)
    total = 0
    for q in queries(policies):
        value, failure = _query(policies.interpreter, q)
        assert failure is None, failure
        total += len(results_of(value))
    return total


def strategy(name: str, n: int, sample: int, chunk: int, bad_every: int = 1) -> dict:
    """Run one strategy in this process; returns seconds, findings and a digest."""
    import hashlib

    res = resources(n)
    if bad_every > 1:
        for i, r in enumerate(res):
            if i % bad_every:
                make_compliant(r)
    with tempfile.TemporaryDirectory() as tmp:
        write_policies(Path(tmp), typed=name in ("typed", "scoped"), scoped=name == "scoped")
        policies = load_policies([tmp])
        assert not policies.errors, policies.errors
        if name == "input":
            t_build, doc = timed(lambda: build_input(res))
            t_convert, _ = timed(lambda: to_rego(doc))
            return {"seconds": t_build + t_convert, "findings": None,
                    "note": f"build {t_build:.2f} s + convert {t_convert:.2f} s"}
        if name in ("whole", "typed", "scoped"):
            seconds, (found, errors) = timed(lambda: evaluate(policies, res))
            assert not errors, errors
            key = sorted(f"{f.rule_id}|{f.resource}|{f.message}" for f in found)
            return {"seconds": seconds, "findings": len(found),
                    "digest": hashlib.sha256("\n".join(key).encode()).hexdigest()[:12]}
        doc = build_input(res)
        if name == "per-resource":  # extrapolated from a sample: the full run takes minutes
            part = doc["resources"][:sample]
            seconds, _ = timed(lambda: sum(count(policies, {"resources": [d]}) for d in part))
            return {"seconds": seconds * n / len(part), "findings": None,
                    "note": f"extrapolated from {len(part)} resources"}
        if name == "one-query":
            def all_in_one():
                set_input(policies.interpreter, doc)
                value, failure = _query(policies.interpreter, "[" + ", ".join(queries(policies)) + "]")
                assert failure is None, failure
                return sum(len(results_of(v)) for v in value)

            seconds, found = timed(all_in_one)
            return {"seconds": seconds, "findings": found}
        if name == "chunks":
            slices = [doc["resources"][i: i + chunk] for i in range(0, n, chunk)]
            seconds, found = timed(lambda: sum(count(policies, {"resources": c}) for c in slices))
            return {"seconds": seconds, "findings": found, "note": "misses cross-resource findings"}
    raise ValueError(name)


STRATEGIES = {
    "input": "input: build the document and convert it",
    "per-resource": "one query per resource and rule",
    "one-query": "whole document, one query for all rules",
    "whole": "whole document, one query per rule",
    "typed": "`types` groups, one query per rule",
    "scoped": "`types` + `scope: resource` slices",
    "chunks": "1,000-resource chunks, one query per rule",
}


def main() -> int:
    import subprocess

    import regopy

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--resources", type=int, default=10000)
    ap.add_argument("--sample", type=int, default=100, help="resources timed for the per-resource strategy")
    ap.add_argument("--chunk", type=int, default=1000)
    ap.add_argument("--slice", type=int, default=SLICE, help="resources per query for `scope: resource` packages")
    ap.add_argument("--bad-every", type=int, default=1,
                    help="only every Nth resource may violate (default 1: the stress case, all may)")
    ap.add_argument("--only", choices=sorted(STRATEGIES), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.only:  # a child: one strategy, in a fresh process (no memory left by the others)
        import linter.rego

        linter.rego.SLICE = args.slice
        print(json.dumps(strategy(args.only, args.resources, args.sample, args.chunk, args.bad_every)))
        return 0

    print(f"{len(POLICIES)} Rego policies, {args.resources} resources (regopy {regopy.__version__}), "
          f"slices of {args.slice}; each strategy in a fresh process")
    digests = set()
    for name, label in STRATEGIES.items():
        proc = subprocess.run(
            [sys.executable, __file__, "--only", name, "--resources", str(args.resources),
             "--sample", str(args.sample), "--chunk", str(args.chunk), "--bad-every", str(args.bad_every), "--slice", str(args.slice)],
            capture_output=True, text=True,
        )
        if proc.returncode:
            print(proc.stderr, file=sys.stderr)
            return 1
        row = json.loads(proc.stdout.strip().splitlines()[-1])
        found = f"  {row['findings']} findings" if row["findings"] is not None else ""
        note = f"  ({row['note']})" if row.get("note") else ""
        print(f"  {label:<52} {row['seconds']:7.2f} s{found}{note}", flush=True)
        if "digest" in row:
            digests.add(row["digest"])
    print(f"  whole-document, typed and scoped findings identical: {len(digests) == 1}")
    return 0 if len(digests) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
