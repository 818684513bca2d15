"""Terraform's built-in functions against real `terraform console`.

The goldens in fixtures/terraform_oracle/ were written by
fixtures/_tools/terraform_oracle.py from terraform itself. Each case is a call
whose arguments are JSON literals or nested calls, so this test evaluates it
with call_function alone (no evaluator). Where `terraform` is on PATH the
oracle is also rerun live, so a changed golden cannot hide.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from linter.model import Unknown, is_unknown
from linter.terraform.functions import FunctionContext, FunctionError, call_function, jsonencode

ROOT = Path(__file__).resolve().parent.parent
ORACLE_DIR = ROOT / "fixtures" / "terraform_oracle"
ORACLE = ROOT / "fixtures" / "_tools" / "terraform_oracle.py"
GOLDEN = json.loads((ORACLE_DIR / "functions.golden.json").read_text(encoding="utf-8"))

# Cases where call_function is known to differ from Terraform, with the reason.
# Each entry is checked: if the difference goes away, the test says so.
KNOWN_DIFFERENCES: dict[str, str] = {
    "jsonencode(-0)": "Terraform keeps negative zero; the linter's integral numbers are Python ints",
    'cidrsubnet("10.0.0.0/16", -1, 0)': "Terraform widens the prefix for negative newbits; we reject it (Unknown)",
    'cidrsubnet("10.0.0.0/16", 8, -1)': "Terraform wraps a negative netnum to a wrong address; we reject it (Unknown)",
    'tolist([{"x": 1}, null])': "Terraform refuses a null beside an object in tolist (not beside a string, not in tomap); "
                                "we keep the null",
    'tolist([[1], null])': "Terraform refuses a null beside a tuple in tolist; we keep the null",
    'textencodebase64("x", "cp1252")': "an encoding name outside resilint's table of IANA names is unknown: "
                                        "Terraform's index may know it or, as here, refuse it",
}


def _render(text: str, variables: dict) -> str:
    # templatefile delegates rendering to the evaluator; the cases' templates
    # use only ${name}, so a tiny renderer stands in for it here
    out, i = [], 0
    while (j := text.find("${", i)) >= 0:
        k = text.index("}", j)
        name = text[j + 2:k]
        if name not in variables:
            raise FunctionError(f"vars map does not contain key {name!r}")
        out.append(text[i:j] + jsonencode(variables[name]).strip('"'))
        i = k + 1
    return "".join(out) + text[i:]


CTX = FunctionContext(base_dir=ORACLE_DIR, render_template=_render)
_DECODER = json.JSONDecoder()


def _skip_ws(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t":
        i += 1
    return i


def _parse(text: str, i: int) -> tuple[object, int]:
    """One argument: a JSON literal or name(args...)."""
    i = _skip_ws(text, i)
    j = i
    while j < len(text) and (text[j].isalnum() or text[j] == "_"):
        j += 1
    name = text[i:j]
    if name and name not in ("true", "false", "null") and j < len(text) and text[j] == "(":
        args, i = [], _skip_ws(text, j + 1)
        if text[i] == ")":
            return call_function(name, args, CTX), i + 1
        while True:
            value, i = _parse(text, i)
            args.append(value)
            i = _skip_ws(text, i)
            if text[i] == ")":
                return call_function(name, args, CTX), i + 1
            assert text[i] == ",", f"expected , at {i} in {text}"
            i += 1
    return _DECODER.raw_decode(text, i)


def evaluate(expr: str) -> dict:
    try:
        value, end = _parse(expr, 0)
    except FunctionError as exc:
        return {"error": str(exc)}
    assert end == len(expr), f"unparsed tail in {expr}"
    if is_unknown(value):
        return {"unknown": True}
    return {"json": jsonencode(value)}


@pytest.mark.parametrize("case", GOLDEN["results"], ids=[c["expr"] for c in GOLDEN["results"]])
def test_function_matches_terraform(case: dict) -> None:
    got = evaluate(case["expr"])
    # errors are compared as errors (our wording names the function as Terraform
    # does, but messages are not pinned); values by their jsonencode text
    if "error" in case:
        same = "error" in got
    else:
        same = got == {k: case[k] for k in ("json", "unknown") if k in case}
    if case["expr"] in KNOWN_DIFFERENCES:
        assert not same, f"now matches terraform; drop it from KNOWN_DIFFERENCES: {case['expr']}"
        return
    assert same, f"{case['expr']}: terraform gives {case.get('json', case.get('error', 'unknown'))!r}, we give {got}"


def test_oracle_covers_every_function() -> None:
    from linter.terraform.functions import FUNCTIONS

    called = {c["expr"].split("(", 1)[0] for c in GOLDEN["results"]}
    unknowable = {"uuid", "timestamp", "plantimestamp", "bcrypt", "abspath", "pathexpand", "issensitive",
                  "formatdate"}
    # Go's deflate writes other bytes than zlib's; a secret is never what a rule reads
    unknowable |= {"base64gzip", "rsadecrypt"}
    # templatestring takes its template from a reference, never a literal: console cannot show it
    unknowable.add("templatestring")
    assert set(FUNCTIONS) - unknowable - called == set()
    assert len(GOLDEN["results"]) >= 300


def test_every_function_terraform_has_is_known() -> None:
    """function_names.json lists what `terraform metadata functions -json` says terraform has
    built in (the oracle script writes it; the live check below reruns it)."""
    from linter.terraform.functions import FUNCTIONS

    names = json.loads((ORACLE_DIR / "function_names.json").read_text(encoding="utf-8"))["functions"]
    assert len(names) > 100
    assert set(names) - set(FUNCTIONS) - {"try", "can"} == set()  # try and can: the evaluator's own


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not on PATH; goldens used as they are")
def test_goldens_match_live_terraform() -> None:
    proc = subprocess.run([sys.executable, str(ORACLE), "--check"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# ---------------------------------------------------------------- unknowns


def U(*refs: str) -> Unknown:
    return Unknown("x", refs)


def call(name: str, *args: object) -> object:
    return call_function(name, list(args), CTX)


def test_unknown_argument_gives_unknown_with_merged_refs() -> None:
    result = call("join", ",", [U("var.a"), "x", U("var.b", "var.a")])
    assert is_unknown(result)
    assert result.refs == ("var.a", "var.b")


def test_unknown_function_name_gives_unknown() -> None:
    result = call("no_such_function", U("var.z"), 1)
    assert is_unknown(result) and result.refs == ("var.z",)


@pytest.mark.parametrize("name", ["uuid", "timestamp", "bcrypt", "plantimestamp"])
def test_apply_time_functions_are_unknown(name: str) -> None:
    assert is_unknown(call(name, "x") if name == "bcrypt" else call(name))


def test_shape_functions_see_past_unknown_elements() -> None:
    assert call("length", [U("a"), U("b")]) == 2
    assert call("keys", {"b": U("x"), "a": 1}) == ["a", "b"]
    assert is_unknown(call("element", ["a", U("r")], 1))
    assert call("element", ["a", U("r")], 2) == "a"
    assert call("coalesce", None, "first", U("later")) == "first"
    assert is_unknown(call("coalesce", None, U("v"), "later"))
    assert call("concat", [U("a")], ["b"])[1] == "b"
    merged = call("merge", {"a": U("x")}, {"b": 1})
    assert merged["b"] == 1 and is_unknown(merged["a"])
    assert is_unknown(call("length", U("list")))
    # terraform 1.11 returns the key's value, or the default, whatever the other values
    # hold (expressions.cases.txt asks it)
    assert call("lookup", {"a": 1, "b": U("x")}, "a") == 1
    assert call("lookup", {"b": U("x")}, "a", False) is False
    assert is_unknown(call("lookup", {"a": U("x")}, "a", 1))


def test_templatefile_without_renderer_is_unknown() -> None:
    ctx = FunctionContext(base_dir=ORACLE_DIR)
    result = call_function("templatefile", ["files/greeting.tftpl", {"name": "a", "count": 1}], ctx)
    assert is_unknown(result)


def test_templatefile_passes_variables_to_renderer() -> None:
    seen = []
    ctx = FunctionContext(base_dir=ORACLE_DIR, render_template=lambda text, v: seen.append((text, v)) or "ok")
    assert call_function("templatefile", ["files/greeting.tftpl", {"name": U("var.n")}], ctx) == "ok"
    assert seen[0][0].startswith("Hello, ${name}")


def test_templatestring_renders_through_the_evaluator() -> None:
    assert call("templatestring", "Hi ${name}", {"name": "Ann"}) == "Hi Ann"
    assert is_unknown(call_function("templatestring", ["x", {}], FunctionContext(base_dir=ORACLE_DIR)))


def test_pathological_regex_is_linear() -> None:
    # (a+)+b backtracks exponentially in Python's re; RE2 answers at once
    text = "a" * 50_000 + "c"
    assert call("regexall", "(a+)+b", text) == []
    with pytest.raises(FunctionError):
        call("regex", "(a)\\1", "aa")  # RE2 has no backreferences: Terraform rejects it too


def test_wrong_arity_is_a_function_error() -> None:
    with pytest.raises(FunctionError, match="wrong number of arguments"):
        call("upper")


def test_wrong_types_never_raise_anything_but_function_error() -> None:
    import itertools

    from linter.terraform.functions import FUNCTIONS

    odd = [None, "", "x", "10.0.0.0/8", "%v", "/(a)/", 0, -1, 1.5, True, [], [1, "a"], ["a", None], {},
           {"a": [1]}, U("var.u"), [U("e")], [[1], [2]]]
    for name in FUNCTIONS:
        for arity in range(3):
            for args in itertools.product(odd, repeat=arity):
                try:
                    call(name, *args)
                except FunctionError:
                    pass


def test_huge_results_give_unknown_not_memory() -> None:
    big = list(range(1000))
    assert is_unknown(call("setproduct", big, big, big))
    assert is_unknown(call("format", "%999999999d", 1))


def test_fileset_walks_a_bounded_number_of_entries_once_per_pattern(tmp_path, monkeypatch) -> None:
    """A huge tree (`fileset("/", "**")`) gives an unknown after FILESET_MAX_ENTRIES entries, and a
    block's every instance asking the same pattern does not walk it again."""
    import os

    from linter.terraform import functions

    for i in range(30):
        (tmp_path / f"f{i}.txt").write_text("")
    ctx = FunctionContext(base_dir=tmp_path)
    walked: list[object] = []
    scandir = os.scandir
    monkeypatch.setattr(functions.os, "scandir", lambda p: walked.append(p) or scandir(p))
    monkeypatch.setattr(functions, "FILESET_MAX_ENTRIES", 10)
    assert is_unknown(call_function("fileset", [".", "*.txt"], ctx))
    assert is_unknown(call_function("fileset", [".", "*.txt"], ctx))
    assert len(walked) == 1
    monkeypatch.setattr(functions, "FILESET_MAX_ENTRIES", 100)
    assert call_function("fileset", [".", "f1?.txt"], ctx) == [f"f1{i}.txt" for i in range(10)]
    assert call_function("fileset", [".", "f1?.txt"], ctx) == [f"f1{i}.txt" for i in range(10)]
    assert len(walked) == 2
