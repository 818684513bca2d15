"""Terraform state (`terraform show -json`) as an input, and the Terraform files
resilint cannot read (binary plan, raw state, `plan -json` log) named with the
command that makes a readable one. Fixtures: fixtures/_tools/terraform_state_fixtures.py
(real terraform 1.11, terraform_data only)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from linter.loaders import load_paths
from linter.loaders.documents import sniff_json
from linter.rules._regress import has_prior_state
from tests.conftest import FIXTURES, run_scan

STATE_DIR = FIXTURES / "terraform_state"


def test_state_is_detected_as_state_not_plan() -> None:
    doc = json.loads((STATE_DIR / "state.json").read_text())
    assert sniff_json(doc) == "tfstate"
    assert sniff_json({"format_version": "1.0"}) == "tfstate"  # show -json of an empty state
    assert sniff_json({"format_version": "1.0", "planned_values": {}}) == "tfplan"


def test_state_resources_with_terraform_addresses() -> None:
    loaded = load_paths([str(STATE_DIR / "state.json")])
    assert not loaded.errors
    assert sorted(r.address for r in loaded.resources) == [
        'module.pool.terraform_data.node["x"]',
        'module.pool.terraform_data.node["y"]',
        "terraform_data.primary",
        "terraform_data.replica[0]",
        "terraform_data.replica[1]",
    ]
    primary = next(r for r in loaded.resources if r.address == "terraform_data.primary")
    assert primary.get("input.replicas") == 3 and primary.get("input.zones") == ["a", "b"]
    node = next(r for r in loaded.resources if r.address.endswith('["x"]'))
    assert node.meta["module"] == "module.pool" and node.meta["index"] == "x"


def test_state_is_judged_like_a_plan_after_without_regressions() -> None:
    loaded = load_paths([str(STATE_DIR / "state.json")])
    for r in loaded.resources:
        assert r.source_format == "tfplan"  # every Terraform rule serves it
        assert r.change is None and not has_prior_state(r)  # regression rules stay silent


def test_empty_state_loads_nothing_without_error(tmp_path: Path) -> None:
    (tmp_path / "state.json").write_text('{"format_version":"1.0"}')
    result = run_scan(tmp_path / "state.json")
    assert not result.errors and not result.resources


def test_state_cloud_rule_fires_silent_unknown() -> None:
    rule_dir = FIXTURES / "RES105"
    fired = run_scan(rule_dir / "fail-state-asg-subnets-same-zone.json", select=["RES105"])
    assert [f.resource for f in fired.findings] == ["aws_autoscaling_group.web"]
    assert "us-east-1a" in fired.findings[0].message
    for name in ("pass-state-asg-subnets-two-zones.json", "unknown-state-asg-subnets-managed-elsewhere.json"):
        result = run_scan(rule_dir / name, select=["RES105"])
        assert result.resources and not result.findings and not result.errors


@pytest.mark.parametrize("name,command", [
    ("plan.out", "terraform show -json plan.out > plan.json"),
    ("terraform.tfstate", "terraform show -json > state.json"),
    ("plan-log.json", "terraform show -json plan.out > plan.json"),
])
def test_unreadable_terraform_files_name_the_command(name: str, command: str) -> None:
    loaded = load_paths([str(STATE_DIR / name)])
    assert len(loaded.errors) == 1 and not loaded.resources
    assert command in loaded.errors[0].message


def test_plan_log_under_other_names(tmp_path: Path) -> None:
    log = (STATE_DIR / "plan-log.json").read_text()
    for name in ("plan.ndjson", "plan.log"):
        (tmp_path / name).write_text(log)
        loaded = load_paths([str(tmp_path / name)])
        assert [e.line for e in loaded.errors] == [1], name
        assert "`terraform plan -json` log" in loaded.errors[0].message


def test_plan_log_of_one_line(tmp_path: Path) -> None:
    first = (STATE_DIR / "plan-log.json").read_text().splitlines()[0]
    (tmp_path / "plan.json").write_text(first + "\n")
    loaded = load_paths([str(tmp_path / "plan.json")])
    assert [e.line for e in loaded.errors] == [1]


def test_raw_state_saved_as_json_and_renamed_binary_plan(tmp_path: Path) -> None:
    shutil.copy(STATE_DIR / "terraform.tfstate", tmp_path / "state-backup.json")
    shutil.copy(STATE_DIR / "plan.out", tmp_path / "prod.tfplan")
    loaded = load_paths([str(tmp_path / "state-backup.json"), str(tmp_path / "prod.tfplan")])
    messages = sorted(e.message for e in loaded.errors)
    assert "terraform show -json prod.tfplan > plan.json" in messages[0]
    assert "terraform show -json state-backup.json > state.json" in messages[1]


def test_other_files_named_explicitly_stay_quiet(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not infrastructure\n")
    (tmp_path / "archive.zip").write_bytes(b"PK\x03\x04garbage")
    loaded = load_paths([str(tmp_path / "notes.txt"), str(tmp_path / "archive.zip")])
    assert not loaded.errors and not loaded.resources


def test_directory_walk_does_not_stop_on_a_local_state(tmp_path: Path) -> None:
    # terraform.tfstate beside the .tf of a local-backend root is normal: a
    # directory scan does not collect it (only a file named on the command line is judged)
    shutil.copy(STATE_DIR / "terraform.tfstate", tmp_path / "terraform.tfstate")
    (tmp_path / "main.tf").write_text('resource "terraform_data" "a" {}\n')
    loaded = load_paths([str(tmp_path)])
    assert not loaded.errors


def test_state_in_its_root_points_at_the_blocks(tmp_path: Path) -> None:
    import sys

    sys.path.insert(0, str(FIXTURES / "_tools"))
    from terraform_state_fixtures import POOL_TF, ROOT_TF

    (tmp_path / "pool").mkdir()
    (tmp_path / "main.tf").write_text(ROOT_TF)
    (tmp_path / "pool" / "main.tf").write_text(POOL_TF)
    shutil.copy(STATE_DIR / "state.json", tmp_path / "state.json")
    loaded = load_paths([str(tmp_path / "state.json")])
    where = {r.address: (Path(r.location.file).relative_to(tmp_path).as_posix(), r.location.line)
             for r in loaded.resources}
    assert where["terraform_data.replica[1]"] == ("main.tf", 5)
    assert where['module.pool.terraform_data.node["y"]'] == ("pool/main.tf", 5)
