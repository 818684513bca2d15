"""The Terraform plan loader on small, hand-checked plan documents."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linter.index import Index
from linter.loaders import load_paths
from linter.loaders.tfplan import load_document
from linter.model import InputError, Unknown, is_unknown


def change(address, rtype, actions, after=None, after_unknown=None, before=None, module=None, mode="managed", index=None):
    rc = {
        "address": address,
        "mode": mode,
        "type": rtype,
        "name": address.split(".")[-1].split("[")[0],
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": {
            "actions": actions,
            "before": before,
            "after": after,
            "after_unknown": after_unknown or {},
        },
    }
    if module:
        rc["module_address"] = module
    if index is not None:
        rc["index"] = index
    return rc


def plan(changes, root_resources=(), module_calls=None, prior_state=None):
    doc = {
        "format_version": "1.2",
        "terraform_version": "1.6.0",
        "resource_changes": list(changes),
        "configuration": {
            "root_module": {"resources": list(root_resources), "module_calls": module_calls or {}}
        },
    }
    if prior_state is not None:
        doc["prior_state"] = prior_state
    return doc


def config(address, rtype, expressions):
    return {"address": address, "mode": "managed", "type": rtype, "name": address.split(".")[-1], "expressions": expressions}


def load(doc, path="plan.json", **options):
    return {r.address: r for r in load_document(doc, Path(path), path, options)}


def test_after_unknown_becomes_unknown_with_references():
    doc = plan(
        [change("aws_autoscaling_group.web", "aws_autoscaling_group", ["create"],
                after={"min_size": 1, "max_size": 3},
                after_unknown={"vpc_zone_identifier": True, "id": True})],
        [config("aws_autoscaling_group.web", "aws_autoscaling_group", {
            "min_size": {"constant_value": 1},
            "vpc_zone_identifier": {"references": ["aws_subnet.a.id", "aws_subnet.a", "aws_subnet.b.id", "aws_subnet.b"]},
        })],
    )
    r = load(doc)["aws_autoscaling_group.web"]
    assert r.type == "aws_autoscaling_group" and r.source_format == "tfplan"
    assert r.get("min_size") == 1
    zones = r.get("vpc_zone_identifier")
    assert is_unknown(zones)
    assert zones.refs == ("aws_subnet.a", "aws_subnet.b")
    assert r.refs["vpc_zone_identifier"] == ["aws_subnet.a", "aws_subnet.b"]
    assert is_unknown(r.get("id")) and "id" not in r.meta
    assert r.change.actions == ("create",) and r.change.before is None


def test_unknown_list_elements_carry_the_whole_reference_list():
    doc = plan(
        [change("aws_lb.web", "aws_lb", ["create"], after={"subnets": None}, after_unknown={"subnets": [True, True]})],
        [config("aws_lb.web", "aws_lb", {"subnets": {"references": ["aws_subnet.a.id", "aws_subnet.a", "aws_subnet.b.id", "aws_subnet.b"]}})],
    )
    subnets = load(doc)["aws_lb.web"].get("subnets")
    assert is_unknown(subnets) and subnets.refs == ("aws_subnet.a", "aws_subnet.b")


def test_optional_computed_attribute_never_written_takes_the_default():
    """rules.md §0.2: multi_az unknown on create but not in the configuration -> absent."""
    doc = plan(
        [change("aws_db_instance.orders", "aws_db_instance", ["create"],
                after={"engine": "postgres"},
                after_unknown={"multi_az": True, "backup_retention_period": True, "id": True})],
        [config("aws_db_instance.orders", "aws_db_instance", {"engine": {"constant_value": "postgres"}})],
    )
    r = load(doc)["aws_db_instance.orders"]
    assert r.get("multi_az") is None and not r.has("multi_az")
    assert r.get("backup_retention_period") is None
    assert r.meta["unset_computed"] == ["multi_az", "backup_retention_period"]
    assert is_unknown(r.get("id"))  # not Optional+Computed: stays unknown


@pytest.mark.parametrize("refs", [["aws_ssm_parameter.ha.value", "aws_ssm_parameter.ha"], ["local.ha"], ["each.value.ha", "each.value"],
                                  ["var.ha", "data.aws_ssm_parameter.ha.value", "data.aws_ssm_parameter.ha"]])
def test_optional_computed_attribute_written_as_what_may_be_unknown_stays_unknown(refs):
    """A resource, a data source, a local (its expression is not in the plan) or `each`
    may be unknown at plan: so may the attribute."""
    doc = plan(
        [change("aws_db_instance.orders", "aws_db_instance", ["create"],
                after={"engine": "postgres"}, after_unknown={"multi_az": True})],
        [config("aws_db_instance.orders", "aws_db_instance", {"multi_az": {"references": refs}})],
    )
    r = load(doc)["aws_db_instance.orders"]
    assert is_unknown(r.get("multi_az"))
    assert "unset_computed" not in r.meta


def test_optional_computed_attribute_written_as_variables_alone_was_null():
    """`multi_az = var.db.multi_az`: terraform knows a variable at plan, so an unknown
    planned value was a null the provider fills: the default, and where the null came from."""
    doc = plan(
        [change("aws_db_instance.orders", "aws_db_instance", ["create"],
                after={"engine": "postgres"}, after_unknown={"multi_az": True})],
        [config("aws_db_instance.orders", "aws_db_instance", {"multi_az": {"references": ["var.db.multi_az", "var.db"]}})],
    )
    r = load(doc)["aws_db_instance.orders"]
    assert not r.has("multi_az") and r.meta["unset_computed"] == ["multi_az"]
    assert r.meta["value_origin"]["multi_az"] == "the value of var.db.multi_az"


def test_without_configuration_nothing_is_defaulted():
    doc = plan([change("aws_db_instance.orders", "aws_db_instance", ["create"], after={}, after_unknown={"multi_az": True})])
    del doc["configuration"]
    assert is_unknown(load(doc)["aws_db_instance.orders"].get("multi_az"))


def test_nested_optional_computed_in_a_written_block():
    doc = plan(
        [change("azurerm_kubernetes_cluster.k", "azurerm_kubernetes_cluster", ["create"],
                after={"default_node_pool": [{"name": "system", "vm_size": "B2s"}]},
                after_unknown={"default_node_pool": [{"node_count": True}]})],
        [config("azurerm_kubernetes_cluster.k", "azurerm_kubernetes_cluster",
                {"default_node_pool": [{"name": {"constant_value": "system"}, "vm_size": {"constant_value": "B2s"}}]})],
    )
    r = load(doc)["azurerm_kubernetes_cluster.k"]
    assert r.get("default_node_pool.node_count") is None
    assert r.get("default_node_pool.name") == "system"
    assert r.meta["unset_computed"] == ["default_node_pool.node_count"]


def test_delete_is_skipped_and_replacement_keeps_before():
    doc = plan([
        change("aws_db_instance.old", "aws_db_instance", ["delete"], before={"multi_az": True}),
        change("aws_db_instance.moved", "aws_db_instance", ["delete", "create"],
               before={"multi_az": True, "id": "db-1"}, after={"multi_az": False}, after_unknown={"id": True}),
        change("aws_db_instance.tuned", "aws_db_instance", ["update"],
               before={"multi_az": True, "id": "db-2", "arn": "arn:aws:rds:eu-west-1:1:db:db-2"},
               after={"multi_az": False, "id": "db-2", "arn": "arn:aws:rds:eu-west-1:1:db:db-2"}),
    ])
    loaded = load(doc)
    assert set(loaded) == {"aws_db_instance.moved", "aws_db_instance.tuned"}
    moved = loaded["aws_db_instance.moved"]
    assert moved.change.is_replace and moved.before("multi_az") is True and moved.get("multi_az") is False
    assert "id" not in moved.meta  # the replacement gets a new id
    tuned = loaded["aws_db_instance.tuned"]
    assert tuned.change.is_update and not tuned.change.is_replace
    assert tuned.meta["id"] == "db-2" and tuned.meta["arn"].endswith(":db-2")
    assert Index(loaded.values()).by_id("db-2") is tuned


def test_child_modules_and_for_each_instances():
    doc = plan(
        [
            change('module.db["eu"].aws_db_instance.main', "aws_db_instance", ["create"],
                   after={"multi_az": True}, after_unknown={"db_subnet_group_name": True},
                   module='module.db["eu"]', index=None),
            change('module.net.module.subnets.aws_subnet.private["a"]', "aws_subnet", ["no-op"],
                   before={"id": "subnet-1", "availability_zone": "eu-west-1a"},
                   after={"id": "subnet-1", "availability_zone": "eu-west-1a"},
                   module="module.net.module.subnets", index="a"),
        ],
        module_calls={
            "db": {"source": "./modules/db", "module": {"resources": [
                config("aws_db_instance.main", "aws_db_instance", {"db_subnet_group_name": {"references": ["aws_db_subnet_group.main.name", "aws_db_subnet_group.main"]}}),
            ]}},
        },
    )
    loaded = load(doc)
    db = loaded['module.db["eu"].aws_db_instance.main']
    assert db.meta["module"] == 'module.db["eu"]'
    # references inside a module are qualified with that module instance
    assert db.get("db_subnet_group_name").refs == ('module.db["eu"].aws_db_subnet_group.main',)
    subnet = loaded['module.net.module.subnets.aws_subnet.private["a"]']
    assert subnet.meta["index"] == "a" and subnet.meta["id"] == "subnet-1"
    assert subnet.change.actions == ("no-op",)


def test_data_sources_from_prior_state_are_resolvable_and_not_lintable():
    doc = plan(
        [change("aws_instance.web", "aws_instance", ["create"], after={}, after_unknown={"subnet_id": True})],
        [config("aws_instance.web", "aws_instance", {"subnet_id": {"references": ["data.aws_subnet.a.id", "data.aws_subnet.a"]}})],
        prior_state={"format_version": "1.0", "values": {"root_module": {"resources": [
            {"address": "data.aws_subnet.a", "mode": "data", "type": "aws_subnet", "name": "a",
             "values": {"id": "subnet-9", "availability_zone": "eu-west-1b"}},
        ], "child_modules": [{"address": "module.net", "resources": [
            {"address": "module.net.data.aws_subnet.b", "mode": "data", "type": "aws_subnet", "name": "b",
             "values": {"id": "subnet-8", "availability_zone": "eu-west-1c"}},
        ]}]}}},
    )
    loaded = load(doc)
    data = loaded["data.aws_subnet.a"]
    assert data.type == "data.aws_subnet" and data.meta["id"] == "subnet-9"
    assert loaded["module.net.data.aws_subnet.b"].get("availability_zone") == "eu-west-1c"
    index = Index(loaded.values())
    web = loaded["aws_instance.web"]
    assert index.resolve(web.get("subnet_id")) is data
    assert index.resolve("data.aws_subnet.a.availability_zone") is data
    assert index.by_id("subnet-9") is data


def test_data_source_read_during_apply_is_unknown():
    doc = plan([change("data.aws_subnet.late", "aws_subnet", ["read"], mode="data",
                       after={"id": "subnet-1"}, after_unknown={"availability_zone": True})])
    r = load(doc)["data.aws_subnet.late"]
    assert r.type == "data.aws_subnet" and is_unknown(r.get("availability_zone"))


def test_after_null_with_unknown_blocks():
    """Shape found in checkov's corpus plan: `after` null, unknown nested values."""
    doc = plan([change("aws_cloudfront_distribution.cdn", "aws_cloudfront_distribution", ["create"],
                       after=None, after_unknown={"logging_config": [{"bucket": True}]})])
    r = load(doc)["aws_cloudfront_distribution.cdn"]
    assert is_unknown(r.get("logging_config.bucket"))


