"""The HCL loader on small `.tf` modules written to a temporary directory."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from linter.index import Index
from linter.loaders.hcl import load_module
from linter.model import is_unknown


def load_dir(directory: Path, **files: str):
    for name, text in files.items():
        (directory / name.replace("__", ".")).write_text(text)
    tf_files = sorted(directory.glob("*.tf"))
    resources, errors = load_module(directory, tf_files, {})
    return {r.address: r for r in resources}, errors


MAIN = """\
variable "ha" {
  type    = bool
  default = true
}

variable "zone" {
  type = string
}

resource "aws_subnet" "a" {
  availability_zone = "eu-west-1a"
  cidr_block        = "10.0.1.0/24"
}

resource "aws_db_instance" "orders" {
  engine            = "postgres"
  allocated_storage = 20
  multi_az          = var.ha
  availability_zone = var.zone
  identifier        = "orders-${var.zone}"
  subnet_ids        = [aws_subnet.a.id, data.aws_subnet.b.id]
  tags = {
    Name  = "orders"
    "a-b" = 2
  }

  settings {
    tier = "db-f1"
    backup_configuration {
      enabled = false
    }
  }
  ingress {
    port = 80
  }
  ingress {
    port = 443
  }
  lifecycle {
    prevent_destroy = true
  }
  depends_on = [aws_subnet.a]
}

data "aws_subnet" "b" {
  id = "subnet-0b"
}

resource "aws_instance" "never" {
  count = 0
  ami   = "ami-1"
}

resource "aws_instance" "many" {
  count = 3
  ami   = "ami-1"
}

resource "aws_instance" "maybe" {
  count = var.enabled ? 1 : 0
  ami   = "ami-1"
}

