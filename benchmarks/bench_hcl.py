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
* the whole scan on one core, on two, and by default (a second core for big scans
  when one is idle: by the load average, or left idle since the scan began),
  with each ratio to the bare parse, and as a command (start-up and exit);
* Checkov on the same tree when `--checkov EXE` names it (a venv of its own:
  never a dependency of this project);
* one changed `.tf` in a repository of 1,000 files, judged with its directory
  (the pre-commit case, start-up included; target under 0.25 s), also alone
  with `--changed-file-only`.

Times are wall-clock and CPU (the steadier figure on a busy machine); the load
average is printed with the tree.

Usage: python3 benchmarks/bench_hcl.py [--roots 500] [--keep DIR] [--checkov EXE]
       python3 benchmarks/bench_hcl.py --changed-file-only [--runs 9]
(--roots 500 is 8,502 resource blocks in 5,001 `.tf` files; --roots 590 about 10,000.)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
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


SCAN_SETUP = ("import sys; sys.argv = ['resilint', 'scan', {tree!r}, '-q', '--exit-zero']\n"
              "from linter.cli import main\n{pin}")
SCAN_STEP = "import contextlib, io\nwith contextlib.redirect_stdout(io.StringIO()):\n    main(sys.argv[1:])"
ONE_CORE = "import linter.loaders.parallel as _p; _p.cores = lambda: 1  # the serial scan\n"
# two processes whatever the load average says (the default uses a second core only when one is idle)
TWO_CORES = "import linter.loaders.parallel as _p; _p.available_cores = lambda: 2\n"


def _child_run(argv: list[str], env: dict, cwd: Path | None = None) -> tuple[float, float, float, int]:
    """Wall and CPU seconds and peak resident MiB of a command in a process of its own
    (the largest process it ran, for a command that starts workers), and its exit code."""
    code = ("import json, resource, subprocess, sys, time\n"
            "start = time.perf_counter()\n"
            "rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode\n"
            "wall = time.perf_counter() - start\n"
            "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
            "print(json.dumps([wall, u.ru_utime + u.ru_stime, u.ru_maxrss / 1024, rc]))\n")
    out = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, env=env, cwd=cwd)
    wall, cpu, peak, rc = json.loads(out.stdout)
    return wall, cpu, peak, rc


