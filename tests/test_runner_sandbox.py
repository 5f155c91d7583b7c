"""Hostile and broken snippets: each gets its verdict, the next card still runs, nothing is left.

Every test runs the bad snippet together with a harmless neighbour in the module's worker and
then checks that the neighbour printed its answer and that no process started by a snippet
is still running (a scan of /proc below the worker, no psutil).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from quizzer.runner import MAX_PROCESSES, OUTPUT_LIMIT, SnippetResult, Worker
from tests.helpers import process_tree

TIMEOUT = 1.5
NEIGHBOUR = ("neighbour", "print(torch.ones(2).sum())")


@pytest.fixture(scope="module")
def worker() -> Iterator[Worker]:
    with Worker(jobs=2, timeout=TIMEOUT) as w:
        yield w


@pytest.fixture(scope="module")
def idle_tree(worker: Worker) -> set[int]:
    """The worker's processes when no snippet runs."""
    assert worker.pid is not None
    return process_tree(worker.pid)


def run_hostile(worker: Worker, idle_tree: set[int], code: str) -> SnippetResult:
    """Run `code` beside a harmless snippet; check the neighbour and that nothing is left."""
    restarts = worker.restarts
    hostile, neighbour = worker.run([("hostile", code), NEIGHBOUR])
    assert (neighbour.status, neighbour.output) == ("ok", "tensor(2.)"), neighbour
    assert worker.restarts == restarts, "the worker died"
    assert worker.pid is not None
    assert process_tree(worker.pid) == idle_tree, "a snippet left a process running"
    return hostile


def test_the_sandbox_is_complete_on_this_machine(worker: Worker) -> None:
    # The other tests assume a kernel with Landlock and namespaces; say so if it lacks them.
    assert worker.notes == []


def test_infinite_loop_times_out(worker: Worker, idle_tree: set[int]) -> None:
    result = run_hostile(worker, idle_tree, "print('start')\nwhile True:\n    pass")
    assert result.status == "timeout"
    assert result.output == "start"  # what it printed before it was killed
    assert result.detail == f"killed after {TIMEOUT:g} s wall-clock limit"
    assert TIMEOUT <= result.seconds < TIMEOUT + 1


def test_sleep_times_out(worker: Worker, idle_tree: set[int]) -> None:
    result = run_hostile(worker, idle_tree, "import time\ntime.sleep(100)")
    assert (result.status, result.output) == ("timeout", "")


@pytest.mark.parametrize(
    ("code", "last_line"),
    [
        (
            "x = torch.empty(50_000_000_000, dtype=torch.uint8)",
            "RuntimeError: [enforce fail at",
        ),
        ("x = torch.zeros(50 * 2**30 // 4)", "RuntimeError: [enforce fail at"),
        ("x = bytearray(50_000_000_000)", "MemoryError"),
        ("x = [0] * 50_000_000_000", "MemoryError"),
    ],
)
def test_a_50_gb_allocation_fails_inside_the_snippet(
    worker: Worker, idle_tree: set[int], code: str, last_line: str
) -> None:
    result = run_hostile(worker, idle_tree, code)
    assert result.status == "ok"
    assert result.output.startswith(last_line)
    if last_line.startswith("RuntimeError"):
        assert "can't allocate memory" in result.output
    assert "memory limit" in result.detail


def test_endless_printing_stops_at_the_output_limit(worker: Worker, idle_tree: set[int]) -> None:
    result = run_hostile(worker, idle_tree, "while True:\n    print('x' * 99)")
    assert result.status == "ok"
    assert result.output.endswith("\nOSError: [Errno 27] File too large")
    assert OUTPUT_LIMIT - 100 <= len(result.output) <= OUTPUT_LIMIT + 100


def test_endless_warnings_stop_too(worker: Worker, idle_tree: set[int]) -> None:
    code = "import sys\nfor i in range(10**7):\n    print('w' * 99, file=sys.stderr)\nprint('end')"
    result = run_hostile(worker, idle_tree, code)
    assert result.output.endswith("OSError: [Errno 27] File too large")
    assert len(result.stderr) < 20_000  # cut for display


