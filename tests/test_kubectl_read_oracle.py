"""kubectl decides which objects a manifest file holds: resilint reads the same ones from
every file kubectl reads (the corpus's manifests, the repository's Kubernetes fixtures and
examples, and hand-written YAML and JSON layouts: CRLF, a byte order mark, empty documents,
`...` markers, Lists, JSON streams, tab-indented JSON), and refuses what kubectl refuses. The
verdicts are kubectl's own (`kubectl label --local -o name`), in
fixtures/kubectl_read_oracle/verdicts.json, written by fixtures/_tools/kubectl_read_oracle.py:
the comparison runs where kubectl is missing; where it is there, the verdicts are checked too."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from linter.engine import ScanOptions, scan

REPO = Path(__file__).resolve().parent.parent
CASES = json.loads((REPO / "fixtures" / "kubectl_read_oracle" / "verdicts.json").read_text(encoding="utf-8"))
ROOTS = {"corpus": REPO.parent / "shared" / "corpus" / "kubernetes", "examples": REPO / "examples",
         "fixtures": REPO / "fixtures"}


def path_of(case: dict, tmp_path: Path) -> Path:
    if "text" in case:
        path = tmp_path / f"manifest{case['suffix']}"
        path.write_bytes(case["text"].encode("utf-8"))
        return path
    top, _, rest = case["file"].partition("/")
    return ROOTS[top] / rest


def as_kubectl_names(r) -> str:
    """How `kubectl -o name` names an object: `deployment.apps/web`, `configmap/a`."""
    group, _, kind = r.type.rpartition("/")
    name = r.name if r.name and not r.attrs.get("metadata", {}).get("generateName") == r.name else "<unknown>"
    return f"{kind.lower()}{'' if group in ('core', '') else '.' + group}/{name}"


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_resilint_reads_the_objects_kubectl_reads(case, tmp_path):
    path = path_of(case, tmp_path)
    if not path.exists():
        pytest.skip(f"{case['file']} is not beside this checkout")
    result = scan([str(path)], ScanOptions(select=["RES101"], loader_options={"file_context": False}))
    if isinstance(case["kubectl"], str):  # kubectl refuses the file
        assert result.errors, f"kubectl {case['kubectl']}; resilint reads it"
        assert all(e.line is not None for e in result.errors)
        return
    if any("rendered with" in s.reason for s in result.skipped):
        return  # a file a kustomization or a chart renders: judged as rendered, not as written
    assert result.errors == []
    assert sorted(as_kubectl_names(r) for r in result.resources if r.source_format == "kubernetes") \
        == sorted(case["kubectl"])


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not on PATH; the goldens are compared as they are")
def test_the_verdicts_are_kubectl_s(tmp_path):
    """The hand-written layouts and the corpus's files, asked again (the fixtures' verdicts
    are regenerated with them by the script)."""
    sys.path.insert(0, str(REPO / "fixtures" / "_tools"))
    try:
        from kubectl_read_oracle import text_verdict, verdict
    finally:
        sys.path.pop(0)
    for case in CASES:
        if "text" in case:
            assert text_verdict(case["suffix"], case["text"]) == case["kubectl"], case["name"]
        elif case["file"].startswith("corpus/") and path_of(case, tmp_path).exists():
            assert verdict(path_of(case, tmp_path)) == case["kubectl"], case["name"]