def test_malformed_plan_is_an_input_error():
    with pytest.raises(InputError) as err:
        load_document({"format_version": "1.0", "resource_changes": {"a": 1}}, Path("p.json"), "p.json", {})
    assert "resource_changes" in err.value.message
    with pytest.raises(InputError):
        load_document({"format_version": "1.0", "resource_changes": [{"address": "a.b", "type": "a"}]}, Path("p.json"), "p.json", {})


# ------------------------------------------------------------------ locations
ROOT_TF = """\
terraform {
  required_version = ">= 1.5"
}

resource "aws_db_subnet_group" "main" {
  name = "main"
}

module "db" {
  source = "./modules/db"
}
"""

MODULE_TF = """\
variable "ha" {
  default = false
}

resource "aws_db_instance" "main" {
  engine = "postgres"

  multi_az = var.ha
}
"""


def _tf_tree(tmp_path: Path) -> dict:
    (tmp_path / "main.tf").write_text(ROOT_TF)
    (tmp_path / "modules" / "db").mkdir(parents=True)
    (tmp_path / "modules" / "db" / "main.tf").write_text(MODULE_TF)
    return plan(
        [
            change("aws_db_subnet_group.main", "aws_db_subnet_group", ["create"], after={"name": "main"}),
            change("module.db.aws_db_instance.main[0]", "aws_db_instance", ["create"],
                   after={"engine": "postgres", "multi_az": False}, module="module.db", index=0),
        ],
        [config("aws_db_subnet_group.main", "aws_db_subnet_group", {"name": {"constant_value": "main"}})],
        module_calls={"db": {"source": "./modules/db", "module": {"resources": [
            config("aws_db_instance.main", "aws_db_instance", {"multi_az": {"references": ["var.ha"]}}),
        ]}}},
    )