def test_writes_outside_the_temporary_folder_are_denied(
    worker: Worker, idle_tree: set[int], tmp_path: Path
) -> None:
    target = tmp_path / "outside.txt"
    existing = tmp_path / "existing.txt"
    existing.write_text("keep me")
    code = f"""
import os, subprocess
for attempt in (
    lambda: open({str(target)!r}, "w").write("x"),
    lambda: open({str(existing)!r}, "a").write("x"),
    lambda: os.remove({str(existing)!r}),
    lambda: os.mkdir({str(tmp_path / "dir")!r}),
):
    try:
        attempt()
        print("allowed")
    except OSError as e:
        print(type(e).__name__)
shell = subprocess.run(["sh", "-c", "touch {target}; echo x >> {existing}"], capture_output=True)
print(shell.returncode != 0)
open("inside.txt", "w").write("fine")
print(open("inside.txt").read(), os.listdir("."))
"""
    result = run_hostile(worker, idle_tree, code)
    assert result.output == "PermissionError\n" * 4 + "True\nfine ['inside.txt']"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing.txt"]
    assert existing.read_text() == "keep me"


def test_the_temporary_folder_is_removed_after_the_snippet(
    worker: Worker, idle_tree: set[int]
) -> None:
    code = (
        "import os\nos.makedirs('a/b')\nopen('a/b/f', 'w').write('x')\nos.chmod('a', 0)\n"
        "print(os.getcwd())"
    )
    result = run_hostile(worker, idle_tree, code)
    folder = Path(result.output)
    assert folder.name.isdigit() and folder.parent.name.startswith("quizzer-run-")
    assert not folder.exists()
    assert folder.parent.exists()  # the worker's own folder, removed when it stops


def test_no_network(worker: Worker, idle_tree: set[int]) -> None:
    tcp = socket.create_server(("127.0.0.1", 0))
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    tcp.settimeout(0.2)
    udp.settimeout(0.2)
    tcp_port, udp_port = tcp.getsockname()[1], udp.getsockname()[1]
    code = f"""
import socket, subprocess
try:
    socket.create_connection(("127.0.0.1", {tcp_port}), timeout=1)
    print("tcp connected")
except OSError as e:
    print("tcp", type(e).__name__)
try:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(b"x", ("127.0.0.1", {udp_port}))
    print("udp sent")
except OSError as e:
    print("udp", type(e).__name__)
shell = "exec 3<>/dev/tcp/127.0.0.1/{tcp_port} && echo shell connected"
print(subprocess.run(["bash", "-c", shell], capture_output=True, text=True).stdout.strip())
"""
    try:
        result = run_hostile(worker, idle_tree, code)
        with pytest.raises(TimeoutError):
            tcp.accept()
        with pytest.raises(TimeoutError):
            udp.recvfrom(10)
    finally:
        tcp.close()
        udp.close()
    assert "connected" not in result.output and "udp sent" not in result.output
    assert result.output.startswith("tcp PermissionError\nudp OSError")


def test_a_fork_loop_is_killed(worker: Worker, idle_tree: set[int]) -> None:
    result = run_hostile(worker, idle_tree, "import os\nwhile True:\n    os.fork()")
    assert result.status == "crashed"
    assert result.detail == f"killed for running more than {MAX_PROCESSES} processes at once"


def test_forked_sleepers_are_killed_when_the_snippet_ends(
    worker: Worker, idle_tree: set[int]
) -> None:
    code = (
        "import os, time\nfor i in range(5):\n    if os.fork() == 0:\n"
        "        time.sleep(100)\nprint('parent done')"
    )
    assert run_hostile(worker, idle_tree, code).output == "parent done"


def test_a_detached_grandchild_is_killed_when_the_run_ends(
    worker: Worker, idle_tree: set[int]
) -> None:
    code = (
        "import os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
        "        time.sleep(100)\n    os._exit(0)\nos.wait()\nprint('parent done')"
    )
    assert run_hostile(worker, idle_tree, code).output == "parent done"


def test_killing_the_worker_from_a_snippet_fails(worker: Worker, idle_tree: set[int]) -> None:
    code = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nprint('still here')"
    result = run_hostile(worker, idle_tree, code)  # also checks that the worker survived
    assert result.status == "ok"
    assert result.output in ("still here", "PermissionError: [Errno 1] Operation not permitted")
    other = run_hostile(worker, idle_tree, "import os\nos.kill(1, 9)\nos.killpg(1, 9)\nprint(1)")
    assert other.output in ("1", "PermissionError: [Errno 1] Operation not permitted")


