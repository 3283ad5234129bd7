"""Probing a running Voila from outside, as a visitor or an attacker would.

Shared by ``tests/test_server_security.py`` and ``benchmarks/server_attacks.py``: fetch the
dashboard, ask whether a kernel is alive, open a kernel websocket, build kernel messages,
and read the Voila process's CPU time and resident memory from ``/proc``.
"""

import asyncio
import json
import re
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from jupyter_server.services.kernels.connection.base import serialize_msg_to_ws_v1
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from voila_server import child_pids

V1 = "v1.kernel.websocket.jupyter.org"
KERNEL_ID = re.compile(r'"kernelId": "([0-9a-f-]{36})"')


def fetch_page(url, timeout=120):
    """GET the dashboard: (status, body, kernel id or None, headers)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply:
            status, body, headers = reply.status, reply.read().decode(), reply.headers
    except urllib.error.HTTPError as refused:
        status, body, headers = refused.code, refused.read().decode(), refused.headers
    found = KERNEL_ID.search(body)
    return status, body, found and found.group(1), headers


def kernel_alive(url, kernel_id):
    """True while Voila knows the kernel (``GET /api/kernels/<id>`` answers 200, not 404)."""
    try:
        urllib.request.urlopen(f"{url}api/kernels/{kernel_id}", timeout=5).close()
        return True
    except urllib.error.HTTPError as error:
        if error.code != 404:
            raise
        return False


def answers_within(url, seconds):
    """True if another request (a missing static file) gets any HTTP answer in time."""
    try:
        urllib.request.urlopen(url + "voila/static/not-a-file", timeout=seconds).close()
    except urllib.error.HTTPError:
        pass   # 403 or 404 is an answer
    except OSError:
        return False
    return True


def kernel_pids(server_pid):
    """Process ids of the kernels a server started: its own children only. (A kernel's
    children, such as the forked process a check runs in, are not kernels.)"""
    kernels = []
    for pid in child_pids(server_pid):
        try:
            parent = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue   # it exited meanwhile
        if parent == server_pid:
            kernels.append(pid)
    return kernels


def cpu_seconds(pid):
    """User plus system CPU time the process has used (``/proc/<pid>/stat``, 1/100 s ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100


def resident_mb(pid):
    """The process's resident memory in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024


def message(msg_type, content, metadata=None):
    """A kernel message as a client builds one (header, parent header, metadata, content)."""
    header = {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "username": "visitor",
              "session": uuid.uuid4().hex, "date": "", "version": "5.3"}
    return {"header": header, "parent_header": {}, "metadata": metadata or {},
            "content": content, "buffers": []}


def v1_frame(msg, channel="shell"):
    """``msg`` packed as one binary frame of the v1 kernel websocket protocol."""
    parts = [json.dumps(msg[key]).encode() for key in ("header", "parent_header", "metadata", "content")]
    return serialize_msg_to_ws_v1(parts, channel)


def legacy_widget_state_request():
    """The issue's two legacy (JSON text) messages: open the widget control comm, ask for states."""
    comm_id = uuid.uuid4().hex
    opening = message("comm_open", {"comm_id": comm_id, "target_name": "jupyter.widget.control",
                                    "data": {}}, metadata={"version": "1.0.0"})
    asking = message("comm_msg", {"comm_id": comm_id, "data": {"method": "request_states"}})
    return [json.dumps({**sent, "channel": "shell"}) for sent in (opening, asking)]


def connect(url, kernel_id, subprotocols=None):
    """Open the kernel's websocket (a coroutine); no subprotocol means the legacy protocol."""
    ws_url = url.replace("http", "ws", 1) + f"api/kernels/{kernel_id}/channels?session_id=probe"
    return websocket_connect(HTTPRequest(ws_url), subprotocols=subprotocols)


class HeldWebsocket:
    """A kernel websocket kept open in a thread of its own, as an open page keeps it (the
    tests' own ``asyncio.run`` calls each have a loop of their own and cannot share one)."""

    def __init__(self, url, kernel_id, session="held"):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        ws_url = url.replace("http", "ws", 1) + f"api/kernels/{kernel_id}/channels?session_id={session}"

        async def connecting():                   # made in the loop's own thread
            return await websocket_connect(HTTPRequest(ws_url), subprotocols=[V1])
        self.ws = asyncio.run_coroutine_threadsafe(connecting(), self.loop).result(60)
        self.reading = asyncio.run_coroutine_threadsafe(self._read(), self.loop)

    async def _read(self):
        while await self.ws.read_message() is not None:
            pass                                  # a page reads what its kernel sends

    @property
    def open(self):
        return not self.reading.done()

    def close(self):
        self.loop.call_soon_threadsafe(self.ws.close)
        try:
            self.reading.result(10)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)


async def read_until_closed(ws, seconds=10):
    """Read until the server closes the socket: its (code, reason), or None if it did not."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if await asyncio.wait_for(ws.read_message(), deadline - time.monotonic()) is None:
                return ws.close_code, ws.close_reason
        except asyncio.TimeoutError:
            break
    return None


async def open_many(url, kernel_id, count):
    """Open ``count`` v1 websockets to a kernel, each its own session, as fast as possible:
    (the open ones, [(close code, reason)] of the refused ones, how many failed otherwise)."""
    async def one(index):
        ws_url = (url.replace("http", "ws", 1)
                  + f"api/kernels/{kernel_id}/channels?session_id=flood{index}-{uuid.uuid4().hex}")
        try:
            ws = await asyncio.wait_for(websocket_connect(HTTPRequest(ws_url, request_timeout=20),
                                                          subprotocols=[V1]), 30)
        except Exception:                               # noqa: BLE001 - refused or reset
            return "failed", None
        closed = await read_until_closed(ws, seconds=1.5)
        return ("refused", closed) if closed else ("open", ws)

    results = await asyncio.gather(*(one(index) for index in range(count)))
    opened = [ws for how, ws in results if how == "open"]
    refused = [closed for how, closed in results if how == "refused"]
    return opened, refused, sum(how == "failed" for how, _ in results)


def kernels_alive_after_closing_tabs(browser, url, tabs=3, wait=10, load_timeout_ms=90_000):
    """Open ``tabs`` dashboards in a Playwright ``browser``, close them as a person closes a
    tab (``beforeunload`` runs), wait ``wait`` seconds: (kernel ids, those still alive)."""
    from playwright.sync_api import expect

    context = browser.new_context()
    pages, kernels = [], []
    try:
        for _ in range(tabs):
            page = context.new_page()
            page.goto(url, wait_until="commit", timeout=load_timeout_ms)
            expect(page.locator(".tutor-step-forward")).to_be_visible(timeout=load_timeout_ms)
            pages.append(page)
            kernels.append(page.evaluate(
                "() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"))
        for page in pages:
            page.close(run_before_unload=True)
        time.sleep(wait)
        return kernels, [kernel for kernel in kernels if kernel_alive(url, kernel)]
    finally:
        context.close()
