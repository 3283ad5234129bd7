"""Closing a dashboard tab shuts its kernel down (headless Chromium against ``tutor.server``).

Voila's page asks the server to shut its kernel down when the tab closes, sending the
``_xsrf`` cookie's value with the request. Plain Voila 0.5.13 never set that cookie, so every
one of those requests was refused (403) and the kernels lived on until the idle culler.
"""

import time
from pathlib import Path

import pytest

from server_probes import kernel_pids, kernels_alive_after_closing_tabs
from voila_server import start_voila, stop_process_tree

pytestmark = [pytest.mark.browser, pytest.mark.timeout(400)]

if not Path("/usr/bin/chromium").exists():
    pytest.skip("/usr/bin/chromium is missing (Debian: apt-get install chromium); the browser "
                "tests use the system Chromium and never download one", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")

TABS = 3
PRELOADED = 2   # voila.json's default_pool_size: kernels that wait for the next visitor


@pytest.fixture(scope="module")
def server(artifacts_dir):
    voila = start_voila("app.ipynb", artifacts_dir / "voila-tabs.log")
    try:
        yield voila
    finally:
        stop_process_tree(voila.process)


def test_closing_the_tabs_shuts_their_kernels_down_within_ten_seconds(server, browser):
    kernels, alive = kernels_alive_after_closing_tabs(browser, server.url, tabs=TABS, wait=10)
    assert len(set(kernels)) == TABS
    assert alive == []
    assert "'_xsrf' argument missing" not in server.log()
    deadline = time.monotonic() + 60   # the pool refills behind the learners who left
    while len(kernel_pids(server.pid)) != PRELOADED:
        assert time.monotonic() < deadline, f"{len(kernel_pids(server.pid))} kernels running"
        time.sleep(0.5)
