"""A server one page cannot starve (issue 22, items 1, 2 and 7), attacked as written.

``python -m tutor.server`` runs on 127.0.0.1 with a descriptor limit of
:data:`OPEN_FILES` (so running it out of descriptors costs this machine nothing), a cap of 5
kernels (the 2 preheated ones included), 6 s for a page to connect or come back, and at
most 6 websockets per address. Each test says what the attack did before:

1. one page opening 40 websockets to its own kernel (each ~9 descriptors) ran the server out
   of descriptors: nobody else was answered and the log grew by megabytes a second;
2. fetching the page and touching each kernel's websocket for a moment held every seat for
   the 15 minutes of the idle culler;
7. a websocket with ``Host`` = ``Origin`` = ``evil.example`` (DNS rebinding) was upgraded,
   and a widget message the kernel could not use sent the page a traceback full of the
   server's paths.
"""

import asyncio
import os
import re
import time
import urllib.error
import urllib.request

import pytest
from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect

from server_probes import (V1, HeldWebsocket, answers_within, connect, fetch_page, kernel_alive,
                           kernel_pids, message, open_many, v1_frame)
from voila_server import REPO, start_voila, stop_process_tree

pytestmark = pytest.mark.timeout(300)

OPEN_FILES = 256
MAX_KERNELS = 5
POOL = 2
TIMEOUT = 6              # seconds for a page to connect, or to come back
PER_KERNEL = 4           # voila.json's default: the server's own
PER_ADDRESS = 6
POOL_FILLED = "Kernel pool of app.ipynb is filled"


@pytest.fixture(scope="module")
def server(artifacts_dir):
    voila = start_voila("app.ipynb", artifacts_dir / "voila-limits.log", [
        f"--GuardedKernelManager.max_kernels={MAX_KERNELS}",
        f"--GuardedKernelManager.unconnected_timeout={TIMEOUT}",
        f"--GuardedKernelManager.disconnected_timeout={TIMEOUT}",
        f"--GuardedKernelManager.max_websockets_per_address={PER_ADDRESS}"],
        open_files=OPEN_FILES)
    try:
        wait_until(lambda: POOL_FILLED in voila.log(), "the pool never filled")
        yield voila
    finally:
        stop_process_tree(voila.process)


def wait_until(condition, failure, timeout=90):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, failure
        time.sleep(0.25)


def new_page(server):
    """A dashboard page's kernel id and HTML, once no page is left from an earlier test (the
    class is back to its preheated kernels)."""
    wait_until(lambda: len(kernel_pids(server.pid)) <= POOL, "earlier pages were not culled")
    status, body, kernel_id, _ = fetch_page(server.url)
    assert status == 200 and kernel_id
    return kernel_id, body


def test_forty_websockets_to_ones_own_kernel_get_four_and_starve_nobody(server):
    kernel_id, _ = new_page(server)
    log_before = server.log_path.stat().st_size

    async def attack():
        opened, refused, failed = await open_many(server.url, kernel_id, 40)
        descriptors = len(os.listdir(f"/proc/{server.pid}/fd"))
        answered = await asyncio.get_running_loop().run_in_executor(
            None, answers_within, server.url, 2)
        visitor = await asyncio.get_running_loop().run_in_executor(
            None, lambda: fetch_page(server.url, timeout=30)[0])
        for ws in opened:
            ws.close()
        return len(opened), refused, failed, descriptors, answered, visitor

    opened, refused, failed, descriptors, answered, visitor = asyncio.run(attack())
    assert descriptors < OPEN_FILES / 2, f"the server holds {descriptors} descriptors"
    assert answered, "another request was not answered within 2 s"
    assert visitor == 200, "a new visitor did not get the dashboard"
    assert (opened, len(refused), failed) == (PER_KERNEL, 40 - PER_KERNEL, 0)
    assert {code for code, _ in refused} == {1008}
    assert all("close another tab" in reason for _, reason in refused)
    grown = server.log_path.stat().st_size - log_before
    assert grown < 200_000, f"the log grew by {grown} bytes"