resource "aws_sqs_queue" "jobs" {
  redrive_policy = jsonencode({
    deadLetterTargetArn = "arn:aws:sqs:eu-west-1:1:dlq"
    maxReceiveCount     = 5
  })
  policy = jsonencode({ Resource = aws_sqs_queue.dlq.arn })
  name   = <<-EOT
    jobs
    EOT
  escaped = "a\\"b $${not_a_template}"
}
"""


def test_literals_blocks_and_lines(tmp_path):
    loaded, errors = load_dir(tmp_path, main__tf=MAIN)
    assert errors == []
    db = loaded["aws_db_instance.orders"]
    assert db.type == "aws_db_instance" and db.source_format == "hcl" and db.name == "orders"
    assert db.location.file.endswith("main.tf") and db.location.line == 15
    assert db.get("engine") == "postgres" and db.get("allocated_storage") == 20
    assert db.get("tags") == {"Name": "orders", "a-b": 2}
    # nested blocks are lists of dicts, as in plan JSON
    assert db.attrs["settings"] == [{"tier": "db-f1", "backup_configuration": [{"enabled": False}]}]
    assert db.get("settings.backup_configuration.enabled") is False
    assert [b["port"] for b in db.all("ingress")] == [80, 443]
    # meta-arguments are not attributes
    assert "lifecycle" not in db.attrs and "depends_on" not in db.attrs
    assert db.line_for("settings.backup_configuration.enabled") == 30
    assert db.line_for("ingress.1.port") == 37
    assert db.line_for("ingress") == 33  # the first block
    assert db.line_for("multi_az") == 18


def test_expressions_are_unknown_with_references(tmp_path):
    loaded, _ = load_dir(tmp_path, main__tf=MAIN)
    db = loaded["aws_db_instance.orders"]
    zone = db.get("availability_zone")
    assert is_unknown(zone) and zone.expr == "var.zone"  # no default: unknown
    assert is_unknown(db.get("identifier")) and db.get("identifier").refs == ("var.zone",)
    first, second = db.get("subnet_ids")
    assert first.refs == ("aws_subnet.a",) and second.refs == ("data.aws_subnet.b",)
    assert db.refs["subnet_ids"] == ["aws_subnet.a"] and db.refs["subnet_ids.1"] == ["data.aws_subnet.b"]
    index = Index(loaded.values())
    assert [r.address for r in index.resolve_many(db.get("subnet_ids"))] == ["aws_subnet.a", "data.aws_subnet.b"]
    assert index.resolve(second).get("id") == "subnet-0b"


def test_variable_default_is_used_and_marked(tmp_path):
    loaded, _ = load_dir(tmp_path, main__tf=MAIN)
    db = loaded["aws_db_instance.orders"]
    assert db.get("multi_az") is True
    assert db.meta["from_variable_default"] == {"multi_az": f"var.ha, set at {tmp_path / 'main.tf'}:3"}


def test_tfvars_value_is_used_and_named(tmp_path):
    loaded, _ = load_dir(tmp_path, main__tf=MAIN, terraform__tfvars='\nha = false\n')
    db = loaded["aws_db_instance.orders"]
    assert db.get("multi_az") is False
    assert "from_variable_default" not in db.meta
    assert db.meta["value_origin"]["multi_az"].endswith("terraform.tfvars:2")


def test_count_and_data_sources(tmp_path):
    loaded, _ = load_dir(tmp_path, main__tf=MAIN)
    assert "aws_instance.never" not in loaded  # count = 0
    # one resource per instance, with Terraform's addresses
    assert [a for a in loaded if a.startswith("aws_instance.many")] == [f"aws_instance.many[{i}]" for i in range(3)]
    assert loaded["aws_instance.many[2]"].meta["count_index"] == 2
    assert is_unknown(loaded["aws_instance.maybe"].meta["count"])
    data = loaded["data.aws_subnet.b"]
    assert data.type == "data.aws_subnet" and data.get("id") == "subnet-0b"


def test_jsonencode_heredoc_and_escapes(tmp_path):
    loaded, _ = load_dir(tmp_path, main__tf=MAIN)
    queue = loaded["aws_sqs_queue.jobs"]
    policy = queue.get("redrive_policy")
    assert json.loads(policy) == {"deadLetterTargetArn": "arn:aws:sqs:eu-west-1:1:dlq", "maxReceiveCount": 5}
    assert policy == '{"deadLetterTargetArn":"arn:aws:sqs:eu-west-1:1:dlq","maxReceiveCount":5}'
    assert is_unknown(queue.get("policy")) and queue.get("policy").refs == ("aws_sqs_queue.dlq",)
    assert queue.get("name") == "jobs\n"
    assert queue.get("escaped") == 'a"b ${not_a_template}'


def test_dynamic_block_is_unknown(tmp_path):
    loaded, _ = load_dir(tmp_path, main__tf="""\
resource "aws_security_group" "web" {
  dynamic "ingress" {
    for_each = var.ports
    content {
      from_port = ingress.value
    }
  }
}
""")
    ingress = loaded["aws_security_group.web"].attrs["ingress"]
    assert is_unknown(ingress) and ingress.refs == ("var.ports",)


def test_syntax_error_has_a_line_and_does_not_hide_other_files(tmp_path):
    loaded, errors = load_dir(tmp_path, good__tf='resource "aws_sqs_queue" "ok" {\n  name = "ok"\n}\n',
                              bad__tf='resource "aws_sqs_queue" "broken" {\n  name = \n}\n')
    assert list(loaded) == ["aws_sqs_queue.ok"]
    assert len(errors) == 1
    assert errors[0].file.endswith("bad.tf") and errors[0].line == 2
    assert "invalid HCL" in errors[0].message


def test_unclosed_block_is_an_input_error(tmp_path):
    _, errors = load_dir(tmp_path, bad__tf='resource "aws_sqs_queue" "broken" {\n  name = "x"\n')
    assert len(errors) == 1 and errors[0].line == 3


ROOT_WITH_MODULES = """\
variable "ha" {
  default = false
}