def test_plan_in_the_terraform_root_points_at_tf_lines(tmp_path):
    doc = _tf_tree(tmp_path)
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(doc))
    loaded = {r.address: r for r in load_paths([str(plan_file)]).resources if r.source_format == "tfplan"}
    group = loaded["aws_db_subnet_group.main"]
    assert group.location.file.endswith("main.tf") and group.location.line == 5
    db = loaded["module.db.aws_db_instance.main[0]"]
    assert db.location.file.endswith(str(Path("modules/db/main.tf")))
    assert db.location.line == 5
    assert db.line_for("multi_az") == 8


def test_tf_root_option_and_plan_elsewhere(tmp_path):
    root = tmp_path / "infra"
    root.mkdir()
    doc = _tf_tree(root)
    elsewhere = tmp_path / "out"
    elsewhere.mkdir()
    plan_file = elsewhere / "plan.json"
    text = json.dumps(doc, indent=2)
    plan_file.write_text(text)
    without = {r.address: r for r in load_document(doc, plan_file, "out/plan.json", {})}
    assert without["module.db.aws_db_instance.main[0]"].location.file == "out/plan.json"
    # no sources: the plan's line for the address, in resource_changes
    changes_at = text.index('"resource_changes"')
    address_at = text.index('"address": "module.db.aws_db_instance.main[0]"', changes_at)
    assert without["module.db.aws_db_instance.main[0]"].location.line == text.count("\n", 0, address_at) + 1
    with_root = {r.address: r for r in load_document(doc, plan_file, "out/plan.json", {"tf_root": str(root)})}
    assert with_root["module.db.aws_db_instance.main[0]"].location.line == 5


def test_plan_beside_unrelated_tf_files_keeps_the_plan_location(tmp_path):
    (tmp_path / "other.tf").write_text('resource "aws_s3_bucket" "logs" {\n}\n')
    doc = plan(
        [change("aws_db_subnet_group.main", "aws_db_subnet_group", ["create"], after={"name": "main"})],
        [config("aws_db_subnet_group.main", "aws_db_subnet_group", {})],
    )
    plan_file = tmp_path / "plan.json"
    r = load_document(doc, plan_file, "plan.json", {})[0]
    assert r.location.file == "plan.json" and r.location.line is None


def test_reference_inside_a_module_instance_resolves_to_that_instance_only():
    subnet = lambda module, i, az: change(  # noqa: E731
        f'{module}.aws_subnet.private[{i}]', "aws_subnet", ["no-op"],
        before={"id": f"subnet-{module[-3:-2]}{i}", "availability_zone": az},
        after={"id": f"subnet-{module[-3:-2]}{i}", "availability_zone": az}, module=module, index=i)
    doc = plan(
        [
            subnet('module.svc["a"]', 0, "eu-west-1a"), subnet('module.svc["a"]', 1, "eu-west-1b"),
            subnet('module.svc["b"]', 0, "eu-west-1c"),
            change('module.svc["a"].aws_lb.web', "aws_lb", ["create"], after={}, after_unknown={"subnets": True},
                   module='module.svc["a"]'),
        ],
        module_calls={"svc": {"source": "./svc", "module": {"resources": [
            config("aws_lb.web", "aws_lb", {"subnets": {"references": ["aws_subnet.private"]}}),
        ]}}},
    )
    loaded = load(doc)
    subnets = Index(loaded.values()).resolve_many(loaded['module.svc["a"].aws_lb.web'].get("subnets"))
    assert [s.get("availability_zone") for s in subnets] == ["eu-west-1a", "eu-west-1b"]


