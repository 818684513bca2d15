"""GitOps sources that are plain directories of manifests, judged as they are deployed.

An Argo CD Application whose source `path` holds neither a kustomization nor a Chart.yaml is
a directory source: Argo CD applies the directory's `.yaml`, `.yml` and `.json` manifests
(its subdirectories too with `directory.recurse`, filtered by the `include`/`exclude` globs),
objects that name no namespace into `destination.namespace`. A Flux Kustomization whose path
has no kustomization.yaml builds the one Flux writes (every manifest under the path; a
subdirectory with its own kustomization as that kustomization) with its options and post-build
substitution. The tests scan as a user does, through the command line.
"""

from __future__ import annotations

import json
import os
import shutil

import pytest

from linter.cli import main
from tests.test_kustomize import FLEET_REMOTE, GIT_REPOSITORY, GITOPS_REMOTE, line_of, write
from tests.test_kustomize import PROBED as DEPLOYMENT  # a Deployment web of 3 replicas, with probes; no namespace


def pdb(namespace: str = "") -> str:
    named = f", namespace: {namespace}" if namespace else ""
    return ("apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web" + named + "}\n"
            "spec: {maxUnavailable: 1, selector: {matchLabels: {app: web}}}\n")


def application(name: str = "web", namespace: str = "shop", source: str = "") -> str:
    return ("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: " + name + "\n"
            "  namespace: argocd\nspec:\n  project: default\n  source:\n"
            "    repoURL: git@github.com:acme/gitops.git\n    path: guestbook\n" + source
            + "  destination:\n    server: https://kubernetes.default.svc\n    namespace: " + namespace + "\n")


def scan_json(capsys, *arguments: str) -> dict:
    """`resilint scan ARGUMENTS --format json`, as a user runs it."""
    main(["scan", *arguments, "--format", "json"])
    return json.loads(capsys.readouterr().out)


def findings(report: dict, rule: str) -> list[tuple[str, str, int, str]]:
    return [(f["resource"], f["file"], f["line"], f["message"]) for f in report["findings"] if f["rule_id"] == rule]


@pytest.fixture
def gitops(tmp_path, monkeypatch):
    """A Deployment that names no namespace and a PodDisruptionBudget in `shop`, in a plain
    directory (no kustomization, no chart) beside YAML that is not Kubernetes."""
    write(tmp_path, {".git/config": GITOPS_REMOTE, "guestbook/deploy.yaml": DEPLOYMENT,
                     "guestbook/pdb.yaml": pdb("shop"), "guestbook/values.yaml": "replicaCount: 1\n"})
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- Argo CD directory sources ---------------------------------------------------------------


def test_an_application_of_a_plain_directory_applies_it_into_its_destination_namespace(gitops, capsys):
    """Alone, the Deployment is in `default` and the budget in `shop` does not protect it.
    Deployed into `shop`, the budget protects it; deployed into `eu`, the budget keeps its
    own namespace and the Deployment is unprotected there, said at its own file and line,
    with the Application that deploys it."""
    [(resource, file, line, message)] = findings(scan_json(capsys, ".", "--select", "RES501"), "RES501")
    assert (resource, file, line) == ("Deployment/default/web", "guestbook/deploy.yaml", line_of(DEPLOYMENT, "replicas"))
    assert "Argo CD" not in message
    write(gitops, {"apps/web.yaml": application(namespace="shop")})
    for named in (".", "apps/web.yaml"):  # the repository, or the Application staged alone (pre-commit)
        report = scan_json(capsys, named, "--select", "RES501")
        assert report["errors"] == [] and findings(report, "RES501") == []
    write(gitops, {"apps/web.yaml": application(namespace="eu")})
    report = scan_json(capsys, ".")
    assert report["errors"] == []
    [(resource, file, line, message)] = findings(report, "RES501")
    assert (resource, file, line) == ("Deployment/eu/web", "guestbook/deploy.yaml", line_of(DEPLOYMENT, "replicas"))
    assert message.endswith("(with Argo CD Application web in apps/web.yaml)")
    # the budget keeps the namespace it names, and is judged as deployed (not also alone)
    resources = {f["resource"] for f in report["findings"]}
    assert "PodDisruptionBudget/shop/web" in resources and not any("/default/" in r for r in resources)


