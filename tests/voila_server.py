"""Starting and stopping Voila for the browser tests and the dashboard benchmarks.

Voila is started the way ``make app`` starts it: through ``python -m tutor.server`` (Voila
with the server guards of ``tutor.server``), from the repository root (so it reads the
repository's ``voila.json``), on a free local port. Kernels run in sessions of their own,
so stopping the server also finds and stops them. Chromium is Debian's
``/usr/bin/chromium``, driven through Playwright's ``executable_path``; Playwright's own
browser download is never used.
"""

import os
import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SERVER_START_TIMEOUT = 60  # seconds for Voila to answer HTTP at all


def free_port():
    """A TCP port nobody is listening on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_pids(pid):
    """Process ids started by ``pid`` and by its children (read from ``/proc``)."""
    found = []
    pending = [pid]
    while pending:
        parent = pending.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                text = Path(f"/proc/{parent}/task/{task}/children").read_text()
            except OSError:
                continue
            for child in map(int, text.split()):
                found.append(child)
                pending.append(child)
    return found


def wait_for_http(url, process, timeout=SERVER_START_TIMEOUT):
    """Block until the server at ``url`` answers any HTTP status, or fail.

    We ask for a path that does not exist: a 404 proves the server is up, while asking for
    the dashboard itself would start (and use up) a kernel.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Voila exited with code {process.returncode} before serving")
        try:
            urllib.request.urlopen(url + "voila/static/not-a-file", timeout=2)
            return
        except urllib.error.HTTPError:
            return  # any HTTP answer means Voila is serving
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"Voila did not answer on {url} within {timeout} s")


def stop_process_tree(process, timeout=15):
    """Stop Voila and every kernel it started.

    Kernels run in sessions of their own, so killing Voila's process group does not reach
    them; Voila shuts them down on SIGTERM, and anything still alive afterwards is killed.
    """
    kernels = child_pids(process.pid)
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=timeout)
    for pid in kernels:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


class VoilaServer:
    """A running Voila process: ``url`` to open, ``log_path`` to read, ``pid`` to inspect."""

    def __init__(self, process, url, log_path):
        self.process = process
        self.url = url
        self.log_path = log_path

    @property
    def pid(self):
        return self.process.pid

    def log(self):
        return self.log_path.read_text(errors="replace")


def start_voila(notebook, log_path, extra_args=(), cwd=REPO, module="tutor.server",
                open_files=None):
    """Start ``python -m tutor.server notebook`` from the repository root on a free local port.

    ``tutor.server`` is the ``voila`` command with the server guards installed (same
    arguments, same ``voila.json``), so the tests see what ``make app`` serves.
    ``module="voila"`` and another ``cwd`` start plain Voila elsewhere, for comparisons.
    ``open_files`` lowers the server's (and its kernels') limit of open file descriptors,
    so a test can run the server out of them without touching the machine's.

    Run from the root, Voila reads the repository's ``voila.json`` (preheated kernels,
    culling). Kernels use the kernelspec ``python3``, whose ``python`` Jupyter replaces by the
    interpreter running Voila, so they import this checkout's ``tutor``.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_file = open(log_path, "w")
    command = [sys.executable, "-m", module, str(notebook), "--no-browser",
               f"--port={port}", "--Voila.ip=127.0.0.1", *extra_args]
    def limit_open_files():
        resource.setrlimit(resource.RLIMIT_NOFILE, (open_files, open_files))

    process = subprocess.Popen(command, cwd=cwd, stdout=log_file, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, start_new_session=True,
                               preexec_fn=limit_open_files if open_files else None)
    log_file.close()
    try:
        wait_for_http(url, process)
    except Exception:
        stop_process_tree(process)
        raise
    return VoilaServer(process, url, log_path)