def test_one_address_holds_at_most_its_share_of_websockets(server):
    first, _ = new_page(server)
    second = fetch_page(server.url)[2]

    async def attack():
        opened_first, _, _ = await open_many(server.url, first, PER_KERNEL)
        opened_second, refused, _ = await open_many(server.url, second, PER_KERNEL)
        for ws in opened_first + opened_second:
            ws.close()
        return len(opened_first), len(opened_second), refused

    on_first, on_second, refused = asyncio.run(attack())
    assert (on_first, on_second) == (PER_KERNEL, PER_ADDRESS - PER_KERNEL)
    assert refused and all(code == 1008 and "your address" in reason for code, reason in refused)


def test_a_seat_touched_once_is_freed_and_an_open_page_keeps_its_own(server):
    """The issue: fetch the page until the class is full, touch each kernel's websocket for
    0.2 s, and visitors still got 503 minutes later."""
    reading, _ = new_page(server)
    page = HeldWebsocket(server.url, reading)           # a learner reading: it stays open
    try:
        async def touch(kernel_id):
            ws = await connect(server.url, kernel_id, subprotocols=[V1])
            await asyncio.sleep(0.2)
            ws.close()

        touched = []
        for _ in range(MAX_KERNELS - POOL - 1):
            touched.append(fetch_page(server.url)[2])
            asyncio.run(touch(touched[-1]))                  # at once, as a script would
        assert fetch_page(server.url)[0] == 503              # the class is full ...
        wait_until(lambda: not any(kernel_alive(server.url, k) for k in touched),
                   "kernels nobody is connected to still hold their seats", TIMEOUT + 40)
        assert "no page has been connected" in server.log()
        assert fetch_page(server.url)[0] == 200              # ... and then it is not
        assert kernel_alive(server.url, reading) and page.open
    finally:
        page.close()


def test_a_host_the_server_is_not_meant_for_is_refused(server):
    """DNS rebinding: the page of evil.example, its name now pointing at 127.0.0.1."""
    kernel_id, _ = new_page(server)
    port = server.url.rsplit(":", 1)[1].strip("/")

    async def rebound(host):
        ws_url = server.url.replace("http", "ws", 1) + f"api/kernels/{kernel_id}/channels"
        request = HTTPRequest(ws_url, headers={"Host": host, "Origin": f"http://{host}"})
        ws = await websocket_connect(request, subprotocols=[V1])
        ws.close()

    with pytest.raises(HTTPClientError) as refused:
        asyncio.run(rebound(f"evil.example:{port}"))
    assert refused.value.code == 403
    asyncio.run(rebound(f"localhost:{port}"))               # the names it serves still work
    asyncio.run(rebound(f"127.0.0.1:{port}"))
    request = urllib.request.Request(server.url, headers={"Host": "evil.example"})
    with pytest.raises(urllib.error.HTTPError) as page:
        urllib.request.urlopen(request, timeout=30)
    assert page.value.code == 403


def test_no_traceback_with_a_server_path_reaches_the_page(server):
    kernel_id, body = new_page(server)
    models = re.findall(r'"model_id": "([0-9a-f]{32})"', body)
    assert models, "no widget on the page"

    async def send_bad_states():
        ws = await connect(server.url, kernel_id, subprotocols=[V1])
        for state in ({"value": {"nested": [1, 2]}}, {"layout": 5}, {"children": ["IPY_MODEL_x"]}):
            update = {"comm_id": models[0], "data": {"method": "update", "state": state,
                                                      "buffer_paths": []}}
            await ws.write_message(v1_frame(message("comm_msg", update)), binary=True)
        received, deadline = [], time.monotonic() + 8
        while time.monotonic() < deadline:
            try:
                frame = await asyncio.wait_for(ws.read_message(), 1)
            except asyncio.TimeoutError:
                continue
            if frame is None:
                break
            received.append(frame)
        ws.close()
        return received

    received = asyncio.run(send_bad_states())
    errors = [frame for frame in received if b'"msg_type": "error"' in frame]
    assert errors, "the kernel sent no error for the bad states"
    assert not [frame for frame in received if str(REPO).encode() in frame
                or b"site-packages" in frame], "a server path reached the page"
    assert any(b"TraitError" in frame for frame in errors)    # what was wrong is still said