def test_module_outputs_and_module_variables_are_followed_to_resources():
    doc = plan(
        [
            change("module.vpc.aws_subnet.private[0]", "aws_subnet", ["create"], after={"availability_zone": "eu-west-1a"},
                   after_unknown={"id": True}, module="module.vpc", index=0),
            change("module.vpc.aws_subnet.private[1]", "aws_subnet", ["create"], after={"availability_zone": "eu-west-1b"},
                   after_unknown={"id": True}, module="module.vpc", index=1),
            change("aws_lb.web", "aws_lb", ["create"], after={}, after_unknown={"subnets": True}),
            change("module.db.aws_db_subnet_group.main", "aws_db_subnet_group", ["create"], after={},
                   after_unknown={"subnet_ids": True}, module="module.db"),
        ],
        [config("aws_lb.web", "aws_lb", {"subnets": {"references": ["module.vpc.private_subnets", "module.vpc"]}})],
        module_calls={
            "vpc": {"source": "./vpc", "module": {
                "outputs": {"private_subnets": {"expression": {"references": ["aws_subnet.private"]}}},
                "resources": [config("aws_subnet.private", "aws_subnet", {})]}},
            "db": {"source": "./db", "expressions": {"subnet_ids": {"references": ["module.vpc.private_subnets", "module.vpc"]}},
                   "module": {"resources": [
                       config("aws_db_subnet_group.main", "aws_db_subnet_group", {"subnet_ids": {"references": ["var.subnet_ids"]}}),
                   ]}},
        },
    )
    loaded = load(doc)
    index = Index(loaded.values())
    lb_subnets = loaded["aws_lb.web"].get("subnets")
    assert lb_subnets.refs == ("module.vpc.aws_subnet.private",)
    assert [s.get("availability_zone") for s in index.resolve_many(lb_subnets)] == ["eu-west-1a", "eu-west-1b"]
    group_subnets = loaded["module.db.aws_db_subnet_group.main"].get("subnet_ids")
    assert group_subnets.refs == ("module.vpc.aws_subnet.private",)


def test_unfollowable_module_reference_stays_unresolved():
    doc = plan(
        [change("aws_lb.web", "aws_lb", ["create"], after={}, after_unknown={"subnets": True})],
        [config("aws_lb.web", "aws_lb", {"subnets": {"references": ["module.vpc.private_subnets", "module.vpc"]}})],
        module_calls={"other": {"source": "./other", "module": {"resources": []}}},
    )
    loaded = load(doc)
    subnets = loaded["aws_lb.web"].get("subnets")
    assert subnets.refs == ("module.vpc.private_subnets",)
    assert Index(loaded.values()).resolve_many(subnets) is None


def test_plan_beside_a_folder_of_examples_keeps_the_plan_location(tmp_path):
    """Two .tf files declaring the same address are examples, not one Terraform root."""
    block = 'resource "aws_db_subnet_group" "main" {\n  name = "main"\n}\n'
    (tmp_path / "fail-example.tf").write_text(block)
    (tmp_path / "pass-example.tf").write_text(block)
    doc = plan(
        [change("aws_db_subnet_group.main", "aws_db_subnet_group", ["create"], after={"name": "main"})],
        [config("aws_db_subnet_group.main", "aws_db_subnet_group", {})],
    )
    r = load_document(doc, tmp_path / "plan.json", "plan.json", {})[0]
    assert r.location.file == "plan.json" and r.location.line is None


def test_actions_must_be_a_list_of_strings():
    doc = plan([change("aws_sqs_queue.q", "aws_sqs_queue", "create", after={})])
    with pytest.raises(InputError) as err:
        load(doc)
    assert "change.actions" in err.value.message


def test_optional_computed_is_defaulted_only_for_new_objects():
    doc = plan(
        [change("aws_db_instance.orders", "aws_db_instance", ["update"], before={"multi_az": True},
                after={"engine": "postgres"}, after_unknown={"multi_az": True})],
        [config("aws_db_instance.orders", "aws_db_instance", {"engine": {"constant_value": "postgres"}})],
    )
    r = load(doc)["aws_db_instance.orders"]
    assert is_unknown(r.get("multi_az")) and "unset_computed" not in r.meta


def test_cli_tf_root_points_findings_at_the_module_source(tmp_path, capsys):
    """End to end: `resilint scan plan.json --tf-root DIR` reports the .tf file:line."""
    from linter.cli import main

    root = tmp_path / "infra"
    root.mkdir()
    doc = _tf_tree(root)
    # multi_az never written in the module: Optional+Computed, defaults to false
    doc["resource_changes"][1]["change"]["after"] = {"engine": "postgres"}
    doc["resource_changes"][1]["change"]["after_unknown"] = {"multi_az": True, "id": True}
    doc["configuration"]["root_module"]["module_calls"]["db"]["module"]["resources"][0]["expressions"] = {
        "engine": {"constant_value": "postgres"}}
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(doc))
    code = main(["scan", str(plan_file), "--tf-root", str(root), "--select", "RES301", "-f", "json"])
    report = json.loads(capsys.readouterr().out)
    (finding,) = report["findings"]
    assert code == 1
    assert finding["resource"] == "module.db.aws_db_instance.main[0]"
    assert finding["file"].endswith(str(Path("modules/db/main.tf"))) and finding["line"] == 5
    assert "multi_az is unset and defaults to false" in finding["message"]


