"""Before and after: the attacks of issues 9 and 22 on plain Voila and on ``python -m tutor.server``.

Run from anywhere:  .venv/bin/python benchmarks/server_attacks.py  [--only guarded]

For each server (plain ``voila`` with the repository's settings minus the guards, then
``python -m tutor.server`` with ``voila.json`` as it is), on 127.0.0.1 and a free port:

1. **legacy frames**: open a page's kernel websocket without the v1 subprotocol, send
   ``comm_open`` (``jupyter.widget.control``) and ``comm_msg {"method": "request_states"}``;
2. **2**62 offsets**: on a v1 websocket, send the 8-byte frame ``(2**62).to_bytes(8, "little")``;

   for both: Voila's CPU use and resident memory over the 5 s after, and whether another
   request answered within a second. A server that freezes is killed after the 5 s and
   started again for the next attack.
3. **12 GETs in 10 s**: the most kernels alive at once, and how many pages were refused;
4. **text-model flood**: 40 ``comm_open`` of a 9 MB text model on one v1 websocket: the
   kernel's resident memory before and after (the guarded server closes the socket at the
   first one, past its 1 MiB message cap).

5. **closing tabs**: open 3 dashboards in headless Chromium (Debian's), close the tabs, and
   count the kernels still alive 10 s later (skipped without Chromium or Playwright).

The attacks of issue 22 (``--attacks issue22`` runs only these):

6. **websocket flood**: on a server whose descriptor limit is lowered to 256, open 60 v1
   websockets to one page's kernel, each its own session: how many stay open, the server's
   descriptors, whether another request and a new visitor are answered, the log's growth;
7. **seats touched once**: fetch the page until the class is full, open each kernel's
   websocket for 0.2 s, and time how long a new visitor gets 503 (up to 200 s);
8. **DNS rebinding**: a websocket and a page request with ``Host`` = ``Origin`` =
   ``evil.example``: the HTTP status;
9. **tracebacks**: widget states of the wrong type sent to the page's kernel: how many of the
   frames sent back hold a path of the server.

Numbers are printed, never asserted; the machine's load moves the CPU figures.
"""

import argparse
import asyncio
import json
import re
import shutil
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from server_probes import (  # noqa: E402  (tests/ holds the probes the tests use too)
    V1, answers_within, connect, cpu_seconds, fetch_page, kernel_pids, legacy_widget_state_request,
    message, open_many, read_until_closed, resident_mb, v1_frame)
from server_probes import kernels_alive_after_closing_tabs  # noqa: E402
from voila_server import (  # noqa: E402
    CHROMIUM, CHROMIUM_ARGS, REPO, start_voila, stop_process_tree)

GUARD_SETTINGS = {"GuardedKernelManager", "Voila"}


def plain_voila(log_dir, **options):
    """Plain ``python -m voila`` in a scratch folder holding app.ipynb and the guard-free settings."""
    folder = Path(tempfile.mkdtemp(prefix="plain-voila-"))
    settings = json.loads((REPO / "voila.json").read_text())
    for name in GUARD_SETTINGS:
        settings.pop(name, None)
    settings["VoilaConfiguration"].pop("multi_kernel_manager_class", None)
    (folder / "voila.json").write_text(json.dumps(settings))
    shutil.copy(REPO / "app.ipynb", folder / "app.ipynb")
    return start_voila(folder / "app.ipynb", log_dir / "plain.log", cwd=folder, module="voila",
                       **options)


def guarded_voila(log_dir, **options):
    return start_voila("app.ipynb", log_dir / "guarded.log", **options)


def wait_for_pool(server, timeout=120):
    deadline = time.monotonic() + timeout
    while "Kernel pool of app.ipynb is filled" not in server.log() and time.monotonic() < deadline:
        time.sleep(0.5)


def watch(server, seconds=5):
    """Voila's share of a CPU, its memory growth (MiB) and the slowest answer over ``seconds``."""
    cpu, memory, start = cpu_seconds(server.pid), resident_mb(server.pid), time.monotonic()
    answered = True
    while time.monotonic() - start < seconds:
        asked = time.monotonic()
        answered &= answers_within(server.url, 1)
        time.sleep(max(0.0, 1 - (time.monotonic() - asked)))
    share = (cpu_seconds(server.pid) - cpu) / (time.monotonic() - start)
    return share, resident_mb(server.pid) - memory, resident_mb(server.pid), answered


async def send_legacy(url, kernel_id):
    ws = await connect(url, kernel_id)
    for sent in legacy_widget_state_request():
        await ws.write_message(sent)
    return ws


async def send_huge_count(url, kernel_id):
    ws = await connect(url, kernel_id, subprotocols=[V1])
    await ws.write_message((2**62).to_bytes(8, "little"), binary=True)
    return ws