def test_os_exit_is_a_crash_with_a_sentence(worker: Worker, idle_tree: set[int]) -> None:
    result = run_hostile(worker, idle_tree, "import os\nprint('bye', flush=True)\nos._exit(0)")
    assert (result.status, result.output) == ("crashed", "bye")
    assert (
        result.detail == "the process ended with os._exit(0) (or a C-level exit) before finishing"
    )


def test_sys_exit_is_an_exception_line(worker: Worker, idle_tree: set[int]) -> None:
    result = run_hostile(worker, idle_tree, "import sys\nprint('a')\nsys.exit(3)")
    assert (result.status, result.output) == ("ok", "a\nSystemExit: 3")


def test_a_segmentation_fault_is_a_crash(worker: Worker, idle_tree: set[int]) -> None:
    result = run_hostile(worker, idle_tree, "import ctypes\nctypes.string_at(0)")
    assert result.status == "crashed"
    assert result.detail.startswith("the process was killed by SIGSEGV")


def test_global_torch_state_does_not_reach_the_next_snippet(
    worker: Worker, idle_tree: set[int]
) -> None:
    changer = (
        "torch.manual_seed(0)\ntorch.set_default_dtype(torch.float64)\n"
        "torch.set_printoptions(precision=2)\nsecret = 42\n"
        "print(torch.tensor([1 / 3]))"
    )
    assert run_hostile(worker, idle_tree, changer).output == "tensor([0.33])"
    reader = (
        "print(torch.tensor([1 / 3]), torch.get_default_dtype(), 'secret' in globals())\n"
        "print(torch.rand(3))"
    )
    after = run_hostile(worker, idle_tree, reader).output.splitlines()
    assert after[0] == "tensor([0.3333]) torch.float32 False"
    assert after[1] != "tensor([0.4963, 0.7682, 0.0885])"  # what manual_seed(0) gives


def test_inherited_file_descriptors_are_closed(worker: Worker, idle_tree: set[int]) -> None:
    code = (
        "import os\nfds = []\nfor fd in range(64):\n    try:\n        os.fstat(fd)\n"
        "        fds.append(fd)\n    except OSError:\n        pass\nprint(fds)"
    )
    # 0-2 are /dev/null and the two output files, 3 is where the child reports its outcome
    assert run_hostile(worker, idle_tree, code).output == "[0, 1, 2, 3]"


def test_multiprocessing_works_in_a_private_dev_shm(worker: Worker, idle_tree: set[int]) -> None:
    code = """
from torch.utils.data import DataLoader, TensorDataset
loader = DataLoader(TensorDataset(torch.arange(8.0)), batch_size=4, num_workers=2)
print([batch[0].tolist() for batch in loader])
open("/dev/shm/quizzer-test-left-behind", "w").write("x")
"""
    result = run_hostile(worker, idle_tree, code)
    assert result.output == "[[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0]]"
    assert not Path("/dev/shm/quizzer-test-left-behind").exists()  # the worker's own tmpfs
    code = "import os\nprint(os.listdir('/dev/shm'))"
    assert run_hostile(worker, idle_tree, code).output == "[]"  # emptied after each run


def test_what_a_snippet_finds_around_it(worker: Worker, idle_tree: set[int]) -> None:
    code = """
import os, resource, sys, tempfile
print(os.listdir("."), tempfile.gettempdir() == os.getcwd() == os.environ["TMPDIR"])
print(resource.getrlimit(resource.RLIMIT_CORE), resource.getrlimit(resource.RLIMIT_FSIZE))
print(resource.getrlimit(resource.RLIMIT_CPU))
print(resource.getrlimit(resource.RLIMIT_AS)[0] < 4 * 2**30)
pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
print(1 in pids, len(pids) < 10, sys.argv)
"""
    assert run_hostile(worker, idle_tree, code).output.splitlines() == [
        "[] True",
        "(0, 0) (1048576, 1048576)",
        "(3, 4)",  # timeout 1.5 s: SIGXCPU after 3 s of CPU, SIGKILL after 4
        "True",
        "True True ['<card>']",  # only the worker's own PID namespace is visible
    ]


def test_many_bad_snippets_in_one_run(worker: Worker, idle_tree: set[int]) -> None:
    snippets = [
        ("loop", "while True: pass"),
        ("exit", "import os\nos._exit(1)"),
        ("syntax", "def ("),
        ("memory", "bytearray(50_000_000_000)"),
        ("good", "print(torch.arange(3))"),
    ]
    results = worker.run(snippets)
    assert [r.status for r in results] == ["timeout", "crashed", "ok", "ok", "ok"]
    assert results[2].output.startswith("SyntaxError: ")
    assert results[4].output == "tensor([0, 1, 2])"
    assert worker.pid is not None
    assert process_tree(worker.pid) == idle_tree


