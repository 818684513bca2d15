"""Command line: `resilint scan`, `zones`, `rules`, `explain`.

Start-up is paid on every commit, so this module imports only the standard
library at the top; loaders, rules and reporters are imported when used.
Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it;
2 usage or input error (2 wins).
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, Callable, NoReturn, TypeVar

from linter import __version__

if TYPE_CHECKING:
    import argparse

    from collections.abc import Sequence
    from typing import Protocol

    from linter.config import Config
    from linter.engine import ScanOptions
    from linter.loaders import Skipped
    from linter.model import InputError

    class InputsReport(Protocol):
        """What a scan (engine.ScanResult) and a zones report (failure_domains.report.ZonesReport)
        both tell about their inputs: the files read, warnings, notes and skipped files."""

        @property
        def files(self) -> Sequence[str]: ...
        @property
        def warnings(self) -> Sequence[InputError]: ...
        @property
        def notes(self) -> Sequence[str]: ...
        @property
        def skipped(self) -> Sequence[Skipped]: ...
        @property
        def environments(self) -> Sequence[str]: ...


# what a command's run over its inputs returns (a scan result, a zones report)
R = TypeVar("R", bound="InputsReport")


COMMANDS = ("scan", "zones", "rules", "explain", "baseline", "schema")
EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
HUMAN_FORMATS = ("text", "concise")  # --statistics replaces their findings


def _parser_class() -> type[argparse.ArgumentParser]:
    import argparse  # 10 ms: not paid by `--version`

    class _Parser(argparse.ArgumentParser):
        def error(self, message: str) -> NoReturn:  # usage errors exit 2, like input errors
            self.print_usage(sys.stderr)
            self.exit(EXIT_ERROR, f"{self.prog}: error: {message}{_did_you_mean(self, message)}\n")

    return _Parser


def _did_you_mean(parser: argparse.ArgumentParser, message: str) -> str:
    """` (did you mean --select?)` for a mistyped option or choice."""
    import difflib
    import re

    if message.startswith("unrecognized arguments:"):
        options = sorted(_option_strings(parser))
        hints = []
        for word in message.split(":", 1)[1].split():
            if word.startswith("-"):
                close = difflib.get_close_matches(word.split("=", 1)[0], options, n=1, cutoff=0.6)
                hints += [close[0]] if close else []
        return f" (did you mean {' and '.join(hints)}?)" if hints else ""
    bad = re.match(r"argument [^:]+: invalid choice: '([^']*)' \(choose from (.*)\)$", message)
    if bad:
        choices = re.findall(r"'([^']*)'", bad.group(2))
        close = difflib.get_close_matches(bad.group(1), choices, n=1, cutoff=0.6)
        return f"; did you mean {close[0]!r}?" if close else ""
    return ""


def _option_strings(parser: argparse.ArgumentParser) -> set[str]:
    import argparse

    out: set[str] = set()
    for action in parser._actions:
        out.update(o for o in action.option_strings if o.startswith("--"))
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                out |= _option_strings(sub)
    return out


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _color_option(parser: argparse.ArgumentParser) -> None:
    from linter.terminal import COLOR_CHOICES

    parser.add_argument("--color", choices=COLOR_CHOICES, default="auto",
                        help="colour: auto (a terminal, unless NO_COLOR; FORCE_COLOR forces it), always, never")


def report_spec(value: str) -> tuple[str, str | None]:
    """`FORMAT` or `FORMAT:FILE` (split at the first colon, so `sarif:C:\\out.sarif` works)."""
    import argparse
    import difflib

    from linter.reporters import FORMATS

    fmt, colon, path = value.partition(":")
    fmt = fmt.strip()
    if fmt not in FORMATS:
        close = difflib.get_close_matches(fmt, FORMATS, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise argparse.ArgumentTypeError(
            f"unknown format {fmt!r} ({hint}choose from {', '.join(sorted(FORMATS))}; FORMAT:FILE writes to FILE)")
    if colon and not path:
        raise argparse.ArgumentTypeError(f"{value!r}: a file name must follow the colon ({fmt}:FILE)")
    return fmt, path or None


def report_targets(reports: list[tuple[str, str | None]] | None, output: str | None) -> list[tuple[str, str | None]]:
    """Each report and where it goes (None: stdout); ValueError when they cannot all be written."""
    targets = list(reports or [("text", None)])
    to_stdout = [i for i, (_, path) in enumerate(targets) if path is None]
    if len(to_stdout) > 1:
        raise ValueError("only one report can go to standard output: name a file for the others "
                         "(-f sarif:resilint.sarif)")
    if output:
        if not to_stdout:
            raise ValueError(f"-o {output}: every -f already names its file")
        targets[to_stdout[0]] = (targets[to_stdout[0]][0], output)
    paths = [os.path.abspath(path) for _, path in targets if path]
    if len(set(paths)) < len(paths):
        raise ValueError("two reports would be written to the same file")
    return targets


def build_parser() -> argparse.ArgumentParser:
    from linter.reporters import FORMATS
    from linter.rules import PLATFORMS

    _Parser = _parser_class()
    parser = _Parser(
        prog="resilint",
        description="Find resilience defects in Terraform, Pulumi and Kubernetes before they ship.",
    )
    parser.add_argument("--version", action="version", version=f"resilint {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    scan = sub.add_parser("scan", help="scan files and directories (default: .)")
    scan.add_argument("paths", nargs="*", metavar="PATH",
                      help="files and directories (default: .); `-` reads one file from stdin")
    scan.add_argument(
        "-f", "--format", dest="reports", action="append", type=report_spec, metavar="FORMAT[:FILE]",
        help=f"report format ({', '.join(sorted(FORMATS))}; default: text), to stdout or, with :FILE, "
             "to FILE; repeat for several reports from one scan (-f text -f sarif:resilint.sarif)",
    )
    scan.add_argument("-o", "--output", metavar="FILE", help="write the report given without :FILE to FILE instead of stdout")
    scan.add_argument("--sarif-include-suppressed", action="store_true",
                      help="keep suppressed findings in SARIF, marked with `suppressions` (GitHub ignores "
                           "those and would open alerts for them: by default they are only counted)")
    scan.add_argument("--markdown-limit", type=int, default=None, metavar="BYTES",
                      help="largest Markdown report (default: 65536, a GitHub comment); rows past it are "
                           "left out and the last line says so")
    scan.add_argument(
        "--fail-on", default=None, choices=["low", "medium", "high", "critical"],
        help="exit 1 when a finding is at or above this severity (default: high)",
    )
    scan.add_argument("--select", type=_csv, action="extend", metavar="IDS", help="only these rule ids, prefixes or globs (RES1,RES503,RES10*)")
    scan.add_argument("--ignore", type=_csv, action="extend", metavar="IDS", help="skip these rule ids, prefixes or globs")
    scan.add_argument("--tf-root", metavar="DIR", help="Terraform root holding the .tf sources of a plan (for file:line)")
    _terraform_variable_flags(scan)
    scan.add_argument("--namespace", default="default", metavar="NS", help="namespace of Kubernetes objects that name none (default: default)")
    scan.add_argument("-q", "--quiet", action="store_true", help="print findings only (no source lines, no summary)")
    scan.add_argument("--statistics", action="store_true",
                      help="counts by rule instead of the findings (text, concise); on stderr beside other formats")
    scan.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings are at or above --fail-on (input errors still exit 2)")
    _color_option(scan)
    scan.add_argument("--config", metavar="FILE", help="config file (default: .resilint.yaml in the scanned directory or a parent)")
    scan.add_argument("--baseline", metavar="FILE", help="report only findings not recorded in FILE (see `resilint baseline`)")
    scan.add_argument("--policy", action="append", metavar="DIR", help="also run the custom Rego policies under DIR (repeatable)")
    _input_options(scan)

    baseline = sub.add_parser("baseline", help="record today's findings so later scans report only new ones")
    baseline.add_argument("paths", nargs="*", metavar="PATH")
    baseline.add_argument("-o", "--output", default=".resilint-baseline.json", metavar="FILE",
                          help="baseline file to write (default: .resilint-baseline.json)")
    baseline.add_argument("--select", type=_csv, action="extend", metavar="IDS", help="only these rule ids, prefixes or globs")
    baseline.add_argument("--ignore", type=_csv, action="extend", metavar="IDS", help="skip these rule ids, prefixes or globs")
    _scan_context_options(baseline)
    baseline.add_argument("--policy", action="append", metavar="DIR", help="also run the custom Rego policies under DIR (repeatable)")
    _input_options(baseline)

    zones = sub.add_parser("zones", help="what breaks when a zone fails: the failure-domain analysis")
    zones.add_argument("paths", nargs="*", metavar="PATH",
                       help="files and directories (default: .); `-` reads one file from stdin")
    zones.add_argument("-f", "--format", default="text", choices=["text", "json", "mermaid", "dot"],
                       help="text (default), json, mermaid (renders in GitHub and GitLab Markdown) or dot (Graphviz)")
    zones.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of stdout")
    _scan_context_options(zones)
    zones.set_defaults(select=None, ignore=None)
    _input_options(zones)

    rules = sub.add_parser("rules", help="list the rules (all, or those the selectors name)")
    rules.add_argument("selectors", nargs="*", metavar="SELECTOR", help="rule ids, prefixes or globs (RES3, RES10*)")
    rules.add_argument("--platform", choices=PLATFORMS, action="append", help="only rules for this platform (repeatable)")
    rules.add_argument("-f", "--format", default="text", choices=["text", "json"], help="output format (default: text)")
    _color_option(rules)
    explain = sub.add_parser("explain", help="show a rule's documentation")
    explain.add_argument("rule_id", metavar="RULE")
    _color_option(explain)
    sub.add_parser("schema", help="print the JSON Schema of the input document custom Rego policies read")
    return parser


def _scan_context_options(command: argparse.ArgumentParser) -> None:
    """What `baseline` and `zones` read their inputs with, as `scan` does (scan words its help its own way)."""
    command.add_argument("--config", metavar="FILE", help="config file (default: .resilint.yaml found as for scan)")
    command.add_argument("--tf-root", metavar="DIR", help="Terraform root holding the .tf sources of a plan")
    _terraform_variable_flags(command)
    command.add_argument("--namespace", default="default", metavar="NS", help="namespace of Kubernetes objects that name none")


def _input_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--stdin-filename", metavar="NAME",
                         help="the name stdin (`-`) has in reports and for config lookup; "
                              "with no PATH, stdin is read")
    command.add_argument("--helm-values", action="append", metavar="FILE",
                         help="values file for rendering Helm charts with `helm template` (repeatable)")
    command.add_argument("--exclude", action="append", metavar="GLOB",
                         help="do not read these files or directories (repeatable; beside the config's `exclude`): "
                              "a glob with no / names them at any depth (testdata), one with a / is relative "
                              "to the working directory (tests/fixtures)")
    command.add_argument("-v", "--verbose", action="store_true",
                         help="list the files skipped and why, and each environment a root or chart was judged in "
                              "(stderr)")


def input_paths(args: argparse.Namespace) -> list[str]:
    """The paths to scan. Like ruff: stdin is read for `-`, or for `--stdin-filename`
    with no path; otherwise no path means `.`, and piped input is left unread
    (reading it could hang on a CI runner's open stdin) with a note saying so."""
    paths: list[str] = args.paths
    if paths:
        return paths
    if args.stdin_filename:
        return ["-"]
    if _stdin_is_piped():
        print("resilint: note: scanning `.`; stdin is not read (use `resilint scan -` to scan it)", file=sys.stderr)
    return ["."]


def _stdin_is_piped() -> bool:
    import stat

    try:
        return stat.S_ISFIFO(os.fstat(sys.stdin.fileno()).st_mode)
    except (OSError, ValueError, AttributeError):
        return False


def run() -> None:
    """The `resilint` command (and `python -m linter`): `main`, then the exit.

    What a scan built is freed when `main` returns; the reference cycles left
    (module instances and their scopes) would be walked once more by the
    interpreter's last collection at exit, for nothing: the process ends.
    Frozen, they are left to the end of the process (a tenth of a big scan)."""
    code = main()
    import gc

    gc.freeze()
    sys.exit(code)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["--version"]:  # asked on every hook install: answered without building the parser
        print(f"resilint {__version__}")
        return EXIT_OK
    # `resilint PATH` is `resilint scan PATH`; `resilint rule` is a typo, not a path
    if argv and argv[0] not in COMMANDS and not argv[0].startswith("-"):
        command = _mistyped_command(argv[0])
        if command:
            print(f"resilint: error: unknown command {argv[0]!r} (did you mean `resilint {command}`?)", file=sys.stderr)
            return EXIT_ERROR
        argv.insert(0, "scan")
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_ERROR
    try:
        if args.command == "scan":
            return cmd_scan(args)
        if args.command == "zones":
            return cmd_zones(args)
        if args.command == "rules":
            return cmd_rules(args)
        if args.command == "explain":
            return cmd_explain(args.rule_id, args.color)
        if args.command == "baseline":
            return cmd_baseline(args)
        if args.command == "schema":
            return cmd_schema()
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
    return EXIT_ERROR


def _terraform_variable_flags(sub: "argparse.ArgumentParser") -> None:
    import argparse

    class _TerraformVariable(argparse.Action):
        """--var-file and --var land in one list, in the order given (Terraform applies them so)."""

        def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, value: Any,
                     option_string: str | None = None) -> None:
            kind = "file" if option_string == "--var-file" else "var"
            if kind == "var" and "=" not in value:
                parser.error(f"--var {value}: expected NAME=VALUE")
            items = list(getattr(namespace, "terraform_variables", None) or [])
            items.append((kind, value))
            namespace.terraform_variables = items

    sub.add_argument("--var-file", action=_TerraformVariable, dest="terraform_variables", metavar="FILE",
                     help="Terraform variables file for the scanned roots (repeatable, applied in order)")
    sub.add_argument("--var", action=_TerraformVariable, dest="terraform_variables", metavar="NAME=VALUE",
                     help="Terraform variable for the scanned roots (repeatable, applied in order)")