def frame_attack(server, name, send):
    """Send one attack to a fresh page's kernel; print what the server did in the 5 s after."""
    _, _, kernel_id, _ = fetch_page(server.url)

    async def attack_and_watch():
        try:
            ws = await send(server.url, kernel_id)
        except Exception as refused:
            outcome = f"refused ({refused})"
        else:
            closed = await read_until_closed(ws, seconds=1)
            outcome = f"closed {closed[0]}" if closed else "accepted"
        return outcome, await asyncio.get_running_loop().run_in_executor(None, watch, server)

    outcome, (share, growth, resident, answered) = asyncio.run(attack_and_watch())
    print(f"  {name}: {outcome}; next 5 s: Voila at {share:.0%} CPU, {growth:+.0f} MiB "
          f"(now {resident:.0f} MiB), other requests answered within 1 s: {answered}")
    return share < 0.5 and answered


def burst_of_gets(server, pages=12, seconds=10):
    def visit(index):
        time.sleep(index * seconds / pages)
        return fetch_page(server.url)[0]
    most = 0
    with ThreadPoolExecutor(pages) as pool:
        visits = [pool.submit(visit, index) for index in range(pages)]
        while not all(visit.done() for visit in visits):
            most = max(most, len(kernel_pids(server.pid)))
            time.sleep(0.2)
    statuses = [visit.result() for visit in visits]
    print(f"  {pages} GETs in {seconds} s: at most {most} kernels alive; "
          f"{statuses.count(200)} pages served, {statuses.count(503)} refused (503)")


def text_model_flood(server, count=40, megabytes=9):
    _, _, kernel_id, _ = fetch_page(server.url)
    pid = next(pid for pid in kernel_pids(server.pid)
               if kernel_id in Path(f"/proc/{pid}/cmdline").read_text(errors="replace"))
    before = resident_mb(pid)

    async def flood():
        ws = await connect(server.url, kernel_id, subprotocols=[V1])
        sent, stopped = 0, ""
        for _ in range(count):
            state = {"_model_name": "TextModel", "_model_module": "@jupyter-widgets/controls",
                     "_model_module_version": "2.0.0", "value": "x" * (megabytes * 10**6)}
            opening = message("comm_open", {"comm_id": uuid.uuid4().hex, "target_name": "jupyter.widget",
                                            "data": {"state": state, "buffer_paths": []}},
                              metadata={"version": "2.1.0"})
            try:
                await ws.write_message(v1_frame(opening), binary=True)
            except Exception as error:   # the server closed the socket under us
                stopped = f" (then {type(error).__name__}, close code {ws.close_code})"
                break
            sent += 1
            await asyncio.sleep(0.05)
        return sent, stopped or f" (close code {ws.close_code})"

    sent, stopped = asyncio.run(flood())
    time.sleep(5)
    print(f"  {count} comm_open of a {megabytes} MB text model: {sent} sent{stopped}; "
          f"kernel {before:.0f} -> {resident_mb(pid):.0f} MiB resident")


def closing_tabs(server, tabs=3):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("  closing tabs: skipped (Playwright is not installed)")
        return
    if not CHROMIUM.exists():
        print(f"  closing tabs: skipped ({CHROMIUM} is missing)")
        return
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            kernels, alive = kernels_alive_after_closing_tabs(browser, server.url, tabs=tabs)
        finally:
            browser.close()
    refused = len(re.findall(r"^403 POST /voila/api/shutdown/\S+ \(", server.log(), re.MULTILINE))
    print(f"  {tabs} tabs closed: {len(alive)} of {len(kernels)} kernels alive 10 s later "
          f"({refused} shutdown requests refused for a missing _xsrf)")


def websocket_flood(server, count=60):
    _, _, kernel_id, _ = fetch_page(server.url)
    before = server.log_path.stat().st_size

    async def flood():
        opened, refused, failed = await open_many(server.url, kernel_id, count)
        descriptors = len(list(Path(f"/proc/{server.pid}/fd").iterdir()))
        loop = asyncio.get_running_loop()
        answered = await loop.run_in_executor(None, answers_within, server.url, 2)
        asked = time.monotonic()
        try:
            visitor = await loop.run_in_executor(None, lambda: fetch_page(server.url, 30)[0])
        except OSError as error:
            visitor = type(error).__name__
        visitor_seconds = time.monotonic() - asked
        await asyncio.sleep(3)
        for ws in opened:
            ws.close()
        return len(opened), refused, failed, descriptors, answered, visitor, visitor_seconds

    opened, refused, failed, descriptors, answered, visitor, seconds = asyncio.run(flood())
    codes = sorted({code for code, _ in refused})
    print(f"  {count} websockets to one kernel (256 descriptors): {opened} open, {len(refused)} "
          f"closed by the server (codes {codes}), {failed} failed; the server holds "
          f"{descriptors} descriptors; another request answered within 2 s: {answered}; a new "
          f"visitor got {visitor} in {seconds:.1f} s; the log grew "
          f"{(server.log_path.stat().st_size - before) / 1e6:.2f} MB")