def test_values_from_variable_defaults_are_marked():
    doc = plan(
        [
            change("aws_db_instance.root", "aws_db_instance", ["create"], after={"multi_az": False, "allocated_storage": 50}),
            change("aws_db_instance.set", "aws_db_instance", ["create"], after={"multi_az": True}),
            change("aws_db_instance.negated", "aws_db_instance", ["create"], after={"multi_az": True}),
            change("module.db.aws_db_instance.main", "aws_db_instance", ["create"],
                   after={"multi_az": False, "storage_type": "gp3"}, module="module.db"),
        ],
        [
            config("aws_db_instance.root", "aws_db_instance", {
                "multi_az": {"references": ["var.ha"]}, "allocated_storage": {"constant_value": 50}}),
            config("aws_db_instance.set", "aws_db_instance", {"multi_az": {"references": ["var.ha_set"]}}),
            config("aws_db_instance.negated", "aws_db_instance", {"multi_az": {"references": ["var.ha"]}}),  # !var.ha
        ],
        module_calls={"db": {
            "source": "./db",
            "expressions": {"multi_az": {"references": ["var.ha"]}},
            "module": {
                "variables": {"multi_az": {}, "storage_type": {"default": "gp3"}},
                "resources": [config("aws_db_instance.main", "aws_db_instance", {
                    "multi_az": {"references": ["var.multi_az"]}, "storage_type": {"references": ["var.storage_type"]}})],
            },
        }},
    )
    doc["configuration"]["root_module"]["variables"] = {"ha": {"default": False}, "ha_set": {"default": False}}
    doc["variables"] = {"ha": {"value": False}, "ha_set": {"value": True}}
    loaded = load(doc)
    assert loaded["aws_db_instance.root"].meta["from_variable_default"] == {"multi_az": "var.ha"}
    assert "from_variable_default" not in loaded["aws_db_instance.set"].meta  # -var ha_set=true
    assert "from_variable_default" not in loaded["aws_db_instance.negated"].meta  # value differs
    # a module variable left unset (the call is where to set it), and one passed through from the root's default
    assert loaded["module.db.aws_db_instance.main"].meta["from_variable_default"] == {
        "multi_az": "var.ha", "storage_type": 'var.storage_type; module "db" does not set it'}


def test_tf_root_attribute_lines_follow_nested_and_repeated_blocks(tmp_path):
    (tmp_path / "main.tf").write_text("""\
resource "aws_security_group" "web" {
  name = "web"
  tags = {
    Name = "web"
  }
  ingress {
    from_port = 80
  }
  ingress {
    from_port = 443
  }
}
""")
    doc = plan(
        [change("aws_security_group.web", "aws_security_group", ["create"],
                after={"name": "web", "ingress": [{"from_port": 80}, {"from_port": 443}]})],
        [config("aws_security_group.web", "aws_security_group", {"name": {"constant_value": "web"}})],
    )
    r = load_document(doc, tmp_path / "plan.json", "plan.json", {})[0]
    assert r.location.line == 1
    assert r.line_for("ingress.1.from_port") == 10
    assert r.line_for("ingress.from_port") == 7
    assert r.line_for("tags.Name") == 3  # inside an object value: the attribute's line
    assert r.line_for("ingress.0.nope") == 6  # not written: the closest written block
    assert r.line_for("never_written") == 1  # the resource's own line


def test_tf_root_follows_modules_installed_by_terraform_init(tmp_path):
    (tmp_path / "main.tf").write_text('module "db" {\n  source = "terraform-aws-modules/rds/aws"\n}\n')
    installed = tmp_path / ".terraform" / "modules" / "db"
    installed.mkdir(parents=True)
    (installed / "main.tf").write_text('\nresource "aws_db_instance" "this" {\n  engine = "postgres"\n}\n')
    (tmp_path / ".terraform" / "modules" / "modules.json").write_text(json.dumps(
        {"Modules": [{"Key": "db", "Source": "registry.terraform.io/terraform-aws-modules/rds/aws", "Dir": ".terraform/modules/db"}]}))
    doc = plan(
        [change("module.db.aws_db_instance.this", "aws_db_instance", ["create"], after={"engine": "postgres"}, module="module.db")],
        module_calls={"db": {"source": "terraform-aws-modules/rds/aws", "module": {"resources": [
            config("aws_db_instance.this", "aws_db_instance", {"engine": {"constant_value": "postgres"}})]}}},
    )
    r = load_document(doc, tmp_path / "plan.json", "plan.json", {"tf_root": str(tmp_path)})[0]
    assert r.location.file.endswith(str(Path(".terraform/modules/db/main.tf"))) and r.location.line == 2


def test_list_from_a_variable_with_unknown_elements_is_not_compared():
    doc = plan(
        [change("aws_lb.web", "aws_lb", ["create"], after={"subnets": [None, "subnet-1"]}, after_unknown={"subnets": [True, False]})],
        [config("aws_lb.web", "aws_lb", {"subnets": {"references": ["var.subnets"]}})],
    )
    doc["configuration"]["root_module"]["variables"] = {"subnets": {"default": ["subnet-0", "subnet-1"]}}
    r = load(doc)["aws_lb.web"]
    assert "from_variable_default" not in r.meta
    assert is_unknown(r.get("subnets"))  # the one reference expression covers the list


def test_ids_stay_with_the_resource_they_identify():
    queue_url = "https://sqs.eu-west-1.amazonaws.com/1/jobs"
    fn_arn = "arn:aws:lambda:eu-west-1:1:function:worker"
    doc = plan([
        # sorted before the queue and the function, as Terraform sorts addresses
        change("aws_cloudwatch_event_target.t", "aws_cloudwatch_event_target", ["no-op"],
               before={"arn": fn_arn, "id": "rule-t"}, after={"arn": fn_arn, "id": "rule-t"}),
        change("aws_sqs_queue_policy.p", "aws_sqs_queue_policy", ["no-op"],
               before={"id": queue_url}, after={"id": queue_url}),
        change("aws_lambda_function.worker", "aws_lambda_function", ["no-op"],
               before={"arn": fn_arn, "id": "worker"}, after={"arn": fn_arn, "id": "worker"}),
        change("module.q.aws_sqs_queue.jobs", "aws_sqs_queue", ["no-op"],
               before={"id": queue_url}, after={"id": queue_url}, module="module.q"),
    ])
    loaded = load(doc)
    index = Index(loaded.values())
    assert index.by_id(fn_arn) is loaded["aws_lambda_function.worker"]
    assert index.by_id(queue_url) is loaded["module.q.aws_sqs_queue.jobs"]
    assert "arn" not in loaded["aws_cloudwatch_event_target.t"].meta
    assert "id" not in loaded["aws_sqs_queue_policy.p"].meta


