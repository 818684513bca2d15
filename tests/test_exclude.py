"""`exclude:` in `.resilint.yaml` and `--exclude`: what a scan does not read.

Repositories hold deliberately broken test fixtures, generated output and vendored
examples. An input error in one of them would fail every scan (exit 2) and `ignore:`
only suppresses findings. So, as ruff's `exclude` (linter/paths.py `ExcludeGlob`,
linter/config.py `Exclusions`): a glob with no `/` names a file or directory at any
depth, one with a `/` is relative to the config's directory (`--exclude`: the working
directory), a trailing `/` matches directories only. Named files are passed over too
(pre-commit names staged files), with a note saying which glob.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linter.cli import main
from linter.engine import ScanOptions, scan
from linter.paths import ExcludeGlob
from tests.conftest import corpus_dir
from tests.test_precommit import SINGLE_REPLICA, precommit_home, run_precommit  # noqa: F401 (a fixture)

BROKEN = "apiVersion: v1\nkind: Pod\nmetadata: {name: x\n"  # invalid YAML: an input error (exit 2)


def deployment(name: str) -> str:
    """A Deployment of one replica: RES101 fires."""
    return (f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: shop}}\n"
            f"spec:\n  replicas: 1\n  selector: {{matchLabels: {{app: {name}}}}}\n"
            f"  template:\n    metadata: {{labels: {{app: {name}}}}}\n"
            f"    spec: {{containers: [{{name: {name}, image: example/{name}:1}}]}}\n")


def tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def cli(capsys, *argv: str) -> tuple[int, dict, str]:
    code = main(["scan", *argv, "--format", "json", "--select", "RES101"])
    out = capsys.readouterr()
    return code, json.loads(out.out), out.err


def files_with_findings(doc: dict) -> set[str]:
    return {f["file"] for f in doc["findings"]}


# --- the glob -------------------------------------------------------------------

@pytest.mark.parametrize("glob, path, is_dir, excluded", [
    ("testdata", "/r/a/testdata/b.yaml", False, True),  # no `/`: at any depth, and what it holds
    ("testdata", "/r/testdata", True, True),
    ("testdata", "/r/a/b.yaml", False, False),
    ("testdata", "/elsewhere/testdata/b.yaml", False, False),  # outside the config's directory
    ("*.rendered.yaml", "/r/k8s/prod/web.rendered.yaml", False, True),
    ("*.rendered.yaml", "/r/k8s/prod/web.yaml", False, False),
    ("tests/fixtures", "/r/tests/fixtures/bad.yaml", False, True),  # with `/`: relative to the config
    ("tests/fixtures", "/r/x/tests/fixtures/bad.yaml", False, False),
    ("./tests/fixtures/", "/r/tests/fixtures/bad.yaml", False, True),
    ("charts/*/ci/", "/r/charts/web/ci/values.yaml", False, True),  # trailing `/`: directories only
    ("charts/*/ci/", "/r/charts/web/ci", False, False),
    ("charts/*/ci/", "/r/charts/web/ci", True, True),
    ("/build", "/r/build/out.yaml", False, True),  # a leading `/`: only the one beside the config
    ("/build", "/r/sub/build/out.yaml", False, False),
    ("k8s/**/dev.yaml", "/r/k8s/a/b/dev.yaml", False, True),
    ("k8s/*.yaml", "/r/k8s/a/dev.yaml", False, False),  # `*` stays in one directory
])
def test_an_exclude_glob_reads_as_ruff_reads_exclude(glob, path, is_dir, excluded):
    g = ExcludeGlob(glob, "/r", ".resilint.yaml:2")
    assert g.excludes(path, is_dir) is excluded
    # what a walk asks of each entry, having asked it of the directory on its way down
    directory, name = path.rsplit("/", 1)
    ancestors_excluded = any(g.excludes(directory[:i], True) for i in range(1, len(directory) + 1)
                             if i == len(directory) or directory[i] == "/")
    in_directory = g.in_directory(directory)
    if not ancestors_excluded:
        assert (in_directory is not None and in_directory(name, is_dir)) is excluded


# --- a scan ---------------------------------------------------------------------

def test_an_excluded_broken_fixture_no_longer_fails_the_scan_and_other_findings_stay(tmp_path, monkeypatch, capsys):
    tree(tmp_path, {"k8s/web.yaml": deployment("web"), "tests/fixtures/broken.yaml": BROKEN,
                    "a/testdata/one.yaml": deployment("fixture"), "k8s/web.rendered.yaml": deployment("rendered")})
    monkeypatch.chdir(tmp_path)
    code, doc, _ = cli(capsys, ".")
    assert code == 2 and doc["errors"][0]["file"] == "tests/fixtures/broken.yaml"
    assert files_with_findings(doc) == {"k8s/web.yaml", "a/testdata/one.yaml", "k8s/web.rendered.yaml"}

    (tmp_path / ".resilint.yaml").write_text("exclude:\n  - tests/fixtures\n  - testdata\n  - '*.rendered.yaml'\n")
    code, doc, _ = cli(capsys, ".")
    assert code == 1 and doc["errors"] == []
    assert files_with_findings(doc) == {"k8s/web.yaml"}
    # walked entries are passed over silently, as .git is (and the config is no input)
    assert doc["summary"]["skipped_by_reason"] == {}

    # the config is found above the scanned directory, and its globs stay relative to it
    monkeypatch.chdir(tmp_path / "tests")
    code, doc, _ = cli(capsys, ".")
    assert code == 0 and doc["errors"] == [] and doc["summary"]["files"] == 0


def test_a_named_excluded_file_is_passed_over_with_the_glob_that_excludes_it(tmp_path, monkeypatch, capsys):
    """Pre-commit names staged files: an excluded one is passed over however it is given
    (ruff's force-exclude), and the note says which glob of which file."""
    tree(tmp_path, {"tests/fixtures/broken.yaml": BROKEN, "k8s/web.yaml": deployment("web"),
                    ".resilint.yaml": "fail_on: high\nexclude:\n  - tests/fixtures\n"})
    monkeypatch.chdir(tmp_path)
    code, doc, err = cli(capsys, "tests/fixtures/broken.yaml", "k8s/web.yaml")
    assert code == 1 and doc["errors"] == [] and files_with_findings(doc) == {"k8s/web.yaml"}
    assert doc["summary"]["skipped_by_reason"] == {"excluded by `tests/fixtures` (.resilint.yaml:3)": 1}
    assert "tests/fixtures/broken.yaml: skipped: excluded by `tests/fixtures` (.resilint.yaml:3)" in err
    # a named directory under the glob, too
    code, doc, _ = cli(capsys, "tests")
    assert code == 0 and doc["errors"] == [] and doc["summary"]["files"] == 0


def test_the_command_line_adds_globs_relative_to_the_working_directory(tmp_path, monkeypatch, capsys):
    tree(tmp_path, {"k8s/web.yaml": deployment("web"), "k8s/old/api.yaml": deployment("api"),
                    "other/old/db.yaml": deployment("db"), ".resilint.yaml": "exclude: [other]\n"})
    monkeypatch.chdir(tmp_path / "k8s")
    code, doc, _ = cli(capsys, "..", "--exclude", "old")  # any `old`, and the config's `other`
    assert code == 1 and files_with_findings(doc) == {"../k8s/web.yaml"}
    _, doc, _ = cli(capsys, "..", "--exclude", "old/api.yaml")  # relative to k8s/
    assert files_with_findings(doc) == {"../k8s/web.yaml"}
    _, doc, _ = cli(capsys, "..", "--exclude", "web.yaml")
    assert files_with_findings(doc) == {"../k8s/old/api.yaml"}
    monkeypatch.chdir(tmp_path)
    _, doc, _ = cli(capsys, ".", "--exclude", "k8s/old")
    assert files_with_findings(doc) == {"k8s/web.yaml"}  # and the config's `other` still holds


def test_a_nested_config_excludes_below_itself_and_config_file_serves_every_file(tmp_path, monkeypatch, capsys):
    tree(tmp_path, {"gen/a.yaml": deployment("a"), "team/gen/b.yaml": deployment("b"),
                    "team/web.yaml": deployment("web"), "team/.resilint.yaml": "exclude: [gen]\n"})
    monkeypatch.chdir(tmp_path)
    _, doc, _ = cli(capsys, ".")
    assert files_with_findings(doc) == {"gen/a.yaml", "team/web.yaml"}  # team's `gen` is its own
    _, doc, _ = cli(capsys, "team/gen/b.yaml", "gen/a.yaml")  # named: each under its own config
    assert files_with_findings(doc) == {"gen/a.yaml"}
    # --config FILE serves every file: its globs are relative to its directory
    _, doc, _ = cli(capsys, ".", "--config", "team/.resilint.yaml")
    assert files_with_findings(doc) == {"gen/a.yaml", "team/web.yaml"}
    (tmp_path / "root.yaml").write_text("exclude: [gen]\n")
    _, doc, _ = cli(capsys, ".", "--config", "root.yaml")
    assert files_with_findings(doc) == {"team/web.yaml"}


def test_the_library_scan_zones_and_baseline_pass_over_the_same_files(tmp_path, monkeypatch, capsys):
    tree(tmp_path, {"k8s/web.yaml": deployment("web"), "tests/fixtures/broken.yaml": BROKEN})
    monkeypatch.chdir(tmp_path)
    result = scan(["."], ScanOptions(exclude=[ExcludeGlob("fixtures", str(tmp_path.resolve()), "test")]))
    assert not result.errors and {f.file for f in result.findings if f.rule_id == "RES101"} == {"k8s/web.yaml"}
    assert main(["zones", ".", "--exclude", "fixtures", "-f", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["errors"] == []
    assert main(["baseline", ".", "--exclude", "fixtures", "-o", str(tmp_path / "b.json")]) == 0
    assert json.loads((tmp_path / "b.json").read_text())["findings"]
    assert main(["baseline", ".", "-o", str(tmp_path / "b.json")]) == 2  # without it, the fixture is an error


@pytest.mark.parametrize("config, message", [
    ("exclude: tests\n", ".resilint.yaml:1: exclude: 'tests' is not of type 'array'"),
    ("exclude:\n  - ''\n", ".resilint.yaml:2: exclude[0]"),
])
def test_a_bad_exclude_is_an_error_at_its_line(tmp_path, monkeypatch, capsys, config, message):
    tree(tmp_path, {"k8s/web.yaml": deployment("web"), ".resilint.yaml": config})
    monkeypatch.chdir(tmp_path)
    assert main(["scan", "."]) == 2
    assert message in capsys.readouterr().err


def test_excluding_a_module_repositorys_examples_judges_the_module_as_a_root():
    """cloudposse/terraform-aws-rds-cluster: its examples call the module (`source = "../.."`),
    and the module is judged in each of them; with `examples` excluded, none is read, and the
    module is judged alone, as `terraform plan` in its directory would plan it."""
    repo = corpus_dir("terraform-modules") / "cloudposse+terraform-aws-rds-cluster"
    whole = scan([str(repo)], ScanOptions())
    roots = {f.root for f in whole.findings}
    assert len(roots) > 1 and all(r is not None and "/examples/" in r for r in roots)
    alone = scan([str(repo)], ScanOptions(exclude=[ExcludeGlob("examples", str(repo.resolve()), "test")]))
    assert alone.findings and {f.root for f in alone.findings} == {None}
    assert not any("/examples/" in f for f in alone.files)
    # the same defects, at the module's own addresses (the examples plan them in `module.rds_cluster`)
    in_examples = {(f.rule_id, f.resource.split(".", 2)[-1]) for f in whole.findings}
    assert {(f.rule_id, f.resource) for f in alone.findings} <= in_examples


def test_a_staged_excluded_fixture_passes_the_commit(tmp_path, precommit_home):
    files = {"tests/fixtures/one-replica.yaml": SINGLE_REPLICA, ".resilint.yaml": "exclude: [fixtures]\n"}
    run = run_precommit(tmp_path, precommit_home, files, ["resilint"])
    assert run.returncode == 0, run.stdout + run.stderr
    without = run_precommit(tmp_path / "without", precommit_home, {**files, ".resilint.yaml": "fail_on: high\n"},
                            ["resilint"])
    assert without.returncode == 1 and "RES101" in without.stdout