def _mistyped_command(word: str) -> str | None:
    """The command a word that names no file was probably meant to be."""
    import difflib

    if os.path.exists(word) or any(c in word for c in "./\\"):  # a path, even a missing one
        return None
    close = difflib.get_close_matches(word.lower(), COMMANDS, n=1, cutoff=0.6)
    return close[0] if close else None


def scan_options(args: argparse.Namespace) -> ScanOptions:
    from linter.config import load_for_scan

    # .resilint.yaml gives defaults; flags given on the command line win
    config = load_for_scan([args.stdin_filename if p == "-" and args.stdin_filename else p for p in args.paths],
                           getattr(args, "config", None))
    options = options_for(args, config)
    if not getattr(args, "config", None):  # else --config FILE serves every file
        options.options_for_config = lambda nested: options_for(args, nested)
    return options


def options_for(args: argparse.Namespace, config: Config) -> ScanOptions:
    """The scan options for files under `config`: its values, where no flag says otherwise."""
    from linter.engine import ScanOptions
    from linter.model import Severity
    from linter.paths import ExcludeGlob
    from linter.rule_match import Selector

    loader_options: dict[str, Any] = {"file_context": True}  # a named file is judged with its directory
    if args.tf_root:
        loader_options["tf_root"] = args.tf_root
    if args.stdin_filename:
        loader_options["stdin_filename"] = args.stdin_filename
    if args.helm_values:
        loader_options["helm_values"] = args.helm_values
    loader_options.update(_loader_options(args, config))
    return ScanOptions(
        select=[Selector(s, "--select") for s in args.select] if args.select else config.select,
        ignore=[Selector(s, "--ignore") for s in args.ignore or ()],
        fail_on=Severity.parse(getattr(args, "fail_on", None) or config.fail_on or "high"),
        default_namespace=args.namespace,
        loader_options=loader_options,
        rule_options=config.options,
        config=config,
        baseline=getattr(args, "baseline", None),
        policy_dirs=getattr(args, "policy", None) or [],
        exclude=[ExcludeGlob(glob, os.path.realpath(os.getcwd()), "--exclude") for glob in args.exclude or ()],
    )