def test_a_root_scanned_with_its_plan_is_reported_once(tmp_path):
    """plan.json in the Terraform root: the plan reports the root and its local
    modules; their .tf files are not loaded a second time."""
    doc = _tf_tree(tmp_path)
    (tmp_path / "plan.json").write_text(json.dumps(doc))
    loaded = load_paths([str(tmp_path)])
    assert loaded.errors == []
    assert sorted((r.source_format, r.address) for r in loaded.resources) == [
        ("tfplan", "aws_db_subnet_group.main"), ("tfplan", "module.db.aws_db_instance.main[0]"),
    ]
    # without the plan, the same tree is read from HCL
    (tmp_path / "plan.json").unlink()
    hcl = sorted(r.address for r in load_paths([str(tmp_path)]).resources)
    assert hcl == ["aws_db_subnet_group.main", "module.db.aws_db_instance.main"]


def test_plan_findings_without_sources_point_at_the_address_line(tmp_path, monkeypatch):
    """Every finding needs a line (GitHub code scanning drops results without one):
    a plan scanned without its .tf sources points at the resource's address in
    resource_changes, escapes and all (`for_each` keys are JSON-escaped)."""
    from linter.loaders import tfplan
    from linter.loaders.tfplan import address_lines

    doc = plan(
        [change('aws_db_instance.db["a\\"b"]', "aws_db_instance", ["create"], after={"multi_az": False}),
         change("aws_db_instance.other", "aws_db_instance", ["create"], after={"multi_az": False})],
        [config("aws_db_instance.db", "aws_db_instance", {}), config("aws_db_instance.other", "aws_db_instance", {})],
    )
    text = json.dumps({"planned_values": {"root_module": {"resources": [{"address": "aws_db_instance.other"}]}}}
                       | doc, indent=1)
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(text)
    lines = text.splitlines()
    changes_at = next(i for i, l in enumerate(lines) if '"resource_changes"' in l)
    expected = {address: next(i + 1 for i, l in enumerate(lines) if i > changes_at and json.dumps(address) in l
                              and '"address"' in l)
                for address in ('aws_db_instance.db["a\\"b"]', "aws_db_instance.other")}
    assert {a: address_lines(plan_file)[a] for a in expected} == expected
    whole = address_lines(plan_file)
    for chunk in (1, 7, 64):  # the file is read in chunks: keys cut at a chunk's end still count once
        with monkeypatch.context() as m:
            m.setattr(tfplan, "_CHUNK", chunk)
            m.setattr(tfplan, "_LONGEST_KEY", 80)
            assert address_lines(plan_file) == whole, chunk
    located = {r.address: r.location.line for r in load_document(doc, plan_file, "plan.json", {})}
    assert located == expected
    assert scan_file_lines(plan_file) and all(scan_file_lines(plan_file))


def scan_file_lines(plan_file) -> list:
    from linter.engine import ScanOptions, scan

    return [f.line for f in scan([str(plan_file)], ScanOptions(select=["RES301"])).findings]


@pytest.mark.parametrize("body", [
    b"aws_db_instance.db", b'module.svc[\\"s1\\"].aws_sqs_queue.q[0]', b'a[\\"x\\\\\\"y\\"]', b"caf\\u00e9",
    b"caf\xc3\xa9", b"a\tb", b"a\\nb", b"\\ud800", b"bad\xff", b"a\\", b"", b'x\\"',
])
def test_plan_address_text_reads_as_json_does(body):
    """An address key's string is read directly when it holds nothing but plain
    ASCII and escaped quotes, else by the JSON decoder: the same text either way,
    and None where JSON has no string."""
    from linter.loaders.tfplan import _address_text

    try:
        expected = json.loads(b'"' + body + b'"')
    except ValueError:
        expected = None
    assert _address_text(body) == expected


def test_a_plan_of_one_line_puts_its_resources_on_line_1(tmp_path):
    """`terraform show -json` writes one line: every resource is on it, found without
    searching the text again. An old state format's data source, whose address the
    plan writes relative to its module, is looked for in the text (and is not there)."""
    from linter.engine import ScanOptions, scan

    prior = {"values": {"root_module": {"child_modules": [{"address": "module.net", "resources": [
        {"address": "data.aws_region.here", "mode": "data", "type": "aws_region", "name": "here", "values": {"name": "eu"}},
        {"address": "module.net.data.aws_vpc.main", "mode": "data", "type": "aws_vpc", "name": "main", "values": {}},
    ]}]}}}
    doc = plan([change("aws_db_instance.db", "aws_db_instance", ["create"], after={"multi_az": False}),
                change('module.net.aws_subnet.a["x"]', "aws_subnet", ["no-op"], after={"id": "subnet-1"},
                       before={"id": "subnet-1"}, module="module.net")],
               [config("aws_db_instance.db", "aws_db_instance", {})], prior_state=prior)
    for text, lines in ((json.dumps(doc) + "\n", {"aws_db_instance.db": 1, 'module.net.aws_subnet.a["x"]': 1,
                                                  "module.net.data.aws_region.here": None,
                                                  "module.net.data.aws_vpc.main": 1}),
                        (json.dumps(doc, indent=1), None)):
        plan_file = tmp_path / "plan.json"
        plan_file.write_text(text)
        found = {r.address: r.location.line for r in scan([str(plan_file)], ScanOptions()).resources}
        if lines is None:  # the same plan written over many lines: the line of each address
            from linter.loaders.tfplan import address_lines

            written = address_lines(plan_file)
            lines = {a: written.get(a) for a in found}
            assert lines["aws_db_instance.db"] > 1 and lines["module.net.data.aws_region.here"] is None
        assert found == lines


