"""A module repository's examples call the module by its registry address, as its users
do. Scanned offline with nothing installed, such a call is read from the checkout being
scanned when the checkout is that repository (its directory name, its git remote, or a
`provider_meta` module_name says so) and, when the checkout says which release it is,
when the call's `version` constraint admits that release. An installed module wins."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from linter.terraform.checkout import RegistryAddress, version_allows
from tests.conftest import corpus_dir, run_scan

CACHE = """\
variable "tier" {
  type    = string
  default = "STANDARD_HA"
}

resource "google_redis_instance" "this" {
  name           = "cache"
  memory_size_gb = 1
  tier           = var.tier
}
"""

VERSIONS = """\
terraform {
  provider_meta "google" {
    module_name = "blueprints/terraform/terraform-google-cache/v2.1.0"
  }
}
"""


def _example(source: str, version: str | None, tier: str = "BASIC", name: str = "cache") -> str:
    pinned = f'  version = "{version}"\n' if version is not None else ""
    return f'module "{name}" {{\n  source  = "{source}"\n{pinned}  tier    = "{tier}"\n}}\n'


def _checkout(root: Path, *, versions: bool = True, example: str | None = None) -> Path:
    """A module repository: the module at the top, examples/basic calling it."""
    root.mkdir(parents=True)
    (root / "main.tf").write_text(CACHE)
    if versions:
        (root / "versions.tf").write_text(VERSIONS)
    (root / "modules" / "replica").mkdir(parents=True)
    (root / "modules" / "replica" / "main.tf").write_text(CACHE.replace('"cache"', '"replica"'))
    (root / "examples" / "basic").mkdir(parents=True)
    (root / "examples" / "basic" / "main.tf").write_text(
        example if example is not None else _example("acme/cache/google", "~> 2.0"))
    return root


def _example_findings(result) -> list:
    return [f for f in result.findings if f.rule_id == "RES312" and (f.root or "").endswith("examples/basic")]


def test_an_example_calling_its_own_module_by_registry_address_is_judged_from_the_checkout(tmp_path):
    root = _checkout(tmp_path / "cache")  # versions.tf names the repository and its release
    result = run_scan(root)
    assert result.errors == []
    (finding,) = _example_findings(result)
    assert finding.resource == "module.cache.google_redis_instance.this"
    assert (Path(finding.file).name, finding.line) == ("main.tf", 9)  # the module's own line, where tier is set
    assert any("read from this checkout of terraform-google-cache v2.1.0" in n and "versions.tf:3" in n
               for n in finding.notes), finding.notes
    assert result.unresolved_modules == []
    # the module is judged as its examples call it, not a second time on its own
    alone = [r for r in result.resources if r.address == "google_redis_instance.this"]
    assert [Path(r.location.file).parent.name for r in alone] == ["replica"]  # modules/replica: no caller


def test_judged_from_the_checkout_exactly_as_a_local_source_is(tmp_path):
    registry = run_scan(_checkout(tmp_path / "a" / "cache"))
    local = run_scan(_checkout(tmp_path / "b" / "cache", example=_example("../../", None)))

    def shape(result):
        return sorted((r.address, json.dumps(r.attrs, sort_keys=True, default=str)) for r in result.resources)

    assert shape(registry) == shape(local)
    assert [(f.rule_id, f.resource, f.line) for f in registry.findings] == \
        [(f.rule_id, f.resource, f.line) for f in local.findings]


def test_a_registry_submodule_is_read_from_the_checkouts_subdirectory(tmp_path):
    root = _checkout(tmp_path / "cache", example=_example("acme/cache/google//modules/replica", "~> 2.0"))
    (finding,) = _example_findings(run_scan(root))
    assert finding.resource == "module.cache.google_redis_instance.this"
    assert "modules/replica/main.tf" in finding.file


def test_a_call_for_another_release_is_not_followed_and_says_why(tmp_path):
    root = _checkout(tmp_path / "cache", example=_example("acme/cache/google", "~> 1.0"))
    result = run_scan(root)
    assert _example_findings(result) == []
    (call,) = result.unresolved_modules
    assert call["module"] == "module.cache"
    assert "this checkout is v2.1.0" in call["reason"] and "versions.tf:3" in call["reason"]
    assert "~> 1.0" in call["reason"]
    from linter.reporters.text import unresolved_lines

    assert any("the call asks for ~> 1.0" in line for line in unresolved_lines(result))


@pytest.mark.parametrize("pinned, followed", [("~> 2.0", True), ("~> 1.0", False)])
def test_a_source_and_version_of_locals_are_evaluated_as_opentofu_does(tmp_path, pinned, followed):
    """OpenTofu 1.8+ evaluates a call's `source` and `version` from variables and locals
    first: the checkout stands in for the release they name, as for literals."""
    call = ('locals {\n  registry = "acme"\n  pinned   = "%s"\n}\n'
            'module "cache" {\n  source  = "${local.registry}/cache/google"\n  version = local.pinned\n'
            '  tier    = "BASIC"\n}\n' % pinned)
    result = run_scan(_checkout(tmp_path / "cache", example=call))
    assert [f.resource for f in _example_findings(result)] == (["module.cache.google_redis_instance.this"]
                                                               if followed else [])
    assert [(c["module"], pinned in (c.get("reason") or "")) for c in result.unresolved_modules] == \
        ([] if followed else [("module.cache", True)])


@pytest.mark.parametrize("identity", ["directory name", "git remote"])
def test_a_checkout_named_by_its_directory_or_its_git_remote_is_the_module(tmp_path, identity):
    if identity == "directory name":
        root = _checkout(tmp_path / "terraform-google-cache", versions=False)
    else:
        root = _checkout(tmp_path / "work", versions=False)
        (root / ".git").mkdir()
        (root / ".git" / "config").write_text(
            '[remote "origin"]\n\turl = git@github.com:acme/terraform-google-cache.git\n'
            '\tfetch = +refs/heads/*:refs/remotes/origin/*\n')
    result = run_scan(root)
    (finding,) = _example_findings(result)
    note = next(n for n in finding.notes if "read from this checkout" in n)
    assert ("its directory name" if identity == "directory name" else ".git/config") in note
    # no release is written: the constraint cannot be checked, and does not stop the call
    assert result.unresolved_modules == []


def test_another_repository_is_not_this_checkout(tmp_path):
    root = _checkout(tmp_path / "cache", example=_example("acme/queue/google", "~> 2.0"))
    result = run_scan(root)
    assert _example_findings(result) == []
    assert [c["module"] for c in result.unresolved_modules] == ["module.cache"]
    assert "reason" not in result.unresolved_modules[0]


def test_a_checkout_above_the_repository_top_is_not_this_one(tmp_path):
    """A directory named like the module, but above the repository holding the example
    (its `.git`), is another checkout: the example's repository is not the module's."""
    outer = tmp_path / "terraform-google-cache"
    outer.mkdir()
    (outer / "main.tf").write_text(CACHE)
    inner = outer / "app"
    (inner / ".git").mkdir(parents=True)
    (inner / "main.tf").write_text(_example("acme/cache/google", None))
    result = run_scan(inner)
    assert [c["module"] for c in result.unresolved_modules] == ["module.cache"]


def test_an_installed_module_wins_over_the_checkout(tmp_path):
    root = _checkout(tmp_path / "cache")
    installed = root / "examples" / "basic" / ".terraform" / "modules"
    (installed / "cache").mkdir(parents=True)
    (installed / "cache" / "main.tf").write_text(CACHE.replace("var.tier", '"STANDARD_HA"'))
    (installed / "modules.json").write_text(json.dumps({"Modules": [
        {"Key": "", "Source": "", "Dir": "."},
        {"Key": "cache", "Source": "registry.terraform.io/acme/cache/google", "Version": "2.0.3",
         "Dir": ".terraform/modules/cache"}]}))
    result = run_scan(root / "examples" / "basic")
    assert _example_findings(result) == []  # the installed release sets STANDARD_HA
    assert any(r.address == "module.cache.google_redis_instance.this" and r.attrs["tier"] == "STANDARD_HA"
               for r in result.resources)


@pytest.mark.parametrize("source, parsed", [
    ("terraform-google-modules/network/google", ("terraform-google-modules", "network", "google", "")),
    ("registry.terraform.io/acme/cache/google//modules/replica", ("acme", "cache", "google", "modules/replica")),
    ("app.terraform.io/acme/cache/aws", ("acme", "cache", "aws", "")),
    ("../../", None),
    ("git::https://github.com/acme/terraform-aws-cache.git?ref=v1", None),
    ("github.com/acme/terraform-aws-cache", None),
    ("acme/cache", None),
    ("s3::https://s3.amazonaws.com/bucket/cache.zip", None),
])
def test_registry_addresses_are_told_from_other_sources(source, parsed):
    address = RegistryAddress.parse(source)
    assert (None if address is None else (address.namespace, address.name, address.provider, address.subdir)) == parsed


# what real `terraform init` admits, against a module registry served locally
# (fixtures/_tools/terraform_version_oracle.py writes the golden)
_ORACLE = Path(__file__).resolve().parent.parent / "fixtures" / "_tools" / "terraform_version_oracle.py"
_VERSIONS = json.loads((_ORACLE.parent.parent / "terraform_oracle" / "module_versions.json").read_text())


@pytest.mark.parametrize("case", _VERSIONS["results"], ids=lambda c: f"{c['constraint']} | {c['version']}")
def test_version_constraints_admit_what_terraform_init_admits(case):
    assert (version_allows(case["constraint"], case["version"]) is True) is case["admitted"]


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not on PATH: the golden only")
def test_the_version_golden_is_what_terraform_init_admits_today():
    import importlib.util

    spec = importlib.util.spec_from_file_location("terraform_version_oracle", _ORACLE)
    oracle = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(oracle)
    assert len(oracle.CASES) >= 40
    assert oracle.ask() == _VERSIONS["results"]


def test_google_module_repositories_judge_their_examples_from_the_checkout():
    alloy = corpus_dir("terraform-modules") / "GoogleCloudPlatform+terraform-google-alloy-db"
    network = corpus_dir("terraform-modules") / "terraform-google-modules+terraform-google-network"
    result = run_scan(alloy, network)
    assert result.errors == []
    unresolved = {(Path(c["file"]).parent.name, c["module"]): c for c in result.unresolved_modules}
    # alloy-db's examples ask for ~> 8.0 of the checkout's v8.3.0: all followed
    assert not any(c["source"] == "GoogleCloudPlatform/alloy-db/google" for c in unresolved.values())
    primary = [r for r in result.resources if r.address == "module.alloy-db.google_alloydb_instance.primary"
               and (r.meta.get("root") or "").endswith("example_with_multiple_readpool")]
    assert len(primary) == 1 and primary[0].attrs["instance_type"] == "PRIMARY"
    assert "checkout of terraform-google-alloy-db v8.3.0" in primary[0].meta["module_checkout"]
    # network's examples mostly ask for ~> 16.0 of a v18.1.0 checkout: not followed, and said why
    peering = unresolved[("basic_vpc_peering", "module.peering1")]
    assert "this checkout is v18.1.0" in peering["reason"] and "~> 16.0" in peering["reason"]
    # ~> 18.0 admits it; ~> 18.0.0 does not
    assert ("network_connectivity_center", "module.vpc_spoke_vpc") not in unresolved
    assert ("network_connectivity_center", "module.vpn_spoke_local_vpc") in unresolved
    # third-party modules stay unresolved, with no reason of their own
    dns = [c for c in unresolved.values() if c["source"] == "terraform-google-modules/cloud-dns/google"]
    assert dns and all("reason" not in c for c in dns)


def _git_repository(root: Path, source: str) -> Path:
    """A repository of modules (any name) whose example calls one of them by git URL."""
    (root / "cache").mkdir(parents=True)
    (root / "cache" / "main.tf").write_text(CACHE)
    (root / "examples" / "basic").mkdir(parents=True)
    (root / "examples" / "basic" / "main.tf").write_text(_example(source, None))
    return root


@pytest.mark.parametrize("source", [
    "git::https://github.com/acme/infra-modules.git//cache?ref=v2.1.0",
    "git::ssh://git@github.com/acme/infra-modules.git//cache",
    "git@github.com:acme/infra-modules.git//cache?ref=main",
    "github.com/acme/infra-modules//cache",
])
def test_an_example_calling_its_own_repository_by_git_url_is_judged_from_the_checkout(tmp_path, source):
    root = _git_repository(tmp_path / "infra-modules", source)
    result = run_scan(root)
    assert result.unresolved_modules == []
    (finding,) = _example_findings(result)
    assert finding.resource == "module.cache.google_redis_instance.this" and "cache/main.tf" in finding.file
    assert any("read from this checkout of infra-modules (its directory name)" in n for n in finding.notes)


@pytest.mark.parametrize("ref, reason", [
    ("v1.0.0", "this checkout is v2.1.0 (cache/versions.tf:3), the call asks for ref v1.0.0"),
    ("4f2a9c1", "the call is pinned to commit 4f2a9c1"),
])
def test_a_git_call_for_another_release_or_a_commit_is_not_followed_and_says_why(tmp_path, ref, reason):
    root = _git_repository(tmp_path / "work", f"git::https://github.com/acme/terraform-google-cache.git//cache?ref={ref}")
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text('[remote "origin"]\n\turl = https://github.com/acme/terraform-google-cache\n')
    (root / "cache" / "versions.tf").write_text(VERSIONS)
    result = run_scan(root)
    assert _example_findings(result) == []
    (call,) = result.unresolved_modules
    assert reason in call["reason"].replace(str(root) + "/", "")
    # the release the checkout says it is: followed
    (root / "examples" / "basic" / "main.tf").write_text(
        _example("git::https://github.com/acme/terraform-google-cache.git//cache?ref=v2.1.0", None))
    (finding,) = _example_findings(run_scan(root))
    assert any("checkout of terraform-google-cache v2.1.0 (.git/config)" in n for n in finding.notes)


@pytest.mark.parametrize("source, parsed", [
    ("git::https://github.com/acme/infra-modules.git//cache?ref=v2.1.0", ("infra-modules", "cache", "v2.1.0")),
    ("git::ssh://git@github.com/acme/infra-modules.git", ("infra-modules", "", None)),
    ("git@github.com:acme/Infra-Modules.git//a/b?depth=1&ref=main", ("infra-modules", "a/b", "main")),
    ("github.com/acme/infra-modules//cache", ("infra-modules", "cache", None)),
    ("acme/cache/google", None),
    ("../cache", None),
    ("https://example.com/cache.zip", None),
])
def test_git_addresses_are_read_as_terraform_reads_them(source, parsed):
    from linter.terraform.checkout import GitAddress

    address = GitAddress.parse(source)
    assert (None if address is None else (address.repository, address.subdir, address.ref)) == parsed