def touched_seats(server, longest=200):
    kernels, status = [], 200

    async def touch(kernel_id):
        ws = await connect(server.url, kernel_id, subprotocols=[V1])
        await asyncio.sleep(0.2)
        ws.close()
    for _ in range(20):                  # no cap: stop after 20 pages
        status, _, kernel_id, _ = fetch_page(server.url)
        if status != 200:
            break
        kernels.append(kernel_id)
        asyncio.run(touch(kernel_id))
        time.sleep(0.2)
    if status == 200:
        print(f"  seats touched once: {len(kernels)} pages served, none refused (no cap)")
        return
    start = time.monotonic()
    while fetch_page(server.url)[0] == 503 and time.monotonic() - start < longest:
        time.sleep(5)
    waited = time.monotonic() - start
    print(f"  seats touched once: the class was full after {len(kernels)} pages; a new visitor "
          + (f"got a seat {waited:.0f} s later" if waited < longest else
             f"still got 503 after {longest} s"))


def rebinding(server):
    _, _, kernel_id, _ = fetch_page(server.url)
    port = server.url.rsplit(":", 1)[1].strip("/")
    headers = {"Host": f"evil.example:{port}", "Origin": f"http://evil.example:{port}"}

    async def websocket():
        ws_url = server.url.replace("http", "ws", 1) + f"api/kernels/{kernel_id}/channels"
        try:
            (await websocket_connect(HTTPRequest(ws_url, headers=headers),
                                     subprotocols=[V1])).close()
            return 101
        except HTTPClientError as refused:
            return refused.code
    request = urllib.request.Request(server.url, headers=headers)
    try:
        page = urllib.request.urlopen(request, timeout=30).status
    except urllib.error.HTTPError as refused:
        page = refused.code
    print(f"  Host = Origin = evil.example: websocket {asyncio.run(websocket())}, "
          f"page request {page}")


def tracebacks(server):
    _, body, kernel_id, _ = fetch_page(server.url)
    model = re.search(r'"model_id": "([0-9a-f]{32})"', body).group(1)

    async def send_bad_states():
        ws = await connect(server.url, kernel_id, subprotocols=[V1])
        for state in ({"value": {"nested": [1]}}, {"layout": 5}, {"children": ["IPY_MODEL_x"]}):
            update = {"comm_id": model, "data": {"method": "update", "state": state,
                                                  "buffer_paths": []}}
            await ws.write_message(v1_frame(message("comm_msg", update)), binary=True)
        frames = []
        while (closed := await read_frame(ws)) is not None:
            frames.append(closed)
        ws.close()
        return frames

    frames = asyncio.run(send_bad_states())
    leaking = [frame for frame in frames if str(REPO).encode() in frame
               or b"site-packages" in frame]
    print(f"  3 widget states of the wrong type: {len(frames)} frames back, {len(leaking)} "
          f"with a server path")


async def read_frame(ws, seconds=5):
    try:
        return await asyncio.wait_for(ws.read_message(), seconds)
    except asyncio.TimeoutError:
        return None


def measure_issue22(name, start):
    log_dir = REPO / "test-artifacts" / "server-attacks"
    log_dir.mkdir(parents=True, exist_ok=True)
    print(f"{name} (issue 22):")
    server = start(log_dir, open_files=256)
    try:
        wait_for_pool(server)
        websocket_flood(server)
    finally:
        stop_process_tree(server.process)
    for attacks in ((rebinding, tracebacks), (touched_seats,)):    # seats: a fresh class
        server = start(log_dir)
        try:
            wait_for_pool(server)
            for attack in attacks:
                attack(server)
        finally:
            stop_process_tree(server.process)


def measure(name, start):
    log_dir = REPO / "test-artifacts" / "server-attacks"
    log_dir.mkdir(parents=True, exist_ok=True)
    print(f"{name}:")
    for attack, send in (("legacy frames", send_legacy), ("2**62 offsets", send_huge_count)):
        server = start(log_dir)
        try:
            wait_for_pool(server)
            frame_attack(server, attack, send)
        finally:
            stop_process_tree(server.process)
    server = start(log_dir)
    try:
        wait_for_pool(server)
        closing_tabs(server)
        text_model_flood(server)
        burst_of_gets(server)
    finally:
        stop_process_tree(server.process)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["plain", "guarded"])
    parser.add_argument("--attacks", choices=["all", "issue9", "issue22"], default="all")
    options = parser.parse_args()
    servers = [("plain", "plain Voila (no guards)", plain_voila),
               ("guarded", "python -m tutor.server (voila.json)", guarded_voila)]
    for key, name, start in servers:
        if options.only not in (None, key):
            continue
        if options.attacks != "issue22":
            measure(name, start)
        if options.attacks != "issue9":
            measure_issue22(name, start)


if __name__ == "__main__":
    main()
