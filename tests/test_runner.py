"""The code runner's contract: outputs, exceptions, stderr, randomness, environment, restarts."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from quizzer.runner import (
    ENVIRONMENT_KEYS,
    RunnerError,
    SnippetResult,
    Worker,
    installed_torch_version,
    run_twice,
    trim_output,
)
from tests.helpers import process_tree


@pytest.fixture(scope="module")
def worker() -> Iterator[Worker]:
    with Worker(jobs=2, timeout=3.0) as w:
        yield w


def run_one(worker: Worker, code: str) -> SnippetResult:
    (result,) = worker.run([("card", code)])
    return result


def test_importing_the_runner_does_not_import_torch() -> None:
    code = "import quizzer.runner, sys; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_installed_torch_version_reads_metadata_only() -> None:
    code = (
        "import sys, quizzer.runner as r; v = r.installed_torch_version(); "
        "assert 'torch' not in sys.modules; print(v)"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    version = out.stdout.strip()
    assert version == installed_torch_version()
    assert version.startswith("2.")


def test_trim_output() -> None:
    assert trim_output("a  \n\n  b\t\n\n\n") == "a\n\n  b"
    assert trim_output("") == ""
    assert trim_output("\n\n") == ""


def test_output_is_stdout_with_trailing_whitespace_trimmed(worker: Worker) -> None:
    result = run_one(worker, "print('  a   ')\nprint()\nprint('b\\t')\nprint('\\n\\n')")
    assert result == SnippetResult("card", "ok", "  a\n\nb", "", result.seconds, "")
    assert 0 < result.seconds < 3


def test_a_tensor_prints_as_torch_prints_it(worker: Worker) -> None:
    code = (
        "x = torch.tensor([[5, 6], [9, 10]])\nprint(x)\nprint(torch.norm(torch.tensor([3., -4.])))"
    )
    assert run_one(worker, code).output == "tensor([[ 5,  6],\n        [ 9, 10]])\ntensor(5.)"


def test_an_exception_is_the_last_line_without_traceback(worker: Worker) -> None:
    result = run_one(worker, "print('before')\nraise ValueError('bad value')\nprint('after')")
    assert (result.status, result.output) == ("ok", "before\nValueError: bad value")
    assert result.stderr == ""
    shapes = run_one(worker, "torch.ones(2) + torch.ones(3)")
    assert shapes.output == (
        "RuntimeError: The size of tensor a (2) must match the size of tensor b (3) at "
        "non-singleton dimension 0"
    )
    assert run_one(worker, "{}['k']").output == "KeyError: 'k'"
    assert run_one(worker, "raise ValueError").output == "ValueError"


def test_torch_private_exception_class_reads_as_its_public_name(worker: Worker) -> None:
    result = run_one(worker, "torch.linalg.inv(torch.zeros(2, 2))")
    assert result.output.startswith("LinAlgError: linalg.inv:")


def test_a_syntax_error_is_reported_as_such(worker: Worker) -> None:
    result = run_one(worker, "print('never runs')\nx = (")
    assert (result.status, result.output) == ("ok", "SyntaxError: '(' was never closed (line 2)")
    assert run_one(worker, "if True print(1)").output.startswith("SyntaxError: ")


def test_stderr_is_separate_and_every_snippet_shows_its_warnings(worker: Worker) -> None:
    code = (
        "import sys, warnings\nwarnings.warn('careful')\n"
        "print('to stderr', file=sys.stderr)\nprint('out')"
    )
    first, second = worker.run([("a", code), ("b", code)])
    for result in (first, second):
        assert result.output == "out"
        assert "UserWarning: careful" in result.stderr
        assert result.stderr.endswith("to stderr")


def test_the_namespace_is_fresh_and_main(worker: Worker) -> None:
    code = "print(__name__)\nprint(sorted(k for k in globals() if not k.startswith('__')))"
    assert run_one(worker, code).output == "__main__\n['torch']"
    code = "from __future__ import annotations\ndef f(x: int): pass\nprint(f.__annotations__)"
    assert run_one(worker, code).output == "{'x': 'int'}"
    assert run_one(worker, "def f(x: int): pass\nprint(f.__annotations__)").output == (
        "{'x': <class 'int'>}"  # the runner's own `from __future__` does not leak in
    )


def test_unicode_output(worker: Worker) -> None:
    assert run_one(worker, "print('范数 ‖x‖ = 5')").output == "范数 ‖x‖ = 5"


def test_unseeded_random_numbers_differ_between_snippets(worker: Worker) -> None:
    code = (
        "import random, numpy\n"
        "print(torch.rand(3), numpy.random.rand(), random.random(), torch.randn(2))"
    )
    results = worker.run([(str(i), code) for i in range(3)])
    outputs = [r.output for r in results]
    assert len(set(outputs)) == 3, outputs
    seeded = "torch.manual_seed(0)\nprint(torch.rand(3))"
    a, b = worker.run([("a", seeded), ("b", seeded)])
    assert a.output == b.output == "tensor([0.4963, 0.7682, 0.0885])"


def test_stdin_is_empty(worker: Worker) -> None:
    assert run_one(worker, "input()").output == "EOFError: EOF when reading a line"


def test_environment_fields(worker: Worker) -> None:
    env = worker.environment
    assert set(env) == set(ENVIRONMENT_KEYS)
    assert env["torch"] == installed_torch_version()
    assert len(env["torch_git"]) == 40
    assert env["python"] == platform.python_version()
    assert env["machine"] == platform.machine()
    assert env["numpy"][0].isdigit()
    assert env["cpu_capability"]
    assert all(isinstance(v, str) and v for v in env.values())


def test_results_come_in_input_order_and_each_is_reported(worker: Worker) -> None:
    snippets = [(f"k{i}", f"import time\ntime.sleep({(5 - i) / 50})\nprint({i})") for i in range(6)]
    seen: list[str] = []
    results = worker.run(snippets, on_result=lambda r: seen.append(r.key))
    assert [r.key for r in results] == [k for k, _ in snippets]
    assert [r.output for r in results] == [str(i) for i in range(6)]
    assert sorted(seen) == sorted(k for k, _ in snippets)
    assert worker.run([]) == []


def test_a_slow_lazy_import_is_paid_once(worker: Worker) -> None:
    # An optimizer's first step imports torch._dynamo (~2 s); after a child has done it,
    # the worker imports it too, so the next children find it loaded.
    code = (
        "w = torch.tensor([1.0, 2.0], requires_grad=True)\n"
        "opt = torch.optim.SGD([w], lr=0.1)\n(w ** 2).sum().backward()\nopt.step()\nprint(w)"
    )
    first = run_one(worker, code)
    second = run_one(worker, code)
    assert first.output == second.output == "tensor([0.8000, 1.6000], requires_grad=True)"
    assert second.seconds < 0.5 < first.seconds


def test_duplicate_keys_are_kept_apart(worker: Worker) -> None:
    results = worker.run([("same", "print(1)"), ("same", "print(2)")])
    assert [r.output for r in results] == ["1", "2"]


def test_run_twice_uses_two_worker_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the workers' folders go here
    snippets = [
        ("det", "print(torch.arange(4).sum())"),
        ("hash", "print(hash('quizzer'))"),  # differs between processes, not between forks
        ("rand", "print(torch.rand(2))"),
    ]
    calls: list[tuple[int, str]] = []
    notes = ["kept"]
    first, second, env = run_twice(
        snippets,
        jobs=2,
        timeout=3.0,
        on_result=lambda i, r: calls.append((i, r.key)),
        notes=notes,
    )
    assert notes == ["kept"]  # a complete sandbox on this machine adds none
    assert [r.key for r in first] == [r.key for r in second] == ["det", "hash", "rand"]
    assert first[0].output == second[0].output == "tensor(6)"
    assert first[1].output != second[1].output
    assert first[2].output != second[2].output
    assert sorted(calls) == sorted((i, k) for i in (0, 1) for k, _ in snippets)
    assert set(env) == set(ENVIRONMENT_KEYS)
    assert not list(tmp_path.glob("quizzer-run-*")), "the workers left their folders behind"


def test_a_missing_torch_is_a_sentence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "torch"
    fake.mkdir()
    (fake / "__init__.py").write_text(
        "raise ModuleNotFoundError('No module named torch', name='torch')"
    )
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    with pytest.raises(RunnerError, match=r"needs torch.*pip install torch"), Worker():
        pass
    with pytest.raises(RunnerError, match=r"needs torch"):
        run_twice([("a", "print(1)")])


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        Worker(jobs=0)
    with pytest.raises(ValueError):
        Worker(timeout=0)
    with pytest.raises(RuntimeError, match="not started"):
        Worker().run([("a", "print(1)")])


def _kill_worker_while(name: str, stop: threading.Event) -> None:
    """Kill the worker whenever a process called `name` runs under it, as if it had."""
    while not stop.is_set():
        for entry in Path("/proc").iterdir():
            try:
                if not entry.name.isdigit() or (entry / "comm").read_text().strip() != name:
                    continue
                stat = (entry / "stat").read_text()
                os.kill(int(stat[stat.rindex(")") + 2 :].split()[1]), 9)
            except (OSError, ValueError):
                continue
        time.sleep(0.005)


@pytest.mark.fault
def test_a_dead_worker_is_restarted_and_only_the_guilty_snippet_blamed() -> None:
    # The sandbox keeps a snippet from killing its worker (PID namespace, Landlock signal
    # scope), so a watcher plays the killer: it kills the worker whenever the snippet that
    # renamed itself `quizzer-guilty` runs, also when that snippet runs again alone.
    guilty = (
        "import ctypes, time\nctypes.CDLL(None).prctl(15, b'quizzer-guilty', 0, 0, 0)\n"
        "time.sleep(2)\nprint('unreachable')"
    )
    innocent = "import time\ntime.sleep(0.3)\nprint('fine')"
    stop = threading.Event()
    watcher = threading.Thread(target=_kill_worker_while, args=("quizzer-guilty", stop))
    watcher.start()
    try:
        with Worker(jobs=2, timeout=3.0) as w:
            first_pid = w.pid
            results = w.run([("a", innocent), ("guilty", guilty), ("b", innocent), ("c", innocent)])
            assert [r.status for r in results] == ["ok", "crashed", "ok", "ok"]
            assert [r.output for r in results] == ["fine", "", "fine", "fine"]
            assert "worker process died" in results[1].detail
            assert w.restarts == 2  # once while it ran with others, once alone
            assert w.pid != first_pid
            assert run_one(w, "print('still working')").output == "still working"
            tree = process_tree(w.pid)
        assert not process_tree(os.getpid()) & tree, "the worker left processes running"
    finally:
        stop.set()
        watcher.join()
