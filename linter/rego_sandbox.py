"""The Rego stage in a child process: a crash or a runaway of the engine costs
the policies' findings, never the scan's.

rego-cpp is native code: a policy can make it segfault (a 55-byte one does in
regopy 1.2 to 1.5.2) or take gigabytes and minutes. Run in-process, that kills
the scan with no output at all. So the policies run in a forked child with a
CPU-time limit (`resource.setrlimit`) and a memory limit the parent watches
(rego-cpp's allocator, snmalloc, reserves far more address space than it uses
and fails to start under RLIMIT_AS or RLIMIT_DATA); it reports, before
each step that enters the engine, which policy file and rule it is running.
When the child dies, that policy is named in an input error, left out, and the
other policies run again in a new child. The built-in rules ran in the parent
and keep every finding.

Fork shares the loaded resources with the child for free (nothing is
pickled on the way in); only findings and errors come back. Scans without
policies never get here: they start no process.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from typing import TYPE_CHECKING, Any, Iterable

from linter.model import Finding, InputError, Resource

if TYPE_CHECKING:
    from linter.engine import ScanOptions

# bounds of one child: CPU seconds, and bytes of resident memory beyond what
# the scan held when it forked (a rego-cpp runaway took 2.9 GB and 16 s on a
# 10 KB policy before the parser's input was bounded)
REGO_TIME_LIMIT = 300
REGO_MEMORY_LIMIT = 4 << 30


class ContainedPolicies:
    """The policies, parsed and evaluated only in child processes.

    `load` parses them in a first child (before the inputs are loaded: the
    engine checks --select/--ignore against their ids); `evaluate` parses them
    again in a second child forked after loading, which sees the resources for
    free and sends back findings. A policy that kills or outgrows a child is an
    error naming it; it is left out and the child runs again without it.
    """

    def __init__(self, files: list[str], errors: list[InputError], time_limit: float, memory_limit: int):
        self.files = files
        self.errors = errors  # reading the policies: syntax errors, crashes, runaways
        self.rule_ids: set[str] = set()
        self.may_produce_ids = False
        self.produced_ids: set[str] = set()  # ids the results carried (set by evaluate)
        self.packages = True  # anything to evaluate (refined by load)
        self.time_limit, self.memory_limit = time_limit, memory_limit

    @classmethod
    def load(cls, paths: Iterable[str], time_limit: float = REGO_TIME_LIMIT,
             memory_limit: int = REGO_MEMORY_LIMIT) -> "ContainedPolicies":
        from linter.rego import discover

        files, errors = discover(paths)
        policies = cls(files, errors, time_limit, memory_limit)
        payload = policies._run(_load_job, ())
        if payload is not None:
            rule_ids, may_produce, has_packages, load_errors = payload
            policies.rule_ids, policies.may_produce_ids, policies.packages = rule_ids, may_produce, has_packages
            policies.errors += _errors(load_errors)
        return policies

    def evaluate(self, resources: list[Resource],
                 options: ScanOptions | None = None) -> tuple[list[Finding], list[InputError]]:
        if not self.files or not self.packages:
            return [], []
        errors_before = len(self.errors)
        payload = self._run(_evaluate_job, (resources, options))
        crashes = self.errors[errors_before:]  # a policy that crashed only on this input
        del self.errors[errors_before:]
        if payload is None:
            return [], crashes
        findings, evaluation_errors, produced = payload
        self.produced_ids |= produced
        return findings, crashes + _errors(evaluation_errors)

    def _run(self, job: Any, args: tuple[Any, ...]) -> Any:
        """Run `job(files, *args)` in a child until it finishes, leaving out each
        policy that crashes or outgrows it; its payload, or None when none is left."""
        while self.files:
            outcome = _run_child(job, (self.files, *args), self.time_limit, self.memory_limit)
            if outcome.done:
                return outcome.payload
            file, line, what = outcome.stage or (self.files[0], None, "starting")
            self.errors.append(InputError(file, f"the Rego engine {outcome.failure} while {what}: this policy "
                                          "is left out (the built-in rules and other policies still ran)", line))
            if file not in self.files:  # not a policy file we can leave out: stop here
                self.files = []
            else:
                self.files = [f for f in self.files if f != file]
        return None


def run_policies_contained(
    paths: Iterable[str], resources: list[Resource], options: ScanOptions | None = None,
    time_limit: float = REGO_TIME_LIMIT, memory_limit: int = REGO_MEMORY_LIMIT,
) -> tuple[list[Finding], list[InputError]]:
    """Load and evaluate in bounded children: findings and every error."""
    policies = ContainedPolicies.load(paths, time_limit, memory_limit)
    findings, errors = policies.evaluate(resources, options)
    return findings, policies.errors + errors


def _errors(dicts: list[dict[str, Any]]) -> list[InputError]:
    return [InputError(e["file"], e["message"], e["line"]) for e in dicts]


def _load_job(files: list[str]) -> tuple[Any, ...]:
    from linter.rego import load_policies

    policies = load_policies(files)
    return (policies.rule_ids, policies.may_produce_ids, bool(policies.packages),
            [e.to_dict() for e in policies.errors])


def _evaluate_job(files: list[str], resources: list[Resource], options: ScanOptions | None) -> tuple[Any, ...]:
    from linter.rego import evaluate, load_policies

    policies = load_policies(files)  # its load errors were reported by _load_job
    findings, errors = evaluate(policies, resources, options) if policies.packages else ([], [])
    return findings, [e.to_dict() for e in errors], policies.produced_ids


class _Outcome:
    def __init__(self) -> None:
        self.done = False
        self.payload: Any = None
        self.stage: tuple[str, int | None, str] | None = None
        self.failure = "stopped"


def _run_child(job: Any, args: tuple[Any, ...], time_limit: float, memory_limit: int) -> _Outcome:
    import multiprocessing

    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    for stream in (sys.stdout, sys.stderr):  # else the child flushes our buffered text again
        stream.flush()
    child = context.Process(target=_child_main, args=(sender, job, args, time_limit, memory_limit), daemon=True)
    child.start()
    sender.close()
    outcome = _Outcome()
    rss_limit = _resident_bytes(os.getpid()) + memory_limit
    # the CPU limit stops a busy engine; the wall-clock one also stops a blocked one
    deadline = time.monotonic() + 2 * time_limit + 5
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                outcome.failure = f"ran past {time_limit:g} s"
                break
            if not receiver.poll(min(left, 0.1)):
                if child.pid is not None and _resident_bytes(child.pid) > rss_limit:
                    outcome.failure = f"took over {memory_limit >> 20} MiB of memory"
                    break
                if child.is_alive():
                    continue
                if not receiver.poll(0):
                    break
            try:
                message = receiver.recv()
            except (EOFError, OSError):
                break
            if message[0] == "stage":
                outcome.stage = message[1]
            elif message[0] == "done":
                outcome.done, outcome.payload = True, message[1]
                break
            elif message[0] == "failed":
                outcome.failure = message[1]
                break
    finally:
        receiver.close()
        if child.is_alive() and not outcome.done:
            child.kill()
        child.join(10)
    if not outcome.done and outcome.failure == "stopped":
        outcome.failure = _how_it_died(child.exitcode, time_limit)
    return outcome


def _how_it_died(exitcode: int | None, time_limit: float) -> str:
    if exitcode is None or exitcode >= 0:
        return f"stopped (exit status {exitcode})"
    signum = -exitcode
    if signum == signal.SIGXCPU:
        return f"ran past {time_limit:g} s of CPU time"
    try:
        name = signal.Signals(signum).name
    except ValueError:
        name = f"signal {signum}"
    return f"crashed ({name})"


def _child_main(sender: Any, job: Any, args: tuple[Any, ...], time_limit: float, memory_limit: int) -> None:
    _limit_cpu(time_limit)
    from linter import rego

    rego.on_stage = lambda file, line, what: sender.send(("stage", (file, line, what)))
    try:
        sender.send(("done", job(*args)))
    except MemoryError:
        sender.send(("failed", f"ran out of memory (over {memory_limit >> 20} MiB)"))
    except Exception as exc:  # a bug of ours must not look like the policy's
        sender.send(("failed", f"failed ({type(exc).__name__}: {str(exc)[:200]})"))
    finally:
        sender.close()


def _limit_cpu(time_limit: float) -> None:
    try:
        import resource
    except ImportError:  # not POSIX: the parent's wall-clock limit still applies
        return
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (int(time_limit) + 1, int(time_limit) + 2))
    except (ValueError, OSError):
        pass


def _resident_bytes(pid: int) -> int:
    """Resident memory of a process (Linux /proc); 0 where it cannot be read."""
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0