resource "aws_subnet" "a" {
  availability_zone = "eu-west-1a"
}

module "db" {
  source     = "./modules/db"
  multi_az   = var.ha
  subnet_ids = [aws_subnet.a.id]
  engine     = "postgres"
}

module "off" {
  source = "./modules/db"
  count  = 0
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.0.0"
  azs     = ["eu-west-1a"]
  subnet  = aws_subnet.a.id
}
"""

CHILD_DB = """\
variable "multi_az" {
  default = true
}
variable "engine" {}
variable "subnet_ids" {}
variable "storage" {
  default = 20
}

resource "aws_db_instance" "main" {
  engine            = var.engine
  multi_az          = var.multi_az
  allocated_storage = var.storage
}

resource "aws_db_subnet_group" "main" {
  subnet_ids = var.subnet_ids
}
"""


def _module_tree(tmp_path: Path) -> Path:
    (tmp_path / "main.tf").write_text(ROOT_WITH_MODULES)
    (tmp_path / "modules" / "db").mkdir(parents=True)
    (tmp_path / "modules" / "db" / "main.tf").write_text(CHILD_DB)
    return tmp_path


def test_local_child_module_is_loaded_with_the_callers_arguments(tmp_path):
    root = _module_tree(tmp_path)
    resources, errors = load_module(root, [root / "main.tf"], {})
    assert errors == []
    loaded = {r.address: r for r in resources}
    db = loaded["module.db.aws_db_instance.main"]
    assert db.location.file.endswith(str(Path("modules/db/main.tf"))) and db.location.line == 10
    assert db.meta["module"] == "module.db" and db.meta["root"] == str(root)
    assert db.get("engine") == "postgres"  # a literal argument
    # the argument is the root's var.ha, whose default is false
    assert db.get("multi_az") is False
    # the child's own default, not passed: the call is where an argument would set it
    lines = ROOT_WITH_MODULES.splitlines()
    call, engine = lines.index('module "db" {') + 1, lines.index('  engine     = "postgres"') + 1
    ha_default = lines.index('variable "ha" {') + 2  # the root's default, where its owner changes it
    assert db.meta["from_variable_default"] == {
        "multi_az": f"var.ha, set at {root / 'main.tf'}:{ha_default}",
        "allocated_storage": f'var.storage; module "db" at {root / "main.tf"}:{call} does not set it'}
    assert db.get("allocated_storage") == 20
    assert db.meta["value_origin"] == {"engine": f"var.engine, set at {root / 'main.tf'}:{engine}"}
    # a reference passed in resolves in the caller's module
    group = loaded["module.db.aws_db_subnet_group.main"]
    (subnet_ref,) = group.get("subnet_ids")
    assert subnet_ref.refs == ("aws_subnet.a",)
    assert Index(resources).resolve_many(group.get("subnet_ids"))[0] is loaded["aws_subnet.a"]
    # count = 0: not loaded; a registry module: a `module` resource with what it receives
    assert not any(a.startswith("module.off") for a in loaded)
    vpc = loaded["module.vpc"]
    assert vpc.type == "module" and vpc.meta["source"] == "terraform-aws-modules/vpc/aws"
    assert vpc.refs == {"subnet": ["aws_subnet.a"]}
    assert "module.db" not in loaded  # followed, so no opaque call


def test_scanning_root_and_child_directories_loads_the_child_once(tmp_path):
    from linter.loaders import load_paths

    root = _module_tree(tmp_path)
    loaded = load_paths([str(root)])
    addresses = sorted(r.address for r in loaded.resources)
    assert addresses == [
        "aws_subnet.a", "module.db.aws_db_instance.main", "module.db.aws_db_subnet_group.main", "module.vpc",
    ]
    # the child directory alone is a root module of its own
    alone = load_paths([str(root / "modules" / "db")])
    db = {r.address: r for r in alone.resources}["aws_db_instance.main"]
    assert db.get("multi_az") is True
    assert db.meta["from_variable_default"]["multi_az"] == f"var.multi_az, set at {root / 'modules' / 'db' / 'main.tf'}:2"
    assert is_unknown(db.get("engine"))


def test_module_cycle_does_not_loop(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "main.tf").write_text('module "b" {\n  source = "../b"\n}\nresource "aws_sqs_queue" "a" {}\n')
    (tmp_path / "b" / "main.tf").write_text('module "a" {\n  source = "../a"\n}\nresource "aws_sqs_queue" "b" {}\n')
    resources, errors = load_module(tmp_path / "a", [tmp_path / "a" / "main.tf"], {})
    assert errors == []
    assert sorted(r.address for r in resources) == ["aws_sqs_queue.a", "module.b.aws_sqs_queue.b", "module.b.module.a"]


def test_outputs_of_a_loaded_child_are_followed(tmp_path):
    (tmp_path / "main.tf").write_text("""\