def _loader_options(args: argparse.Namespace, config: Config) -> dict[str, Any]:
    options: dict[str, Any] = {"tf_root": args.tf_root} if args.tf_root else {}
    # .resilint.yaml's variables first, the command line's after them (they win)
    variables = list(config.terraform_variables)
    variables += getattr(args, "terraform_variables", None) or []
    if variables:
        options["terraform_variables"] = variables
    return options


def _options_or_error(args: argparse.Namespace) -> ScanOptions | None:
    from linter.model import InputError

    args.paths = input_paths(args)
    tf_root = getattr(args, "tf_root", None)
    if tf_root and not os.path.isdir(tf_root):  # else plan findings silently lose their lines
        print(f"resilint: error: --tf-root {tf_root}: not a directory", file=sys.stderr)
        return None
    try:
        return scan_options(args)
    except InputError as err:  # a bad config file: exit 2, naming the key
        print(f"resilint: error: {err}", file=sys.stderr)
        return None


def _output_overwrites_an_input(outputs: list[str], args: argparse.Namespace, options: ScanOptions,
                                result: InputsReport | None = None) -> bool:
    """`-o` resolving to something the scan reads (a scanned file, the config, the
    baseline, a policy) is a usage error: say so (exit 2) instead of destroying it."""
    from linter.output import OutputIsAnInput, check_not_an_input

    if not outputs:
        return False
    inputs = [(p, "a scanned input") for p in args.paths]
    inputs += [(f, "a scanned input") for f in (result.files if result is not None else [])]
    config_file = options.config.file if options.config is not None else None
    if config_file:
        inputs.append((config_file, "the config file"))
    if options.baseline:
        inputs.append((options.baseline, "the baseline the scan reads"))
    inputs += [(p, "a policy") for p in options.policy_dirs]
    try:
        for output in outputs:
            check_not_an_input(output, inputs)
    except OutputIsAnInput as err:
        print(f"resilint: error: {err}", file=sys.stderr)
        return True
    return False


