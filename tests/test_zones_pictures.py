"""The pictures of `resilint zones` are checked by the real tools: Mermaid output by
the npm `mermaid` package's parser (run with node), DOT output by Graphviz `dot`.

Mermaid: set RESILINT_MERMAID_PREFIX to a directory where
`npm install --prefix DIR mermaid jsdom` ran (.ci/run does it when the registry is
reachable); the test skips with the reason otherwise. Graphviz: `dot` on PATH
(`apt-get install graphviz`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from linter.engine import ScanOptions
from linter.failure_domains.report import build_report, render
from tests.conftest import FIXTURES

HERE = Path(__file__).resolve().parent
PARSER = HERE / "tools" / "mermaid_parse.mjs"
CORPUS = Path(os.environ.get("RESILINT_CORPUS", HERE.parent.parent / "shared" / "corpus"))

# scenarios whose pictures hold zones, lost workloads, unknowns, quotes and arrows
SCENARIOS = sorted(p for p in (FIXTURES / "RES601").iterdir()
                   if p.suffix in (".tf", ".yaml", ".json") and not p.name.endswith(".expect.json"))


def _report(path: Path):
    return build_report([str(path)], ScanOptions(loader_options={"file_context": False}))


def _mermaid_prefix() -> str:
    if shutil.which("node") is None:
        pytest.skip("node is not on PATH: the Mermaid output cannot be parsed by mermaid")
    prefix = os.environ.get("RESILINT_MERMAID_PREFIX")
    if not prefix or not (Path(prefix) / "node_modules" / "mermaid").is_dir():
        pytest.skip("RESILINT_MERMAID_PREFIX does not name an `npm install --prefix DIR mermaid jsdom` directory")
    return prefix


def mermaid_parse(texts: list[str], prefix: str) -> list[dict]:
    """Every diagram through mermaid's parser, in one node process."""
    proc = subprocess.run(["node", str(PARSER)], input=json.dumps(texts), capture_output=True, text=True,
                          timeout=600, env={**os.environ, "MERMAID_PREFIX": prefix})
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_mermaid_output_parses_with_mermaid():
    prefix = _mermaid_prefix()
    texts = [render("mermaid", _report(path)) for path in SCENARIOS]
    for path, text, result in zip(SCENARIOS, texts, mermaid_parse(texts, prefix)):
        assert result["ok"], (path.name, result, text)
        assert result["type"].startswith("flowchart")


def test_the_mermaid_oracle_rejects_a_broken_diagram():
    prefix = _mermaid_prefix()
    broken, fine = mermaid_parse(['flowchart LR\n  a["unclosed] --> b -->\n', 'flowchart LR\n  a --> b\n'], prefix)
    assert not broken["ok"] and fine["ok"]


def test_mermaid_output_of_the_corpus_parses():
    prefix = _mermaid_prefix()
    if not CORPUS.is_dir():
        pytest.skip(f"no shared corpus at {CORPUS}")
    folders = sorted(p for p in CORPUS.iterdir() if p.is_dir())
    texts = [render("mermaid", build_report([str(folder)], ScanOptions())) for folder in folders]
    for folder, result in zip(folders, mermaid_parse(texts, prefix)):
        assert result["ok"], (folder.name, result)


def _dot() -> str:
    dot = shutil.which("dot")
    if dot is None:
        pytest.skip("Graphviz `dot` is not on PATH (apt-get install graphviz)")
    return dot


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_dot_output_is_accepted_by_graphviz(path):
    dot = _dot()
    text = render("dot", _report(path))
    proc = subprocess.run([dot, "-Tsvg"], input=text, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and not proc.stderr.strip(), (proc.stderr, text)
    assert "<svg" in proc.stdout


def test_graphviz_sees_the_zone_and_the_path():
    dot = _dot()
    path = FIXTURES / "RES601" / "fail-shared-nat-gateway.tf"
    proc = subprocess.run([dot, "-Tjson"], input=render("dot", _report(path)), capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    names = {o.get("label") for o in doc.get("objects", []) if o.get("name", "").startswith("cluster_")}
    assert {"us-east-1a", "us-east-1b"} <= names
    labels = {o["name"]: o.get("label", "") for o in doc["objects"] if "label" in o}
    by_label = {label.split("\\n")[0]: name for name, label in labels.items()}
    ids = {o["_gvid"]: o["name"] for o in doc["objects"]}
    edges = {(ids[e["tail"]], ids[e["head"]]) for e in doc.get("edges", [])}
    assert (by_label["aws_route_table.private_b"], by_label["aws_nat_gateway.a"]) in edges
    assert (by_label["aws_ecs_service.orders"], by_label["aws_subnet.private_b"]) in edges


def test_the_graphviz_oracle_rejects_a_broken_graph():
    dot = _dot()
    proc = subprocess.run([dot, "-Tsvg"], input='digraph { "a" -> ; }', capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