module "net" {
  source = "./net"
}

resource "aws_lb" "web" {
  subnets = module.net.private_subnet_ids
}

resource "aws_autoscaling_group" "web" {
  vpc_zone_identifier = module.net.unknown_output
}
""")
    (tmp_path / "net").mkdir()
    (tmp_path / "net" / "main.tf").write_text("""\
resource "aws_subnet" "a" {
  availability_zone = "eu-west-1a"
}
resource "aws_subnet" "b" {
  availability_zone = "eu-west-1b"
}
output "private_subnet_ids" {
  value = [aws_subnet.a.id, aws_subnet.b.id]
}
""")
    resources, errors = load_module(tmp_path, [tmp_path / "main.tf"], {})
    assert errors == []
    loaded = {r.address: r for r in resources}
    subnets = loaded["aws_lb.web"].get("subnets")
    # the output's value, evaluated: one reference per subnet
    assert [s.refs for s in subnets] == [("module.net.aws_subnet.a",), ("module.net.aws_subnet.b",)]
    assert loaded["aws_lb.web"].refs == {"subnets": ["module.net.aws_subnet.a"], "subnets.1": ["module.net.aws_subnet.b"]}
    zones = [s.get("availability_zone") for s in Index(resources).resolve_many(subnets)]
    assert zones == ["eu-west-1a", "eu-west-1b"]
    # an output the child does not declare stays an unresolvable reference
    assert loaded["aws_autoscaling_group.web"].get("vpc_zone_identifier").refs == ("module.net.unknown_output",)


def test_count_zero_from_a_variable_default_creates_nothing(tmp_path):
    # Terraform plans nothing for count = 0, wherever the 0 comes from
    loaded, _ = load_dir(tmp_path, main__tf="""\
variable "replicas" {
  default = 0
}
resource "aws_db_instance" "replica" {
  count = var.replicas
}
""")
    assert "aws_db_instance.replica" not in loaded and not any(a.startswith("aws_db_instance") for a in loaded)


def test_modules_installed_by_terraform_init_are_followed(tmp_path):
    (tmp_path / "main.tf").write_text("""\
module "db" {
  source  = "terraform-aws-modules/rds/aws"
  version = "6.0.0"
  engine  = "postgres"
}
module "not_installed" {
  source = "git::https://example.com/x.git"
}
""")
    installed = tmp_path / ".terraform" / "modules" / "db"
    (installed / "modules" / "db_instance").mkdir(parents=True)
    (installed / "main.tf").write_text("""\
variable "engine" {}
module "db_instance" {
  source = "./modules/db_instance"
  engine = var.engine
}
""")
    (installed / "modules" / "db_instance" / "main.tf").write_text("""\
