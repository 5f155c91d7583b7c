"""Run code-card snippets: a warm worker with torch imported forks one sandboxed child each.

The calling process never imports torch. `Worker` starts `python -m quizzer.runner`, which
imports torch (and numpy) once, sets torch to one thread (a forked child hangs on a used
OpenMP pool otherwise), warms up the common code paths, backs its heap with huge pages (a
fork copies 512 times fewer page-table entries) and then forks a child per snippet. The two
talk JSON lines over pipes. A fresh `python -c` per snippet costs ~1.3 s of torch import; a
forked child ~7-10 ms of the machine's time. A module that a snippet imports slowly and that
is safe to hold (torch._dynamo, which an optimizer's first step imports in ~2 s; sympy,
scipy, pandas, matplotlib) is imported by the worker after the first child that needed it.

What a snippet's result is
    `output` is what it printed to stdout, trailing whitespace trimmed per line and at the end;
    if it raised (anything, including `SystemExit` and `KeyboardInterrupt`), a last line
    `ExceptionType: message` (no traceback; a syntax error is `SyntaxError: msg (line N)`; a
    private class's leading underscore is dropped, so torch's `_LinAlgError` reads
    `LinAlgError`; an exception without a message is its type alone). `stderr` (warnings; cut
    at 16 KiB) is returned apart and never compared. `status` is "ok" (ran to the end or
    raised; `detail` notes a hit memory limit), "timeout" (wall-clock or CPU limit; `output` is
    what it printed until then) or "crashed" (the process ended without finishing:
    `os._exit`, a signal, too many processes, a dead or closed worker); `detail` says which.
    The snippet runs with `exec` in a fresh namespace holding only `torch`, with `__name__ ==
    "__main__"`, in an empty temporary folder as working directory (also `TMPDIR`), stdin
    empty (`input()` raises EOFError), stdout line-buffered UTF-8.

What the sandbox protects against (each point is a test in tests/test_runner_sandbox.py)
    - Runaway code: a wall-clock timeout (default 5 s) kills the child's process group; a CPU
      time limit (RLIMIT_CPU, timeout + 1 s) backs it up.
    - Memory: RLIMIT_AS at the worker's own size plus `memory_limit` (default 2 GiB), so a
      50 GB allocation fails inside the snippet (`RuntimeError` from torch, `MemoryError` in
      Python) instead of taking the machine.
    - Endless output: stdout and stderr go to files the worker opened (unnamed, in the
      child's folder) and RLIMIT_FSIZE stops each at 1 MiB (`OSError: [Errno 27] File too
      large`). No core dumps (RLIMIT_CORE 0).
    - The network: the worker lives in its own network namespace (no interface but a loopback
      that is down), made once for the worker rather than per child: the same protection
      without ~1 ms per snippet. Landlock (ABI >= 4) also denies TCP bind and connect.
    - Writes to the file system: Landlock lets a child create, change or delete files only
      inside its own temporary folder, the worker's own /dev/shm (a 256 MiB tmpfs in its
      mount namespace, for multiprocessing and DataLoader workers; emptied after each run)
      and /dev/null, also through a shell it starts. The folder is removed after the
      snippet, the worker's folder when it stops.
    - Processes: the worker is process 1 of its own PID namespace with a /proc of its own
      (a mount namespace), so a snippet sees only the worker's processes, every process a
      snippet starts (even after `setsid()`) is killed when the run ends and dies with the
      worker, and a snippet cannot kill the worker with a signal (the kernel ignores signals
      sent to a namespace's init from inside it; Landlock ABI >= 6 also scopes signals to the
      child's own domain). A watchdog counts each snippet's process group every 50 ms and
      kills one that holds more than 64 processes (a fork loop): "crashed". The namespace's
      own `pid_max` (kernel >= 6.14) caps all its processes and threads at ~500 regardless.
      Each child has its own process group and `PR_SET_PDEATHSIG`, so it dies with the worker.
    - State leaking between cards: each snippet runs in a fresh fork, so `torch.manual_seed`,
      `set_default_dtype`, `set_printoptions`, globals and imports do not reach the next card.
      The random generators (torch, numpy, random) are reseeded from `os.urandom`, so an
      unseeded `torch.rand` differs between runs as in a fresh Python. Warnings already shown
      by the worker show again. Inherited file descriptors are closed.
    - A dead worker: the client notices, restarts it, runs the snippets that were running one
      at a time and reports "crashed" only for the one that kills the worker again alone.

What it does not protect against
    - It is not a security boundary against a determined attacker: there is no seccomp filter,
      every system call is available (kernel exploits included), and the child runs as the
      calling user (root stays root; Landlock and the namespaces are what confine it).
    - Reads are not confined: a snippet can read every file the user can (the home folder,
      keys) and print it into a card's output.
    - Limits are per process: CPU time, address space and file size apply to each process, not
      to a snippet's processes together; a snippet can fill the disk with many 1 MiB files in
      its folder until it ends. Up to `jobs` snippets run at once and share the cores, so a
      snippet near its time limit can time out on a busy machine.
    - Kernel features are used when present; what is missing is said once in `Worker.notes`.
      Without user namespaces (or CAP_SYS_ADMIN as root) there is no network or PID namespace:
      snippets reach the network over UDP, and if the worker itself is killed a process a
      snippet detached with `setsid()` may survive it (the worker is then a subreaper and kills
      orphans at the end of each run). Without Landlock, writes are not confined and without
      its ABI 6 a snippet can signal the worker when there is no PID namespace. Without a
      per-namespace `pid_max` (and as root, where RLIMIT_NPROC does not apply) only the
      watchdog limits processes, and a fork loop whose processes call `setsid()` evades it.
    - Outputs that depend on the machine (timings, addresses, `torch.empty` contents, float
      sums with another thread count) are whatever they are; the worker runs torch with one
      thread so results are reproducible on this machine, and `run_twice` exposes what differs
      between two processes.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import math
import os
import queue
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quizzer.errors import QuizzerError

DEFAULT_TIMEOUT = 5.0
DEFAULT_MEMORY_LIMIT = 2 * 1024**3  # bytes of address space above the worker's own size
OUTPUT_LIMIT = 1024 * 1024  # RLIMIT_FSIZE of the stdout and stderr files
STDERR_SHOWN = 16 * 1024  # stderr beyond this is cut (it is only shown to the author)
PID_MAX = 512  # processes (and threads) in the worker's PID namespace, the kernel's minimum is 301
MAX_PROCESSES = 64  # a snippet with more processes at once is killed (a fork loop)
PROCESS_CHECK_INTERVAL = 0.05  # seconds between two counts of the snippets' processes
SHM_SIZE = 256 * 1024**2  # bytes of the worker's own /dev/shm

ENVIRONMENT_KEYS = ("torch", "torch_git", "numpy", "python", "machine", "cpu_capability")


@dataclass(frozen=True)
class SnippetResult:
    """What one snippet did.

    `status` is "ok" (ran to the end, or raised: the exception is the last output line),
    "timeout" (killed at the wall-clock or CPU-time limit) or "crashed" (the process ended
    without finishing: `os._exit`, a fatal signal, too many processes, it killed the worker,
    or the worker was closed). `detail` is a sentence for "timeout" and "crashed" (and for an
    "ok" that hit the memory limit), "" otherwise.
    """

    key: str
    status: str
    output: str
    stderr: str
    seconds: float
    detail: str = ""


class RunnerError(QuizzerError):
    """The worker cannot start or keeps dying; `str(error)` is a sentence for the user."""


def installed_torch_version() -> str | None:
    """torch's version from package metadata, without importing torch; None if not installed."""
    from importlib import metadata

    try:
        return metadata.version("torch")
    except metadata.PackageNotFoundError:
        return None


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def default_jobs() -> int:
    """Snippets one worker runs at once: the cores this process may use, plus two.

    Forking a process that holds torch takes ~4 ms and is serial, so children in flight
    beyond the cores keep the cores busy. Measured on 2 cores, 100 snippets in one worker:
    2 jobs ~13.5 ms a snippet, 3 ~12, 4 ~10.5, 5 ~10.5, 6 ~12.
    """
    return _cores() + 2


