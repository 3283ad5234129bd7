"""A check leaves nothing running and cannot reach its kernel (issue 22, item 3).

The checker forks a child per check. Three things a learner's answer did to the machine:

* it forked a grandchild that called ``os.setsid()`` and spun: the checker killed only the
  child, so one process per case stayed at full CPU (30 of them, 15 minutes later);
* it wrote to the descriptors it inherited: its output went to the server's log uncapped;
* it sent ``SIGSTOP`` to its parent: the learner's kernel froze for good.

The first is tried in this process; the other two in a real IPython kernel started here
(its stdout and stderr go to a log file, as a server's kernels' do), watched from outside:
a kernel that stops is sent ``SIGCONT`` and the test fails. Every process a test starts is
killed by its id at the end.
"""

import os
import signal
import sys
import textwrap
import time

import numpy as np
import pytest

import tutor.exercises as ex
from tutor.exercises.sandbox import can_fork

pytestmark = [pytest.mark.skipif(not (can_fork() and sys.platform.startswith("linux")),
                                 reason="needs fork and /proc (Linux)"),
              pytest.mark.timeout(180)]


def alive(pid):
    """True while ``pid`` runs (a zombie has stopped running)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return False


def kill_all(pids):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_a_grandchild_that_leaves_with_setsid_dies_with_the_check(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_PROGRESS_DB", str(tmp_path / "progress.sqlite"))
    pids = tmp_path / "pids"

    def vjp_sin(ans, x):
        if not pids.exists():                   # once, not once per case
            pids.touch()
            middle = os.fork()
            if middle == 0:
                os.setsid()                     # out of the child's group and session
                if os.fork() == 0:              # the grandchild, orphaned once it has said
                    with open(pids, "a") as handle:     # who it is
                        handle.write(f"{os.getpid()}\n")
                    while True:
                        pass
                while not pids.read_text().strip():
                    time.sleep(0.01)
                os._exit(0)
            os.waitpid(middle, 0)
        return lambda g: g * np.cos(x)

    started = []
    try:
        result = ex.check("l05-vjp-sin", vjp_sin, time_limit=5)
        started = [int(line) for line in pids.read_text().split()]
        assert result.passed and len(started) == 1
        time.sleep(0.5)
        assert [pid for pid in started if alive(pid)] == [], "the grandchild is still running"
    finally:
        kill_all(started)


# ------------------------------------------------------------------ in a real kernel

@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    """A real IPython kernel whose stdout and stderr go to ``kernel.log``: (client, pid, log)."""
    from jupyter_client import KernelManager

    folder = tmp_path_factory.mktemp("kernel")
    log_path = folder / "kernel.log"
    # Not pytest's variables: ipykernel does not capture its stdout under pytest, as it
    # does under a server (where the captured output is echoed to the server's log).
    env = {name: value for name, value in os.environ.items() if not name.startswith("PYTEST")}
    env["TUTOR_PROGRESS_DB"] = str(folder / "progress.sqlite")
    manager = KernelManager(kernel_name="python3")
    with open(log_path, "wb") as log:
        manager.start_kernel(stdout=log, stderr=log, env=env)
    pid = manager.provisioner.pid
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=90)
        run(client, "import os, signal, numpy as np, tutor.exercises as ex")
        yield client, pid, log_path
    finally:
        os.kill(pid, signal.SIGCONT)            # whatever happened, it can be shut down
        client.stop_channels()
        below = [int(child) for task in os.listdir(f"/proc/{pid}/task")
                 for child in open(f"/proc/{pid}/task/{task}/children").read().split()] \
            if os.path.exists(f"/proc/{pid}") else []
        manager.shutdown_kernel(now=True)
        kill_all(below)


def run(client, code, timeout=60, on_wait=None):
    """Run ``code`` in the kernel: (status, what it printed). ``on_wait()`` is called while
    waiting, every 0.2 s."""
    message_id = client.execute(textwrap.dedent(code))
    printed, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        if on_wait is not None:
            on_wait()
        try:
            message = client.get_iopub_msg(timeout=0.2)
        except Exception:                       # queue.Empty: nothing yet
            continue
        if message["parent_header"].get("msg_id") != message_id:
            continue
        content = message["content"]
        if message["msg_type"] == "stream":
            printed.append(content["text"])
        elif message["msg_type"] == "error":
            printed.append("\n".join(content["traceback"]))
        elif message["msg_type"] == "status" and content["execution_state"] == "idle":
            reply = client.get_shell_msg(timeout=10)
            return reply["content"]["status"], "".join(printed)
    raise AssertionError(f"the kernel did not finish {code!r} within {timeout} s")


def stopped(pid):
    with open(f"/proc/{pid}/stat", "rb") as handle:
        return handle.read().rsplit(b")", 1)[1].split()[0] in (b"T", b"t")


def test_a_child_that_stops_its_parent_does_not_freeze_the_kernel(kernel):
    client, pid, _ = kernel
    seen_stopped = []

    def wake_it_up():
        if stopped(pid):
            seen_stopped.append(True)
            os.kill(pid, signal.SIGCONT)

    status, printed = run(client, """
        def vjp_sin(ans, x):
            os.kill(os.getppid(), signal.SIGSTOP)
            return lambda g: g * np.cos(x)
        result = ex.check("l05-vjp-sin", vjp_sin, time_limit=5)
        print(result.problem, result.message)
        """, on_wait=wake_it_up)
    assert not seen_stopped, "the kernel was stopped (SIGSTOP from the check's child)"
    assert status == "ok" and "PermissionError" in printed
    assert run(client, "print(6 * 7)")[1].strip() == "42"


def test_what_a_check_writes_to_inherited_descriptors_never_reaches_the_servers_log(kernel):
    client, _, log_path = kernel
    before = log_path.stat().st_size
    status, printed = run(client, """
        LINE = b"a check flooding the server's log\\n"
        import tempfile
        flooded = os.path.join(tempfile.mkdtemp(), "flooded")
        def vjp_sin(ans, x):
            if not os.path.exists(flooded):     # once only: 330 kB a descriptor
                open(flooded, "w").close()
                for fd in map(int, os.listdir("/proc/self/fd")):
                    try:
                        target = os.readlink(f"/proc/self/fd/{fd}")
                        if target.startswith("pipe:") or target.endswith(".log"):
                            for _ in range(10):
                                os.write(fd, LINE * 1000)
                    except OSError:
                        pass
            return lambda g: g * np.cos(x)
        result = ex.check("l05-vjp-sin", vjp_sin, time_limit=20)
        print(result.passed)
        """)
    time.sleep(1)                               # what the kernel echoes arrives after
    grown = log_path.stat().st_size - before
    assert status == "ok" and len(printed) < 10_000, f"{len(printed)} characters on the page"
    assert grown < 50_000, f"the server's log grew by {grown} bytes"
    assert b"flooding" not in log_path.read_bytes()