variable "engine" {}
variable "multi_az" {
  default = false
}
resource "aws_db_instance" "this" {
  engine   = var.engine
  multi_az = var.multi_az
}
""")
    (tmp_path / ".terraform" / "modules" / "modules.json").write_text(json.dumps({"Modules": [
        {"Key": "", "Source": "", "Dir": "."},
        {"Key": "db", "Source": "registry.terraform.io/terraform-aws-modules/rds/aws", "Version": "6.0.0",
         "Dir": ".terraform/modules/db"},
        {"Key": "db.db_instance", "Source": "./modules/db_instance", "Dir": ".terraform/modules/db/modules/db_instance"},
    ]}))
    resources, errors = load_module(tmp_path, [tmp_path / "main.tf"], {})
    assert errors == []
    loaded = {r.address: r for r in resources}
    assert sorted(loaded) == ["module.db.module.db_instance.aws_db_instance.this", "module.not_installed"]
    db = loaded["module.db.module.db_instance.aws_db_instance.this"]
    assert db.get("engine") == "postgres" and db.get("multi_az") is False
    assert db.location.file.endswith(str(Path(".terraform/modules/db/modules/db_instance/main.tf")))


def test_installed_module_that_does_not_parse_stays_opaque_without_an_error(tmp_path):
    (tmp_path / "main.tf").write_text('module "db" {\n  source = "terraform-aws-modules/rds/aws"\n}\n')
    installed = tmp_path / ".terraform" / "modules" / "db"
    installed.mkdir(parents=True)
    (installed / "main.tf").write_text('resource "aws_db_instance" "this" {\n  engine = \n}\n')
    (tmp_path / ".terraform" / "modules" / "modules.json").write_text(json.dumps(
        {"Modules": [{"Key": "db", "Source": "registry.terraform.io/terraform-aws-modules/rds/aws", "Dir": ".terraform/modules/db"}]}))
    resources, errors = load_module(tmp_path, [tmp_path / "main.tf"], {})
    assert errors == []
    assert [(r.type, r.address) for r in resources] == [("module", "module.db")]


def test_unicode_escapes(tmp_path):
    loaded, _ = load_dir(tmp_path, main__tf='resource "aws_sqs_queue" "q" {\n  name = "caf\\u00e9-\\U0001F600"\n}\n')
    assert loaded["aws_sqs_queue.q"].get("name") == "café-\U0001F600"


def test_scientific_notation_is_a_number(tmp_path):
    loaded, _ = load_dir(tmp_path, main__tf='resource "aws_sqs_queue" "q" {\n  message_retention_seconds = 1.2e5\n  delay = 1e1\n}\n')
    q = loaded["aws_sqs_queue.q"]
    assert q.get("message_retention_seconds") == 120000.0 and q.get("delay") == 10


def test_jsonencode_with_a_variable_default(tmp_path):
    loaded, _ = load_dir(tmp_path, main__tf="""\
