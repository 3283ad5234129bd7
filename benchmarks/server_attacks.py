"""Before and after: the attacks of issue 9 on plain Voila and on ``python -m tutor.server``.

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
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from server_probes import (  # noqa: E402  (tests/ holds the probes the tests use too)
    V1, answers_within, connect, cpu_seconds, fetch_page, kernel_pids, legacy_widget_state_request,
    message, read_until_closed, resident_mb, v1_frame)
from server_probes import kernels_alive_after_closing_tabs  # noqa: E402
from voila_server import (  # noqa: E402
    CHROMIUM, CHROMIUM_ARGS, REPO, start_voila, stop_process_tree)

GUARD_SETTINGS = {"GuardedKernelManager", "Voila"}


def plain_voila(log_dir):
    """Plain ``python -m voila`` in a scratch folder holding app.ipynb and the guard-free settings."""
    folder = Path(tempfile.mkdtemp(prefix="plain-voila-"))
    settings = json.loads((REPO / "voila.json").read_text())
    for name in GUARD_SETTINGS:
        settings.pop(name, None)
    settings["VoilaConfiguration"].pop("multi_kernel_manager_class", None)
    (folder / "voila.json").write_text(json.dumps(settings))
    shutil.copy(REPO / "app.ipynb", folder / "app.ipynb")
    return start_voila(folder / "app.ipynb", log_dir / "plain.log", cwd=folder, module="voila")


def guarded_voila(log_dir):
    return start_voila("app.ipynb", log_dir / "guarded.log")


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
    only = parser.parse_args().only
    if only != "guarded":
        measure("plain Voila (no guards)", plain_voila)
    if only != "plain":
        measure("python -m tutor.server (voila.json)", guarded_voila)


if __name__ == "__main__":
    main()
