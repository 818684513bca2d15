"""Benchmark: 10 custom Rego policies over 10,000 resources, by evaluation strategy.

regopy's cost per query grows with the input and faster than linearly with the
number of results, so how the model is handed to it decides between seconds and
minutes. Reports, in one run:

  * input:        building the input document and converting it for regopy
  * per-resource: one query per resource and policy (sampled, extrapolated)
  * whole/one:    the whole document, one query for all policies together
  * whole/rule:   the whole document, one query per policy rule
                  (what resilint does for packages without metadata `types`)
  * typed:        one input per declared `types` group, one query per rule
                  (what resilint does when packages declare `types`)
  * scoped:       typed, and packages declaring `scope: resource` evaluated
                  in slices of 500 resources (the recommended metadata)
  * chunks:       1,000-resource slices, one query per rule and slice: for
                  reference only, it misses cross-resource findings

    python3 benchmarks/bench_rego.py [--resources 10000] [--sample 100]
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
from linter.rego import SLICE, _query, build_input, evaluate, load_policies, results_of  # noqa: E402

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


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def queries(policies) -> list[str]:
    return [f"data.{p.name}.{r.name}" for p in policies.packages for r in p.rules]


def count(policies, doc) -> int:
    import regopy

    policies.interpreter.set_input(regopy.Input(doc))
    total = 0
    for q in queries(policies):
        value, failure = _query(policies.interpreter, q)
        assert failure is None, failure
        total += len(results_of(value))
    return total


def main() -> int:
    import regopy

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--resources", type=int, default=10000)
    ap.add_argument("--sample", type=int, default=100, help="resources timed for the per-resource strategy")
    ap.add_argument("--chunk", type=int, default=1000)
    args = ap.parse_args()

    res = resources(args.resources)
    with tempfile.TemporaryDirectory() as tmp:
        plain, typed, scoped = Path(tmp, "plain"), Path(tmp, "typed"), Path(tmp, "scoped")
        plain.mkdir(), typed.mkdir(), scoped.mkdir()
        write_policies(plain, typed=False)
        write_policies(typed, typed=True)
        write_policies(scoped, typed=True, scoped=True)
        untyped_set, typed_set = load_policies([str(plain)]), load_policies([str(typed)])
        scoped_set = load_policies([str(scoped)])
        assert not (untyped_set.errors or typed_set.errors or scoped_set.errors)
        rows = []

        t_build, doc = timed(lambda: build_input(res))
        t_convert, _ = timed(lambda: regopy.Input(doc))
        rows.append(("input: build document", t_build, None))
        rows.append(("input: regopy.Input conversion", t_convert, None))

        # per-resource: extrapolated from a sample (the full run takes many minutes)
        sample = doc["resources"][: args.sample]
        t_sample, _ = timed(lambda: sum(count(untyped_set, {"resources": [d]}) for d in sample))
        rows.append((f"per-resource (x{len(res)}, from {len(sample)})", t_sample * len(res) / len(sample), None))

        def all_in_one():
            untyped_set.interpreter.set_input(regopy.Input(doc))
            value, failure = _query(untyped_set.interpreter, "[" + ", ".join(queries(untyped_set)) + "]")
            assert failure is None, failure
            return sum(len(results_of(v)) for v in value)

        rows.append(("whole document, one query for all", *timed(all_in_one)))
        t_whole, (f_whole, e_whole) = timed(lambda: evaluate(untyped_set, res))
        rows.append(("whole document, one query per rule", t_whole, len(f_whole)))
        t_typed, (f_typed, e_typed) = timed(lambda: evaluate(typed_set, res))
        rows.append(("typed groups, one query per rule", t_typed, len(f_typed)))
        t_scoped, (f_scoped, e_scoped) = timed(lambda: evaluate(scoped_set, res))
        rows.append((f"typed groups + scope: resource slices of {SLICE}", t_scoped, len(f_scoped)))
        assert not e_whole and not e_typed and not e_scoped, e_whole + e_typed + e_scoped
        chunks = [doc["resources"][i: i + args.chunk] for i in range(0, len(res), args.chunk)]
        rows.append((f"chunks of {args.chunk} (misses cross-resource)",
                     *timed(lambda: sum(count(untyped_set, {"resources": c}) for c in chunks))))

    print(f"{len(POLICIES)} Rego policies, {len(res)} resources (regopy {regopy.__version__})")
    for label, seconds, findings in rows:
        tail = f"  {findings} findings" if findings is not None else ""
        print(f"  {label:<48} {seconds:8.2f} s{tail}")
    def key(found):
        return sorted((f.rule_id, f.resource, f.message) for f in found)

    same = key(f_whole) == key(f_typed) == key(f_scoped)
    print(f"  whole-document, typed and scoped findings identical: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