variable "max_receive" {
  default = 3
}
resource "aws_sqs_queue" "q" {
  redrive_policy = jsonencode({ deadLetterTargetArn = "arn:aws:sqs:eu-west-1:1:dlq", maxReceiveCount = var.max_receive })
}
""")
    q = loaded["aws_sqs_queue.q"]
    assert json.loads(q.get("redrive_policy"))["maxReceiveCount"] == 3
    assert q.meta["from_variable_default"] == {
        "redrive_policy.maxReceiveCount": f"var.max_receive, set at {tmp_path / 'main.tf'}:2"}


# a count Terraform leaves unknown for want of a value it would not need (it does not refine
# `unknown && false`); `enabled` stands for cloudposse's `module.this.enabled`, not installed
NEVER_CREATED = """
variable "enabled" {
  type = bool
}
variable "cluster_type" {
  default = "regional"
}
variable "override" {
  default = null
}
locals {
  enabled     = var.enabled
  is_regional = var.cluster_type == "regional"
  secondary   = local.enabled && !local.is_regional
}
resource "terraform_data" "primary" {
  count = local.enabled && local.is_regional ? 1 : 0
}
resource "terraform_data" "secondary" {
  count = local.enabled && !local.is_regional ? 1 : 0
}
resource "terraform_data" "through_a_local" {
  count = local.secondary ? 1 : 0
}
resource "terraform_data" "either_way" {
  count = var.override != null && local.enabled ? 2 : 0
}
resource "terraform_data" "branches_agree" {
  count = local.enabled ? 0 : 0
}
"""


def test_a_block_whose_unknown_count_is_zero_for_every_value_is_not_judged(tmp_path):
    """Before, each was judged once as a template (an unknown count), so cloudposse's rds-cluster
    examples had findings on `aws_rds_cluster.secondary`, which a regional cluster never creates.
    A count that may be 1 (primary) is still judged so. Where terraform is installed, it plans
    none of them with either value of `enabled`."""
    import subprocess

    from linter.terraform import load_module_directory

    (tmp_path / "main.tf").write_text(NEVER_CREATED)
    resources, errors, _ = load_module_directory(tmp_path, {})
    assert errors == []
    assert [r.address for r in resources] == ["terraform_data.primary"]
    assert is_unknown(resources[0].meta["count"])
    if shutil.which("terraform") is None:
        return
    subprocess.run(["terraform", "init", "-input=false"], cwd=tmp_path, check=True, capture_output=True)
    for enabled in ("true", "false"):
        done = subprocess.run(["terraform", "plan", "-input=false", "-no-color", f"-var=enabled={enabled}",
                               "-out=plan"], cwd=tmp_path, check=True, capture_output=True, text=True)
        shown = subprocess.run(["terraform", "show", "-json", "plan"], cwd=tmp_path, check=True,
                               capture_output=True, text=True).stdout
        planned = {c["address"] for c in json.loads(shown).get("resource_changes", [])}
        assert planned == ({"terraform_data.primary[0]"} if enabled == "true" else set()), (enabled, done.stdout)


def _override_findings(directory: Path, **files: str) -> list[tuple[str, str, int, str]]:
    from tests.conftest import run_scan

    directory.mkdir()
    for name, text in files.items():
        (directory / name).write_text(text)
    result = run_scan(directory)
    assert result.errors == []
    return [(f.rule_id, Path(f.file).name, f.line, f.message) for f in result.findings if f.rule_id != "RES508"]


def test_a_value_an_override_file_writes_is_found_at_its_line_there(tmp_path):
    """Terraform merges `override.tf`/`*_override.tf` into the blocks of the other files:
    an attribute, a nested block and a variable default it writes are at its lines."""
    asg = ('resource "aws_autoscaling_group" "web" {\n  min_size = var.size\n  max_size = 3\n'
           '  vpc_zone_identifier = ["subnet-a", "subnet-b"]\n}\n')
    attr = _override_findings(tmp_path / "attr", **{
        "main.tf": asg.replace("var.size", "3"),
        "override.tf": 'resource "aws_autoscaling_group" "web" {\n  max_size = 1\n}\n'})
    assert [f[:3] for f in attr] == [("RES104", "override.tf", 2)]

    [(rule, file, line, message)] = _override_findings(tmp_path / "default", **{
        "main.tf": 'variable "size" {\n  default = 3\n}\n' + asg.replace("= 3", "= var.size"),
        "size_override.tf": '\nvariable "size" {\n  default = 1\n}\n'})
    assert (rule, file) == ("RES104", "main.tf")
    assert message.endswith(f"(the default of var.size, set at {tmp_path / 'default' / 'size_override.tf'}:3)")

    sql = ('resource "google_sql_database_instance" "orders" {\n  database_version = "POSTGRES_15"\n'
           '  settings {\n    tier = "db-custom-2-7680"\n    availability_type = "REGIONAL"\n  }\n}\n')
    block = _override_findings(tmp_path / "block", **{
        "main.tf": sql,
        "orders_override.tf": sql.replace("REGIONAL", "ZONAL").replace('  database_version = "POSTGRES_15"\n', "")})
    assert [f[:3] for f in block] == [("RES311", "orders_override.tf", 4)]