def _run_on_inputs(args: argparse.Namespace, outputs: list[str],
                   run: Callable[[list[str], ScanOptions], R]) -> tuple[ScanOptions, R] | None:
    """The options, then `run(paths, options)` and its warnings; None (exit 2) when
    the options are bad or an output would overwrite an input (checked before the
    run and again after it, once the files it read are known)."""
    options = _options_or_error(args)
    if options is None or _output_overwrites_an_input(outputs, args, options):
        return None
    result = run(args.paths, options)
    if _output_overwrites_an_input(outputs, args, options, result):
        return None
    _print_warnings(result, args.verbose)
    return options, result


def _write_report(path: str, text: str) -> bool:
    """Write a report file atomically; False (said on stderr) when it cannot be written."""
    from linter.output import write_atomically

    try:
        write_atomically(path, text)
    except OSError as exc:
        print(f"resilint: error: cannot write the report to {path}: {exc.strerror or exc}", file=sys.stderr)
        return False
    return True


def _print_warnings(result: InputsReport, verbose: bool = False) -> None:
    """Warnings change no exit code: stderr, so reports on stdout stay parseable.
    Besides them: notes (a named file nothing recognises, a chart helm is missing
    for), and under --verbose every skipped file with its reason."""
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for note in result.notes:
        print(f"warning: {note}", file=sys.stderr)
    if verbose:
        for skipped in result.skipped:
            print(f"resilint: skipped {skipped.file}: {skipped.reason}", file=sys.stderr)
        for environment in result.environments:  # a root or chart judged once per environment
            print(f"resilint: judged with {environment}", file=sys.stderr)