def test_the_directory_is_judged_as_deployed_not_also_as_the_repository_has_it(gitops):
    from linter.engine import ScanOptions, scan

    write(gitops, {"apps/web.yaml": application(namespace="shop")})
    result = scan(["."], ScanOptions())
    assert result.errors == []
    deployed = sorted((r.address, r.location.file, r.meta["environment_part"]) for r in result.resources
                      if r.location.file.startswith("guestbook/"))
    assert deployed == [("Deployment/shop/web", "guestbook/deploy.yaml", "web"),
                        ("PodDisruptionBudget/shop/web", "guestbook/pdb.yaml", "web")]
    assert {"guestbook/deploy.yaml", "guestbook/pdb.yaml"} <= set(result.files)


def test_two_applications_in_one_file_deploy_the_directory_each_as_its_own(gitops, capsys):
    write(gitops, {"apps/web.yaml": application("web-eu", "eu") + "---\n" + application("web-us", "us")})
    report = scan_json(capsys, ".", "--select", "RES501")
    found = sorted(f["resource"] for f in report["findings"])
    assert found == ["Deployment/eu/web", "Deployment/us/web"]
    assert len({f["fingerprint"] for f in report["findings"]}) == 2


@pytest.mark.parametrize("directory, protected", [
    ("", False),  # the top of the directory only: policies/ is not applied
    ("    directory: {recurse: true}\n", True),
    ("    directory: {recurse: true, exclude: 'policies/*'}\n", False),
    ("    directory: {recurse: true, include: '{deploy.yaml,policies/*}'}\n", True),
    ("    directory: {recurse: true, include: '*.yaml'}\n", True),  # `*` matches `/` too, as Argo CD's glob
    ("    directory: {recurse: true, include: deploy.yaml}\n", False),
    # nothing applied, the Deployment neither: both judged as the repository has them, in `default`
    ("    directory: {recurse: true, include: '*.json'}\n", None),
])
def test_recurse_include_and_exclude_choose_the_files_argo_cd_applies(gitops, capsys, directory, protected):
    write(gitops, {"guestbook/pdb.yaml": "# moved\n", "guestbook/policies/pdb.yaml": pdb(),
                   "apps/web.yaml": application(source=directory)})
    report = scan_json(capsys, ".", "--select", "RES501,RES505")
    assert report["errors"] == []
    assert [f[0] for f in findings(report, "RES505")] == [
        "Deployment/default/web" if protected is None else "Deployment/shop/web"]
    assert [f[0] for f in findings(report, "RES501")] == ([] if protected in (None, True) else ["Deployment/shop/web"])


@pytest.mark.parametrize("source, files", [
    ("    directory:\n      jsonnet: {tlas: [{name: env, value: prod}]}\n", {}),
    ("", {"guestbook/extra.jsonnet": "{}\n"}),  # Argo CD evaluates it: not known here
    ("    plugin: {name: envsubst}\n", {}),  # a config management plugin renders it
    ("    directory: {include: '{deploy.yaml'}\n", {}),  # a glob Argo CD cannot compile
    ("    directory: {recurse: maybe}\n", {}),
])
def test_a_directory_argo_cd_renders_in_a_way_not_known_here_is_judged_as_the_repository_has_it(
        gitops, capsys, source, files):
    write(gitops, {"apps/web.yaml": application(source=source), **files})
    report = scan_json(capsys, ".", "--select", "RES501")
    assert report["errors"] == []
    [(resource, _, _, message)] = findings(report, "RES501")
    assert resource == "Deployment/default/web" and "Argo CD" not in message