def trim_output(text: str) -> str:
    """Text with trailing whitespace removed from every line and trailing empty lines dropped."""
    return "\n".join(line.rstrip() for line in text.split("\n")).rstrip("\n")


# --------------------------------------------------------------------------------------------
# Client side: runs in the calling process, never imports torch.
# --------------------------------------------------------------------------------------------

_EOF = object()  # the reader thread's marker: the worker closed its stdout (it died or ended)


class Worker:
    """A warm process with torch imported that forks one sandboxed child per snippet.

    Use as a context manager: entering starts the process and waits until torch is imported
    and warm (~1.5 s); leaving stops it and removes its temporary folders. `environment` says
    what produced the outputs, `notes` which sandbox features are missing on this machine,
    `restarts` how often the worker died and was started again.
    """

    def __init__(
        self,
        *,
        jobs: int | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        memory_limit: int = DEFAULT_MEMORY_LIMIT,
    ) -> None:
        if jobs is not None and jobs < 1:
            raise ValueError("jobs must be at least 1")
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self.jobs = jobs or default_jobs()
        self.timeout = float(timeout)
        self.memory_limit = int(memory_limit)
        self.environment: dict[str, str] = {}
        self.notes: list[str] = []
        self.restarts = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._messages: queue.Queue[Any] = queue.Queue()
        self._stderr_tail: deque[str] = deque(maxlen=50)
        self._threads: list[threading.Thread] = []
        self._tmp: str | None = None
        self._next_id = 0
        self._closing = False  # close() was called: a running run() must not restart it

    # -- life cycle -----------------------------------------------------------------------

    def __enter__(self) -> Worker:
        self.start()
        try:
            self.wait_ready()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def pid(self) -> int | None:
        """The process id of the worker process the client started (None when stopped)."""
        return self._proc.pid if self._proc is not None else None

    def start(self) -> None:
        """Start the worker process without waiting for it (see `wait_ready`)."""
        if self._proc is not None:
            raise RuntimeError("the worker is already started")
        self._closing = False
        package_parent = str(Path(__file__).resolve().parent.parent)
        env = dict(os.environ)
        env["MALLOC_ARENA_MAX"] = "1"  # extra malloc arenas would exhaust RLIMIT_AS
        env["OMP_NUM_THREADS"] = "1"
        env.pop("PYTHONHASHSEED", None)  # each worker must hash strings its own way
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (package_parent, env.get("PYTHONPATH", "")) if p
        )
        command = [
            sys.executable,
            "-P",  # the caller's folder must not shadow torch or quizzer
            "-m",
            "quizzer.runner",
            "--jobs",
            str(self.jobs),
            "--timeout",
            repr(self.timeout),
            "--memory-limit",
            str(self.memory_limit),
        ]
        self._messages = queue.Queue()
        try:
            self._proc = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
                cwd=tempfile.gettempdir(),
                start_new_session=True,  # Ctrl-C in the terminal must not reach it
            )
        except OSError as e:
            raise RunnerError(f"cannot start the torch worker ({sys.executable}): {e}") from e
        proc = self._proc
        self._threads = [
            threading.Thread(target=self._read_stdout, args=(proc,), daemon=True),
            threading.Thread(target=self._read_stderr, args=(proc,), daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def wait_ready(self, limit: float = 120.0) -> None:
        """Wait until the worker has imported torch; raise RunnerError if it cannot."""
        deadline = time.monotonic() + limit
        while True:
            try:
                message = self._messages.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self._kill()
                raise RunnerError(
                    f"the torch worker did not start within {limit:g} s{self._stderr_hint()}"
                ) from None
            if message is _EOF:
                self._kill()
                raise RunnerError(f"the torch worker stopped while starting{self._stderr_hint()}")
            kind = message.get("type")
            if kind == "error":
                self._kill()
                raise RunnerError(message["message"])
            if kind == "ready":
                self.environment = {k: str(message["environment"][k]) for k in ENVIRONMENT_KEYS}
                for note in message["notes"]:
                    if note not in self.notes:
                        self.notes.append(note)
                self._tmp = message["tmp"]
                return

    def close(self) -> None:
        """Stop the worker: nothing it started is left running and its folders are removed."""
        proc = self._proc
        if proc is None:
            return
        self._closing = True
        self._ask_to_stop()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._kill()
        self._kill()
        self._proc = None

    def _ask_to_stop(self) -> None:
        """Close the worker's input: it kills its children, cleans up and exits."""
        proc = self._proc
        with contextlib.suppress(OSError):
            if proc is not None and proc.stdin is not None:
                proc.stdin.close()

    def _kill(self) -> None:
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:  # a reaped pid may belong to someone else by now
            with contextlib.suppress(OSError):
                proc.kill()  # its children die with it (PR_SET_PDEATHSIG, PID namespace)
        proc.wait()
        for thread in self._threads:
            thread.join(timeout=5)
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            with contextlib.suppress(OSError):
                if stream is not None:
                    stream.close()
        if self._tmp is not None:
            # a worker killed by a signal cannot remove its own temporary folders
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def _restart(self) -> None:
        self._kill()
        self._proc = None
        self.restarts += 1
        self.start()
        try:
            self.wait_ready()
        except BaseException:
            self._kill()
            self._proc = None
            raise

    def _read_stdout(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        messages = self._messages
        for line in proc.stdout:
            try:
                messages.put(json.loads(line))
            except ValueError:
                self._stderr_tail.append(line.decode("utf-8", "replace"))
        messages.put(_EOF)

    def _read_stderr(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            self._stderr_tail.append(line.decode("utf-8", "replace"))

    def _stderr_hint(self) -> str:
        lines = [line.strip() for line in self._stderr_tail if line.strip()]
        return f": {lines[-1]}" if lines else ""

    def _send(self, message: dict[str, Any]) -> bool:
        proc = self._proc
        if proc is None or proc.stdin is None:
            return False
        try:
            proc.stdin.write(json.dumps(message).encode() + b"\n")
            proc.stdin.flush()
        except (OSError, ValueError):
            return False  # it died; the reader thread reports the end
        return True

    # -- running --------------------------------------------------------------------------

    def run(
        self,
        snippets: Iterable[tuple[str, str]],
        on_result: Callable[[SnippetResult], None] | None = None,
    ) -> list[SnippetResult]:
        """Run (key, code) pairs, `jobs` at a time; the results come back in input order.

        `on_result` is called with each result as it arrives (in completion order). When the
        run ends, no process started by a snippet is left running. If the worker dies, it is
        restarted: the snippets that were running are run again one at a time, and a snippet
        that kills the worker again when alone is reported "crashed".
        """
        if self._proc is None:
            raise RuntimeError("the worker is not started: use `with Worker() as worker:`")
        items = list(snippets)
        results: list[SnippetResult | None] = [None] * len(items)
        pending: deque[int] = deque(range(len(items)))
        suspects: deque[int] = deque()  # running when the worker died: re-run one at a time
        inflight: dict[int, int] = {}  # message id -> item index
        started: set[int] = set()
        solo: int | None = None  # message id of a suspect running alone
        window = self.jobs + 2  # a few queued in the worker so it never waits for us
        deaths_without_progress = 0
        quiet_limit = self.timeout * 3 + 30  # no message for this long: the worker hangs

        def finish(index: int, result: SnippetResult) -> None:
            results[index] = result
            if on_result is not None:
                on_result(result)

        def send(index: int) -> int:
            mid = self._next_id
            self._next_id += 1
            inflight[mid] = index
            self._send({"op": "run", "id": mid, "code": items[index][1]})
            return mid

        remaining = len(items)
        while remaining:
            if suspects or solo is not None:
                if not inflight:
                    solo = send(suspects.popleft())
            else:
                while pending and len(inflight) < window:
                    send(pending.popleft())
            try:
                message = self._messages.get(timeout=quiet_limit)
            except queue.Empty:
                message = _EOF
                self._kill()  # hung: treat it as dead
            if message is _EOF and self._closing:
                # closed from another thread (the program is quitting): no restart
                for index in [*inflight.values(), *suspects, *pending]:
                    finish(index, _not_run_result(items[index][0]))
                return [r for r in results if r is not None]
            if message is _EOF:
                guilty = solo is not None and solo in inflight and solo in started
                progress = guilty
                for mid, index in sorted(inflight.items()):
                    if guilty and mid == solo:
                        key = items[index][0]
                        finish(index, _worker_died_result(key))
                        remaining -= 1
                    elif mid in started:
                        suspects.append(index)
                        progress = True
                    elif mid == solo:
                        suspects.appendleft(index)
                    else:
                        pending.appendleft(index)
                inflight.clear()
                started.clear()
                solo = None
                deaths_without_progress = 0 if progress else deaths_without_progress + 1
                if deaths_without_progress >= 3:
                    raise RunnerError(f"the torch worker keeps dying{self._stderr_hint()}")
                self._restart()
                continue
            kind = message.get("type")
            if kind in ("started", "result") and message["id"] not in inflight:
                continue  # left over from a run that was interrupted (e.g. on_result raised)
            if kind == "started":
                started.add(message["id"])
            elif kind == "result":
                index = inflight.pop(message["id"])
                started.discard(message["id"])
                if message["id"] == solo:
                    solo = None
                finish(
                    index,
                    SnippetResult(
                        key=items[index][0],
                        status=message["status"],
                        output=message["output"],
                        stderr=message["stderr"],
                        seconds=message["seconds"],
                        detail=message["detail"],
                    ),
                )
                remaining -= 1
                deaths_without_progress = 0
            elif kind == "error":
                self._kill()
                raise RunnerError(message["message"])
        self._sweep()
        return [r for r in results if r is not None]

    def _sweep(self) -> None:
        """Ask the worker to kill whatever snippets left running, and wait until it has."""
        if not self._send({"op": "sweep"}):
            return
        while True:
            try:
                message = self._messages.get(timeout=10)
            except queue.Empty:
                return
            if message is _EOF:
                self._messages.put(_EOF)  # the next run sees the death and restarts
                return
            if message.get("type") == "swept":
                return


def _not_run_result(key: str) -> SnippetResult:
    return SnippetResult(key, "crashed", "", "", 0.0, "not run: the worker was closed")


def _worker_died_result(key: str) -> SnippetResult:
    return SnippetResult(
        key=key,
        status="crashed",
        output="",
        stderr="",
        seconds=0.0,
        detail=(
            "the worker process died while this snippet ran, also when it ran alone "
            "(did it kill its parent process?); the worker was restarted"
        ),
    )


def run_twice(
    snippets: Sequence[tuple[str, str]],
    *,
    jobs: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    on_result: Callable[[int, SnippetResult], None] | None = None,
    notes: list[str] | None = None,
) -> tuple[list[SnippetResult], list[SnippetResult], dict[str, str]]:
    """Run every snippet in two separate worker processes at once (run index 0 and 1).

    Some non-determinism shows only between different parent processes (`torch.empty`
    contents, `id()`, addresses, `hash(str)`), so each worker is its own process. `jobs` is
    per worker (default: half the cores plus two). Returns both result lists in input order
    and the environment. `on_result(run_index, result)` is called as results arrive, never
    from two threads at once. If `notes` is a list, the sandbox's missing features
    (`Worker.notes`) are appended to it. Raises RunnerError if a worker cannot start.
    """
    items = list(snippets)
    # two workers share the cores: about as many children in flight in all as one would use
    jobs = jobs or _cores() // 2 + 2
    workers = [Worker(jobs=jobs, timeout=timeout), Worker(jobs=jobs, timeout=timeout)]
    lock = threading.Lock()
    outcomes: list[list[SnippetResult]] = [[], []]
    errors: list[BaseException] = []

    def report(index: int) -> Callable[[SnippetResult], None] | None:
        if on_result is None:
            return None

        def call(result: SnippetResult) -> None:
            with lock:
                on_result(index, result)

        return call

    def work(index: int) -> None:
        try:
            workers[index].wait_ready()  # each begins as soon as it is warm
            outcomes[index] = workers[index].run(items, report(index))
        except BaseException as e:
            errors.append(e)

    try:
        for worker in workers:
            worker.start()  # both import torch at the same time
        threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for worker in workers:
            worker._ask_to_stop()  # both stop at once
        for worker in workers:
            worker.close()
    if notes is not None:
        notes.extend(note for note in workers[0].notes if note not in notes)
    if errors:
        raise errors[0]
    return outcomes[0], outcomes[1], workers[0].environment


# --------------------------------------------------------------------------------------------
# Worker side: runs in `python -m quizzer.runner`. Only this part imports torch.
# --------------------------------------------------------------------------------------------

_CLONE_NEWNET = 0x40000000
_CLONE_NEWPID = 0x20000000
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNS = 0x00020000
_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
_PR_SET_NO_NEW_PRIVS = 38

# Landlock (linux/landlock.h); the syscall numbers are the same on every architecture.
_SYS_LANDLOCK_CREATE_RULESET = 444
_SYS_LANDLOCK_ADD_RULE = 445
_SYS_LANDLOCK_RESTRICT_SELF = 446
_LANDLOCK_CREATE_RULESET_VERSION = 1
_LANDLOCK_RULE_PATH_BENEATH = 1
_FS_WRITE_FILE = 1 << 1
_FS_REMOVE_DIR = 1 << 4
_FS_REMOVE_FILE = 1 << 5
_FS_MAKE_ALL = sum(1 << bit for bit in range(6, 13))  # char, dir, reg, sock, fifo, block, sym
_FS_REFER = 1 << 13  # ABI 2
_FS_TRUNCATE = 1 << 14  # ABI 3
_FS_IOCTL_DEV = 1 << 15  # ABI 5
_NET_BIND_TCP = 1 << 0  # ABI 4
_NET_CONNECT_TCP = 1 << 1
_SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0  # ABI 6
_SCOPE_SIGNAL = 1 << 1


class _RulesetAttr(ctypes.Structure):
    _fields_ = (
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    )


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1  # packed in the kernel's header
    _fields_ = (("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32))


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _landlock_abi(libc: ctypes.CDLL) -> int:
    """The kernel's Landlock ABI version, 0 when it has none (or it is disabled)."""
    abi = libc.syscall(
        _SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0), _LANDLOCK_CREATE_RULESET_VERSION
    )
    return max(0, int(abi))


def _landlock_confine(libc: ctypes.CDLL, abi: int, writable_dirs: list[str]) -> None:
    """Allow writes only beneath `writable_dirs` (and to /dev/null); deny TCP; scope signals."""
    write = _FS_WRITE_FILE | _FS_REMOVE_DIR | _FS_REMOVE_FILE | _FS_MAKE_ALL
    file_rights = _FS_WRITE_FILE
    if abi >= 2:
        write |= _FS_REFER
    if abi >= 3:
        write |= _FS_TRUNCATE
        file_rights |= _FS_TRUNCATE
    if abi >= 5:
        write |= _FS_IOCTL_DEV
        file_rights |= _FS_IOCTL_DEV
    attr = _RulesetAttr(handled_access_fs=write)
    size = 8
    if abi >= 4:
        attr.handled_access_net = _NET_BIND_TCP | _NET_CONNECT_TCP  # no rule: all denied
        size = 16
    if abi >= 6:
        attr.scoped = _SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL
        size = 24
    ruleset = libc.syscall(
        _SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), 0
    )
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    try:
        rules = [(path, write) for path in writable_dirs] + [("/dev/null", file_rights)]
        for path, rights in rules:
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            try:
                rule = _PathBeneathAttr(allowed_access=rights, parent_fd=fd)
                added = libc.syscall(
                    _SYS_LANDLOCK_ADD_RULE,
                    ruleset,
                    _LANDLOCK_RULE_PATH_BENEATH,
                    ctypes.byref(rule),
                    0,
                )
                if added != 0:
                    raise OSError(ctypes.get_errno(), f"landlock_add_rule {path} failed")
            finally:
                os.close(fd)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "PR_SET_NO_NEW_PRIVS failed")
        if libc.syscall(_SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(ruleset)


def _write_id_maps(uid: int, gid: int) -> None:
    """After unshare(CLONE_NEWUSER) as a normal user: keep our own uid and gid inside."""
    with open("/proc/self/setgroups", "w") as f:
        f.write("deny")
    with open("/proc/self/uid_map", "w") as f:
        f.write(f"{uid} {uid} 1")
    with open("/proc/self/gid_map", "w") as f:
        f.write(f"{gid} {gid} 1")


@dataclass
class _Namespaces:
    user: bool = False  # a user namespace of our own (when not root)
    pid: bool = False  # the worker is init of its own PID namespace
    proc: bool = False  # with a /proc of its own, listing only the namespace's processes
    shm: bool = False  # with a /dev/shm of its own, which children may write
    notes: list[str] = field(default_factory=list)


def _enter_namespaces(libc: ctypes.CDLL) -> _Namespaces:
    """Give the worker its own network, PID and mount namespaces, as far as allowed."""
    uid, gid = os.getuid(), os.getgid()  # read before: unmapped ids read as the overflow id
    user = 0 if os.geteuid() == 0 else _CLONE_NEWUSER  # root needs no user namespace
    for flags in (
        _CLONE_NEWNET | _CLONE_NEWPID | _CLONE_NEWNS,
        _CLONE_NEWNET | _CLONE_NEWPID,
        _CLONE_NEWNET,
    ):
        if libc.unshare(flags | user) == 0:
            if user:
                _write_id_maps(uid, gid)
            found = _Namespaces(user=bool(user), pid=bool(flags & _CLONE_NEWPID))
            found.proc = bool(flags & _CLONE_NEWNS)  # mounted by the namespace's init
            if not found.pid:
                found.notes.append(
                    "no PID namespace: if the worker itself is killed, a process a snippet "
                    "detached with setsid() may survive it"
                )
            return found
    return _Namespaces(
        notes=[
            "no network namespace (unshare is not allowed here): snippets can reach the "
            "network over UDP (Landlock blocks TCP when present), and if the worker itself "
            "is killed, a process a snippet detached with setsid() may survive it"
        ]
    )


def _mount_private(libc: ctypes.CDLL, spaces: _Namespaces) -> None:
    """In new mount and PID namespaces: a /proc showing only the namespace's processes, and
    a /dev/shm of the worker's own (multiprocessing and DataLoader workers need one)."""
    ms_rec, ms_private = 1 << 14, 1 << 18
    ms_nosuid, ms_nodev, ms_noexec = 2, 4, 8
    flags = ms_nosuid | ms_nodev | ms_noexec
    if libc.mount(b"none", b"/", None, ms_rec | ms_private, None) != 0:
        spaces.proc = False  # never let our mounts propagate to the host
        return
    spaces.proc = libc.mount(b"proc", b"/proc", b"proc", flags, None) == 0
    options = f"size={SHM_SIZE},mode=1777".encode()
    spaces.shm = libc.mount(b"tmpfs", b"/dev/shm", b"tmpfs", flags, options) == 0


def _main(argv: list[str]) -> int:
    """The worker's entry point: namespaces, then serve (in a forked PID-namespace init)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m quizzer.runner")
    parser.add_argument("--jobs", type=int, default=default_jobs())
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT)
    parser.add_argument("--memory-limit", type=int, default=DEFAULT_MEMORY_LIMIT)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    protocol = os.dup(1)  # results go here; fd 1 becomes stderr so stray prints cannot garble
    os.set_inheritable(protocol, False)
    os.dup2(2, 1)
    libc = _libc()
    spaces = _enter_namespaces(libc)
    if spaces.pid:
        child = os.fork()
        if child:
            # the first process of the namespace is its init: it serves; we wait for it
            devnull = os.open(os.devnull, os.O_RDWR)
            os.dup2(devnull, 0)
            os.close(protocol)
            _, status = os.waitpid(child, 0)
            return os.waitstatus_to_exitcode(status) & 0xFF
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if spaces.proc:
            _mount_private(libc, spaces)
    else:
        libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)  # orphans come to us to be killed
    server = _Server(args.jobs, args.timeout, args.memory_limit, protocol, libc, spaces)
    code = server.serve()
    # skip the interpreter's teardown of torch: nothing is left to flush, it only costs time
    with contextlib.suppress(OSError):
        sys.stderr.flush()
    os._exit(code)


@dataclass
class _Child:
    mid: int
    pid: int
    folder: str
    files: tuple[int, int, int]  # stdout, stderr, outcome: opened by the worker, see `files`
    started: float
    deadline: float
    timed_out: bool = False
    too_many: bool = False  # killed by the watchdog for starting too many processes
    stopped: bool = False  # killed because the client closed the worker


class _Server:
    """The worker's loop: read requests, fork children, reap them, report results."""

    def __init__(
        self,
        jobs: int,
        timeout: float,
        memory_limit: int,
        protocol: int,
        libc: ctypes.CDLL,
        spaces: _Namespaces,
    ) -> None:
        self.jobs = max(1, jobs)
        self.timeout = timeout
        self.memory_limit = memory_limit
        self.protocol = protocol
        self.libc = libc
        self.spaces = spaces
        self.pid_ns = spaces.pid
        self.watch = spaces.proc or not spaces.pid  # see check_processes
        self.notes = spaces.notes
        self.queue: deque[tuple[int, str]] = deque()
        self.running: dict[int, _Child] = {}
        self.landlock = 0
        self.nproc_limit = False
        self.tmp = ""
        self.address_limit = 0
        self.cpu_limit = max(1, math.ceil(timeout) + 1)
        self.fork_retry_at = 0.0
        self.next_check = 0.0
        self.warning_filters: list[Any] = []
        self.broken = False

    def send(self, message: dict[str, Any]) -> None:
        if self.broken:
            return
        data = (json.dumps(message, ensure_ascii=False) + "\n").encode("utf-8", "replace")
        view = memoryview(data)
        try:
            while view:
                written = os.write(self.protocol, view)
                view = view[written:]
        except BrokenPipeError:
            self.broken = True  # the client has gone: finish quietly and exit

    # -- start-up -------------------------------------------------------------------------

    def serve(self) -> int:
        try:
            self.prepare()
        except ImportError as e:
            self.send({"type": "error", "message": _import_error_sentence(e)})
            return 2
        try:
            self.loop()
        finally:
            self.kill_all()
            shutil.rmtree(self.tmp, ignore_errors=True)
        return 0

    def prepare(self) -> None:
        """Import torch once, with one thread, warm it up, probe the sandbox features."""
        import warnings

        self.warning_filters = list(warnings.filters)
        import torch

        torch.set_num_threads(1)  # before any op: a forked child hangs on a used OpenMP pool
        with contextlib.suppress(RuntimeError):
            torch.set_num_interop_threads(1)
        import builtins
        import platform

        import numpy
        import numpy.random  # numpy imports it lazily: once here rather than in every child

        self.torch, self.numpy, self.builtins = torch, numpy, builtins
        _warm_up(torch, numpy)
        environment = {
            "torch": torch.__version__,
            "torch_git": torch.version.git_version,
            "numpy": numpy.__version__,
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpu_capability": str(torch.backends.cpu.get_cpu_capability()),
        }
        self.tmp = tempfile.mkdtemp(prefix="quizzer-run-")
        self.landlock = _landlock_abi(self.libc)
        if self.landlock == 0:
            self.notes.append(
                "Landlock is not available in this kernel: a snippet's writes are not "
                "confined to its temporary folder"
            )
        elif self.landlock < 6 and not self.pid_ns:
            self.notes.append(
                f"Landlock ABI {self.landlock} < 6: signals are not scoped, so without a "
                "PID namespace a snippet could signal the worker"
            )
        self.limit_processes()
        self.address_limit = _address_space() + self.memory_limit
        signal.signal(signal.SIGCHLD, lambda *_: None)  # wakes the selector through the fd
        import gc

        gc.freeze()  # children's garbage collections leave the warm objects (and pages) alone
        _collapse_huge_pages(self.libc)
        self.send(
            {"type": "ready", "environment": environment, "notes": self.notes, "tmp": self.tmp}
        )

    def limit_processes(self) -> None:
        """Cap the processes a fork loop can make: the namespace's pid_max, else RLIMIT_NPROC.

        The cap holds for the whole namespace; the watchdog (`check_processes`, with a /proc
        of our own) kills a snippet that has more than MAX_PROCESSES long before.
        """
        capped = False
        if self.pid_ns:
            try:
                with open("/proc/sys/kernel/pid_max", "w") as f:
                    f.write(str(PID_MAX))
                capped = True
            except OSError:
                pass
        if self.spaces.user:
            self.nproc_limit = True  # in a user namespace of our own it counts only ours
            capped = True
        if not capped:
            self.notes.append(
                "the number of processes a snippet may start is not capped here: a fork loop "
                f"is killed once a process group holds {MAX_PROCESSES}, but one whose "
                "processes call setsid() runs until the time limit"
            )

    # -- the loop -------------------------------------------------------------------------

    def loop(self) -> None:
        wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        signal.set_wakeup_fd(wake_w)
        selector = selectors.DefaultSelector()
        selector.register(0, selectors.EVENT_READ, "stdin")
        selector.register(wake_r, selectors.EVENT_READ, "wake")
        buffer = b""
        open_input = True
        while open_input or self.queue or self.running:
            self.start_children()
            wait = self.next_wait()
            for selected, _ in selector.select(wait):
                if selected.data == "wake":
                    with contextlib.suppress(BlockingIOError):
                        while os.read(wake_r, 4096):
                            pass
                    continue
                chunk = os.read(0, 1 << 16)
                if not chunk:
                    open_input = False
                    selector.unregister(0)
                    self.queue.clear()
                    for child in self.running.values():
                        child.stopped = True
                        self.kill_group(child.pid)
                    continue
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    if line.strip():
                        self.handle(json.loads(line))
            self.reap()
            self.enforce_deadlines()
            self.check_processes()

    def handle(self, request: dict[str, Any]) -> None:
        if request["op"] == "run":
            self.queue.append((request["id"], request["code"]))
        elif request["op"] == "sweep":
            # nothing of ours runs now: whatever is left was started by a snippet
            if not self.running:
                self.kill_all()
            self.send({"type": "swept"})

    def next_wait(self) -> float | None:
        now = time.monotonic()
        waits = [child.deadline - now for child in self.running.values()]
        if self.running and self.watch:
            waits.append(self.next_check - now)
        if self.queue and len(self.running) < self.jobs:
            waits.append(self.fork_retry_at - now)
        if not waits:
            return None
        return max(0.0, min(waits))

    def start_children(self) -> None:
        while self.queue and len(self.running) < self.jobs:
            if time.monotonic() < self.fork_retry_at:
                return
            mid, code = self.queue[0]
            folder = os.path.join(self.tmp, str(mid))
            os.mkdir(folder, 0o700)
            files = _open_files(folder)
            try:
                pid = os.fork()
            except OSError as e:
                _close_files(files)
                _remove_folder(folder)
                if e.errno in (errno.EAGAIN, errno.ENOMEM) and self.running:
                    # a snippet's fork loop fills the namespace: wait until it is killed
                    self.fork_retry_at = time.monotonic() + 0.05
                    return
                self.queue.popleft()
                self.report(mid, "crashed", "", "", 0.0, f"could not start a process: {e}")
                continue
            if pid == 0:
                try:
                    self.child(code, folder, files)  # never returns
                finally:
                    os._exit(70)  # whatever happens, a child must not go on as the worker
            self.queue.popleft()
            with contextlib.suppress(OSError):
                os.setpgid(pid, pid)  # also done by the child: whichever runs first
            now = time.monotonic()
            self.running[pid] = _Child(mid, pid, folder, files, now, now + self.timeout)
            self.send({"type": "started", "id": mid})

    def reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            child = self.running.pop(pid, None)
            if child is not None:
                self.finish(child, status)

    def enforce_deadlines(self) -> None:
        now = time.monotonic()
        for child in self.running.values():
            if not child.timed_out and now >= child.deadline:
                child.timed_out = True
                child.deadline = now + 3600  # reaped on its SIGCHLD, no more waking for it
                self.kill_group(child.pid)

    def check_processes(self) -> None:
        """Kill a snippet whose process group holds more than MAX_PROCESSES (a fork loop).

        Runs every PROCESS_CHECK_INTERVAL while snippets run, with a /proc that lists only the
        namespace's processes (a few stat files), or four times less often with the whole
        machine's /proc when there is no PID namespace. Not possible in a PID namespace
        without a /proc of its own: the host's /proc numbers process groups differently.
        """
        now = time.monotonic()
        if not self.watch or not self.running or now < self.next_check:
            return
        self.next_check = now + PROCESS_CHECK_INTERVAL * (1 if self.spaces.proc else 4)
        counts: dict[int, int] = {}
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open(f"/proc/{name}/stat", "rb") as f:
                    stat = f.read()
            except OSError:
                continue  # it ended meanwhile
            # after the command name (which may hold spaces and parentheses): state ppid pgrp
            pgrp = int(stat[stat.rindex(b")") + 2 :].split()[2])
            counts[pgrp] = counts.get(pgrp, 0) + 1
        for child in self.running.values():
            if counts.get(child.pid, 0) > MAX_PROCESSES and not child.too_many:
                child.too_many = True
                self.kill_group(child.pid)

    def kill_group(self, pid: int) -> None:
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)  # in case the group was not set up yet

    def kill_all(self) -> None:
        """Kill every process a snippet left behind and reap them."""
        for child in self.running.values():
            self.kill_group(child.pid)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if self.pid_ns:
                # as init of the namespace, kill(-1) reaches every other process in it
                with contextlib.suppress(OSError):
                    os.kill(-1, signal.SIGKILL)
            else:
                # as a subreaper we inherit the orphans: kill them, then their orphans
                for pid in _own_children():
                    self.kill_group(pid)
            try:
                while True:
                    pid, status = os.waitpid(-1, os.WNOHANG)
                    if pid == 0:
                        break
                    child = self.running.pop(pid, None)
                    if child is not None:
                        self.finish(child, status)
            except ChildProcessError:
                break
            time.sleep(0.005)
        if self.spaces.shm:
            # semaphores and shared tensors the snippets left in the worker's own /dev/shm
            for entry in os.scandir("/dev/shm"):
                with contextlib.suppress(OSError):
                    if entry.is_dir(follow_symlinks=False):
                        _remove_folder(entry.path)
                    else:
                        os.unlink(entry.path)

    # -- one result -----------------------------------------------------------------------

    def finish(self, child: _Child, status: int) -> None:
        seconds = time.monotonic() - child.started
        self.kill_group(child.pid)  # whatever the snippet left in its group
        # read through the worker's own descriptors: a snippet may rename or replace the files
        stdout = _read_text(child.files[0], OUTPUT_LIMIT)
        stderr = trim_output(_read_text(child.files[1], STDERR_SHOWN))
        if len(stderr) >= STDERR_SHOWN:
            stderr += "\n[stderr cut here]"
        try:
            outcome = json.loads(_read_text(child.files[2], 1 << 16) or "null")
        except ValueError:
            outcome = None
        _close_files(child.files)
        _remove_folder(child.folder)
        if isinstance(outcome, dict):
            self.learn_imports(outcome.get("imported") or [])
        detail = ""
        if child.stopped:
            state, detail = "crashed", "stopped because the worker was closed"
            output = trim_output(stdout)
        elif child.too_many:
            state = "crashed"
            detail = f"killed for running more than {MAX_PROCESSES} processes at once"
            output = trim_output(stdout)
        elif child.timed_out:
            state = "timeout"
            detail = f"killed after {self.timeout:g} s wall-clock limit"
            output = trim_output(stdout)
        elif isinstance(outcome, dict):
            state = "ok"
            exception = outcome.get("exception")
            output = trim_output(stdout)
            if exception:
                output = f"{output}\n{exception}" if output else exception
            if exception and (
                exception.startswith("MemoryError") or "can't allocate memory" in exception
            ):
                detail = (
                    f"the snippet hit the memory limit ({self.memory_limit / 1024**3:g} GiB "
                    "of address space)"
                )
        else:
            output = trim_output(stdout)
            state, detail = _explain_status(status, self.cpu_limit)
        self.report(child.mid, state, output, stderr, seconds, detail)

    def learn_imports(self, names: list[str]) -> None:
        """Import here what a snippet had to import slowly, so later children have it warm.

        Only the heavy, side-effect-free modules of `_WARMABLE`: an optimizer's first step
        imports torch._dynamo (~2 s), which each child would otherwise pay again.
        """
        import importlib

        learned = False
        for name in names:
            if name in _WARMABLE and name not in sys.modules:
                with contextlib.suppress(Exception):  # a warm-up is only an optimisation
                    importlib.import_module(name)
                    learned = True
        if learned:
            import gc

            gc.freeze()
            _collapse_huge_pages(self.libc)
            self.address_limit = _address_space() + self.memory_limit

    def report(
        self, mid: int, status: str, output: str, stderr: str, seconds: float, detail: str
    ) -> None:
        self.send(
            {
                "type": "result",
                "id": mid,
                "status": status,
                "output": output,
                "stderr": stderr,
                "seconds": round(seconds, 6),
                "detail": detail,
            }
        )

    # -- the child ------------------------------------------------------------------------

    def child(self, code: str, folder: str, files: tuple[int, int, int]) -> None:
        """In the forked child: sandbox this process, run the snippet, write the outcome."""
        me = os.getpid()
        try:
            self.sandbox(folder, files)
        except BaseException as e:
            with contextlib.suppress(BaseException):
                os.write(files[1], f"sandbox setup failed: {e!r}\n".encode())
            os._exit(70)
        exception = _run_snippet(code, self.torch, self.builtins)
        if os.getpid() != me:
            os._exit(0)  # a process the snippet forked got here: only the child reports
        imported = [name for name in _WARMABLE if name in sys.modules]
        try:
            outcome = {"exception": exception, "imported": imported}
            os.ftruncate(_OUTCOME_FD, 0)  # whatever the snippet may have written there
            os.pwrite(_OUTCOME_FD, json.dumps(outcome).encode(), 0)
        except BaseException:
            os._exit(71)
        os._exit(0)

    def sandbox(self, folder: str, files: tuple[int, int, int]) -> None:
        import random
        import resource
        import warnings

        parent = os.getppid()
        os.setpgid(0, 0)
        self.libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:
            os._exit(72)  # the worker died while we were being born
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.chdir(folder)
        stdin = os.open(os.devnull, os.O_RDONLY)
        os.dup2(stdin, 0)
        os.dup2(files[0], 1)
        os.dup2(files[1], 2)
        os.dup2(files[2], _OUTCOME_FD)
        os.closerange(_OUTCOME_FD + 1, _max_fd())  # the client's pipes, whatever torch opened
        sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
        # line-buffered: what a snippet printed before it was killed is still in the file
        for fd, name in ((1, "stdout"), (2, "stderr")):
            stream = open(fd, "w", encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115
            stream.reconfigure(line_buffering=True)
            setattr(sys, name, stream)
        sys.argv = ["<card>"]
        os.environ["TMPDIR"] = folder
        tempfile.tempdir = folder
        # fresh randomness: forks share the worker's generator states otherwise
        seed = int.from_bytes(os.urandom(8), "little")
        self.torch.default_generator.manual_seed(seed)  # torch.manual_seed also visits CUDA
        self.numpy.random.seed(seed % 2**32)
        random.seed(os.urandom(32))
        # the worker's warning registries would hide a warning it has already shown once
        warnings.resetwarnings()
        warnings.filters[:] = self.warning_filters
        if self.landlock:
            shared = ["/dev/shm"] if self.spaces.shm else []  # the worker's own tmpfs
            _landlock_confine(self.libc, self.landlock, [folder, *shared])
        limits = [
            (resource.RLIMIT_AS, self.address_limit),
            (resource.RLIMIT_CPU, self.cpu_limit),
            (resource.RLIMIT_FSIZE, OUTPUT_LIMIT),
            (resource.RLIMIT_CORE, 0),
        ]
        if self.nproc_limit:
            limits.append((resource.RLIMIT_NPROC, PID_MAX))
        for which, soft in limits:
            _, hard = resource.getrlimit(which)
            if which == resource.RLIMIT_CPU:
                # SIGXCPU at the soft limit; SIGKILL a second later if it is ignored
                hard_new = soft + 1 if hard == resource.RLIM_INFINITY else min(hard, soft + 1)
            else:
                hard_new = soft if hard == resource.RLIM_INFINITY else min(hard, soft)
            resource.setrlimit(which, (min(soft, hard_new), hard_new))


def _run_snippet(code: str, torch: Any, builtins: Any) -> str | None:
    """Run `code` in a fresh namespace; the exception line if it raised, else None."""
    exception = None
    try:
        compiled = compile(code, "<card>", "exec", dont_inherit=True)
        exec(compiled, {"__name__": "__main__", "__builtins__": builtins, "torch": torch})
    except BaseException as e:
        exception = _exception_line(e)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException as e:
            # output beyond the file size limit fails at the last flush: say so like print does
            if stream is sys.stdout and exception is None:
                exception = _exception_line(e)
    return exception


def _exception_line(e: BaseException) -> str:
    """`Type: message` as Python's last traceback line (a private leading `_` dropped)."""
    name = type(e).__name__.lstrip("_") or type(e).__name__
    if isinstance(e, SyntaxError):
        message = f"{e.msg} (line {e.lineno})" if e.lineno else str(e.msg)
    else:
        try:
            message = str(e)
        except BaseException:
            message = "<exception str() failed>"
    return f"{name}: {message}" if message else name


def _explain_status(status: int, cpu_limit: int) -> tuple[str, str]:
    """(status, detail) for a child that ended without writing its outcome."""
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        if number == signal.SIGXCPU:
            return "timeout", f"stopped at the CPU-time limit of {cpu_limit} s"
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        description = signal.strsignal(number) or ""
        hint = " (out of memory, or killed from outside)" if number == signal.SIGKILL else ""
        return "crashed", f"the process was killed by {name} ({description}){hint}"
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else status
    if code == 70:
        return "crashed", "the sandbox could not be set up (see stderr)"
    return (
        "crashed",
        f"the process ended with os._exit({code}) (or a C-level exit) before finishing",
    )


def _warm_up(torch: Any, numpy: Any) -> None:
    """Run the common operations once so children find their code paths loaded."""
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        x = torch.arange(12, dtype=torch.float32).reshape(3, 4)
        print(x, x.sum(), x.mean(dim=0), x @ x.T, x.int(), x.double(), x > 2, x.shape)
        print(torch.tensor([1e-5, 1e5]), torch.tensor([1.5, float("nan"), float("inf")]))
        print(torch.zeros(2, dtype=torch.bool), torch.ones(2, 2, dtype=torch.int64) * 3)
        print(torch.cat([x, x]), torch.stack([x, x]).shape, x[1:, ::2], x.T.contiguous())
        y = torch.randn(3, 4, requires_grad=True)
        (y * 2).sum().backward()
        print(y.grad, torch.rand(2), torch.normal(0.0, 1.0, (2,)), torch.randint(0, 5, (3,)))
        layer = torch.nn.Linear(4, 2)
        print(layer, layer(x), torch.nn.functional.softmax(x, dim=1), torch.relu(x - 5))
        print(x.numpy(), numpy.array([1.0, 2.0]), torch.from_numpy(numpy.ones(2)))
        print(torch.norm(x), x.max(dim=1), x.argmax(), torch.exp(x).log())
        torch.default_generator.manual_seed(0)
        numpy.random.seed(0)
        print(numpy.random.rand(2), numpy.random.default_rng().random(2))


def _collapse_huge_pages(libc: ctypes.CDLL) -> None:
    """Back the worker's big anonymous memory (~150 MB with torch) with 2 MiB pages.

    fork() copies and exit() tears down one page-table entry per 4 KiB page; with huge pages
    there are 512 times fewer. Measured with torch loaded: fork 3.9 -> 1.2 ms, a bare
    fork+exit 10 -> 4 ms, a small snippet 19 -> 13 ms, for ~0.13 s once (MADV_COLLAPSE,
    Linux >= 6.1; elsewhere the calls fail and nothing changes).
    """
    madv_hugepage, madv_collapse = 14, 25
    madvise = libc.madvise
    madvise.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
    with open("/proc/self/maps") as f:
        regions = f.read().splitlines()
    for region in regions:
        fields = region.split()
        if len(fields) > 5 and fields[5] != "[heap]":
            continue  # a file or a special mapping: only the heap and anonymous memory
        start, end = (int(x, 16) for x in fields[0].split("-"))
        if fields[1].startswith("rw") and end - start >= 4 << 20:
            madvise(start, end - start, madv_hugepage)
            madvise(start, end - start, madv_collapse)


def _address_space() -> int:
    """This process's virtual size in bytes (RLIMIT_AS counts reserved space)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 1024**3


def _max_fd() -> int:
    try:
        return os.sysconf("SC_OPEN_MAX")
    except (ValueError, OSError):
        return 1024


def _own_children() -> list[int]:
    """Direct children of this process (without a PID namespace: orphans that came to us)."""
    pids = []
    for task in Path("/proc/self/task").iterdir():
        with contextlib.suppress(OSError):
            pids += [int(p) for p in (task / "children").read_text().split()]
    return pids


# Modules slow to import that a snippet may pull in (torch._dynamo comes with an optimizer's
# first step): when a child imported one, the worker imports it too, once.
_WARMABLE = ("torch._dynamo", "sympy", "scipy", "pandas", "matplotlib")

_OUTCOME_FD = 3  # in the child: where it writes {"exception": ...} when the snippet ended


def _open_files(folder: str) -> tuple[int, int, int]:
    """stdout, stderr and outcome files of a child, opened by the worker before the fork."""

    def open_file(name: str) -> int:
        try:
            # unnamed: the snippet's folder looks empty and it cannot forge its outcome
            return os.open(folder, os.O_RDWR | os.O_TMPFILE | os.O_CLOEXEC, 0o600)
        except OSError:  # a file system without O_TMPFILE
            flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
            return os.open(os.path.join(folder, name), flags, 0o600)

    return open_file(".stdout"), open_file(".stderr"), open_file(".outcome")


def _close_files(files: tuple[int, int, int]) -> None:
    for fd in files:
        with contextlib.suppress(OSError):
            os.close(fd)


def _read_text(fd: int, limit: int) -> str:
    try:
        data = os.pread(fd, limit, 0)
    except OSError:
        return ""
    return data.decode("utf-8", "replace")


def _remove_folder(folder: str) -> None:
    def unlock(function: Any, path: str, _exc: Any) -> None:
        # a snippet may have taken away its own write permission
        with contextlib.suppress(OSError):
            os.chmod(os.path.dirname(path), 0o700)
            os.chmod(path, 0o700)
            function(path)

    shutil.rmtree(folder, onerror=unlock)


def _import_error_sentence(e: ImportError) -> str:
    name = e.name or "torch"
    return (
        f"the code runner needs {name}, which cannot be imported by {sys.executable} ({e}); "
        f"install it with `pip install {'torch' if name.startswith('torch') else name}`"
    )


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
