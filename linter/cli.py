"""Command line: `resilint scan`, `rules`, `explain`.

Start-up is paid on every commit, so this module imports only the standard
library at the top; loaders, rules and reporters are imported when used.
Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it;
2 usage or input error (2 wins).
"""

from __future__ import annotations

import argparse
import os
import sys

from linter import __version__

COMMANDS = ("scan", "rules", "explain", "baseline", "schema")
EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors exit 2, like input errors
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message}\n")


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def report_spec(value: str) -> tuple[str, str | None]:
    """`FORMAT` or `FORMAT:FILE` (split at the first colon, so `sarif:C:\\out.sarif` works)."""
    from linter.reporters import FORMATS

    fmt, colon, path = value.partition(":")
    fmt = fmt.strip()
    if fmt not in FORMATS:
        raise argparse.ArgumentTypeError(
            f"unknown format {fmt!r} (choose from {', '.join(sorted(FORMATS))}; FORMAT:FILE writes to FILE)")
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

    parser = _Parser(
        prog="resilint",
        description="Find resilience defects in Terraform, Pulumi and Kubernetes before they ship.",
    )
    parser.add_argument("--version", action="version", version=f"resilint {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    scan = sub.add_parser("scan", help="scan files and directories (default: .)")
    scan.add_argument("paths", nargs="*", default=["."], metavar="PATH")
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
    scan.add_argument("--namespace", default="default", metavar="NS", help="namespace of Kubernetes objects that name none (default: default)")
    scan.add_argument("-q", "--quiet", action="store_true", help="print findings only (no source lines, no summary)")
    scan.add_argument("--config", metavar="FILE", help="config file (default: .resilint.yaml in the scanned directory or a parent)")
    scan.add_argument("--baseline", metavar="FILE", help="report only findings not recorded in FILE (see `resilint baseline`)")
    scan.add_argument("--policy", action="append", metavar="DIR", help="also run the custom Rego policies under DIR (repeatable)")

    baseline = sub.add_parser("baseline", help="record today's findings so later scans report only new ones")
    baseline.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    baseline.add_argument("-o", "--output", default=".resilint-baseline.json", metavar="FILE",
                          help="baseline file to write (default: .resilint-baseline.json)")
    baseline.add_argument("--config", metavar="FILE", help="config file (default: .resilint.yaml found as for scan)")
    baseline.add_argument("--select", type=_csv, action="extend", metavar="IDS", help="only these rule ids, prefixes or globs")
    baseline.add_argument("--ignore", type=_csv, action="extend", metavar="IDS", help="skip these rule ids, prefixes or globs")
    baseline.add_argument("--tf-root", metavar="DIR", help="Terraform root holding the .tf sources of a plan")
    baseline.add_argument("--namespace", default="default", metavar="NS", help="namespace of Kubernetes objects that name none")
    baseline.add_argument("--policy", action="append", metavar="DIR", help="also run the custom Rego policies under DIR (repeatable)")

    sub.add_parser("rules", help="list every rule")
    explain = sub.add_parser("explain", help="show a rule's documentation")
    explain.add_argument("rule_id", metavar="RULE")
    sub.add_parser("schema", help="print the JSON Schema of the input document custom Rego policies read")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # `resilint PATH` is `resilint scan PATH`
    if argv and argv[0] not in COMMANDS and not argv[0].startswith("-"):
        argv.insert(0, "scan")
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_ERROR
    try:
        if args.command == "scan":
            return cmd_scan(args)
        if args.command == "rules":
            return cmd_rules()
        if args.command == "explain":
            return cmd_explain(args.rule_id)
        if args.command == "baseline":
            return cmd_baseline(args)
        if args.command == "schema":
            return cmd_schema()
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
    return EXIT_ERROR


def scan_options(args: argparse.Namespace):
    from linter.config import load_for_scan
    from linter.engine import ScanOptions
    from linter.model import Severity
    from linter.rule_match import Selector

    # .resilint.yaml gives defaults; flags given on the command line win
    config = load_for_scan(args.paths, getattr(args, "config", None))
    return ScanOptions(
        select=[Selector(s, "--select") for s in args.select] if args.select else config.select,
        ignore=[Selector(s, "--ignore") for s in args.ignore or ()],
        fail_on=Severity.parse(getattr(args, "fail_on", None) or config.fail_on or "high"),
        default_namespace=args.namespace,
        loader_options={"tf_root": args.tf_root} if args.tf_root else {},
        rule_options=config.options,
        config=config,
        baseline=getattr(args, "baseline", None),
        policy_dirs=getattr(args, "policy", None) or [],
    )


def _options_or_error(args: argparse.Namespace):
    from linter.model import InputError

    tf_root = getattr(args, "tf_root", None)
    if tf_root and not os.path.isdir(tf_root):  # else plan findings silently lose their lines
        print(f"resilint: error: --tf-root {tf_root}: not a directory", file=sys.stderr)
        return None
    try:
        return scan_options(args)
    except InputError as err:  # a bad config file: exit 2, naming the key
        print(f"resilint: error: {err}", file=sys.stderr)
        return None


def _output_overwrites_an_input(outputs: list[str], args: argparse.Namespace, options, result=None) -> bool:
    """`-o` resolving to something the scan reads (a scanned file, the config, the
    baseline, a policy) is a usage error: say so (exit 2) instead of destroying it."""
    from linter.output import OutputIsAnInput, check_not_an_input

    if not outputs:
        return False
    inputs = [(p, "a scanned input") for p in args.paths]
    inputs += [(f, "a scanned input") for f in (result.files if result is not None else [])]
    config_file = getattr(options.config, "file", None)
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


def _print_warnings(result) -> None:
    """Warnings change no exit code: stderr, so reports on stdout stay parseable."""
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)