def test_a_broken_manifest_in_the_directory_is_an_error_at_its_line_and_the_rest_is_as_written(gitops, capsys):
    """Argo CD refuses a directory with a manifest it cannot read: nothing known is deployed;
    the file's error is the scan's, at its line, never a traceback."""
    broken = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [settings\n"
    write(gitops, {"guestbook/broken.yaml": broken, "apps/web.yaml": application()})
    report = scan_json(capsys, ".", "--select", "RES501")
    [error] = report["errors"]
    assert (error["file"], error["line"]) == ("guestbook/broken.yaml", len(broken.splitlines()) + 1)  # where YAML ends
    assert [f["resource"] for f in report["findings"]] == ["Deployment/default/web"]


def test_a_link_out_of_the_repository_leaves_the_directory_as_the_repository_has_it(gitops, capsys, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "pdb.yaml"
    outside.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: elsewhere}\n")
    os.symlink(outside, gitops / "guestbook" / "linked.yaml")
    write(gitops, {"apps/web.yaml": application()})
    report = scan_json(capsys, ".", "--select", "RES501")
    assert [f["resource"] for f in report["findings"]] == ["Deployment/default/web"]


@pytest.mark.parametrize("pattern, path, matches", [
    ("*.yaml", "deploy.yaml", True),
    ("*.yaml", "sub/deploy.yaml", True),
    ("{config.json,env-use2/*}", "config.json", True),
    ("{config.json,env-use2/*}", "env-use2/a/b.yaml", True),
    ("{config.json,env-use2/*}", "env-use1/b.yaml", False),
    ("{a,b{c,d}}.yaml", "bd.yaml", True),
    ("[!x]*.yaml", "x.yaml", False),
    ("\\*.yaml", "*.yaml", True),
    ("\\*.yaml", "a.yaml", False),
    ("?.json", "a.json", True),
])
def test_argo_cd_globs_match_as_argo_cd_matches_them(pattern, path, matches):
    from linter.loaders.argocd import glob_matcher

    matcher = glob_matcher(pattern)
    assert matcher is not None and matcher(path) is matches


@pytest.mark.parametrize("pattern", ["{a,b", "a}", "[ab", "x\\", "{a,b}" * 9])
def test_a_glob_that_does_not_compile_or_expands_too_far_is_not_known(pattern):
    from linter.loaders.argocd import glob_matcher

    assert glob_matcher(pattern) is None


# --- Flux Kustomizations of a directory without a kustomization.yaml -------------------------------

def flux_kustomization(extra: str = "") -> str:
    return ("apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
            "metadata: {name: apps, namespace: flux-system}\nspec:\n  interval: 10m\n  path: ./apps/prod\n"
            "  prune: true\n  sourceRef: {kind: GitRepository, name: flux-system}\n" + extra)


@pytest.fixture
def fleet(tmp_path, monkeypatch):
    """apps/prod: no kustomization.yaml; a Deployment at its top, its budget in a
    subdirectory, a ConfigMap in a subdirectory with a kustomization of its own, and YAML
    that is not Kubernetes."""
    write(tmp_path, {".git/config": FLEET_REMOTE, "clusters/prod/flux-system/gotk-sync.yaml":
                         GIT_REPOSITORY.replace("URL", "ssh://git@github.com/acme/fleet"),
                     "apps/prod/deploy.yaml": DEPLOYMENT.replace("replicas: 3", "replicas: ${replicas}"),
                     "apps/prod/policies/pdb.yaml": pdb(),
                     "apps/prod/settings/kustomization.yaml": "resources: [settings.yaml]\n"
                                                              "commonLabels: {tier: settings}\n",
                     "apps/prod/settings/settings.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\n",
                     "apps/prod/notes.yaml": "owner: shop-team\n"})
    monkeypatch.chdir(tmp_path)
    return tmp_path


pytestmark_kustomize = pytest.mark.skipif(shutil.which("kustomize") is None and shutil.which("kubectl") is None,
                                          reason="neither kustomize nor kubectl is on PATH")


@pytestmark_kustomize
def test_a_flux_kustomization_of_a_plain_directory_builds_what_flux_generates(fleet, capsys):
    """Every manifest under the path (recursively; a subdirectory with a kustomization as that
    kustomization), with the targetNamespace and the substituted count: the budget in the
    subdirectory protects the Deployment in `shop`, and the count is found where it is set."""
    apps = flux_kustomization("  targetNamespace: shop\n  postBuild:\n    substitute:\n      replicas: \"1\"\n")
    write(fleet, {"clusters/prod/apps.yaml": apps})
    for named in (".", "clusters/prod/apps.yaml"):  # the repository, or the Kustomization staged alone
        report = scan_json(capsys, named)
        assert report["errors"] == []
        assert findings(report, "RES101") == [
            ("Deployment/shop/web", "clusters/prod/apps.yaml", line_of(apps, 'replicas: "1"'),
             findings(report, "RES101")[0][3])]
        assert findings(report, "RES101")[0][3].endswith("(with Flux Kustomization apps in clusters/prod/apps.yaml)")
        assert findings(report, "RES501") == []
    from linter.engine import ScanOptions, scan

    result = scan(["."], ScanOptions())
    deployed = sorted((r.address, r.location.file) for r in result.resources if r.location.file.startswith("apps/"))
    assert deployed == [("ConfigMap/shop/web", "apps/prod/settings/settings.yaml"),
                        ("Deployment/shop/web", "apps/prod/deploy.yaml"),
                        ("PodDisruptionBudget/shop/web", "apps/prod/policies/pdb.yaml")]
    [config] = [r for r in result.resources if r.type == "core/ConfigMap"]
    assert config.attrs["metadata"]["labels"] == {"tier": "settings"}  # built with its own kustomization


@pytestmark_kustomize
def test_a_flux_kustomization_without_options_applies_the_directory_as_written(fleet, capsys):
    """Nothing set over it: the objects as their files write them (a `generateName` Job
    too, which kustomize would refuse), judged as the Kustomization deploys them."""
    shutil.rmtree(fleet / "apps/prod/settings")  # a kustomization of its own: built with kustomize
    write(fleet, {"apps/prod/deploy.yaml": DEPLOYMENT.replace("{name: web}", "{name: web, namespace: shop}"),
                  "apps/prod/policies/pdb.yaml": pdb("shop"),
                  "apps/prod/migrate.yaml": "apiVersion: batch/v1\nkind: Job\nmetadata: {generateName: migrate-}\n"
                                            "spec: {template: {spec: {restartPolicy: Never, containers: "
                                            "[{name: m, image: m:1}]}}}\n",
                  "clusters/prod/apps.yaml": flux_kustomization()})
    report = scan_json(capsys, ".", "--select", "RES501,RES505")
    assert report["errors"] == []
    assert findings(report, "RES501") == []
    [(resource, file, _, message)] = findings(report, "RES505")
    assert (resource, file) == ("Deployment/shop/web", "apps/prod/deploy.yaml")
    assert message.endswith("(with Flux Kustomization apps in clusters/prod/apps.yaml)")


@pytestmark_kustomize
def test_flux_options_that_break_the_build_of_a_plain_directory_are_an_error_at_the_kustomization(fleet, capsys):
    apps = flux_kustomization("  targetNamespace: shop\n  patches:\n    - target: {kind: Deployment}\n"
                              "      patch: '[{\"op\": \"remove\", \"path\": \"/spec/missing\"}]'\n")
    write(fleet, {"clusters/prod/apps.yaml": apps})
    report = scan_json(capsys, ".", "--select", "RES501")
    [error] = report["errors"]
    assert (error["file"], error["line"]) == ("clusters/prod/apps.yaml", 1)
    assert "Flux Kustomization apps: kustomize cannot build what it deploys of apps/prod" in error["message"]
    assert report["findings"] == []  # nothing is deployed


def test_without_kustomize_a_flux_directory_stays_as_the_repository_has_it(fleet, capsys, monkeypatch):
    """Built with kustomize (its targetNamespace), and neither kustomize nor kubectl is
    here: the directory is judged as the repository has it, and a note says why."""
    from linter.loaders import rendered

    monkeypatch.setattr(rendered, "kustomize_command", lambda: None)
    shutil.rmtree(fleet / "apps/prod/settings")
    write(fleet, {"apps/prod/deploy.yaml": DEPLOYMENT, "clusters/prod/apps.yaml": flux_kustomization(
        "  targetNamespace: shop\n")})
    main(["scan", ".", "--select", "RES505", "--format", "json"])
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["errors"] == [] and [f[0] for f in findings(report, "RES505")] == ["Deployment/default/web"]
    assert "apps/prod: not judged as the Flux Kustomization apps in clusters/prod/apps.yaml deploys it" in captured.err


# --- Argo CD's choice of tool: a `directory` block over a kustomization ---------------------------

SINGLE = DEPLOYMENT.replace("replicas: 3", "replicas: 1")
RECURSE = "    directory: {recurse: true}\n"


@pytest.fixture
def overlay(tmp_path, monkeypatch):
    """guestbook/ holds a kustomization (no apiVersion or kind, as many are written) that sets
    the Deployment's 1 replica to 3, and the Deployment."""
    write(tmp_path, {".git/config": GITOPS_REMOTE, "guestbook/deploy.yaml": SINGLE,
                     "guestbook/kustomization.yaml": "resources: [deploy.yaml]\nreplicas: [{name: web, count: 3}]\n"})
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytestmark_kustomize
def test_a_directory_block_over_a_kustomization_applies_its_manifests_as_written(overlay, capsys):
    """Argo CD takes the tool from the source's block before it looks at the files: with a
    `directory` block it applies deploy.yaml as written (1 replica), passing over the
    kustomization.yaml that decodes as no object; kustomize, which sets 3, is not run."""
    report = scan_json(capsys, ".", "--select", "RES101")
    assert report["errors"] == [] and findings(report, "RES101") == []  # built by kustomize alone: 3
    write(overlay, {"apps/web.yaml": application(source=RECURSE)})
    report = scan_json(capsys, ".", "--select", "RES101")
    assert report["errors"] == []
    [(resource, file, line, message)] = findings(report, "RES101")
    assert (resource, file, line) == ("Deployment/shop/web", "guestbook/deploy.yaml", line_of(SINGLE, "replicas"))
    assert message.endswith("(with Argo CD Application web in apps/web.yaml)")


@pytestmark_kustomize
def test_without_a_block_the_kustomization_is_built_and_with_a_directory_block_it_is_not(overlay, capsys):
    """The other way round: the kustomization sets 1 replica over the file's 3. Argo CD detects
    kustomize when no block names a tool (the finding at the kustomization's count); a
    `directory` block applies the file's 3 replicas: nothing to say."""
    kustomization = "resources: [deploy.yaml]\nreplicas: [{name: web, count: 1}]\n"
    write(overlay, {"guestbook/deploy.yaml": DEPLOYMENT, "guestbook/kustomization.yaml": kustomization,
                    "apps/web.yaml": application()})
    [(resource, file, line, _)] = findings(scan_json(capsys, ".", "--select", "RES101"), "RES101")
    assert (resource, file, line) == ("Deployment/shop/web", "guestbook/kustomization.yaml", 2)
    write(overlay, {"apps/web.yaml": application(source=RECURSE)})
    report = scan_json(capsys, ".", "--select", "RES101")
    assert report["errors"] == [] and findings(report, "RES101") == []


@pytestmark_kustomize
@pytest.mark.parametrize("source, files", [
    # a kustomization naming its apiVersion and kind is an object Argo CD applies: no cluster serves it
    (RECURSE, {"guestbook/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
                                               "resources: [deploy.yaml]\nreplicas: [{name: web, count: 3}]\n"}),
    # a patch is a partial object Argo CD would apply as a whole one
    (RECURSE, {"guestbook/kustomization.yaml": "resources: [deploy.yaml]\npatches: [{path: more.yaml}]\n",
               "guestbook/more.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n"
                                      "spec: {replicas: 3}\n"}),
    # YAML that is no object but holds apiVersion:, kind: and metadata: makes Argo CD refuse the directory
    (RECURSE, {"guestbook/notes.yaml": "about: {apiVersion: v1, kind: x, metadata: y}\n"}),
    # JSON that is not an object Argo CD reads: refused too
    (RECURSE, {"guestbook/settings.json": '["not", "an", "object"]'}),
    # a block that sets nothing: Argo CD may drop it (then detects kustomize) or keep it
    ("    directory: {recurse: false}\n", {}),
    # two tools: Argo CD refuses the Application ("multiple application sources defined")
    (RECURSE + "    kustomize: {namePrefix: eu-}\n", {}),
])
def test_a_directory_block_argo_cd_cannot_apply_as_known_leaves_the_kustomization_unjudged_with_a_note(
        overlay, source, files):
    """What the Application deploys is not known here: neither the file's 1 replica in `shop` nor
    kustomize's build alone (3 replicas, in no namespace: what nothing creates) is judged."""
    from linter.engine import ScanOptions, scan

    result = scan(["."], ScanOptions())  # nothing deploys it: built by kustomize alone
    assert [(r.address, r.attrs["spec"]["replicas"]) for r in result.resources if r.type == "apps/Deployment"] == [
        ("Deployment/default/web", 3)]
    write(overlay, {"apps/web.yaml": application(source=source), **files})
    result = scan(["."], ScanOptions())
    assert result.errors == []
    assert [r.address for r in result.resources if r.type == "apps/Deployment"] == []
    [note] = [n for n in result.notes if "Argo CD Application web not judged" in n]
    assert note.endswith("its kustomization guestbook is not judged alone either")


@pytestmark_kustomize
def test_a_flux_kustomization_not_known_here_leaves_its_plain_directory_unjudged_with_a_note(fleet):
    """A component outside the repository: what Flux builds of apps/prod is not known here.
    Its manifests are judged neither as deployed nor as written (in no namespace, with a
    `${replicas}` Flux substitutes), and a note says why."""
    from linter.engine import ScanOptions, scan

    before = scan(["."], ScanOptions())  # nothing deploys it: judged as written
    assert "Deployment/default/web" in {r.address for r in before.resources}
    write(fleet, {"clusters/prod/apps.yaml": flux_kustomization(
        "  targetNamespace: shop\n  components: [../../../elsewhere]\n")})
    result = scan(["."], ScanOptions())
    assert result.errors == []
    assert not [r for r in result.resources if r.location.file.startswith("apps/")]
    [note] = [n for n in result.notes if "Flux Kustomization apps not judged" in n]
    assert note.startswith("clusters/prod/apps.yaml:1: Flux Kustomization apps not judged: its `images`, `patches`")
    assert note.endswith("its directory apps/prod is not judged alone either")
