"""Terraform configuration: the whole scan against the parser's bare parse.

Generates a tree of module roots (`--roots`, 10 files of about 2 resource
blocks each, plus variables/locals/tfvars) calling a shared local module, with
count, for_each, dynamic blocks, locals and tfvars; then measures, each in a
fresh interpreter:

* bare parse: tree-sitter-hcl parsing every file (the floor; target: the
  whole scan within 3x of it);
* python-hcl2 parse of the same files, for the memory target (whole scan peak
  at most 3x of it), when python-hcl2 is installed;
* the whole scan (`resilint scan`: evaluate, expand, run the rules);
* one changed `.tf` in a repository of 1,000 files, judged with its directory
  (the pre-commit case, start-up included; target under 0.25 s).

Usage: python3 benchmarks/bench_hcl.py [--roots 500] [--keep DIR]
(--roots 500 is about 10,000 resource blocks in 5,000 files.)
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import measure  # noqa: E402

MODULE = '''
variable "name" {}
variable "replicas" { default = 2 }
variable "zones" { default = ["eu-west-1a", "eu-west-1b", "eu-west-1c"] }
resource "aws_db_instance" "this" {
  count          = var.replicas > 0 ? 1 : 0
  identifier     = "${var.name}-db"
  engine         = "postgres"
  instance_class = "db.t4g.medium"
  multi_az       = var.replicas > 1
}
resource "aws_subnet" "private" {
  count             = length(var.zones)
  availability_zone = var.zones[count.index]
  cidr_block        = cidrsubnet("10.0.0.0/16", 8, count.index)
}
output "subnet_ids" {
  value = aws_subnet.private[*].id
}
'''

FILE = '''
resource "aws_sqs_queue" "q{i}" {{
  for_each                  = local.queues
  name                      = "${{local.prefix}}-{i}-${{each.key}}"
  message_retention_seconds = each.value
  redrive_policy = jsonencode({{
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = var.max_receive
  }})
}}

resource "aws_security_group" "sg{i}" {{
  name = "sg-{i}"
  dynamic "ingress" {{
    for_each = var.ports
    content {{
      from_port = ingress.value
      to_port   = ingress.value
      protocol  = "tcp"
    }}
  }}
}}
'''

ROOT_FILES = {
    "variables.tf": '''
variable "ports" { default = [80, 443] }
variable "max_receive" { default = 5 }
variable "enabled" { default = true }
''',
    "locals.tf": '''
locals {
  prefix = "app"
  queues = { fast = 60, slow = 1209600 }
}
resource "aws_sqs_queue" "dlq" {
  name                      = "${local.prefix}-dlq"
  message_retention_seconds = 1209600
}
module "db" {
  count    = var.enabled ? 1 : 0
  source   = "../../modules/db"
  name     = local.prefix
  replicas = 2
}
''',
    "terraform.tfvars": "max_receive = 4\n",
}


def generate(root: Path, roots: int, files_per_root: int = 8) -> int:
    (root / "modules" / "db").mkdir(parents=True)
    (root / "modules" / "db" / "main.tf").write_text(MODULE)
    count = 1
    for r in range(roots):
        directory = root / "envs" / f"env{r:04d}"
        directory.mkdir(parents=True)
        for name, text in ROOT_FILES.items():
            (directory / name).write_text(text)
            count += 1
        for i in range(files_per_root):
            (directory / f"queues{i}.tf").write_text(FILE.format(i=i))
            count += 1
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--roots", type=int, default=500)
    parser.add_argument("--keep", metavar="DIR")
    args = parser.parse_args()
    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-hcl-"))
    # start-up is measured as users have it: with compiled modules cached
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-m", "linter", "--version"], capture_output=True, env=env)
    try:
        tree = tmp / "tree"
        if tree.exists():
            shutil.rmtree(tree)
        tree.mkdir(parents=True)
        files = generate(tree, args.roots)
        tf_files = sorted(str(p) for p in tree.rglob("*.tf"))
        blocks = sum(Path(p).read_text().count('\nresource "') + Path(p).read_text().startswith('resource "')
                     for p in tf_files)
        size = sum(Path(p).stat().st_size for p in tf_files)
        print(f"tree: {files} files, {len(tf_files)} .tf, {blocks} resource blocks, {size / 1e6:.1f} MB")
        setup = f"import json; FILES = {tf_files!r}"
        bare = measure(setup + "\nimport tree_sitter, tree_sitter_hcl\n"
                       "P = tree_sitter.Parser(tree_sitter.Language(tree_sitter_hcl.language()))",
                       "for f in FILES:\n    P.parse(open(f, 'rb').read())", env=env)
        print(f"bare tree-sitter parse: {bare}")
        try:
            import hcl2  # noqa: F401
            hcl2_parse = measure(setup + "\nimport hcl2", "trees = [hcl2.parses(open(f).read()) for f in FILES]", env=env)
            print(f"python-hcl2 parse (trees kept, as the old loader did): {hcl2_parse}")
        except ImportError:
            hcl2_parse = None
            print("python-hcl2 parse: not installed (the old loader's parser)")
        scan = measure(f"import sys; sys.argv = ['resilint', 'scan', {str(tree)!r}, '-q', '--exit-zero']\n"
                       "from linter.cli import main",
                       "import contextlib, io\nwith contextlib.redirect_stdout(io.StringIO()):\n    main(sys.argv[1:])",
                       env=env)
        print(f"whole scan:             {scan}")
        print(f"scan / bare parse:      {scan.seconds / bare.seconds:.1f}x wall, "
              f"{scan.cpu_seconds / max(bare.cpu_seconds, 1e-9):.1f}x cpu (target <= 3x)")
        if hcl2_parse is not None:
            print(f"scan peak / python-hcl2 parse peak: {scan.peak_mib / hcl2_parse.peak_mib:.2f}x (target <= 3x)")
        # one changed file, judged with its directory, in a repository of about 1,000 files
        repo = tmp / "repo"
        if repo.exists():
            shutil.rmtree(repo)
        repo.mkdir()
        generate(repo, 90)
        changed = repo / "envs" / "env0007" / "queues3.tf"
        best = None
        for _ in range(5):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "linter", "scan", str(changed), "-q", "--exit-zero"],
                           capture_output=True, cwd=repo, env=env)
            took = time.perf_counter() - start
            best = took if best is None else min(best, took)
        print(f"one changed .tf in a {sum(1 for _ in repo.rglob('*.tf*'))}-file repository, with its directory, "
              f"start-up included: {best:.3f} s (target < 0.25 s)")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