def cmd_baseline(args: argparse.Namespace) -> int:
    from linter.engine import scan
    from linter.suppress import write_baseline

    ran = _run_on_inputs(args, [args.output], scan)
    if ran is None:
        return EXIT_ERROR
    _, result = ran
    try:
        count = write_baseline(result, args.output)
    except OSError as exc:
        print(f"resilint: error: cannot write the baseline to {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR
    for err in result.errors:
        print(f"error: {err}", file=sys.stderr)
    print(f"resilint: recorded {count} finding(s) in {args.output}; "
          f"`resilint scan --baseline {args.output}` now reports only new ones", file=sys.stderr)
    return EXIT_ERROR if result.errors else EXIT_OK


def cmd_scan(args: argparse.Namespace) -> int:
    from linter.engine import scan
    from linter.reporters import ReportSettings, render, statistics, summary_line
    from linter.terminal import use_color, width

    try:
        targets = report_targets(args.reports, args.output)
    except ValueError as exc:
        print(f"resilint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    ran = _run_on_inputs(args, [path for _, path in targets if path], scan)
    if ran is None:
        return EXIT_ERROR
    options, result = ran
    code = result.exit_code(options.fail_on)
    to_stdout = None
    for fmt, path in targets:
        # a report file gets colour only when asked for; a terminal gets the rich layout
        color = args.color == "always" if path else use_color(args.color, sys.stdout)
        settings = ReportSettings(
            fail_on=options.fail_on,
            color=color,
            quiet=args.quiet,
            width=None if path or not (color or sys.stdout.isatty()) else width(),
            sarif_include_suppressed=args.sarif_include_suppressed,
            markdown_limit=args.markdown_limit,
        )
        if args.statistics and fmt in HUMAN_FORMATS:
            text = statistics(result, settings)  # counts by rule instead of the findings, as in ruff
        else:
            text = render(fmt, result, settings)
        if path is None:
            to_stdout = text
            continue
        if not _write_report(path, text):
            code = EXIT_ERROR
    human_on_stdout = any(path is None and fmt in HUMAN_FORMATS for fmt, path in targets)
    if args.statistics and not any(fmt in HUMAN_FORMATS for fmt, _ in targets):
        # beside machine-readable reports only: the counts go to the terminal
        sys.stderr.write(statistics(result, ReportSettings(fail_on=options.fail_on, quiet=True)))
    if to_stdout is not None:
        sys.stdout.write(to_stdout)
        sys.stdout.flush()
    else:  # no report on the terminal: input errors must still be seen
        for err in result.errors:
            print(f"error: {err}", file=sys.stderr)
    written = [path for _, path in targets if path]
    if written and not human_on_stdout and not args.quiet:
        # the reports are in files (or stdout is machine-readable): the verdict still reaches the terminal
        print(f"{summary_line(result, settings)} (report: {', '.join(written)})", file=sys.stderr)
    return EXIT_OK if args.exit_zero and code == EXIT_FINDINGS else code


def cmd_zones(args: argparse.Namespace) -> int:
    """What stops when each zone fails. Exit 0, or 2 on an input or usage error; the
    analysis is imported here only (start-up stays light for `scan`)."""
    from linter.failure_domains.report import build_report, render

    ran = _run_on_inputs(args, [args.output] if args.output else [], build_report)
    if ran is None:
        return EXIT_ERROR
    _, report = ran
    text = render(args.format, report)
    code = EXIT_ERROR if report.errors else EXIT_OK
    if args.output:
        if not _write_report(args.output, text):
            code = EXIT_ERROR
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    for err in report.errors:
        print(f"error: {err}", file=sys.stderr)
    return code


def cmd_rules(args: argparse.Namespace) -> int:
    import json

    from linter.rule_match import matches_any, names_a_rule, unknown_message
    from linter.rules import load_rules
    from linter.terminal import use_color

    registry = load_rules()
    for selector in args.selectors:
        if not names_a_rule(selector, registry):
            print(f"resilint: error: {unknown_message(selector, registry)}", file=sys.stderr)
            return EXIT_ERROR
    rules = sorted((r for r in registry.values()
                    if (not args.selectors or matches_any(args.selectors, r.id))
                    and (not args.platform or set(args.platform) & set(r.platforms))), key=lambda r: r.id)
    if args.format == "json":
        doc = [{"id": r.id, "name": r.name, "title": r.title, "severity": str(r.severity),
                "platforms": list(r.platforms), "types": list(r.types), "formats": list(r.formats),
                "options": r.options, "docs_url": r.docs_url} for r in rules]
        print(json.dumps(doc, indent=2))
        return EXIT_OK
    color = use_color(args.color, sys.stdout)
    if color or sys.stdout.isatty():
        from linter.docs import render_rules

        sys.stdout.write(render_rules(rules, color))
    else:  # piped: one line per rule, for grep and cut
        width = max((len(r.name) for r in rules), default=4)
        print(f"{'ID':<7} {'NAME':<{width}} {'SEVERITY':<9} APPLIES TO")
        for r in rules:
            print(f"{r.id:<7} {r.name:<{width}} {str(r.severity):<9} {', '.join(r.types)}")
    return EXIT_OK


def cmd_explain(rule_id: str, color_choice: str = "auto") -> int:
    from linter.rules import load_rules
    from linter.terminal import use_color

    rules = load_rules()
    key = rule_id.strip().upper()
    found = rules.get(key) or next((r for r in rules.values() if r.name == rule_id.strip()), None)
    if found is None:
        from linter.rule_match import unknown_message

        print(f"resilint: error: unknown rule: {unknown_message(rule_id, rules)}", file=sys.stderr)
        return EXIT_ERROR
    color = use_color(color_choice, sys.stdout)
    if color or sys.stdout.isatty():
        from linter.docs import render_explain

        sys.stdout.write(render_explain(found, color))
    else:  # piped: the Markdown source
        from linter.docs import explain_markdown

        sys.stdout.write(explain_markdown(found))
    return EXIT_OK


def cmd_schema() -> int:
    from linter.rego import SCHEMA_FILE

    sys.stdout.write(SCHEMA_FILE.read_text(encoding="utf-8"))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