def test_stopping_the_worker_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    with Worker(jobs=1, timeout=30) as w:
        pid = w.pid
        assert pid is not None
        idle = process_tree(pid)
        interrupted: list[SnippetResult] = []
        sleeper = ("sleeper", "import time\ntime.sleep(100)")
        thread = threading.Thread(target=lambda: interrupted.extend(w.run([sleeper, NEIGHBOUR])))
        thread.start()
        # leave the block while the sleeper runs: that must not wait for it
        while process_tree(pid) == idle:
            assert thread.is_alive()
        tree = process_tree(pid)
    thread.join(timeout=10)
    assert [(r.key, r.status, r.detail) for r in interrupted] == [
        ("sleeper", "crashed", "stopped because the worker was closed"),
        ("neighbour", "crashed", "not run: the worker was closed"),
    ]
    assert not process_tree(os.getpid()) & tree
    assert list(tmp_path.iterdir()) == []


# -- the same protections on machines that allow less ---------------------------------------

_ELSEWHERE = """
import json, os
from quizzer.runner import Worker
snippets = [
    ("uid", "import os\\nprint(os.geteuid())"),
    ("write", "open('/tmp/quizzer-must-not-exist', 'w')"),
    ("kill", "import os\\nos.kill(os.getppid(), 9)\\nprint('alive')"),
    ("escape", "import os, time\\nif os.fork() == 0:\\n    os.setsid()\\n"
               "    time.sleep(100)\\nprint('up')"),
    ("forks", "import os\\nwhile True:\\n    os.fork()"),
    ("after", "print(torch.ones(2).sum())"),
]
with Worker(jobs=2, timeout=3) as w:
    results = [(r.key, r.status, r.output, r.detail) for r in w.run(snippets)]
    left = open(f"/proc/{w.pid}/task/{w.pid}/children").read().split()
    print(json.dumps({"notes": w.notes, "results": results, "restarts": w.restarts, "left": left}))
"""


def run_elsewhere(prefix: list[str]) -> dict[str, Any]:
    """Run snippets in a worker started under `prefix`; check what must hold everywhere."""
    if os.geteuid() != 0 or not shutil.which(prefix[0]):
        pytest.skip(f"needs root and {prefix[0]} to set up the restricted process")
    done = subprocess.run(
        [*prefix, sys.executable, "-c", _ELSEWHERE], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    results = {key: (status, output, detail) for key, status, output, detail in report["results"]}
    assert results["write"][1].startswith("PermissionError: [Errno 13]")
    assert not Path("/tmp/quizzer-must-not-exist").exists()
    assert results["kill"][:2] in (
        ("ok", "alive"),
        ("ok", "PermissionError: [Errno 1] Operation not permitted"),
    )
    assert results["escape"][:2] == ("ok", "up")
    assert results["after"][:2] == ("ok", "tensor(2.)")
    assert report["restarts"] == 0
    return {"notes": report["notes"], "results": results, "left": report["left"]}


@pytest.mark.slow
def test_as_a_normal_user_in_a_user_namespace() -> None:
    # root maps itself to uid 1000 in a user namespace: the worker sees a normal user and
    # takes that path (its own user namespace, RLIMIT_NPROC)
    report = run_elsewhere(["unshare", "--user", "--map-user=1000", "--map-group=1000"])
    assert report["notes"] == []
    assert report["results"]["uid"][1] == "1000"
    assert report["results"]["forks"][0] == "crashed"
    assert len(report["left"]) == 1  # only the namespace's init, which serves


@pytest.mark.slow
def test_without_namespaces() -> None:
    # root without CAP_SYS_ADMIN cannot unshare: no network or PID namespace, Landlock only
    report = run_elsewhere(["setpriv", "--bounding-set", "-sys_admin", "--inh-caps", "-sys_admin"])
    assert any(note.startswith("no network namespace") for note in report["notes"])
    assert report["results"]["forks"][:2] == ("crashed", "")
    assert f"more than {MAX_PROCESSES} processes" in report["results"]["forks"][2]
    assert report["left"] == []  # the escaped sleeper came to the worker and was killed
