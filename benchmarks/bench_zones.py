"""The failure-domain analysis (RES601, `resilint zones`) against the scan it rides on.

Generates bench_hcl's tree of module roots (`--roots 500`: about 10,000
resource blocks) and adds to every root what the analysis has work to do on:
an ECS service spread over the module's subnets, a Lambda function whose
environment names the module's database, and a NAT gateway with the route
table and associations of the private subnets. Then measures, each in a fresh
interpreter and in one run (ratios, not absolute times, are the figures):

* the scan without RES601 (`--ignore RES601`): the floor;
* the whole scan, RES601 included (target: at most 20% above the floor);
* `resilint zones` (load, normalise, graph, every zone's outage), for scale.

Then the same three on bench_kubernetes's generated manifest (`--objects 10000`:
Deployments, Services, PDBs, HPAs, StatefulSets, Istio routes, Jobs).

Usage: python3 benchmarks/bench_zones.py [--roots 300] [--objects 10000] [--keep DIR]
(--roots 300 is about 10,000 resources after expansion.)
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import measure  # noqa: E402
from bench_hcl import generate  # noqa: E402
from bench_kubernetes import write_manifest  # noqa: E402

SERVICES = '''
resource "aws_ecs_service" "api" {
  name          = "api"
  desired_count = 3
  network_configuration {
    subnets = module.db[0].subnet_ids
  }
}
resource "aws_lambda_function" "worker" {
  function_name = "worker"
  role          = "arn:aws:iam::123456789012:role/worker"
  handler       = "main.handler"
  runtime       = "python3.12"
  filename      = "worker.zip"
  environment {
    variables = { QUEUE = aws_sqs_queue.dlq.url, DB = aws_nat_gateway.egress.id }
  }
}
resource "aws_subnet" "public" {
  availability_zone = "eu-west-1a"
  cidr_block        = "10.1.0.0/24"
}
resource "aws_nat_gateway" "egress" {
  subnet_id = aws_subnet.public.id
}
resource "aws_route_table" "private" {
  route {
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = aws_nat_gateway.egress.id
  }
}
'''


def generate_with_services(tree: Path, roots: int) -> int:
    files = generate(tree, roots)
    for root in sorted((tree / "envs").iterdir()):
        (root / "services.tf").write_text(SERVICES)
        files += 1
    return files


def compare(path: Path, env: dict, label: str) -> None:
    setup = "from linter.engine import ScanOptions, scan\nfrom linter.rule_match import Selector\n"
    counted = measure(setup, f"result = scan([{str(path)!r}], ScanOptions())\n"
                             "note = (len(result.resources), sum(f.rule_id == 'RES601' for f in result.findings))",
                      env=env)
    resources, res601 = counted.note
    print(f"{label}: {resources} resources; RES601 findings: {res601}")
    floor = measure(setup, f"scan([{str(path)!r}], ScanOptions(ignore=[Selector('RES601', '--ignore')]))", env=env)
    print(f"  scan without RES601:    {floor}")
    whole = measure(setup, f"scan([{str(path)!r}], ScanOptions())", env=env)
    print(f"  scan with RES601:       {whole}")
    zones = measure("from linter.engine import ScanOptions\nfrom linter.failure_domains.report import build_report, render",
                    f"render('text', build_report([{str(path)!r}], ScanOptions()))", env=env)
    print(f"  resilint zones (text):  {zones}")
    print(f"  RES601 adds {100 * (whole.cpu_seconds / floor.cpu_seconds - 1):+.1f}% cpu, "
          f"{100 * (whole.seconds / floor.seconds - 1):+.1f}% wall, "
          f"peak {whole.peak_mib / floor.peak_mib:.2f}x to the scan (target <= +20%)")
    print(f"  zones / scan without RES601: {zones.cpu_seconds / floor.cpu_seconds:.2f}x cpu, "
          f"peak {zones.peak_mib / floor.peak_mib:.2f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--roots", type=int, default=300)
    parser.add_argument("--objects", type=int, default=10000)
    parser.add_argument("--keep", metavar="DIR")
    args = parser.parse_args()
    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-zones-"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-m", "linter", "--version"], capture_output=True, env=env)
    try:
        tree = tmp / "tree"
        if tree.exists():
            shutil.rmtree(tree)
        tree.mkdir(parents=True)
        files = generate_with_services(tree, args.roots)
        compare(tree, env, "Terraform tree")
        manifest = tmp / "manifest.yaml"
        write_manifest(manifest, args.objects)
        compare(manifest, env, f"Kubernetes manifest of {args.objects} objects")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
