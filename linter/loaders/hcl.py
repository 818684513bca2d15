"""Terraform `.tf` files (for pre-commit, before any plan exists).

The evaluator in `linter/terraform/` (tree-sitter-hcl parser) produces the
resources Terraform would plan; this module is its loader entry and
documents the shape resources have.

Values
* Literals (strings, numbers, bools, null, lists and objects of literals,
  heredocs) are values. `jsonencode(<literal>)` becomes the JSON text
  Terraform would produce (compact, keys sorted).
* Anything else (`var.x`, `local.y`, function calls, `"${...}"` interpolation,
  conditionals, references to other resources) is `Unknown(expr=<source text>,
  refs=(...))`. `refs` lists what the expression references: resource
  addresses (`aws_subnet.a.id` -> `aws_subnet.a`, `data.aws_subnet.x`,
  qualified with the module path when the module is loaded as a child) and,
  as written, non-resource references (`var.x`, `local.y`, `each.value`), which
  never resolve, so a cross-resource rule stays silent on a partial graph.
  `r.refs` maps attribute paths to the same lists.
* A whole-attribute `var.name` whose variable has a literal `default`, when no
  `terraform.tfvars`/`*.auto.tfvars` of the directory sets it, takes the
  default; `r.meta["from_variable_default"]` maps the attribute path to the
  variable (`{"multi_az": "var.multi_az"}`), so a message can say where the
  value came from. In a child module the caller's arguments are the values
  (a caller's `var.x` default keeps its marker, naming the caller's variable).
* Nested blocks are lists of dicts, as in plan JSON, so
  `r.get("settings.backup_configuration.enabled")` reads the same for both.
  Paths name the first block without `.0` (`settings.tier`, `ingress.1.port`).
  A `dynamic "x"` block makes `x` Unknown (its count is not known).
* Meta-arguments are not attributes: `count`/`for_each` go to `meta` (a block
  is analysed once, as a template; `count = 0` or an empty `for_each` written
  literally, or passed so by a caller, skips it; a variable default does
  not); `depends_on`, `lifecycle`, `provider`, provisioners are dropped.

Modules: the scanned directories are loaded as one tree. A `module` block
with a local source (`./modules/db`) loads that directory as the child
`module.db` (addresses `module.db.aws_db_instance.main`), even outside the
scanned paths, and the directory is not loaded a second time on its own;
`module.db.<output>` references are followed to what the output references.
Registry and git modules that `terraform init` installed are followed the
same way (`.terraform/modules/modules.json` of the root maps module keys to
directories). A call the scan cannot follow (not installed, missing directory)
becomes a Resource of type `module` (no rule declares it) whose `refs` say
what it receives, and `meta["source"]` its source.

Resources: `type` = Terraform type, `address` = `aws_db_instance.main` (no
instance keys), `source_format` "hcl", location = the block's file:line,
`line_of(path)` = the attribute's line; `meta`: `module` (module address or
None), `root` (for a child module's resources: the root directory whose call
this is; a module called from two roots is loaded once per root),
`count`/`for_each` when written, `from_variable_default`. Data sources
become type `data.<type>` (never linted) with address `data.<type>.<name>`, so
`index.resolve("data.aws_subnet.x.availability_zone")` finds them.

A syntax error is an InputError with file and line; the other files of the
directory are still loaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from linter.model import InputError, Resource, RootJudge

if TYPE_CHECKING:
    from linter.terraform.syntax import Block


def load_module(directory: Path, tf_files: list[Path], options: dict[str, Any] | None = None) -> tuple[list[Resource], list[InputError]]:
    """One directory as a root module (its child modules are followed)."""
    return load_modules({Path(directory): list(tf_files)}, options)


def load_modules(directories: dict[Path, list[Path]], options: dict[str, Any] | None = None,
                 judge: RootJudge | None = None) -> tuple[list[Resource], list[InputError]]:
    """Every scanned directory, loaded as a tree of modules.

    A directory that another scanned directory calls through a local source
    is loaded as that child, not a second time on its own. A root that a
    scanned plan maps to is left to the plan, with the modules it calls.
    Calls that cannot be followed are noted in `options["unresolved_modules"]`.
    Roots loaded on several cores may be judged as they load (`judge`).
    """
    from linter.terraform.tree import load_directories

    resources, errors, unresolved = load_directories(directories, options, judge)
    if options is not None:
        options.setdefault("unresolved_modules", []).extend(u.to_dict() for u in unresolved)
    return resources, errors


# ------------------------------------------------------------ lines for plans
_BLOCK_LINES: dict[tuple[str, int], dict[str, Any] | None] = {}


def block_attribute_lines(text: str, block_line: int) -> dict[str, Any] | None:
    """Attribute path -> line inside the top-level block starting on `block_line`
    (the plan loader's `--tf-root` mapping); None when the text does not parse."""
    from linter.terraform.syntax import parse_hcl

    key = (text, block_line)
    if key in _BLOCK_LINES:
        return _BLOCK_LINES[key]
    lines: dict[str, Any] | None = None
    try:
        blocks = parse_hcl(text, "")
    except InputError:
        blocks = []
    for block in blocks:
        if block.line == block_line:
            lines = {}
            _collect_lines(block, "", lines)
            break
    if len(_BLOCK_LINES) > 512:
        _BLOCK_LINES.clear()
    _BLOCK_LINES[key] = lines
    return lines


def _collect_lines(block: Block, prefix: str, lines: dict[str, Any]) -> None:
    for name, attr in block.attrs.items():
        lines.setdefault(f"{prefix}{name}", attr.line)
    counts: dict[str, int] = {}
    for child in block.blocks:
        dynamic = child.type == "dynamic" and bool(child.labels)
        name = child.labels[0] if dynamic else child.type
        index = counts.get(name, 0)
        counts[name] = index + 1
        item_path = f"{prefix}{name}.{index}" if index else f"{prefix}{name}"
        lines.setdefault(item_path, child.line)
        if not dynamic:
            _collect_lines(child, item_path + ".", lines)


def line_in_block(text: str, block_line: int, path: str) -> int | None:
    from linter.terraform.modules import line_of

    lines = block_attribute_lines(text, block_line)
    return line_of(lines, path) if lines is not None else None