def test_the_first_shape_error_named_is_a_resource_changes(tmp_path):
    """Resource changes are checked as they are read: with another field wrong too,
    the error still names the resource change, as a check of the whole document does."""
    doc = plan([change("aws_db_instance.a", "aws_db_instance", ["create"], after={}),
                change("aws_db_instance.b", "aws_db_instance", ["create"], after="oops")])
    with pytest.raises(InputError, match=r"resource_changes\[1\] \(aws_db_instance.b\)\.change\.after must be an object"):
        load(doc)
    doc["variables"] = []
    with pytest.raises(InputError, match=r"resource_changes\[1\] \(aws_db_instance.b\)\.change\.after must be an object"):
        load(doc)
    doc["resource_changes"][1]["change"]["after"] = {}
    with pytest.raises(InputError, match="variables must be an object"):
        load(doc)


def _queues_plan(queue_variable: dict, dlq_refs: list[str], for_each_refs: list[str] | None = None) -> dict:
    """Queues for_each over `var.queues` whose redrive policy is known after apply and
    references `dlq_refs`, a queue `orders-dlq`, a plain queue `audit` and a queue `shared-dlq`."""
    redrive = {"references": dlq_refs}
    queue = config("aws_sqs_queue.queue", "aws_sqs_queue", {"redrive_policy": redrive})
    if for_each_refs is not None:
        queue["for_each_expression"] = {"references": for_each_refs}
    doc = plan(
        [change(f'aws_sqs_queue.queue["{k}"]', "aws_sqs_queue", ["create"], after={"name": k},
                after_unknown={"redrive_policy": True}, index=k) for k in queue_variable]
        + [change(f"aws_sqs_queue.{n}", "aws_sqs_queue", ["create"], after={"name": name})
           for n, name in (("audit", "audit"), ("shared", "shared-dlq"), ("dlq", "orders-dlq"))],
        [queue, config("aws_sqs_queue.audit", "aws_sqs_queue", {}), config("aws_sqs_queue.shared", "aws_sqs_queue", {}),
         config("aws_sqs_queue.dlq", "aws_sqs_queue", {})],
    )
    doc["variables"] = {"queues": {"value": queue_variable}}
    return doc


EACH_DLQ_REFS = ["each.value.dlq", "each.value", "aws_sqs_queue.dlq", "each.key"]


def test_references_known_at_plan_carry_the_strings_they_may_hold():
    """`each.*` of a block whose for_each reads variables alone, and variables, are known
    at plan: the strings each may be made from (map keys, strings, numbers, bools)."""
    doc = _queues_plan({"jobs": {"dlq": True}, "mail": {"dlq": False, "max": 3}}, EACH_DLQ_REFS, ["var.queues"])
    r = load(doc)['aws_sqs_queue.queue["jobs"]']
    assert {ref: sorted(strings) for ref, strings in r.meta["known_at_plan"].items()} == {
        ref: ["3", "dlq", "false", "jobs", "mail", "max", "true"] for ref in ("each.value.dlq", "each.value", "each.key")}
    # a for_each that reads a resource: each.* may hold what is not known yet
    doc = _queues_plan({"jobs": {"dlq": True}}, EACH_DLQ_REFS, ["aws_sqs_queue.audit.name", "aws_sqs_queue.audit"])
    assert "known_at_plan" not in load(doc)['aws_sqs_queue.queue["jobs"]'].meta


def test_a_module_variable_is_known_as_its_call_passes_it():
    """In a module, `var.x` is what the call passes (a constant, or the caller's variables,
    followed as the unknown value's references are) or the variable's default."""
    expressions = {"redrive_policy": {"references": ["var.redrive", "var.name", "var.extra", "aws_sqs_queue.dlq[0].arn",
                                                     "aws_sqs_queue.dlq[0]", "aws_sqs_queue.dlq"]}}
    call = {"source": "./sqs", "expressions": {"redrive": {"constant_value": {"maxReceiveCount": 10}},
                                                "name": {"references": ["var.queue_name"]}},
            "module": {"resources": [config("aws_sqs_queue.this", "aws_sqs_queue", expressions)],
                       "variables": {"redrive": {}, "name": {}, "extra": {"default": ["blue"]}}}}
    doc = plan([change("module.sqs.aws_sqs_queue.this[0]", "aws_sqs_queue", ["create"], after={"name": "jobs"},
                       after_unknown={"redrive_policy": True}, module="module.sqs", index=0)],
               module_calls={"sqs": call})
    doc["variables"] = {"queue_name": {"value": "jobs"}}
    r = load(doc)["module.sqs.aws_sqs_queue.this[0]"]
    assert r.meta["known_at_plan"] == {"var.redrive": ("maxReceiveCount", "10"), "var.queue_name": ("jobs",),
                                       "var.extra": ("blue",)}
    # the references the unknown carries are those keys
    assert [ref for ref in r.get("redrive_policy").refs if ref.startswith("var.")] == ["var.redrive", "var.queue_name",
                                                                                     "var.extra"]


def _res401(doc: dict) -> set[str]:
    from linter.engine import ScanOptions, scan

    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plan.json"
        path.write_text(json.dumps(doc))
        result = scan([str(path)], ScanOptions())
    assert not result.errors
    return {f.resource for f in result.findings if f.rule_id == "RES401"}