def changed_file(tmp: Path, env: dict, runs: int) -> None:
    """One changed `.tf` in a repository of about 1,000 files, judged with its directory
    (what pre-commit runs), start-up included: best of `runs`."""
    repo = tmp / "repo"
    if repo.exists():
        shutil.rmtree(repo)
    repo.mkdir(parents=True)
    (repo / ".git").mkdir()  # pre-commit runs in a checkout (a staged module's Terragrunt units are searched in it)
    generate(repo, 90)
    changed = repo / "envs" / "env0007" / "queues3.tf"
    argv = [sys.executable, "-m", "linter", "scan", str(changed.relative_to(repo)), "-q", "--exit-zero"]
    best = min((_child_run(argv, env, cwd=repo) for _ in range(runs)), key=lambda r: r[0])
    files = sum(1 for _ in repo.rglob("*.tf*"))
    print(f"one changed .tf in a {files}-file repository, with its directory, start-up included "
          f"(best of {runs}): {best[0]:.3f} s wall (cpu {best[1]:.3f} s), peak {best[2]:.0f} MiB (target < 0.25 s)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--roots", type=int, default=500)
    parser.add_argument("--keep", metavar="DIR")
    parser.add_argument("--changed-file-only", action="store_true",
                        help="only the pre-commit case: one changed .tf in a repository of about 1,000 files")
    parser.add_argument("--runs", type=int, default=5, help="runs of the pre-commit case (the best is shown)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each step of the tree, each in a fresh process (the fastest is shown)")
    parser.add_argument("--checkov", metavar="EXE",
                        help="also time this Checkov executable on the same tree (install it in a venv of its own)")
    args = parser.parse_args()
    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-hcl-"))
    # start-up is measured as users have it: with compiled modules cached
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-m", "linter", "--version"], capture_output=True, env=env)
    try:
        if args.changed_file_only:
            changed_file(tmp, env, args.runs)
            return 0
        tree = tmp / "tree"
        if tree.exists():
            shutil.rmtree(tree)
        tree.mkdir(parents=True)
        files = generate(tree, args.roots)
        tf_files = sorted(str(p) for p in tree.rglob("*.tf"))
        blocks = sum(Path(p).read_text().count('\nresource "') + Path(p).read_text().startswith('resource "')
                     for p in tf_files)
        size = sum(Path(p).stat().st_size for p in tf_files)
        print(f"tree: {files} files, {len(tf_files)} .tf, {blocks} resource blocks, {size / 1e6:.1f} MB; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        listed = tmp / "files.json"  # read by each step: too long a list for a command line
        listed.write_text(json.dumps(tf_files))
        setup = f"import json; FILES = json.load(open({str(listed)!r}))"
        bare = measure(setup + "\nimport tree_sitter, tree_sitter_hcl\n"
                       "P = tree_sitter.Parser(tree_sitter.Language(tree_sitter_hcl.language()))",
                       "for f in FILES:\n    P.parse(open(f, 'rb').read())", repeat=args.repeat, env=env)
        print(f"bare tree-sitter parse: {bare}")
        try:
            import hcl2  # noqa: F401
            hcl2_parse = measure(setup + "\nimport hcl2", "trees = [hcl2.parses(open(f).read()) for f in FILES]", env=env)
            print(f"python-hcl2 parse (trees kept, as the old loader did): {hcl2_parse}")
        except ImportError:
            hcl2_parse = None
            print("python-hcl2 parse: not installed (the old loader's parser)")
        serial = measure(SCAN_SETUP.format(tree=str(tree), pin=ONE_CORE), SCAN_STEP, repeat=args.repeat, env=env)
        print(f"whole scan, one core:   {serial}")
        both = measure(SCAN_SETUP.format(tree=str(tree), pin=TWO_CORES), SCAN_STEP, repeat=args.repeat, env=env)
        print(f"whole scan, two cores:  {both}")
        scan = measure(SCAN_SETUP.format(tree=str(tree), pin=""), SCAN_STEP, repeat=args.repeat, env=env)
        print(f"whole scan (default: a second core when one is idle, by the load average or since the scan began, "
              f"load {os.getloadavg()[0]:.1f}): {scan}")
        print(f"two cores vs one: {serial.seconds / both.seconds:.2f}x faster wall, "
              f"cpu {both.cpu_seconds / max(serial.cpu_seconds, 1e-9):.2f}x")
        for name, m in (("one core", serial), ("two cores", both), ("default", scan)):
            print(f"scan ({name}) / bare parse: {m.seconds / bare.seconds:.1f}x wall, "
                  f"{m.cpu_seconds / max(bare.cpu_seconds, 1e-9):.1f}x cpu (target <= 3x)")
        if hcl2_parse is not None:
            print(f"scan peak / python-hcl2 parse peak: {scan.peak_mib / hcl2_parse.peak_mib:.2f}x (target <= 3x)")
        command = [sys.executable, "-m", "linter", "scan", str(tree), "-q", "--exit-zero"]
        wall, cpu, peak, _ = _child_run(command, env)
        print(f"`resilint scan` as a command (start-up and exit included): {wall:.2f} s (cpu {cpu:.2f} s), "
              f"peak {peak:.0f} MiB")
        if args.checkov:
            wall_c, cpu_c, peak_c, rc = _child_run([args.checkov, "-d", str(tree), "--framework", "terraform",
                                                    "--quiet", "--compact", "-o", "cli"], env)
            print(f"checkov (exit {rc}): {wall_c:.2f} s (cpu {cpu_c:.2f} s), peak {peak_c:.0f} MiB "
                  f"(its largest process); resilint is {wall_c / wall:.1f}x faster wall, "
                  f"{cpu_c / cpu:.1f}x less cpu (target >= 10x)")
        changed_file(tmp, env, args.runs)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