def cmd_baseline(args: argparse.Namespace) -> int:
    from linter.engine import scan
    from linter.suppress import write_baseline

    options = _options_or_error(args)
    if options is None or _output_overwrites_an_input([args.output], args, options):
        return EXIT_ERROR
    result = scan(args.paths, options)
    if _output_overwrites_an_input([args.output], args, options, result):
        return EXIT_ERROR
    _print_warnings(result)
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
    from linter.output import write_atomically
    from linter.reporters import ReportSettings, render

    try:
        targets = report_targets(args.reports, args.output)
    except ValueError as exc:
        print(f"resilint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    options = _options_or_error(args)
    outputs = [path for _, path in targets if path]
    if options is None or _output_overwrites_an_input(outputs, args, options):
        return EXIT_ERROR
    result = scan(args.paths, options)
    if _output_overwrites_an_input(outputs, args, options, result):
        return EXIT_ERROR
    _print_warnings(result)
    code = result.exit_code(options.fail_on)
    to_stdout = None
    for fmt, path in targets:
        settings = ReportSettings(
            fail_on=options.fail_on,
            color=path is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ,
            quiet=args.quiet,
            sarif_include_suppressed=args.sarif_include_suppressed,
            markdown_limit=args.markdown_limit,
        )
        text = render(fmt, result, settings)
        if path is None:
            to_stdout = text
            continue
        try:
            write_atomically(path, text)
        except OSError as exc:
            print(f"resilint: error: cannot write the report to {path}: {exc.strerror or exc}", file=sys.stderr)
            code = EXIT_ERROR
    if to_stdout is not None:
        sys.stdout.write(to_stdout)
        sys.stdout.flush()
    else:  # no report on the terminal: input errors must still be seen
        for err in result.errors:
            print(f"error: {err}", file=sys.stderr)
    return code


def cmd_rules() -> int:
    from linter.rules import load_rules

    rules = sorted(load_rules().values(), key=lambda r: r.id)
    if sys.stdout.isatty() and "NO_COLOR" not in os.environ:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"resilint rules ({len(rules)})")
        for col in ("ID", "Name", "Severity", "Applies to"):
            table.add_column(col)
        for r in rules:
            table.add_row(r.id, r.name, str(r.severity), ", ".join(r.types))
        Console().print(table)
    else:
        width = max((len(r.name) for r in rules), default=4)
        print(f"{'ID':<7} {'NAME':<{width}} {'SEVERITY':<9} APPLIES TO")
        for r in rules:
            print(f"{r.id:<7} {r.name:<{width}} {str(r.severity):<9} {', '.join(r.types)}")
    return EXIT_OK


def cmd_explain(rule_id: str) -> int:
    from linter.rules import load_rules

    rules = load_rules()
    key = rule_id.strip().upper()
    found = rules.get(key) or next((r for r in rules.values() if r.name == rule_id.strip()), None)
    if found is None:
        print(f"resilint: unknown rule {rule_id!r} (see `resilint rules`)", file=sys.stderr)
        return EXIT_ERROR
    sections = found.sections()
    out = [f"{found.id} {found.name} ({found.severity})", found.title, "",
           f"Applies to: {', '.join(found.types)}", ""]
    for heading in ("What it does", "Why is this bad?", "Example", "Use instead"):
        out += [f"## {heading}", sections.get(heading, "").rstrip(), ""]
    out += [f"Fix: {found.remediation}", f"Docs: {found.docs_url}"]
    print("\n".join(out))
    return EXIT_OK


def cmd_schema() -> int:
    from linter.rego import SCHEMA_FILE

    sys.stdout.write(SCHEMA_FILE.read_text(encoding="utf-8"))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