def test_a_redrive_policy_mixing_known_parts_names_only_its_candidates():
    """The plan of `each.value.dlq ? jsonencode({deadLetterTargetArn = aws_sqs_queue.dlq[each.key].arn}) : null`:
    the policy may point at aws_sqs_queue.dlq, or at a queue whose name a string of var.queues
    is part of; no other queue. Before, any queue of the plan might have been its target
    (RES401 silent on all)."""
    assert _res401(_queues_plan({"orders": {"enabled": True}}, EACH_DLQ_REFS, ["var.queues"])) == {
        "aws_sqs_queue.audit", "aws_sqs_queue.shared"}
    # a string of the variable names the queue shared-dlq (its ARN): it may be a DLQ too
    arn = {"orders": {"enabled": True, "fallback": "arn:aws:sqs:eu-west-1:123456789012:shared-dlq"}}
    assert _res401(_queues_plan(arn, EACH_DLQ_REFS, ["var.queues"])) == {"aws_sqs_queue.audit"}
    # ... or a name made from it (`"${each.value.team}_SHARED-dlq"`): case and separators aside
    assert _res401(_queues_plan({"orders": {"enabled": True, "team": "shared"}}, EACH_DLQ_REFS, ["var.queues"])) == {
        "aws_sqs_queue.audit"}
    # each.* not known at plan (no for_each expression in the configuration): any queue may be it
    assert _res401(_queues_plan({"orders": {"enabled": True}}, EACH_DLQ_REFS)) == set()
    # count.index: a name made with it ("dlq-${count.index}") holds a digit; no name here does
    doc = _queues_plan({"orders": {"enabled": True}}, ["count.index", "aws_sqs_queue.dlq"], ["var.queues"])
    assert _res401(doc) == {"aws_sqs_queue.audit", "aws_sqs_queue.shared"}
    doc["resource_changes"][1]["change"]["after"]["name"] = "audit-7"
    assert _res401(doc) == {"aws_sqs_queue.shared"}


def test_a_redrive_policy_naming_one_of_several_queues_marks_each_a_possible_dlq():
    """`aws_sqs_queue.audit.fifo_queue ? aws_sqs_queue.shared.arn : aws_sqs_queue.dlq.arn` names
    three queues: which is the DLQ is not known, so none of them is reported (before,
    the pointer counted as pointing outside the scan and both candidates were)."""
    refs = ["aws_sqs_queue.audit.fifo_queue", "aws_sqs_queue.audit", "aws_sqs_queue.shared.arn", "aws_sqs_queue.shared",
            "aws_sqs_queue.dlq.arn", "aws_sqs_queue.dlq"]
    assert _res401(_queues_plan({"orders": {}}, refs, ["var.queues"])) == set()


def _messages(tmp_path, doc, rule):
    from linter.engine import ScanOptions, scan

    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc))
    result = scan([str(path)], ScanOptions(select=[rule]))
    assert not result.errors
    return {f.resource: f.message for f in result.findings}


def _queue(address, actions, retention_written):
    after = {"name": address.split(".")[-1], "message_retention_seconds": 345600, "redrive_policy": "",
             "visibility_timeout_seconds": 30}
    exprs = {"name": {"constant_value": address.split(".")[-1]}}
    if retention_written:
        exprs["message_retention_seconds"] = {"constant_value": 345600}
    return (change(address, "aws_sqs_queue", actions, after=after, before=after if "create" not in actions else None),
            config(address, "aws_sqs_queue", exprs))


def test_a_planned_value_the_configuration_does_not_write_is_worded_as_unset(tmp_path):
    """The plan holds the value the provider filled in; the configuration does not write it.
    A new object's is the provider's default, said as the HCL scan says it; an existing
    object's is too when it is the documented default, else it is what the object has now:
    said as not written."""
    made, written, kept, changed = (
        _queue("aws_sqs_queue.made", ["create"], False), _queue("aws_sqs_queue.written", ["create"], True),
        _queue("aws_sqs_queue.kept", ["no-op"], False), _queue("aws_sqs_queue.changed", ["no-op"], False))
    changed[0]["change"]["after"]["message_retention_seconds"] = 86400  # set outside Terraform, or once written
    said = _messages(tmp_path, plan([made[0], written[0], kept[0], changed[0]],
                                    [made[1], written[1], kept[1], changed[1]]), "RES401")
    assert said["aws_sqs_queue.made"].endswith("message_retention_seconds is unset and defaults to 345600 (4 days)")
    assert said["aws_sqs_queue.written"].endswith("message_retention_seconds = 345600")
    assert said["aws_sqs_queue.kept"].endswith("message_retention_seconds is unset and defaults to 345600 (4 days)")
    assert said["aws_sqs_queue.changed"].endswith("message_retention_seconds = 86400 (not written in the configuration)")


def _cloud_sql(address, settings_exprs):
    after = {"name": address.split(".")[-1], "database_version": "POSTGRES_15",
             "settings": [{"tier": "db-custom-2-7680", "availability_type": "ZONAL"}]}
    exprs = {"database_version": {"constant_value": "POSTGRES_15"}}
    if settings_exprs is not None:
        exprs["settings"] = settings_exprs
    return (change(address, "google_sql_database_instance", ["create"], after=after),
            config(address, "google_sql_database_instance", exprs))


def test_a_block_written_once_is_followed_and_a_dynamic_one_is_not(tmp_path):
    """A plan's configuration leaves `dynamic` blocks out: an attribute of a block it does not
    show (or of one of several) may be written there, so it is not said to be unset."""
    static = _cloud_sql("google_sql_database_instance.static", [{"tier": {"constant_value": "db-custom-2-7680"}}])
    dynamic = _cloud_sql("google_sql_database_instance.dynamic", None)
    said = _messages(tmp_path, plan([static[0], dynamic[0]], [static[1], dynamic[1]]), "RES311")
    assert said["google_sql_database_instance.static"].endswith('settings.availability_type is unset and defaults to "ZONAL"')
    assert said["google_sql_database_instance.dynamic"].endswith('settings.availability_type = "ZONAL"')
